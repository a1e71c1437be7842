//! The benchmark view: `replica-lab bench` in the page — every strategy on the same seed,
//! load and latency, one row at a time (yielding to the browser between rows), as a table
//! with bars for throughput and p95 latency. The model lives in [`BenchModel`]; this
//! component renders it and starts runs.

use crate::hooks::use_lang;
use crate::state::{BenchAction, BenchModel};
use replica_core::bench::{self, BenchConfig, METHOD};
use replica_core::i18n::Msg;
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

/// Simulated seconds per row in the page (the command line runs 60).
pub const PAGE_DURATION_S: u64 = 10;

/// Properties of [`BenchView`].
#[derive(Properties, PartialEq)]
pub struct BenchProps {
    /// Seed of the page's run.
    pub seed: u64,
}

/// Starts a run; `current` holds the latest run's generation, so an older run stops.
fn start(model: UseReducerHandle<BenchModel>, current: Rc<RefCell<u64>>, config: BenchConfig) {
    let generation = {
        let mut current = current.borrow_mut();
        *current += 1;
        *current
    };
    model.dispatch(BenchAction::Start(generation, config));
    yew::platform::spawn_local(async move {
        for entry in bench::entries() {
            // Paint between rows.
            yew::platform::time::sleep(std::time::Duration::from_millis(1)).await;
            if *current.borrow() != generation {
                return;
            }
            match bench::run_entry(&entry, &config) {
                Ok(row) => model.dispatch(BenchAction::Row(generation, row)),
                Err(error) => {
                    model.dispatch(BenchAction::Failed(generation, error.to_string()));
                    return;
                }
            }
        }
        model.dispatch(BenchAction::Finished(generation));
    });
}

fn number_of(input: &NodeRef, fallback: f64) -> f64 {
    input
        .cast::<web_sys::HtmlInputElement>()
        .and_then(|input| input.value().trim().parse::<f64>().ok())
        .filter(|value| value.is_finite())
        .unwrap_or(fallback)
}

fn bar(value: f64, max: f64, class: &'static str) -> Html {
    let width = if max > 0.0 { (value / max * 100.0).clamp(0.0, 100.0) } else { 0.0 };
    html! { <span class={classes!("bar", class)} style={format!("width: {width:.1}%")}></span> }
}

/// The view.
#[component]
pub fn BenchView(props: &BenchProps) -> Html {
    let lang = use_lang();
    let t = |msg: Msg| msg.get(lang);
    let model = use_reducer(BenchModel::default);
    let current = use_mut_ref(|| 0u64);
    let (load_input, latency_input) = (use_node_ref(), use_node_ref());
    let onsubmit = {
        let (model, current, seed) = (model.clone(), current.clone(), props.seed);
        let (load_input, latency_input) = (load_input.clone(), latency_input.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let config = BenchConfig {
                seed,
                load_ops_s: number_of(&load_input, 500.0).clamp(1.0, 10_000.0),
                latency_multiplier: number_of(&latency_input, 1.0).clamp(0.1, 50.0),
                duration_s: PAGE_DURATION_S,
            };
            start(model.clone(), current.clone(), config);
        })
    };
    let throughput_max = model.rows.iter().map(|row| row.throughput_ops_s).fold(0.0, f64::max);
    let p95_max = model.rows.iter().map(|row| row.p95_ms).fold(0.0, f64::max);
    html! {
        <details class="bench">
            <summary>{ t(Msg::Bench) }</summary>
            <form class="bench-form" onsubmit={onsubmit}>
                <label>{ t(Msg::BenchLoad) }<input ref={load_input} name="bench-load" type="number" min="1" max="10000" step="any" value="500" /></label>
                <label>{ t(Msg::BenchLatency) }<input ref={latency_input} name="bench-latency" type="number" min="0.1" max="50" step="any" value="1" /></label>
                <button type="submit" disabled={model.running}>{ t(if model.running { Msg::BenchRunning } else { Msg::BenchRun }) }</button>
            </form>
            if let Some(config) = model.config {
                <p class="hint" role="status">{ Msg::BenchConfigLine.fill(lang, &[&config.seed, &config.load_ops_s, &config.latency_multiplier, &config.duration_s, &model.rows.len(), &bench::entries().len()]) }</p>
            }
            if let Some(error) = &model.error {
                <p role="alert">{ error }</p>
            }
            <table class="bench-table">
                <thead><tr>
                    { for [Msg::Strategy, Msg::AxisOps, Msg::BenchPercentiles, Msg::LagP95, Msg::Consistency, Msg::BenchAnomalies].into_iter().map(|msg| html! { <th>{ t(msg) }</th> }) }
                </tr></thead>
                <tbody>
                    { for model.rows.iter().map(|row| html! {
                        <tr data-strategy={row.strategy}>
                            <td title={row.configuration.clone()}>{ row.strategy }</td>
                            <td>{ format!("{:.0}", row.throughput_ops_s) }{ bar(row.throughput_ops_s, throughput_max, "throughput") }</td>
                            <td>{ format!("{:.1} / {:.1} / {:.1}", row.p50_ms, row.p95_ms, row.p99_ms) }{ bar(row.p95_ms, p95_max, "p95") }</td>
                            <td>{ row.lag_p95_ms.map_or("—".to_string(), |lag| format!("{lag:.1}")) }</td>
                            <td lang="en">{ row.consistency.clone() }</td>
                            <td>{ if row.anomalies.is_empty() { t(Msg::NoneFound).to_string() } else {
                                row.anomalies.iter().map(|(name, count)| format!("{name} {count}")).collect::<Vec<_>>().join(", ") } }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
            <p class="hint" lang="en">{ METHOD }</p>
        </details>
    }
}
