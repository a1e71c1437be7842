//! The network of India: one-way delays between cities, jitter, loss, cuts and slow links.
//!
//! Delay model (one way): `distance / (200 km per ms) × route factor + overhead`, times a
//! heavy-tailed jitter factor, times the global latency multiplier and any slow-link factor,
//! never below the physical floor `distance / 200 km per ms`. Each directed city pair is a
//! FIFO pipe (like a TCP connection) with a bandwidth, so large messages queue behind each
//! other. The network is city-level: cutting Mumbai–Delhi cuts every node and client
//! in those two cities from each other.
//!
//! This module only computes delivery times; it owns no events and reads no clock.

use crate::geo::{distance_km, CityId, CityPairs};
use crate::rng::Stream;
use serde::Serialize;

/// Speed of light in fibre, one way.
pub const FIBRE_KM_PER_MS: f64 = 200.0;
/// Fixed one-way overhead per hop between cities (switching, data-centre fabric).
pub const OVERHEAD_ONE_WAY_US: f64 = 250.0;
/// One-way delay between two nodes in the same city.
pub const SAME_CITY_ONE_WAY_US: f64 = 150.0;
/// Default route factor: fibre paths are longer than the great circle.
pub const ROUTE_FACTOR_DEFAULT: f64 = 1.55;
/// Jitter: one-way delay is multiplied by `1 + JITTER_SCALE × (Pareto(α) − 1)`.
pub const JITTER_SCALE: f64 = 0.1;
/// Shape of the Pareto jitter; 2.0 gives p99/p50 RTT near 1.4.
pub const JITTER_PARETO_ALPHA: f64 = 2.0;
/// Cap on the Pareto draw so one message can never be delayed without bound.
pub const JITTER_PARETO_MAX: f64 = 40.0;
/// Default link bandwidth: 100 Mbit/s = 12.5 bytes per microsecond.
pub const BANDWIDTH_BYTES_PER_US_DEFAULT: f64 = 12.5;
/// Largest latency multiplier accepted (the slider's top).
pub const LATENCY_MULTIPLIER_MAX: f64 = 50.0;
/// Smallest latency multiplier accepted; delays never go below the physical floor anyway.
pub const LATENCY_MULTIPLIER_MIN: f64 = 0.1;
/// Largest slow-link factor accepted.
pub const SLOW_FACTOR_MAX: f64 = 1000.0;

/// Per-pair route factors where published figures call for a longer path than the
/// default (see the calibration figures in docs/design.md): Pune–Chennai is measured at 24–25 ms RTT p95 between
/// Azure regions, far above its great-circle floor.
const ROUTE_FACTOR_OVERRIDES: [(&str, &str, f64); 3] =
    [("pune", "chennai", 2.03), ("mumbai", "delhi", 1.75), ("hyderabad", "chennai", 1.9)];

/// Route factor for an unordered city pair.
pub fn route_factor(a: CityId, b: CityId) -> f64 {
    ROUTE_FACTOR_OVERRIDES
        .iter()
        .find(|(x, y, _)| (a.city().id == *x && b.city().id == *y) || (a.city().id == *y && b.city().id == *x))
        .map_or(ROUTE_FACTOR_DEFAULT, |(_, _, factor)| *factor)
}

/// The physical floor of the one-way delay: light in fibre along the great circle.
pub fn floor_one_way_us(a: CityId, b: CityId) -> f64 {
    distance_km(a, b) / FIBRE_KM_PER_MS * 1000.0
}

/// The one-way delay before jitter and multipliers.
pub fn base_one_way_us(a: CityId, b: CityId) -> f64 {
    if a == b {
        return SAME_CITY_ONE_WAY_US;
    }
    floor_one_way_us(a, b) * route_factor(a, b) + OVERHEAD_ONE_WAY_US
}

/// Draws one jitter factor (≥ 1).
pub fn jitter_factor(rng: &mut Stream) -> f64 {
    let pareto = rng.pareto(JITTER_PARETO_ALPHA).min(JITTER_PARETO_MAX);
    1.0 + JITTER_SCALE * (pareto - 1.0)
}

/// Dynamic state of one directed city pair.
#[derive(Debug, Clone, Copy)]
struct Pipe {
    cut: bool,
    slow_factor: f64,
    loss_probability: f64,
    busy_until_us: u64,
    last_arrival_us: u64,
}

impl Default for Pipe {
    fn default() -> Self {
        Self { cut: false, slow_factor: 1.0, loss_probability: 0.0, busy_until_us: 0, last_arrival_us: 0 }
    }
}

/// Why a message was not delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drop {
    /// The link is cut (partition).
    Cut,
    /// Random loss on the link.
    Lost,
}

/// The network's dynamic state.
#[derive(Debug, Clone)]
pub struct Network {
    pipes: CityPairs<Pipe>,
    /// [`delay_table`], looked up once rather than at every send.
    delays: &'static DelayTable,
    latency_multiplier: f64,
    bandwidth_bytes_per_us: f64,
}

impl Default for Network {
    fn default() -> Self {
        Self::new()
    }
}

impl Network {
    /// A healthy network at multiplier 1.
    pub fn new() -> Self {
        Self {
            pipes: CityPairs::filled(Pipe::default()),
            delays: delay_table(),
            latency_multiplier: 1.0,
            bandwidth_bytes_per_us: BANDWIDTH_BYTES_PER_US_DEFAULT,
        }
    }

    /// Sets the global latency multiplier, clamped to its bounds.
    pub fn set_latency_multiplier(&mut self, multiplier: f64) {
        self.latency_multiplier = clamp_finite(multiplier, LATENCY_MULTIPLIER_MIN, LATENCY_MULTIPLIER_MAX, 1.0);
    }

    /// The global latency multiplier.
    pub fn latency_multiplier(&self) -> f64 {
        self.latency_multiplier
    }

    /// Cuts or heals the link from `a` to `b` (one direction).
    pub fn set_cut(&mut self, a: CityId, b: CityId, cut: bool) {
        self.pipes[(a, b)].cut = cut;
    }

    /// Whether `a` can currently send to `b`.
    #[inline]
    pub fn is_cut(&self, a: CityId, b: CityId) -> bool {
        self.pipes[(a, b)].cut
    }

    /// Every cut directed pair of cities, by id, in city order.
    pub fn cut_city_pairs(&self) -> Vec<(&'static str, &'static str)> {
        let mut cuts = Vec::new();
        for a in CityId::all() {
            for b in CityId::all() {
                if a != b && self.is_cut(a, b) {
                    cuts.push((a.city().id, b.city().id));
                }
            }
        }
        cuts
    }

    /// Makes the link from `a` to `b` slower by `factor` (1 restores it).
    pub fn set_slow(&mut self, a: CityId, b: CityId, factor: f64) {
        self.pipes[(a, b)].slow_factor = clamp_finite(factor, 1.0, SLOW_FACTOR_MAX, 1.0);
    }

    /// Sets random loss on the link from `a` to `b`.
    pub fn set_loss(&mut self, a: CityId, b: CityId, probability: f64) {
        self.pipes[(a, b)].loss_probability = clamp_finite(probability, 0.0, 1.0, 0.0);
    }

    /// Sends `bytes` from `a` to `b` at `now_us`: the arrival time, or why it is dropped.
    pub fn transmit(&mut self, now_us: u64, a: CityId, b: CityId, bytes: u32, rng: &mut Stream) -> Result<u64, Drop> {
        let multiplier = self.latency_multiplier;
        let bandwidth = self.bandwidth_bytes_per_us;
        let pipe = &mut self.pipes[(a, b)];
        if pipe.cut {
            return Err(Drop::Cut);
        }
        if pipe.loss_probability > 0.0 && rng.chance(pipe.loss_probability) {
            return Err(Drop::Lost);
        }
        let serialisation_us = (f64::from(bytes) / bandwidth) as u64;
        let depart_us = now_us.max(pipe.busy_until_us) + serialisation_us;
        pipe.busy_until_us = depart_us;
        let flight_us = self.delays.sample_one_way_us(a, b, multiplier * pipe.slow_factor, rng);
        let arrival_us = (depart_us + flight_us).max(pipe.last_arrival_us);
        pipe.last_arrival_us = arrival_us;
        Ok(arrival_us)
    }
}

/// One sampled one-way flight time, never below the physical floor.
pub fn one_way_us(a: CityId, b: CityId, multiplier: f64, rng: &mut Stream) -> u64 {
    delay_table().sample_one_way_us(a, b, multiplier, rng)
}

/// Base and floor delays of every city pair, computed once (haversine is not free).
#[derive(Debug)]
pub struct DelayTable {
    /// [`base_one_way_us`] per pair.
    pub base_us: CityPairs<f64>,
    /// [`floor_one_way_us`] per pair.
    pub floor_us: CityPairs<f64>,
}

impl DelayTable {
    /// One sampled one-way flight time from `a` to `b`, never below the physical floor.
    pub fn sample_one_way_us(&self, a: CityId, b: CityId, multiplier: f64, rng: &mut Stream) -> u64 {
        let delay = self.base_us[(a, b)] * jitter_factor(rng) * multiplier;
        delay.max(self.floor_us[(a, b)]).max(1.0) as u64
    }
}

/// The delay table.
pub fn delay_table() -> &'static DelayTable {
    static TABLE: std::sync::OnceLock<DelayTable> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = DelayTable { base_us: CityPairs::filled(0.0), floor_us: CityPairs::filled(0.0) };
        for a in CityId::all() {
            for b in CityId::all() {
                table.base_us[(a, b)] = base_one_way_us(a, b);
                table.floor_us[(a, b)] = floor_one_way_us(a, b);
            }
        }
        table
    })
}

/// Clamps into `[min, max]`; NaN becomes `fallback`.
fn clamp_finite(value: f64, min: f64, max: f64, fallback: f64) -> f64 {
    if value.is_nan() {
        fallback
    } else {
        value.clamp(min, max)
    }
}

/// One row of the link table (`replica-lab net`).
#[derive(Debug, Clone, Serialize)]
pub struct LinkStats {
    /// First city id.
    pub a: &'static str,
    /// Second city id.
    pub b: &'static str,
    /// Great-circle distance.
    pub distance_km: f64,
    /// Physical floor of the round trip.
    pub rtt_floor_ms: f64,
    /// Median round trip of the model.
    pub rtt_p50_ms: f64,
    /// 95th percentile round trip.
    pub rtt_p95_ms: f64,
    /// 99th percentile round trip.
    pub rtt_p99_ms: f64,
    /// Route factor used for this pair.
    pub route_factor: f64,
}

/// Samples `samples` round trips per city pair (multiplier 1, idle links) and summarises them.
pub fn link_table(seed: u64, samples: usize) -> Vec<LinkStats> {
    let mut rng = Stream::new(seed, crate::rng::Purpose::Network);
    let mut rows = Vec::new();
    for a in CityId::all() {
        for b in CityId::all().filter(|b| *b > a) {
            let mut rtts: Vec<u64> = (0..samples.max(1))
                .map(|_| one_way_us(a, b, 1.0, &mut rng) + one_way_us(b, a, 1.0, &mut rng))
                .collect();
            rtts.sort_unstable();
            let pick = |q: f64| rtts[((rtts.len() - 1) as f64 * q) as usize] as f64 / 1000.0;
            rows.push(LinkStats {
                a: a.city().id,
                b: b.city().id,
                distance_km: round2(distance_km(a, b)),
                rtt_floor_ms: round2(2.0 * floor_one_way_us(a, b) / 1000.0),
                rtt_p50_ms: round2(pick(0.50)),
                rtt_p95_ms: round2(pick(0.95)),
                rtt_p99_ms: round2(pick(0.99)),
                route_factor: route_factor(a, b),
            });
        }
    }
    rows
}

fn round2(value: f64) -> f64 {
    libm::round(value * 100.0) / 100.0
}
