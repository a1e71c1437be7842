//! The URL hash parser: known links round-trip, and ten thousand generated hostile hashes
//! never panic and always yield a buildable configuration.

use replica_core::rng::{Purpose, Stream};
use replica_web::url::{parse_hash, to_hash, Lang};
use wasm_bindgen_test::{wasm_bindgen_test as test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[test]
fn a_full_link_parses() {
    let (params, warnings) = parse_hash(
        "#scenario=hdfc&seed=42&latency=2.5&load=3000&t=12&lang=hi&embed=1&lesson=2&commit=on&reads=primary",
    );
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(params.lesson, 2);
    assert_eq!(params.seed, Some(42));
    assert_eq!(params.latency, 2.5);
    assert_eq!(params.load, Some(3000.0));
    assert_eq!(params.t_s, 12.0);
    assert_eq!(params.lang, Lang::Hi);
    assert!(params.embed);
    assert_eq!(params.knobs.get("commit").map(String::as_str), Some("on"));
    let again = parse_hash(&to_hash(&params, 42)).0;
    assert_eq!(again, params);
}

#[test]
fn bad_parts_fall_back_with_a_warning_each() {
    let (params, warnings) =
        parse_hash("#scenario=nope&seed=-3&latency=1e999&load=abc&t=99999&lang=fr&commit=maybe&colour=blue&lesson=9");
    assert_eq!(params.scenario, "hdfc");
    assert_eq!(params.seed, None);
    assert_eq!(params.latency, 1.0);
    assert_eq!(params.load, None);
    assert_eq!(params.t_s, 0.0);
    assert!(params.knobs.is_empty());
    assert_eq!(params.lesson, 0, "hdfc's lesson has four steps");
    assert_eq!(warnings.len(), 9, "{warnings:?}");
}

const FRAGMENTS: [&str; 31] = [
    "scenario",
    "seed",
    "latency",
    "load",
    "t",
    "lang",
    "embed",
    "lesson",
    "commit",
    "reads",
    "failover",
    "replicas",
    "write_ratio",
    "hdfc",
    "<script>alert(1)</script>",
    "%00",
    "%ZZ",
    "NaN",
    "-inf",
    "1e308",
    "18446744073709551616",
    "=",
    "&",
    "#",
    "🙂",
    "ctl",
    "1:crash:mumbai",
    "0:cut:mumbai:delhi:1,5:heal:delhi:mumbai",
    "5:load:1e9,4:healall",
    "99999999999999999999:skew:delhi:-1",
    "3:slow:mumbai:atlantis:2,:,,",
];

fn generated_hash(rng: &mut Stream) -> String {
    let mut hash = String::from("#");
    for _ in 0..rng.below(12) {
        let key = FRAGMENTS[rng.below(FRAGMENTS.len() as u64) as usize];
        let value: String = match rng.below(4) {
            0 => FRAGMENTS[rng.below(FRAGMENTS.len() as u64) as usize].to_string(),
            1 => rng.next_u64().to_string(),
            2 => format!("{}", (rng.unit() - 0.5) * 1e6),
            _ => (0..rng.below(20)).map(|_| char::from_u32(rng.below(0x3000) as u32).unwrap_or('x')).collect(),
        };
        hash.push_str(&format!("{key}={value}&"));
    }
    if rng.chance(0.01) {
        hash.push_str(&"x".repeat(10_000));
    }
    hash
}

#[test]
fn ten_thousand_generated_hashes_never_panic() {
    let mut rng = Stream::new(2026, Purpose::Faults);
    for _ in 0..10_000 {
        let hash = generated_hash(&mut rng);
        let (params, _) = parse_hash(&hash);
        assert!(replica_core::scenario::info(&params.scenario).is_some(), "{hash}");
        assert!(params.latency.is_finite() && params.t_s.is_finite());
        let mut config = replica_core::scenario::ScenarioConfig::new(&params.scenario, params.seed.unwrap_or(1));
        config.knobs = params.knobs.clone();
        config.load_ops_s = params.load;
        config.latency_multiplier = params.latency;
        let simulation = replica_core::scenario::build(config.clone());
        assert!(simulation.is_ok(), "{hash} parsed into an unbuildable config");
        if let (Ok(simulation), false) = (simulation, params.controls.is_empty()) {
            let ids = simulation.known_ids();
            let known: Vec<&str> = ids.iter().map(String::as_str).collect();
            let (controls, _) = replica_core::control::decode_log(&params.controls, &known);
            assert!(controls.windows(2).all(|pair| pair[0].at_us <= pair[1].at_us), "{hash}");
            config.controls = controls;
            assert!(replica_core::scenario::build(config).is_ok(), "{hash}: its controls made the run unbuildable");
        }
    }
}
