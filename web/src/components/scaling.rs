//! The auto-scaling comparison: runs the current seed and load under both scaling policies,
//! off screen and one after the other so the page stays responsive, and shows SLA minutes
//! violated, cost and the most replicas side by side. The page shows it for scenarios that
//! scale.

use crate::hooks::use_lang;
use crate::state::AppState;
use replica_core::i18n::Msg;
use replica_core::report::{self, ScalingSummary};
use std::rc::Rc;
use yew::prelude::*;

/// Simulated seconds each policy runs for the comparison.
pub const COMPARE_DURATION_S: u64 = 60;

/// Properties of [`ScalingCompare`].
#[derive(Properties, PartialEq)]
pub struct ScalingProps {
    /// The page's state (scenario, seed, load, knobs).
    pub state: Rc<AppState>,
}

/// What the comparison shows.
#[derive(Debug, Clone, PartialEq)]
enum Comparison {
    Idle,
    Running,
    Done(Vec<(&'static str, ScalingSummary)>),
    Failed(String),
}

fn run_both(state: &AppState) -> Result<Vec<(&'static str, ScalingSummary)>, String> {
    let duration_us = COMPARE_DURATION_S * 1_000_000;
    let mut rows = Vec::new();
    for &policy in <replica_core::strategy::autoscaling::Policy as replica_core::vocabulary::Choice>::VALUES {
        let mut config = crate::state::config_of(&state.params, state.seed);
        config.knobs.insert("scaling".into(), policy.into());
        config.history_ops_max = crate::state::PAGE_HISTORY_OPS_MAX * 8;
        let quiet = report::run_quiet(config, duration_us).map_err(|e| e.to_string())?;
        let summary = report::scaling_summary(&quiet.final_state, quiet.simulation.history(), duration_us)
            .ok_or_else(|| Msg::ScenarioCannotScale.get(state.params.lang).to_string())?;
        rows.push((policy, summary));
    }
    Ok(rows)
}

/// The panel.
#[component]
pub fn ScalingCompare(props: &ScalingProps) -> Html {
    let lang = use_lang();
    let t = |msg: Msg| msg.get(lang);
    let comparison = use_state(|| Comparison::Idle);
    let onclick = {
        let (comparison, state) = (comparison.clone(), props.state.clone());
        Callback::from(move |_: MouseEvent| {
            comparison.set(Comparison::Running);
            let (comparison, state) = (comparison.clone(), state.clone());
            yew::platform::spawn_local(async move {
                // Let the "running" state paint before the work starts.
                yew::platform::time::sleep(std::time::Duration::from_millis(30)).await;
                comparison.set(match run_both(&state) {
                    Ok(rows) => Comparison::Done(rows),
                    Err(error) => Comparison::Failed(error),
                });
            });
        })
    };
    let body = match &*comparison {
        Comparison::Idle => html! {},
        Comparison::Running => html! { <p role="status">{ t(Msg::CompareRunning) }</p> },
        Comparison::Failed(error) => html! { <p role="alert">{ error }</p> },
        Comparison::Done(rows) => html! {
            <table class="scaling-compare">
                <thead><tr>
                    { for [Msg::Policy, Msg::SlaMinutes, Msg::Cost, Msg::MostReplicas].into_iter().map(|msg| html! { <th>{ t(msg) }</th> }) }
                </tr></thead>
                <tbody>
                    { for rows.iter().map(|(policy, summary)| html! {
                        <tr data-policy={*policy}>
                            <td>{ *policy }</td>
                            <td>{ format!("{:.2}", summary.sla_minutes_violated) }</td>
                            <td>{ format!("{:.4}", summary.cost) }</td>
                            <td>{ summary.replicas_max }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
        },
    };
    html! {
        <section class="scaling" aria-label={t(Msg::CompareAria)}>
            <h2>{ t(Msg::CompareTitle) }</h2>
            <p class="hint">{ Msg::CompareHint.fill(lang, &[&COMPARE_DURATION_S]) }</p>
            <button class="compare" onclick={onclick} disabled={*comparison == Comparison::Running}>{ t(Msg::CompareButton) }</button>
            { body }
        </section>
    }
}
