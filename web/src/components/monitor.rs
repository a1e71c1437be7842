//! The lag monitor's panels — the seed's `/regions`, `/health`, `/alerts` endpoints as
//! tables: each region's health and worst lag against its threshold, the alerts active now,
//! and the latest raises and clears. Renders nothing for scenarios without a monitor; it only
//! reads the simulation.

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

/// The panels.
#[component]
pub fn MonitorPanel(props: &MonitorProps) -> Html {
    let simulation = props.simulation.borrow();
    let Some(monitor) = simulation.monitor() else { return html! {} };
    let regions = monitor.regions();
    let active = monitor.active();
    let recent: Vec<_> = monitor.timeline().rev().take(TIMELINE_SHOWN).cloned().collect();
    html! {
        <section class="monitor" aria-label="Lag monitor">
            <h2>{ "Regions" }</h2>
            <table class="regions">
                <thead><tr><th>{ "region" }</th><th>{ "health" }</th><th>{ "lag (threshold) ms" }</th><th>{ "alerts raised / cleared" }</th></tr></thead>
                <tbody>
                    { for regions.iter().map(|region| html! {
                        <tr data-region={region.region} data-health={region.health.name()}>
                            <td>{ region.region }</td>
                            <td class={region.health.name()}>{ region.health.name() }</td>
                            <td>{ format!("{:.0} ({:.0})", region.lag_ms_max, region.lag_ms_threshold) }</td>
                            <td>{ format!("{} / {}", region.alerts_raised, region.alerts_cleared) }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
            <h2>{ format!("Alerts active: {}", active.len()) }</h2>
            <ul class="alerts-active">
                { for active.iter().map(|(node, region, rule, since_ms)| html! {
                    <li data-alert={rule.name()} data-region={*region}>
                        { format!("{} on {node} ({region}) since {:.1} s", rule.name().replace('_', " "), *since_ms as f64 / 1000.0) }
                    </li>
                }) }
            </ul>
            <h2>{ "Alert timeline" }</h2>
            <ol class="alert-timeline" reversed=true>
                { for recent.iter().map(|event| html! {
                    <li class={if event.raised { "raised" } else { "cleared" }}>
                        { format!("{:.1} s · {} {} on {} ({:.1} vs {:.1})",
                            event.t_ms as f64 / 1000.0,
                            event.rule.name().replace('_', " "),
                            if event.raised { "raised" } else { "cleared" },
                            event.node, event.value, event.threshold) }
                    </li>
                }) }
            </ol>
            <p class="hint">{ format!(
                "Raised after {} breaching samples in a row, cleared after {} samples below {:.0} % of the threshold; one sample a second.",
                monitor.config().raise_after, monitor.config().clear_after, monitor.config().clear_ratio * 100.0) }</p>
        </section>
    }
}
