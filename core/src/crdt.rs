//! Conflict-free replicated data types: state-based CRDTs whose merge is commutative,
//! associative and idempotent, so replicas that have seen the same updates, in any order
//! and any number of times, hold the same state.
//!
//! - [`PnCounter`]: a counter that goes up and down (inventory).
//! - [`OrSet`]: an observed-remove set, add wins over a concurrent remove (carts).
//! - [`LwwRegister`]: a last-writer-wins register by (wall clock, replica) (prices).
//!
//! This module holds the data types only; gossip and placement are a strategy's job.

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A state-based CRDT.
pub trait Crdt: Clone + PartialEq {
    /// Folds another replica's state into this one.
    fn merge(&mut self, other: &Self);

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

fn merge_max(into: &mut BTreeMap<u32, u64>, from: &BTreeMap<u32, u64>) {
    for (replica, count) in from {
        let slot = into.entry(*replica).or_insert(0);
        *slot = (*slot).max(*count);
    }
}

impl Crdt for PnCounter {
    fn merge(&mut self, other: &Self) {
        merge_max(&mut self.increments, &other.increments);
        merge_max(&mut self.decrements, &other.decrements);
    }
}

/// A unique tag of one add: (replica, that replica's add counter).
pub type Dot = (u32, u64);

/// Observed-remove set: an element is present while some add of it has not been removed.
/// A remove only removes the adds it has seen, so a concurrent add wins.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct OrSet<T: Ord + Clone> {
    adds: BTreeMap<T, BTreeSet<Dot>>,
    removed: BTreeSet<Dot>,
    counters: BTreeMap<u32, u64>,
}

impl<T: Ord + Clone> OrSet<T> {
    /// An empty set.
    pub fn new() -> Self {
        Self { adds: BTreeMap::new(), removed: BTreeSet::new(), counters: BTreeMap::new() }
    }

    /// Adds `element` at `replica`.
    pub fn add(&mut self, replica: u32, element: T) {
        let counter = self.counters.entry(replica).or_insert(0);
        *counter += 1;
        self.adds.entry(element).or_default().insert((replica, *counter));
    }

    /// Removes every add of `element` this replica has observed.
    pub fn remove(&mut self, element: &T) {
        if let Some(dots) = self.adds.get(element) {
            self.removed.extend(dots.iter().copied());
        }
    }

    /// Whether `element` is present.
    pub fn contains(&self, element: &T) -> bool {
        self.adds.get(element).is_some_and(|dots| dots.iter().any(|dot| !self.removed.contains(dot)))
    }

    /// The present elements, in order.
    pub fn elements(&self) -> Vec<T> {
        self.adds.keys().filter(|element| self.contains(element)).cloned().collect()
    }
}

impl<T: Ord + Clone> Crdt for OrSet<T> {
    fn merge(&mut self, other: &Self) {
        for (element, dots) in &other.adds {
            self.adds.entry(element.clone()).or_default().extend(dots.iter().copied());
        }
        self.removed.extend(other.removed.iter().copied());
        merge_max(&mut self.counters, &other.counters);
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
        if other.stamp > self.stamp {
            self.value = other.value.clone();
            self.stamp = other.stamp;
        }
    }
}
