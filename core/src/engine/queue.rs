//! The event queue: earliest first, ordered by `(time, class, sequence)`.
//!
//! A binary heap of small keys over a slab of events: a push or pop moves 24-byte keys up
//! and down the heap, never the events themselves (an event is several times larger, and a
//! heap moves its elements at every level). The order is the keys' alone, and sequence
//! numbers are unique, so it is the order a heap of whole events gives — the golden digests
//! do not see the difference.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Where an event waits, and when it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Key {
    at_us: u64,
    /// `class << 63 | seq`: the class decides at equal times, then the sequence.
    order: u64,
    slot: u32,
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: BinaryHeap is a max-heap and we want the earliest first.
        (other.at_us, other.order).cmp(&(self.at_us, self.order))
    }
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Largest sequence number a key can hold (its top bit is the class).
const SEQ_MAX: u64 = (1 << 63) - 1;

/// Events by `(at_us, class, seq)`, earliest first.
#[derive(Debug, Clone)]
pub(super) struct EventQueue<E> {
    heap: BinaryHeap<Key>,
    /// Every event waiting, by slot; `None` where a slot is free.
    slots: Vec<Option<E>>,
    /// Free slots, reused before the slab grows.
    free: Vec<u32>,
}

impl<E> EventQueue<E> {
    pub(super) fn new() -> Self {
        Self { heap: BinaryHeap::new(), slots: Vec::new(), free: Vec::new() }
    }

    /// Events waiting.
    pub(super) fn len(&self) -> usize {
        self.heap.len()
    }

    /// Adds `event` at `at_us`; `class` (0 or 1) orders it among events at the same time,
    /// then `seq`, which must be unique.
    pub(super) fn push(&mut self, at_us: u64, class: u8, seq: u64, event: E) {
        assert!(class <= 1 && seq <= SEQ_MAX, "class {class} and sequence {seq} fit a key");
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = Some(event);
                slot
            }
            None => {
                let slot = u32::try_from(self.slots.len()).expect("fewer than 2^32 events wait");
                self.slots.push(Some(event));
                slot
            }
        };
        self.heap.push(Key { at_us, order: u64::from(class) << 63 | seq, slot });
    }

    /// The earliest event's `(at_us, class, seq)`.
    pub(super) fn peek(&self) -> Option<(u64, u8, u64)> {
        self.heap.peek().map(|key| (key.at_us, (key.order >> 63) as u8, key.order & SEQ_MAX))
    }

    /// Takes the earliest event, with its time.
    pub(super) fn pop(&mut self) -> Option<(u64, E)> {
        let key = self.heap.pop()?;
        let event = self.slots[key.slot as usize].take().expect("a key's slot holds its event");
        self.free.push(key.slot);
        Some((key.at_us, event))
    }

    /// Every waiting event with its time, in no particular order.
    pub(super) fn iter(&self) -> impl Iterator<Item = (u64, &E)> {
        self.heap.iter().filter_map(|key| self.slots[key.slot as usize].as_ref().map(|event| (key.at_us, event)))
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
}
