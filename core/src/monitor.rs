//! Monitoring: the seed's lag monitor as an observer of a running world — health from
//! heartbeats, SLA alerts raised and cleared with hysteresis, and the four views of the
//! seed's endpoints (health, metrics, alerts, regions).
//!
//! The engine hands the monitor one [`NodeSample`] per node every [`MonitorConfig::interval_us`]:
//! what a heartbeat probe from the monitor's city saw (answered, or missed because the node is
//! down or the link is cut), the node's replication lag, its CPU busy time, the client
//! operations open on it (its connection pool) and its answers. The monitor turns samples into
//! per-node metrics and health, and runs every alert rule through a small state machine:
//! a breach must hold for `raise_after` consecutive samples to raise an alert, and the value
//! must fall below `clear_ratio` × threshold for `clear_after` consecutive samples to clear it
//! (so a value hovering at the threshold cannot make an alert flap).
//!
//! The monitor observes; it must never feed back into the simulation. Its timeline is bounded.

use crate::geo::CityId;
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};

/// Most alert events kept in the timeline (older ones are dropped, counters keep counting).
pub const ALERT_TIMELINE_MAX: usize = 500;

/// The rules and their thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MonitorConfig {
    /// Interval between two samples (the seed polls every 5 s; the simulation every second).
    pub interval_us: u64,
    /// The city whose nodes have the strict lag threshold, and where the monitor probes from
    /// (written by its id).
    #[serde(serialize_with = "crate::geo::serialize_city_id")]
    pub home_city: CityId,
    /// Critical lag in the home city (seed: 100 ms in Mumbai).
    pub lag_ms_max_home: f64,
    /// Critical lag elsewhere (seed: 200 ms).
    pub lag_ms_max_elsewhere: f64,
    /// Highest error rate (seed: 1 % banking, 2 % e-commerce).
    pub error_rate_max: f64,
    /// Fewest answers in an interval for the error rate to count.
    pub error_rate_ops_min: u32,
    /// Highest CPU utilisation (seed: 80 %).
    pub utilisation_max: f64,
    /// Connections per node (seed: `MAX_CONNECTIONS=100`).
    pub pool_size: u32,
    /// Highest pool utilisation (seed: 90 %).
    pub pool_max: f64,
    /// Consecutive breaching samples that raise an alert.
    pub raise_after: u32,
    /// Consecutive samples below `clear_ratio` × threshold that clear it.
    pub clear_after: u32,
    /// The hysteresis band: a value must fall this far below its threshold to count as well.
    pub clear_ratio: f64,
    /// Missed heartbeats after which a node is down.
    pub heartbeats_missed_down: u32,
}

impl MonitorConfig {
    /// The seed's thresholds for a banking service.
    pub fn banking() -> Self {
        Self {
            interval_us: 1_000_000,
            home_city: crate::geo::MUMBAI,
            lag_ms_max_home: 100.0,
            lag_ms_max_elsewhere: 200.0,
            error_rate_max: 0.01,
            error_rate_ops_min: 20,
            utilisation_max: 0.8,
            pool_size: 100,
            pool_max: 0.9,
            raise_after: 3,
            clear_after: 5,
            clear_ratio: 0.8,
            heartbeats_missed_down: 3,
        }
    }

    /// The seed's thresholds for an e-commerce service (error rate 2 %).
    pub fn ecommerce() -> Self {
        Self { error_rate_max: 0.02, ..Self::banking() }
    }

    /// Critical lag for a node in `city`.
    pub fn lag_ms_max(&self, city: &str) -> f64 {
        if city == self.home_city.city().id {
            self.lag_ms_max_home
        } else {
            self.lag_ms_max_elsewhere
        }
    }
}

/// What the engine saw of one node during one interval. Counters are cumulative since the
/// start of the run; the monitor takes differences.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeSample {
    /// Node id.
    pub node: String,
    /// City id (the node's region).
    pub city: &'static str,
    /// Whether the heartbeat probe was answered (node up and reachable from the monitor).
    pub heartbeat: bool,
    /// Replication lag, for replicas.
    pub lag_us: Option<u64>,
    /// CPU time spent so far.
    pub busy_us_total: u64,
    /// Client operations open on the node now.
    pub open_ops: u32,
    /// Operations the node answered OK so far.
    pub ok_total: u64,
    /// Operations that failed on the node so far (refused or timed out).
    pub failed_total: u64,
}

/// A node's health.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    /// Answers heartbeats, no active alert.
    Healthy,
    /// Missed a heartbeat or has an active alert.
    Degraded,
    /// Missed `heartbeats_missed_down` heartbeats in a row.
    Down,
}

impl Health {
    /// Stable name.
    pub fn name(self) -> &'static str {
        match self {
            Health::Healthy => "healthy",
            Health::Degraded => "degraded",
            Health::Down => "down",
        }
    }
}

/// What an alert watches.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, strum::VariantArray, strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum AlertRule {
    /// Replication lag above the region's critical lag.
    CriticalLag,
    /// Failed answers above the error-rate threshold.
    ErrorRate,
    /// CPU utilisation above its threshold.
    Utilisation,
    /// Connection pool above its threshold.
    Pool,
    /// The node stopped answering heartbeats.
    NodeDown,
}

impl AlertRule {
    /// Every rule.
    pub const ALL: &'static [AlertRule] = <Self as strum::VariantArray>::VARIANTS;

    /// Stable name.
    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// One raise or clear in the timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertEvent {
    /// When.
    pub t_ms: u64,
    /// Node id.
    pub node: String,
    /// Region (city id).
    pub region: &'static str,
    /// Rule.
    pub rule: AlertRule,
    /// Raised (true) or cleared.
    pub raised: bool,
    /// The value that decided it.
    pub value: f64,
    /// The rule's threshold.
    pub threshold: f64,
}

/// Per-node metrics of the last interval (the `/metrics` view).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeMetrics {
    /// Node id.
    pub node: String,
    /// Region.
    pub region: &'static str,
    /// Health.
    pub health: Health,
    /// Replication lag (replicas), milliseconds.
    pub lag_ms: Option<f64>,
    /// Critical lag for its region, milliseconds.
    pub lag_ms_max: f64,
    /// CPU utilisation, 0–1.
    pub utilisation: f64,
    /// Connection pool in use, 0–1.
    pub pool: f64,
    /// Failed share of its answers (`None` when too few answers to say).
    pub error_rate: Option<f64>,
    /// Heartbeats missed in a row.
    pub heartbeats_missed: u32,
}

/// One region (the `/regions` view).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegionView {
    /// City id.
    pub region: &'static str,
    /// Nodes in it.
    pub nodes: u32,
    /// The worst health of its nodes.
    pub health: Health,
    /// Highest lag among its replicas, milliseconds.
    pub lag_ms_max: f64,
    /// Its critical lag.
    pub lag_ms_threshold: f64,
    /// Alerts active now.
    pub alerts_active: u32,
    /// Alerts raised so far.
    pub alerts_raised: u64,
    /// Alerts cleared so far.
    pub alerts_cleared: u64,
}

#[derive(Debug, Clone, Default)]
struct RuleState {
    breaching: u32,
    well: u32,
    active_since_us: Option<u64>,
}

#[derive(Debug, Clone)]
struct NodeState {
    previous: Option<NodeSample>,
    metrics: NodeMetrics,
    rules: [RuleState; AlertRule::ALL.len()],
}

/// The monitor.
#[derive(Debug, Clone)]
pub struct Monitor {
    config: MonitorConfig,
    nodes: Vec<NodeState>,
    timeline: VecDeque<AlertEvent>,
    raised_by_region: BTreeMap<&'static str, u64>,
    cleared_by_region: BTreeMap<&'static str, u64>,
    samples: u64,
}

impl Monitor {
    /// A monitor with no samples yet.
    pub fn new(config: MonitorConfig) -> Self {
        Self {
            config,
            nodes: Vec::new(),
            timeline: VecDeque::new(),
            raised_by_region: BTreeMap::new(),
            cleared_by_region: BTreeMap::new(),
            samples: 0,
        }
    }

    /// Its rules.
    pub fn config(&self) -> &MonitorConfig {
        &self.config
    }

    /// Takes one sample of every node at `now_us` (the same nodes, in the same order, each time).
    pub fn observe(&mut self, now_us: u64, samples: Vec<NodeSample>) {
        self.samples += 1;
        if self.nodes.len() != samples.len() {
            self.nodes = samples.iter().map(|sample| self.fresh_state(sample)).collect();
        }
        for (index, sample) in samples.into_iter().enumerate() {
            let metrics = self.measure(index, &sample);
            self.nodes[index].metrics = metrics;
            self.nodes[index].previous = Some(sample);
            for &rule in AlertRule::ALL {
                self.evaluate(now_us, index, rule);
            }
            self.nodes[index].metrics.health = self.health_of(index);
        }
    }

    fn fresh_state(&self, sample: &NodeSample) -> NodeState {
        NodeState {
            previous: None,
            metrics: NodeMetrics {
                node: sample.node.clone(),
                region: sample.city,
                health: Health::Healthy,
                lag_ms: None,
                lag_ms_max: self.config.lag_ms_max(sample.city),
                utilisation: 0.0,
                pool: 0.0,
                error_rate: None,
                heartbeats_missed: 0,
            },
            rules: Default::default(),
        }
    }

    fn measure(&self, index: usize, sample: &NodeSample) -> NodeMetrics {
        let state = &self.nodes[index];
        let interval = self.config.interval_us.max(1) as f64;
        let (busy, ok, failed) = match &state.previous {
            Some(previous) => (
                sample.busy_us_total.saturating_sub(previous.busy_us_total),
                sample.ok_total.saturating_sub(previous.ok_total),
                sample.failed_total.saturating_sub(previous.failed_total),
            ),
            None => (0, 0, 0),
        };
        let answers = ok + failed;
        NodeMetrics {
            node: sample.node.clone(),
            region: sample.city,
            health: state.metrics.health,
            lag_ms: sample.lag_us.filter(|_| sample.heartbeat).map(|lag| lag as f64 / 1000.0),
            lag_ms_max: self.config.lag_ms_max(sample.city),
            utilisation: (busy as f64 / interval).min(1.0),
            pool: f64::from(sample.open_ops) / f64::from(self.config.pool_size.max(1)),
            error_rate: (answers >= u64::from(self.config.error_rate_ops_min)).then(|| failed as f64 / answers as f64),
            heartbeats_missed: if sample.heartbeat { 0 } else { state.metrics.heartbeats_missed + 1 },
        }
    }

    /// The value a rule watches on a node, and its threshold (`None`: nothing to judge).
    fn reading(&self, metrics: &NodeMetrics, rule: AlertRule) -> Option<(f64, f64)> {
        let up = metrics.heartbeats_missed == 0;
        match rule {
            AlertRule::CriticalLag => metrics.lag_ms.filter(|_| up).map(|lag| (lag, metrics.lag_ms_max)),
            AlertRule::ErrorRate => metrics.error_rate.map(|rate| (rate, self.config.error_rate_max)),
            AlertRule::Utilisation => up.then_some((metrics.utilisation, self.config.utilisation_max)),
            AlertRule::Pool => up.then_some((metrics.pool, self.config.pool_max)),
            AlertRule::NodeDown => {
                Some((f64::from(metrics.heartbeats_missed), f64::from(self.config.heartbeats_missed_down.max(1)) - 0.5))
            }
        }
    }

    fn evaluate(&mut self, now_us: u64, index: usize, rule: AlertRule) {
        let reading = self.reading(&self.nodes[index].metrics, rule);
        let config = self.config;
        let state = &mut self.nodes[index].rules[rule as usize];
        // No reading (a down node's lag, too few answers) counts as neither breach nor well.
        let Some((value, threshold)) = reading else {
            state.breaching = 0;
            return;
        };
        let breach = value > threshold;
        let well = value < threshold * config.clear_ratio || (rule == AlertRule::NodeDown && value == 0.0);
        state.breaching = if breach { state.breaching + 1 } else { 0 };
        state.well = if well { state.well + 1 } else { 0 };
        // Missed heartbeats already count consecutive samples: a node is down at once.
        let raise_after = if rule == AlertRule::NodeDown { 1 } else { config.raise_after };
        let raise = state.active_since_us.is_none() && state.breaching >= raise_after;
        let clear = state.active_since_us.is_some() && state.well >= config.clear_after;
        if raise {
            state.active_since_us = Some(now_us);
        } else if clear {
            state.active_since_us = None;
        }
        if raise || clear {
            self.record(now_us, index, rule, raise, value, threshold);
        }
    }

    fn record(&mut self, now_us: u64, index: usize, rule: AlertRule, raised: bool, value: f64, threshold: f64) {
        let metrics = &self.nodes[index].metrics;
        let region = metrics.region;
        let counter = if raised { &mut self.raised_by_region } else { &mut self.cleared_by_region };
        *counter.entry(region).or_insert(0) += 1;
        if self.timeline.len() >= ALERT_TIMELINE_MAX {
            self.timeline.pop_front();
        }
        self.timeline.push_back(AlertEvent {
            t_ms: now_us / 1000,
            node: metrics.node.clone(),
            region,
            rule,
            raised,
            value,
            threshold,
        });
    }

    fn health_of(&self, index: usize) -> Health {
        let state = &self.nodes[index];
        if state.metrics.heartbeats_missed >= self.config.heartbeats_missed_down {
            Health::Down
        } else if state.metrics.heartbeats_missed > 0 || state.rules.iter().any(|r| r.active_since_us.is_some()) {
            Health::Degraded
        } else {
            Health::Healthy
        }
    }

    /// Samples taken so far.
    pub fn samples(&self) -> u64 {
        self.samples
    }

    /// Per-node metrics of the last interval (`/metrics`, and `/health` by node).
    pub fn metrics(&self) -> Vec<NodeMetrics> {
        self.nodes.iter().map(|state| state.metrics.clone()).collect()
    }

    /// The alert timeline, oldest first (`/alerts`).
    pub fn timeline(&self) -> impl DoubleEndedIterator<Item = &AlertEvent> {
        self.timeline.iter()
    }

    /// Alerts active now: node, region, rule and since when (milliseconds).
    pub fn active(&self) -> Vec<(String, &'static str, AlertRule, u64)> {
        let mut active = Vec::new();
        for state in &self.nodes {
            for &rule in AlertRule::ALL {
                if let Some(since) = state.rules[rule as usize].active_since_us {
                    active.push((state.metrics.node.clone(), state.metrics.region, rule, since / 1000));
                }
            }
        }
        active
    }

    /// Alerts raised and cleared so far, in total.
    pub fn totals(&self) -> (u64, u64) {
        (self.raised_by_region.values().sum(), self.cleared_by_region.values().sum())
    }

    /// One line per region (`/regions`), in the order their nodes were given.
    pub fn regions(&self) -> Vec<RegionView> {
        let mut regions: Vec<RegionView> = Vec::new();
        for state in &self.nodes {
            let metrics = &state.metrics;
            let position = match regions.iter().position(|region| region.region == metrics.region) {
                Some(position) => position,
                None => {
                    regions.push(self.empty_region(metrics.region));
                    regions.len() - 1
                }
            };
            let region = &mut regions[position];
            region.nodes += 1;
            region.health = region.health.max(metrics.health);
            region.lag_ms_max = region.lag_ms_max.max(metrics.lag_ms.unwrap_or(0.0));
            region.alerts_active += state.rules.iter().filter(|rule| rule.active_since_us.is_some()).count() as u32;
        }
        regions
    }

    fn empty_region(&self, region: &'static str) -> RegionView {
        RegionView {
            region,
            nodes: 0,
            health: Health::Healthy,
            lag_ms_max: 0.0,
            lag_ms_threshold: self.config.lag_ms_max(region),
            alerts_active: 0,
            alerts_raised: self.raised_by_region.get(region).copied().unwrap_or(0),
            alerts_cleared: self.cleared_by_region.get(region).copied().unwrap_or(0),
        }
    }
}

/// Property: no alert flapped faster than the hysteresis allows — between a raise and the
/// clear of the same node and rule at least `clear_after` intervals pass, and between a clear
/// and the next raise at least `raise_after`. Returns the first offending pair.
pub fn hysteresis_respected<'a>(
    config: &MonitorConfig,
    timeline: impl IntoIterator<Item = &'a AlertEvent>,
) -> Result<(), String> {
    let interval_ms = config.interval_us / 1000;
    let mut last: BTreeMap<(&str, AlertRule), &AlertEvent> = BTreeMap::new();
    for event in timeline {
        if let Some(previous) = last.get(&(event.node.as_str(), event.rule)) {
            let samples = u64::from(if event.raised { config.raise_after } else { config.clear_after });
            let gap_ms = event.t_ms.saturating_sub(previous.t_ms);
            if previous.raised == event.raised || gap_ms < samples * interval_ms {
                return Err(format!(
                    "{} {} on {}: {} at {} ms then {} at {} ms",
                    event.rule.name(),
                    event.region,
                    event.node,
                    if previous.raised { "raised" } else { "cleared" },
                    previous.t_ms,
                    if event.raised { "raised" } else { "cleared" },
                    event.t_ms
                ));
            }
        }
        last.insert((event.node.as_str(), event.rule), event);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(lag_ms: u64, heartbeat: bool) -> NodeSample {
        NodeSample {
            node: "delhi".into(),
            city: "delhi",
            heartbeat,
            lag_us: Some(lag_ms * 1000),
            busy_us_total: 0,
            open_ops: 0,
            ok_total: 0,
            failed_total: 0,
        }
    }

    fn drive(monitor: &mut Monitor, lags_ms: &[u64]) {
        for &lag in lags_ms {
            monitor.observe((monitor.samples() + 1) * 1_000_000, vec![sample(lag, true)]);
        }
    }

    #[test]
    fn a_lag_alert_needs_three_breaches_to_raise_and_five_calm_samples_to_clear() {
        let mut monitor = Monitor::new(MonitorConfig::banking());
        drive(&mut monitor, &[250, 250]);
        assert_eq!(monitor.totals(), (0, 0));
        drive(&mut monitor, &[250]);
        assert_eq!(monitor.totals(), (1, 0));
        assert_eq!(monitor.regions()[0].health, Health::Degraded);
        // Hovering just under the threshold is not calm enough to clear.
        drive(&mut monitor, &[190, 190, 190, 190, 190, 190]);
        assert_eq!(monitor.totals(), (1, 0));
        drive(&mut monitor, &[100, 100, 100, 100]);
        assert_eq!(monitor.totals(), (1, 0));
        drive(&mut monitor, &[100]);
        assert_eq!(monitor.totals(), (1, 1));
        assert_eq!(monitor.regions()[0].health, Health::Healthy);
        assert_eq!(hysteresis_respected(monitor.config(), monitor.timeline()), Ok(()));
    }

    #[test]
    fn an_oscillating_lag_never_flaps() {
        let mut monitor = Monitor::new(MonitorConfig::banking());
        let lags: Vec<u64> = (0..200).map(|i| if (i / 2) % 2 == 0 { 400 } else { 10 }).collect();
        drive(&mut monitor, &lags);
        assert_eq!(hysteresis_respected(monitor.config(), monitor.timeline()), Ok(()));
        assert!(monitor.totals().0 <= 1, "breaches of two samples never raise: {:?}", monitor.totals());
    }

    #[test]
    fn missed_heartbeats_degrade_then_bring_a_node_down() {
        let mut monitor = Monitor::new(MonitorConfig::banking());
        monitor.observe(1_000_000, vec![sample(0, false)]);
        assert_eq!(monitor.metrics()[0].health, Health::Degraded);
        monitor.observe(2_000_000, vec![sample(0, false)]);
        monitor.observe(3_000_000, vec![sample(0, false)]);
        assert_eq!(monitor.metrics()[0].health, Health::Down);
        assert!(monitor.active().iter().any(|(_, _, rule, _)| *rule == AlertRule::NodeDown));
    }
}
