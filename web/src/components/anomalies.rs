//! Anomaly badges: one per checker that applies, with its live count, what it means, and
//! the first finding naming the operations that prove it; for multi-leader scenarios a
//! conflict badge that explains the first pair of concurrent writes by their version
//! vectors (it stays while the run goes on; the latest is one click away). "Show in
//! diagram" rewinds to the finding's moment and rings its operations in the space-time
//! diagram. A checker that needs a quiet run shows the verdict of the latest
//! quiet fork (its count in `data-live`), and offers "Check now" to fork again.

use crate::state::{QuietCheck, QuietReason};
use replica_core::check::{AnomalyKind, CheckReport, Finding};
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
    /// The latest quiet fork's verdicts.
    pub quiet: Rc<Option<QuietCheck>>,
    /// Fork the run and check it quiet.
    pub on_check_now: Callback<()>,
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
            && Rc::ptr_eq(&self.quiet, &other.quiet)
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
            if let Some(pair) = &log.first {
                <p class="badge-finding">{ "The first: " }{ explain_pair(pair, names) }</p>
                // Rewinds to the moment it was detected, when the diagram holds its writes.
                { show_button(&pair.ops, pair.detected_us, on_show) }
            }
            if let Some(pair) = log.latest.as_ref().filter(|latest| Some(*latest) != log.first.as_ref()) {
                <details class="badge-latest">
                    <summary>{ "The latest" }</summary>
                    <p class="badge-finding">{ explain_pair(pair, names) }</p>
                    { show_button(&pair.ops, u64::MAX, on_show) }
                </details>
            }
        </li>
    }
}

fn quiet_note(quiet: Option<&QuietCheck>, on_check_now: &Callback<()>) -> Html {
    let click = on_check_now.reform(|_: MouseEvent| ());
    let said = match quiet {
        Some(quiet) => {
            let why = match quiet.reason {
                QuietReason::Asked => "",
                QuietReason::Takeover => " (a new primary had just taken over)",
                QuietReason::Lesson => " (the lesson step's wait was over)",
            };
            format!(
                " Checked at t = {:.2} s{why} on a quiet fork: the run replayed to then, its workload stopped and run until quiet. The live run goes on.",
                quiet.at_us as f64 / 1e6
            )
        }
        None => " Needs a quiet run: Check now forks this run, stops the fork's workload and runs it until quiet."
            .to_string(),
    };
    html! {
        <>
            { said }
            <button class="check-now" onclick={click}>{ if quiet.is_some() { "Check again" } else { "Check now" } }</button>
        </>
    }
}

fn finding_view(finding: Option<&Finding>, on_show: &Callback<(Vec<u64>, u64)>) -> Html {
    let Some(finding) = finding else { return Html::default() };
    html! {
        <>
            <p class="badge-finding">{ &finding.explanation }</p>
            if !finding.ops.is_empty() {
                { show_button(&finding.ops, finding.at_us, on_show) }
            }
        </>
    }
}

/// The badges.
#[component]
pub fn Anomalies(props: &AnomaliesProps) -> Html {
    let quiet = props.quiet.as_ref().as_ref();
    let badges = props.kinds.iter().map(|kind| {
        let later = !props.live.contains(kind);
        // A live checker's verdict on the run so far; the others', the latest quiet fork's.
        let source = if later { quiet.map(|quiet| &quiet.checks) } else { Some(props.checks.as_ref()) };
        let count = source.map(|checks| checks.count(*kind));
        let finding = source.and_then(|checks| checks.findings.iter().find(|f| f.kind == *kind));
        let promised = props.promises.contains(kind);
        let found = count.is_some_and(|count| count > 0);
        html! {
            <li class={classes!("badge", found.then_some("found"), promised.then_some("promised"))} data-anomaly={kind.name()} data-count={count.unwrap_or(0).to_string()}>
                <span class="badge-name">{ kind.name().replace('_', " ") }</span>
                if let Some(count) = count {
                    <span class="badge-count" data-live={kind.name()}>{ count }</span>
                } else {
                    <span class="badge-count">{ "—" }</span>
                }
                <p class="badge-meaning">
                    { kind.meaning() }
                    { if promised { " This configuration promises it never happens." } else { "" } }
                    if later {
                        { quiet_note(quiet, &props.on_check_now) }
                    }
                </p>
                { finding_view(finding, &props.on_show) }
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
