//! The history of client operations: what every client asked, when, where, and what it got.
//!
//! Checkers read only this and the final state. The history is capped: past
//! [`History::capacity`] operations the oldest completed ones are dropped and counted, so a
//! long run in a browser tab keeps a bounded heap.

use crate::geo::CityId;
use crate::protocol::{FailReason, Key, NodeId, OpId, OpKind, OpResult, Role, Value};
use serde::Serialize;
use std::collections::VecDeque;

/// Default cap on recorded operations.
pub const HISTORY_OPS_MAX_DEFAULT: usize = 2_000_000;

/// How an operation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Still in flight.
    Pending,
    /// Acknowledged.
    Ok,
    /// Refused: it had no effect.
    Fail,
    /// The client gave up waiting: it may or may not have taken effect.
    Unknown,
}

impl Outcome {
    /// Its name in trace files.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Pending => "pending",
            Outcome::Ok => "ok",
            Outcome::Fail => "fail",
            Outcome::Unknown => "unknown",
        }
    }
}

/// One client operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// Operation id.
    pub id: OpId,
    /// Client id.
    pub client: u32,
    /// Client's city.
    pub city: CityId,
    /// Node the client sent it to, if any.
    pub node: Option<NodeId>,
    /// Read or write.
    pub kind: OpKind,
    /// Key.
    pub key: Key,
    /// Value written (writes).
    pub value: Value,
    /// Second key of a two-key operation (a transfer's payee); 0 otherwise.
    pub peer_key: Key,
    /// Its amount (see [`crate::protocol::ClientRequest::amount`]).
    pub amount: i64,
    /// What it returned besides a value read (see [`OpResult`]).
    pub result: Option<Box<OpResult>>,
    /// Value read (successful reads).
    pub read_value: Option<Value>,
    /// When the client sent it.
    pub invoke_us: u64,
    /// When the client got the answer (or gave up).
    pub complete_us: Option<u64>,
    /// Outcome.
    pub outcome: Outcome,
    /// Epoch of the node that served it (successful operations).
    pub epoch: Option<u64>,
    /// When the node acknowledged it, in the node's time (successful operations).
    pub acked_us: Option<u64>,
    /// Why it failed.
    pub fail_reason: Option<FailReason>,
    /// The role the answering node claimed when it answered (successful operations): what
    /// the node said of itself, kept for statistics (a deposed primary answering), never
    /// for a checker's verdict.
    pub served_role: Option<Role>,
}

/// The recorded operations.
#[derive(Debug, Clone)]
pub struct History {
    ops: VecDeque<Operation>,
    first_id: OpId,
    capacity: usize,
    dropped: u64,
}

impl History {
    /// An empty history holding at most `capacity` operations.
    pub fn new(capacity: usize) -> Self {
        Self { ops: VecDeque::new(), first_id: 1, capacity: capacity.max(1), dropped: 0 }
    }

    /// The cap.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Operations dropped to respect the cap.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Records a new operation; ids must be consecutive.
    pub fn push(&mut self, op: Operation) {
        assert_eq!(op.id, self.first_id + self.ops.len() as u64, "operation ids must be consecutive");
        if self.ops.len() == self.capacity {
            self.ops.pop_front();
            self.first_id += 1;
            self.dropped += 1;
        }
        self.ops.push_back(op);
    }

    /// The operation with this id, if still recorded.
    pub fn get(&self, id: OpId) -> Option<&Operation> {
        id.checked_sub(self.first_id).and_then(|index| self.ops.get(index as usize))
    }

    /// Mutable access to a recorded operation.
    pub fn get_mut(&mut self, id: OpId) -> Option<&mut Operation> {
        id.checked_sub(self.first_id).and_then(|index| self.ops.get_mut(index as usize))
    }

    /// All recorded operations, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &Operation> {
        self.ops.iter()
    }

    /// Number of recorded operations.
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    /// Whether nothing is recorded.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }
}
