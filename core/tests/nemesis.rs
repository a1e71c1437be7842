//! The nemesis: its schedules replay exactly from their fault specs, it reaches the
//! situations it is for, and a schedule that breaks a promise shrinks to a smaller one that
//! still does.

mod common;

use common::{assert_case, Case};
use replica_core::check::AnomalyKind;
use replica_core::nemesis;
use replica_core::scenario::ScenarioConfig;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

const DURATION_US: u64 = 12_000_000;

fn config(scenario: &str, seed: u64, knobs: &[(&str, &str)]) -> ScenarioConfig {
    let mut config = ScenarioConfig::new(scenario, seed);
    for (name, value) in knobs {
        config = config.with_knob(name, value);
    }
    config
}

/// What `run --fault SPEC…` would print for the schedule, for failure messages.
fn command(config: &ScenarioConfig, faults: &[nemesis::Fault]) -> String {
    let mut case = Case::new("hdfc", config.seed).duration(DURATION_US / 1_000_000);
    case.scenario = Box::leak(config.scenario.clone().into_boxed_str());
    for (name, value) in &config.knobs {
        case = case.knob(Box::leak(name.clone().into_boxed_str()), Box::leak(value.clone().into_boxed_str()));
    }
    for spec in nemesis::specs(faults) {
        case = case.fault(&spec);
    }
    case.command()
}

/// The nemesis applies its faults as it goes; the same specs scheduled up front (what the
/// printed command does) make the same run, bit for bit.
#[test]
fn a_nemesis_run_replays_from_its_fault_specs() {
    for (scenario, seed, knobs) in [
        ("consensus", 1, vec![]),
        ("hdfc", 2, vec![("commit", "on"), ("reads", "primary")]),
        ("neft-rtgs", 3, vec![]),
        ("myntra", 4, vec![("policy", "reservation")]),
        ("upi", 5, vec![]),
    ] {
        let config = config(scenario, seed, &knobs);
        let run = nemesis::run(config.clone(), DURATION_US).expect("runs");
        assert!(run.faults.len() >= nemesis::FAULTS_MIN as usize, "{scenario}: {} faults", run.faults.len());
        let replayed = nemesis::with_schedule(config.clone(), &run.faults).expect("builds");
        let quiet = replica_core::report::run_quiet(replayed, DURATION_US).expect("runs");
        assert_eq!(
            quiet.simulation.digest_text(),
            run.finished.report.trace_digest,
            "{scenario} seed {seed}: {}",
            command(&config, &run.faults)
        );
    }
}

/// Every fault heals before the workload ends, every schedule draws 3–12 faults, and over a
/// few seeds the aimed faults reach what they aim at: leaders change, reads reach deposed
/// primaries and are refused, operations end unknown.
#[test]
fn the_nemesis_reaches_its_situations() {
    let mut near = nemesis::NearMisses::default();
    for seed in 1..=8 {
        let config = config("consensus", seed, &[]);
        let run = nemesis::run(config.clone(), DURATION_US).expect("runs");
        let deadline = nemesis::heal_deadline_us(DURATION_US);
        for fault in &run.faults {
            assert!(fault.end_us <= deadline + 1_000, "seed {seed}: {fault:?} heals by {deadline} µs");
        }
        let drawn = run.faults.iter().filter(|fault| fault.kind != "restart-voter" && fault.kind != "bridge-handover");
        assert!(drawn.count() <= nemesis::FAULTS_MAX as usize, "seed {seed}");
        near.add(&nemesis::near_misses(&run.finished));
        let broken = nemesis::broken(&run.finished.simulation.promises(), &run.finished.checks);
        assert!(broken.is_empty(), "seed {seed}: {broken:?}: {}", command(&config, &run.faults));
    }
    assert!(near.leader_changes >= 8, "leaders change: {near:?}");
    assert!(near.refused_not_primary > 0, "reads and writes reach deposed primaries: {near:?}");
    assert!(near.unknown_ops > 0, "operations end unknown: {near:?}");
}

/// Naive failover promotes without a quorum: the nemesis splits its brain, and the shrunk
/// schedule is smaller than the drawn one and still splits it.
#[test]
fn a_broken_promise_shrinks_to_a_smaller_schedule_that_still_breaks_it() {
    let config = config("hdfc", 0, &[("failover", "naive")]);
    let (seed, run) = (1..=40)
        .find_map(|seed| {
            let config = ScenarioConfig { seed, ..config.clone() };
            let run = nemesis::run(config, DURATION_US).expect("runs");
            (run.finished.checks.count(AnomalyKind::SplitBrain) > 0).then_some((seed, run))
        })
        .expect("naive failover splits the brain under the nemesis within 40 seeds");
    let config = ScenarioConfig { seed, ..config };
    let shrunk = nemesis::shrink(&config, DURATION_US, run.faults.clone(), AnomalyKind::SplitBrain);
    let case_text = command(&config, &shrunk.faults);
    assert!(shrunk.reproduced, "the drawn schedule replays: {}", command(&config, &run.faults));
    assert!(shrunk.runs <= nemesis::SHRINK_RUNS_MAX, "{} runs", shrunk.runs);
    let (before, after) = (nemesis::specs(&run.faults).len(), nemesis::specs(&shrunk.faults).len());
    assert!(after < before, "shrunk from {before} specs to {after}: {case_text}");
    let replayed = nemesis::with_schedule(config.clone(), &shrunk.faults).expect("builds");
    let quiet = replica_core::report::run_quiet(replayed, DURATION_US).expect("runs");
    assert!(quiet.checks.count(AnomalyKind::SplitBrain) > 0, "the shrunk schedule still splits the brain: {case_text}");
    let case = Case::new("hdfc", seed);
    assert_case(&case, !shrunk.faults.is_empty(), "a schedule is left");
}
