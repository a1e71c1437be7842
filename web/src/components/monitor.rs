//! The lag monitor's panels — the seed's `/regions`, `/health`, `/alerts` endpoints as
//! tables: each region's health and worst lag against its threshold, the alerts active now,
//! and the latest raises and clears. Renders nothing for scenarios without a monitor; it only
//! reads the simulation.

use crate::hooks::use_lang;
use crate::url::Lang;
use replica_core::i18n::Msg;
use replica_core::monitor::{AlertRule, Health};
use replica_core::scenario::Simulation;
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

/// Alert events listed at most.
pub const TIMELINE_SHOWN: usize = 8;

/// Properties of [`MonitorPanel`].
#[derive(Properties)]
pub struct MonitorProps {
    /// The simulation whose monitor to show.
    pub simulation: Rc<RefCell<Box<dyn Simulation>>>,
    /// Re-read when this changes.
    pub version: u64,
}

impl PartialEq for MonitorProps {
    fn eq(&self, other: &Self) -> bool {
        self.version == other.version && Rc::ptr_eq(&self.simulation, &other.simulation)
    }
}

fn health_words(health: Health, lang: Lang) -> &'static str {
    match health {
        Health::Healthy => Msg::HealthHealthy,
        Health::Degraded => Msg::HealthDegraded,
        Health::Down => Msg::Down,
    }
    .get(lang)
}

/// An alert rule in words.
pub fn rule_words(rule: AlertRule, lang: Lang) -> &'static str {
    match rule {
        AlertRule::CriticalLag => Msg::RuleCriticalLag,
        AlertRule::ErrorRate => Msg::RuleErrorRate,
        AlertRule::Utilisation => Msg::RuleUtilisation,
        AlertRule::Pool => Msg::RulePool,
        AlertRule::NodeDown => Msg::RuleNodeDown,
    }
    .get(lang)
}

/// The panels.
#[component]
pub fn MonitorPanel(props: &MonitorProps) -> Html {
    let lang = use_lang();
    let t = |msg: Msg| msg.get(lang);
    let simulation = props.simulation.borrow();
    let Some(monitor) = simulation.monitor() else { return html! {} };
    let regions = monitor.regions();
    let active = monitor.active();
    let recent: Vec<_> = monitor.timeline().rev().take(TIMELINE_SHOWN).cloned().collect();
    html! {
        <section class="monitor" aria-label={t(Msg::LagMonitor)}>
            <h2>{ t(Msg::Regions) }</h2>
            <table class="regions">
                <thead><tr>
                    { for [Msg::Region, Msg::Health, Msg::LagThreshold, Msg::AlertsRaisedCleared].into_iter().map(|msg| html! { <th>{ t(msg) }</th> }) }
                </tr></thead>
                <tbody>
                    { for regions.iter().map(|region| html! {
                        <tr data-region={region.region} data-health={region.health.name()}>
                            <td>{ region.region }</td>
                            <td class={region.health.name()}>{ health_words(region.health, lang) }</td>
                            <td>{ format!("{:.0} ({:.0})", region.lag_ms_max, region.lag_ms_threshold) }</td>
                            <td>{ format!("{} / {}", region.alerts_raised, region.alerts_cleared) }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
            <h2>{ Msg::AlertsActive.fill(lang, &[&active.len()]) }</h2>
            <ul class="alerts-active">
                { for active.iter().map(|(node, region, rule, since_ms)| html! {
                    <li data-alert={rule.name()} data-region={*region}>
                        { Msg::AlertSince.fill(lang, &[&rule_words(*rule, lang), node, region, &format!("{:.1}", *since_ms as f64 / 1000.0)]) }
                    </li>
                }) }
            </ul>
            <h2>{ t(Msg::AlertTimeline) }</h2>
            <ol class="alert-timeline" reversed=true>
                { for recent.iter().map(|event| html! {
                    <li class={if event.raised { "raised" } else { "cleared" }}>
                        { Msg::AlertEvent.fill(lang, &[
                            &format!("{:.1}", event.t_ms as f64 / 1000.0),
                            &rule_words(event.rule, lang),
                            &t(if event.raised { Msg::Raised } else { Msg::Cleared }),
                            &event.node,
                            &format!("{:.1}", event.value),
                            &format!("{:.1}", event.threshold),
                        ]) }
                    </li>
                }) }
            </ol>
            <p class="hint">{ Msg::Hysteresis.fill(lang, &[
                &monitor.config().raise_after,
                &monitor.config().clear_after,
                &format!("{:.0}", monitor.config().clear_ratio * 100.0),
            ]) }</p>
        </section>
    }
}
