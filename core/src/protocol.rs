//! The contract between the engine and a replication strategy.
//!
//! A strategy is a set of sans-IO state machines ([`Protocol`]). The engine feeds a node one
//! input at a time — a message, a timer, a client request, a finished disk operation, a
//! crash or restart — and the node answers by pushing [`Effect`]s into an [`Out`] buffer:
//! send this message, set that timer, write or fsync the disk, reply to a client. The
//! engine executes the effects. A node never sees another node, the network or a clock;
//! everything it knows arrives through its inputs and its [`Ctx`].
//!
//! This module must not contain any strategy: only the shared vocabulary.

use crate::rng::Stream;
pub use crate::vocabulary::{
    FailReason, Key, LwwSide, NodeId, OpId, OpKind, OpResult, Posting, Role, StateExtras, Value,
};
use serde::Serialize;

/// Most effects one input may produce; a protocol that needs more has a bug.
pub const EFFECTS_PER_INPUT_MAX: usize = 4096;

/// A client request as it reaches a node.
#[derive(Debug, Clone, Copy)]
pub struct ClientRequest {
    /// Operation id.
    pub op: OpId,
    /// Client id.
    pub client: u32,
    /// Read or write.
    pub kind: OpKind,
    /// Key.
    pub key: Key,
    /// Value to write (the op id for writes).
    pub value: Value,
    /// Second key of a two-key operation (a transfer's payee); 0 otherwise.
    pub peer_key: Key,
    /// The operation's amount: a transfer's or withdrawal's rupees, a counter's increment,
    /// an order's quantity, a restock's units, a price; 0 for registers.
    pub amount: i64,
}

/// Most postings a node keeps in its ledger (the oldest are dropped and counted).
pub const LEDGER_POSTINGS_MAX: usize = 300_000;

/// A bounded ledger of postings (the oldest dropped first, counted).
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    postings: std::collections::VecDeque<Posting>,
    dropped: u64,
}

impl Ledger {
    /// Records a change.
    pub fn post(&mut self, account: Key, op: OpId, delta: i64) {
        if self.postings.len() == LEDGER_POSTINGS_MAX {
            self.postings.pop_front();
            self.dropped += 1;
        }
        self.postings.push_back(Posting { account, op, delta });
    }

    /// The postings, oldest first, and how many were dropped.
    pub fn export(&self) -> (Vec<Posting>, u64) {
        (self.postings.iter().copied().collect(), self.dropped)
    }

    /// Postings kept.
    pub fn len(&self) -> usize {
        self.postings.len()
    }

    /// Whether none is kept.
    pub fn is_empty(&self) -> bool {
        self.postings.is_empty()
    }

    /// Postings ever made and not forgotten by [`Ledger::rewind`]: a position to rewind to.
    pub fn position(&self) -> u64 {
        self.dropped + self.postings.len() as u64
    }

    /// Forgets the postings made after `position` (a crash lost them with the changes).
    pub fn rewind(&mut self, position: u64) {
        let kept = position.saturating_sub(self.dropped) as usize;
        self.postings.truncate(kept);
    }
}

/// A node's answer to a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    /// Done. Reads carry the value read; `epoch` is the serving node's epoch or term.
    Ok {
        /// Value read (reads only).
        read_value: Option<Value>,
        /// Epoch under which the node served the operation.
        epoch: u64,
    },
    /// Refused; the operation had no effect.
    Fail(FailReason),
}

/// Kinds of message, shared by all strategies so the page has one legend and palette.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, strum::VariantArray, strum::IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum MessageKind {
    /// A client request travelling to a node.
    Request,
    /// A node's reply travelling to a client.
    Reply,
    /// Log entries shipped to a replica.
    Replicate,
    /// A replica's acknowledgement of received, flushed or applied log.
    Ack,
    /// A keep-alive carrying no new entries.
    Heartbeat,
    /// An election vote request or answer.
    Vote,
    /// A full copy of the store, for a replica too far behind.
    Snapshot,
    /// A status probe between replicas (naive failover).
    Status,
    /// Replica state exchanged by gossip / anti-entropy.
    Gossip,
    /// A stock reservation at an item's owner, or its answer.
    Reserve,
    /// Two-phase commit: prepare your part.
    Prepare,
    /// Two-phase commit: the coordinator's decision.
    Decide,
    /// A change stream or event log: a consumer's fetch, the records, an offset commit.
    Stream,
    /// A coordinator's read or write sent to a key's replicas, or a replica's answer.
    Quorum,
    /// Writes held for a node that did not answer, handed over once it does.
    Handoff,
}

impl MessageKind {
    /// Every kind, in legend order (the order of declaration).
    pub const ALL: &'static [MessageKind] = <Self as strum::VariantArray>::VARIANTS;

    /// Stable snake_case name (as serde writes it).
    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// What a strategy's message must tell the engine.
pub trait Message: Clone + std::fmt::Debug {
    /// Its kind, for counting and colour.
    fn kind(&self) -> MessageKind;
    /// Its size on the wire.
    fn size_bytes(&self) -> u32;
    /// The sender's vector clock, for strategies that keep one (drawn on hover).
    fn vector_clock(&self) -> Option<&[u64]> {
        None
    }
}

/// A finished disk operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiskDone {
    /// A write reached the OS (not yet durable); carries the caller's token.
    Written(u64),
    /// An fsync finished: everything written before it started is durable.
    Synced(u64),
}

/// One effect of handling an input.
#[derive(Debug, Clone)]
pub enum Effect<M, T> {
    /// Send a message to another node.
    Send {
        /// Receiver.
        to: NodeId,
        /// Message.
        msg: M,
    },
    /// Fire `timer` after `after_us`.
    SetTimer {
        /// Delay.
        after_us: u64,
        /// Timer payload.
        timer: T,
    },
    /// Write `bytes` to the disk; completes with [`DiskDone::Written`].
    DiskWrite {
        /// Bytes written.
        bytes: u32,
        /// Returned on completion.
        token: u64,
    },
    /// Make earlier writes durable; completes with [`DiskDone::Synced`].
    DiskSync {
        /// Returned on completion.
        token: u64,
    },
    /// Answer a client operation.
    Reply {
        /// Operation.
        op: OpId,
        /// Answer.
        reply: Reply,
        /// What it returned besides a value read, if the history needs it.
        result: Option<Box<OpResult>>,
    },
}

/// The effect buffer a node writes into.
#[derive(Debug)]
pub struct Out<M, T> {
    effects: Vec<Effect<M, T>>,
}

impl<M, T> Default for Out<M, T> {
    fn default() -> Self {
        Self { effects: Vec::new() }
    }
}

impl<M, T> Out<M, T> {
    fn push(&mut self, effect: Effect<M, T>) {
        assert!(
            self.effects.len() < EFFECTS_PER_INPUT_MAX,
            "a node produced more than {EFFECTS_PER_INPUT_MAX} effects for one input"
        );
        self.effects.push(effect);
    }

    /// Sends `msg` to `to`.
    pub fn send(&mut self, to: NodeId, msg: M) {
        self.push(Effect::Send { to, msg });
    }

    /// Sets a timer.
    pub fn set_timer(&mut self, after_us: u64, timer: T) {
        self.push(Effect::SetTimer { after_us, timer });
    }

    /// Writes to disk.
    pub fn disk_write(&mut self, bytes: u32, token: u64) {
        self.push(Effect::DiskWrite { bytes, token });
    }

    /// Syncs the disk.
    pub fn disk_sync(&mut self, token: u64) {
        self.push(Effect::DiskSync { token });
    }

    /// Replies to a client.
    pub fn reply(&mut self, op: OpId, reply: Reply) {
        self.push(Effect::Reply { op, reply, result: None });
    }

    /// Replies to a client with what the operation returned (see [`OpResult`]).
    pub fn reply_with(&mut self, op: OpId, reply: Reply, result: OpResult) {
        self.push(Effect::Reply { op, reply, result: Some(Box::new(result)) });
    }

    /// Takes the effects out, leaving the buffer empty for reuse.
    pub fn drain(&mut self) -> std::vec::Drain<'_, Effect<M, T>> {
        self.effects.drain(..)
    }
}

/// What a node may know about its surroundings while handling one input.
#[derive(Debug)]
pub struct Ctx<'a> {
    /// Simulated time at which the node handles the input.
    pub now_us: u64,
    /// The node's own id.
    pub me: NodeId,
    /// Number of nodes in the cluster.
    pub nodes: usize,
    /// The protocol's random stream (for randomised timeouts).
    pub rng: &'a mut Stream,
    /// The node's wall clock: simulated time plus its skew. Only for timestamps a
    /// strategy compares across nodes (last-writer-wins); timers use `now_us`.
    pub wall_clock_us: i64,
}

/// What a client router may know of a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteInfo {
    /// Role the node claims.
    pub role: Role,
    /// Its epoch.
    pub epoch: u64,
    /// Whether it takes client operations now (false while a new replica bootstraps or a
    /// switched-off one waits to be provisioned).
    pub serving: bool,
}

/// A node's public face: what a router, the page and the checkers may see. A strategy
/// fills what it has and takes the rest from `NodeView::default()` (a replica with nothing
/// to report).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct NodeView {
    /// Role the node believes it has.
    pub role: Role,
    /// Epoch (term) the node is in.
    pub epoch: u64,
    /// Last log position.
    pub log_end: u64,
    /// Last durable log position.
    pub flushed: u64,
    /// Last applied log position.
    pub applied: u64,
    /// Commit position (primary) or the one last heard (replica).
    pub commit: u64,
    /// Replication lag as the node itself measures it.
    pub lag_us: u64,
    /// One line on what the node is doing, for the page.
    pub status: String,
    /// The node's vector clock (empty for strategies that do not keep one).
    pub vector_clock: Vec<u64>,
    /// Concurrent writes the node has detected (multi-leader strategies; 0 otherwise).
    pub conflicts: u64,
    /// Transactions prepared here and not yet decided (two-phase commit; 0 otherwise).
    pub in_doubt: u64,
    /// Of those, the ones in doubt longer than the coordinator's vote timeout: blocked,
    /// holding their locks while they wait for a decision.
    pub blocked: u64,
    /// How long the oldest of them has been in doubt, µs (0 when none is).
    pub in_doubt_longest_us: u64,
    /// Lines on the node's internals for the page's panel (the WAL tail, the checkpoint,
    /// version chains); empty for most strategies.
    pub detail: Vec<String>,
    /// A replica slot switched off, waiting to be provisioned (auto-scaling; false for the
    /// other strategies): the page draws it dimmed and offers no crash.
    pub switched_off: bool,
    /// The quorum its last coordinated operation waited for (quorum strategies; `None`
    /// otherwise): the map labels the node with it.
    pub quorum: Option<QuorumWait>,
    /// Writes it holds for other nodes until it can hand them off (sloppy quorums; 0
    /// otherwise).
    pub hints_held: u64,
}

/// What a coordinator waited for: `needed` answers of the `asked` nodes, to a read or a
/// write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct QuorumWait {
    /// A write (otherwise a read, or a write reading its context).
    pub writing: bool,
    /// Answers it waited for.
    pub needed: u32,
    /// Nodes it asked.
    pub asked: u32,
}

/// A replication strategy's node.
pub trait Protocol: std::fmt::Debug {
    /// Messages between nodes.
    type Msg: Message;
    /// Timer payloads.
    type Timer: Clone + std::fmt::Debug;

    /// Called once at time zero.
    fn start(&mut self, ctx: &mut Ctx, out: &mut Out<Self::Msg, Self::Timer>);
    /// A message from another node.
    fn on_message(&mut self, ctx: &mut Ctx, from: NodeId, msg: Self::Msg, out: &mut Out<Self::Msg, Self::Timer>);
    /// A timer fired.
    fn on_timer(&mut self, ctx: &mut Ctx, timer: Self::Timer, out: &mut Out<Self::Msg, Self::Timer>);
    /// A client request arrived.
    fn on_client(&mut self, ctx: &mut Ctx, request: ClientRequest, out: &mut Out<Self::Msg, Self::Timer>);
    /// A disk operation finished.
    fn on_disk(&mut self, ctx: &mut Ctx, done: DiskDone, out: &mut Out<Self::Msg, Self::Timer>);
    /// Power loss: drop everything not durable.
    fn crash(&mut self);
    /// Boot after a crash: recover from what is durable.
    fn restart(&mut self, ctx: &mut Ctx, out: &mut Out<Self::Msg, Self::Timer>);
    /// CPU time the node spends handling a message of this kind (the apply capacity).
    fn cpu_cost_us(&self, kind: MessageKind) -> u64;
    /// The node's public face at `now_us`.
    fn view(&self, now_us: u64) -> NodeView;
    /// The little a client router sees (cheap: called per operation).
    fn route_info(&self) -> RouteInfo;
    /// Replication lag as the node measures it, or `None` if it is not a replica.
    fn lag_us(&self, now_us: u64) -> Option<u64>;
    /// The node's applied store (durable state), for the final state and the page.
    fn store(&self) -> &std::collections::BTreeMap<Key, Value>;
    /// What the node says of itself beyond its view, for the run report and the page: one
    /// typed record per strategy that keeps one (conflicts resolved, transactions in doubt,
    /// committed transactions, what a consumer applied, what the auto-scaler did); `None`
    /// for most. No checker reaches a verdict from it (see [`crate::self_report`]).
    fn self_report(&self, _now_us: u64) -> Option<crate::self_report::SelfReport> {
        None
    }
    /// How many concurrent writes the node has detected (cheap: sampled for the charts).
    fn conflicts_detected(&self) -> u64 {
        0
    }
    /// What the node's state holds beyond its store: version stamps, account statements,
    /// changes held in doubt (see [`StateExtras`]). Empty for most strategies.
    fn state_extras(&self) -> StateExtras {
        StateExtras::default()
    }
}
