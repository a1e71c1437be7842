//! The scenario registry: every row builds as it starts and with every setting it names
//! elsewhere (its sweeps' promise configurations, its benchmark rows), and the lists the
//! rest of the tree derives from it hold each scenario once.

use replica_core::bench;
use replica_core::scenario::{self, validate_knob, ScenarioConfig, ScenarioError, SCENARIOS};
use std::collections::BTreeSet;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// Builds a scenario with knob settings, or says why not.
fn build(id: &str, knobs: &[(&str, &str)]) -> Result<usize, ScenarioError> {
    let mut config = ScenarioConfig::new(id, 7);
    for (name, value) in knobs {
        config = config.with_knob(name, value);
    }
    Ok(scenario::build(config)?.node_names().len())
}

#[test]
fn every_scenario_builds_as_it_starts_and_with_every_setting_it_names() {
    let mut ids = BTreeSet::new();
    for spec in SCENARIOS {
        let id = spec.info.id;
        assert!(ids.insert(id), "{id}: one row per scenario");
        let mut names = BTreeSet::new();
        for knob in spec.info.knobs {
            assert!(names.insert(knob.name), "{id}: knob {} declared once", knob.name);
            validate_knob(knob, knob.default).unwrap_or_else(|e| panic!("{id}: its default: {e}"));
        }
        let nodes = build(id, &[]).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert!(nodes >= 2, "{id}: {nodes} nodes");
        assert!(!spec.promise_configs.is_empty(), "{id}: a sweep checks its promises");
        let settings = spec.promise_configs.iter().copied().chain(spec.bench.iter().map(|row| row.knobs));
        for knobs in settings {
            build(id, knobs).unwrap_or_else(|e| panic!("{id} with {knobs:?}: {e}"));
        }
    }
}

#[test]
fn the_derived_lists_hold_every_scenario_in_the_registry_order() {
    let catalogue: Vec<&str> = scenario::catalogue().map(|info| info.id).collect();
    let registry: Vec<&str> = SCENARIOS.iter().map(|spec| spec.info.id).collect();
    assert_eq!(catalogue, registry);
    for id in &registry {
        assert_eq!(scenario::info(id).map(|info| info.id), Some(*id));
    }
    assert_eq!(scenario::info("no-such-scenario"), None);
    let swept: BTreeSet<&str> = scenario::promise_configs().map(|(id, _)| id).collect();
    assert_eq!(swept, registry.iter().copied().collect(), "sweep --scenario all covers every scenario");
    let entries = bench::entries();
    let rows: usize = SCENARIOS.iter().map(|spec| spec.bench.len()).sum();
    assert_eq!(entries.len(), rows);
    let labels: BTreeSet<&str> = entries.iter().map(|entry| entry.label).collect();
    assert_eq!(labels.len(), entries.len(), "benchmark labels are distinct");
    let mut last = 0;
    for entry in &entries {
        let position = registry.iter().position(|id| *id == entry.scenario).unwrap_or(usize::MAX);
        assert!(position >= last && position < registry.len(), "{}: in registry order", entry.label);
        last = position;
    }
}

#[test]
fn a_knob_outside_the_scenario_or_its_values_is_refused_by_name() {
    assert_eq!(
        build("hdfc", &[("gossip_ms", "100")]),
        Err(ScenarioError::UnknownKnob { scenario: "hdfc".into(), knob: "gossip_ms".into() })
    );
    let refused = build("upi", &[("leaders", "6")]);
    assert!(matches!(refused, Err(ScenarioError::BadKnobValue { ref knob, .. }) if knob == "leaders"), "{refused:?}");
    assert_eq!(build("upi", &[("leaders", "5")]), Ok(5), "the largest value the knob allows builds");
    assert_eq!(build("hdfc", &[("replicas", "6")]), Ok(7), "every replica city is used");
}
