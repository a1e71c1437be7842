//! The myntra flash sale: optimistic counters oversell the hot variants, reservations at
//! the owning warehouse never do and cost a round trip.

mod common;

use common::{assert_case, Case};
use replica_core::check::AnomalyKind;
use replica_core::protocol::OpKind;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[cfg(not(target_arch = "wasm32"))]
const SEEDS: u64 = 2;
#[cfg(target_arch = "wasm32")]
const SEEDS: u64 = 1;

#[test]
fn optimistic_oversells_and_reservation_never_does_but_waits_longer() {
    let mut oversold = 0;
    for seed in 1..=SEEDS {
        let optimistic = Case::new("myntra", seed).duration(40).knob("policy", "optimistic");
        let fast = optimistic.run();
        oversold += fast.checks.count(AnomalyKind::Oversell);
        let reservation = Case::new("myntra", seed).duration(40).knob("policy", "reservation");
        let safe = reservation.run();
        assert_case(&reservation, safe.checks.count(AnomalyKind::Oversell) == 0, "reservation oversold");
        let order_p50 = |report: &replica_core::report::RunReport| report.latency_by_kind_ms[&OpKind::Order].p50;
        assert_case(
            &reservation,
            order_p50(&safe.report) > order_p50(&fast.report) + 5.0,
            "reserving at the owner should cost a round trip",
        );
        for finished in [&fast, &safe] {
            let orders = finished
                .report
                .sections
                .get::<replica_core::report::OrdersReport>()
                .cloned()
                .expect("an orders section");
            assert_case(&reservation, orders.ok > 0 && orders.lost == 0, "orders lost without any fault");
            assert_case(&reservation, finished.checks.count(AnomalyKind::Divergence) == 0, "replicas diverge");
        }
    }
    assert!(oversold > 0, "the optimistic policy never oversold in a flash sale");
}
