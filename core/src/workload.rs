//! The client workload: who asks what, where and when.
//!
//! Operations arrive as a Poisson process at the configured rate (the load slider). Each
//! arrival picks a city by its client share at the current hour (cities in their peak hours
//! weigh [`PEAK_MULTIPLIER`] times more, outside business hours less), a client in that
//! city, read or write by the write ratio, and a key from a Zipf distribution (a few hot
//! accounts, a long tail). Every write writes a unique value — its own operation id — so a
//! history can be checked. The diurnal shape moves load between cities; it never changes
//! the total rate, which stays what the user asked for.

use crate::geo::{CityId, CITIES};
use crate::protocol::{Key, OpId, OpKind};
use crate::rng::Stream;

/// Highest load accepted, in operations per second.
pub const LOAD_OPS_MAX: f64 = 50_000.0;
/// Largest keyspace accepted.
pub const KEYS_MAX: u32 = 100_000;
/// Seed's peak multiplier.
pub const PEAK_MULTIPLIER: f64 = 3.0;
/// Seed's business hours, `[start, end)`.
pub const BUSINESS_HOURS: (u8, u8) = (9, 18);
/// Weight of a city outside business hours (assumption).
pub const OFF_HOURS_MULTIPLIER: f64 = 0.5;
/// Clients per city.
pub const CLIENTS_PER_CITY: u32 = 8;

/// Workload parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkloadConfig {
    /// Total operations per second.
    pub load_ops_s: f64,
    /// Operation kinds and their weights (need not sum to 1).
    pub mix: Vec<(OpKind, f64)>,
    /// Number of keys (accounts).
    pub keys: u32,
    /// Zipf exponent of key popularity.
    pub zipf_exponent: f64,
    /// Hour of day at simulated time zero.
    pub start_hour: u8,
    /// Whether a write adds an amount to a counter (data-sync) rather than setting a register.
    pub writes_add: bool,
    /// Units one restock adds.
    pub restock_units: u64,
    /// Banks the accounts are spread over (account `k` at bank `k mod banks`); a transfer's
    /// payee is then at another bank than its payer. 1: one bank.
    pub banks: u32,
}

impl Default for WorkloadConfig {
    fn default() -> Self {
        Self {
            load_ops_s: 1000.0,
            mix: register_mix(0.4),
            keys: 10_000,
            zipf_exponent: 1.0,
            start_hour: 10,
            writes_add: false,
            restock_units: 10,
            banks: 1,
        }
    }
}

/// One generated operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arrival {
    /// Operation id.
    pub op: OpId,
    /// Client id (unique across cities).
    pub client: u32,
    /// City of the client.
    pub city: CityId,
    /// Read or write.
    pub kind: OpKind,
    /// Key.
    pub key: Key,
    /// Second key of a transfer (its payee, Zipf-popular too, never the payer); 0 otherwise.
    pub peer_key: Key,
    /// Its amount (see [`crate::protocol::ClientRequest::amount`]).
    pub amount: i64,
}

/// The workload generator.
#[derive(Debug, Clone)]
pub struct Workload {
    config: WorkloadConfig,
    zipf_cdf: GuidedCdf,
    mix_cdf: Vec<f64>,
    city_cdf: [f64; CITIES.len()],
    city_cdf_hour: Option<u32>,
    next_op: OpId,
}

impl Workload {
    /// A generator; the config is clamped to safe bounds.
    pub fn new(mut config: WorkloadConfig) -> Self {
        config.load_ops_s = clamp(config.load_ops_s, 0.0, LOAD_OPS_MAX);
        for (_, weight) in &mut config.mix {
            *weight = clamp(*weight, 0.0, 1e6);
        }
        if config.mix.iter().all(|(_, weight)| *weight <= 0.0) {
            config.mix = register_mix(0.0);
        }
        let mix_cdf = cumulative(config.mix.iter().map(|(_, weight)| *weight));
        config.keys = config.keys.clamp(1, KEYS_MAX);
        config.zipf_exponent = clamp(config.zipf_exponent, 0.0, 3.0);
        config.start_hour %= 24;
        let zipf_cdf = GuidedCdf::new(zipf_cdf(config.keys, config.zipf_exponent));
        Self { config, zipf_cdf, mix_cdf, city_cdf: [0.0; CITIES.len()], city_cdf_hour: None, next_op: 1 }
    }

    /// The (clamped) configuration.
    pub fn config(&self) -> &WorkloadConfig {
        &self.config
    }

    /// Changes the rate (the load slider).
    pub fn set_load(&mut self, load_ops_s: f64) {
        self.config.load_ops_s = clamp(load_ops_s, 0.0, LOAD_OPS_MAX);
    }

    /// Time until the next arrival, or `None` at zero load.
    pub fn next_gap_us(&self, rng: &mut Stream) -> Option<u64> {
        if self.config.load_ops_s <= 0.0 {
            return None;
        }
        let mean_us = 1_000_000.0 / self.config.load_ops_s;
        Some((rng.exponential(mean_us) as u64).max(1))
    }

    /// Generates the next operation at `now_us`.
    pub fn next(&mut self, now_us: u64, rng: &mut Stream) -> Arrival {
        let hour = self.hour_at(now_us);
        if self.city_cdf_hour != Some(hour) {
            self.city_cdf = city_cdf(hour);
            self.city_cdf_hour = Some(hour);
        }
        let city = CityId::from_index(pick(&self.city_cdf, rng.unit())).expect("a pick from the city table is a city");
        let client = city.index() as u32 * CLIENTS_PER_CITY + rng.below(u64::from(CLIENTS_PER_CITY)) as u32;
        let kind = self.config.mix[pick(&self.mix_cdf, rng.unit())].0;
        let key = self.zipf_cdf.pick(rng.unit()) as Key;
        let peer_key = match kind {
            OpKind::Transfer => self.payee(key, rng),
            // The other half of a joint account: accounts 2i and 2i + 1 are held together.
            OpKind::Withdraw => (key ^ 1).min(self.config.keys.saturating_sub(1)),
            _ => 0,
        };
        let op = self.next_op;
        self.next_op += 1;
        let amount = self.amount(kind, op);
        Arrival { op, client, city, kind, key, peer_key, amount }
    }

    /// What an operation carries besides its keys: every amount is decided here, by the
    /// client, and recorded in the history with the operation.
    fn amount(&self, kind: OpKind, op: OpId) -> i64 {
        match kind {
            OpKind::Transfer | OpKind::Withdraw => transfer_amount(op),
            OpKind::Write if self.config.writes_add => counter_increment(op),
            OpKind::Order => 1,
            OpKind::Restock => self.config.restock_units.min(i64::MAX as u64) as i64,
            OpKind::SetPrice => price(op),
            _ => 0,
        }
    }

    /// A transfer's payee: Zipf-popular like payers, never the payer itself, and at another
    /// bank when the accounts are spread over banks.
    fn payee(&self, payer: Key, rng: &mut Stream) -> Key {
        let keys = self.config.keys.max(2);
        let mut payee = self.zipf_cdf.pick(rng.unit()) as Key;
        if payee == payer {
            payee = (payer + 1) % keys;
        }
        let banks = self.config.banks.max(1);
        if banks > 1 && payee % banks == payer % banks {
            payee = (payee + 1) % keys;
        }
        payee
    }

    /// Hour of day (0–23) at simulated time `now_us`.
    pub fn hour_at(&self, now_us: u64) -> u32 {
        (u32::from(self.config.start_hour) + (now_us / 3_600_000_000) as u32) % 24
    }
}

/// The amount a transfer or withdrawal moves, in rupees: ₹100 to ₹2,000, fixed by its
/// operation id (so checkers can recompute balances from the history alone).
pub fn transfer_amount(op: OpId) -> i64 {
    let mut x = op.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^= x >> 31;
    100 + (x % 1901) as i64
}

/// How much a data-sync write adds to its counter: 1 to 9.
pub fn counter_increment(op: OpId) -> i64 {
    1 + (op % 9) as i64
}

/// The price a price update sets, in paise: ₹100.00 to ₹999.99.
pub fn price(op: OpId) -> i64 {
    10_000 + (op % 90_000) as i64
}

/// A city's client weight at an hour of day.
pub fn city_weight(city: CityId, hour: u32) -> f64 {
    let c = city.city();
    let in_peak = c.peak_hours.iter().any(|&(start, end)| hour >= u32::from(start) && hour < u32::from(end));
    let in_business = hour >= u32::from(BUSINESS_HOURS.0) && hour < u32::from(BUSINESS_HOURS.1);
    let multiplier = if in_peak {
        PEAK_MULTIPLIER
    } else if in_business {
        1.0
    } else {
        OFF_HOURS_MULTIPLIER
    };
    f64::from(c.client_weight) * multiplier
}

fn city_cdf(hour: u32) -> [f64; CITIES.len()] {
    let mut cdf = [0.0; CITIES.len()];
    let mut total = 0.0;
    for (city, slot) in CityId::all().zip(cdf.iter_mut()) {
        total += city_weight(city, hour);
        *slot = total;
    }
    for slot in &mut cdf {
        *slot /= total;
    }
    cdf
}

/// Reads and writes of a register workload.
pub fn register_mix(write_ratio: f64) -> Vec<(OpKind, f64)> {
    let write_ratio = clamp(write_ratio, 0.0, 1.0);
    vec![(OpKind::Read, 1.0 - write_ratio), (OpKind::Write, write_ratio)]
}

fn cumulative(weights: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut total = 0.0;
    let mut cdf: Vec<f64> = weights
        .map(|weight| {
            total += weight;
            total
        })
        .collect();
    for slot in &mut cdf {
        *slot /= total.max(f64::MIN_POSITIVE);
    }
    cdf
}

fn zipf_cdf(keys: u32, exponent: f64) -> Vec<f64> {
    let mut cdf = Vec::with_capacity(keys as usize);
    let mut total = 0.0;
    for rank in 1..=keys {
        total += 1.0 / libm::pow(f64::from(rank), exponent);
        cdf.push(total);
    }
    for slot in &mut cdf {
        *slot /= total;
    }
    cdf
}

/// Index of the first CDF entry at or above `u`.
fn pick(cdf: &[f64], u: f64) -> usize {
    cdf.partition_point(|&p| p < u).min(cdf.len() - 1)
}

/// A long CDF with a guide table (Chen and Asau's indexed search): `guide[j]` is where the
/// search for `j / buckets` lands, so a search for `u` starts between the guides on either
/// side of it, a few entries apart instead of the whole keyspace. It picks exactly what
/// [`pick`] picks (a test checks), so the random streams map to the same keys.
#[derive(Debug, Clone)]
struct GuidedCdf {
    cdf: Vec<f64>,
    guide: Vec<u32>,
}

impl GuidedCdf {
    /// One pass: the thresholds `j / buckets` rise, so each guide starts where the last
    /// one landed (what `partition_point` finds for each, in linear time for the keyspace).
    fn new(cdf: Vec<f64>) -> Self {
        let buckets = cdf.len();
        let mut landed = 0;
        let guide = (0..=buckets)
            .map(|j| {
                let threshold = j as f64 / buckets as f64;
                while landed < buckets && cdf[landed] < threshold {
                    landed += 1;
                }
                landed as u32
            })
            .collect();
        Self { cdf, guide }
    }

    /// What `pick(&cdf, u)` gives, for `u` in `[0, 1)` (other values fall back to it).
    fn pick(&self, u: f64) -> usize {
        let buckets = self.cdf.len();
        if !(0.0..1.0).contains(&u) {
            return pick(&self.cdf, u);
        }
        // A bucket of margin on each side covers rounding in `u * buckets` and `j / buckets`.
        let j = (u * buckets as f64) as usize;
        let low = self.guide[j.saturating_sub(1).min(buckets)] as usize;
        let high = self.guide[(j + 2).min(buckets)] as usize;
        let index = low + self.cdf[low..high].partition_point(|&p| p < u);
        index.min(buckets - 1)
    }
}

/// Clamps into `[min, max]`; NaN becomes `min`.
fn clamp(value: f64, min: f64, max: f64) -> f64 {
    if value.is_nan() {
        min
    } else {
        value.clamp(min, max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick_count_below(cdf: &[f64], threshold: f64) -> usize {
        cdf.partition_point(|&p| p < threshold)
    }

    /// The guide table changes how fast a key is found, never which: over several keyspaces
    /// and skews, at random points, at every bucket boundary and just either side of it.
    #[test]
    fn a_guided_pick_is_the_plain_pick() {
        let mut rng = crate::rng::Streams::new(7).workload;
        for (keys, exponent) in [(1, 1.0), (2, 0.0), (7, 2.5), (1_000, 0.9), (10_000, 1.0), (100_000, 1.3)] {
            let guided = GuidedCdf::new(zipf_cdf(keys, exponent));
            let buckets = guided.cdf.len();
            for (j, &landed) in guided.guide.iter().enumerate() {
                assert_eq!(landed as usize, pick_count_below(&guided.cdf, j as f64 / buckets as f64), "guide {j}");
            }
            let boundaries = (0..=buckets).map(|j| j as f64 / buckets as f64);
            let near = boundaries
                .flat_map(|u| [u, f64::from_bits(u.to_bits().saturating_sub(1)), f64::from_bits(u.to_bits() + 1)]);
            let cdf_values = guided.cdf.clone().into_iter();
            let random = (0..20_000).map(|_| rng.unit());
            for u in near.chain(cdf_values).chain(random).chain([0.0, 1.0, -1.0, 2.0, f64::NAN]) {
                assert_eq!(guided.pick(u), pick(&guided.cdf, u), "keys {keys}, exponent {exponent}, u {u}");
            }
        }
    }
}
