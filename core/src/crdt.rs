//! Conflict-free replicated data types: state-based CRDTs whose merge is commutative,
//! associative and idempotent, so replicas that have seen the same updates, in any order
//! and any number of times, hold the same state.
//!
//! - [`PnCounter`]: a counter that goes up and down (inventory).
//! - [`OrSet`]: an observed-remove set without tombstones, add wins over a concurrent
//!   remove (carts).
//! - [`LwwRegister`]: a last-writer-wins register by (wall clock, replica) (prices).
//!
//! This module holds the data types only; gossip and placement are a strategy's job.

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A state-based CRDT.
pub trait Crdt: Clone + PartialEq {
    /// Folds another replica's state into this one.
    fn merge(&mut self, other: &Self);

    /// Merges and says whether this state changed (gossip forwards only what changed).
    fn merge_changed(&mut self, other: &Self) -> bool {
        let before = self.clone();
        self.merge(other);
        *self != before
    }

    /// `self ⊔ other`, leaving both untouched.
    fn merged(&self, other: &Self) -> Self {
        let mut result = self.clone();
        result.merge(other);
        result
    }
}

/// Positive-negative counter: per replica, a grow-only count of increments and one of
/// decrements.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct PnCounter {
    increments: BTreeMap<u32, u64>,
    decrements: BTreeMap<u32, u64>,
}

impl PnCounter {
    /// Adds `amount` at `replica`.
    pub fn increment(&mut self, replica: u32, amount: u64) {
        *self.increments.entry(replica).or_insert(0) += amount;
    }

    /// Subtracts `amount` at `replica`.
    pub fn decrement(&mut self, replica: u32, amount: u64) {
        *self.decrements.entry(replica).or_insert(0) += amount;
    }

    /// The counter's value.
    pub fn value(&self) -> i64 {
        let up: u64 = self.increments.values().sum();
        let down: u64 = self.decrements.values().sum();
        up as i64 - down as i64
    }
}

/// Element-wise maximum; whether anything grew.
fn merge_max(into: &mut BTreeMap<u32, u64>, from: &BTreeMap<u32, u64>) -> bool {
    let mut changed = false;
    for (replica, count) in from {
        let slot = into.entry(*replica).or_insert(0);
        if *count > *slot {
            *slot = *count;
            changed = true;
        }
    }
    changed
}

impl Crdt for PnCounter {
    fn merge(&mut self, other: &Self) {
        self.merge_changed(other);
    }

    fn merge_changed(&mut self, other: &Self) -> bool {
        let up = merge_max(&mut self.increments, &other.increments);
        let down = merge_max(&mut self.decrements, &other.decrements);
        up || down
    }
}

/// A unique tag of one add: (replica, that replica's add counter).
pub type Dot = (u32, u64);

/// Observed-remove set without tombstones (ORSWOT): each present element carries the dots
/// of the adds that put it there, and the set keeps a version vector of every dot it has
/// seen. A remove drops the element's dots; a merge keeps a dot if both sides have it, or if
/// one side has it and the other never saw it. So a remove only removes the adds it had
/// seen, a concurrent add wins, and the state stays as small as the set itself.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct OrSet<T: Ord + Clone> {
    entries: BTreeMap<T, Box<BTreeSet<Dot>>>,
    context: BTreeMap<u32, u64>,
}

impl<T: Ord + Clone> OrSet<T> {
    /// An empty set.
    pub fn new() -> Self {
        Self { entries: BTreeMap::new(), context: BTreeMap::new() }
    }

    fn seen(context: &BTreeMap<u32, u64>, dot: &Dot) -> bool {
        context.get(&dot.0).is_some_and(|counter| *counter >= dot.1)
    }

    /// Adds `element` at `replica` (the new add supersedes the adds this replica has seen).
    pub fn add(&mut self, replica: u32, element: T) {
        let counter = self.context.entry(replica).or_insert(0);
        *counter += 1;
        let dot = (replica, *counter);
        self.entries.insert(element, Box::new(BTreeSet::from([dot])));
    }

    /// Removes `element` as far as this replica has observed it.
    pub fn remove(&mut self, element: &T) {
        self.entries.remove(element);
    }

    /// Whether `element` is present.
    pub fn contains(&self, element: &T) -> bool {
        self.entries.contains_key(element)
    }

    /// The present elements, in order.
    pub fn elements(&self) -> Vec<T> {
        self.entries.keys().cloned().collect()
    }
}

impl<T: Ord + Clone> Crdt for OrSet<T> {
    fn merge(&mut self, other: &Self) {
        let keys: BTreeSet<T> = crate::compact::set_from(self.entries.keys().chain(other.entries.keys()).cloned());
        let empty = Box::new(BTreeSet::new());
        for key in keys {
            let mine = self.entries.get(&key).unwrap_or(&empty);
            let theirs = other.entries.get(&key).unwrap_or(&empty);
            let kept: BTreeSet<Dot> = crate::compact::set_from(
                mine.iter()
                    .filter(|dot| theirs.contains(dot) || !Self::seen(&other.context, dot))
                    .chain(theirs.iter().filter(|dot| !mine.contains(dot) && !Self::seen(&self.context, dot)))
                    .copied(),
            );
            if kept.is_empty() {
                self.entries.remove(&key);
            } else {
                self.entries.insert(key, Box::new(kept));
            }
        }
        merge_max(&mut self.context, &other.context);
    }
}

/// Last-writer-wins register: the write with the larger (wall clock, replica) stamp wins.
/// A skewed clock makes a later write lose to an earlier one: that is its known flaw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LwwRegister<T: Clone + PartialEq> {
    value: T,
    stamp: (i64, u32),
}

impl<T: Clone + PartialEq> LwwRegister<T> {
    /// A register holding `value` from the beginning of time.
    pub fn new(value: T) -> Self {
        Self { value, stamp: (i64::MIN, 0) }
    }

    /// Writes `value` at `replica` whose wall clock reads `wall_clock_us`; returns whether
    /// the write took effect (false if the register holds a later stamp).
    pub fn set(&mut self, replica: u32, wall_clock_us: i64, value: T) -> bool {
        let stamp = (wall_clock_us, replica);
        if stamp > self.stamp {
            self.value = value;
            self.stamp = stamp;
            true
        } else {
            false
        }
    }

    /// The value.
    pub fn value(&self) -> &T {
        &self.value
    }

    /// The winning stamp.
    pub fn stamp(&self) -> (i64, u32) {
        self.stamp
    }
}

impl<T: Clone + PartialEq> Crdt for LwwRegister<T> {
    fn merge(&mut self, other: &Self) {
        self.merge_changed(other);
    }

    fn merge_changed(&mut self, other: &Self) -> bool {
        if other.stamp > self.stamp {
            self.value = other.value.clone();
            self.stamp = other.stamp;
            true
        } else {
            false
        }
    }
}
