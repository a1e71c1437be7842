//! Measurements of a run: latency percentiles (HDR histograms), throughput, replication lag,
//! messages by kind, and bounded time series for the page's charts.
//!
//! Metrics observe; they never feed back into the simulation.

use crate::protocol::MessageKind;
use hdrhistogram::Histogram;
use serde::Serialize;
use std::collections::VecDeque;

/// Highest latency or lag a histogram records (one hour); larger values are clamped.
pub const HISTOGRAM_MAX_US: u64 = 3_600_000_000;
/// Interval between two points of the time series.
pub const SERIES_INTERVAL_US: u64 = 250_000;
/// Interval between two lag samples for the percentiles.
pub const LAG_SAMPLE_INTERVAL_US: u64 = 10_000;
/// Points kept in the time series (ten minutes).
pub const SERIES_POINTS_MAX: usize = 2400;

/// One point of the time series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesPoint {
    /// Simulated time.
    pub t_us: u64,
    /// Lag per node (0 for a primary), in milliseconds.
    pub lag_ms: Vec<f32>,
    /// Completed operations per second over the interval.
    pub throughput_ops_s: f32,
    /// Median latency of operations completed in the interval.
    pub latency_p50_ms: f32,
    /// 99th percentile latency in the interval.
    pub latency_p99_ms: f32,
    /// Failed or unknown operations in the interval.
    pub errors: u32,
    /// Concurrent writes detected so far (the most any node has counted).
    pub conflicts: u64,
    /// Keys on which the running replicas disagree (scenarios with a divergence checker).
    pub divergent_keys: u32,
}

fn histogram() -> Histogram<u64> {
    match Histogram::new_with_bounds(1, HISTOGRAM_MAX_US, 3) {
        Ok(histogram) => histogram,
        Err(error) => panic!("constant histogram bounds are valid: {error}"),
    }
}

fn record(histogram: &mut Histogram<u64>, value_us: u64) {
    histogram.saturating_record(value_us.clamp(1, HISTOGRAM_MAX_US));
}

/// Percentile of a histogram in milliseconds (0 when empty).
pub fn percentile_ms(histogram: &Histogram<u64>, quantile: f64) -> f64 {
    if histogram.is_empty() {
        0.0
    } else {
        histogram.value_at_quantile(quantile) as f64 / 1000.0
    }
}

/// All metrics of a run.
#[derive(Debug, Clone)]
pub struct Metrics {
    /// Latency of successful operations.
    pub latency_us: Histogram<u64>,
    /// Replication lag samples of replicas.
    pub lag_us: Histogram<u64>,
    /// Successful operations.
    pub ops_ok: u64,
    /// Refused operations.
    pub ops_failed: u64,
    /// Operations whose outcome is unknown.
    pub ops_unknown: u64,
    /// Messages sent, by kind.
    pub messages_by_kind: [u64; MessageKind::ALL.len()],
    /// Messages dropped by cuts or loss.
    pub messages_dropped: u64,
    /// The time series.
    pub series: VecDeque<SeriesPoint>,
    interval_latency_us: Histogram<u64>,
    interval_errors: u32,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Empty metrics.
    pub fn new() -> Self {
        Self {
            latency_us: histogram(),
            lag_us: histogram(),
            ops_ok: 0,
            ops_failed: 0,
            ops_unknown: 0,
            messages_by_kind: [0; MessageKind::ALL.len()],
            messages_dropped: 0,
            series: VecDeque::new(),
            interval_latency_us: histogram(),
            interval_errors: 0,
        }
    }

    /// A successful operation took `latency_us`.
    pub fn record_ok(&mut self, latency_us: u64) {
        self.ops_ok += 1;
        record(&mut self.latency_us, latency_us);
        record(&mut self.interval_latency_us, latency_us);
    }

    /// An operation failed (`unknown` = timed out).
    pub fn record_error(&mut self, unknown: bool) {
        if unknown {
            self.ops_unknown += 1;
        } else {
            self.ops_failed += 1;
        }
        self.interval_errors += 1;
    }

    /// A replica's lag sample.
    pub fn record_lag(&mut self, lag_us: u64) {
        record(&mut self.lag_us, lag_us);
    }

    /// A message of `kind` was sent.
    pub fn record_message(&mut self, kind: MessageKind) {
        self.messages_by_kind[kind as usize] += 1;
    }

    /// Total messages sent.
    pub fn messages(&self) -> u64 {
        self.messages_by_kind.iter().sum()
    }

    /// Closes a series interval at `t_us` with the nodes' current lag.
    pub fn close_interval(&mut self, t_us: u64, lag_ms: Vec<f32>, conflicts: u64, divergent_keys: u32) {
        let completed = self.interval_latency_us.len();
        let point = SeriesPoint {
            t_us,
            lag_ms,
            throughput_ops_s: (completed as f64 * 1_000_000.0 / SERIES_INTERVAL_US as f64) as f32,
            latency_p50_ms: percentile_ms(&self.interval_latency_us, 0.5) as f32,
            latency_p99_ms: percentile_ms(&self.interval_latency_us, 0.99) as f32,
            errors: self.interval_errors,
            conflicts,
            divergent_keys,
        };
        if self.series.len() == SERIES_POINTS_MAX {
            self.series.pop_front();
        }
        self.series.push_back(point);
        self.interval_latency_us.reset();
        self.interval_errors = 0;
    }
}
