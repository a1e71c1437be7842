//! core-banking: crashes at random moments lose no acknowledged transaction and leave no
//! uncommitted effect after redo recovery; the standby's replayed log matches the primary;
//! a longer checkpoint interval means a longer redo; concurrent transfers on one account are
//! refused by first-committer-wins; joint-account withdrawals show write skew.

mod common;

use common::{assert_case, Case};
use replica_core::check::AnomalyKind;
use replica_core::history::Outcome;
use replica_core::protocol::FailReason;
use replica_core::rng::{Purpose, Stream};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[cfg(not(target_arch = "wasm32"))]
const SEEDS: u64 = 12;
#[cfg(target_arch = "wasm32")]
const SEEDS: u64 = 2;

#[test]
fn a_crash_at_any_moment_loses_no_commit_and_shows_no_uncommitted_effect() {
    for seed in 1..=SEEDS {
        let mut rng = Stream::new(seed, Purpose::Faults);
        let crash_ms = 2_000 + rng.below(12_000);
        let restart_ms = crash_ms + 200 + rng.below(2_000);
        let case = Case::new("core-banking", seed)
            .duration(20)
            .fault(&format!("crash:primary@{crash_ms}ms"))
            .fault(&format!("restart:primary@{restart_ms}ms"));
        let finished = case.run();
        for kind in [AnomalyKind::UncommittedEffect, AnomalyKind::Divergence] {
            assert_case(&case, finished.checks.count(kind) == 0, kind.name());
        }
        let served_after = finished
            .simulation
            .history()
            .iter()
            .filter(|op| op.outcome == Outcome::Ok && op.invoke_us > (restart_ms + 1_000) * 1000);
        assert_case(&case, served_after.count() > 100, "the primary did not come back");
    }
}

/// Operations refused because the primary was still redoing its log.
fn refused_while_recovering(checkpoint_ms: &'static str) -> usize {
    let case = Case::new("core-banking", 4)
        .duration(20)
        .knob("checkpoint_ms", checkpoint_ms)
        .fault("crash:primary@9500ms")
        .fault("restart:primary@10s");
    let finished = case.run();
    finished
        .simulation
        .history()
        .iter()
        .filter(|op| op.fail_reason == Some(FailReason::NotReady) && op.invoke_us >= 10_000_000)
        .count()
}

#[test]
fn a_longer_checkpoint_interval_means_a_longer_redo() {
    let short = refused_while_recovering("500");
    let long = refused_while_recovering("30000");
    assert!(long > short, "redo after 9.5 s of log ({long} refused) is no longer than after 0.5 s ({short})");
}

#[test]
fn first_committer_wins_refuses_concurrent_writers_and_joint_accounts_skew() {
    let case = Case::new("core-banking", 1).duration(20);
    let finished = case.run();
    let refused = finished
        .simulation
        .history()
        .iter()
        .filter(|op| op.fail_reason == Some(FailReason::SerializationFailure))
        .count();
    assert_case(&case, refused > 0, "no transaction lost a first-committer race");
    assert_case(&case, finished.checks.count(AnomalyKind::WriteSkew) > 0, "joint withdrawals never skewed");
    let none = Case::new("core-banking", 1).duration(20).knob("joint_ratio", "0");
    assert_case(&none, none.run().checks.count(AnomalyKind::WriteSkew) == 0, "write skew without joint accounts");
}
