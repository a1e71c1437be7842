//! consensus: the Raft-style group never has two leaders in one term and never loses a
//! committed write under random partitions and crashes; the minority side stops taking
//! writes; hdfc's naive failover under the same cut splits the brain; and a commit costs the
//! round trip to the nearest majority plus an fsync.

mod common;

use common::{assert_case, Case};
use replica_core::check::AnomalyKind;
use replica_core::history::Outcome;
use replica_core::protocol::{NodeId, OpKind};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[cfg(not(target_arch = "wasm32"))]
const SEEDS: u64 = 12;
#[cfg(target_arch = "wasm32")]
const SEEDS: u64 = 2;

#[test]
fn random_faults_never_give_two_leaders_a_term_or_lose_a_commit() {
    let mut leader_changed = 0;
    for seed in 1..=SEEDS {
        let case = Case::new("consensus", seed).duration(20).with_random_faults();
        assert_case(&case, !case.faults.is_empty(), "every seed draws a fault");
        let finished = case.run();
        for kind in [AnomalyKind::TwoLeadersSameTerm, AnomalyKind::SplitBrain, AnomalyKind::LostWrite] {
            assert_case(&case, finished.checks.count(kind) == 0, kind.name());
        }
        leader_changed += u64::from(replica_core::nemesis::near_misses(&finished).leader_changes > 0);
    }
    // The sweep reaches what it claims to test: a leader changes on a good share of the seeds.
    // (Native: twelve seeds; the wasm run of two seeds is for parity only.)
    assert!(SEEDS < 10 || leader_changed * 4 >= SEEDS, "a leader changed on {leader_changed} of {SEEDS} seeds");
}

#[test]
fn an_isolated_leader_stops_taking_writes_and_the_majority_elects_another() {
    let case = Case::new("consensus", 3).duration(20).fault("isolate:mumbai@5s..15s");
    let finished = case.run();
    let history = finished.simulation.history();
    let mumbai = finished.simulation.node_names().iter().position(|name| name == "mumbai").map(NodeId::new);
    let late_on_minority = history.iter().filter(|op| {
        op.kind == OpKind::Write
            && op.node == mumbai
            && op.outcome == Outcome::Ok
            && op.invoke_us > 7_000_000
            && op.invoke_us < 15_000_000
    });
    assert_case(&case, late_on_minority.count() == 0, "mumbai acknowledged writes while cut off from the majority");
    let new_terms =
        history.iter().filter(|op| op.outcome == Outcome::Ok && op.epoch.is_some_and(|e| e > 1) && op.node != mumbai);
    assert_case(&case, new_terms.count() > 100, "the majority side elected no new leader");
    assert_case(&case, finished.checks.count(AnomalyKind::TwoLeadersSameTerm) == 0, "two leaders in a term");
}

#[test]
fn the_same_cut_splits_hdfcs_naive_failover_on_some_seed_and_never_raft() {
    let mut naive_split = 0;
    for seed in 1..=SEEDS.min(4) {
        let raft = Case::new("consensus", seed).duration(20).fault("isolate:mumbai@5s..15s");
        assert_case(&raft, raft.run().checks.count(AnomalyKind::SplitBrain) == 0, "raft split the brain");
        let naive = Case::new("hdfc", seed).duration(20).knob("failover", "naive").fault("isolate:mumbai@5s..15s");
        naive_split += naive.run().checks.count(AnomalyKind::SplitBrain);
    }
    assert!(naive_split > 0, "hdfc's naive failover never produced two primaries under the cut");
}

#[test]
fn median_commit_latency_is_the_round_trip_to_the_nearest_majority_plus_fsync() {
    let case = Case::new("consensus", 1).duration(20);
    let finished = case.run();
    let rtt_ms = common::rtt_p50_ms;
    // Five nodes: the leader and the two nearest followers make a majority.
    let mut followers: Vec<f64> =
        ["delhi", "bangalore", "chennai", "kolkata"].iter().map(|c| rtt_ms("mumbai", c)).collect();
    followers.sort_by(f64::total_cmp);
    let expected_ms = followers[1] + 0.25;
    // Clients in the leader's city see the commit itself (their own round trip is the
    // same-city one); elsewhere a skewed client path would blur it.
    let mumbai = replica_core::geo::city_index("mumbai");
    let mut commit_ms: Vec<f64> = finished
        .simulation
        .history()
        .iter()
        .filter(|op| op.kind == OpKind::Write && op.outcome == Outcome::Ok && Some(op.city) == mumbai)
        .filter_map(|op| Some((op.complete_us? - op.invoke_us) as f64 / 1000.0 - rtt_ms("mumbai", "mumbai")))
        .collect();
    commit_ms.sort_by(f64::total_cmp);
    let median_ms = commit_ms[commit_ms.len() / 2];
    eprintln!("median {median_ms:.2} ms over {} commits, model {expected_ms:.2} ms", commit_ms.len());
    assert_case(
        &case,
        (median_ms - expected_ms).abs() <= 0.2 * expected_ms,
        &format!("median Raft commit {median_ms:.2} ms, model says {expected_ms:.2} ms"),
    );
}
