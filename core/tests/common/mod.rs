//! The reusable test driver: build, drive and check scenarios, natively and in wasm.
//!
//! Every helper that runs a seeded simulation prints the seed (and the command that
//! reproduces the run) when an assertion fails, so a failure is one command away from a
//! reproduction.

#![allow(dead_code)]

use replica_core::report::{self, Finished};
use replica_core::scenario::{self, ScenarioConfig, Simulation};

/// A scenario run, described the way the command line would.
#[derive(Debug, Clone)]
pub struct Case {
    pub scenario: &'static str,
    pub seed: u64,
    pub duration_s: u64,
    pub load: Option<f64>,
    pub knobs: Vec<(&'static str, &'static str)>,
    pub faults: Vec<String>,
}

impl Case {
    pub fn new(scenario: &'static str, seed: u64) -> Self {
        Self { scenario, seed, duration_s: 60, load: None, knobs: Vec::new(), faults: Vec::new() }
    }

    pub fn duration(mut self, seconds: u64) -> Self {
        self.duration_s = seconds;
        self
    }

    pub fn load(mut self, ops_s: f64) -> Self {
        self.load = Some(ops_s);
        self
    }

    pub fn knob(mut self, name: &'static str, value: &'static str) -> Self {
        self.knobs.push((name, value));
        self
    }

    pub fn fault(mut self, spec: &str) -> Self {
        self.faults.push(spec.to_string());
        self
    }

    /// Adds the random fault schedule `sweep --faults random` gives this seed.
    pub fn with_random_faults(mut self) -> Self {
        let nodes = self.build().node_names();
        for spec in replica_core::control::random_faults(self.seed, &nodes, self.duration_s * 1_000_000) {
            self = self.fault(&spec);
        }
        self
    }

    /// The equivalent command line, printed when a test fails.
    pub fn command(&self) -> String {
        let mut command = format!(
            "replica-lab run --scenario {} --seed {} --duration {}s",
            self.scenario, self.seed, self.duration_s
        );
        if let Some(load) = self.load {
            command.push_str(&format!(" --load {load}"));
        }
        for (name, value) in &self.knobs {
            command.push_str(&format!(" --set {name}={value}"));
        }
        for fault in &self.faults {
            command.push_str(&format!(" --fault {fault}"));
        }
        command + " --json"
    }

    pub fn config(&self) -> ScenarioConfig {
        let mut config = ScenarioConfig::new(self.scenario, self.seed);
        config.load_ops_s = self.load;
        for (name, value) in &self.knobs {
            config = config.with_knob(name, value);
        }
        config.with_fault_specs(&self.faults).unwrap_or_else(|e| panic!("{}: {e}", self.command()))
    }

    /// Runs to the end (with quiescence) and checks.
    pub fn run(&self) -> Finished {
        report::run(self.config(), self.duration_s * 1_000_000).unwrap_or_else(|e| panic!("{}: {e}", self.command()))
    }

    /// Builds the simulation without running it.
    pub fn build(&self) -> Box<dyn Simulation> {
        scenario::build(self.config()).unwrap_or_else(|e| panic!("{}: {e}", self.command()))
    }
}

/// Median round trip between two cities in the model's own link table (seed 1, 2,000
/// samples), ms; two same-city hops within a city.
pub fn rtt_p50_ms(a: &str, b: &str) -> f64 {
    if a == b {
        return 2.0 * replica_core::net::SAME_CITY_ONE_WAY_US / 1000.0;
    }
    replica_core::net::link_table(1, 2000)
        .iter()
        .find(|l| (l.a == a && l.b == b) || (l.a == b && l.b == a))
        .map_or(f64::NAN, |l| l.rtt_p50_ms)
}

/// Steps a simulation until `t_us`, handling at most `events_max` events; panics if the
/// bound is hit (a hang would otherwise look like a slow test).
pub fn drive_bounded(simulation: &mut dyn Simulation, t_us: u64, events_max: u64) {
    assert!(
        simulation.run_until_bounded(t_us, events_max),
        "seed {}: more than {events_max} events before t = {t_us} µs",
        simulation.config().seed
    );
}

/// Asserts `condition` for a case, naming the seed and the reproducing command.
#[track_caller]
pub fn assert_case(case: &Case, condition: bool, what: &str) {
    assert!(condition, "seed {}: {what}\n  reproduce: {}", case.seed, case.command());
}
