//! `hdfc`: primary/replica replication, as HDFC-style core banking runs it.
//!
//! A primary in Mumbai appends every write to its log (with an LSN and its epoch), flushes
//! it with group commit, and ships flushed log to replicas in other cities. The commit
//! mode decides when a client hears "committed":
//!
//! | mode | the primary acknowledges after | PostgreSQL / MySQL |
//! |---|---|---|
//! | `async` | nothing: the WAL writer flushes every 200 ms | `synchronous_commit = off` (asynchronous commit) |
//! | `local` | its own fsync; replicas get the log later | `synchronous_commit = local`, no sync standby |
//! | `semi-sync` | one replica has written it; falls back to async after a timeout | MySQL semi-sync |
//! | `remote_write` | a quorum of replicas has written it (not yet fsynced) | `synchronous_commit = remote_write` |
//! | `on` | a quorum of replicas has fsynced it | `synchronous_commit = on` |
//! | `remote_apply` | a quorum of replicas has applied it (visible to reads there) | `synchronous_commit = remote_apply` |
//!
//! The quorum is `⌊n/2⌋` replicas, so primary plus quorum is a majority of the `n` nodes
//! (PostgreSQL's `ANY k (*)`): any majority that elects a new primary holds every
//! acknowledged write. The primary makes a write visible to readers only once committed.
//!
//! Failover:
//! - `auto`: replicas watch heartbeats; after an election timeout one asks for votes in a
//!   new epoch and needs a majority, granted only to a log at least as up to date as the
//!   voter's (less up-to-date replicas wait longer, so the most up-to-date usually wins).
//!   The primary holds a lease renewed by a majority's acknowledgements and stops serving
//!   when it lapses; voters refuse while they heard from a primary within the lease, so
//!   two primaries never serve at once. Epochs fence: a message from an older epoch is
//!   refused, and a deposed primary steps down.
//! - `naive`: a replica that misses heartbeats asks the replicas it can reach for their
//!   positions and promotes itself if none is further ahead. No quorum, no lease: under a
//!   partition both sides can have a primary (split brain), and when the partition heals
//!   the old primary's divergent writes are discarded.
//! - `manual`: nothing happens until an operator restarts the primary.
//!
//! Replicas apply flushed log single-threaded at a fixed cost per entry: this is the apply
//! capacity that makes lag grow with load.

use super::log::{Entry, Log, ENTRY_BYTES};
use crate::engine::RouteCandidate;
use crate::protocol::{
    ClientRequest, Ctx, DiskDone, FailReason, Key, Message, MessageKind, NodeId, NodeView, OpId, OpKind, Out, Protocol,
    Reply, Role, RouteInfo, Value,
};
use crate::rng::Stream;
use std::collections::{BTreeMap, VecDeque};

/// Most entries in one replication message.
pub const BATCH_ENTRIES_MAX: u64 = 256;
/// Most entries sent to a replica and not yet acknowledged as written (flow control by
/// log distance, as etcd's and PostgreSQL's senders do: counting messages would leak when
/// a replica's group commit answers several appends with one reply).
pub const INFLIGHT_ENTRIES_MAX: u64 = 64 * BATCH_ENTRIES_MAX;
/// Most writes waiting for commit at the primary; more are refused as overloaded.
pub const WAITING_WRITES_MAX: usize = 100_000;
/// Most log entries a node keeps; a replica further behind is sent a snapshot.
pub const LOG_RETAINED_MAX: usize = 50_000;
/// Entries a replica keeps behind its applied position (to serve others if promoted).
pub const REPLICA_RETAINED: u64 = 5_000;

/// When the primary acknowledges a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitMode {
    /// Immediately; the log is flushed by the WAL writer every `wal_writer_delay_us`
    /// (PostgreSQL's asynchronous commit). A crash loses what was not yet flushed.
    Async,
    /// After its own fsync; replication is asynchronous.
    Local,
    /// After one replica wrote it, or its own fsync once degraded by the timeout.
    SemiSync,
    /// After a quorum of replicas wrote it.
    RemoteWrite,
    /// After a quorum of replicas fsynced it.
    On,
    /// After a quorum of replicas applied it.
    RemoteApply,
}

impl CommitMode {
    /// Knob values, in order.
    pub const VALUES: [&'static str; 6] = ["async", "local", "semi-sync", "remote_write", "on", "remote_apply"];

    /// Parses a knob value.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "async" => CommitMode::Async,
            "local" => CommitMode::Local,
            "semi-sync" => CommitMode::SemiSync,
            "remote_write" => CommitMode::RemoteWrite,
            "on" => CommitMode::On,
            "remote_apply" => CommitMode::RemoteApply,
            _ => return None,
        })
    }

    fn needs_quorum(self) -> bool {
        matches!(self, CommitMode::RemoteWrite | CommitMode::On | CommitMode::RemoteApply)
    }
}

/// Where reads go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadRouting {
    /// To the primary.
    Primary,
    /// To a random replica.
    Any,
    /// To the nearest replica.
    Nearest,
}

impl ReadRouting {
    /// Knob values.
    pub const VALUES: [&'static str; 3] = ["primary", "any", "nearest"];

    /// Parses a knob value.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "primary" => ReadRouting::Primary,
            "any" => ReadRouting::Any,
            "nearest" => ReadRouting::Nearest,
            _ => return None,
        })
    }
}

/// How a failed primary is replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailoverMode {
    /// Majority election with leases and epoch fencing.
    Auto,
    /// Promote on missed heartbeats, no quorum.
    Naive,
    /// Never automatically.
    Manual,
}

impl FailoverMode {
    /// Knob values.
    pub const VALUES: [&'static str; 3] = ["auto", "naive", "manual"];

    /// Parses a knob value.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "auto" => FailoverMode::Auto,
            "naive" => FailoverMode::Naive,
            "manual" => FailoverMode::Manual,
            _ => return None,
        })
    }
}

/// Settings of the strategy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HdfcConfig {
    /// Commit mode.
    pub commit: CommitMode,
    /// Read routing.
    pub reads: ReadRouting,
    /// Failover mode.
    pub failover: FailoverMode,
    /// Interval of heartbeats and housekeeping.
    pub heartbeat_us: u64,
    /// How long a majority's acknowledgement keeps the primary's lease.
    pub lease_us: u64,
    /// Silence after which a replica starts an election (auto) — must exceed the lease.
    pub election_timeout_us: u64,
    /// Silence after which a naive replica considers the primary dead.
    pub naive_timeout_us: u64,
    /// How long a naive replica waits for its peers' positions.
    pub naive_poll_us: u64,
    /// Semi-sync wait before falling back to async (MySQL's default is 10 s).
    pub semi_sync_timeout_us: u64,
    /// Replica apply cost per entry (single-threaded replay).
    pub apply_us: u64,
    /// Interval of the WAL writer's flush under asynchronous commit (PostgreSQL's
    /// `wal_writer_delay`, 200 ms by default).
    pub wal_writer_delay_us: u64,
    /// CPU cost of one client request.
    pub request_cpu_us: u64,
    /// Most log entries a replica may have in flight unacknowledged (the replication
    /// window): a replica gets at most this many per round trip.
    pub window_entries: u64,
}

impl Default for HdfcConfig {
    fn default() -> Self {
        Self {
            commit: CommitMode::Async,
            reads: ReadRouting::Nearest,
            failover: FailoverMode::Auto,
            heartbeat_us: 100_000,
            lease_us: 1_000_000,
            election_timeout_us: 1_500_000,
            naive_timeout_us: 1_000_000,
            naive_poll_us: 200_000,
            semi_sync_timeout_us: 1_000_000,
            apply_us: 250,
            wal_writer_delay_us: 200_000,
            request_cpu_us: 30,
            window_entries: INFLIGHT_ENTRIES_MAX,
        }
    }
}

/// Messages between hdfc nodes.
#[derive(Debug, Clone)]
pub enum Msg {
    /// Log shipping (a heartbeat when empty).
    Append {
        /// Sender's epoch.
        epoch: u64,
        /// LSN before the first entry.
        prev_lsn: u64,
        /// Epoch at `prev_lsn` in the sender's log.
        prev_epoch: u64,
        /// Entries.
        entries: Vec<Entry>,
        /// Sender's commit position.
        commit_lsn: u64,
        /// Sender's flushed log end.
        end_lsn: u64,
        /// When it was sent (echoed back for the lease).
        sent_us: u64,
        /// The first entry after this append's, and when it was appended: what the replica
        /// cannot see yet (not flushed — under async commit, acknowledged writes — or held
        /// back by the replication window).
        next_unsent: Option<(u64, u64)>,
    },
    /// A replica's answer and position report.
    AppendReply {
        /// Replica's epoch.
        epoch: u64,
        /// Whether the log matched.
        ok: bool,
        /// The replica's applied state diverged: it needs a snapshot.
        need_snapshot: bool,
        /// Where the primary should resume when `ok` is false.
        hint_lsn: u64,
        /// Written position (matching the primary's log).
        write_lsn: u64,
        /// Flushed position.
        flush_lsn: u64,
        /// Applied position.
        apply_lsn: u64,
        /// `sent_us` of the latest append the replica accepted.
        echo_sent_us: u64,
    },
    /// A full copy of the primary's committed store.
    Snapshot {
        /// Sender's epoch.
        epoch: u64,
        /// LSN the store reflects.
        lsn: u64,
        /// Epoch at that LSN.
        last_epoch: u64,
        /// The store.
        store: Vec<(Key, Value)>,
        /// When it was sent.
        sent_us: u64,
    },
    /// Asking for a vote (auto).
    VoteRequest {
        /// Candidate's new epoch.
        epoch: u64,
        /// Epoch of its last entry.
        last_epoch: u64,
        /// Its last LSN.
        last_lsn: u64,
    },
    /// A vote (auto).
    VoteReply {
        /// Voter's epoch.
        epoch: u64,
        /// Granted or not.
        granted: bool,
    },
    /// "Where are you?" (naive).
    StatusQuery,
    /// "Here." (naive).
    StatusReply {
        /// Epoch of the last entry.
        last_epoch: u64,
        /// Last LSN.
        last_lsn: u64,
        /// Whether it still hears a primary (or is one).
        sees_primary: bool,
    },
}

impl Message for Msg {
    fn kind(&self) -> MessageKind {
        match self {
            Msg::Append { entries, .. } if entries.is_empty() => MessageKind::Heartbeat,
            Msg::Append { .. } => MessageKind::Replicate,
            Msg::AppendReply { .. } => MessageKind::Ack,
            Msg::Snapshot { .. } => MessageKind::Snapshot,
            Msg::VoteRequest { .. } | Msg::VoteReply { .. } => MessageKind::Vote,
            Msg::StatusQuery | Msg::StatusReply { .. } => MessageKind::Status,
        }
    }

    fn size_bytes(&self) -> u32 {
        match self {
            Msg::Append { entries, .. } => 64 + ENTRY_BYTES * entries.len() as u32,
            Msg::Snapshot { store, .. } => 64 + 16 * store.len() as u32,
            _ => 64,
        }
    }
}

/// Timers of an hdfc node.
#[derive(Debug, Clone)]
pub enum Timer {
    /// Heartbeat and housekeeping.
    Tick,
    /// Replica apply finished up to this LSN.
    Apply(u64),
    /// Naive: decide whether to promote.
    NaiveDecide,
    /// Asynchronous commit: the WAL writer flushes the log.
    WalWriter,
    /// The election deadline may have passed (set precisely, within one tick of it).
    Election,
}

#[derive(Debug, Clone, Copy, Default)]
struct Peer {
    next_lsn: u64,
    write_lsn: u64,
    flush_lsn: u64,
    apply_lsn: u64,
    /// Messages sent and not yet answered (a hint for resending after a silence; flow
    /// control uses the log distance, since one reply may answer several appends).
    inflight: u32,
    last_send_us: u64,
    acked_sent_us: u64,
    needs_snapshot: bool,
}

/// One hdfc node.
#[derive(Debug)]
pub struct HdfcNode {
    config: HdfcConfig,
    role: Role,
    /// Whether the node boots as primary (its configured role; naive and manual failover).
    boots_as_primary: bool,
    epoch: u64,
    voted_for: Option<NodeId>,
    log: Log,
    store: BTreeMap<Key, Value>,
    written_lsn: u64,
    flushed_lsn: u64,
    applied_lsn: u64,
    commit_lsn: u64,
    disk_generation: u64,
    write_inflight: bool,
    sync_inflight: bool,
    apply_scheduled_lsn: u64,
    apply_busy_until_us: u64,
    primary: Option<NodeId>,
    last_contact_us: u64,
    last_append_sent_us: u64,
    /// The oldest entry the primary had not yet sent this replica (LSN, appended at), as of
    /// its last append: not yet flushed, or held back by the replication window.
    primary_next_unsent: Option<(u64, u64)>,
    known_end_lsn: u64,
    verified_lsn: u64,
    election_deadline_us: u64,
    peers: Vec<Peer>,
    waiting: VecDeque<(u64, OpId)>,
    epoch_start_lsn: u64,
    ready_at_us: u64,
    semi_sync_degraded: bool,
    /// Asynchronous commit: how far the WAL writer has been asked to flush.
    flush_requested_lsn: u64,
    /// Asynchronous commit: previous values of keys changed by entries not yet flushed,
    /// so a crash can roll the store back to what is durable.
    undo: Vec<(u64, Key, Option<Value>)>,
    votes: u64,
    /// After a restart, no vote is granted before this: the node may have acknowledged a
    /// primary just before it crashed, and that primary's lease still counts the ack.
    votes_withheld_until_us: u64,
    polling: bool,
    poll_found_better: bool,
}

fn token(generation: u64, lsn: u64) -> u64 {
    (generation << 40) | (lsn & ((1 << 40) - 1))
}

fn token_parts(token: u64) -> (u64, u64) {
    (token >> 40, token & ((1 << 40) - 1))
}

fn majority(nodes: usize) -> usize {
    nodes / 2 + 1
}

/// Most nodes in an hdfc cluster (a primary and six replicas, one per city), with room.
pub const NODES_MAX: usize = 8;

/// The `k`-th largest of at most [`NODES_MAX`] values (0 if there are fewer than `k`),
/// without allocating: it runs on every acknowledgement and client request.
fn kth_largest(values: impl Iterator<Item = u64>, k: usize) -> u64 {
    let mut buffer = [0u64; NODES_MAX];
    let mut count = 0;
    for value in values.take(NODES_MAX) {
        buffer[count] = value;
        count += 1;
    }
    let slice = &mut buffer[..count];
    // Ascending (the plain sort other code already instantiates): the k-th largest is k from the end.
    slice.sort_unstable();
    if k == 0 {
        u64::MAX
    } else {
        count.checked_sub(k).and_then(|index| slice.get(index)).copied().unwrap_or(0)
    }
}

impl HdfcNode {
    /// A node; node 0 starts as primary of epoch 1.
    pub fn new(config: HdfcConfig, is_primary: bool) -> Self {
        Self {
            config,
            role: if is_primary { Role::Primary } else { Role::Replica },
            boots_as_primary: is_primary,
            epoch: 1,
            voted_for: None,
            log: Log::default(),
            store: BTreeMap::new(),
            written_lsn: 0,
            flushed_lsn: 0,
            applied_lsn: 0,
            commit_lsn: 0,
            disk_generation: 0,
            write_inflight: false,
            sync_inflight: false,
            apply_scheduled_lsn: 0,
            apply_busy_until_us: 0,
            primary: if is_primary { None } else { Some(0) },
            last_contact_us: 0,
            last_append_sent_us: 0,
            primary_next_unsent: None,
            known_end_lsn: 0,
            verified_lsn: 0,
            election_deadline_us: 0,
            peers: Vec::new(),
            waiting: VecDeque::new(),
            epoch_start_lsn: 0,
            ready_at_us: 0,
            semi_sync_degraded: false,
            flush_requested_lsn: 0,
            undo: Vec::new(),
            votes: 0,
            votes_withheld_until_us: 0,
            polling: false,
            poll_found_better: false,
        }
    }

    // ----- disk pipeline (group commit) -----

    fn lazy_flush(&self) -> bool {
        self.role == Role::Primary && self.config.commit == CommitMode::Async
    }

    fn pump_disk(&mut self, out: &mut Out<Msg, Timer>) {
        let last =
            if self.lazy_flush() { self.log.last_lsn().min(self.flush_requested_lsn) } else { self.log.last_lsn() };
        if !self.write_inflight && last > self.written_lsn {
            let count = (last - self.written_lsn) as u32;
            out.disk_write(count * ENTRY_BYTES, token(self.disk_generation, last));
            self.write_inflight = true;
        }
        if !self.sync_inflight && self.written_lsn > self.flushed_lsn {
            out.disk_sync(token(self.disk_generation, self.written_lsn));
            self.sync_inflight = true;
        }
    }

    fn on_written(&mut self, target: u64, out: &mut Out<Msg, Timer>) {
        self.written_lsn = self.written_lsn.max(target.min(self.log.last_lsn()));
        if self.role != Role::Primary && matches!(self.config.commit, CommitMode::SemiSync | CommitMode::RemoteWrite) {
            self.send_position(out);
        }
        self.pump_disk(out);
    }

    fn on_synced(&mut self, ctx: &mut Ctx, target: u64, out: &mut Out<Msg, Timer>) {
        self.flushed_lsn = self.flushed_lsn.max(target.min(self.written_lsn));
        let flushed = self.flushed_lsn;
        self.undo.retain(|(lsn, _, _)| *lsn > flushed);
        if self.role == Role::Primary {
            self.advance_commit(ctx, out);
            self.replicate(ctx, out, false);
        } else {
            self.send_position(out);
            self.schedule_apply(ctx, out);
        }
        self.pump_disk(out);
    }

    fn truncate_log_from(&mut self, lsn: u64) {
        self.log.truncate_from(lsn);
        let last = self.log.last_lsn();
        self.written_lsn = self.written_lsn.min(last);
        self.flushed_lsn = self.flushed_lsn.min(last);
        self.apply_scheduled_lsn = self.apply_scheduled_lsn.min(last);
        self.verified_lsn = self.verified_lsn.min(last);
        self.disk_generation += 1;
    }

    // ----- replica side -----

    fn send_position(&mut self, out: &mut Out<Msg, Timer>) {
        let Some(primary) = self.primary else { return };
        let cap = self.verified_lsn;
        out.send(
            primary,
            Msg::AppendReply {
                epoch: self.epoch,
                ok: true,
                need_snapshot: false,
                hint_lsn: 0,
                write_lsn: self.written_lsn.min(cap),
                flush_lsn: self.flushed_lsn.min(cap),
                apply_lsn: self.applied_lsn.min(cap),
                echo_sent_us: self.last_append_sent_us,
            },
        );
    }

    fn refuse(&self, to: NodeId, need_snapshot: bool, hint_lsn: u64, out: &mut Out<Msg, Timer>) {
        out.send(
            to,
            Msg::AppendReply {
                epoch: self.epoch,
                ok: false,
                need_snapshot,
                hint_lsn,
                write_lsn: 0,
                flush_lsn: 0,
                apply_lsn: 0,
                echo_sent_us: 0,
            },
        );
    }

    fn schedule_apply(&mut self, ctx: &mut Ctx, out: &mut Out<Msg, Timer>) {
        if self.flushed_lsn <= self.apply_scheduled_lsn {
            return;
        }
        let count = self.flushed_lsn - self.apply_scheduled_lsn.max(self.applied_lsn);
        let start = ctx.now_us.max(self.apply_busy_until_us);
        let done = start + count * self.config.apply_us;
        self.apply_busy_until_us = done;
        self.apply_scheduled_lsn = self.flushed_lsn;
        out.set_timer(done - ctx.now_us, Timer::Apply(self.flushed_lsn));
    }

    fn apply_up_to(&mut self, lsn: u64) {
        // Only asynchronous commit makes entries visible before they are durable.
        let target = if self.lazy_flush() { lsn.min(self.log.last_lsn()) } else { lsn.min(self.flushed_lsn) };
        while self.applied_lsn < target {
            let next = self.applied_lsn + 1;
            let Some(entry) = self.log.get(next) else {
                break;
            };
            if let Some((key, value)) = entry.write {
                let previous = self.store.insert(key, value);
                if next > self.flushed_lsn {
                    self.undo.push((next, key, previous));
                }
            }
            self.applied_lsn = next;
        }
    }

    /// Rolls the store back to the durable log (after a crash under asynchronous commit).
    fn undo_unflushed(&mut self) {
        while let Some((lsn, key, previous)) = self.undo.pop() {
            match previous {
                Some(value) => self.store.insert(key, value),
                None => self.store.remove(&key),
            };
            self.applied_lsn = self.applied_lsn.min(lsn - 1);
        }
        self.applied_lsn = self.applied_lsn.min(self.flushed_lsn.max(self.log.base_lsn()));
        self.commit_lsn = self.commit_lsn.min(self.flushed_lsn);
    }

    fn on_apply_timer(&mut self, upto: u64, out: &mut Out<Msg, Timer>) {
        let before = self.applied_lsn;
        if self.role != Role::Primary {
            self.apply_up_to(upto);
        }
        if self.applied_lsn > before && self.config.commit == CommitMode::RemoteApply {
            self.send_position(out);
        }
    }

    fn follow(&mut self, ctx: &mut Ctx, from: NodeId, epoch: u64) {
        if epoch > self.epoch {
            self.epoch = epoch;
            self.voted_for = None;
        }
        if self.role != Role::Replica {
            self.become_replica();
        }
        if self.primary != Some(from) {
            self.primary = Some(from);
            self.verified_lsn = 0;
        }
        self.last_contact_us = ctx.now_us;
        self.polling = false;
        self.reset_election_deadline(ctx);
    }

    fn reset_election_deadline(&mut self, ctx: &mut Ctx) {
        let jitter = ctx.rng.below(self.config.election_timeout_us / 5 + 1);
        self.election_deadline_us = ctx.now_us + self.config.election_timeout_us + jitter;
    }

    /// After a split vote: retry sooner, with fresh randomness.
    fn reset_retry_deadline(&mut self, ctx: &mut Ctx) {
        let base = self.config.election_timeout_us / 5;
        self.election_deadline_us = ctx.now_us + base + ctx.rng.below(base + 1);
    }

    fn on_append(&mut self, ctx: &mut Ctx, from: NodeId, msg: AppendArgs, out: &mut Out<Msg, Timer>) {
        if msg.epoch < self.epoch {
            self.refuse(from, false, 0, out);
            return;
        }
        self.follow(ctx, from, msg.epoch);
        self.last_append_sent_us = msg.sent_us;
        self.known_end_lsn = msg.end_lsn;
        self.primary_next_unsent = msg.next_unsent;
        if let Err(refusal) = self.check_prev(msg.prev_lsn, msg.prev_epoch) {
            match refusal {
                Refusal::Snapshot => self.refuse(from, true, 0, out),
                Refusal::ResumeAt(hint) => self.refuse(from, false, hint, out),
            }
            return;
        }
        let heartbeat = msg.entries.is_empty();
        let matched = msg.prev_lsn + msg.entries.len() as u64;
        for entry in msg.entries {
            if entry.lsn <= self.log.base_lsn() {
                continue;
            }
            if entry.lsn <= self.log.last_lsn() {
                if self.log.epoch_at(entry.lsn) == Some(entry.epoch) {
                    continue;
                }
                if entry.lsn <= self.applied_lsn {
                    self.refuse(from, true, 0, out);
                    return;
                }
                self.truncate_log_from(entry.lsn);
            }
            self.log.push(entry);
        }
        self.verified_lsn = self.verified_lsn.max(matched.min(self.log.last_lsn()));
        self.pump_disk(out);
        if heartbeat {
            self.send_position(out);
        }
    }

    /// Checks that our log holds the primary's entry at `prev_lsn`.
    fn check_prev(&mut self, prev_lsn: u64, prev_epoch: u64) -> Result<(), Refusal> {
        if prev_lsn > self.log.last_lsn() {
            return Err(Refusal::ResumeAt(self.log.last_lsn() + 1));
        }
        if prev_lsn < self.log.base_lsn() {
            return Ok(());
        }
        match self.log.epoch_at(prev_lsn) {
            Some(epoch) if epoch == prev_epoch => Ok(()),
            Some(_) => {
                let start = self.log.epoch_run_start(prev_lsn);
                if start <= self.applied_lsn || prev_lsn <= self.applied_lsn {
                    Err(Refusal::Snapshot)
                } else {
                    self.truncate_log_from(start);
                    Err(Refusal::ResumeAt(start))
                }
            }
            None => Err(Refusal::Snapshot),
        }
    }

    fn on_snapshot(&mut self, ctx: &mut Ctx, from: NodeId, snapshot: SnapshotArgs, out: &mut Out<Msg, Timer>) {
        if snapshot.epoch < self.epoch {
            self.refuse(from, false, 0, out);
            return;
        }
        self.follow(ctx, from, snapshot.epoch);
        self.last_append_sent_us = snapshot.sent_us;
        self.store = crate::compact::map_from(snapshot.store);
        self.log.reset_to(snapshot.lsn, snapshot.last_epoch);
        self.written_lsn = snapshot.lsn;
        self.flushed_lsn = snapshot.lsn;
        self.applied_lsn = snapshot.lsn;
        self.apply_scheduled_lsn = snapshot.lsn;
        self.verified_lsn = snapshot.lsn;
        self.disk_generation += 1;
        self.write_inflight = false;
        self.sync_inflight = false;
        self.send_position(out);
    }

    // ----- primary side -----

    fn become_replica(&mut self) {
        self.role = Role::Replica;
        self.primary = None;
        self.waiting.clear();
        self.peers.clear();
        self.votes = 0;
        self.semi_sync_degraded = false;
        if self.config.failover != FailoverMode::Auto {
            self.boots_as_primary = false;
        }
    }

    fn become_primary(&mut self, ctx: &mut Ctx, out: &mut Out<Msg, Timer>) {
        self.role = Role::Primary;
        self.primary = None;
        self.boots_as_primary = self.config.failover != FailoverMode::Auto;
        self.votes = 0;
        self.polling = false;
        let next = self.log.last_lsn() + 1;
        self.peers = vec![Peer { next_lsn: next, ..Peer::default() }; ctx.nodes];
        // Replay what was received but not yet applied before serving.
        let unapplied = self.log.last_lsn().saturating_sub(self.applied_lsn);
        self.ready_at_us = ctx.now_us + unapplied * self.config.apply_us;
        self.commit_lsn = self.applied_lsn;
        self.log.push(Entry { lsn: next, epoch: self.epoch, write: None, appended_us: ctx.now_us });
        self.epoch_start_lsn = next;
        self.pump_disk(out);
        self.replicate(ctx, out, true);
    }

    fn lease_basis_us(&self, nodes: usize, me: NodeId) -> u64 {
        let needed = majority(nodes) - 1;
        if needed == 0 {
            return u64::MAX;
        }
        kth_largest(self.other_peers(me).map(|peer| peer.acked_sent_us), needed)
    }

    fn other_peers(&self, me: NodeId) -> impl Iterator<Item = &Peer> {
        self.peers.iter().enumerate().filter(move |(id, _)| *id != me).map(|(_, peer)| peer)
    }

    fn lease_valid(&self, now_us: u64, nodes: usize, me: NodeId) -> bool {
        if self.config.failover != FailoverMode::Auto {
            return true;
        }
        let basis = self.lease_basis_us(nodes, me);
        basis == u64::MAX || now_us < basis + self.config.lease_us
    }

    fn serves_as_primary(&self, now_us: u64, nodes: usize, me: NodeId) -> bool {
        self.role == Role::Primary && now_us >= self.ready_at_us && self.lease_valid(now_us, nodes, me)
    }

    fn quorum_position(&self, nodes: usize, me: NodeId, position: impl Fn(&Peer) -> u64) -> u64 {
        let k = nodes / 2;
        if k == 0 {
            return u64::MAX;
        }
        kth_largest(self.other_peers(me).map(position), k)
    }

    fn commit_candidate(&self, nodes: usize, me: NodeId) -> u64 {
        let replicated = match self.config.commit {
            CommitMode::Async => return self.log.last_lsn(),
            CommitMode::Local => u64::MAX,
            CommitMode::SemiSync if self.semi_sync_degraded || nodes == 1 => u64::MAX,
            CommitMode::SemiSync => self
                .peers
                .iter()
                .enumerate()
                .filter(|(id, _)| *id != me)
                .map(|(_, peer)| peer.write_lsn)
                .max()
                .unwrap_or(0),
            CommitMode::RemoteWrite => self.quorum_position(nodes, me, |peer| peer.write_lsn),
            CommitMode::On => self.quorum_position(nodes, me, |peer| peer.flush_lsn),
            CommitMode::RemoteApply => self.quorum_position(nodes, me, |peer| peer.apply_lsn),
        };
        self.flushed_lsn.min(replicated)
    }

    fn advance_commit(&mut self, ctx: &mut Ctx, out: &mut Out<Msg, Timer>) {
        if self.role != Role::Primary {
            return;
        }
        let candidate = self.commit_candidate(ctx.nodes, ctx.me);
        // Only an entry of our own epoch can be committed by counting replicas (Raft's rule).
        let counted = self.config.commit.needs_quorum() || self.config.commit == CommitMode::SemiSync;
        if candidate > self.commit_lsn && (!counted || self.log.epoch_at(candidate) == Some(self.epoch)) {
            self.commit_lsn = candidate;
            self.apply_up_to(candidate);
        }
        self.acknowledge_committed(ctx, out);
    }

    fn acknowledge_committed(&mut self, ctx: &mut Ctx, out: &mut Out<Msg, Timer>) {
        if !self.lease_valid(ctx.now_us, ctx.nodes, ctx.me) {
            return;
        }
        while let Some(&(lsn, op)) = self.waiting.front() {
            if lsn > self.commit_lsn {
                break;
            }
            self.waiting.pop_front();
            out.reply(op, Reply::Ok { read_value: None, epoch: self.epoch });
        }
    }

    fn replicate(&mut self, ctx: &mut Ctx, out: &mut Out<Msg, Timer>, heartbeat_due: bool) {
        for peer in 0..self.peers.len() {
            if peer != ctx.me {
                self.replicate_to(ctx, peer, out, heartbeat_due);
            }
        }
    }

    fn replicate_to(&mut self, ctx: &mut Ctx, peer_id: NodeId, out: &mut Out<Msg, Timer>, heartbeat_due: bool) {
        let now = ctx.now_us;
        let stalled = now.saturating_sub(self.peers[peer_id].last_send_us) >= self.config.heartbeat_us;
        let peer = &mut self.peers[peer_id];
        if stalled && peer.inflight > 0 {
            // Appends or their answers were lost: resend from the last written position.
            peer.inflight = 0;
            peer.next_lsn = peer.write_lsn + 1;
        }
        if peer.needs_snapshot || peer.next_lsn <= self.log.base_lsn() {
            if stalled || peer.inflight == 0 {
                self.send_snapshot(ctx, peer_id, out);
            }
            return;
        }
        let peer = self.peers[peer_id];
        let unacknowledged = peer.next_lsn.saturating_sub(peer.write_lsn + 1);
        let window = self.config.window_entries.max(1);
        let has_entries = peer.next_lsn <= self.flushed_lsn && unacknowledged < window;
        if !(has_entries || heartbeat_due && stalled) {
            return;
        }
        let prev_lsn = peer.next_lsn - 1;
        let window_end = peer.write_lsn + window;
        let to =
            if has_entries { self.flushed_lsn.min(prev_lsn + BATCH_ENTRIES_MAX).min(window_end) } else { prev_lsn };
        let entries = if has_entries { self.log.slice(peer.next_lsn, to) } else { Vec::new() };
        out.send(
            peer_id,
            Msg::Append {
                epoch: self.epoch,
                prev_lsn,
                prev_epoch: self.log.epoch_at(prev_lsn).unwrap_or(0),
                entries,
                commit_lsn: self.commit_lsn,
                end_lsn: self.flushed_lsn,
                sent_us: now,
                next_unsent: self.log.get(to + 1).map(|entry| (entry.lsn, entry.appended_us)),
            },
        );
        let peer = &mut self.peers[peer_id];
        peer.next_lsn = to + 1;
        peer.inflight += u32::from(has_entries);
        peer.last_send_us = now;
    }

    fn send_snapshot(&mut self, ctx: &mut Ctx, peer_id: NodeId, out: &mut Out<Msg, Timer>) {
        let lsn = self.applied_lsn;
        out.send(
            peer_id,
            Msg::Snapshot {
                epoch: self.epoch,
                lsn,
                last_epoch: self.log.epoch_at(lsn).unwrap_or(self.epoch),
                store: self.store.iter().map(|(k, v)| (*k, *v)).collect(),
                sent_us: ctx.now_us,
            },
        );
        let peer = &mut self.peers[peer_id];
        peer.needs_snapshot = false;
        peer.next_lsn = lsn + 1;
        peer.inflight = 1;
        peer.last_send_us = ctx.now_us;
    }

    fn on_append_reply(&mut self, ctx: &mut Ctx, from: NodeId, reply: ReplyArgs, out: &mut Out<Msg, Timer>) {
        if reply.epoch > self.epoch {
            self.epoch = reply.epoch;
            self.voted_for = None;
            self.become_replica();
            self.last_contact_us = ctx.now_us;
            self.reset_election_deadline(ctx);
            return;
        }
        if self.role != Role::Primary || reply.epoch < self.epoch || from >= self.peers.len() {
            return;
        }
        let peer = &mut self.peers[from];
        peer.inflight = peer.inflight.saturating_sub(1);
        if reply.ok {
            peer.write_lsn = reply.write_lsn;
            peer.flush_lsn = reply.flush_lsn;
            peer.apply_lsn = reply.apply_lsn;
            peer.acked_sent_us = peer.acked_sent_us.max(reply.echo_sent_us);
            peer.next_lsn = peer.next_lsn.max(reply.write_lsn + 1);
        } else if reply.need_snapshot {
            peer.needs_snapshot = true;
            peer.inflight = 0;
        } else {
            peer.next_lsn = reply.hint_lsn.clamp(1, self.log.last_lsn() + 1);
            peer.inflight = 0;
        }
        self.advance_commit(ctx, out);
        self.replicate_to(ctx, from, out, false);
    }

    fn on_client_write(&mut self, ctx: &mut Ctx, request: ClientRequest, out: &mut Out<Msg, Timer>) {
        if self.role != Role::Primary {
            out.reply(request.op, Reply::Fail(FailReason::NotPrimary));
            return;
        }
        if !self.serves_as_primary(ctx.now_us, ctx.nodes, ctx.me) {
            out.reply(request.op, Reply::Fail(FailReason::NotReady));
            return;
        }
        if self.waiting.len() >= WAITING_WRITES_MAX {
            out.reply(request.op, Reply::Fail(FailReason::Overloaded));
            return;
        }
        let lsn = self.log.last_lsn() + 1;
        self.log.push(Entry {
            lsn,
            epoch: self.epoch,
            write: Some((request.key, request.value)),
            appended_us: ctx.now_us,
        });
        self.waiting.push_back((lsn, request.op));
        self.pump_disk(out);
        if self.config.commit == CommitMode::Async {
            // Asynchronous commit answers at once, before any disk or replica has the write.
            self.advance_commit(ctx, out);
        }
    }

    fn on_client_read(&mut self, ctx: &mut Ctx, request: ClientRequest, out: &mut Out<Msg, Timer>) {
        if self.role != Role::Primary && self.config.reads == ReadRouting::Primary {
            // Sent to the primary, reached a node that is not (or no longer) one: refuse, as
            // a Raft follower does, rather than answer from a store that may be behind.
            out.reply(request.op, Reply::Fail(FailReason::NotPrimary));
            return;
        }
        if self.role == Role::Primary {
            let ready =
                self.serves_as_primary(ctx.now_us, ctx.nodes, ctx.me) && self.commit_lsn >= self.epoch_start_lsn;
            if !ready {
                out.reply(request.op, Reply::Fail(FailReason::NotReady));
                return;
            }
        }
        let value = self.store.get(&request.key).copied().unwrap_or(0);
        out.reply(request.op, Reply::Ok { read_value: Some(value), epoch: self.epoch });
    }

    // ----- elections -----

    fn heard_primary_recently(&self, now_us: u64, nodes: usize, me: NodeId) -> bool {
        if now_us < self.votes_withheld_until_us {
            return true;
        }
        match self.role {
            Role::Primary => self.lease_valid(now_us, nodes, me),
            _ => self.primary.is_some() && now_us.saturating_sub(self.last_contact_us) < self.config.lease_us,
        }
    }

    fn start_election(&mut self, ctx: &mut Ctx, out: &mut Out<Msg, Timer>) {
        self.epoch += 1;
        self.role = Role::Candidate;
        self.primary = None;
        self.voted_for = Some(ctx.me);
        self.votes = 1 << ctx.me;
        self.reset_retry_deadline(ctx);
        if majority(ctx.nodes) == 1 {
            self.become_primary(ctx, out);
            return;
        }
        for peer in 0..ctx.nodes {
            if peer != ctx.me {
                out.send(
                    peer,
                    Msg::VoteRequest {
                        epoch: self.epoch,
                        last_epoch: self.log.last_epoch(),
                        last_lsn: self.log.last_lsn(),
                    },
                );
            }
        }
    }

    fn on_vote_request(&mut self, ctx: &mut Ctx, from: NodeId, args: (u64, u64, u64), out: &mut Out<Msg, Timer>) {
        let (epoch, last_epoch, last_lsn) = args;
        if self.config.failover != FailoverMode::Auto
            || self.heard_primary_recently(ctx.now_us, ctx.nodes, ctx.me)
            || epoch < self.epoch
        {
            out.send(from, Msg::VoteReply { epoch: self.epoch, granted: false });
            return;
        }
        if epoch > self.epoch {
            self.epoch = epoch;
            self.voted_for = None;
            if self.role != Role::Replica {
                self.become_replica();
            }
        }
        let up_to_date = (last_epoch, last_lsn) >= (self.log.last_epoch(), self.log.last_lsn());
        let granted = up_to_date && self.voted_for.is_none_or(|v| v == from);
        if granted {
            self.voted_for = Some(from);
            self.reset_election_deadline(ctx);
        } else if !up_to_date {
            // We are further ahead than the candidate: stand ourselves, soon.
            self.election_deadline_us = self.election_deadline_us.min(ctx.now_us + self.config.heartbeat_us);
        }
        out.send(from, Msg::VoteReply { epoch: self.epoch, granted });
    }

    fn on_vote_reply(&mut self, ctx: &mut Ctx, from: NodeId, epoch: u64, granted: bool, out: &mut Out<Msg, Timer>) {
        if epoch > self.epoch {
            self.epoch = epoch;
            self.voted_for = None;
            self.become_replica();
            self.reset_election_deadline(ctx);
            return;
        }
        if self.role != Role::Candidate || epoch != self.epoch || !granted {
            return;
        }
        self.votes |= 1 << from;
        if self.votes.count_ones() as usize >= majority(ctx.nodes) {
            self.become_primary(ctx, out);
        }
    }

    // ----- naive failover -----

    fn start_naive_poll(&mut self, ctx: &mut Ctx, out: &mut Out<Msg, Timer>) {
        self.polling = true;
        self.poll_found_better = false;
        for peer in 0..ctx.nodes {
            if peer != ctx.me {
                out.send(peer, Msg::StatusQuery);
            }
        }
        out.set_timer(self.config.naive_poll_us, Timer::NaiveDecide);
    }

    fn on_status_reply(&mut self, ctx: &mut Ctx, from: NodeId, status: (u64, u64, bool)) {
        let (last_epoch, last_lsn, sees_primary) = status;
        let theirs = (last_epoch, last_lsn, std::cmp::Reverse(from));
        let mine = (self.log.last_epoch(), self.log.last_lsn(), std::cmp::Reverse(ctx.me));
        if self.polling && (sees_primary || theirs > mine) {
            self.poll_found_better = true;
        }
    }

    fn naive_decide(&mut self, ctx: &mut Ctx, out: &mut Out<Msg, Timer>) {
        let silent = ctx.now_us.saturating_sub(self.last_contact_us) >= self.config.naive_timeout_us;
        let should_promote = self.polling && !self.poll_found_better && silent && self.role == Role::Replica;
        self.polling = false;
        if should_promote {
            // Epochs unique per node, so two naive primaries never share one.
            let nodes = ctx.nodes as u64;
            self.epoch = (self.epoch / nodes + 1) * nodes + ctx.me as u64;
            self.become_primary(ctx, out);
        }
    }

    // ----- housekeeping -----

    fn on_wal_writer(&mut self, out: &mut Out<Msg, Timer>) {
        out.set_timer(self.config.wal_writer_delay_us, Timer::WalWriter);
        self.flush_requested_lsn = self.log.last_lsn();
        self.pump_disk(out);
    }

    fn on_tick(&mut self, ctx: &mut Ctx, out: &mut Out<Msg, Timer>) {
        out.set_timer(self.config.heartbeat_us, Timer::Tick);
        match self.role {
            Role::Primary => self.primary_tick(ctx, out),
            Role::Replica | Role::Candidate | Role::Coordinator => self.replica_tick(ctx, out),
        }
    }

    fn primary_tick(&mut self, ctx: &mut Ctx, out: &mut Out<Msg, Timer>) {
        let now = ctx.now_us;
        if self.config.failover == FailoverMode::Auto {
            let basis = self.lease_basis_us(ctx.nodes, ctx.me);
            if basis != u64::MAX && now >= basis + self.config.election_timeout_us {
                // Cut off from a majority for an election timeout: others may elect.
                self.become_replica();
                self.last_contact_us = now;
                self.reset_election_deadline(ctx);
                return;
            }
        }
        self.update_semi_sync(now);
        self.advance_commit(ctx, out);
        self.replicate(ctx, out, true);
        self.compact_primary_log();
    }

    fn update_semi_sync(&mut self, now_us: u64) {
        if self.config.commit != CommitMode::SemiSync {
            return;
        }
        if self.semi_sync_degraded {
            let caught_up = self.peers.iter().any(|peer| peer.write_lsn >= self.flushed_lsn && self.flushed_lsn > 0);
            if caught_up {
                self.semi_sync_degraded = false;
            }
        } else if let Some(&(lsn, _)) = self.waiting.front() {
            let waited = self.log.get(lsn).map_or(0, |entry| now_us.saturating_sub(entry.appended_us));
            if waited >= self.config.semi_sync_timeout_us {
                self.semi_sync_degraded = true;
            }
        }
    }

    fn compact_primary_log(&mut self) {
        let needed = self.peers.iter().map(|peer| peer.next_lsn.saturating_sub(1)).min().unwrap_or(self.commit_lsn);
        let mut target = self.commit_lsn.min(needed);
        let overflow = self.log.len().saturating_sub(LOG_RETAINED_MAX) as u64;
        target = target.max((self.log.base_lsn() + overflow).min(self.commit_lsn));
        self.log.compact_to(target);
    }

    fn replica_tick(&mut self, ctx: &mut Ctx, out: &mut Out<Msg, Timer>) {
        let now = ctx.now_us;
        match self.config.failover {
            FailoverMode::Auto => {
                let deadline = self.election_deadline_us + self.lag_penalty_us();
                if deadline < now + self.config.heartbeat_us {
                    out.set_timer(deadline.saturating_sub(now), Timer::Election);
                }
            }
            FailoverMode::Naive => {
                if !self.polling && now.saturating_sub(self.last_contact_us) >= self.config.naive_timeout_us {
                    self.start_naive_poll(ctx, out);
                }
            }
            FailoverMode::Manual => {}
        }
        if self.applied_lsn > self.log.base_lsn() + 2 * REPLICA_RETAINED {
            self.log.compact_to(self.applied_lsn - REPLICA_RETAINED);
        }
    }

    /// Less up-to-date replicas wait longer before standing for election.
    fn lag_penalty_us(&self) -> u64 {
        let behind = self.known_end_lsn.saturating_sub(self.log.last_lsn()).min(1000);
        behind * 2_000
    }

    fn status_line(&self, now_us: u64) -> String {
        match self.role {
            Role::Primary if now_us < self.ready_at_us => {
                format!("promoting · epoch {}", self.epoch)
            }
            Role::Primary => {
                let degraded = if self.semi_sync_degraded { " · semi-sync degraded to async" } else { "" };
                format!("primary · epoch {} · commit {}{degraded}", self.epoch, self.commit_lsn)
            }
            Role::Candidate => format!("candidate · epoch {}", self.epoch),
            Role::Replica | Role::Coordinator => {
                format!("replica · epoch {} · applied {}", self.epoch, self.applied_lsn)
            }
        }
    }
}

enum Refusal {
    Snapshot,
    ResumeAt(u64),
}

struct AppendArgs {
    epoch: u64,
    prev_lsn: u64,
    prev_epoch: u64,
    entries: Vec<Entry>,
    end_lsn: u64,
    sent_us: u64,
    next_unsent: Option<(u64, u64)>,
}

struct SnapshotArgs {
    epoch: u64,
    lsn: u64,
    last_epoch: u64,
    store: Vec<(Key, Value)>,
    sent_us: u64,
}

struct ReplyArgs {
    epoch: u64,
    ok: bool,
    need_snapshot: bool,
    hint_lsn: u64,
    write_lsn: u64,
    flush_lsn: u64,
    apply_lsn: u64,
    echo_sent_us: u64,
}

impl Protocol for HdfcNode {
    type Msg = Msg;
    type Timer = Timer;

    fn start(&mut self, ctx: &mut Ctx, out: &mut Out<Msg, Timer>) {
        self.peers = vec![Peer { next_lsn: 1, ..Peer::default() }; ctx.nodes];
        self.reset_election_deadline(ctx);
        // Random phase, so nodes' housekeeping does not tick in lockstep.
        out.set_timer(1 + ctx.rng.below(self.config.heartbeat_us), Timer::Tick);
        if self.config.commit == CommitMode::Async {
            out.set_timer(self.config.wal_writer_delay_us, Timer::WalWriter);
        }
    }

    fn on_message(&mut self, ctx: &mut Ctx, from: NodeId, msg: Msg, out: &mut Out<Msg, Timer>) {
        match msg {
            Msg::Append { epoch, prev_lsn, prev_epoch, entries, end_lsn, sent_us, next_unsent, .. } => {
                let args = AppendArgs { epoch, prev_lsn, prev_epoch, entries, end_lsn, sent_us, next_unsent };
                self.on_append(ctx, from, args, out)
            }
            Msg::AppendReply { epoch, ok, need_snapshot, hint_lsn, write_lsn, flush_lsn, apply_lsn, echo_sent_us } => {
                self.on_append_reply(
                    ctx,
                    from,
                    ReplyArgs { epoch, ok, need_snapshot, hint_lsn, write_lsn, flush_lsn, apply_lsn, echo_sent_us },
                    out,
                )
            }
            Msg::Snapshot { epoch, lsn, last_epoch, store, sent_us } => {
                self.on_snapshot(ctx, from, SnapshotArgs { epoch, lsn, last_epoch, store, sent_us }, out)
            }
            Msg::VoteRequest { epoch, last_epoch, last_lsn } => {
                self.on_vote_request(ctx, from, (epoch, last_epoch, last_lsn), out)
            }
            Msg::VoteReply { epoch, granted } => self.on_vote_reply(ctx, from, epoch, granted, out),
            Msg::StatusQuery => {
                let sees_primary = self.role == Role::Primary
                    || (self.primary.is_some()
                        && ctx.now_us.saturating_sub(self.last_contact_us) < self.config.naive_timeout_us);
                out.send(
                    from,
                    Msg::StatusReply { last_epoch: self.log.last_epoch(), last_lsn: self.log.last_lsn(), sees_primary },
                );
            }
            Msg::StatusReply { last_epoch, last_lsn, sees_primary } => {
                self.on_status_reply(ctx, from, (last_epoch, last_lsn, sees_primary))
            }
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx, timer: Timer, out: &mut Out<Msg, Timer>) {
        match timer {
            Timer::Tick => self.on_tick(ctx, out),
            Timer::Apply(upto) => self.on_apply_timer(upto, out),
            Timer::NaiveDecide => self.naive_decide(ctx, out),
            Timer::WalWriter => self.on_wal_writer(out),
            Timer::Election => {
                let due = ctx.now_us >= self.election_deadline_us + self.lag_penalty_us();
                if due && self.role != Role::Primary && self.config.failover == FailoverMode::Auto {
                    self.start_election(ctx, out);
                }
            }
        }
    }

    fn on_client(&mut self, ctx: &mut Ctx, request: ClientRequest, out: &mut Out<Msg, Timer>) {
        match request.kind {
            OpKind::Read => self.on_client_read(ctx, request, out),
            _ => self.on_client_write(ctx, request, out),
        }
    }

    fn on_disk(&mut self, ctx: &mut Ctx, done: DiskDone, out: &mut Out<Msg, Timer>) {
        match done {
            DiskDone::Written(token) => {
                self.write_inflight = false;
                let (generation, lsn) = token_parts(token);
                if generation == self.disk_generation {
                    self.on_written(lsn, out);
                } else {
                    self.pump_disk(out);
                }
            }
            DiskDone::Synced(token) => {
                self.sync_inflight = false;
                let (generation, lsn) = token_parts(token);
                if generation == self.disk_generation {
                    self.on_synced(ctx, lsn, out);
                } else {
                    self.pump_disk(out);
                }
            }
        }
    }

    fn crash(&mut self) {
        // What was not fsynced is gone. The store holds only flushed entries, except under
        // asynchronous commit, where the undo records roll it back.
        self.undo_unflushed();
        debug_assert!(self.applied_lsn <= self.flushed_lsn.max(self.log.base_lsn()));
        self.log.truncate_from(self.flushed_lsn + 1);
        self.written_lsn = self.flushed_lsn;
        self.disk_generation += 1;
        self.write_inflight = false;
        self.sync_inflight = false;
        self.apply_scheduled_lsn = self.applied_lsn;
        self.apply_busy_until_us = 0;
        self.waiting.clear();
        self.peers.clear();
        self.votes = 0;
        self.polling = false;
        self.verified_lsn = 0;
    }

    fn restart(&mut self, ctx: &mut Ctx, out: &mut Out<Msg, Timer>) {
        self.last_contact_us = ctx.now_us;
        // Whatever it acknowledged before the crash may hold up a primary's lease for up
        // to a lease from then; the memory of it is gone, so wait out a whole lease.
        self.votes_withheld_until_us = ctx.now_us + self.config.lease_us;
        self.reset_election_deadline(ctx);
        out.set_timer(self.config.heartbeat_us, Timer::Tick);
        if self.config.commit == CommitMode::Async {
            out.set_timer(self.config.wal_writer_delay_us, Timer::WalWriter);
        }
        if self.boots_as_primary && self.config.failover != FailoverMode::Auto {
            // Configured primary (naive, manual): resumes, replaying its durable log.
            self.role = Role::Primary;
            self.primary = None;
            self.peers = vec![Peer { next_lsn: self.log.last_lsn() + 1, ..Peer::default() }; ctx.nodes];
            let unapplied = self.flushed_lsn.saturating_sub(self.applied_lsn);
            self.ready_at_us = ctx.now_us + unapplied * self.config.apply_us;
            self.commit_lsn = self.flushed_lsn;
            self.apply_up_to(self.flushed_lsn);
            self.replicate(ctx, out, true);
        } else {
            self.role = Role::Replica;
            self.primary = None;
            self.schedule_apply(ctx, out);
        }
    }

    fn cpu_cost_us(&self, kind: MessageKind) -> u64 {
        match kind {
            MessageKind::Request => self.config.request_cpu_us,
            MessageKind::Snapshot => 20_000,
            MessageKind::Replicate => 10,
            _ => 5,
        }
    }

    fn view(&self, now_us: u64) -> NodeView {
        NodeView {
            role: self.role,
            epoch: self.epoch,
            log_end: self.log.last_lsn(),
            flushed: self.flushed_lsn,
            applied: self.applied_lsn,
            commit: self.commit_lsn,
            lag_us: self.lag_us(now_us).unwrap_or(0),
            status: self.status_line(now_us),
            vector_clock: Vec::new(),
            conflicts: 0,
            in_doubt: 0,
            blocked: 0,
            in_doubt_longest_us: 0,
            detail: Vec::new(),
        }
    }

    fn route_info(&self) -> RouteInfo {
        RouteInfo { role: self.role, epoch: self.epoch, serving: true }
    }

    /// The age of the oldest write the primary held that this replica has not applied:
    /// from its own unapplied entries, or from what the primary said it had not yet flushed
    /// (and so not shipped). PostgreSQL's replay lag measures the first; under async commit
    /// the second is what a reader of the replica misses.
    fn lag_us(&self, now_us: u64) -> Option<u64> {
        if self.role == Role::Primary {
            return None;
        }
        let silent_us = now_us.saturating_sub(self.last_contact_us);
        let unshipped = self
            .primary_next_unsent
            .filter(|(lsn, _)| *lsn > self.applied_lsn)
            .map_or(0, |(_, appended)| now_us.saturating_sub(appended));
        if self.known_end_lsn > self.applied_lsn {
            let oldest_unapplied = self.log.get(self.applied_lsn + 1).map(|entry| entry.appended_us);
            return Some(oldest_unapplied.map_or(silent_us, |t| now_us.saturating_sub(t)).max(unshipped));
        }
        Some(if silent_us < 2 * self.config.heartbeat_us { unshipped } else { silent_us })
    }

    fn store(&self) -> &BTreeMap<Key, Value> {
        &self.store
    }
}

/// Writes go to the nearest node that claims to be primary (highest epoch on a tie).
fn route_to_primary(candidates: &[RouteCandidate]) -> Option<NodeId> {
    candidates
        .iter()
        .filter(|c| c.info.role == Role::Primary)
        .min_by(|a, b| a.one_way_us.total_cmp(&b.one_way_us).then(b.info.epoch.cmp(&a.info.epoch)))
        .map(|c| c.node)
}

fn replicas(candidates: &[RouteCandidate]) -> impl Iterator<Item = &RouteCandidate> {
    candidates.iter().filter(|c| c.info.role != Role::Primary)
}

/// Router for `reads=primary`.
pub fn route_reads_primary(_kind: OpKind, candidates: &[RouteCandidate], _rng: &mut Stream) -> Option<NodeId> {
    route_to_primary(candidates)
}

/// Router for `reads=any`: reads to a random replica.
pub fn route_reads_any(kind: OpKind, candidates: &[RouteCandidate], rng: &mut Stream) -> Option<NodeId> {
    if !kind.is_read() {
        return route_to_primary(candidates);
    }
    let count = replicas(candidates).count();
    if count == 0 {
        return route_to_primary(candidates);
    }
    replicas(candidates).nth(rng.below(count as u64) as usize).map(|c| c.node)
}

/// Router for `reads=nearest`: reads to the nearest replica.
pub fn route_reads_nearest(kind: OpKind, candidates: &[RouteCandidate], _rng: &mut Stream) -> Option<NodeId> {
    if !kind.is_read() {
        return route_to_primary(candidates);
    }
    replicas(candidates)
        .min_by(|a, b| a.one_way_us.total_cmp(&b.one_way_us))
        .map(|c| c.node)
        .or_else(|| route_to_primary(candidates))
}
