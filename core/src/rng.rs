//! The simulator's randomness: one seed, split into independent streams per purpose.
//!
//! Every draw in the core comes from here, so a run is a pure function of its seed and
//! control log. Streams are separate ChaCha8 streams of the same seed: adding a draw to
//! one purpose (say, network jitter) never shifts the draws of another (the workload).
//! All conversions to floats are integer-exact, so native and wasm32 agree bit for bit.

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

/// What a stream of random numbers is used for. The discriminant is the ChaCha stream id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    /// Arrival times, clients, operation kinds and keys.
    Workload = 1,
    /// Per-message jitter and loss.
    Network = 2,
    /// Protocol timers such as randomised election timeouts.
    Protocol = 3,
    /// Random fault schedules for sweeps.
    Faults = 4,
    /// Read routing among equivalent replicas.
    Routing = 5,
    /// The nemesis's fault schedules (`sweep --faults nemesis`).
    Nemesis = 6,
}

/// A deterministic random stream.
#[derive(Debug, Clone)]
pub struct Stream {
    rng: ChaCha8Rng,
}

impl Stream {
    /// The stream for `purpose` under `seed`.
    pub fn new(seed: u64, purpose: Purpose) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(purpose as u64);
        Self { rng }
    }

    /// A uniform 64-bit integer.
    pub fn next_u64(&mut self) -> u64 {
        self.rng.next_u64()
    }

    /// A uniform float in `[0, 1)` with 53 random bits.
    pub fn unit(&mut self) -> f64 {
        (self.rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform float in `(0, 1]`, safe to take the logarithm of.
    pub fn unit_open(&mut self) -> f64 {
        1.0 - self.unit()
    }

    /// A uniform integer in `[0, bound)`; `bound` must be positive.
    pub fn below(&mut self, bound: u64) -> u64 {
        assert!(bound > 0, "below(0) has no values");
        // Lemire's multiply-shift; the tiny bias is irrelevant for a simulator.
        ((self.rng.next_u64() as u128 * bound as u128) >> 64) as u64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// An exponentially distributed value with the given mean.
    pub fn exponential(&mut self, mean: f64) -> f64 {
        -mean * libm::log(self.unit_open())
    }

    /// A Pareto-distributed value with scale 1 and shape `alpha` (heavy tail, ≥ 1).
    pub fn pareto(&mut self, alpha: f64) -> f64 {
        let u = self.unit_open();
        if alpha == 2.0 {
            // u^(-1/2): square root is correctly rounded everywhere, and much cheaper than pow.
            1.0 / u.sqrt()
        } else {
            libm::pow(u, -1.0 / alpha)
        }
    }
}

/// The per-purpose streams a world owns.
#[derive(Debug, Clone)]
pub struct Streams {
    /// See [`Purpose::Workload`].
    pub workload: Stream,
    /// See [`Purpose::Network`].
    pub network: Stream,
    /// See [`Purpose::Protocol`].
    pub protocol: Stream,
    /// See [`Purpose::Routing`].
    pub routing: Stream,
}

impl Streams {
    /// All streams for one seed.
    pub fn new(seed: u64) -> Self {
        Self {
            workload: Stream::new(seed, Purpose::Workload),
            network: Stream::new(seed, Purpose::Network),
            protocol: Stream::new(seed, Purpose::Protocol),
            routing: Stream::new(seed, Purpose::Routing),
        }
    }
}
