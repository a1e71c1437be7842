//! The versions a replica keeps of one key: one under last-writer-wins, or every concurrent
//! one (siblings) under version vectors.

use crate::clock::{compare_entries, covers, ClockOrder};
use crate::merkle::mix;
use crate::protocol::Value;

/// Most concurrent versions kept of one key; beyond it the oldest by stamp are pruned (and
/// counted: a pruned version is a write lost, which the lost-write checker would report).
pub const SIBLINGS_MAX: usize = 16;

/// How concurrent writes to a key are told apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::VariantNames, strum::EnumString, strum::IntoStaticStr)]
pub enum Versioning {
    /// Version vectors: a write supersedes what its context saw; concurrent writes are
    /// both kept as siblings for a later write to resolve.
    #[strum(serialize = "vv")]
    VersionVectors,
    /// Last writer wins: the highest wall-clock stamp is kept, the other discarded.
    #[strum(serialize = "lww")]
    LastWriterWins,
}

impl crate::vocabulary::Choice for Versioning {}

/// One write's version of a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// The value (in this register workload, the id of the write).
    pub value: Value,
    /// The coordinator's wall clock when it took the write (skew included).
    pub stamp_us: i64,
    /// Its version vector (empty under last-writer-wins): per node, the writes it
    /// coordinated that this version has seen, itself included.
    pub clock: Vec<u64>,
}

/// The versions one replica holds of a key, by value (smallest first).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Siblings {
    versions: Vec<Version>,
}

/// What merging changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Merged {
    /// Whether the held versions changed.
    pub changed: bool,
    /// Versions pruned beyond [`SIBLINGS_MAX`].
    pub pruned: u64,
}

impl Siblings {
    /// The versions held.
    pub fn versions(&self) -> &[Version] {
        &self.versions
    }

    /// Whether none is held (the key was never written here).
    pub fn is_empty(&self) -> bool {
        self.versions.is_empty()
    }

    /// The values held, smallest first.
    pub fn values(&self) -> Vec<Value> {
        self.versions.iter().map(|version| version.value).collect()
    }

    /// The value a reader is shown: under last-writer-wins the one version; among siblings,
    /// the greatest (the application's merge: booking updates carry increasing ids). 0
    /// (the initial value) when none is held.
    pub fn shown(&self) -> Value {
        self.versions.iter().map(|version| version.value).max().unwrap_or(0)
    }

    /// The context a write that read these versions carries: every entry they have seen.
    pub fn context(&self) -> Vec<u64> {
        let mut context: Vec<u64> = Vec::new();
        for version in &self.versions {
            if version.clock.len() > context.len() {
                context.resize(version.clock.len(), 0);
            }
            for (mine, theirs) in context.iter_mut().zip(&version.clock) {
                *mine = (*mine).max(*theirs);
            }
        }
        context
    }

    /// A hash of the versions held, for Merkle trees and handoff acknowledgements.
    pub fn digest(&self) -> u64 {
        self.versions.iter().fold(0x5E_B1_1E, |hash, version| {
            let hash = mix(mix(hash, version.value), version.stamp_us as u64);
            version.clock.iter().fold(hash, |hash, entry| mix(hash, *entry))
        })
    }

    /// Adds one version.
    pub fn insert(&mut self, version: Version, versioning: Versioning) -> Merged {
        match versioning {
            Versioning::LastWriterWins => self.insert_lww(version),
            Versioning::VersionVectors => self.insert_vv(version),
        }
    }

    /// Merges every version of `other` in (commutative, associative, idempotent).
    pub fn merge(&mut self, other: &Siblings, versioning: Versioning) -> Merged {
        let mut merged = Merged::default();
        for version in &other.versions {
            let one = self.insert(version.clone(), versioning);
            merged.changed |= one.changed;
            merged.pruned += one.pruned;
        }
        merged
    }

    fn insert_lww(&mut self, version: Version) -> Merged {
        let newer = |held: &Version| (version.stamp_us, version.value) > (held.stamp_us, held.value);
        if self.versions.first().is_some_and(|held| !newer(held)) {
            return Merged::default();
        }
        self.versions = vec![version];
        Merged { changed: true, pruned: 0 }
    }

    fn insert_vv(&mut self, version: Version) -> Merged {
        if self.versions.iter().any(|held| covers(&held.clock, &version.clock)) {
            return Merged::default();
        }
        self.versions.retain(|held| compare_entries(&held.clock, &version.clock) != ClockOrder::Before);
        let position = self.versions.partition_point(|held| held.value < version.value);
        self.versions.insert(position, version);
        let mut pruned = 0;
        while self.versions.len() > SIBLINGS_MAX {
            let oldest = (0..self.versions.len())
                .min_by_key(|index| (self.versions[*index].stamp_us, self.versions[*index].value))
                .expect("more than SIBLINGS_MAX versions");
            self.versions.remove(oldest);
            pruned += 1;
        }
        Merged { changed: true, pruned }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(value: Value, stamp_us: i64, clock: &[u64]) -> Version {
        Version { value, stamp_us, clock: clock.to_vec() }
    }

    #[test]
    fn version_vectors_keep_concurrent_writes_and_drop_what_a_later_write_saw() {
        let vv = Versioning::VersionVectors;
        let mut held = Siblings::default();
        assert!(held.insert(version(1, 10, &[1, 0]), vv).changed);
        assert!(held.insert(version(2, 5, &[0, 1]), vv).changed, "concurrent: kept as a sibling");
        assert_eq!(held.values(), vec![1, 2]);
        assert!(!held.insert(version(1, 10, &[1, 0]), vv).changed, "a duplicate changes nothing");
        assert!(held.insert(version(3, 1, &[1, 1]), vv).changed, "saw both: supersedes both");
        assert_eq!(held.values(), vec![3]);
        assert!(!held.insert(version(2, 5, &[0, 1]), vv).changed, "an older version arriving late is dropped");
        assert_eq!(held.context(), vec![1, 1]);
    }

    #[test]
    fn last_writer_wins_keeps_the_highest_stamp_whatever_the_order() {
        let lww = Versioning::LastWriterWins;
        let (early, late) = (version(7, 100, &[]), version(4, 200, &[]));
        let mut forward = Siblings::default();
        forward.insert(early.clone(), lww);
        forward.insert(late.clone(), lww);
        let mut backward = Siblings::default();
        backward.insert(late, lww);
        backward.insert(early, lww);
        assert_eq!(forward, backward);
        assert_eq!(forward.values(), vec![4], "the higher stamp wins although write 7 has the greater id");
    }

    #[test]
    fn merging_is_order_independent_and_bounded() {
        let vv = Versioning::VersionVectors;
        let writes: Vec<Version> = (0..20)
            .map(|i| {
                let mut clock = vec![0; 20];
                clock[i] = 1;
                version(i as u64 + 1, i as i64, &clock)
            })
            .collect();
        let mut forward = Siblings::default();
        let mut pruned = 0;
        for write in &writes {
            pruned += forward.insert(write.clone(), vv).pruned;
        }
        assert_eq!(forward.versions().len(), SIBLINGS_MAX);
        assert_eq!(pruned, 4, "the four oldest concurrent versions are pruned, and counted");
        let mut backward = Siblings::default();
        for write in writes.iter().rev() {
            backward.insert(write.clone(), vv);
        }
        assert_eq!(forward, backward);
    }
}
