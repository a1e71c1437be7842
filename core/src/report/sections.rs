//! The report's sections beyond counts and latencies: SLA minutes and the auto-scaling
//! summary, the lag monitor's alerts and views, two-phase commit's doubt, orders, the
//! change stream's consumers, latencies by operation kind.
//!
//! What only some strategies have reaches the `run --json` object through one typed list,
//! [`Sections`]: a [`Section`] per part, each written under its own keys at the top level
//! of the object. A new strategy's part is one line in `sections!` and one builder in
//! [`SECTION_BUILDERS`]; nothing else in the report changes.

use super::*;
use serde::ser::{SerializeMap, Serializer};

/// What a run left, for the section builders: its final state, history and monitor.
#[derive(Debug, Clone, Copy)]
pub struct SectionInputs<'a> {
    /// The final state (the nodes' self-reports are in it).
    pub final_state: &'a FinalState,
    /// The history.
    pub history: &'a crate::history::History,
    /// The lag monitor, for scenarios that watch their nodes.
    pub monitor: Option<&'a crate::monitor::Monitor>,
    /// The workload's duration.
    pub duration_us: u64,
}

/// A section's body: what it is found by in [`Sections::get`] and how it is written.
pub trait SectionBody: Serialize + Sized {
    /// The `run --json` key it is written under.
    const KEY: &'static str;
    /// This body, if `section` holds one.
    fn of(section: &Section) -> Option<&Self>;
    /// This body, to change it, if `section` holds one.
    fn of_mut(section: &mut Section) -> Option<&mut Self>;
    /// Writes it into the report's object: under [`Self::KEY`] unless the section says
    /// otherwise (a body may write several keys).
    fn write<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        map.serialize_entry(Self::KEY, self)
    }
}

/// One row per section: variant, body, key, and the body's own writer where it writes more
/// than its key.
macro_rules! sections {
    ($($(#[$doc:meta])* $variant:ident($body:ty) = $key:literal $(with $writer:path)?,)*) => {
        /// A part of the report that only some strategies or scenarios have.
        #[derive(Debug, Clone, PartialEq)]
        pub enum Section {
            $($(#[$doc])* $variant($body),)*
        }

        $(impl SectionBody for $body {
            const KEY: &'static str = $key;
            fn of(section: &Section) -> Option<&Self> {
                match section {
                    Section::$variant(body) => Some(body),
                    #[allow(unreachable_patterns)]
                    _ => None,
                }
            }
            fn of_mut(section: &mut Section) -> Option<&mut Self> {
                match section {
                    Section::$variant(body) => Some(body),
                    #[allow(unreachable_patterns)]
                    _ => None,
                }
            }
            $(fn write<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
                $writer(self, map)
            })?
        })*

        impl Section {
            fn write<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
                match self {
                    $(Section::$variant(body) => body.write(map),)*
                }
            }
        }
    };
}

sections! {
    /// `conflicts`: concurrent writes detected and resolved (multi-leader), as the
    /// authoritative node counted them; its lists cut to [`REPORT_FINDINGS_MAX`].
    Conflicts(crate::self_report::ConflictLog) = "conflicts",
    /// `orders`: what became of the orders (inventory scenarios).
    Orders(OrdersReport) = "orders",
    /// `two_phase`: participants in doubt, summed over participants (the longest block is
    /// the maximum).
    TwoPhase(TwoPhaseReport) = "two_phase",
    /// `sync`: what each downstream consumer applied, was given again and applied twice,
    /// and its rebuilds (data-sync); lists cut to [`REPORT_FINDINGS_MAX`].
    Sync(SyncReport) = "sync",
    /// `sla_minutes_violated`, `cost`, `replicas_max` and `scaling` (auto-scaling).
    Scaling(ScalingReport) = "scaling" with ScalingReport::write_entries,
    /// `alerts`: SLA alerts raised and cleared (scenarios with a lag monitor).
    Alerts(AlertsReport) = "alerts",
    /// `monitor`: the monitor's views at the end — health, metrics and regions.
    Monitor(MonitorReport) = "monitor",
}

/// Every section builder: each makes its section from what a run left, or `None` when the
/// run has no such part.
pub const SECTION_BUILDERS: &[fn(&SectionInputs<'_>) -> Option<Section>] = &[
    |inputs| authoritative_conflicts(inputs.final_state).map(Section::Conflicts),
    |inputs| orders(inputs.history).map(Section::Orders),
    |inputs| two_phase(inputs.final_state).map(Section::TwoPhase),
    |inputs| sync_logs(inputs.final_state).map(|logs| Section::Sync(SyncReport(logs))),
    |inputs| {
        let own = scaling_summary(inputs.final_state, inputs.history, inputs.duration_us)?;
        Some(Section::Scaling(ScalingReport { own, policies: None }))
    },
    |inputs| inputs.monitor.map(|monitor| Section::Alerts(alerts(monitor))),
    |inputs| inputs.monitor.map(|monitor| Section::Monitor(monitor_views(monitor))),
];

/// The sections a run has, in [`SECTION_BUILDERS`]' order; written into the report's
/// object, each under its own keys.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sections(pub Vec<Section>);

impl Sections {
    /// Builds every section the run has.
    pub fn of(inputs: &SectionInputs<'_>) -> Self {
        Sections(SECTION_BUILDERS.iter().filter_map(|build| build(inputs)).collect())
    }

    /// The section with this body, if the run has it.
    pub fn get<T: SectionBody>(&self) -> Option<&T> {
        self.0.iter().find_map(T::of)
    }

    /// The section with this body, to change it.
    pub fn get_mut<T: SectionBody>(&mut self) -> Option<&mut T> {
        self.0.iter_mut().find_map(T::of_mut)
    }
}

impl Serialize for Sections {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for section in &self.0 {
            section.write(&mut map)?;
        }
        map.end()
    }
}

/// The change stream's consumers by node id (data-sync).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct SyncReport(pub BTreeMap<String, crate::self_report::SyncLog>);

/// An auto-scaling run: its own policy's summary, and after [`run`] both policies' on the
/// same seed and workload.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScalingReport {
    /// This run's policy.
    pub own: ScalingSummary,
    /// Both policies by name, once [`run`] has run the other.
    pub policies: Option<BTreeMap<&'static str, ScalingSummary>>,
}

impl ScalingReport {
    /// Written as `sla_minutes_violated`, `cost` and `replicas_max` (the run's own policy)
    /// and `scaling` (both, once there are both).
    fn write_entries<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        map.serialize_entry("sla_minutes_violated", &self.own.sla_minutes_violated)?;
        map.serialize_entry("cost", &self.own.cost)?;
        map.serialize_entry("replicas_max", &self.own.replicas_max)?;
        match &self.policies {
            Some(policies) => map.serialize_entry(Self::KEY, policies),
            None => Ok(()),
        }
    }
}

/// The authoritative node's conflict log, lists cut short for the report.
fn authoritative_conflicts(state: &FinalState) -> Option<crate::self_report::ConflictLog> {
    let node = state.authoritative.and_then(|index| state.nodes.get(index))?;
    let mut log = node.conflicts()?.clone();
    log.discards.truncate(REPORT_FINDINGS_MAX);
    log.reconciliation_ops.truncate(REPORT_FINDINGS_MAX);
    Some(log)
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
    let log = finished_state.nodes.iter().filter_map(|node| node.scaling()).find(|log| log.is_controller())?;
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

pub(super) fn sync_logs(state: &FinalState) -> Option<BTreeMap<String, crate::self_report::SyncLog>> {
    let logs: BTreeMap<String, crate::self_report::SyncLog> = state
        .nodes
        .iter()
        .filter_map(|node| {
            let mut log = node.sync()?.clone();
            log.duplicates.truncate(REPORT_FINDINGS_MAX);
            log.rebuilds.truncate(REPORT_FINDINGS_MAX);
            Some((node.name.clone(), log))
        })
        .collect();
    (!logs.is_empty()).then_some(logs)
}

pub(super) fn alerts(monitor: &crate::monitor::Monitor) -> AlertsReport {
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

pub(super) fn monitor_views(monitor: &crate::monitor::Monitor) -> MonitorReport {
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

pub(super) fn two_phase(state: &FinalState) -> Option<TwoPhaseReport> {
    let logs: Vec<&crate::self_report::InDoubtLog> = state.nodes.iter().filter_map(|node| node.in_doubt()).collect();
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

pub(super) fn orders(history: &crate::history::History) -> Option<OrdersReport> {
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
pub(super) fn latency_by_kind(history: &crate::history::History) -> BTreeMap<OpKind, LatencyReport> {
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
