//! Vector clocks: the causal history of an event, one counter per node.
//!
//! Rules (the page states them beside the space-time diagram): a node increments its own
//! entry on every local event; a message carries the sender's clock; a receiver takes the
//! element-wise maximum of its clock and the message's, then increments its own entry.
//! Then `a` happened before `b` exactly when `a ≤ b` element-wise and `a ≠ b`; if neither
//! happened before the other, they are concurrent.

use serde::Serialize;
use std::cmp::Ordering;

/// How two clocks relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockOrder {
    /// The left clock happened before the right one.
    Before,
    /// The left clock happened after the right one.
    After,
    /// Same clock.
    Equal,
    /// Neither happened before the other.
    Concurrent,
}

/// A vector clock over a fixed set of nodes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize)]
pub struct VectorClock {
    entries: Vec<u64>,
}

impl VectorClock {
    /// All zeros for `nodes` nodes.
    pub fn new(nodes: usize) -> Self {
        Self { entries: vec![0; nodes] }
    }

    /// The entries, one per node.
    pub fn entries(&self) -> &[u64] {
        &self.entries
    }

    /// Entry of `node` (0 beyond the clock's length).
    pub fn get(&self, node: usize) -> u64 {
        self.entries.get(node).copied().unwrap_or(0)
    }

    /// A local event at `node`.
    pub fn tick(&mut self, node: usize) {
        if node >= self.entries.len() {
            self.entries.resize(node + 1, 0);
        }
        self.entries[node] += 1;
    }

    /// Element-wise maximum with `other`.
    pub fn merge(&mut self, other: &VectorClock) {
        if other.entries.len() > self.entries.len() {
            self.entries.resize(other.entries.len(), 0);
        }
        for (mine, theirs) in self.entries.iter_mut().zip(&other.entries) {
            *mine = (*mine).max(*theirs);
        }
    }

    /// Receipt of a message stamped `other` at `node`: merge, then tick.
    pub fn observe(&mut self, node: usize, other: &VectorClock) {
        self.merge(other);
        self.tick(node);
    }

    /// How `self` relates to `other`.
    pub fn compare(&self, other: &VectorClock) -> ClockOrder {
        compare_entries(&self.entries, &other.entries)
    }

    /// Whether `self` happened before `other`.
    pub fn happened_before(&self, other: &VectorClock) -> bool {
        self.compare(other) == ClockOrder::Before
    }

    /// Whether neither happened before the other.
    pub fn concurrent_with(&self, other: &VectorClock) -> bool {
        self.compare(other) == ClockOrder::Concurrent
    }
}

/// How two clocks given as entries relate (missing entries count as 0). The one rule
/// every vector clock and version vector in the crate is compared with.
pub fn compare_entries(left: &[u64], right: &[u64]) -> ClockOrder {
    let length = left.len().max(right.len());
    let entry = |clock: &[u64], index: usize| clock.get(index).copied().unwrap_or(0);
    let (mut less, mut greater) = (false, false);
    for index in 0..length {
        match entry(left, index).cmp(&entry(right, index)) {
            Ordering::Less => less = true,
            Ordering::Greater => greater = true,
            Ordering::Equal => {}
        }
    }
    match (less, greater) {
        (false, false) => ClockOrder::Equal,
        (true, false) => ClockOrder::Before,
        (false, true) => ClockOrder::After,
        (true, true) => ClockOrder::Concurrent,
    }
}

/// Whether `covering` has seen everything `seen` has: `seen ≤ covering` element-wise.
pub fn covers(covering: &[u64], seen: &[u64]) -> bool {
    matches!(compare_entries(seen, covering), ClockOrder::Before | ClockOrder::Equal)
}

impl std::fmt::Display for VectorClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[")?;
        for (index, entry) in self.entries.iter().enumerate() {
            if index > 0 {
                write!(f, ",")?;
            }
            write!(f, "{entry}")?;
        }
        write!(f, "]")
    }
}
