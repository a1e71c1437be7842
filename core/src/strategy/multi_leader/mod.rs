//! `upi`: multi-leader replication of bank accounts, with conflicts found by version vectors.
//!
//! Every leader takes UPI transfers and balance reads from the clients nearest to it and
//! answers at once; it ships its own writes to every other leader asynchronously (all-to-all,
//! in order, acknowledged, resent after a silence). Nothing waits for another city.
//!
//! **Detection.** Each account carries a version vector: entry `n` counts the writes from
//! leader `n` that touched the account. A write records the vector its leader had seen
//! (its *context*) and its own *dot* `(leader, counter)`. A write is concurrent with an
//! account's version exactly when the version holds a dot its context does not cover —
//! never judged by wall clocks.
//!
//! **Order.** Every leader keeps its writes in one order: by Lamport timestamp, then leader
//! (Bayou's tentative writes). A write that arrives late is slotted into place: the writes
//! after it are undone and redone, so every leader applies the same writes in the same order
//! and — whatever the policy — ends in the same state. A write is *stable* once every leader
//! has promised never to send anything earlier; stable writes are folded away and their
//! verdicts counted, which keeps the log bounded by the replication delay.
//!
//! **Resolution**, the `policy` knob:
//! - [`ConflictPolicy::Lww`]: each write stores the balance its leader computed, stamped by
//!   that leader's wall clock; the highest stamp wins, concurrent or not. Concurrent writes
//!   lose effects, and with a skewed clock a write that really came later loses to an earlier
//!   one. Money is not conserved.
//! - [`ConflictPolicy::Siblings`]: writes merge as amounts (no effect is lost) and concurrent
//!   versions stay side by side until a balance read resolves them. Nobody checks the merged
//!   balance: two concurrent debits can overdraw an account.
//! - [`ConflictPolicy::BusinessRule`]: writes merge as amounts, and a debit that would take
//!   the merged balance below zero is bounced — the whole transfer, both sides — into a
//!   reconciliation queue, named by operation id. Balances never go negative and money is
//!   conserved; the price is an acknowledged transfer that operations staff must reverse.
//!
//! This module must not look at the engine: it sees only its inputs.

mod resolution;

use crate::clock::{covers, VectorClock};
use crate::protocol::{
    ClientRequest, Ctx, DiskDone, FailReason, Key, LwwSide, Message, MessageKind, NodeId, NodeView, OpId, OpKind,
    OpResult, Out, Protocol, Reply, Role, RouteInfo, StateExtras, Value,
};
use crate::self_report::{ConflictLog, Discard, CONFLICT_RECORDS_MAX};
use crate::vocabulary::Choice;
use resolution::{apply, conflict_pair, count_verdict, undo};
use std::collections::{BTreeMap, VecDeque};

/// Most leaders a cluster may have (the width of a version vector).
pub const LEADERS_MAX: usize = 5;
/// A version vector: writes seen per leader.
pub type VersionVector = [u64; LEADERS_MAX];

/// How concurrent writes to an account are resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::VariantNames, strum::EnumString, strum::IntoStaticStr)]
pub enum ConflictPolicy {
    /// Highest wall-clock stamp wins.
    #[strum(serialize = "lww")]
    Lww,
    /// Keep concurrent versions until a read resolves them.
    #[strum(serialize = "siblings")]
    Siblings,
    /// Merge amounts; bounce a debit that would overdraw.
    #[strum(serialize = "business-rule")]
    BusinessRule,
}

impl crate::vocabulary::Choice for ConflictPolicy {}

/// Settings of the strategy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MultiLeaderConfig {
    /// Conflict resolution.
    pub policy: ConflictPolicy,
    /// Accounts in the bank.
    pub accounts: u32,
    /// Balance of every account at time zero, in rupees.
    pub initial_balance: i64,
    /// Interval between replication rounds (also the heartbeat).
    pub replicate_interval_us: u64,
    /// Most writes in one replication message.
    pub batch_writes_max: usize,
    /// Silence after which unacknowledged writes are sent again.
    pub resend_after_us: u64,
    /// CPU cost of one client request.
    pub request_cpu_us: u64,
    /// Most tentative writes (or unacknowledged own writes) a leader holds before it refuses
    /// new transfers.
    pub tentative_writes_max: usize,
}

impl Default for MultiLeaderConfig {
    fn default() -> Self {
        Self {
            policy: ConflictPolicy::Lww,
            accounts: 1000,
            initial_balance: 5_000,
            replicate_interval_us: 20_000,
            batch_writes_max: 500,
            resend_after_us: 500_000,
            request_cpu_us: 30,
            tentative_writes_max: 200_000,
        }
    }
}

/// One account a write touches, as the write's leader applied it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Side {
    /// The account.
    pub account: Key,
    /// Money moved into the account (negative for the payer; 0 for a resolution).
    pub delta: i64,
    /// The balance the leader computed (what last-writer-wins stores).
    pub absolute: i64,
    /// The account's version vector at the leader before the write.
    pub context: VersionVector,
    /// The write's dot: its leader's entry after the write.
    pub counter: u64,
}

/// A write, as replicated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Write {
    /// Client operation (a transfer, or the read that resolved siblings).
    pub op: OpId,
    /// Leader that took it.
    pub origin: NodeId,
    /// Position in its leader's stream, from 1.
    pub seq: u64,
    /// Lamport timestamp: the replay order.
    pub lamport: u64,
    /// The leader's wall clock when it took the write (skew included).
    pub wall_us: i64,
    /// The payer (or the account a resolution is for).
    pub first: Side,
    /// The payee; `None` for a resolution.
    pub second: Option<Side>,
    /// Its leader's vector clock just after taking it: the writes of every leader in its
    /// causal past (by every message between leaders, as the space-time diagram counts).
    pub clock: VersionVector,
}

/// Messages between leaders.
#[derive(Debug, Clone)]
pub enum Msg {
    /// Writes `first_seq..` of the sender's stream (possibly none: a heartbeat).
    Replicate {
        /// Stream position of the first write.
        first_seq: u64,
        /// The writes.
        writes: Vec<Write>,
        /// The sender will never again send a write with a Lamport timestamp ≤ this.
        promise: u64,
        /// The sender's Lamport clock.
        lamport: u64,
        /// The sender's simulated time when it sent this (for lag).
        sent_us: u64,
        /// The sender's vector clock.
        clock: VectorClock,
    },
    /// Stream positions received contiguously.
    Ack {
        /// Highest position received.
        received: u64,
        /// The sender's vector clock: an ack is causality too.
        clock: VectorClock,
        /// The sender's Lamport clock (so the replay order follows acks too).
        lamport: u64,
    },
}

impl Message for Msg {
    fn kind(&self) -> MessageKind {
        match self {
            Msg::Replicate { writes, .. } if writes.is_empty() => MessageKind::Heartbeat,
            Msg::Replicate { .. } => MessageKind::Replicate,
            Msg::Ack { .. } => MessageKind::Ack,
        }
    }

    fn size_bytes(&self) -> u32 {
        match self {
            Msg::Replicate { writes, .. } => 96 + 120 * writes.len() as u32,
            Msg::Ack { .. } => 48,
        }
    }

    fn vector_clock(&self) -> Option<&[u64]> {
        match self {
            Msg::Replicate { clock, .. } => Some(clock.entries()),
            Msg::Ack { clock, .. } => Some(clock.entries()),
        }
    }
}

/// Timers of a leader.
#[derive(Debug, Clone)]
pub enum Timer {
    /// A replication round.
    Replicate,
}

/// The last write an account's LWW value came from.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Writer {
    wall_us: i64,
    origin: NodeId,
    op: OpId,
    counter: u64,
}

const INITIAL_WRITER: Writer = Writer { wall_us: i64::MIN, origin: NodeId::new(0), op: 0, counter: 0 };

/// An account as the replay leaves it.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Account {
    balance: i64,
    version: VersionVector,
    writer: Writer,
    /// Versions held side by side (1 = no open conflict).
    siblings: u64,
    /// Per leader, the write that set its entry of `version` (its latest write here), and
    /// that leader's own entry of its clock at the write.
    dots: [(OpId, u64); LEADERS_MAX],
}

/// What applying a write did.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Verdict {
    /// Sides found concurrent with the account's version.
    concurrent: u64,
    /// Sibling conflicts a resolution closed.
    resolved: u64,
    /// The business rule bounced the transfer.
    bounced: bool,
    /// Effects last-writer-wins threw away.
    discards: [Option<Discard>; 2],
}

/// Bits of a replay-log key that hold the origin node.
const ORIGIN_BITS: u32 = 16;

/// A replay-log key: ordered by Lamport time, then origin, as the pair would be.
fn log_key(lamport: u64, origin: NodeId) -> u64 {
    assert!(origin.index() < 1 << ORIGIN_BITS && lamport < 1 << (64 - ORIGIN_BITS), "replay-log key out of range");
    lamport << ORIGIN_BITS | u64::from(origin)
}

/// A tentative write in the replay log.
#[derive(Debug, Clone)]
struct Entry {
    write: Write,
    /// The accounts' states before it was applied (first, second).
    undo: [Account; 2],
    applied: bool,
    verdict: Verdict,
}

/// What a leader knows of another.
#[derive(Debug, Clone, Copy, Default)]
struct Peer {
    /// Own writes the peer acknowledged.
    acked: u64,
    /// Next own write to send it.
    next: u64,
    /// When its acknowledgements last advanced (or we last went back).
    progress_us: u64,
    /// Its writes received contiguously.
    received: u64,
    /// Its promise: no write of its will ever have a Lamport timestamp ≤ this.
    promise: u64,
    /// When it sent the last message we took.
    heard_sent_us: u64,
}

/// One leader.
#[derive(Debug)]
pub struct MultiLeaderNode {
    config: MultiLeaderConfig,
    accounts: Vec<Account>,
    store: BTreeMap<Key, Value>,
    /// Keyed by [`log_key`]; entries boxed so the log shares the crate's map code (wasm size).
    log: BTreeMap<u64, Box<Entry>>,
    lamport: u64,
    clock: VectorClock,
    outbox: VecDeque<Write>,
    /// Stream position of `outbox[0]`.
    outbox_first_seq: u64,
    /// Own writes taken.
    written: u64,
    peers: Vec<Peer>,
    settled: ConflictLog,
    /// Own id (known from `start`).
    me: NodeId,
}

impl MultiLeaderNode {
    /// A leader in a cluster of `nodes` leaders (at most [`LEADERS_MAX`]).
    pub fn new(config: MultiLeaderConfig, nodes: usize) -> Self {
        assert!(nodes <= LEADERS_MAX, "at most {LEADERS_MAX} leaders");
        let account = Account {
            balance: config.initial_balance,
            version: [0; LEADERS_MAX],
            writer: INITIAL_WRITER,
            siblings: 1,
            dots: [(0, 0); LEADERS_MAX],
        };
        let accounts = vec![account; config.accounts as usize];
        let store = crate::compact::map_from((0..config.accounts).map(|key| (key, config.initial_balance as u64)));
        Self {
            config,
            accounts,
            store,
            log: BTreeMap::new(),
            lamport: 0,
            clock: VectorClock::new(nodes),
            outbox: VecDeque::new(),
            outbox_first_seq: 1,
            written: 0,
            peers: vec![Peer { next: 1, ..Peer::default() }; nodes],
            settled: ConflictLog { policy: config.policy.name(), ..ConflictLog::default() },
            me: NodeId::new(0),
        }
    }

    fn side(&self, me: NodeId, account: Key, delta: i64) -> Side {
        let state = &self.accounts[account as usize];
        Side { account, delta, absolute: state.balance + delta, context: state.version, counter: state.version[me] + 1 }
    }

    /// Takes a write of this leader's own: stamped, queued for every peer, applied at the tip.
    fn take_write(&mut self, ctx: &Ctx, op: OpId, first: Side, second: Option<Side>) {
        self.lamport += 1;
        self.clock.tick(ctx.me.index());
        self.written += 1;
        let mut clock = [0; LEADERS_MAX];
        for (entry, value) in clock.iter_mut().zip(self.clock.entries()) {
            *entry = *value;
        }
        let write = Write {
            op,
            origin: ctx.me,
            seq: self.written,
            lamport: self.lamport,
            wall_us: ctx.wall_clock_us,
            first,
            second,
            clock,
        };
        self.outbox.push_back(write);
        self.insert(ctx.now_us, vec![write]);
    }

    fn transfer(&mut self, ctx: &Ctx, request: &ClientRequest) -> (Reply, Option<OpResult>) {
        let refused = |reason| (Reply::Fail(reason), None);
        let accounts = self.config.accounts;
        let (payer, payee) = (request.key % accounts, request.peer_key % accounts);
        let amount = request.amount;
        if self.log.len() >= self.config.tentative_writes_max || self.outbox.len() >= self.config.tentative_writes_max {
            return refused(FailReason::Overloaded);
        }
        if payer == payee || amount <= 0 || self.accounts[payer as usize].balance < amount {
            return refused(FailReason::InsufficientFunds);
        }
        let first = self.side(ctx.me, payer, -amount);
        let second = self.side(ctx.me, payee, amount);
        // Under last-writer-wins a balance is the one some write computed: the client learns
        // what it wrote and which write's balance it built on.
        let result = (self.config.policy == ConflictPolicy::Lww).then(|| {
            let lww_side = |side: &Side, accounts: &[Account]| LwwSide {
                account: side.account,
                balance: side.absolute,
                basis: accounts[side.account as usize].writer.op,
            };
            OpResult::LwwTransfer {
                stamp_us: ctx.wall_clock_us,
                sides: [lww_side(&first, &self.accounts), lww_side(&second, &self.accounts)],
            }
        });
        self.take_write(ctx, request.op, first, Some(second));
        (Reply::Ok { read_value: None, epoch: 0 }, result)
    }

    fn read(&mut self, ctx: &Ctx, request: &ClientRequest) -> Reply {
        let account = request.key % self.config.accounts;
        let state = self.accounts[account as usize];
        if self.config.policy == ConflictPolicy::Siblings && state.siblings > 1 {
            // The reader sees every sibling, merges them and writes the merge back.
            let side = self.side(ctx.me, account, 0);
            self.take_write(ctx, request.op, side, None);
        }
        Reply::Ok { read_value: Some(state.balance as u64), epoch: 0 }
    }

    /// Slots writes into the replay order: undoes every applied write after the earliest
    /// newcomer, then applies from there on.
    fn insert(&mut self, now_us: u64, writes: Vec<Write>) {
        let mut earliest: Option<u64> = None;
        for write in writes {
            let key = log_key(write.lamport, write.origin);
            if self.log.contains_key(&key) {
                continue;
            }
            let undo = [self.accounts[write.first.account as usize]; 2];
            self.log.insert(key, Box::new(Entry { write, undo, applied: false, verdict: Verdict::default() }));
            earliest = Some(earliest.map_or(key, |e| e.min(key)));
        }
        let Some(from) = earliest else { return };
        let keys: Vec<u64> = self.log.range(from..).map(|(key, _)| *key).collect();
        for key in keys.iter().rev() {
            if let Some(entry) = self.log.get_mut(key) {
                if entry.applied {
                    undo(&mut self.accounts, entry);
                }
            }
        }
        for key in &keys {
            if let Some(entry) = self.log.get_mut(key) {
                apply(self.config.policy, &mut self.accounts, entry);
                for side in [Some(entry.write.first), entry.write.second].into_iter().flatten() {
                    let balance = self.accounts[side.account as usize].balance;
                    self.store.insert(side.account, balance as u64);
                }
                if entry.verdict.concurrent > 0 {
                    self.settled.latest = conflict_pair(entry, now_us, self.peers.len()).or(self.settled.latest.take());
                    if self.settled.first.is_none() {
                        self.settled.first = self.settled.latest.clone();
                    }
                }
            }
        }
    }

    /// Folds away the writes no leader can ever precede, counting their verdicts.
    fn fold(&mut self, me: NodeId) {
        let frontier = self
            .peers
            .iter()
            .enumerate()
            .filter(|(index, _)| *index != me.index())
            .map(|(_, peer)| peer.promise)
            .fold(self.lamport, u64::min);
        while let Some(entry) = self.log.first_entry() {
            if *entry.key() >> ORIGIN_BITS > frontier {
                break;
            }
            let entry = entry.remove();
            count_verdict(&mut self.settled, self.config.policy, &entry);
        }
    }

    fn on_replicate_timer(&mut self, ctx: &mut Ctx, out: &mut Out<Msg, Timer>) {
        out.set_timer(self.config.replicate_interval_us, Timer::Replicate);
        for peer in NodeId::all(self.peers.len()) {
            if peer != ctx.me {
                self.ship(ctx, peer, out);
            }
        }
        self.trim_outbox(ctx.me);
        self.fold(ctx.me);
    }

    /// Sends a peer the next batch of own writes (a heartbeat if none), going back to the
    /// first unacknowledged one after a silence.
    fn ship(&mut self, ctx: &Ctx, peer: NodeId, out: &mut Out<Msg, Timer>) {
        let state = &mut self.peers[peer];
        if state.next > state.acked + 1 && ctx.now_us.saturating_sub(state.progress_us) > self.config.resend_after_us {
            state.next = state.acked + 1;
            state.progress_us = ctx.now_us;
        }
        if state.next == state.acked + 1 {
            state.progress_us = ctx.now_us;
        }
        let first_seq = state.next.max(self.outbox_first_seq);
        let start = (first_seq - self.outbox_first_seq) as usize;
        let writes: Vec<Write> = self.outbox.iter().skip(start).take(self.config.batch_writes_max).copied().collect();
        let promise = match self.outbox.get(start + writes.len()) {
            Some(unsent) => unsent.lamport - 1,
            None => self.lamport,
        };
        state.next = first_seq + writes.len() as u64;
        out.send(
            peer,
            Msg::Replicate {
                first_seq,
                writes,
                promise,
                lamport: self.lamport,
                sent_us: ctx.now_us,
                clock: self.clock.clone(),
            },
        );
    }

    /// Drops own writes every peer has acknowledged.
    fn trim_outbox(&mut self, me: NodeId) {
        let acked_by_all =
            self.peers.iter().enumerate().filter(|(index, _)| *index != me.index()).map(|(_, peer)| peer.acked).min();
        let Some(acked) = acked_by_all else { return };
        while self.outbox_first_seq <= acked && self.outbox.pop_front().is_some() {
            self.outbox_first_seq += 1;
        }
    }

    fn on_replicate(&mut self, ctx: &mut Ctx, from: NodeId, msg: Msg, out: &mut Out<Msg, Timer>) {
        let Msg::Replicate { first_seq, writes, promise, lamport, sent_us, clock } = msg else { return };
        self.lamport = self.lamport.max(lamport) + 1;
        self.clock.observe(ctx.me.index(), &clock);
        let peer = &mut self.peers[from];
        if first_seq <= peer.received + 1 {
            let skip = (peer.received + 1 - first_seq) as usize;
            let fresh: Vec<Write> = writes.into_iter().skip(skip).collect();
            peer.received += fresh.len() as u64;
            peer.promise = peer.promise.max(promise);
            peer.heard_sent_us = peer.heard_sent_us.max(sent_us);
            let received = peer.received;
            self.insert(ctx.now_us, fresh);
            self.fold(ctx.me);
            out.send(from, Msg::Ack { received, clock: self.clock.clone(), lamport: self.lamport });
        } else {
            let received = peer.received;
            out.send(from, Msg::Ack { received, clock: self.clock.clone(), lamport: self.lamport });
        }
    }

    /// The conflict log: folded verdicts plus those of the writes still tentative.
    fn conflict_log(&self) -> ConflictLog {
        let mut log = self.settled.clone();
        self.add_tentative(&mut log);
        log
    }

    /// The conflict counts alone (cheap: no lists copied).
    fn conflict_counts(&self) -> ConflictLog {
        let mut log = self.settled.clone_counts();
        self.add_tentative(&mut log);
        log.discards.clear();
        log.reconciliation_ops.clear();
        log
    }

    fn add_tentative(&self, log: &mut ConflictLog) {
        for entry in self.log.values() {
            count_verdict(log, self.config.policy, entry);
        }
        log.open_siblings = self.accounts.iter().map(|account| account.siblings - 1).sum();
    }
}

impl Protocol for MultiLeaderNode {
    type Msg = Msg;
    type Timer = Timer;

    fn start(&mut self, ctx: &mut Ctx, out: &mut Out<Msg, Timer>) {
        self.me = ctx.me;
        out.set_timer(1 + ctx.rng.below(self.config.replicate_interval_us), Timer::Replicate);
    }

    fn on_message(&mut self, ctx: &mut Ctx, from: NodeId, msg: Msg, out: &mut Out<Msg, Timer>) {
        match msg {
            Msg::Replicate { .. } => self.on_replicate(ctx, from, msg, out),
            Msg::Ack { received, clock, lamport } => {
                self.clock.observe(ctx.me.index(), &clock);
                self.lamport = self.lamport.max(lamport) + 1;
                let peer = &mut self.peers[from];
                if received > peer.acked {
                    peer.acked = received;
                    peer.progress_us = ctx.now_us;
                    peer.next = peer.next.max(received + 1);
                }
            }
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx, timer: Timer, out: &mut Out<Msg, Timer>) {
        match timer {
            Timer::Replicate => self.on_replicate_timer(ctx, out),
        }
    }

    fn on_client(&mut self, ctx: &mut Ctx, request: ClientRequest, out: &mut Out<Msg, Timer>) {
        let (reply, result) = match request.kind {
            OpKind::Transfer => self.transfer(ctx, &request),
            _ => (self.read(ctx, &request), None),
        };
        match result {
            Some(result) => out.reply_with(request.op, reply, result),
            None => out.reply(request.op, reply),
        }
    }

    fn on_disk(&mut self, _ctx: &mut Ctx, _done: DiskDone, _out: &mut Out<Msg, Timer>) {}

    fn crash(&mut self) {
        // Accounts, the replay log and the outbox are on disk (a write is answered after its
        // local commit); what is lost is where each peer's stream stood.
        for peer in &mut self.peers {
            peer.next = peer.acked + 1;
        }
    }

    fn restart(&mut self, ctx: &mut Ctx, out: &mut Out<Msg, Timer>) {
        for peer in &mut self.peers {
            peer.progress_us = ctx.now_us;
        }
        out.set_timer(1 + ctx.rng.below(self.config.replicate_interval_us), Timer::Replicate);
    }

    fn cpu_cost_us(&self, kind: MessageKind) -> u64 {
        match kind {
            MessageKind::Request => self.config.request_cpu_us,
            _ => 20,
        }
    }

    fn view(&self, now_us: u64) -> NodeView {
        let log = self.conflict_counts();
        NodeView {
            role: Role::Primary,
            log_end: self.written,
            flushed: self.written,
            applied: self.lamport,
            commit: self.lamport,
            lag_us: self.lag_us(now_us).unwrap_or(0),
            status: format!(
                "leader · {} tentative writes · {} conflicts, {} resolved · {} open siblings · {} lost at merge · {} to reconcile",
                self.log.len(),
                log.detected,
                log.resolved,
                log.open_siblings,
                log.lww_lost_at_merge,
                log.reconciliation
            ),
            vector_clock: self.clock.entries().to_vec(),
            conflicts: log.detected,
            ..NodeView::default()
        }
    }

    fn route_info(&self) -> RouteInfo {
        RouteInfo { role: Role::Primary, epoch: 0, serving: true }
    }

    /// How old this leader's news from the stalest other leader is.
    fn lag_us(&self, now_us: u64) -> Option<u64> {
        self.peers
            .iter()
            .enumerate()
            .filter(|(index, _)| *index != self.me.index())
            .map(|(_, peer)| now_us.saturating_sub(peer.heard_sent_us))
            .max()
    }

    fn store(&self) -> &BTreeMap<Key, Value> {
        &self.store
    }

    fn self_report(&self, _now_us: u64) -> Option<crate::self_report::SelfReport> {
        Some(crate::self_report::SelfReport::Conflicts(self.conflict_log()))
    }

    /// Under last-writer-wins, each account's version stamp: the write its balance came from.
    fn state_extras(&self) -> StateExtras {
        if self.config.policy != ConflictPolicy::Lww {
            return StateExtras::default();
        }
        let versions = crate::compact::map_from(
            self.accounts
                .iter()
                .enumerate()
                .filter(|(_, account)| account.writer.op != 0)
                .map(|(key, account)| (key as Key, account.writer.op)),
        );
        StateExtras { versions, ..StateExtras::default() }
    }

    fn conflicts_detected(&self) -> u64 {
        self.settled.detected + self.log.values().map(|entry| entry.verdict.concurrent).sum::<u64>()
    }
}
