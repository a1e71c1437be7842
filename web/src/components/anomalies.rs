//! Anomaly badges: one per checker that applies, with its live count, what it means, and
//! the first finding naming the operations that prove it; for multi-leader scenarios a
//! conflict badge that explains the first pair of concurrent writes by their version
//! vectors (it stays while the run goes on; the latest is one click away). "Show in
//! diagram" rewinds to the finding's moment and rings its operations in the space-time
//! diagram. A checker that needs a quiet run shows the verdict of the latest
//! quiet fork (its count in `data-live`), and offers "Check now" to fork again.

use crate::hooks::use_lang;
use crate::state::{QuietCheck, QuietReason};
use crate::url::Lang;
use replica_core::check::{AnomalyKind, CheckReport, Finding};
use replica_core::i18n::Msg;
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

fn show_button(ops: &[u64], at_us: u64, on_show: &Callback<(Vec<u64>, u64)>, lang: Lang) -> Html {
    let (ops, on_show) = (ops.to_vec(), on_show.clone());
    let label = ops.iter().map(|op| format!("#{op}")).collect::<Vec<_>>().join(", ");
    let click = Callback::from(move |_: MouseEvent| on_show.emit((ops.clone(), at_us)));
    html! {
        <button class="show-ops" onclick={click} title={Msg::ShowTitle.get(lang)}>
            { Msg::ShowInDiagram.fill(lang, &[&label]) }
        </button>
    }
}

/// One sentence on a conflict: which two writes, and why their vectors make them concurrent.
pub fn explain_pair(pair: &ConflictPair, names: &[String]) -> String {
    pair.explain(names)
}

fn resolution(log: &ConflictLog, lang: Lang) -> String {
    match log.policy {
        "lww" => Msg::ResolvedLww.fill(lang, &[&log.resolved, &log.lww_lost_at_merge]),
        "siblings" => Msg::ResolvedSiblings.fill(lang, &[&log.resolved, &log.open_siblings]),
        _ => Msg::ResolvedRule.fill(lang, &[&log.resolved, &log.reconciliation]),
    }
}

fn conflict_badge(log: &ConflictLog, names: &[String], on_show: &Callback<(Vec<u64>, u64)>, lang: Lang) -> Html {
    let t = |msg: Msg| msg.get(lang);
    html! {
        <li class={classes!("badge", "conflict", (log.detected > 0).then_some("found"))} data-anomaly="conflict" data-count={log.detected.to_string()}>
            <span class="badge-name">{ t(Msg::Conflicts) }</span>
            <span class="badge-count">{ log.detected }</span>
            <p class="badge-meaning">{ t(Msg::ConflictMeaning) }{ resolution(log, lang) }</p>
            if let Some(pair) = &log.first {
                <p class="badge-finding">{ t(Msg::TheFirst) }<span lang="en">{ explain_pair(pair, names) }</span></p>
                // Rewinds to the moment it was detected, when the diagram holds its writes.
                { show_button(&pair.ops, pair.detected_us, on_show, lang) }
            }
            if let Some(pair) = log.latest.as_ref().filter(|latest| Some(*latest) != log.first.as_ref()) {
                <details class="badge-latest">
                    <summary>{ t(Msg::TheLatest) }</summary>
                    <p class="badge-finding" lang="en">{ explain_pair(pair, names) }</p>
                    { show_button(&pair.ops, u64::MAX, on_show, lang) }
                </details>
            }
        </li>
    }
}

fn quiet_note(quiet: Option<&QuietCheck>, on_check_now: &Callback<()>, lang: Lang) -> Html {
    let click = on_check_now.reform(|_: MouseEvent| ());
    let said = match quiet {
        Some(quiet) => {
            let why = match quiet.reason {
                QuietReason::Asked => "",
                QuietReason::Takeover => Msg::QuietWhyTakeover.get(lang),
                QuietReason::Lesson => Msg::QuietWhyLesson.get(lang),
            };
            Msg::QuietChecked.fill(lang, &[&format!("{:.2}", quiet.at_us as f64 / 1e6), &why])
        }
        None => Msg::QuietNeeded.get(lang).to_string(),
    };
    html! {
        <>
            { said }
            <button class="check-now" onclick={click}>{ if quiet.is_some() { Msg::CheckAgain.get(lang) } else { Msg::CheckNow.get(lang) } }</button>
        </>
    }
}

fn finding_view(finding: Option<&Finding>, on_show: &Callback<(Vec<u64>, u64)>, lang: Lang) -> Html {
    let Some(finding) = finding else { return Html::default() };
    html! {
        <>
            // The proof is the checker's own sentence, in English: it names operations and values.
            <p class="badge-finding" lang="en">{ &finding.explanation }</p>
            if !finding.ops.is_empty() {
                { show_button(&finding.ops, finding.at_us, on_show, lang) }
            }
        </>
    }
}

/// The badges.
#[component]
pub fn Anomalies(props: &AnomaliesProps) -> Html {
    let lang = use_lang();
    let quiet = props.quiet.as_ref().as_ref();
    let badges = props.kinds.iter().map(|kind| {
        let later = !props.live.contains(kind);
        // A live checker's verdict on the run so far; the others', the latest quiet fork's.
        let source = if later { quiet.map(|quiet| &quiet.checks) } else { Some(props.checks.as_ref()) };
        let count = source.map(|checks| checks.count(*kind));
        let finding = source.and_then(|checks| checks.findings.iter().find(|f| f.kind == *kind));
        let promised = props.promises.contains(kind);
        let found = count.is_some_and(|count| count > 0);
        let (label, meaning) = kind.words();
        html! {
            <li class={classes!("badge", found.then_some("found"), promised.then_some("promised"))} data-anomaly={kind.name()} data-count={count.unwrap_or(0).to_string()}>
                <span class="badge-name">{ label.get(lang) }</span>
                if let Some(count) = count {
                    <span class="badge-count" data-live={kind.name()}>{ count }</span>
                } else {
                    <span class="badge-count">{ "—" }</span>
                }
                <p class="badge-meaning">
                    { meaning.get(lang) }
                    { if promised { Msg::Promised.get(lang) } else { "" } }
                    if later {
                        { quiet_note(quiet, &props.on_check_now, lang) }
                    }
                </p>
                { finding_view(finding, &props.on_show, lang) }
            </li>
        }
    });
    html! {
        <section class="anomalies" aria-label={Msg::AnomaliesFound.get(lang)}>
            <h2>{ Msg::Anomalies.get(lang) }</h2>
            <ul>
                if let Some(log) = props.conflicts.as_ref() {
                    { conflict_badge(log, &props.names, &props.on_show, lang) }
                }
                { for badges }
            </ul>
        </section>
    }
}
