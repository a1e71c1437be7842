//! Leaderless replication, Dynamo-style: no node leads; any node coordinates the requests
//! of the clients nearest it.
//!
//! Every key lives on the `n` nodes that follow its position on a ring ([`Ring`]: its
//! preference list). A coordinator sends a write to those `n` and answers the client once
//! `w` have stored it; it sends a read to them and answers once `r` have answered, with the
//! newest of what they hold. When `r + w > n`, every read quorum overlaps every write
//! quorum — which is still not linearizability: a read can see a write in flight that a
//! later read misses, and faults do the rest.
//!
//! What the knobs switch:
//! - `sloppy`: a preference node that does not answer in time is replaced by the next
//!   healthy node on the ring, which stores the write with a *hint* naming the node it was
//!   meant for and hands it off once that node answers again (hinted handoff). Writes stay
//!   available through a partition; the quorum is no longer a quorum of the key's replicas,
//!   so reads miss writes until the hints are handed off.
//! - `read_repair`: once a read's answers are in, replicas that answered with older versions
//!   are sent the newest.
//! - `versions`: version vectors keep concurrent writes as siblings for a later write (which
//!   reads its context first) to supersede; last writer wins keeps the highest wall-clock
//!   stamp and silently discards the rest — with skewed clocks, writes acknowledged later.
//!
//! Anti-entropy repairs what the other two miss: every interval a node compares, with the
//! next peer in turn, a Merkle tree ([`crate::merkle`]) of each key range they share, and
//! exchanges only the keys under leaves that differ. Merges are idempotent and commutative,
//! so once the network heals and quiet returns, every key's replicas hold the same versions.

mod anti_entropy;
mod coordinator;
mod versions;

use crate::protocol::{
    ClientRequest, Ctx, DiskDone, Key, Message, MessageKind, NodeId, NodeView, OpId, Out, Protocol, Role, RouteInfo,
    Value,
};
use crate::vocabulary::{Ring, StateExtras};
use coordinator::{Coordinated, Pending};
use std::collections::BTreeMap;
pub use versions::{Merged, Siblings, Version, Versioning, SIBLINGS_MAX};

/// Most client operations one node coordinates at once; more are refused as overloaded.
pub const PENDING_MAX: usize = 4_096;
/// Most hinted versions one node holds; beyond it, writes meant for others are refused.
pub const HINTS_MAX: usize = 20_000;
/// Most keys in one handoff or anti-entropy message: enough for a whole key range of the
/// largest catalogue (5,000 trains over six ranges), so one exchange repairs a range.
pub const ENTRIES_PER_MESSAGE_MAX: usize = 2_048;
/// Coordinated operations a node's panel recalls.
pub const RECENT_MAX: usize = 3;
/// Most nodes on a ring (a node's index fits the low bits of a hint's slot).
pub const NODES_MAX: usize = 1 << 16;

/// Where the hint for `node` of `key` is kept: both packed in one `u64`.
fn hint_slot(key: Key, node: NodeId) -> u64 {
    debug_assert!(node.index() < NODES_MAX);
    (u64::from(key) << 16) | u64::from(node)
}

/// The key and node of a hint's slot.
fn hint_parts(slot: u64) -> (Key, NodeId) {
    ((slot >> 16) as Key, NodeId::new((slot & 0xFFFF) as usize))
}

/// Settings of the strategy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuorumConfig {
    /// Where keys live: `ring.replicas` is `n`.
    pub ring: Ring,
    /// Answers a read waits for (`r`, at most `n`).
    pub read_quorum: usize,
    /// Acknowledgements a write waits for (`w`, at most `n`).
    pub write_quorum: usize,
    /// Sloppy quorum with hinted handoff.
    pub sloppy: bool,
    /// Repair replicas that answered a read with older versions.
    pub read_repair: bool,
    /// How concurrent writes are told apart.
    pub versioning: Versioning,
    /// How long a coordinator waits for a node before suspecting it (and, sloppy, trying
    /// the next one on the ring).
    pub answer_timeout_us: u64,
    /// How long a coordinator tries before giving up on an operation.
    pub request_timeout_us: u64,
    /// Interval between anti-entropy rounds.
    pub anti_entropy_interval_us: u64,
    /// Interval between attempts to hand hints off.
    pub handoff_interval_us: u64,
    /// CPU cost of one client request.
    pub request_cpu_us: u64,
}

impl Default for QuorumConfig {
    fn default() -> Self {
        Self {
            ring: Ring { nodes: 6, replicas: 3 },
            read_quorum: 1,
            write_quorum: 1,
            sloppy: true,
            read_repair: true,
            versioning: Versioning::LastWriterWins,
            answer_timeout_us: 150_000,
            request_timeout_us: 1_500_000,
            anti_entropy_interval_us: 1_000_000,
            handoff_interval_us: 500_000,
            request_cpu_us: 30,
        }
    }
}

impl QuorumConfig {
    /// `n`: copies of every key.
    pub fn replicas(&self) -> usize {
        self.ring.replicas.min(self.ring.nodes) as usize
    }
}

/// Messages between nodes.
#[derive(Debug, Clone)]
pub enum Msg {
    /// A coordinator asks a replica for its versions of a key.
    Read {
        /// The client operation.
        op: OpId,
        /// The key.
        key: Key,
    },
    /// A replica's versions of the key (its own and any it holds as hints).
    ReadAnswer {
        /// The client operation.
        op: OpId,
        /// What it holds.
        held: Siblings,
    },
    /// A coordinator asks a node to store a version.
    Write {
        /// The client operation.
        op: OpId,
        /// The key.
        key: Key,
        /// The version.
        version: Version,
        /// Sloppy quorum: the preference node it is stored for, to hand off later.
        hint_for: Option<NodeId>,
    },
    /// The node stored it.
    WriteAck {
        /// The client operation.
        op: OpId,
    },
    /// Read repair: the newest versions of a key a read found.
    Repair {
        /// The key.
        key: Key,
        /// The versions.
        held: Siblings,
    },
    /// Hinted handoff: versions stored for the receiver while it did not answer.
    Handoff {
        /// Per key, the versions.
        entries: Vec<(Key, Siblings)>,
    },
    /// The receiver stored them: per key, the digest of what it was handed.
    HandoffAck {
        /// Per key, the digest of the versions handed off.
        keys: Vec<(Key, u64)>,
    },
    /// Anti-entropy: hashes of one level of a key range's Merkle tree.
    Tree {
        /// The range: the ring position its keys hash to.
        range: usize,
        /// Level (0: the root).
        level: usize,
        /// `(index, hash)` of the nodes compared.
        hashes: Vec<(usize, u64)>,
    },
    /// Anti-entropy: the keys under leaves that differ.
    Leaves {
        /// The range.
        range: usize,
        /// The leaves.
        leaves: Vec<usize>,
        /// Per key under them, the sender's versions.
        entries: Vec<(Key, Siblings)>,
        /// The receiver answers with its own entries under the same leaves.
        wants_reply: bool,
    },
}

impl Message for Msg {
    fn kind(&self) -> MessageKind {
        match self {
            Msg::Read { .. } | Msg::ReadAnswer { .. } | Msg::Write { .. } | Msg::WriteAck { .. } => MessageKind::Quorum,
            Msg::Repair { .. } => MessageKind::Replicate,
            Msg::Handoff { .. } | Msg::HandoffAck { .. } => MessageKind::Handoff,
            Msg::Tree { .. } | Msg::Leaves { .. } => MessageKind::Gossip,
        }
    }

    fn size_bytes(&self) -> u32 {
        let held = |held: &Siblings| held.versions().iter().map(|v| 24 + 8 * v.clock.len() as u32).sum::<u32>();
        match self {
            Msg::Read { .. } | Msg::WriteAck { .. } => 48,
            Msg::ReadAnswer { held: versions, .. } | Msg::Repair { held: versions, .. } => 48 + held(versions),
            Msg::Write { version, .. } => 72 + 8 * version.clock.len() as u32,
            Msg::Handoff { entries } | Msg::Leaves { entries, .. } => {
                64 + entries.iter().map(|(_, versions)| 8 + held(versions)).sum::<u32>()
            }
            Msg::HandoffAck { keys } => 32 + 12 * keys.len() as u32,
            Msg::Tree { hashes, .. } => 48 + 16 * hashes.len() as u32,
        }
    }

    fn vector_clock(&self) -> Option<&[u64]> {
        match self {
            Msg::Write { version, .. } if !version.clock.is_empty() => Some(&version.clock),
            _ => None,
        }
    }
}

/// Timers.
#[derive(Debug, Clone)]
pub enum Timer {
    /// A coordinated operation's wait for answers ran out (for the phase numbered).
    Answers {
        /// The operation.
        op: OpId,
        /// Its phase when the timer was set.
        phase: u32,
    },
    /// Time to hand hints off.
    Handoff,
    /// Time for an anti-entropy round.
    AntiEntropy,
}

/// What a node counts of its own work, for its panel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Operations it coordinated.
    pub coordinated: u64,
    /// Versions it sent by read repair.
    pub repairs_sent: u64,
    /// Writes it stored as hints for another node.
    pub hints_stored: u64,
    /// Hinted keys it handed off and saw acknowledged.
    pub hints_handed_off: u64,
    /// Keys anti-entropy sent it that changed what it held.
    pub keys_repaired_by_anti_entropy: u64,
    /// Versions pruned beyond the sibling bound.
    pub siblings_pruned: u64,
}

/// One node: a replica of the keys whose preference list names it, a holder of hints for
/// others, and the coordinator of its clients' operations.
#[derive(Debug, Clone)]
pub struct QuorumNode {
    config: QuorumConfig,
    /// Names of every node (for the panel).
    names: Vec<String>,
    /// The versions of each key it stores. (Boxed values under `u64` keys, here and below:
    /// one B-tree instantiation shared with the rest of the crate, see `compact.rs`.)
    data: BTreeMap<u64, Box<Siblings>>,
    /// The value each key shows (kept with `data`).
    store: BTreeMap<Key, Value>,
    /// Versions held for another node, under [`hint_slot`]`(key, the node)`.
    hints: BTreeMap<u64, Box<Siblings>>,
    /// Operations it coordinates.
    pending: BTreeMap<OpId, Box<Pending>>,
    /// Per node, whether it did not answer in time and has not been heard from since.
    suspected: Vec<bool>,
    /// Writes it has coordinated under version vectors (its entry in them).
    dots: u64,
    /// Next peer anti-entropy compares with.
    peer_turn: usize,
    counters: Counters,
    /// The last operations it coordinated, newest first.
    recent: Vec<Coordinated>,
}

impl QuorumNode {
    /// A node of a cluster whose nodes have these names.
    pub fn new(config: QuorumConfig, names: Vec<String>) -> Self {
        assert_eq!(names.len(), config.ring.nodes as usize, "one name per node on the ring");
        assert!(names.len() <= NODES_MAX, "at most {NODES_MAX} nodes");
        assert!(config.read_quorum >= 1 && config.write_quorum >= 1, "quorums of at least one");
        Self {
            config,
            names,
            data: BTreeMap::new(),
            store: BTreeMap::new(),
            hints: BTreeMap::new(),
            pending: BTreeMap::new(),
            suspected: vec![false; config.ring.nodes as usize],
            dots: 0,
            peer_turn: 0,
            counters: Counters::default(),
            recent: Vec::new(),
        }
    }

    fn name(&self, node: NodeId) -> &str {
        self.names.get(node.index()).map_or("?", String::as_str)
    }

    /// Merges versions into what it stores of `key`.
    fn store_versions(&mut self, key: Key, held: &Siblings) -> Merged {
        if held.is_empty() {
            return Merged::default();
        }
        let stored = self.data.entry(u64::from(key)).or_default();
        let merged = stored.merge(held, self.config.versioning);
        let shown = stored.shown();
        self.counters.siblings_pruned += merged.pruned;
        if merged.changed {
            self.store.insert(key, shown);
        }
        merged
    }

    /// What it holds of `key`: its own versions and any it holds as hints.
    fn held(&self, key: Key) -> Siblings {
        let mut held = self.data.get(&u64::from(key)).map(|held| (**held).clone()).unwrap_or_default();
        for (_, versions) in
            self.hints.range(hint_slot(key, NodeId::new(0))..=hint_slot(key, NodeId::new(NODES_MAX - 1)))
        {
            held.merge(versions, self.config.versioning);
        }
        held
    }

    /// Stores a version for itself, or as a hint for `hint_for`; whether it was taken.
    fn take_write(&mut self, me: NodeId, key: Key, version: Version, hint_for: Option<NodeId>) -> bool {
        match hint_for.filter(|intended| *intended != me) {
            None => {
                self.store_versions(key, &Siblings::default().with(version, self.config.versioning));
                true
            }
            Some(intended) => {
                if self.hints.len() >= HINTS_MAX && !self.hints.contains_key(&hint_slot(key, intended)) {
                    return false;
                }
                let slot = self.hints.entry(hint_slot(key, intended)).or_default();
                let merged = slot.insert(version, self.config.versioning);
                self.counters.siblings_pruned += merged.pruned;
                self.counters.hints_stored += 1;
                true
            }
        }
    }

    fn on_replica_message(&mut self, ctx: &mut Ctx, from: NodeId, msg: Msg, out: &mut Out<Msg, Timer>) {
        match msg {
            Msg::Read { op, key } => out.send(from, Msg::ReadAnswer { op, held: self.held(key) }),
            Msg::Write { op, key, version, hint_for } => {
                if self.take_write(ctx.me, key, version, hint_for) {
                    out.send(from, Msg::WriteAck { op });
                }
            }
            Msg::Repair { key, held } => {
                if self.config.ring.stores(key, ctx.me.index()) {
                    self.store_versions(key, &held);
                }
            }
            Msg::Handoff { entries } => {
                let keys = entries
                    .iter()
                    .map(|(key, held)| {
                        self.store_versions(*key, held);
                        (*key, held.digest())
                    })
                    .collect();
                out.send(from, Msg::HandoffAck { keys });
            }
            Msg::HandoffAck { keys } => self.on_handoff_ack(from, keys),
            Msg::Tree { range, level, hashes } => self.on_tree(ctx, from, range, level, hashes, out),
            Msg::Leaves { range, leaves, entries, wants_reply } => {
                self.on_leaves(ctx, from, range, leaves, entries, wants_reply, out)
            }
            Msg::ReadAnswer { .. } | Msg::WriteAck { .. } => unreachable!("answers go to the coordinator"),
        }
    }

    fn status(&self) -> String {
        let mut hinted_for = vec![false; self.names.len()];
        for slot in self.hints.keys() {
            hinted_for[hint_parts(*slot).1] = true;
        }
        let sibling_keys = self.data.values().filter(|held| held.versions().len() > 1).count();
        let mut status = format!(
            "replica of {} keys · coordinating {} · n={} r={} w={}",
            self.data.len(),
            self.pending.len(),
            self.config.replicas(),
            self.config.read_quorum,
            self.config.write_quorum
        );
        if !self.hints.is_empty() {
            let names: Vec<&str> = (0..hinted_for.len())
                .filter(|node| hinted_for[*node])
                .map(|node| self.name(NodeId::new(node)))
                .collect();
            status.push_str(&format!(" · {} hints for {}", self.hints.len(), names.join(", ")));
        }
        if sibling_keys > 0 {
            status.push_str(&format!(" · siblings on {sibling_keys} keys"));
        }
        status
    }
}

impl Siblings {
    /// These versions with one more.
    fn with(mut self, version: Version, versioning: Versioning) -> Self {
        self.insert(version, versioning);
        self
    }
}

impl Protocol for QuorumNode {
    type Msg = Msg;
    type Timer = Timer;

    fn start(&mut self, ctx: &mut Ctx, out: &mut Out<Msg, Timer>) {
        self.arm_background_timers(ctx, out);
    }

    fn on_message(&mut self, ctx: &mut Ctx, from: NodeId, msg: Msg, out: &mut Out<Msg, Timer>) {
        if let Some(suspected) = self.suspected.get_mut(from.index()) {
            *suspected = false;
        }
        match msg {
            Msg::ReadAnswer { op, held } => self.on_read_answer(ctx, from, op, held, out),
            Msg::WriteAck { op } => self.on_write_ack(ctx, from, op, out),
            other => self.on_replica_message(ctx, from, other, out),
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx, timer: Timer, out: &mut Out<Msg, Timer>) {
        match timer {
            Timer::Answers { op, phase } => self.on_answers_timeout(ctx, op, phase, out),
            Timer::Handoff => {
                self.hand_off(ctx, out);
                out.set_timer(self.config.handoff_interval_us, Timer::Handoff);
            }
            Timer::AntiEntropy => {
                self.anti_entropy_round(ctx, out);
                out.set_timer(self.config.anti_entropy_interval_us, Timer::AntiEntropy);
            }
        }
    }

    fn on_client(&mut self, ctx: &mut Ctx, request: ClientRequest, out: &mut Out<Msg, Timer>) {
        self.coordinate(ctx, request, out);
    }

    fn on_disk(&mut self, _ctx: &mut Ctx, _done: DiskDone, _out: &mut Out<Msg, Timer>) {}

    fn crash(&mut self) {
        // Versions and hints are written before they are acknowledged; what a crash loses is
        // the operations being coordinated (their clients time out) and what it suspected.
        self.pending.clear();
        self.suspected.fill(false);
    }

    fn restart(&mut self, ctx: &mut Ctx, out: &mut Out<Msg, Timer>) {
        self.arm_background_timers(ctx, out);
    }

    fn cpu_cost_us(&self, kind: MessageKind) -> u64 {
        match kind {
            MessageKind::Request => self.config.request_cpu_us,
            MessageKind::Gossip | MessageKind::Handoff => 60,
            _ => 20,
        }
    }

    fn view(&self, _now_us: u64) -> NodeView {
        NodeView {
            role: Role::Replica,
            status: self.status(),
            detail: self
                .recent
                .iter()
                .map(|record| record.line(|node| self.name(node).to_string(), self.config.replicas()))
                .collect(),
            quorum: self.recent.first().map(Coordinated::quorum),
            hints_held: self.hints.len() as u64,
            ..NodeView::default()
        }
    }

    fn route_info(&self) -> RouteInfo {
        RouteInfo { role: Role::Replica, epoch: 0, serving: true }
    }

    fn lag_us(&self, _now_us: u64) -> Option<u64> {
        None
    }

    fn store(&self) -> &BTreeMap<Key, Value> {
        &self.store
    }

    fn state_extras(&self) -> StateExtras {
        // Built by insertion: a `collect()` into a B-tree instantiates a sort (see compact.rs).
        let siblings = crate::compact::map_from(
            self.data
                .iter()
                .filter(|(_, held)| held.versions().len() > 1)
                .map(|(key, held)| (*key as Key, held.values())),
        );
        StateExtras { siblings, ..StateExtras::default() }
    }
}

impl QuorumNode {
    fn arm_background_timers(&mut self, ctx: &mut Ctx, out: &mut Out<Msg, Timer>) {
        out.set_timer(1 + ctx.rng.below(self.config.handoff_interval_us), Timer::Handoff);
        out.set_timer(1 + ctx.rng.below(self.config.anti_entropy_interval_us), Timer::AntiEntropy);
    }

    /// What it counts of its own work.
    pub fn counters(&self) -> Counters {
        self.counters
    }

    /// Versions it holds as hints for other nodes.
    pub fn hints_held(&self) -> usize {
        self.hints.len()
    }
}
