//! Anomaly badges: one per checker that applies, with its live count, what it means, and
//! the first finding naming the operations that prove it.

use replica_core::check::{AnomalyKind, CheckReport};
use std::rc::Rc;
use yew::prelude::*;

/// Properties of [`Anomalies`].
#[derive(Properties, PartialEq)]
pub struct AnomaliesProps {
    /// Checker results.
    pub checks: Rc<CheckReport>,
    /// Checkers that apply to the scenario.
    pub kinds: Vec<AnomalyKind>,
    /// Anomalies the configuration promises never to show.
    pub promises: Vec<AnomalyKind>,
}

/// The badges.
#[component]
pub fn Anomalies(props: &AnomaliesProps) -> Html {
    let badges = props.kinds.iter().map(|kind| {
        let count = props.checks.count(*kind);
        let finding = props.checks.findings.iter().find(|f| f.kind == *kind);
        let promised = props.promises.contains(kind);
        html! {
            <li class={classes!("badge", (count > 0).then_some("found"), promised.then_some("promised"))} data-anomaly={kind.name()} data-count={count.to_string()}>
                <span class="badge-name">{ kind.name().replace('_', " ") }</span>
                <span class="badge-count">{ count }</span>
                <p class="badge-meaning">{ kind.meaning() }{ if promised { " This configuration promises it never happens." } else { "" } }</p>
                if let Some(finding) = finding {
                    <p class="badge-finding">{ &finding.explanation }</p>
                }
            </li>
        }
    });
    html! {
        <section class="anomalies" aria-label="Anomalies found">
            <h2>{ "Anomalies" }</h2>
            <ul>{ for badges }</ul>
        </section>
    }
}
