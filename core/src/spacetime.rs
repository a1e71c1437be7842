//! The space-time (Lamport) diagram's record: the latest events of every node with the
//! vector clock each event had, and which send each receive matches.
//!
//! The recorder keeps its own vector clocks over the simulation's processes, apart from any
//! clock a strategy keeps: every event ticks its node's entry; a message carries the
//! sender's clock (held here, keyed by the send, while the message flies); a receive takes
//! the entry-wise maximum with it, then ticks. So `e` happened before `f` exactly when
//! `clock(e) ≤ clock(f)` entry-wise and they differ ([`Recorder::happened_before`]).
//!
//! It only observes: it draws no random numbers, folds nothing into the trace digest and
//! changes nothing the strategies see, so a run is the same with it on or off. It is off
//! unless asked for (the page asks; the command line does not), and both its event list and
//! its table of messages in flight are bounded.

use crate::protocol::MessageKind;
use crate::protocol::NodeId;
use std::collections::{BTreeMap, VecDeque};

/// Events kept (the diagram draws the latest of them).
pub const EVENTS_KEPT: usize = 240;
/// Clocks of messages in flight kept at most (a send beyond it is drawn without its receive).
pub const IN_FLIGHT_KEPT: usize = 20_000;

/// What happened at one point of a node's line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SpaceTimeKind {
    /// The node sent a message.
    Send {
        /// Receiver.
        to: NodeId,
        /// What kind of message.
        message: MessageKind,
        /// Whether the network lost it (cut link, random loss).
        lost: bool,
    },
    /// The node received a message.
    Receive {
        /// Sender.
        from: NodeId,
        /// The matching send event's id (0 if it was sent before recording began).
        send: u64,
        /// What kind of message.
        message: MessageKind,
        /// Whether the node was down, so the message was dropped on arrival.
        dropped: bool,
    },
    /// A client's operation reached the node.
    Request {
        /// Operation id.
        op: u64,
    },
    /// The node answered an operation.
    Reply {
        /// Operation id.
        op: u64,
        /// Whether the answer was success.
        ok: bool,
    },
    /// The node crashed.
    Crash,
    /// The node restarted.
    Restart,
}

/// One point on a node's line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SpaceTimeEvent {
    /// Unique, increasing from 1.
    pub id: u64,
    /// Whose line.
    pub node: NodeId,
    /// When.
    pub t_us: u64,
    /// What.
    pub kind: SpaceTimeKind,
    /// The node's vector clock just after the event (one entry per node).
    pub clock: Vec<u32>,
}

/// The recorder.
#[derive(Debug, Clone)]
pub struct Recorder {
    clocks: Vec<Vec<u32>>,
    events: VecDeque<SpaceTimeEvent>,
    /// Send id → the slot of `carried` holding the sender's clock at the send (a map of
    /// `u64`s, the crate's most shared B-tree, so the wasm grows no new instantiation).
    in_flight: BTreeMap<u64, u64>,
    /// Clocks of messages in flight; a slot is reused once its message is received, so
    /// a steady run allocates nothing per message.
    carried: Vec<Vec<u32>>,
    /// Slots of `carried` free for the next send.
    free_slots: Vec<usize>,
    next_id: u64,
}

impl Recorder {
    /// A recorder for `nodes` processes, every clock at zero.
    pub fn new(nodes: usize) -> Self {
        Self {
            clocks: vec![vec![0; nodes]; nodes],
            events: VecDeque::new(),
            in_flight: BTreeMap::new(),
            carried: Vec::new(),
            free_slots: Vec::new(),
            next_id: 1,
        }
    }

    /// The kept events, oldest first.
    pub fn events(&self) -> impl DoubleEndedIterator<Item = &SpaceTimeEvent> + ExactSizeIterator {
        self.events.iter()
    }

    /// A node's clock now.
    pub fn clock(&self, node: NodeId) -> &[u32] {
        &self.clocks[node]
    }

    /// Whether an event with clock `a` happened before one with clock `b`.
    pub fn happened_before(a: &[u32], b: &[u32]) -> bool {
        a.len() == b.len() && a != b && a.iter().zip(b).all(|(x, y)| x <= y)
    }

    fn record(&mut self, node: NodeId, t_us: u64, kind: SpaceTimeKind) -> u64 {
        let clock = &mut self.clocks[node];
        clock[node] = clock[node].saturating_add(1);
        let id = self.next_id;
        self.next_id += 1;
        // The oldest event's clock buffer is reused for the newest.
        let mut kept = match self.events.len() {
            EVENTS_KEPT => self.events.pop_front().map(|oldest| oldest.clock).unwrap_or_default(),
            _ => Vec::new(),
        };
        kept.clone_from(clock);
        self.events.push_back(SpaceTimeEvent { id, node, t_us, kind, clock: kept });
        id
    }

    /// A send; returns its id, which the message carries to [`Self::on_receive`].
    #[inline(never)]
    pub fn on_send(&mut self, from: NodeId, to: NodeId, t_us: u64, message: MessageKind, lost: bool) -> u64 {
        let id = self.record(from, t_us, SpaceTimeKind::Send { to, message, lost });
        if !lost && self.in_flight.len() < IN_FLIGHT_KEPT {
            let slot = self.free_slots.pop().unwrap_or_else(|| {
                self.carried.push(Vec::new());
                self.carried.len() - 1
            });
            assert!(self.carried.len() <= IN_FLIGHT_KEPT, "a slot per message kept in flight");
            self.carried[slot].clone_from(&self.clocks[from]);
            self.in_flight.insert(id, slot as u64);
        }
        id
    }

    /// A receive of the message sent as `send` (0: unknown); merges the sender's clock.
    #[inline(never)]
    pub fn on_receive(&mut self, from: NodeId, to: NodeId, t_us: u64, send: u64, message: MessageKind, dropped: bool) {
        if let Some(slot) = self.in_flight.remove(&send).map(|slot| slot as usize) {
            if !dropped {
                for (mine, theirs) in self.clocks[to].iter_mut().zip(&self.carried[slot]) {
                    *mine = (*mine).max(*theirs);
                }
            }
            self.free_slots.push(slot);
        }
        self.record(to, t_us, SpaceTimeKind::Receive { from, send, message, dropped });
    }

    /// Any other event of a node.
    #[inline(never)]
    pub fn on_local(&mut self, node: NodeId, t_us: u64, kind: SpaceTimeKind) {
        self.record(node, t_us, kind);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_receive_follows_its_send_and_concurrent_events_are_unordered() {
        let mut recorder = Recorder::new(3);
        let send = recorder.on_send(NodeId::new(0), NodeId::new(1), 10, MessageKind::Replicate, false);
        recorder.on_local(NodeId::new(2), 11, SpaceTimeKind::Crash);
        recorder.on_receive(NodeId::new(0), NodeId::new(1), 20, send, MessageKind::Replicate, false);
        let events: Vec<&SpaceTimeEvent> = recorder.events().collect();
        assert_eq!(events[0].clock, vec![1, 0, 0]);
        assert_eq!(events[2].clock, vec![1, 1, 0]);
        assert!(Recorder::happened_before(&events[0].clock, &events[2].clock));
        assert!(!Recorder::happened_before(&events[1].clock, &events[2].clock));
        assert!(!Recorder::happened_before(&events[2].clock, &events[1].clock));
    }

    #[test]
    fn a_message_dropped_on_arrival_carries_nothing_and_the_lists_stay_bounded() {
        let mut recorder = Recorder::new(2);
        let send = recorder.on_send(NodeId::new(0), NodeId::new(1), 1, MessageKind::Replicate, false);
        recorder.on_receive(NodeId::new(0), NodeId::new(1), 2, send, MessageKind::Replicate, true);
        assert_eq!(recorder.clock(NodeId::new(1)), &[0, 1]);
        for t in 0..(EVENTS_KEPT as u64 * 2) {
            recorder.on_send(NodeId::new(0), NodeId::new(1), t, MessageKind::Replicate, false);
        }
        assert_eq!(recorder.events().len(), EVENTS_KEPT);
        assert!(recorder.in_flight.len() <= IN_FLIGHT_KEPT);
    }
}
