//! Knobs: what a scenario lets its reader change, how a value is validated, and the typed
//! reads a scenario's build makes of the values given.
//!
//! **Architecture Invariant:** a build reads a knob through the [`KnobSpec`] it declared (a
//! constant of its scenario file), never by a string. Reading a spec the scenario did not
//! declare panics — every scenario is built by the tests, so such a bug fails them — and a
//! value is never silently 0.

use super::{ScenarioError, ScenarioInfo};
use crate::i18n::Text;
use serde::Serialize;
use std::collections::BTreeMap;

/// One knob of a scenario.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct KnobSpec {
    /// Name, as in `--set NAME=VALUE` and the URL.
    pub name: &'static str,
    /// Its name in words, for the page (English and Hindi).
    #[serde(skip)]
    pub label: Text,
    /// Allowed values: a list, or a numeric range `min..=max`.
    pub values: KnobValues,
    /// Default value.
    pub default: &'static str,
    /// What it does.
    pub help: &'static str,
}

/// Allowed values of a knob.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KnobValues {
    /// One of these strings.
    Choice(&'static [&'static str]),
    /// An integer in a range.
    Integer {
        /// Smallest.
        min: i64,
        /// Largest.
        max: i64,
    },
    /// A number in a range.
    Number {
        /// Smallest.
        min: f64,
        /// Largest.
        max: f64,
    },
}

/// Checks one knob value against its spec.
pub fn validate_knob(spec: &KnobSpec, value: &str) -> Result<(), ScenarioError> {
    let bad = |allowed: String| ScenarioError::BadKnobValue {
        knob: spec.name.to_string(),
        value: value.to_string(),
        allowed,
    };
    match &spec.values {
        KnobValues::Choice(choices) => {
            if choices.contains(&value) {
                Ok(())
            } else {
                Err(bad(choices.join(", ")))
            }
        }
        KnobValues::Integer { min, max } => match value.parse::<i64>() {
            Ok(v) if (*min..=*max).contains(&v) => Ok(()),
            _ => Err(bad(format!("an integer from {min} to {max}"))),
        },
        KnobValues::Number { min, max } => match value.parse::<f64>() {
            Ok(v) if v.is_finite() && (*min..=*max).contains(&v) => Ok(()),
            _ => Err(bad(format!("a number from {min} to {max}"))),
        },
    }
}

/// Names of the knobs several scenarios declare and [`super::world_config`] reads when a
/// scenario has them (each scenario declares its own spec, with its own default).
pub(crate) mod shared {
    /// Fraction of operations that are writes.
    pub const WRITE_RATIO: &str = "write_ratio";
    /// Hour of day at time zero.
    pub const HOUR: &str = "hour";
    /// fsync latency in microseconds.
    pub const FSYNC_US: &str = "fsync_us";
}

/// The `hour` knob: which cities are in their peak hours.
pub(crate) const fn hour_knob(default: &'static str) -> KnobSpec {
    KnobSpec {
        name: shared::HOUR,
        label: Text { en: "hour", hi: "दिन का घंटा" },
        values: KnobValues::Integer { min: 0, max: 23 },
        default,
        help: "Hour of day at time zero: cities in their peak hours send three times their share of the load.",
    }
}

/// The `write_ratio` knob, with what the rest of the operations are.
pub(crate) const fn write_ratio_knob(default: &'static str, help: &'static str) -> KnobSpec {
    KnobSpec {
        name: shared::WRITE_RATIO,
        label: Text { en: "write ratio", hi: "लेखन का अनुपात" },
        values: KnobValues::Number { min: 0.0, max: 1.0 },
        default,
        help,
    }
}

/// The `fsync_us` knob, with what waits for an fsync.
pub(crate) const fn fsync_knob(help: &'static str) -> KnobSpec {
    KnobSpec {
        name: shared::FSYNC_US,
        label: Text { en: "fsync us", hi: "fsync का समय (µs)" },
        values: KnobValues::Integer { min: 10, max: 100_000 },
        default: "250",
        help,
    }
}

/// The `skew_ms` knob: how far Mumbai's wall clock runs ahead (last-writer-wins scenarios).
pub(crate) const SKEW_MS: KnobSpec = KnobSpec {
    name: "skew_ms",
    label: Text { en: "skew ms", hi: "घड़ियों का अंतर (ms)" },
    values: KnobValues::Integer { min: -1000, max: 1000 },
    default: "0",
    help: "How far Mumbai's wall clock runs ahead (negative: behind), in milliseconds.",
};

/// The `gossip_ms` knob of the gossiping warehouses.
pub(crate) const GOSSIP_MS: KnobSpec = KnobSpec {
    name: "gossip_ms",
    label: Text { en: "gossip ms", hi: "गॉसिप का अंतराल (ms)" },
    values: KnobValues::Integer { min: 10, max: 5000 },
    default: "200",
    help: "Interval between gossip rounds, in milliseconds.",
};

/// Validated knob values of one scenario, read through the specs it declared.
pub struct Knobs<'a> {
    scenario: &'a ScenarioInfo,
    given: &'a BTreeMap<String, String>,
}

impl<'a> Knobs<'a> {
    /// Validates every given value against the scenario's specs.
    pub(crate) fn new(scenario: &'a ScenarioInfo, given: &'a BTreeMap<String, String>) -> Result<Self, ScenarioError> {
        for (name, value) in given {
            let spec = scenario
                .knobs
                .iter()
                .find(|k| k.name == name)
                .ok_or_else(|| ScenarioError::UnknownKnob { scenario: scenario.id.to_string(), knob: name.clone() })?;
            validate_knob(spec, value)?;
        }
        Ok(Self { scenario, given })
    }

    /// The value given, or the default; `spec` must be one the scenario declared.
    fn value(&self, spec: &KnobSpec) -> &str {
        assert!(
            self.scenario.knobs.contains(spec),
            "scenario '{}' reads knob '{}', which it does not declare",
            self.scenario.id,
            spec.name
        );
        self.given.get(spec.name).map_or(spec.default, String::as_str)
    }

    /// An integer knob's value.
    pub(crate) fn integer(&self, spec: &KnobSpec) -> i64 {
        assert!(matches!(spec.values, KnobValues::Integer { .. }), "knob '{}' is not an integer", spec.name);
        let parsed = self.value(spec).parse().or_else(|_| spec.default.parse());
        parsed.unwrap_or_else(|_| panic!("knob '{}': its default is no integer", spec.name))
    }

    /// A non-negative integer knob's value as a count or a duration.
    pub(crate) fn unsigned(&self, spec: &KnobSpec) -> u64 {
        assert!(
            matches!(spec.values, KnobValues::Integer { min, .. } if min >= 0),
            "knob '{}' may be negative",
            spec.name
        );
        self.integer(spec).unsigned_abs()
    }

    /// A number knob's value.
    pub(crate) fn number(&self, spec: &KnobSpec) -> f64 {
        assert!(matches!(spec.values, KnobValues::Number { .. }), "knob '{}' is not a number", spec.name);
        let parsed = self.value(spec).parse().or_else(|_| spec.default.parse());
        parsed.unwrap_or_else(|_| panic!("knob '{}': its default is no number", spec.name))
    }

    /// A choice knob's value, parsed into its type.
    pub(crate) fn choice<T>(&self, spec: &KnobSpec, parse: fn(&str) -> Option<T>) -> T {
        assert!(matches!(spec.values, KnobValues::Choice(_)), "knob '{}' is not a choice", spec.name);
        let parsed = parse(self.value(spec)).or_else(|| parse(spec.default));
        parsed.unwrap_or_else(|| panic!("knob '{}': its default is not one of its values", spec.name))
    }

    /// Whether a two-way choice knob is `on`.
    pub(crate) fn on(&self, spec: &KnobSpec) -> bool {
        self.choice(spec, |value| Some(value == "on"))
    }

    /// A shared knob's value as a number, when the scenario declares it (see [`shared`]).
    pub(crate) fn shared_number(&self, name: &str) -> Option<f64> {
        let spec = self.scenario.knobs.iter().find(|k| k.name == name)?;
        let value = self.given.get(name).map_or(spec.default, String::as_str);
        value.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DECLARED: KnobSpec = KnobSpec {
        name: "declared",
        label: Text { en: "declared", hi: "घोषित" },
        values: KnobValues::Integer { min: 1, max: 9 },
        default: "3",
        help: "A knob the scenario declares.",
    };
    // Read only by the test that must panic, which runs natively.
    #[cfg(not(target_arch = "wasm32"))]
    const UNDECLARED: KnobSpec = KnobSpec { name: "undeclared", ..DECLARED };
    const INFO: ScenarioInfo = ScenarioInfo {
        id: "test",
        title: Text { en: "test", hi: "परीक्षण" },
        strategy: "none",
        default_load_ops_s: 1.0,
        knobs: &[DECLARED],
        lesson: &[],
    };

    #[test]
    fn a_declared_knob_reads_its_value_or_its_default() {
        let mut given = BTreeMap::new();
        assert_eq!(Knobs::new(&INFO, &given).map(|knobs| knobs.integer(&DECLARED)), Ok(3));
        given.insert("declared".to_string(), "7".to_string());
        assert_eq!(Knobs::new(&INFO, &given).map(|knobs| knobs.unsigned(&DECLARED)), Ok(7));
        given.insert("declared".to_string(), "10".to_string());
        assert!(Knobs::new(&INFO, &given).is_err(), "a value out of range is refused before any read");
    }

    // Natively: a panic in wasm aborts the module rather than failing one test.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    #[should_panic(expected = "reads knob 'undeclared', which it does not declare")]
    fn reading_a_knob_the_scenario_does_not_declare_panics_instead_of_reading_zero() {
        let given = BTreeMap::new();
        if let Ok(knobs) = Knobs::new(&INFO, &given) {
            knobs.integer(&UNDECLARED);
        }
    }
}
