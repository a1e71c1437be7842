//! The strategy benchmark: every strategy that exists, on the same seed, load, latency and
//! duration, in one table — throughput, latency percentiles, replication lag, the
//! consistency each provides and the anomalies its checkers found — with a line on how the
//! model produced each figure. Shared by `replica-lab bench` and the page; it only runs
//! scenarios through [`crate::report::run_quiet`] and must not contain strategy logic.

use crate::metrics::percentile_ms;
use crate::report::{self, Quiet};
use crate::scenario::{ScenarioConfig, ScenarioError};
use serde::Serialize;

/// One row a scenario adds to the table (its registry row's `bench`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntrySpec {
    /// Row label.
    pub label: &'static str,
    /// Knob settings.
    pub knobs: crate::scenario::KnobSettings,
    /// The consistency it provides, in a few words.
    pub consistency: &'static str,
}

/// One configuration in the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// Row label.
    pub label: &'static str,
    /// Scenario id.
    pub scenario: &'static str,
    /// Knob settings.
    pub knobs: crate::scenario::KnobSettings,
    /// The consistency it provides, in a few words.
    pub consistency: &'static str,
}

/// Every strategy that exists: each scenario's rows, in the registry's order.
pub fn entries() -> Vec<Entry> {
    let rows = crate::scenario::SCENARIOS.iter().flat_map(|spec| spec.bench.iter().map(move |row| (spec.info.id, row)));
    rows.map(|(scenario, row)| Entry { label: row.label, scenario, knobs: row.knobs, consistency: row.consistency })
        .collect()
}

/// The settings every row shares.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BenchConfig {
    /// Seed.
    pub seed: u64,
    /// Offered load, ops/s.
    pub load_ops_s: f64,
    /// Latency multiplier.
    pub latency_multiplier: f64,
    /// Simulated seconds per row.
    pub duration_s: u64,
}

impl Default for BenchConfig {
    fn default() -> Self {
        Self { seed: 1, load_ops_s: 500.0, latency_multiplier: 1.0, duration_s: 60 }
    }
}

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BenchRow {
    /// Row label.
    pub strategy: &'static str,
    /// Scenario and knobs, as `run` would take them.
    pub configuration: String,
    /// Successful operations per simulated second.
    pub throughput_ops_s: f64,
    /// Latency of successful operations, ms.
    pub p50_ms: f64,
    /// 95th percentile, ms.
    pub p95_ms: f64,
    /// 99th percentile, ms.
    pub p99_ms: f64,
    /// Replication lag p95, ms (`None` where nodes do not measure lag).
    pub lag_p95_ms: Option<f64>,
    /// The consistency it provides, and what the linearizability check found where it ran.
    pub consistency: String,
    /// Anomalies found, `name count` for each non-zero checker.
    pub anomalies: Vec<(&'static str, u64)>,
    /// Refused and timed-out operations.
    pub errors: u64,
}

/// How the model produced the figures (printed under the table).
pub const METHOD: &str = "Each row is one simulated run of the scenario named in its configuration: the same seed, \
offered load and latency multiplier, clients spread over the cities by the hour's diurnal shares, links from the model's \
India table (great-circle distance × route factor + overhead, Pareto jitter), fsync 250 µs. Throughput counts \
acknowledged operations per simulated second; latency is client-observed (request to reply, HDR histogram); lag is the \
95th percentile of each replica's own measure sampled every 10 ms; anomalies are the scenario's checkers after a quiet \
period (5 s, longer while replicas still disagree, up to what the configuration needs); where the consistency column \
says \"linearizable: checked\", every key's history was searched for a linearization (Wing-Gong-Lowe) on that run.";

fn configuration(entry: &Entry) -> String {
    let mut text = format!("--scenario {}", entry.scenario);
    for (name, value) in entry.knobs {
        text.push_str(&format!(" --set {name}={value}"));
    }
    text
}

fn row(entry: &Entry, quiet: &Quiet, duration_s: f64) -> BenchRow {
    let metrics = quiet.simulation.metrics();
    let lag_p95_ms = percentile_ms(&metrics.lag_us, 0.95);
    BenchRow {
        strategy: entry.label,
        configuration: configuration(entry),
        throughput_ops_s: report::round3(metrics.ops_ok as f64 / duration_s),
        p50_ms: percentile_ms(&metrics.latency_us, 0.50),
        p95_ms: percentile_ms(&metrics.latency_us, 0.95),
        p99_ms: percentile_ms(&metrics.latency_us, 0.99),
        lag_p95_ms: (lag_p95_ms > 0.0).then_some(lag_p95_ms),
        consistency: consistency(entry.consistency, quiet.checks.linearizability),
        anomalies: quiet
            .checks
            .counts
            .iter()
            .filter(|(_, count)| **count > 0)
            .map(|(name, count)| (*name, *count))
            .collect(),
        errors: metrics.ops_failed + metrics.ops_unknown,
    }
}

/// The row's consistency: what the strategy provides, and — where the linearizability
/// check ran — what it found on this run, never a claim.
fn consistency(provides: &str, checked: Option<crate::check::LinearizabilityReport>) -> String {
    match checked {
        None => provides.to_string(),
        Some(checked) => {
            let undecided =
                if checked.unknown > 0 { format!(", {} undecided", checked.unknown) } else { String::new() };
            format!("{provides}; linearizable: checked, {} of {} keys failed{undecided}", checked.failed, checked.keys)
        }
    }
}

/// Runs one row.
pub fn run_entry(entry: &Entry, config: &BenchConfig) -> Result<BenchRow, ScenarioError> {
    let mut scenario = ScenarioConfig::new(entry.scenario, config.seed);
    scenario.load_ops_s = Some(config.load_ops_s);
    scenario.latency_multiplier = config.latency_multiplier;
    for (name, value) in entry.knobs {
        scenario = scenario.with_knob(name, value);
    }
    let quiet = report::run_quiet(scenario, config.duration_s * 1_000_000)?;
    Ok(row(entry, &quiet, config.duration_s as f64))
}

/// The table as Markdown, with the method under it.
pub fn markdown(config: &BenchConfig, rows: &[BenchRow]) -> String {
    let mut text = format!(
        "Seed {}, {} ops/s offered, latency ×{}, {} simulated seconds per row.\n\n",
        config.seed, config.load_ops_s, config.latency_multiplier, config.duration_s
    );
    text.push_str("| strategy | ops/s | p50 ms | p95 ms | p99 ms | lag p95 ms | consistency | anomalies found |\n");
    text.push_str("|---|---:|---:|---:|---:|---:|---|---|\n");
    for row in rows {
        let anomalies: Vec<String> = row.anomalies.iter().map(|(name, count)| format!("{name} {count}")).collect();
        text.push_str(&format!(
            "| {} (`{}`) | {:.0} | {:.1} | {:.1} | {:.1} | {} | {} | {} |\n",
            row.strategy,
            row.configuration,
            row.throughput_ops_s,
            row.p50_ms,
            row.p95_ms,
            row.p99_ms,
            row.lag_p95_ms.map_or("—".to_string(), |lag| format!("{lag:.1}")),
            row.consistency,
            if anomalies.is_empty() { "none".to_string() } else { anomalies.join(", ") }
        ));
    }
    text.push('\n');
    text.push_str(METHOD);
    text.push('\n');
    text
}

/// The engine's fixed heavy workload, measured by `replica-lab perf`, by `measure` in the
/// page's wasm and natively: hdfc at this load…
pub const PERF_LOAD_OPS_S: f64 = 20_000.0;
/// …for this long, seed 1.
pub const PERF_DURATION_US: u64 = 20_000_000;

/// Runs the engine's fixed workload ([`PERF_LOAD_OPS_S`], [`PERF_DURATION_US`]); the events
/// it handled. The caller times it.
pub fn perf_run() -> Result<u64, ScenarioError> {
    let mut config = crate::scenario::ScenarioConfig::new("hdfc", 1);
    config.load_ops_s = Some(PERF_LOAD_OPS_S);
    let mut simulation = crate::scenario::build(config)?;
    simulation.run_until(PERF_DURATION_US);
    Ok(simulation.events())
}
