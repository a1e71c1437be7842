//! The view model the page draws: a plain, serialisable picture of a world at one moment.
//!
//! Nothing here is simulation state; a snapshot is derived from a world and thrown away.

use crate::geo::CityId;
use crate::protocol::{MessageKind, NodeView};
use serde::Serialize;

/// A node as the page shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeSnapshot {
    /// Node id.
    pub id: String,
    /// City id.
    pub city: &'static str,
    /// Whether it runs.
    pub up: bool,
    /// Wall-clock skew.
    pub skew_us: i64,
    /// Its public face.
    pub view: NodeView,
}

/// A message in flight.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Glyph {
    /// Sender's city.
    pub from_city: CityId,
    /// Receiver's city.
    pub to_city: CityId,
    /// Kind (colour).
    pub kind: MessageKind,
    /// When it left.
    pub sent_us: u64,
    /// When it arrives.
    pub arrive_us: u64,
    /// The sender's vector clock, for strategies that keep one (empty otherwise).
    pub clock: Vec<u64>,
    /// The send's id in the space-time record (0 when none is kept).
    pub send_event: u64,
}

impl Glyph {
    /// Fraction of the flight done at `now_us`, in `[0, 1]`.
    pub fn progress(&self, now_us: u64) -> f64 {
        let total = self.arrive_us.saturating_sub(self.sent_us).max(1);
        (now_us.saturating_sub(self.sent_us) as f64 / total as f64).clamp(0.0, 1.0)
    }
}

/// Puts glyphs in canonical order (the event heap's is an accident of its history),
/// soonest arrival first, and keeps the first `glyphs_max`. Outside the generic engine so
/// every strategy shares one sort.
pub(crate) fn canonical_glyphs(glyphs: &mut Vec<Glyph>, glyphs_max: usize) {
    glyphs.sort_unstable_by(|a, b| {
        (a.arrive_us, a.sent_us, a.from_city, a.to_city, a.kind, &a.clock).cmp(&(
            b.arrive_us,
            b.sent_us,
            b.from_city,
            b.to_city,
            b.kind,
            &b.clock,
        ))
    });
    glyphs.truncate(glyphs_max);
}

/// A world at one moment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Snapshot {
    /// Simulated time.
    pub now_us: u64,
    /// Seed.
    pub seed: u64,
    /// Events handled.
    pub events: u64,
    /// Trace digest so far (hex).
    pub digest: String,
    /// Nodes.
    pub nodes: Vec<NodeSnapshot>,
    /// Messages in flight (bounded sample).
    pub glyphs: Vec<Glyph>,
    /// All messages in flight.
    pub in_flight: usize,
    /// Cut directed city pairs.
    pub cuts: Vec<(&'static str, &'static str)>,
    /// Latency multiplier.
    pub latency_multiplier: f64,
    /// Offered load.
    pub load_ops_s: f64,
    /// Successful operations.
    pub ops_ok: u64,
    /// Refused operations.
    pub ops_failed: u64,
    /// Operations with unknown outcome.
    pub ops_unknown: u64,
    /// Messages sent by kind.
    pub messages_by_kind: Vec<(&'static str, u64)>,
}
