//! The upi multi-leader bank: conflicts found by version vectors and what each policy does
//! with them — LWW throws acknowledged transfers away (and with a skewed clock, later ones),
//! siblings keep every rupee but overdraw, the business rule keeps both invariants and
//! bounces overdrafts to reconciliation.

mod common;

use common::{assert_case, Case};
use replica_core::check::AnomalyKind;
use replica_core::history::Outcome;
use replica_core::report::Finished;
use replica_core::self_report::ConflictLog;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[cfg(not(target_arch = "wasm32"))]
const SEEDS: u64 = 12;
#[cfg(target_arch = "wasm32")]
const SEEDS: u64 = 2;

fn conflicts(case: &Case, finished: &Finished) -> ConflictLog {
    let log = finished.report.sections.get::<replica_core::self_report::ConflictLog>().cloned();
    assert_case(case, log.is_some(), "run --json has no conflicts section");
    log.unwrap_or_default()
}

#[test]
fn lww_with_a_skewed_clock_discards_an_acknowledged_later_write_and_names_it() {
    let case = Case::new("upi", 3).duration(20).knob("policy", "lww").fault("skew:mumbai:+50ms@0s");
    let finished = case.run();
    let later_lost = finished
        .checks
        .findings
        .iter()
        .filter(|finding| finding.kind == AnomalyKind::LwwDiscarded)
        .find(|finding| finding.explanation.contains("a later write lost to an earlier one"));
    assert_case(&case, later_lost.is_some(), "no acknowledged later write lost to mumbai's fast clock");
    let Some(finding) = later_lost else { return };
    let (loser, winner) = (finding.ops[0], finding.ops[1]);
    let history = finished.simulation.history();
    let loser_op = history.get(loser).expect("the loser is recorded");
    let winner_op = history.get(winner).expect("the winner is recorded");
    assert_case(&case, loser_op.outcome == Outcome::Ok, "the discarded write was not acknowledged");
    assert_case(
        &case,
        winner_op.complete_us.is_some_and(|acked| acked < loser_op.invoke_us),
        "the winner was not acknowledged before the loser began",
    );
    let trace = replica_core::report::trace(&finished);
    assert_case(
        &case,
        trace.history.iter().any(|op| op.id == loser && op.outcome == Outcome::Ok),
        "the trace lacks the discarded write",
    );
    assert_case(&case, finished.checks.count(AnomalyKind::MoneyNotConserved) == 1, "LWW conserved money");
}

#[test]
fn every_policy_detects_conflicts_and_converges() {
    for policy in ["lww", "siblings", "business-rule"] {
        let case = Case::new("upi", 1).duration(20).knob("policy", policy);
        let finished = case.run();
        let log = conflicts(&case, &finished);
        assert_case(&case, log.detected > 0, "no concurrent writes detected");
        assert_case(&case, log.policy == policy, "the log names another policy");
        assert_case(&case, finished.checks.count(AnomalyKind::Divergence) == 0, "leaders diverge after quiescence");
        if policy != "siblings" {
            assert_case(&case, log.resolved == log.detected, "a conflict stayed unresolved");
        } else {
            assert_case(&case, log.resolved > 0, "no read resolved siblings");
            assert_case(&case, log.resolved + log.open_siblings == log.detected, "siblings unaccounted for");
        }
    }
}

#[test]
fn business_rule_never_overdraws_and_conserves_money_under_random_faults() {
    let mut reconciled = 0;
    for seed in 1..=SEEDS {
        let case = Case::new("upi", seed).duration(20).knob("policy", "business-rule").with_random_faults();
        let finished = case.run();
        for kind in [AnomalyKind::NegativeBalance, AnomalyKind::MoneyNotConserved, AnomalyKind::Divergence] {
            assert_case(&case, finished.checks.count(kind) == 0, kind.name());
        }
        let log = conflicts(&case, &finished);
        assert_case(&case, log.reconciliation_ops.len() as u64 == log.reconciliation.min(20), "ops not named");
        reconciled += log.reconciliation;
    }
    assert!(reconciled > 0, "no overdraft ever went to reconciliation");
}

#[test]
fn siblings_lose_no_money_but_concurrent_debits_overdraw() {
    let mut negative = 0;
    for seed in 1..=SEEDS.min(4) {
        let case = Case::new("upi", seed).duration(20).knob("policy", "siblings");
        let finished = case.run();
        assert_case(&case, finished.checks.count(AnomalyKind::MoneyNotConserved) == 0, "siblings lost money");
        assert_case(&case, finished.checks.count(AnomalyKind::LwwDiscarded) == 0, "siblings discarded a write");
        negative += finished.checks.count(AnomalyKind::NegativeBalance);
    }
    assert!(negative > 0, "concurrent debits never overdrew an account under siblings");
}

#[test]
fn a_partitioned_leader_keeps_serving_and_catches_up_after_heal() {
    let case = Case::new("upi", 5).duration(30).knob("policy", "business-rule").fault("isolate:delhi@5s..15s");
    let finished = case.run();
    let history = finished.simulation.history();
    let delhi = finished
        .simulation
        .node_names()
        .iter()
        .position(|name| name == "delhi")
        .map(replica_core::protocol::NodeId::new);
    let served_while_cut = history
        .iter()
        .filter(|op| op.node == delhi && op.outcome == Outcome::Ok && (6_000_000..14_000_000).contains(&op.invoke_us));
    assert_case(&case, served_while_cut.count() > 100, "delhi stopped serving while isolated");
    assert_case(&case, finished.checks.count(AnomalyKind::Divergence) == 0, "delhi never caught up");
}
