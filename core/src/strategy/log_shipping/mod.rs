//! Log shipping: primary/replica replication, as HDFC-style core banking runs it (the
//! `hdfc`, `consensus` and `lag-monitor` scenarios).
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

mod commit;
mod disk;
mod election;
mod naive;
mod replication;
mod routing;

pub use commit::NODES_MAX;
use commit::{kth_largest, majority};
use replication::{AppendArgs, ReplyArgs, SnapshotArgs};
pub use routing::{route_reads_any, route_reads_nearest, route_reads_primary};

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::VariantNames, strum::EnumString, strum::IntoStaticStr)]
pub enum CommitMode {
    /// Immediately; the log is flushed by the WAL writer every `wal_writer_delay_us`
    /// (PostgreSQL's asynchronous commit). A crash loses what was not yet flushed.
    #[strum(serialize = "async")]
    Async,
    /// After its own fsync; replication is asynchronous.
    #[strum(serialize = "local")]
    Local,
    /// After one replica wrote it, or its own fsync once degraded by the timeout.
    #[strum(serialize = "semi-sync")]
    SemiSync,
    /// After a quorum of replicas wrote it.
    #[strum(serialize = "remote_write")]
    RemoteWrite,
    /// After a quorum of replicas fsynced it.
    #[strum(serialize = "on")]
    On,
    /// After a quorum of replicas applied it.
    #[strum(serialize = "remote_apply")]
    RemoteApply,
}

impl crate::vocabulary::Choice for CommitMode {}

impl CommitMode {
    fn needs_quorum(self) -> bool {
        matches!(self, CommitMode::RemoteWrite | CommitMode::On | CommitMode::RemoteApply)
    }
}

/// Where reads go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::VariantNames, strum::EnumString, strum::IntoStaticStr)]
pub enum ReadRouting {
    /// To the primary.
    #[strum(serialize = "primary")]
    Primary,
    /// To a random replica.
    #[strum(serialize = "any")]
    Any,
    /// To the nearest replica.
    #[strum(serialize = "nearest")]
    Nearest,
}

impl crate::vocabulary::Choice for ReadRouting {}

/// How a failed primary is replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::VariantNames, strum::EnumString, strum::IntoStaticStr)]
pub enum FailoverMode {
    /// Majority election with leases and epoch fencing.
    #[strum(serialize = "auto")]
    Auto,
    /// Promote on missed heartbeats, no quorum.
    #[strum(serialize = "naive")]
    Naive,
    /// Never automatically.
    #[strum(serialize = "manual")]
    Manual,
}

impl crate::vocabulary::Choice for FailoverMode {}

/// Settings of the strategy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogShippingConfig {
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

impl Default for LogShippingConfig {
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
pub struct LogShippingNode {
    config: LogShippingConfig,
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

impl LogShippingNode {
    /// A node; node 0 starts as primary of epoch 1.
    pub fn new(config: LogShippingConfig, is_primary: bool) -> Self {
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
            primary: if is_primary { None } else { Some(NodeId::new(0)) },
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

impl Protocol for LogShippingNode {
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
            ..NodeView::default()
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
