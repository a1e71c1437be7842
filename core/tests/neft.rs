//! neft-rtgs: two-phase commit keeps every transfer atomic and the money conserved under
//! random faults; a clearing house that crashes after the votes leaves the banks in doubt
//! until it restarts; and the median commit costs what the model's links say it must.

mod common;

use common::{assert_case, Case};
use replica_core::check::AnomalyKind;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[cfg(not(target_arch = "wasm32"))]
const SEEDS: u64 = 12;
#[cfg(target_arch = "wasm32")]
const SEEDS: u64 = 2;

#[test]
fn random_faults_never_break_atomicity_or_lose_money() {
    let mut touched = 0;
    for seed in 1..=SEEDS {
        let case = Case::new("neft-rtgs", seed).duration(20).with_random_faults();
        assert_case(&case, !case.faults.is_empty(), "every seed draws a fault");
        let finished = case.run();
        for kind in [AnomalyKind::Atomicity, AnomalyKind::MoneyNotConserved, AnomalyKind::Divergence] {
            assert_case(&case, finished.checks.count(kind) == 0, kind.name());
        }
        assert_case(&case, finished.report.ops.ok > 1000, "the banks settled almost nothing");
        // Reached: a transfer was refused, timed out or blocked in doubt.
        let blocked = finished
            .report
            .sections
            .get::<replica_core::report::TwoPhaseReport>()
            .map_or(0, |two_phase| two_phase.blocked);
        touched += u64::from(finished.report.ops.failed + finished.report.ops.unknown + blocked > 0);
    }
    assert!(SEEDS < 10 || touched * 2 >= SEEDS, "the faults touched transfers on {touched} of {SEEDS} seeds");
}

#[test]
fn a_clearing_house_crash_after_the_votes_blocks_the_banks_until_it_restarts() {
    let case = Case::new("neft-rtgs", 2).duration(20).fault("crash:clearing@5s").fault("restart:clearing@9s");
    let mut simulation = case.build();
    common::drive_bounded(simulation.as_mut(), 8_000_000, 50_000_000);
    let blocked: u64 = simulation.views().iter().map(|view| view.in_doubt).sum();
    assert_case(&case, blocked > 0, "no bank was in doubt while the clearing house was down");
    let finished = case.run();
    let in_doubt =
        finished.report.sections.get::<replica_core::report::TwoPhaseReport>().cloned().expect("a two_phase section");
    assert_case(&case, in_doubt.unresolved == 0, "transfers still in doubt after the restart");
    assert_case(&case, in_doubt.blocked > 0, "no transfer was blocked past the vote timeout");
    assert_case(&case, in_doubt.blocked_max_ms >= 3000.0, "the banks did not wait for the restart");
    assert_case(&case, finished.checks.count(AnomalyKind::Atomicity) == 0, "atomicity");
}

#[test]
fn median_commit_latency_is_two_round_trips_to_the_farthest_bank_plus_forced_writes() {
    // At a light load the protocol alone sets the latency; at the default 300 ops/s messages
    // also queue behind slow ones on the FIFO links (head-of-line blocking), and it rises.
    let case = Case::new("neft-rtgs", 1).duration(30).load(100.0);
    let finished = case.run();
    let rtt_ms = common::rtt_p50_ms;
    let fsync_ms = 0.25;
    // Prepare on the bank and its same-city standby, commit at the clearing house, commit on
    // the bank and its standby.
    let forced_ms = 3.0 * fsync_ms + 2.0 * rtt_ms("delhi", "delhi");
    let farthest_ms = rtt_ms("mumbai", "delhi").max(rtt_ms("mumbai", "chennai"));
    let expected_ms = 2.0 * farthest_ms + forced_ms;
    let two_phase =
        finished.report.sections.get::<replica_core::report::TwoPhaseReport>().cloned().expect("a two_phase section");
    let median_ms = two_phase.commit_p50_ms;
    eprintln!("median 2PC commit {median_ms:.2} ms, model {expected_ms:.2} ms");
    assert_case(
        &case,
        (median_ms - expected_ms).abs() <= 0.2 * expected_ms,
        &format!("median 2PC commit {median_ms:.2} ms, model says {expected_ms:.2} ms"),
    );
}
