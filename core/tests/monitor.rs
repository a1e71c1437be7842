//! lag-monitor: the latency slider at 4× pushes the far regions past their critical lag and
//! raises alerts there (not in Mumbai); back at 1× the alerts clear; no alert ever flaps
//! faster than the hysteresis allows; a crashed replica brings its region down.

mod common;

use common::{assert_case, Case};
use replica_core::monitor::{hysteresis_respected, AlertRule, Health};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[test]
fn latency_at_four_times_raises_lag_alerts_in_far_regions_that_clear_back_at_one() {
    let case = Case::new("lag-monitor", 1).duration(50).fault("latency:x4@5s").fault("latency:x1@25s");
    let finished = case.run();
    let monitor = finished.simulation.monitor().expect("lag-monitor has a monitor");
    let lag_raises: Vec<_> =
        monitor.timeline().filter(|event| event.rule == AlertRule::CriticalLag && event.raised).collect();
    assert_case(
        &case,
        lag_raises.iter().any(|event| event.region == "delhi"),
        "Delhi (RTT ≈ 22 ms) goes critical at 4×",
    );
    assert_case(&case, lag_raises.iter().all(|event| event.region != "mumbai"), "Mumbai's replica stays under 100 ms");
    assert_case(
        &case,
        lag_raises.iter().all(|event| (5_000..=25_000).contains(&event.t_ms) && event.value > event.threshold),
        "lag alerts are raised only while the multiplier is 4×, above their region's threshold",
    );
    let raised = lag_raises.len();
    let cleared = monitor.timeline().filter(|event| event.rule == AlertRule::CriticalLag && !event.raised).count();
    assert_case(&case, cleared == raised, &format!("all {raised} lag alerts clear at 1× ({cleared} cleared)"));
    assert_case(&case, monitor.active().is_empty(), "no alert is active at the end");
    let report =
        finished.report.sections.get::<replica_core::report::AlertsReport>().expect("run --json reports alerts");
    assert_case(&case, report.by_region["delhi"].raised >= 1 && report.by_region["mumbai"].raised == 0, "by region");
    assert_eq!(hysteresis_respected(monitor.config(), monitor.timeline()), Ok(()), "{}", case.command());
}

#[test]
fn without_the_slider_nothing_alerts() {
    let case = Case::new("lag-monitor", 2).duration(30);
    let finished = case.run();
    let (raised, _) = finished.simulation.monitor().expect("monitor").totals();
    assert_case(&case, raised == 0, &format!("a calm run raises no alert ({raised})"));
}

#[test]
fn a_crashed_replica_is_down_and_its_alert_clears_after_restart() {
    let case = Case::new("lag-monitor", 3).duration(30).fault("crash:kolkata@5s").fault("restart:kolkata@15s");
    let mut simulation = case.build();
    simulation.run_until(10_000_000);
    let monitor = simulation.monitor().expect("monitor");
    let kolkata = monitor.regions().into_iter().find(|region| region.region == "kolkata").expect("kolkata region");
    assert_case(&case, kolkata.health == Health::Down, &format!("kolkata is down at 10 s: {kolkata:?}"));
    assert_case(
        &case,
        monitor.active().iter().any(|(node, _, rule, _)| node == "kolkata" && *rule == AlertRule::NodeDown),
        "a node_down alert is active",
    );
    simulation.run_until(30_000_000);
    let monitor = simulation.monitor().expect("monitor");
    assert_case(&case, monitor.active().is_empty(), &format!("alerts clear after the restart: {:?}", monitor.active()));
    assert_eq!(hysteresis_respected(monitor.config(), monitor.timeline()), Ok(()), "{}", case.command());
}
