//! Running a scenario to the end and reporting it: the `run --json` object and the trace
//! file (docs/design.md, docs/trace-format.md). Shared by the command line and the page.

use crate::check::{CheckReport, FinalState};
use crate::geo::CITIES;
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
    /// Concurrent writes detected and resolved (multi-leader scenarios), as the
    /// authoritative node counted them; its lists cut to [`REPORT_FINDINGS_MAX`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conflicts: Option<crate::self_report::ConflictLog>,
    /// Time from the last client operation until every running replica held the same
    /// state, ms (10 ms resolution; scenarios with a divergence checker). `null` when the
    /// scenario has no divergence checker or the replicas had not converged by the end.
    pub time_to_converge_ms: Option<f64>,
    /// What became of the orders (inventory scenarios).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orders: Option<OrdersReport>,
    /// Two-phase-commit participants in doubt: summed over participants (the longest
    /// block is the maximum), ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub two_phase: Option<TwoPhaseReport>,
    /// What each downstream consumer applied, was given again and applied twice, and its
    /// rebuilds (data-sync); lists cut to [`REPORT_FINDINGS_MAX`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync: Option<BTreeMap<String, crate::self_report::SyncLog>>,
    /// Minutes (in 10-second windows) in which the read SLA was violated (auto-scaling).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sla_minutes_violated: Option<f64>,
    /// Replica-hours billed, weighted by regional cost (auto-scaling; Mumbai = 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost: Option<f64>,
    /// Most replicas provisioned at once (auto-scaling).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicas_max: Option<u32>,
    /// Both scaling policies on the same seed and workload, side by side (auto-scaling).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scaling: Option<BTreeMap<&'static str, ScalingSummary>>,
    /// SLA alerts raised and cleared (scenarios with a lag monitor).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alerts: Option<AlertsReport>,
    /// The monitor's views at the end: health, metrics and regions (the alerts are above).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monitor: Option<MonitorReport>,
}

/// Alert counts, per region, and the start of the timeline.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AlertsReport {
    /// Alerts raised.
    pub raised: u64,
    /// Alerts cleared.
    pub cleared: u64,
    /// Alerts still active at the end.
    pub active: u64,
    /// Raised and cleared per region.
    pub by_region: BTreeMap<&'static str, RegionAlerts>,
    /// The first raises and clears, oldest first.
    pub timeline: Vec<crate::monitor::AlertEvent>,
}

/// Alerts of one region.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RegionAlerts {
    /// Raised.
    pub raised: u64,
    /// Cleared.
    pub cleared: u64,
}

/// The monitor's `/health`, `/metrics` and `/regions` views at the end of a run.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MonitorReport {
    /// Each node's health by id.
    pub health: BTreeMap<String, crate::monitor::Health>,
    /// Each node's metrics over the last interval.
    pub metrics: Vec<crate::monitor::NodeMetrics>,
    /// One line per region.
    pub regions: Vec<crate::monitor::RegionView>,
}

/// Length of one SLA window.
pub const SLA_WINDOW_US: u64 = 10_000_000;
/// The read SLA: the 95th percentile of a window's reads within this (failed reads count
/// as slower)…
pub const SLA_READ_P95_US: u64 = 200_000;
/// …and fewer failed reads than this share (the seed's e-commerce error rate).
pub const SLA_ERROR_RATE_MAX: f64 = 0.02;

/// One scaling policy's run: SLA, cost and replicas over time.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ScalingSummary {
    /// Minutes (in 10-second windows) in which the SLA was violated.
    pub sla_minutes_violated: f64,
    /// Start of each violated window, seconds.
    pub violated_windows_s: Vec<u64>,
    /// Replica-hours billed, weighted by regional cost (Mumbai = 1).
    pub cost: f64,
    /// Most replicas provisioned at once.
    pub replicas_max: u32,
    /// `[t_s, serving, bootstrapping]` once per second.
    pub replicas_over_time: Vec<(f64, u32, u32)>,
    /// Scale-ups and scale-downs.
    pub actions: Vec<crate::self_report::ScaleAction>,
}

/// Windows of the run in which the read SLA was violated (start times, µs).
pub fn sla_violations(history: &crate::history::History, duration_us: u64) -> Vec<u64> {
    let windows = duration_us.div_ceil(SLA_WINDOW_US) as usize;
    let mut latencies: Vec<Vec<u64>> = vec![Vec::new(); windows];
    let mut failed = vec![0usize; windows];
    for op in history.iter().filter(|op| op.kind == OpKind::Read && op.invoke_us < duration_us) {
        let window = (op.invoke_us / SLA_WINDOW_US) as usize;
        match (op.outcome, op.complete_us) {
            (crate::history::Outcome::Ok, Some(done)) => latencies[window].push(done - op.invoke_us),
            _ => {
                failed[window] += 1;
                latencies[window].push(u64::MAX);
            }
        }
    }
    let mut violated = Vec::new();
    for (window, mut reads) in latencies.into_iter().enumerate() {
        if reads.is_empty() {
            continue;
        }
        reads.sort_unstable();
        let p95 = reads[((reads.len() - 1) as f64 * 0.95) as usize];
        let error_rate = failed[window] as f64 / reads.len() as f64;
        if p95 > SLA_READ_P95_US || error_rate > SLA_ERROR_RATE_MAX {
            violated.push(window as u64 * SLA_WINDOW_US);
        }
    }
    violated
}

/// The scaling summary of a finished auto-scaling run (`None` for other scenarios).
pub fn scaling_summary(
    finished_state: &FinalState,
    history: &crate::history::History,
    duration_us: u64,
) -> Option<ScalingSummary> {
    let log = finished_state.nodes.iter().filter_map(|node| node.scaling.as_ref()).find(|log| log.is_controller())?;
    let violated = sla_violations(history, duration_us);
    Some(ScalingSummary {
        sla_minutes_violated: violated.len() as f64 * SLA_WINDOW_US as f64 / 60e6,
        violated_windows_s: violated.iter().map(|us| us / 1_000_000).collect(),
        cost: libm::round(log.cost * 1e4) / 1e4,
        replicas_max: log.replicas_max,
        replicas_over_time: log
            .timeline
            .iter()
            .map(|point| {
                let serving = point.serving.iter().map(|n| u32::from(*n)).sum();
                let booting = point.booting.iter().map(|n| u32::from(*n)).sum();
                (point.t_ms as f64 / 1000.0, serving, booting)
            })
            .collect(),
        actions: log.actions.clone(),
    })
}

fn sync_logs(state: &FinalState) -> Option<BTreeMap<String, crate::self_report::SyncLog>> {
    let logs: BTreeMap<String, crate::self_report::SyncLog> = state
        .nodes
        .iter()
        .filter_map(|node| {
            let mut log = node.sync.clone()?;
            log.duplicates.truncate(REPORT_FINDINGS_MAX);
            log.rebuilds.truncate(REPORT_FINDINGS_MAX);
            Some((node.name.clone(), log))
        })
        .collect();
    (!logs.is_empty()).then_some(logs)
}

fn alerts(monitor: &crate::monitor::Monitor) -> AlertsReport {
    let (raised, cleared) = monitor.totals();
    let by_region = monitor
        .regions()
        .into_iter()
        .map(|region| (region.region, RegionAlerts { raised: region.alerts_raised, cleared: region.alerts_cleared }))
        .collect();
    AlertsReport {
        raised,
        cleared,
        active: monitor.active().len() as u64,
        by_region,
        timeline: monitor.timeline().take(REPORT_FINDINGS_MAX * 5).cloned().collect(),
    }
}

fn monitor_views(monitor: &crate::monitor::Monitor) -> MonitorReport {
    let metrics = monitor.metrics();
    MonitorReport {
        health: metrics.iter().map(|node| (node.node.clone(), node.health)).collect(),
        metrics,
        regions: monitor.regions(),
    }
}

/// Two-phase commit: commit latency at the coordinator, and transactions in doubt at the
/// participants.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TwoPhaseReport {
    /// Median time from a transfer reaching the coordinator to every bank having committed
    /// it (no client legs), ms.
    pub commit_p50_ms: f64,
    /// Its 95th percentile, ms.
    pub commit_p95_ms: f64,
    /// Transactions blocked in doubt longer than the vote timeout.
    pub blocked: u64,
    /// Longest time one stayed in doubt, ms.
    pub blocked_max_ms: f64,
    /// Still in doubt at the end.
    pub unresolved: u64,
}

fn two_phase(state: &FinalState) -> Option<TwoPhaseReport> {
    let logs: Vec<&crate::self_report::InDoubtLog> =
        state.nodes.iter().filter_map(|node| node.in_doubt.as_ref()).collect();
    let mut commits: Vec<u64> = logs.iter().flat_map(|log| log.commit_us.iter().copied()).collect();
    commits.sort_unstable();
    let pick =
        |q: f64| commits.get(((commits.len().max(1) - 1) as f64 * q) as usize).map_or(0.0, |us| *us as f64 / 1000.0);
    (!logs.is_empty()).then(|| TwoPhaseReport {
        commit_p50_ms: pick(0.5),
        commit_p95_ms: pick(0.95),
        blocked: logs.iter().map(|log| log.blocked).sum(),
        blocked_max_ms: logs.iter().map(|log| log.blocked_max_us).max().unwrap_or(0) as f64 / 1000.0,
        unresolved: logs.iter().map(|log| log.in_doubt).sum(),
    })
}

/// What became of the orders clients placed.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OrdersReport {
    /// Confirmed.
    pub ok: u64,
    /// Refused as sold out.
    pub out_of_stock: u64,
    /// Lost: refused for another reason (owner unreachable, overload) or never answered.
    pub lost: u64,
}

fn orders(history: &crate::history::History) -> Option<OrdersReport> {
    let mut report = OrdersReport { ok: 0, out_of_stock: 0, lost: 0 };
    for op in history.iter().filter(|op| op.kind == OpKind::Order) {
        match (op.outcome, op.fail_reason) {
            (Outcome::Ok, _) => report.ok += 1,
            (Outcome::Fail, Some(crate::protocol::FailReason::OutOfStock)) => report.out_of_stock += 1,
            (Outcome::Pending, _) => {}
            _ => report.lost += 1,
        }
    }
    (report.ok + report.out_of_stock + report.lost > 0).then_some(report)
}

/// Latency percentiles of successful operations, per kind, from the history.
fn latency_by_kind(history: &crate::history::History) -> BTreeMap<OpKind, LatencyReport> {
    let mut samples: BTreeMap<OpKind, Vec<u64>> = BTreeMap::new();
    for op in history.iter().filter(|op| op.outcome == Outcome::Ok) {
        if let Some(complete) = op.complete_us {
            samples.entry(op.kind).or_default().push(complete - op.invoke_us);
        }
    }
    samples
        .into_iter()
        .map(|(kind, mut values)| {
            values.sort_unstable();
            let pick = |q: f64| values[((values.len() - 1) as f64 * q) as usize] as f64 / 1000.0;
            (kind, LatencyReport { p50: pick(0.5), p95: pick(0.95), p99: pick(0.99), max: pick(1.0) })
        })
        .collect()
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
    /// This run's scaling summary before it joins the comparison (auto-scaling).
    scaling_own: Option<ScalingSummary>,
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
    let Some(own) = finished.scaling_own.take() else { return Ok(finished) };
    let prescaled = config.knobs.get("scaling").is_some_and(|policy| policy == "prescaled");
    let (policy, other_policy) = if prescaled { ("prescaled", "reactive") } else { ("reactive", "prescaled") };
    let other = run_one(config.with_knob("scaling", other_policy), duration_us)?;
    let mut both = BTreeMap::new();
    both.insert(policy, own);
    if let Some(summary) = other.scaling_own {
        both.insert(other_policy, summary);
    }
    finished.report.scaling = Some(both);
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
        conflicts: authoritative_conflicts(&final_state),
        time_to_converge_ms: simulation.time_to_converge_us().map(|us| us as f64 / 1000.0),
        orders: orders(simulation.history()),
        two_phase: two_phase(&final_state),
        sync: sync_logs(&final_state),
        alerts: simulation.monitor().map(alerts),
        monitor: simulation.monitor().map(monitor_views),
        sla_minutes_violated: None,
        cost: None,
        replicas_max: None,
        scaling: None,
    };
    let mut finished = Finished { report, simulation, final_state, checks, scaling_own: None };
    if let Some(summary) = scaling_summary(&finished.final_state, finished.simulation.history(), duration_us) {
        finished.report.sla_minutes_violated = Some(summary.sla_minutes_violated);
        finished.report.cost = Some(summary.cost);
        finished.report.replicas_max = Some(summary.replicas_max);
        finished.scaling_own = Some(summary);
    }
    Ok(finished)
}

/// The authoritative node's conflict log, lists cut short for the report.
fn authoritative_conflicts(state: &FinalState) -> Option<crate::self_report::ConflictLog> {
    let node = state.authoritative.and_then(|index| state.nodes.get(index))?;
    let mut log = node.conflicts.clone()?;
    log.discards.truncate(REPORT_FINDINGS_MAX);
    log.reconciliation_ops.truncate(REPORT_FINDINGS_MAX);
    Some(log)
}

/// Rounds to three decimals (figures in reports and the benchmark).
pub(crate) fn round3(value: f64) -> f64 {
    libm::round(value * 1000.0) / 1000.0
}

/// One history entry of a trace file.
#[derive(Debug, Clone, Serialize)]
pub struct TraceOp {
    /// Operation id.
    pub id: u64,
    /// Client id.
    pub client: u32,
    /// Client's city id.
    pub city: &'static str,
    /// Node id it went to.
    pub node: Option<String>,
    /// `read` or `write`.
    pub op: OpKind,
    /// Key.
    pub key: u32,
    /// Value written.
    pub value: Option<u64>,
    /// Value read.
    pub read_value: Option<u64>,
    /// Invocation time.
    pub invoke_us: u64,
    /// Completion time.
    pub complete_us: Option<u64>,
    /// Outcome.
    pub outcome: Outcome,
    /// Epoch that served it.
    pub epoch: Option<u64>,
    /// When the serving node acknowledged it, by its own time (successful operations).
    pub acked_us: Option<u64>,
    /// Why it failed (failed operations).
    pub fail_reason: Option<crate::protocol::FailReason>,
    /// Its whole input.
    pub args: TraceArgs,
    /// Its whole output, where it has one beyond the outcome.
    pub result: Option<TraceResult>,
}

/// An operation's whole input, by kind (written as an object of these fields).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum TraceArgs {
    /// A read of one key (register, account, item).
    Read {
        /// The key.
        key: u32,
    },
    /// A register write of a unique value.
    Write {
        /// The key.
        key: u32,
        /// The value (the operation's id).
        value: u64,
    },
    /// An increment of a counter (data-sync).
    Add {
        /// The counter.
        key: u32,
        /// What it adds.
        amount: i64,
    },
    /// Money from one account to another.
    Transfer {
        /// Payer.
        from: u32,
        /// Payee.
        to: u32,
        /// Rupees.
        amount: i64,
    },
    /// A withdrawal from one half of a joint account: `accounts` is `[the half withdrawn
    /// from, the other half]`.
    Withdraw {
        /// The two halves.
        accounts: [u32; 2],
        /// Rupees.
        amount: i64,
    },
    /// An order for units of a variant.
    Order {
        /// The variant (item).
        variant: u32,
        /// Units.
        quantity: i64,
    },
    /// Units added to a variant's stock.
    Restock {
        /// The variant (item).
        variant: u32,
        /// Units.
        units: i64,
    },
    /// An item put in or taken out of the client's cart.
    Cart {
        /// The item.
        item: u32,
    },
    /// A new price for an item.
    SetPrice {
        /// The item.
        item: u32,
        /// Price, in paise.
        price: i64,
    },
}

impl TraceArgs {
    /// The arguments of a recorded operation.
    pub fn of(op: &crate::history::Operation) -> Self {
        match op.kind {
            OpKind::Read => TraceArgs::Read { key: op.key },
            OpKind::Write if op.amount != 0 => TraceArgs::Add { key: op.key, amount: op.amount },
            OpKind::Write => TraceArgs::Write { key: op.key, value: op.value },
            OpKind::Transfer => TraceArgs::Transfer { from: op.key, to: op.peer_key, amount: op.amount },
            OpKind::Withdraw => TraceArgs::Withdraw { accounts: [op.key, op.peer_key], amount: op.amount },
            OpKind::Order => TraceArgs::Order { variant: op.key, quantity: op.amount },
            OpKind::Restock => TraceArgs::Restock { variant: op.key, units: op.amount },
            OpKind::CartAdd | OpKind::CartRemove => TraceArgs::Cart { item: op.key },
            OpKind::SetPrice => TraceArgs::SetPrice { item: op.key, price: op.amount },
        }
    }
}

/// An operation's whole output, where it has one beyond its outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum TraceResult {
    /// What a read returned (as `read_value`).
    Read {
        /// The value.
        value: u64,
    },
    /// A last-writer-wins transfer: the balance written to each account, the write it built on.
    LwwTransfer {
        /// Its leader's wall clock when it took the transfer, µs (skew included).
        stamp_us: i64,
        /// The payer's side.
        from: TraceLwwSide,
        /// The payee's side.
        to: TraceLwwSide,
    },
    /// A transaction: `reads` as `[key, value, version]` (the version is the operation that
    /// wrote the value, 0 for the initial one), `writes` as `[key, value]`.
    Transaction {
        /// What it read.
        reads: Vec<(u32, i64, u64)>,
        /// What it wrote.
        writes: Vec<(u32, i64)>,
    },
}

/// One account of a last-writer-wins transfer's result.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TraceLwwSide {
    /// The account.
    pub account: u32,
    /// The balance written.
    pub balance: i64,
    /// The operation whose balance it built on (0: the initial balance).
    pub basis: u64,
}

impl TraceResult {
    /// The result of a recorded operation, if it has one.
    pub fn of(op: &crate::history::Operation) -> Option<Self> {
        use crate::protocol::OpResult;
        match op.result.as_deref() {
            Some(OpResult::LwwTransfer { stamp_us, sides }) => {
                let side = |side: &crate::protocol::LwwSide| TraceLwwSide {
                    account: side.account,
                    balance: side.balance,
                    basis: side.basis,
                };
                Some(TraceResult::LwwTransfer { stamp_us: *stamp_us, from: side(&sides[0]), to: side(&sides[1]) })
            }
            Some(OpResult::Transaction { reads, writes }) => {
                Some(TraceResult::Transaction { reads: reads.clone(), writes: writes.clone() })
            }
            None => op.read_value.filter(|_| op.outcome == Outcome::Ok).map(|value| TraceResult::Read { value }),
        }
    }
}

/// A node at the end of a trace.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TraceNode {
    /// Node id.
    pub name: String,
    /// City id.
    pub city: &'static str,
    /// Whether it runs.
    pub up: bool,
    /// The role it claims.
    pub role: crate::protocol::Role,
    /// Its epoch (term).
    pub epoch: u64,
}

/// What a node's final state holds beyond its store (see [`crate::protocol::StateExtras`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TraceExtras {
    /// Per key, the operation whose write the value came from.
    pub versions: BTreeMap<u32, u64>,
    /// Every change applied to the store, oldest first: `[account, operation, delta]`.
    pub ledger: Vec<(u32, u64, i64)>,
    /// Oldest ledger lines dropped to bound it.
    pub ledger_dropped: u64,
    /// Changes prepared and not decided (held): `[account, operation, delta]`.
    pub held: Vec<(u32, u64, i64)>,
}

/// The trace file.
#[derive(Debug, Clone, Serialize)]
pub struct Trace {
    /// [`TRACE_FORMAT`].
    pub format: &'static str,
    /// Scenario id.
    pub scenario: String,
    /// Seed.
    pub seed: u64,
    /// Load, latency and knobs.
    pub config: BTreeMap<String, String>,
    /// Control log.
    pub controls: Vec<crate::control::TimedControl>,
    /// Simulated time the trace ends at.
    pub time_us: u64,
    /// When the workload stopped (the start of quiescence), if it did: a command-line run
    /// stops it at its duration; the page's trace is of a run still going.
    pub workload_stopped_us: Option<u64>,
    /// Every recorded operation still kept (see `history_dropped`).
    pub history: Vec<TraceOp>,
    /// Oldest completed operations dropped to bound the history (the page keeps fewer).
    pub history_dropped: u64,
    /// Every node at the end, in node order: where it is, whether it runs, the role and
    /// epoch it claims.
    pub nodes: Vec<TraceNode>,
    /// Node → key → value at time zero.
    pub initial_state: BTreeMap<String, BTreeMap<u32, u64>>,
    /// Node → key → value at the end.
    pub final_state: BTreeMap<String, BTreeMap<u32, u64>>,
    /// Node → what its final state holds beyond the store (nodes with nothing left out).
    pub final_extras: BTreeMap<String, TraceExtras>,
    /// Notable events: the controls, with their times.
    pub events: Vec<String>,
    /// Findings.
    pub anomalies: Vec<crate::check::Finding>,
    /// Digest.
    pub trace_digest: String,
}

impl Trace {
    /// The trace file's text: what `serde_json::to_string` writes for it, through the
    /// page-sized [`crate::json::Writer`].
    pub fn to_json(&self) -> String {
        let mut out = crate::json::Writer::new();
        out.begin_object();
        out.string_member("format", self.format);
        out.string_member("scenario", &self.scenario);
        out.integer_member("seed", self.seed);
        out.key("config");
        out.begin_object();
        for (name, value) in &self.config {
            out.string_member(name, value);
        }
        out.end_object();
        out.key("controls");
        out.begin_array();
        for timed in &self.controls {
            write_control(&mut out, timed);
        }
        out.end_array();
        out.integer_member("time_us", self.time_us);
        out.key("workload_stopped_us");
        out.optional(self.workload_stopped_us);
        out.key("history");
        out.begin_array();
        for op in &self.history {
            write_op(&mut out, op);
        }
        out.end_array();
        out.integer_member("history_dropped", self.history_dropped);
        out.key("nodes");
        out.begin_array();
        for node in &self.nodes {
            out.begin_object();
            out.string_member("name", &node.name);
            out.string_member("city", node.city);
            out.key("up");
            out.bool(node.up);
            out.string_member("role", node.role.name());
            out.integer_member("epoch", node.epoch);
            out.end_object();
        }
        out.end_array();
        write_stores(&mut out, "initial_state", &self.initial_state);
        write_stores(&mut out, "final_state", &self.final_state);
        out.key("final_extras");
        out.begin_object();
        for (node, extras) in &self.final_extras {
            out.key(node);
            write_extras(&mut out, extras);
        }
        out.end_object();
        out.key("events");
        out.begin_array();
        for event in &self.events {
            out.string(event);
        }
        out.end_array();
        out.key("anomalies");
        out.begin_array();
        for finding in &self.anomalies {
            out.begin_object();
            out.string_member("kind", finding.kind.name());
            out.key("ops");
            out.begin_array();
            for op in &finding.ops {
                out.integer(*op, false);
            }
            out.end_array();
            out.integer_member("at_us", finding.at_us);
            out.string_member("explanation", &finding.explanation);
            out.end_object();
        }
        out.end_array();
        out.string_member("trace_digest", &self.trace_digest);
        out.end_object();
        out.finish()
    }
}

fn write_stores(out: &mut crate::json::Writer, name: &str, stores: &BTreeMap<String, BTreeMap<u32, u64>>) {
    out.key(name);
    out.begin_object();
    for (node, store) in stores {
        out.key(node);
        out.begin_object();
        for (key, value) in store {
            out.integer_member(&key.to_string(), *value);
        }
        out.end_object();
    }
    out.end_object();
}

fn write_signed(out: &mut crate::json::Writer, value: i64) {
    out.integer(value.unsigned_abs(), value < 0);
}

fn write_signed_member(out: &mut crate::json::Writer, name: &str, value: i64) {
    out.key(name);
    write_signed(out, value);
}

fn write_lines(out: &mut crate::json::Writer, name: &str, lines: &[(u32, u64, i64)]) {
    out.key(name);
    out.begin_array();
    for (account, op, delta) in lines {
        out.begin_array();
        out.integer((*account).into(), false);
        out.integer(*op, false);
        write_signed(out, *delta);
        out.end_array();
    }
    out.end_array();
}

fn write_extras(out: &mut crate::json::Writer, extras: &TraceExtras) {
    out.begin_object();
    out.key("versions");
    out.begin_object();
    for (key, op) in &extras.versions {
        out.integer_member(&key.to_string(), *op);
    }
    out.end_object();
    write_lines(out, "ledger", &extras.ledger);
    out.integer_member("ledger_dropped", extras.ledger_dropped);
    write_lines(out, "held", &extras.held);
    out.end_object();
}

fn write_args(out: &mut crate::json::Writer, args: &TraceArgs) {
    out.begin_object();
    match args {
        TraceArgs::Read { key } => out.integer_member("key", (*key).into()),
        TraceArgs::Write { key, value } => {
            out.integer_member("key", (*key).into());
            out.integer_member("value", *value);
        }
        TraceArgs::Add { key, amount } => {
            out.integer_member("key", (*key).into());
            write_signed_member(out, "amount", *amount);
        }
        TraceArgs::Transfer { from, to, amount } => {
            out.integer_member("from", (*from).into());
            out.integer_member("to", (*to).into());
            write_signed_member(out, "amount", *amount);
        }
        TraceArgs::Withdraw { accounts, amount } => {
            out.key("accounts");
            out.begin_array();
            out.integer(accounts[0].into(), false);
            out.integer(accounts[1].into(), false);
            out.end_array();
            write_signed_member(out, "amount", *amount);
        }
        TraceArgs::Order { variant, quantity } => {
            out.integer_member("variant", (*variant).into());
            write_signed_member(out, "quantity", *quantity);
        }
        TraceArgs::Restock { variant, units } => {
            out.integer_member("variant", (*variant).into());
            write_signed_member(out, "units", *units);
        }
        TraceArgs::Cart { item } => out.integer_member("item", (*item).into()),
        TraceArgs::SetPrice { item, price } => {
            out.integer_member("item", (*item).into());
            write_signed_member(out, "price", *price);
        }
    }
    out.end_object();
}

fn write_result(out: &mut crate::json::Writer, result: Option<&TraceResult>) {
    let Some(result) = result else {
        out.null();
        return;
    };
    out.begin_object();
    match result {
        TraceResult::Read { value } => out.integer_member("value", *value),
        TraceResult::LwwTransfer { stamp_us, from, to } => {
            write_signed_member(out, "stamp_us", *stamp_us);
            for (name, side) in [("from", from), ("to", to)] {
                out.key(name);
                out.begin_object();
                out.integer_member("account", side.account.into());
                write_signed_member(out, "balance", side.balance);
                out.integer_member("basis", side.basis);
                out.end_object();
            }
        }
        TraceResult::Transaction { reads, writes } => {
            out.key("reads");
            out.begin_array();
            for (key, value, version) in reads {
                out.begin_array();
                out.integer((*key).into(), false);
                write_signed(out, *value);
                out.integer(*version, false);
                out.end_array();
            }
            out.end_array();
            out.key("writes");
            out.begin_array();
            for (key, value) in writes {
                out.begin_array();
                out.integer((*key).into(), false);
                write_signed(out, *value);
                out.end_array();
            }
            out.end_array();
        }
    }
    out.end_object();
}

fn write_op(out: &mut crate::json::Writer, op: &TraceOp) {
    out.begin_object();
    out.integer_member("id", op.id);
    out.integer_member("client", op.client.into());
    out.string_member("city", op.city);
    out.key("node");
    out.optional_string(op.node.as_deref());
    out.string_member("op", op.op.name());
    out.integer_member("key", op.key.into());
    out.key("value");
    out.optional(op.value);
    out.key("read_value");
    out.optional(op.read_value);
    out.integer_member("invoke_us", op.invoke_us);
    out.key("complete_us");
    out.optional(op.complete_us);
    out.string_member("outcome", op.outcome.name());
    out.key("epoch");
    out.optional(op.epoch);
    out.key("acked_us");
    out.optional(op.acked_us);
    out.key("fail_reason");
    out.optional_string(op.fail_reason.map(crate::protocol::FailReason::name));
    out.key("args");
    write_args(out, &op.args);
    out.key("result");
    write_result(out, op.result.as_ref());
    out.end_object();
}

/// A timed control as `serde` writes it: `{"at_us":T,"control":{"type":KIND,...}}`.
fn write_control(out: &mut crate::json::Writer, timed: &crate::control::TimedControl) {
    use crate::control::Control;
    out.begin_object();
    out.integer_member("at_us", timed.at_us);
    out.key("control");
    out.begin_object();
    match &timed.control {
        Control::Latency { multiplier } => {
            out.string_member("type", "latency");
            out.float_member("multiplier", *multiplier);
        }
        Control::Load { ops_s } => {
            out.string_member("type", "load");
            out.float_member("ops_s", *ops_s);
        }
        Control::Crash { node } => {
            out.string_member("type", "crash");
            out.string_member("node", node);
        }
        Control::Restart { node } => {
            out.string_member("type", "restart");
            out.string_member("node", node);
        }
        Control::Cut { from, to, both } => {
            out.string_member("type", "cut");
            out.string_member("from", from);
            out.string_member("to", to);
            out.key("both");
            out.bool(*both);
        }
        Control::Heal { a, b } => {
            out.string_member("type", "heal");
            out.string_member("a", a);
            out.string_member("b", b);
        }
        Control::HealAll => out.string_member("type", "heal_all"),
        Control::Slow { a, b, factor } => {
            out.string_member("type", "slow");
            out.string_member("a", a);
            out.string_member("b", b);
            out.float_member("factor", *factor);
        }
        Control::Loss { a, b, probability } => {
            out.string_member("type", "loss");
            out.string_member("a", a);
            out.string_member("b", b);
            out.float_member("probability", *probability);
        }
        Control::Skew { node, skew_us } => {
            out.string_member("type", "skew");
            out.string_member("node", node);
            out.key("skew_us");
            out.integer(skew_us.unsigned_abs(), *skew_us < 0);
        }
    }
    out.end_object();
    out.end_object();
}

/// The `format` of a trace file.
pub const TRACE_FORMAT: &str = "replica-lab-trace/1";

/// Builds the trace of a finished run.
pub fn trace(finished: &Finished) -> Trace {
    trace_of(finished.simulation.as_ref(), &finished.final_state, &finished.checks.findings)
}

/// The trace of `simulation` as it stands, with its state and findings: the command line's
/// after a quiet finish, the page's at any moment of a run.
pub fn trace_of(simulation: &dyn Simulation, state: &FinalState, findings: &[crate::check::Finding]) -> Trace {
    let names = simulation.node_names();
    let config = simulation.config();
    let default_load = scenario::info(&config.scenario).map_or(0.0, |info| info.default_load_ops_s);
    let mut settings = BTreeMap::new();
    settings.insert("load_ops_s".to_string(), config.load_ops_s.unwrap_or(default_load).to_string());
    settings.insert("latency_multiplier".to_string(), config.latency_multiplier.to_string());
    for (name, value) in &config.knobs {
        settings.insert(name.clone(), value.clone());
    }
    let mut initial_state = BTreeMap::new();
    let mut final_state = BTreeMap::new();
    let mut final_extras = BTreeMap::new();
    for node in &state.nodes {
        initial_state.insert(node.name.clone(), node.initial.clone());
        final_state.insert(node.name.clone(), node.store.clone());
        if !node.extras.is_empty() {
            let lines = |postings: &[crate::protocol::Posting]| {
                postings.iter().map(|posting| (posting.account, posting.op, posting.delta)).collect()
            };
            let extras = TraceExtras {
                versions: node.extras.versions.clone(),
                ledger: lines(&node.extras.ledger),
                ledger_dropped: node.extras.ledger_dropped,
                held: lines(&node.extras.held),
            };
            final_extras.insert(node.name.clone(), extras);
        }
    }
    Trace {
        format: TRACE_FORMAT,
        scenario: config.scenario.clone(),
        seed: config.seed,
        config: settings,
        controls: simulation.control_log().to_vec(),
        time_us: simulation.now_us(),
        workload_stopped_us: simulation.workload_stopped_us(),
        history: simulation
            .history()
            .iter()
            .map(|op| TraceOp {
                id: op.id,
                client: op.client,
                city: CITIES[op.city].id,
                node: op.node.and_then(|n| names.get(n).cloned()),
                op: op.kind,
                key: op.key,
                value: (!op.kind.is_read()).then_some(op.value),
                read_value: op.read_value,
                invoke_us: op.invoke_us,
                complete_us: op.complete_us,
                outcome: op.outcome,
                epoch: op.epoch,
                acked_us: op.acked_us,
                fail_reason: op.fail_reason,
                args: TraceArgs::of(op),
                result: TraceResult::of(op),
            })
            .collect(),
        history_dropped: simulation.history().dropped(),
        nodes: state
            .nodes
            .iter()
            .zip(simulation.snapshot(0).nodes)
            .map(|(node, seen)| TraceNode {
                name: node.name.clone(),
                city: seen.city,
                up: node.up,
                role: node.role,
                epoch: node.epoch,
            })
            .collect(),
        initial_state,
        final_state,
        final_extras,
        events: simulation
            .control_log()
            .iter()
            .map(|timed| format!("{:.3}s {}", timed.at_us as f64 / 1e6, timed.control.describe()))
            .collect(),
        anomalies: findings.to_vec(),
        trace_digest: simulation.digest_text(),
    }
}
