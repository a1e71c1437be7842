//! Trace files: what the command line and the page write, and reading them back. The
//! page-sized writer must write what `serde_json` writes; a trace must replay to its own
//! digest, whether of a finished run (quiesced) or of a run caught mid-way (the page's);
//! a bad file gets a named error and never a panic.

use replica_core::control::{Control, TimedControl};
use replica_core::replay::{self, ReplayError, TraceHeader};
use replica_core::report::{self, Trace};
use replica_core::scenario::{self, ScenarioConfig};

const SECOND_US: u64 = 1_000_000;

/// A config with one control of every kind, naming this scenario's own nodes and cities.
fn config_with_every_control(scenario_id: &str, seed: u64) -> ScenarioConfig {
    let mut config = ScenarioConfig::new(scenario_id, seed);
    let names = scenario::build(config.clone()).expect("builds").node_names();
    let (first, last) = (names[0].clone(), names[names.len() - 1].clone());
    let at = |tenths: u64, control: Control| TimedControl { at_us: tenths * SECOND_US / 10, control };
    config.controls = vec![
        at(2, Control::Latency { multiplier: 2.5 }),
        at(3, Control::Slow { a: first.clone(), b: last.clone(), factor: 1.75 }),
        at(4, Control::Loss { a: first.clone(), b: last.clone(), probability: 0.125 }),
        at(5, Control::Skew { node: last.clone(), skew_us: -42_000 }),
        at(6, Control::Cut { from: first.clone(), to: last.clone(), both: false }),
        at(7, Control::Crash { node: last.clone() }),
        at(9, Control::Restart { node: last.clone() }),
        at(10, Control::Heal { a: first.clone(), b: last }),
        at(11, Control::HealAll),
        at(12, Control::Load { ops_s: 300.0 }),
        at(13, Control::Latency { multiplier: 1.0 }),
    ];
    config
}

fn finished_trace(scenario_id: &str, seed: u64) -> Trace {
    let finished = report::run(config_with_every_control(scenario_id, seed), 2 * SECOND_US).expect("runs");
    report::trace(&finished)
}

/// The page's trace: the run caught at `at_us`, still going, checked live.
fn live_trace(scenario_id: &str, seed: u64, at_us: u64) -> Trace {
    let mut simulation = scenario::build(config_with_every_control(scenario_id, seed)).expect("builds");
    simulation.run_until(at_us);
    let (checks, state) = simulation.check_live();
    report::trace_of(simulation.as_ref(), &state, &checks.findings)
}

fn replayed_digest(text: &str) -> Result<String, ReplayError> {
    let header = TraceHeader::parse(text)?;
    let simulation = replay::replay(&header, header.scenario_config()?, u64::MAX)?;
    Ok(simulation.digest_text())
}

#[test]
fn the_writer_writes_what_serde_json_writes_for_every_scenario() {
    for info in scenario::catalogue() {
        let trace = finished_trace(info.id, 5);
        assert!(!trace.history.is_empty() && trace.controls.len() >= 11, "{}: a real run", info.id);
        let expected = serde_json::to_string(&trace).expect("serde writes it");
        assert_eq!(trace.to_json(), expected, "{}: replica-lab trace --scenario {} --seed 5", info.id, info.id);
    }
}

#[test]
fn every_scenario_s_trace_replays_to_its_own_digest_finished_or_mid_way() {
    for info in scenario::catalogue() {
        let finished = finished_trace(info.id, 11);
        assert_eq!(finished.workload_stopped_us, Some(2 * SECOND_US));
        let digest = replayed_digest(&finished.to_json()).unwrap_or_else(|e| panic!("{}: {e}", info.id));
        assert_eq!(digest, finished.trace_digest, "{} seed 11, finished", info.id);

        let live = live_trace(info.id, 11, 1_234_567);
        assert_eq!((live.time_us, live.workload_stopped_us), (1_234_567, None));
        let digest = replayed_digest(&live.to_json()).unwrap_or_else(|e| panic!("{}: {e}", info.id));
        assert_eq!(digest, live.trace_digest, "{} seed 11, mid-way", info.id);
    }
}

#[test]
fn a_changed_control_replays_to_another_digest() {
    let trace = live_trace("hdfc", 3, 2 * SECOND_US);
    let text = trace.to_json().replace("\"multiplier\":2.5", "\"multiplier\":3.5");
    assert_ne!(replayed_digest(&text).expect("still a valid trace"), trace.trace_digest);
}

#[test]
fn bad_trace_files_get_named_errors() {
    let good = live_trace("upi", 2, 1_500_000).to_json();
    let seed = format!("\"seed\":{}", 2);
    type Expected = fn(&ReplayError) -> bool;
    let cases: Vec<(String, Expected)> = vec![
        ("not json".to_string(), |e| matches!(e, ReplayError::NotTrace(_))),
        (good.replace("replica-lab-trace/1", "other/9"), |e| matches!(e, ReplayError::Format(_))),
        (good.replace(&seed, "\"seed\":\"two\""), |e| matches!(e, ReplayError::NotTrace(_))),
        (good.replace(&seed, "\"seed\":-2"), |e| matches!(e, ReplayError::NotTrace(_))),
        (good.replace("\"time_us\":1500000,", ""), |e| matches!(e, ReplayError::NoTime)),
        (good.replace("\"time_us\":1500000", "\"time_us\":99999999999999"), |e| {
            matches!(e, ReplayError::BadTime { .. })
        }),
        (good.replace("\"workload_stopped_us\":null", "\"workload_stopped_us\":2000000"), |e| {
            matches!(e, ReplayError::BadTime { .. })
        }),
        (good.replace("\"scenario\":\"upi\"", "\"scenario\":\"<script>\""), |e| {
            matches!(e, ReplayError::Scenario(scenario::ScenarioError::UnknownScenario(_)))
        }),
        (good.replace("\"load_ops_s\":\"", "\"load_ops_s\":\"x"), |e| matches!(e, ReplayError::BadConfig { .. })),
        (good.replace("\"latency_multiplier\":\"1\"", "\"latency_multiplier\":\"900\""), |e| {
            matches!(e, ReplayError::Scenario(_))
        }),
        (good.replace("\"type\":\"crash\",\"node\":\"", "\"type\":\"crash\",\"node\":\"atlantis"), |e| {
            matches!(e, ReplayError::BadControl { index: 6, .. })
        }),
        (good.replace("\"type\":\"heal_all\"", "\"type\":\"meteor\""), |e| matches!(e, ReplayError::BadControl { .. })),
        (good.replace("{\"at_us\":200000,", "{\"at_us\":900000000,"), |e| {
            matches!(e, ReplayError::BadControl { index: 2, .. })
        }),
    ];
    for (index, (text, expected)) in cases.iter().enumerate() {
        assert!(text != &good, "case {index} changed nothing");
        let result = TraceHeader::parse(text).and_then(|header| header.scenario_config());
        match result {
            Err(error) => assert!(expected(&error), "case {index}: unexpected error {error}"),
            Ok(_) => panic!("case {index} was accepted"),
        }
    }
}

/// Cut and spliced versions of a real trace: every one is read or refused, none panics.
#[test]
fn ten_thousand_damaged_traces_never_panic() {
    let good = live_trace("neft-rtgs", 4, 300_000).to_json();
    let bytes = good.as_bytes();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |below: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % below as u64) as usize
    };
    let pieces = ["{", "}", "[", "]", "\"", ":", ",", "-", "1e999", "null", "\\u", "0", "é", " "];
    for case in 0..10_000 {
        let mut damaged = bytes.to_vec();
        match case % 3 {
            0 => damaged.truncate(next(bytes.len())),
            1 => {
                let at = next(damaged.len());
                damaged.splice(at..at, pieces[next(pieces.len())].bytes());
            }
            _ => {
                let at = next(damaged.len());
                damaged[at] = b"{}[]\":,0-a"[next(10)];
            }
        }
        let text = String::from_utf8_lossy(&damaged);
        let result = std::panic::catch_unwind(|| TraceHeader::parse(&text).map(|header| header.end_us()));
        assert!(result.is_ok(), "damaged trace case {case} panicked");
    }
}
