//! A replicated log with log sequence numbers (LSNs) and epochs, compactable from the front.
//!
//! Shared by the log-shipping strategies. LSN 0 is the empty prefix; entries start at 1.
//! Entries up to `base_lsn` have been compacted away (their effect lives in the store).

use crate::protocol::{Key, Value};
use std::collections::VecDeque;

/// Approximate size of one entry on the wire and on disk.
pub const ENTRY_BYTES: u32 = 48;

/// One log entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// Position in the log.
    pub lsn: u64,
    /// Epoch of the primary that appended it.
    pub epoch: u64,
    /// The write it carries; `None` for the marker a new primary appends.
    pub write: Option<(Key, Value)>,
    /// When the primary appended it (for lag).
    pub appended_us: u64,
}

/// The log.
#[derive(Debug, Clone, Default)]
pub struct Log {
    base_lsn: u64,
    base_epoch: u64,
    entries: VecDeque<Entry>,
}

impl Log {
    /// LSN of the last entry (or of the compacted base when empty).
    pub fn last_lsn(&self) -> u64 {
        self.base_lsn + self.entries.len() as u64
    }

    /// Epoch of the last entry.
    pub fn last_epoch(&self) -> u64 {
        self.entries.back().map_or(self.base_epoch, |entry| entry.epoch)
    }

    /// First LSN still held.
    pub fn base_lsn(&self) -> u64 {
        self.base_lsn
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no entries are held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry at `lsn`, if held.
    pub fn get(&self, lsn: u64) -> Option<&Entry> {
        lsn.checked_sub(self.base_lsn + 1).and_then(|index| self.entries.get(index as usize))
    }

    /// Epoch at `lsn`: known for the base and held entries.
    pub fn epoch_at(&self, lsn: u64) -> Option<u64> {
        if lsn == self.base_lsn {
            Some(self.base_epoch)
        } else {
            self.get(lsn).map(|entry| entry.epoch)
        }
    }

    /// First LSN of the run of entries with the same epoch that ends at `lsn`.
    pub fn epoch_run_start(&self, lsn: u64) -> u64 {
        let Some(epoch) = self.epoch_at(lsn) else {
            return lsn;
        };
        let mut start = lsn;
        while start > self.base_lsn + 1 && self.epoch_at(start - 1) == Some(epoch) {
            start -= 1;
        }
        start
    }

    /// Appends an entry; its LSN must follow the last.
    pub fn push(&mut self, entry: Entry) {
        assert_eq!(entry.lsn, self.last_lsn() + 1, "log entries must be consecutive");
        self.entries.push_back(entry);
    }

    /// Removes every entry at or after `lsn` (never the compacted base).
    pub fn truncate_from(&mut self, lsn: u64) {
        let keep = lsn.saturating_sub(self.base_lsn + 1) as usize;
        self.entries.truncate(keep);
    }

    /// Drops entries up to and including `lsn`.
    pub fn compact_to(&mut self, lsn: u64) {
        while self.base_lsn < lsn {
            let Some(entry) = self.entries.pop_front() else {
                break;
            };
            self.base_lsn = entry.lsn;
            self.base_epoch = entry.epoch;
        }
    }

    /// Replaces the log with an empty one whose base is `(lsn, epoch)` (after a snapshot).
    pub fn reset_to(&mut self, lsn: u64, epoch: u64) {
        self.entries.clear();
        self.base_lsn = lsn;
        self.base_epoch = epoch;
    }

    /// Copies of the entries in `from..=to` that are held.
    pub fn slice(&self, from: u64, to: u64) -> Vec<Entry> {
        let (first, last) = (from.max(self.base_lsn + 1), to.min(self.last_lsn()));
        if first > last {
            return Vec::new();
        }
        let start = (first - self.base_lsn - 1) as usize;
        self.entries.range(start..start + (last - first) as usize + 1).copied().collect()
    }

    /// The newest entries, newest last, at most `count`.
    pub fn tail(&self, count: usize) -> impl Iterator<Item = &Entry> {
        self.entries.iter().skip(self.entries.len().saturating_sub(count))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `slice` copies exactly the held entries of `from..=to`, whatever part of the range
    /// is compacted away, beyond the end, or empty.
    #[test]
    fn a_slice_is_the_held_entries_of_its_range() {
        let mut log = Log::default();
        for lsn in 1..=20 {
            log.push(Entry { lsn, epoch: lsn / 7, write: None, appended_us: lsn });
        }
        log.compact_to(5);
        for from in 0..=23 {
            for to in 0..=23 {
                let expected: Vec<u64> = (from..=to).filter(|lsn| (6..=20).contains(lsn)).collect();
                let lsns: Vec<u64> = log.slice(from, to).iter().map(|entry| entry.lsn).collect();
                assert_eq!(lsns, expected, "slice({from}, {to})");
            }
        }
    }
}
