//! The event queue: earliest first, ordered by `(time, class, sequence)`.
//!
//! A hierarchical timing wheel — a radix heap with 64 buckets per level (Ahuja, Mehlhorn,
//! Orlin and Tarjan's radix heap; Varghese and Lauck's wheels) — over a slab of events. The
//! queue keeps a lower bound `base_us` on every waiting event's time. An event waits at the
//! level of the highest 6-bit digit in which its time differs from `base_us`, in the slot
//! named by that digit; level 0 holds events whose time differs from `base_us` in the last
//! digit alone, one slot per microsecond. The earliest event is in the lowest occupied
//! level's lowest occupied slot (two `trailing_zeros` and a scan of one slot). Taking it
//! makes its time `base_us`, and the rest of its slot moves down to lower levels. An event
//! moves down at most ten times in its life, about once in practice (measured on `perf`:
//! 1.2 moves per event), where a binary heap walks it along a path of comparisons at every
//! push and pop.
//!
//! Within a microsecond's slot the order is `(class, seq)`, found by a scan (slots hold one
//! or two events). A simulation's clock never goes back, so events are pushed at or after
//! the time of the last one taken; but looking for the earliest moves `base_us` up to its
//! slot, and a run that stops before that event (`run_until`) may then be given a control
//! that schedules something earlier (a new arrival after a load change). Such an event
//! waits in a small binary heap of late events, and every pop takes the earlier of the two.
//! Sequence numbers are unique, so the order is exactly `(time, class, sequence)` — the
//! order a heap of whole events gives, which the golden digests check.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Bits of time per level.
const DIGIT_BITS: u32 = 6;
/// Slots per level.
const SLOTS: usize = 1 << DIGIT_BITS;
/// Levels enough for any 64-bit time.
const LEVELS: usize = 64usize.div_ceil(DIGIT_BITS as usize);
/// Largest sequence number a key can hold (its top bit is the class).
const SEQ_MAX: u64 = (1 << 63) - 1;

/// A waiting event's order and slab slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
    at_us: u64,
    /// `class << 63 | seq`: the class decides at equal times, then the sequence.
    order: u64,
    slot: u32,
}

/// Where an entry is: `(index in wheel, position in its slot)`, or `None` among the late.
type Place = Option<(usize, usize)>;

/// Events by `(at_us, class, seq)`, earliest first.
#[derive(Debug, Clone)]
pub(super) struct EventQueue<E> {
    /// No event in the wheel is earlier.
    base_us: u64,
    /// `wheel[level * SLOTS + digit]`.
    wheel: Vec<Vec<Entry>>,
    /// Per level, bit `digit` set when that slot holds events.
    occupied: [u64; LEVELS],
    /// Bit `level` set when any slot of that level holds events.
    levels_occupied: u32,
    /// The earliest event and where it is, once found (a step peeks before it pops).
    earliest: Option<(Entry, Place)>,
    /// Events pushed before `base_us`.
    late: BinaryHeap<Reverse<Entry>>,
    /// Events waiting.
    len: usize,
    /// Every event waiting, by slot; `None` where a slot is free.
    slots: Vec<Option<E>>,
    /// Free slots, reused before the slab grows.
    free: Vec<u32>,
}

impl<E> EventQueue<E> {
    pub(super) fn new() -> Self {
        Self {
            base_us: 0,
            wheel: (0..LEVELS * SLOTS).map(|_| Vec::new()).collect(),
            occupied: [0; LEVELS],
            levels_occupied: 0,
            earliest: None,
            late: BinaryHeap::new(),
            len: 0,
            slots: Vec::new(),
            free: Vec::new(),
        }
    }

    /// Events waiting.
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Adds `event` at `at_us`; `class` (0 or 1) orders it among events at the same time,
    /// then `seq`, which must be unique.
    pub(super) fn push(&mut self, at_us: u64, class: u8, seq: u64, event: E) {
        assert!(class <= 1 && seq <= SEQ_MAX, "class {class} and sequence {seq} fit a key");
        let slot = self.store(event);
        let entry = Entry { at_us, order: u64::from(class) << 63 | seq, slot };
        self.len += 1;
        if self.earliest.is_some_and(|(earliest, _)| entry < earliest) {
            self.earliest = None;
        }
        if at_us < self.base_us {
            self.late.push(Reverse(entry));
        } else {
            self.place(entry);
        }
    }

    fn store(&mut self, event: E) -> u32 {
        match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = Some(event);
                slot
            }
            None => {
                let slot = u32::try_from(self.slots.len()).expect("fewer than 2^32 events wait");
                self.slots.push(Some(event));
                slot
            }
        }
    }

    /// Puts an entry at or after `base_us` in its level and slot.
    fn place(&mut self, entry: Entry) {
        debug_assert!(entry.at_us >= self.base_us);
        let differing = entry.at_us ^ self.base_us;
        let level = if differing == 0 { 0 } else { (63 - differing.leading_zeros()) / DIGIT_BITS };
        let digit = (entry.at_us >> (level * DIGIT_BITS)) as usize & (SLOTS - 1);
        self.wheel[level as usize * SLOTS + digit].push(entry);
        self.occupied[level as usize] |= 1 << digit;
        self.levels_occupied |= 1 << level;
    }

    fn empty_slot(&mut self, level: u32, digit: u32) {
        self.occupied[level as usize] &= !(1 << digit);
        if self.occupied[level as usize] == 0 {
            self.levels_occupied &= !(1 << level);
        }
    }

    /// The earliest entry and where it is.
    fn earliest(&mut self) -> Option<(Entry, Place)> {
        if self.earliest.is_none() {
            self.earliest = self.find_earliest();
        }
        self.earliest
    }

    fn find_earliest(&mut self) -> Option<(Entry, Place)> {
        let wheel = self.settle().map(|index| {
            // One microsecond's events: the sequence decides (and the class before it).
            let (position, entry) = self.wheel[index]
                .iter()
                .enumerate()
                .min_by_key(|(_, entry)| entry.order)
                .expect("an occupied slot holds events");
            (*entry, Some((index, position)))
        });
        let late = self.late.peek().map(|Reverse(entry)| (*entry, None));
        match (wheel, late) {
            (Some(wheel), Some(late)) => Some(if late.0 < wheel.0 { late } else { wheel }),
            (wheel, late) => wheel.or(late),
        }
    }

    /// Moves events down until the lowest occupied slot is at level 0; its index.
    fn settle(&mut self) -> Option<usize> {
        loop {
            if self.levels_occupied == 0 {
                return None;
            }
            let level = self.levels_occupied.trailing_zeros();
            let digit = self.occupied[level as usize].trailing_zeros();
            let index = level as usize * SLOTS + digit as usize;
            if level == 0 {
                return Some(index);
            }
            // The slot's start: `base_us`'s digits above `level`, then `digit`, then zeros.
            let above = self.base_us >> ((level + 1) * DIGIT_BITS) << ((level + 1) * DIGIT_BITS);
            self.base_us = above | u64::from(digit) << (level * DIGIT_BITS);
            self.spread(index);
        }
    }

    /// Moves the events of a slot above level 0 to the levels `base_us` now gives them.
    fn spread(&mut self, index: usize) {
        let (level, digit) = ((index / SLOTS) as u32, (index % SLOTS) as u32);
        let mut entries = std::mem::take(&mut self.wheel[index]);
        self.empty_slot(level, digit);
        for entry in entries.drain(..) {
            self.place(entry);
        }
        self.wheel[index] = entries;
    }

    /// The earliest event's `(at_us, class, seq)`.
    pub(super) fn peek(&mut self) -> Option<(u64, u8, u64)> {
        self.earliest().map(|(entry, _)| (entry.at_us, (entry.order >> 63) as u8, entry.order & SEQ_MAX))
    }

    /// Takes the earliest event, with its time.
    pub(super) fn pop(&mut self) -> Option<(u64, E)> {
        let (entry, place) = self.earliest()?;
        self.earliest = None;
        match place {
            Some((index, position)) => self.take(index, position, entry.at_us),
            None => {
                self.late.pop();
            }
        }
        self.len -= 1;
        let event = self.slots[entry.slot as usize].take().expect("an entry's slot holds its event");
        self.free.push(entry.slot);
        Some((entry.at_us, event))
    }

    /// Removes the entry at `position` in the level-0 slot `wheel[index]`, the earliest, and
    /// makes its time `base_us` (the slot's other entries share its microsecond).
    fn take(&mut self, index: usize, position: usize, at_us: u64) {
        debug_assert!(index < SLOTS, "the earliest event is at level 0");
        self.base_us = at_us;
        let entries = &mut self.wheel[index];
        entries.swap_remove(position);
        if entries.is_empty() {
            self.empty_slot(0, index as u32);
        }
    }

    /// Every waiting event with its time, in no particular order.
    pub(super) fn iter(&self) -> impl Iterator<Item = (u64, &E)> {
        let late = self.late.iter().map(|Reverse(entry)| entry);
        self.wheel
            .iter()
            .flatten()
            .chain(late)
            .filter_map(|entry| self.slots[entry.slot as usize].as_ref().map(|event| (entry.at_us, event)))
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    /// The queue gives events in `(time, class, sequence)` order however they were pushed,
    /// reusing freed slots.
    #[test]
    fn events_come_out_by_time_then_class_then_sequence() {
        let mut queue = EventQueue::new();
        let pushes = [(5, 1, 1), (5, 0, 2), (3, 1, 3), (5, 0, 4), (3, 0, 5), (9, 0, 6)];
        for (at_us, class, seq) in pushes {
            queue.push(at_us, class, seq, seq);
        }
        assert_eq!(queue.peek(), Some((3, 0, 5)));
        let mut order = Vec::new();
        while let Some((at_us, event)) = queue.pop() {
            order.push((at_us, event));
            if event == 5 {
                queue.push(4, 1, 7, 7);
            }
        }
        assert_eq!(order, [(3, 5), (3, 3), (4, 7), (5, 2), (5, 4), (5, 1), (9, 6)]);
        assert_eq!(queue.slots.len(), 6, "the seventh event reused a freed slot");
        assert_eq!(queue.len(), 0);
    }

    /// Against a sorted set as the reference, over pushes at or after the last event taken
    /// (as the engine pushes), peeks that move the wheel's base ahead, pushes before that
    /// base (late events), equal times and both classes, at delays from 0 µs to minutes.
    #[test]
    fn the_queue_agrees_with_a_sorted_set() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |below: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % below
        };
        let mut queue = EventQueue::new();
        let mut reference = std::collections::BTreeSet::new();
        let (mut now_us, mut seq, mut late_pushes) = (0u64, 0u64, 0);
        for _ in 0..200_000 {
            match next(10) {
                0..=4 => {
                    let delay_us = match next(4) {
                        0 => next(3),
                        1 => next(300),
                        2 => next(100_000),
                        _ => next(600_000_000),
                    };
                    let class = (next(8) == 0) as u8;
                    seq += 1;
                    late_pushes += usize::from(now_us + delay_us < queue.base_us);
                    queue.push(now_us + delay_us, class, seq, seq);
                    reference.insert((now_us + delay_us, class, seq));
                }
                5..=8 => {
                    let expected = reference.pop_first();
                    assert_eq!(queue.pop(), expected.map(|(at_us, _, seq)| (at_us, seq)));
                    if let Some((at_us, _, _)) = expected {
                        now_us = at_us;
                    }
                }
                _ => assert_eq!(queue.peek(), reference.first().copied()),
            }
            assert_eq!(queue.len(), reference.len());
        }
        assert!(late_pushes > 100, "the late path was taken {late_pushes} times");
    }
}
