//! Same seed, same bits: the trace digest is a pure function of (scenario, seed, controls),
//! identical natively and in wasm32 (this file runs on both).

mod common;

use common::{assert_case, drive_bounded, Case};
use replica_core::control::Control;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// Digest of `hdfc`, seed 7, 10 simulated seconds, default knobs, crash of Mumbai at 4 s
/// and restart at 7 s. Computed natively; the wasm run must agree. If a deliberate model
/// change moves it, update it once from the native test's failure message.
const GOLDEN_DIGEST_HDFC_SEED_7: &str = "b52177037e915fd0";

fn golden_case() -> Case {
    Case::new("hdfc", 7).duration(10).fault("crash:mumbai@4s").fault("restart:mumbai@7s")
}

#[test]
fn golden_digest_is_the_same_on_every_platform() {
    let finished = golden_case().run();
    assert_eq!(
        finished.report.trace_digest,
        GOLDEN_DIGEST_HDFC_SEED_7,
        "digest changed for {}",
        golden_case().command()
    );
}

#[test]
fn same_seed_same_digest_other_seed_other_digest() {
    let a = Case::new("hdfc", 11).duration(3).run().report;
    let b = Case::new("hdfc", 11).duration(3).run().report;
    let c = Case::new("hdfc", 12).duration(3).run().report;
    assert_eq!(a.trace_digest, b.trace_digest);
    assert_eq!(a, b, "the whole report is reproducible, not only the digest");
    assert_ne!(a.trace_digest, c.trace_digest);
}

/// Controls applied live (as the page does) and the same control log replayed from the
/// seed give the same world: this is how the page rewinds.
#[test]
fn replaying_the_control_log_rebuilds_the_run() {
    let case = Case::new("hdfc", 3);
    let mut live = case.build();
    drive_bounded(live.as_mut(), 1_500_000, 10_000_000);
    live.apply(Control::Load { ops_s: 3000.0 }).expect("valid control");
    drive_bounded(live.as_mut(), 2_200_000, 10_000_000);
    live.apply(Control::Crash { node: "mumbai".into() }).expect("valid control");
    live.apply(Control::Latency { multiplier: 3.0 }).expect("valid control");
    drive_bounded(live.as_mut(), 4_000_000, 10_000_000);
    live.apply(Control::Restart { node: "mumbai".into() }).expect("valid control");
    drive_bounded(live.as_mut(), 5_000_000, 10_000_000);

    let mut config = case.config();
    config.controls = live.control_log().to_vec();
    let mut replay = replica_core::scenario::build(config).expect("valid config");
    drive_bounded(replay.as_mut(), 5_000_000, 10_000_000);
    assert_eq!(live.digest(), replay.digest());
    assert_eq!(live.events(), replay.events());
    assert_eq!(live.snapshot(50), replay.snapshot(50));
}

#[test]
fn replaying_the_control_log_rebuilds_every_scenario_with_its_knob_controls() {
    let cases = [
        Case::new("upi", 2).knob("skew_ms", "50"),
        Case::new("myntra", 2).knob("sale", "on"),
        Case::new("flipkart", 2),
    ];
    for case in cases {
        let mut live = case.build();
        drive_bounded(live.as_mut(), 1_000_000, 10_000_000);
        live.apply(Control::Crash { node: live.node_names()[1].clone() }).expect("valid control");
        drive_bounded(live.as_mut(), 12_000_000, 20_000_000);
        let mut config = case.config();
        config.controls = live.control_log().to_vec();
        let mut replay = replica_core::scenario::build(config).expect("valid config");
        drive_bounded(replay.as_mut(), 12_000_000, 20_000_000);
        assert_case(&case, live.digest() == replay.digest(), "the replay took another path");
        assert_case(&case, live.control_log() == replay.control_log(), "the replay's control log differs");
    }
}

/// A control log carried through a link (encoded, decoded) replays the same run: every
/// kind of control, at exact microsecond times.
#[test]
fn a_control_log_survives_the_link_and_replays_the_run() {
    use replica_core::control::{decode_log, encode_log};
    let case = Case::new("hdfc", 4);
    let mut live = case.build();
    let controls = [
        Control::Load { ops_s: 1234.5 },
        Control::Cut { from: "mumbai".into(), to: "delhi".into(), both: true },
        Control::Slow { a: "mumbai".into(), b: "chennai".into(), factor: 2.5 },
        Control::Loss { a: "mumbai".into(), b: "kolkata".into(), probability: 0.125 },
        Control::Skew { node: "delhi".into(), skew_us: -40_000 },
        Control::Crash { node: "bangalore".into() },
        Control::Heal { a: "mumbai".into(), b: "delhi".into() },
        Control::Latency { multiplier: 1.7 },
        Control::Restart { node: "bangalore".into() },
        Control::Cut { from: "delhi".into(), to: "mumbai".into(), both: false },
        Control::HealAll,
    ];
    for (index, control) in controls.into_iter().enumerate() {
        drive_bounded(live.as_mut(), 300_000 + index as u64 * 217_003, 10_000_000);
        live.apply(control).expect("valid control");
    }
    drive_bounded(live.as_mut(), 4_000_000, 10_000_000);
    let text = encode_log(live.control_log());
    let ids = live.known_ids();
    let known: Vec<&str> = ids.iter().map(String::as_str).collect();
    let (decoded, warnings) = decode_log(&text, &known);
    assert!(warnings.is_empty(), "{warnings:?} from {text}");
    assert_eq!(decoded, live.control_log(), "{text}");
    let mut config = case.config();
    config.controls = decoded;
    let mut replay = replica_core::scenario::build(config).expect("valid config");
    drive_bounded(replay.as_mut(), 4_000_000, 10_000_000);
    assert_eq!(live.digest(), replay.digest(), "{text}");
}

/// Hostile control text in a link is dropped item by item with a warning; good items stay.
#[test]
fn bad_controls_in_a_link_are_dropped_with_a_warning() {
    use replica_core::control::decode_log;
    let known = ["mumbai", "delhi"];
    let text = "5:crash:mumbai,x:crash:delhi,7:crash:atlantis,8:latency:1e308,9:cut:mumbai:delhi:2,\
                3:restart:mumbai,10:bogus,11:crash:mumbai:extra,12:skew:delhi:-99999999999,<script>,13:restart:mumbai";
    let (log, warnings) = decode_log(text, &known);
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(log[0].control, Control::Crash { node: "mumbai".into() });
    assert_eq!(log[1].at_us, 13);
    assert_eq!(warnings.len(), 9, "{warnings:?}");
    assert!(warnings.iter().any(|w| w.contains("back in time")), "{warnings:?}");
}

#[test]
fn unknown_nodes_in_controls_are_refused_without_effect() {
    let mut simulation = Case::new("hdfc", 1).build();
    drive_bounded(simulation.as_mut(), 100_000, 1_000_000);
    let before = simulation.digest();
    assert!(simulation.apply(Control::Crash { node: "atlantis".into() }).is_err());
    assert!(simulation.apply(Control::Cut { from: "mumbai".into(), to: "<script>".into(), both: true }).is_err());
    assert!(simulation.control_log().is_empty());
    assert_eq!(before, simulation.digest());
}

#[test]
fn extreme_sliders_stay_bounded() {
    let mut simulation = Case::new("hdfc", 5).build();
    simulation.apply(Control::Load { ops_s: f64::INFINITY }).expect("clamped, not refused");
    simulation.apply(Control::Latency { multiplier: 1e12 }).expect("clamped, not refused");
    assert!(simulation.load_ops_s() <= replica_core::workload::LOAD_OPS_MAX);
    // Two simulated seconds at the maximum load and latency finish within a bounded number of events.
    drive_bounded(simulation.as_mut(), 2_000_000, 5_000_000);
}

/// The space-time record only observes: a run with it is the same run (same digest), and
/// every receive it keeps follows its send in vector-clock order.
#[test]
fn recording_the_space_time_diagram_changes_nothing() {
    for scenario in ["hdfc", "upi", "neft-rtgs"] {
        let case = Case::new(scenario, 6);
        let mut plain = case.build();
        let mut config = case.config();
        config.record_spacetime = true;
        let mut recorded = replica_core::scenario::build(config).expect("valid config");
        drive_bounded(plain.as_mut(), 2_000_000, 10_000_000);
        drive_bounded(recorded.as_mut(), 2_000_000, 10_000_000);
        assert_case(&case, plain.digest() == recorded.digest(), "recording changed the run");
        assert_case(&case, plain.spacetime().is_none(), "off unless asked for");
        let record = recorded.spacetime().expect("asked for");
        let events: Vec<_> = record.events().collect();
        assert_case(&case, events.len() == replica_core::spacetime::EVENTS_KEPT, "the record is full and bounded");
        let mut matched = 0;
        for event in &events {
            if let replica_core::spacetime::SpaceTimeKind::Receive { send, dropped: false, .. } = event.kind {
                if let Some(sent) = events.iter().find(|e| e.id == send) {
                    matched += 1;
                    assert_case(
                        &case,
                        replica_core::spacetime::Recorder::happened_before(&sent.clock, &event.clock),
                        "a receive follows its send",
                    );
                }
            }
        }
        assert_case(&case, matched > 0, "some receives are matched to their sends");
    }
}
