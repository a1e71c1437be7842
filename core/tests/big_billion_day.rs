//! big-billion-day: pre-scaling violates fewer SLA minutes than reactive scaling on every
//! seed, at a higher cost; a new replica serves only after its snapshot restore and catch-up;
//! `run --json` reports both policies.

mod common;

use common::{assert_case, Case};
use replica_core::check::AnomalyKind;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[cfg(not(target_arch = "wasm32"))]
const SEEDS: u64 = 50;
#[cfg(target_arch = "wasm32")]
const SEEDS: u64 = 2;

#[test]
fn prescaling_violates_fewer_sla_minutes_on_every_seed() {
    for seed in 1..=SEEDS {
        let case = Case::new("big-billion-day", seed).duration(40);
        let finished = case.run();
        let both = finished
            .report
            .sections
            .get::<replica_core::report::ScalingReport>()
            .and_then(|scaling| scaling.policies.as_ref())
            .expect("both policies are reported");
        let (reactive, prescaled) = (&both["reactive"], &both["prescaled"]);
        assert_case(
            &case,
            prescaled.sla_minutes_violated < reactive.sla_minutes_violated,
            &format!(
                "prescaled {} SLA minutes (windows {:?}) < reactive {} (windows {:?})",
                prescaled.sla_minutes_violated,
                prescaled.violated_windows_s,
                reactive.sla_minutes_violated,
                reactive.violated_windows_s
            ),
        );
        assert_case(&case, prescaled.cost > reactive.cost, "replicas bought ahead of the sale cost more");
        assert_case(&case, finished.checks.count(AnomalyKind::UnreadyRead) == 0, "no read before catch-up");
    }
}

#[test]
fn a_new_replica_serves_only_after_its_restore_and_catch_up() {
    let case = Case::new("big-billion-day", 3).duration(40).knob("snapshot_mb", "800");
    let finished = case.run();
    let controller = finished
        .final_state
        .nodes
        .iter()
        .find_map(|node| node.scaling().filter(|log| log.is_controller()))
        .expect("the primary reports the controller's log");
    let first_scale_up_us =
        controller.actions.iter().find(|a| a.change > 0).map(|a| a.t_ms * 1000).expect("a scale-up");
    let restore_us = 8_000_000; // 800 MB at 100 MB/s
    let mut started = 0;
    for node in &finished.final_state.nodes {
        let Some(log) = node.scaling().filter(|log| !log.is_controller()) else { continue };
        for &(from, _) in log.serving_intervals.iter().filter(|(from, _)| *from > 0) {
            started += 1;
            assert_case(
                &case,
                from >= first_scale_up_us + restore_us,
                &format!("{} served from {from} µs, before restore + catch-up could finish", node.name),
            );
        }
    }
    assert_case(&case, started > 0, "the sale brought new replicas into service");
    assert_case(&case, finished.checks.count(AnomalyKind::UnreadyRead) == 0, "no read outside a serving interval");
    let report = serde_json::to_value(&finished.report).expect("the report is JSON");
    assert_case(
        &case,
        report["sla_minutes_violated"].is_f64() && report["cost"].is_f64() && report["replicas_max"].as_u64() > Some(5),
        "run --json carries sla_minutes_violated, cost and replicas_max",
    );
}
