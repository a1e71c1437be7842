//! Running a scenario to the end and reporting it: the `run --json` object and the trace
//! file (docs/design.md, docs/trace-format.md). Shared by the command line and the page.

mod sections;
mod trace_file;

pub use sections::*;
pub use trace_file::*;

use crate::check::{CheckReport, FinalState};
use crate::history::Outcome;
use crate::metrics::percentile_ms;
use crate::protocol::OpKind;
use crate::scenario::{self, ScenarioConfig, ScenarioError, Simulation, QUIESCE_US};
use serde::Serialize;
use std::collections::BTreeMap;

/// Counts of operations by outcome.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OpsReport {
    /// Acknowledged.
    pub ok: u64,
    /// Refused.
    pub failed: u64,
    /// Timed out.
    pub unknown: u64,
}

/// Latency percentiles of successful operations.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LatencyReport {
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Maximum.
    pub max: f64,
}

/// Replication lag percentiles (sampled every 10 ms on every replica).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LagReport {
    /// 95th percentile.
    pub p95: f64,
    /// Maximum.
    pub max: f64,
}

/// The `run --json` object.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RunReport {
    /// Scenario id.
    pub scenario: String,
    /// Strategy it runs.
    pub strategy: String,
    /// Seed.
    pub seed: u64,
    /// Simulated seconds of workload.
    pub duration_s: f64,
    /// Operations by outcome.
    pub ops: OpsReport,
    /// Successful operations per simulated second.
    pub throughput_ops_s: f64,
    /// Latency of successful operations, ms.
    pub latency_ms: LatencyReport,
    /// Replication lag, ms.
    pub replication_lag_ms: LagReport,
    /// Messages sent.
    pub messages: u64,
    /// Events handled.
    pub events: u64,
    /// Count per anomaly, 0 for every checker that ran.
    pub anomalies: BTreeMap<&'static str, u64>,
    /// Digest of every event handled (hex).
    pub trace_digest: String,
    /// Offered load.
    pub load_ops_s: f64,
    /// Latency multiplier.
    pub latency_multiplier: f64,
    /// Knob values given.
    pub knobs: BTreeMap<String, String>,
    /// Messages by kind.
    pub messages_by_kind: BTreeMap<&'static str, u64>,
    /// Messages dropped by cuts, loss or crashed receivers.
    pub messages_dropped: u64,
    /// Anomalies this configuration promises never to show.
    pub promises: Vec<&'static str>,
    /// Latency of successful operations by kind (reads, writes, orders…), ms.
    pub latency_by_kind_ms: BTreeMap<OpKind, LatencyReport>,
    /// The first findings, with the operations that prove them.
    pub findings: Vec<crate::check::Finding>,
    /// What the linearizability search covered (scenarios that check it): keys checked,
    /// keys with no linearization, keys it could not decide within its budget.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub linearizability: Option<crate::check::LinearizabilityReport>,
    /// Time from the last client operation until every running replica held the same
    /// state, ms (10 ms resolution; scenarios with a divergence checker). `null` when the
    /// scenario has no divergence checker or the replicas had not converged by the end.
    pub time_to_converge_ms: Option<f64>,
    /// The parts only some strategies and scenarios have (conflicts, orders, two-phase
    /// doubt, consumers, scaling, alerts, the monitor's views), each under its own keys.
    #[serde(flatten)]
    pub sections: Sections,
}

/// A finished run.
pub struct Finished {
    /// The report.
    pub report: RunReport,
    /// The simulation, after quiescence.
    pub simulation: Box<dyn Simulation>,
    /// Its final state.
    pub final_state: FinalState,
    /// Everything the checkers found.
    pub checks: CheckReport,
}

impl std::fmt::Debug for Finished {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Finished").field("report", &self.report).finish_non_exhaustive()
    }
}

/// Findings listed in a report.
pub const REPORT_FINDINGS_MAX: usize = 20;

/// Runs a scenario for `duration_us`, lets it quiesce, checks it and reports. An
/// auto-scaling scenario also runs the other scaling policy on the same seed and reports both.
pub fn run(config: ScenarioConfig, duration_us: u64) -> Result<Finished, ScenarioError> {
    let mut finished = run_one(config.clone(), duration_us)?;
    let Some(own) = finished.report.sections.get::<ScalingReport>().map(|scaling| scaling.own.clone()) else {
        return Ok(finished);
    };
    let prescaled = config.knobs.get("scaling").is_some_and(|policy| policy == "prescaled");
    let (policy, other_policy) = if prescaled { ("prescaled", "reactive") } else { ("reactive", "prescaled") };
    let other = run_one(config.with_knob("scaling", other_policy), duration_us)?;
    let mut both = BTreeMap::new();
    both.insert(policy, own);
    if let Some(scaling) = other.report.sections.get::<ScalingReport>() {
        both.insert(other_policy, scaling.own.clone());
    }
    if let Some(scaling) = finished.report.sections.get_mut::<ScalingReport>() {
        scaling.policies = Some(both);
    }
    Ok(finished)
}

/// A run taken to its end and through quiescence, checked: what a report is made from.
pub struct Quiet {
    /// The simulation, after quiescence.
    pub simulation: Box<dyn Simulation>,
    /// Its final state.
    pub final_state: FinalState,
    /// Everything the checkers found.
    pub checks: CheckReport,
}

impl std::fmt::Debug for Quiet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Quiet").field("checks", &self.checks).finish_non_exhaustive()
    }
}

/// Runs a configuration for `duration_us`, stops the workload, lets it quiesce and checks
/// it — without building a report (the page's benchmark and comparison need only this).
pub fn run_quiet(config: ScenarioConfig, duration_us: u64) -> Result<Quiet, ScenarioError> {
    if duration_us == 0 || duration_us > scenario::DURATION_MAX_US {
        return Err(ScenarioError::BadDuration);
    }
    let mut simulation = scenario::build(config)?;
    simulation.run_until(duration_us);
    Ok(finish_quiet(simulation, duration_us))
}

/// Takes a simulation that has run to `duration_us` (or less) through the rest of the
/// workload and quiescence, and checks it: the end of [`run_quiet`], for runs driven by
/// someone else (the nemesis applies its faults while it runs).
pub fn finish_quiet(mut simulation: Box<dyn Simulation>, duration_us: u64) -> Quiet {
    simulation.run_until(duration_us);
    simulation.stop_workload();
    simulation.run_until(duration_us + QUIESCE_US);
    // Replicas that still disagree get the time their configuration may need to agree.
    let quiet_end_us = duration_us + simulation.quiet_max_us();
    let judges_divergence = simulation.checkers().contains(&crate::check::AnomalyKind::Divergence);
    while judges_divergence && simulation.time_to_converge_us().is_none() && simulation.now_us() < quiet_end_us {
        let next_us = (simulation.now_us() + scenario::QUIET_STEP_US).min(quiet_end_us);
        simulation.run_until(next_us);
    }
    let final_state = simulation.final_state();
    let checks = simulation.check(Some(&final_state));
    Quiet { simulation, final_state, checks }
}

/// What the checkers would find if `simulation`'s workload stopped now: the run rebuilt
/// from its settings and the controls it has applied, replayed to now (at most `events_max`
/// events), its workload stopped and taken through quiescence, then checked with every
/// checker. The run itself is untouched: this is the page's "Check now", and how it counts
/// the writes a failover lost the moment a new primary takes over.
pub fn quiet_fork(simulation: &dyn Simulation, events_max: u64) -> Result<Quiet, ScenarioError> {
    let at_us = simulation.now_us();
    let mut config = simulation.config().clone();
    config.controls = simulation.control_log().to_vec();
    config.record_spacetime = false;
    // The history cap stays the run's: the engine finds a pending operation's record in the
    // history, so another cap could make the fork a different run. Checkers that need the
    // whole history give no verdict when the oldest operations were dropped.
    let mut fork = scenario::build(config)?;
    if !fork.run_until_bounded(at_us, events_max) {
        return Err(ScenarioError::ReplayTooLong(at_us));
    }
    Ok(finish_quiet(fork, at_us))
}

/// Runs one configuration as [`run`] does, without the other scaling policy beside it.
pub fn run_one(config: ScenarioConfig, duration_us: u64) -> Result<Finished, ScenarioError> {
    let quiet = run_quiet(config.clone(), duration_us)?;
    report_quiet(&config, quiet, duration_us)
}

/// The report of a run taken through quiescence ([`Quiet`]), as [`run_one`] makes it.
pub fn report_quiet(config: &ScenarioConfig, quiet: Quiet, duration_us: u64) -> Result<Finished, ScenarioError> {
    let info =
        scenario::info(&config.scenario).ok_or_else(|| ScenarioError::UnknownScenario(config.scenario.clone()))?;
    let Quiet { simulation, final_state, checks } = quiet;
    let metrics = simulation.metrics();
    let duration_s = duration_us as f64 / 1e6;
    let report = RunReport {
        scenario: info.id.to_string(),
        strategy: info.strategy.to_string(),
        seed: config.seed,
        duration_s,
        ops: OpsReport { ok: metrics.ops_ok, failed: metrics.ops_failed, unknown: metrics.ops_unknown },
        throughput_ops_s: round3(metrics.ops_ok as f64 / duration_s),
        latency_ms: LatencyReport {
            p50: percentile_ms(&metrics.latency_us, 0.50),
            p95: percentile_ms(&metrics.latency_us, 0.95),
            p99: percentile_ms(&metrics.latency_us, 0.99),
            max: percentile_ms(&metrics.latency_us, 1.0),
        },
        replication_lag_ms: LagReport {
            p95: percentile_ms(&metrics.lag_us, 0.95),
            max: percentile_ms(&metrics.lag_us, 1.0),
        },
        messages: metrics.messages(),
        events: simulation.events(),
        anomalies: checks.counts.clone(),
        trace_digest: simulation.digest_text(),
        load_ops_s: config.load_ops_s.unwrap_or(info.default_load_ops_s),
        latency_multiplier: config.latency_multiplier,
        knobs: config.knobs.clone(),
        messages_by_kind: crate::protocol::MessageKind::ALL
            .iter()
            .map(|kind| (kind.name(), metrics.messages_by_kind[*kind as usize]))
            .collect(),
        messages_dropped: metrics.messages_dropped,
        promises: simulation.promises().iter().map(|kind| kind.name()).collect(),
        latency_by_kind_ms: latency_by_kind(simulation.history()),
        findings: checks.findings.iter().take(REPORT_FINDINGS_MAX).cloned().collect(),
        linearizability: checks.linearizability,
        time_to_converge_ms: simulation.time_to_converge_us().map(|us| us as f64 / 1000.0),
        sections: Sections::of(&SectionInputs {
            final_state: &final_state,
            history: simulation.history(),
            monitor: simulation.monitor(),
            duration_us,
        }),
    };
    Ok(Finished { report, simulation, final_state, checks })
}

/// Rounds to three decimals (figures in reports and the benchmark).
pub(crate) fn round3(value: f64) -> f64 {
    libm::round(value * 1000.0) / 1000.0
}
