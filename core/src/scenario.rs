//! Scenarios: the registry of what can be run, their knobs, and how to build a world.
//!
//! A scenario is a strategy, a placement of nodes in cities, a workload and knobs, in one
//! file of `scenario/` with one row in [`SCENARIOS`]. This module validates user input
//! (knob values, loads, seeds) into typed configs and builds a [`Simulation`]; it must not
//! contain protocol logic.

use crate::control::TimedControl;
use crate::engine::{DiskConfig, WorldConfig};
use crate::i18n::Text;
use crate::workload::{WorkloadConfig, LOAD_OPS_MAX};
use knobs::shared;
use serde::Serialize;
use std::collections::BTreeMap;
use thiserror::Error;

mod big_billion_day;
mod consensus;
mod core_banking;
mod data_sync;
mod flipkart;
mod hdfc;
mod irctc_tatkal;
mod knobs;
mod lag_monitor;
mod myntra;
mod neft_rtgs;
mod simulation;
mod upi;

pub(crate) use knobs::Knobs;
pub use knobs::{validate_knob, KnobSpec, KnobValues};
pub(crate) use simulation::Built;
pub use simulation::Simulation;

/// Every scenario, in the order the page lists them: the one table the command line, the
/// page, the benchmark, the sweeps and the end-to-end tests derive their lists from.
///
/// **Architecture Invariant:** a scenario is one file in `scenario/` and one row here;
/// nothing else in the tree matches on a scenario id.
pub const SCENARIOS: &[ScenarioSpec] = &[
    hdfc::SPEC,
    upi::SPEC,
    flipkart::SPEC,
    neft_rtgs::SPEC,
    core_banking::SPEC,
    myntra::SPEC,
    consensus::SPEC,
    data_sync::SPEC,
    lag_monitor::SPEC,
    big_billion_day::SPEC,
    irctc_tatkal::SPEC,
];

const _: () = assert!(!SCENARIOS.is_empty(), "the first scenario is the default");

/// Knob settings, as `--set NAME=VALUE` pairs.
pub type KnobSettings = &'static [(&'static str, &'static str)];

/// How a scenario builds its world from validated knobs and a load.
pub(crate) type BuildFn = fn(&ScenarioConfig, &Knobs, f64) -> Box<dyn Simulation>;

/// One scenario: what the catalogue says of it, how it is built, what the sweeps check and
/// which rows it adds to the benchmark.
#[derive(Debug, Clone, Copy)]
pub struct ScenarioSpec {
    /// What the catalogue says of it.
    pub info: ScenarioInfo,
    /// Builds it.
    pub(crate) build: BuildFn,
    /// The knob settings whose promises `sweep --scenario all` checks (`&[]`: as it starts).
    pub promise_configs: &'static [KnobSettings],
    /// Its rows in the strategy benchmark.
    pub bench: &'static [crate::bench::EntrySpec],
}

/// The catalogue: what every scenario says of itself, in the registry's order.
pub fn catalogue() -> impl Iterator<Item = &'static ScenarioInfo> {
    SCENARIOS.iter().map(|spec| &spec.info)
}

/// One scenario's registry row.
pub fn spec(id: &str) -> Option<&'static ScenarioSpec> {
    SCENARIOS.iter().find(|spec| spec.info.id == id)
}

/// One scenario's catalogue entry.
pub fn info(id: &str) -> Option<&'static ScenarioInfo> {
    spec(id).map(|spec| &spec.info)
}

/// The configurations whose promises a sweep over every scenario (`sweep --scenario all`)
/// checks: each scenario's promise configurations, in the registry's order.
pub fn promise_configs() -> impl Iterator<Item = (&'static str, KnobSettings)> {
    SCENARIOS.iter().flat_map(|spec| spec.promise_configs.iter().map(move |knobs| (spec.info.id, *knobs)))
}

/// Longest run accepted.
pub const DURATION_MAX_US: u64 = 3_600_000_000;
/// Default run length.
pub const DURATION_DEFAULT_US: u64 = 60_000_000;
/// Time given to a run after the workload stops, for replication to settle: the quiet
/// period every run gets, and the longest it gets unless its configuration needs more.
pub const QUIESCE_US: u64 = 5_000_000;
/// The longest quiet period any configuration may get (gossip every 5 s needs 176 s).
pub const QUIET_MAX_US: u64 = 180_000_000;
/// How often a quiet run checks whether its replicas agree yet.
pub const QUIET_STEP_US: u64 = 100_000;

/// What the catalogue says of a scenario.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ScenarioInfo {
    /// Stable id.
    pub id: &'static str,
    /// Title (English and Hindi).
    #[serde(serialize_with = "english")]
    pub title: Text,
    /// The strategy it runs.
    pub strategy: &'static str,
    /// Default offered load.
    pub default_load_ops_s: f64,
    /// Knobs.
    pub knobs: &'static [KnobSpec],
    /// Its lesson: the steps the page offers a newcomer, each checked by a test.
    #[serde(skip)]
    pub lesson: &'static [crate::lesson::LessonStep],
}

/// A text as the command line's JSON writes it: in English.
fn english<S: serde::Serializer>(text: &Text, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(text.en)
}

/// Why a scenario could not be built.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ScenarioError {
    /// No scenario has this id.
    #[error("unknown scenario '{0}' (try `replica-lab scenarios`)")]
    UnknownScenario(String),
    /// The scenario has no knob of this name.
    #[error("scenario '{scenario}' has no knob '{knob}'")]
    UnknownKnob {
        /// Scenario id.
        scenario: String,
        /// Knob name.
        knob: String,
    },
    /// A knob value outside its allowed values.
    #[error("bad value '{value}' for knob '{knob}' (allowed: {allowed})")]
    BadKnobValue {
        /// Knob name.
        knob: String,
        /// Value given.
        value: String,
        /// Allowed values.
        allowed: String,
    },
    /// A load outside `0..=LOAD_OPS_MAX` or not a number.
    #[error("bad load {0} (0 to {LOAD_OPS_MAX} ops/s)")]
    BadLoad(f64),
    /// A latency multiplier outside its range.
    #[error("bad latency multiplier {0} (0.1 to 50)")]
    BadLatency(f64),
    /// A duration of zero or beyond the maximum.
    #[error("bad duration (more than 0, at most one hour)")]
    BadDuration,
    /// Replaying a run to the moment asked would take more events than allowed.
    #[error("replaying to {0} µs would take too many events")]
    ReplayTooLong(u64),
}

/// Everything needed to build a run.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioConfig {
    /// Scenario id.
    pub scenario: String,
    /// Seed.
    pub seed: u64,
    /// Offered load; `None` for the scenario's default.
    pub load_ops_s: Option<f64>,
    /// Latency multiplier.
    pub latency_multiplier: f64,
    /// Knob values by name (missing ones take defaults).
    pub knobs: BTreeMap<String, String>,
    /// Scheduled controls (faults).
    pub controls: Vec<TimedControl>,
    /// Cap on the history (the page keeps it lower).
    pub history_ops_max: usize,
    /// Keep the space-time diagram's record (the page does; it only observes).
    pub record_spacetime: bool,
}

impl ScenarioConfig {
    /// Defaults for a scenario and seed.
    pub fn new(scenario: &str, seed: u64) -> Self {
        Self {
            scenario: scenario.to_string(),
            seed,
            load_ops_s: None,
            latency_multiplier: 1.0,
            knobs: BTreeMap::new(),
            controls: Vec::new(),
            history_ops_max: crate::history::HISTORY_OPS_MAX_DEFAULT,
            record_spacetime: false,
        }
    }

    /// Sets a knob (validated when the world is built).
    pub fn with_knob(mut self, name: &str, value: &str) -> Self {
        self.knobs.insert(name.to_string(), value.to_string());
        self
    }

    /// Adds the controls of fault specs (`crash:mumbai@10s`, …) to those already scheduled,
    /// in time order: what `run --fault SPEC…` does. Builds the scenario once to validate it and
    /// learn the node and city ids the specs may name.
    pub fn with_fault_specs(mut self, specs: &[String]) -> Result<Self, ScheduleError> {
        let known = build(self.clone())?.known_ids();
        let known: Vec<&str> = known.iter().map(String::as_str).collect();
        self.controls.extend(crate::control::controls_from_specs(specs, &known)?);
        self.controls.sort_by_key(|timed| timed.at_us);
        Ok(self)
    }
}

/// Why fault specs could not be scheduled on a configuration.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ScheduleError {
    /// The configuration itself is invalid.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// A fault spec is invalid (or names a node the scenario does not have).
    #[error(transparent)]
    Fault(#[from] crate::control::FaultError),
}

/// Adds a control a knob implies (a sale, a skew) unless the control log being replayed
/// already holds it, keeping the log in time order: replaying a run's own control log must
/// not apply a knob's controls twice.
pub(crate) fn add_scenario_control(controls: &mut Vec<TimedControl>, timed: TimedControl) {
    if controls.contains(&timed) {
        return;
    }
    let position = controls.partition_point(|other| other.at_us <= timed.at_us);
    controls.insert(position, timed);
}

/// Builds a simulation from a config, validating every input.
pub fn build(config: ScenarioConfig) -> Result<Box<dyn Simulation>, ScenarioError> {
    let spec = spec(&config.scenario).ok_or_else(|| ScenarioError::UnknownScenario(config.scenario.clone()))?;
    let load = config.load_ops_s.unwrap_or(spec.info.default_load_ops_s);
    if !(load.is_finite() && (0.0..=LOAD_OPS_MAX).contains(&load)) {
        return Err(ScenarioError::BadLoad(load));
    }
    let latency = config.latency_multiplier;
    if !(latency.is_finite() && (0.1..=50.0).contains(&latency)) {
        return Err(ScenarioError::BadLatency(latency));
    }
    let knobs = Knobs::new(&spec.info, &config.knobs)?;
    Ok((spec.build)(&config, &knobs, load))
}
/// The world every scenario starts from: its seed, load, latency, the shared knobs it
/// declares (write ratio, hour, fsync) and what the run keeps.
fn world_config(config: &ScenarioConfig, knobs: &Knobs, load: f64) -> WorldConfig {
    WorldConfig {
        seed: config.seed,
        workload: WorkloadConfig {
            load_ops_s: load,
            mix: crate::workload::register_mix(knobs.shared_number(shared::WRITE_RATIO).unwrap_or(0.4)),
            start_hour: knobs.shared_number(shared::HOUR).unwrap_or(10.0) as u8,
            ..WorkloadConfig::default()
        },
        latency_multiplier: config.latency_multiplier,
        disk: DiskConfig {
            fsync_us: knobs.shared_number(shared::FSYNC_US).unwrap_or(250.0) as u64,
            ..DiskConfig::default()
        },
        history_ops_max: config.history_ops_max,
        record_spacetime: config.record_spacetime,
        ..WorldConfig::default()
    }
}
