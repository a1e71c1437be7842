//! Anomaly badges: one per checker that applies, with its live count, what it means, and
//! the first finding naming the operations that prove it; for multi-leader scenarios a
//! conflict badge that explains the latest pair of concurrent writes by their version
//! vectors. "Show in diagram" rewinds to the finding's moment and rings its operations in
//! the space-time diagram.

use replica_core::check::{AnomalyKind, CheckReport};
use replica_core::self_report::{ConflictLog, ConflictPair};
use std::rc::Rc;
use yew::prelude::*;

/// Properties of [`Anomalies`].
#[derive(Properties)]
pub struct AnomaliesProps {
    /// Checker results.
    pub checks: Rc<CheckReport>,
    /// Checkers that apply to the scenario.
    pub kinds: Vec<AnomalyKind>,
    /// Those the page checks live (the others need a quiet run).
    pub live: Vec<AnomalyKind>,
    /// Anomalies the configuration promises never to show.
    pub promises: Vec<AnomalyKind>,
    /// The authoritative node's conflict log, if the strategy keeps one.
    pub conflicts: Rc<Option<ConflictLog>>,
    /// Node names, by index.
    pub names: Vec<String>,
    /// Show these operations in the space-time diagram, as of this simulated time (µs).
    pub on_show: Callback<(Vec<u64>, u64)>,
}

impl PartialEq for AnomaliesProps {
    /// `on_show` is left out: it always does the same (select operations, seek).
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.checks, &other.checks)
            && self.kinds == other.kinds
            && self.live == other.live
            && self.promises == other.promises
            && Rc::ptr_eq(&self.conflicts, &other.conflicts)
            && self.names == other.names
    }
}

fn show_button(ops: &[u64], at_us: u64, on_show: &Callback<(Vec<u64>, u64)>) -> Html {
    let (ops, on_show) = (ops.to_vec(), on_show.clone());
    let label = ops.iter().map(|op| format!("#{op}")).collect::<Vec<_>>().join(", ");
    let click = Callback::from(move |_: MouseEvent| on_show.emit((ops.clone(), at_us)));
    html! {
        <button class="show-ops" onclick={click} title="Rewind to this moment and ring the operations in the space-time diagram">
            { format!("Show {label} in the diagram") }
        </button>
    }
}

/// One sentence on a conflict: which two writes, and why their vectors make them concurrent.
pub fn explain_pair(pair: &ConflictPair, names: &[String]) -> String {
    pair.explain(names)
}

fn resolution(log: &ConflictLog) -> String {
    match log.policy {
        "lww" => format!(
            "Last-writer-wins resolved all {} by wall clock: {} times the write with the earlier stamp lost when two met (the discard badge counts the effects still missing once the run is quiet).",
            log.resolved, log.lww_lost_at_merge
        ),
        "siblings" => {
            format!("Reads resolved {}; {} siblings wait for a read to merge them.", log.resolved, log.open_siblings)
        }
        _ => format!(
            "The business rule merged all {} as amounts and bounced {} overdrafts to reconciliation.",
            log.resolved, log.reconciliation
        ),
    }
}

fn conflict_badge(log: &ConflictLog, names: &[String], on_show: &Callback<(Vec<u64>, u64)>) -> Html {
    html! {
        <li class={classes!("badge", "conflict", (log.detected > 0).then_some("found"))} data-anomaly="conflict" data-count={log.detected.to_string()}>
            <span class="badge-name">{ "conflicts" }</span>
            <span class="badge-count">{ log.detected }</span>
            <p class="badge-meaning">{ "Writes to one account made by two leaders before either had heard of the other, found by comparing version vectors. " }{ resolution(log) }</p>
            if let Some(pair) = &log.latest {
                <p class="badge-finding">{ explain_pair(pair, names) }</p>
                { show_button(&pair.ops, u64::MAX, on_show) }
            }
        </li>
    }
}

/// The badges.
#[component]
pub fn Anomalies(props: &AnomaliesProps) -> Html {
    let badges = props.kinds.iter().map(|kind| {
        let count = props.checks.count(*kind);
        let finding = props.checks.findings.iter().find(|f| f.kind == *kind);
        let promised = props.promises.contains(kind);
        let later = !props.live.contains(kind);
        html! {
            <li class={classes!("badge", (count > 0).then_some("found"), promised.then_some("promised"))} data-anomaly={kind.name()} data-count={count.to_string()}>
                <span class="badge-name">{ kind.name().replace('_', " ") }</span>
                <span class="badge-count">{ if later { "—".to_string() } else { count.to_string() } }</span>
                <p class="badge-meaning">
                    { kind.meaning() }
                    { if promised { " This configuration promises it never happens." } else { "" } }
                    { if later { " Checked once the run is quiet: run it with replica-lab run." } else { "" } }
                </p>
                if let Some(finding) = finding {
                    <p class="badge-finding">{ &finding.explanation }</p>
                    if !finding.ops.is_empty() {
                        { show_button(&finding.ops, finding.at_us, &props.on_show) }
                    }
                }
            </li>
        }
    });
    html! {
        <section class="anomalies" aria-label="Anomalies found">
            <h2>{ "Anomalies" }</h2>
            <ul>
                if let Some(log) = props.conflicts.as_ref() {
                    { conflict_badge(log, &props.names, &props.on_show) }
                }
                { for badges }
            </ul>
        </section>
    }
}
