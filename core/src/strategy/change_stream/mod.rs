//! `data-sync`: three ways to move changes from one source database to downstream
//! consumers.
//!
//! The **source** (Mumbai) takes every write: it appends a change record (key, amount) to
//! its log, makes it durable with group commit, applies it to its table and acknowledges.
//! The log is the one ordered history every consumer reads, by position (LSN = offset):
//!
//! - **WAL shipping** (the cache in Delhi): the source pushes durable records; the replica
//!   applies them strictly in LSN order, so a record it already has is recognised by its
//!   position and skipped — a physical replica is byte-for-byte by construction.
//! - **Change data capture** (the search index in Bangalore): the consumer pulls the change
//!   stream from an offset, applies, makes its state durable, and every `commit_ms` commits
//!   its offset to the source (as a Kafka consumer group commits to its broker). After a
//!   crash it resumes from the committed offset, so records between that offset and what it
//!   had made durable are delivered again: at-least-once. With `apply=idempotent` the
//!   consumer stores its applied offset in the same durable write as the data and skips what
//!   it has; with `apply=naive` it applies every record it is given and counts twice.
//! - **Event sourcing** (the analytics store in Hyderabad): the log is the source of truth
//!   and the projection a fold over it, kept in memory. Every `snapshot_every` events the
//!   projection writes a snapshot; after a crash it rebuilds from its last snapshot by
//!   replaying the events after it (`replay_us` each), serving nothing meanwhile.
//!
//! Every consumer keeps the same table as the source (a counter per key), so "equal to the
//! source after quiescence" is the divergence check. Consumers also keep a ledger — which
//! offsets reached their durable state — that the protocol never consults (in naive mode)
//! and the `duplicate_apply` checker reads. This module must not look at the engine.

mod consumer;

use crate::protocol::{
    ClientRequest, Ctx, DiskDone, FailReason, Key, Ledger, Message, MessageKind, NodeId, NodeView, OpId, Out, Protocol,
    Reply, Role, RouteInfo, StateExtras, Value,
};
use crate::self_report::{DuplicateApplied, SyncLog, SyncRebuild};
use std::collections::BTreeMap;

/// Most records the source's log holds; writes beyond are refused as overloaded.
pub const LOG_RECORDS_MAX: usize = 4_000_000;
/// Most records in one shipment or one fetch answer.
pub const BATCH_RECORDS_MAX: u64 = 500;
/// Most shipments sent to the WAL replica at once (its acknowledgements bring more).
pub const SHIP_BATCHES_MAX: usize = 64;
/// Most records shipped to the WAL replica and not yet acknowledged (the window): without
/// it, every gap the replica reported made the source send its backlog again, and on a slow
/// link the copies queued behind each other for minutes (found by the nemesis).
pub const SHIP_WINDOW_RECORDS: u64 = 8 * BATCH_RECORDS_MAX;
/// Most records in one fetch answer while a projection rebuilds.
pub const REPLAY_BATCH_MAX: u64 = 2_000;
/// Most duplicate applications a consumer lists (it counts them all).
pub const DUPLICATES_LISTED_MAX: usize = 10_000;
/// Most rebuilds a projection remembers.
pub const REBUILDS_MAX: usize = 100;
/// Bytes of one change record on the wire and on disk.
pub const RECORD_BYTES: u32 = 64;
/// Interval of the source's housekeeping (resending to a silent WAL replica).
const TICK_US: u64 = 100_000;
/// Silence after which an unanswered shipment or fetch is sent again.
const RESEND_US: u64 = 500_000;

/// How a consumer applies the change stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::VariantNames, strum::EnumString, strum::IntoStaticStr)]
pub enum ApplyMode {
    /// Stores the applied offset with the data and skips records it already has.
    #[strum(serialize = "idempotent")]
    Idempotent,
    /// Applies whatever it is given.
    #[strum(serialize = "naive")]
    Naive,
}

impl crate::vocabulary::Choice for ApplyMode {}

/// Settings of the strategy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StreamConfig {
    /// How the CDC consumer applies.
    pub apply: ApplyMode,
    /// Interval between a CDC consumer's offset commits.
    pub commit_interval_us: u64,
    /// Interval between fetches when the stream is idle.
    pub poll_interval_us: u64,
    /// Events between two projection snapshots (0: never snapshot).
    pub snapshot_every: u64,
    /// Time to replay one event during a rebuild.
    pub replay_us: u64,
}

impl Default for StreamConfig {
    fn default() -> Self {
        Self {
            apply: ApplyMode::Idempotent,
            commit_interval_us: 1_000_000,
            poll_interval_us: 100_000,
            snapshot_every: 5_000,
            replay_us: 20,
        }
    }
}

/// One change: add `amount` to `key`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    /// Position in the log (1-based).
    pub offset: u64,
    /// The client write that made it.
    pub op: OpId,
    /// Key.
    pub key: Key,
    /// Amount added.
    pub amount: u64,
    /// When the source appended it.
    pub appended_us: u64,
}

/// Messages of data-sync.
#[derive(Debug, Clone)]
pub enum Msg {
    /// Source → WAL replica: durable records from `changes[0].offset`.
    Ship {
        /// Records.
        changes: Vec<Change>,
        /// The first record after these, and when it was appended (what the replica lacks).
        next: Option<(u64, u64)>,
        /// The source's durable end.
        end: u64,
    },
    /// WAL replica → source: durable up to here.
    ShipAck {
        /// Durable offset.
        offset: u64,
        /// Send again from here (after a gap or a restart).
        resend: bool,
    },
    /// Consumer → source: records from `from` on.
    Fetch {
        /// First offset wanted.
        from: u64,
        /// Most records.
        max: u64,
    },
    /// Source → consumer: the answer to a fetch.
    Records {
        /// First offset asked for.
        from: u64,
        /// Records.
        changes: Vec<Change>,
        /// The first record after these, and when it was appended.
        next: Option<(u64, u64)>,
        /// The source's durable end.
        end: u64,
    },
    /// CDC consumer → source: commit my offset.
    Commit {
        /// Offset.
        offset: u64,
    },
    /// Consumer → source after a restart: where did I commit?
    OffsetQuery,
    /// Source → consumer: the committed offset.
    Offset {
        /// Committed offset (0: none).
        offset: u64,
    },
}

impl Message for Msg {
    fn kind(&self) -> MessageKind {
        match self {
            Msg::Ship { .. } => MessageKind::Replicate,
            Msg::ShipAck { .. } => MessageKind::Ack,
            Msg::Fetch { .. } | Msg::Records { .. } | Msg::Commit { .. } | Msg::OffsetQuery | Msg::Offset { .. } => {
                MessageKind::Stream
            }
        }
    }

    fn size_bytes(&self) -> u32 {
        match self {
            Msg::Ship { changes, .. } | Msg::Records { changes, .. } => 64 + RECORD_BYTES * changes.len() as u32,
            _ => 64,
        }
    }
}

/// Timers of data-sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timer {
    /// Source housekeeping.
    Tick,
    /// A consumer's fetch.
    Poll,
    /// A CDC consumer's offset commit.
    CommitOffset,
    /// A projection finished replaying a batch.
    Replayed,
}

/// A fetch's answer, unpacked.
#[derive(Debug)]
struct Records {
    from: u64,
    changes: Vec<Change>,
    next: Option<(u64, u64)>,
    end: u64,
}

/// Which part a node plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The source database.
    Source,
    /// A physical replica fed by WAL shipping.
    WalReplica,
    /// A consumer of the change stream.
    Cdc,
    /// An event-sourced projection.
    Projection,
}

impl Part {
    fn pattern(self) -> &'static str {
        match self {
            Part::Source => "source",
            Part::WalReplica => "wal_shipping",
            Part::Cdc => "cdc",
            Part::Projection => "event_sourcing",
        }
    }
}

/// The source's state.
#[derive(Debug, Default)]
struct SourceState {
    log: Vec<Change>,
    durable_end: u64,
    sync_inflight: bool,
    waiting: Vec<(OpId, u64)>,
    committed: BTreeMap<NodeId, u64>,
    replica: Option<NodeId>,
    replica_acked: u64,
    replica_sent: u64,
    replica_sent_us: u64,
    /// When the source last went back to the replica's position on its request.
    replica_rewound_us: Option<u64>,
}

/// A consumer's state (WAL replica, CDC consumer or projection).
#[derive(Debug, Default)]
struct ConsumerState {
    /// Highest offset applied to the in-memory table.
    applied: u64,
    /// Highest offset in the durable state (the data's own disk, or the snapshot).
    durable: u64,
    /// Applied since the last durable write, to undo on a crash.
    undo: Vec<Change>,
    /// Where the next fetch starts (`None` until the committed offset is known).
    position: Option<u64>,
    fetch_outstanding_since: Option<u64>,
    known_end: u64,
    next_unseen: Option<(u64, u64)>,
    write_inflight: bool,
    committed_sent: u64,
    /// The durable snapshot of a projection: its table and offset.
    snapshot: Option<(BTreeMap<Key, Value>, u64)>,
    rebuilding: Option<(u64, u64, u64)>,
    log: SyncLog,
    /// Ledger (instrumentation): the highest offset that reached durable state.
    ledger_durable: u64,
    /// How much of the node's ledger the durable snapshot covers (projection).
    snapshot_ledger: u64,
    /// When the WAL replica last asked the source to go back to its position.
    resend_asked_us: Option<u64>,
}

/// A data-sync node.
#[derive(Debug)]
pub struct StreamNode {
    config: StreamConfig,
    part: Part,
    store: BTreeMap<Key, Value>,
    /// Every change applied to the store: what the node's counters are made of.
    ledger: Ledger,
    source: SourceState,
    consumer: ConsumerState,
    source_node: NodeId,
}

impl StreamNode {
    /// A node playing `part`; consumers read from node 0.
    pub fn new(config: StreamConfig, part: Part) -> Self {
        let mut consumer = ConsumerState::default();
        consumer.log.pattern = part.pattern();
        Self {
            config,
            part,
            store: BTreeMap::new(),
            ledger: Ledger::default(),
            source: SourceState::default(),
            consumer,
            source_node: NodeId::new(0),
        }
    }

    fn add(store: &mut BTreeMap<Key, Value>, change: &Change, sign_positive: bool) {
        let entry = store.entry(change.key).or_insert(0);
        *entry = if sign_positive { entry.wrapping_add(change.amount) } else { entry.wrapping_sub(change.amount) };
        if *entry == 0 {
            store.remove(&change.key);
        }
    }

    // ---- source ----

    fn source_write(&mut self, request: ClientRequest, out: &mut Out<Msg, Timer>, now_us: u64) {
        if self.source.log.len() >= LOG_RECORDS_MAX {
            out.reply(request.op, Reply::Fail(FailReason::Overloaded));
            return;
        }
        let offset = self.source.log.len() as u64 + 1;
        let amount = request.amount.max(0) as u64;
        self.source.log.push(Change { offset, op: request.op, key: request.key, amount, appended_us: now_us });
        self.source.waiting.push((request.op, offset));
        self.source_flush(out);
    }

    fn source_flush(&mut self, out: &mut Out<Msg, Timer>) {
        let end = self.source.log.len() as u64;
        if !self.source.sync_inflight && end > self.source.durable_end {
            self.source.sync_inflight = true;
            out.disk_write(RECORD_BYTES * (end - self.source.durable_end) as u32, end);
        }
    }

    fn source_synced(&mut self, end: u64, now_us: u64, out: &mut Out<Msg, Timer>) {
        self.source.sync_inflight = false;
        let from = self.source.durable_end as usize;
        let to = (end as usize).min(self.source.log.len());
        for change in &self.source.log[from.min(to)..to] {
            Self::add(&mut self.store, change, true);
            self.ledger.post(change.key, change.op, change.amount as i64);
        }
        self.source.durable_end = self.source.durable_end.max(to as u64);
        let durable = self.source.durable_end;
        self.source.waiting.retain(|&(op, offset)| {
            if offset <= durable {
                out.reply(op, Reply::Ok { read_value: None, epoch: 1 });
                false
            } else {
                true
            }
        });
        self.ship(now_us, out, false);
        self.source_flush(out);
    }

    fn slice(&self, from: u64, max: u64) -> (Vec<Change>, Option<(u64, u64)>) {
        let start = from.max(1) as usize - 1;
        let end = (self.source.durable_end as usize).min(start + max as usize);
        let changes = self.source.log.get(start..end).map(<[Change]>::to_vec).unwrap_or_default();
        let next = self.source.log.get(end).filter(|_| end < self.source.durable_end as usize);
        (changes, next.map(|change| (change.offset, change.appended_us)))
    }

    /// Pushes durable records to the WAL replica; after silence, resends one batch from its
    /// acknowledged position (its acknowledgement brings the rest).
    fn ship(&mut self, now_us: u64, out: &mut Out<Msg, Timer>, resend: bool) {
        let Some(replica) = self.source.replica else { return };
        if resend {
            self.source.replica_sent = self.source.replica_acked;
        }
        let batches_max = if resend { 1 } else { SHIP_BATCHES_MAX };
        for _ in 0..batches_max {
            let in_flight = self.source.replica_sent.saturating_sub(self.source.replica_acked);
            if self.source.replica_sent >= self.source.durable_end || in_flight >= SHIP_WINDOW_RECORDS {
                break;
            }
            let (changes, next) = self.slice(self.source.replica_sent + 1, BATCH_RECORDS_MAX);
            let Some(last) = changes.last().map(|change| change.offset) else { break };
            self.source.replica_sent = last;
            self.source.replica_sent_us = now_us;
            out.send(replica, Msg::Ship { changes, next, end: self.source.durable_end });
        }
    }

    fn source_message(&mut self, from: NodeId, msg: Msg, now_us: u64, out: &mut Out<Msg, Timer>) {
        match msg {
            Msg::ShipAck { offset, resend } => {
                self.source.replica = Some(from);
                self.source.replica_acked = self.source.replica_acked.max(offset);
                // Go back to the replica's position on request, at most once per resend
                // interval: the requests a burst of gaps sends say the same thing.
                let rewind =
                    resend && self.source.replica_rewound_us.is_none_or(|at| now_us.saturating_sub(at) >= RESEND_US);
                if rewind || self.source.replica_sent < offset {
                    self.source.replica_sent = offset;
                    self.source.replica_rewound_us = Some(now_us);
                }
                self.ship(now_us, out, false);
            }
            Msg::Fetch { from: start, max } => {
                let (changes, next) = self.slice(start, max.min(REPLAY_BATCH_MAX));
                out.send(from, Msg::Records { from: start, changes, next, end: self.source.durable_end });
            }
            Msg::Commit { offset } => {
                let committed = self.source.committed.entry(from).or_insert(0);
                *committed = (*committed).max(offset);
            }
            Msg::OffsetQuery => {
                let offset = self.source.committed.get(&from).copied().unwrap_or(0);
                out.send(from, Msg::Offset { offset });
            }
            Msg::Ship { .. } | Msg::Records { .. } | Msg::Offset { .. } => {}
        }
    }

    fn source_tick(&mut self, now_us: u64, out: &mut Out<Msg, Timer>) {
        let silent = now_us.saturating_sub(self.source.replica_sent_us) >= RESEND_US;
        if silent && self.source.replica_acked < self.source.durable_end {
            self.ship(now_us, out, true);
        }
        out.set_timer(TICK_US, Timer::Tick);
    }

    // ---- consumers ----

    fn status(&self, now_us: u64) -> String {
        match self.part {
            Part::Source => format!(
                "source: {} changes durable, {} waiting for fsync",
                self.source.durable_end,
                self.source.log.len() as u64 - self.source.durable_end
            ),
            Part::Projection if self.consumer.rebuilding.is_some() => {
                format!("rebuilding: replayed to event {} of {}", self.consumer.applied, self.consumer.known_end)
            }
            _ => format!(
                "{}: applied {} of {} ({} behind, {} ms)",
                self.part.pattern().replace('_', " "),
                self.consumer.applied,
                self.consumer.known_end,
                self.consumer.known_end.saturating_sub(self.consumer.applied),
                self.lag_us(now_us).unwrap_or(0) / 1000
            ),
        }
    }

    fn detail(&self) -> Vec<String> {
        let log = &self.consumer.log;
        match self.part {
            Part::Source => {
                let mut lines =
                    vec![format!("log end {} · durable {}", self.source.log.len(), self.source.durable_end)];
                lines.push(format!("WAL replica acknowledged {}", self.source.replica_acked));
                for (node, offset) in &self.source.committed {
                    lines.push(format!("consumer {node}: committed offset {offset}"));
                }
                lines
            }
            Part::WalReplica => vec![format!(
                "replayed to LSN {} · durable {} · {} re-sent records skipped by position",
                self.consumer.applied, self.consumer.durable, log.duplicates_delivered
            )],
            Part::Cdc => vec![
                format!(
                    "applied offset {} · durable {} · committed {}",
                    self.consumer.applied, self.consumer.durable, log.committed_offset
                ),
                format!(
                    "redelivered {} · applied twice {} ({})",
                    log.duplicates_delivered,
                    log.duplicates_applied,
                    if self.config.apply == ApplyMode::Idempotent { "idempotent apply" } else { "naive apply" }
                ),
            ],
            Part::Projection => {
                let mut lines = vec![format!(
                    "projection at event {} · snapshot at {}",
                    self.consumer.applied, log.snapshot_offset
                )];
                if let Some(rebuild) = log.rebuilds.last() {
                    lines.push(format!(
                        "last rebuild: {} events from snapshot {} in {} ms",
                        rebuild.events,
                        rebuild.from_offset,
                        rebuild.duration_us / 1000
                    ));
                }
                lines
            }
        }
    }
}

impl Protocol for StreamNode {
    type Msg = Msg;
    type Timer = Timer;

    fn start(&mut self, _ctx: &mut Ctx, out: &mut Out<Msg, Timer>) {
        match self.part {
            Part::Source => out.set_timer(TICK_US, Timer::Tick),
            Part::WalReplica => out.send(self.source_node, Msg::ShipAck { offset: 0, resend: true }),
            Part::Cdc | Part::Projection => {
                self.consumer.position = Some(0);
                out.set_timer(self.config.poll_interval_us, Timer::Poll);
                if self.part == Part::Cdc {
                    // Offsets are committed on the poll after each interval (as a Kafka
                    // consumer's auto-commit does), so commits trail the first poll.
                    out.set_timer(self.config.poll_interval_us + self.config.commit_interval_us, Timer::CommitOffset);
                }
            }
        }
    }

    fn on_message(&mut self, ctx: &mut Ctx, from: NodeId, msg: Msg, out: &mut Out<Msg, Timer>) {
        let now = ctx.now_us;
        if self.part == Part::Source {
            self.source_message(from, msg, now, out);
            return;
        }
        match msg {
            Msg::Ship { changes, next, end } if self.part == Part::WalReplica => {
                self.replica_ship(changes, next, end, now, out)
            }
            Msg::Records { from, changes, next, end } => {
                self.on_records(Records { from, changes, next, end }, now, out)
            }
            Msg::Offset { offset } => {
                self.consumer.fetch_outstanding_since = None;
                self.consumer.position = Some(offset);
                self.fetch(now, out);
            }
            _ => {}
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx, timer: Timer, out: &mut Out<Msg, Timer>) {
        let now = ctx.now_us;
        match timer {
            Timer::Tick => self.source_tick(now, out),
            Timer::Poll => self.on_poll(now, out),
            Timer::CommitOffset => self.on_commit_offset(out),
            Timer::Replayed => self.on_replayed(now, out),
        }
    }

    fn on_client(&mut self, ctx: &mut Ctx, request: ClientRequest, out: &mut Out<Msg, Timer>) {
        if self.part == Part::Source && !request.kind.is_read() {
            self.source_write(request, out, ctx.now_us);
        } else if self.part == Part::Source {
            out.reply(request.op, Reply::Ok { read_value: self.store.get(&request.key).copied(), epoch: 1 });
        } else {
            out.reply(request.op, Reply::Fail(FailReason::NotPrimary));
        }
    }

    fn on_disk(&mut self, ctx: &mut Ctx, done: DiskDone, out: &mut Out<Msg, Timer>) {
        match done {
            DiskDone::Written(token) => out.disk_sync(token),
            DiskDone::Synced(token) if self.part == Part::Source => self.source_synced(token, ctx.now_us, out),
            DiskDone::Synced(token) => self.consumer_synced(token, out),
        }
    }

    fn crash(&mut self) {
        match self.part {
            Part::Source => {
                let durable = self.source.durable_end as usize;
                self.source.log.truncate(durable);
                self.source.waiting.clear();
                self.source.sync_inflight = false;
            }
            Part::WalReplica | Part::Cdc => {
                let undone = std::mem::take(&mut self.consumer.undo);
                for change in &undone {
                    Self::add(&mut self.store, change, false);
                }
                self.ledger.rewind(self.ledger.position().saturating_sub(undone.len() as u64));
                self.consumer.applied = self.consumer.durable;
                self.consumer.write_inflight = false;
                self.consumer.position = None;
                self.consumer.fetch_outstanding_since = None;
                self.consumer.committed_sent = 0;
            }
            Part::Projection => {
                let (store, offset) = self.consumer.snapshot.clone().unwrap_or_default();
                self.store = store;
                self.ledger.rewind(self.consumer.snapshot_ledger);
                self.consumer.applied = offset;
                self.consumer.write_inflight = false;
                self.consumer.position = Some(offset);
                self.consumer.fetch_outstanding_since = None;
            }
        }
        self.consumer.log.restarts += 1;
    }

    fn restart(&mut self, ctx: &mut Ctx, out: &mut Out<Msg, Timer>) {
        let now = ctx.now_us;
        match self.part {
            Part::Source => {
                out.set_timer(TICK_US, Timer::Tick);
                self.source.replica_sent = self.source.replica_acked;
            }
            Part::WalReplica => {
                out.send(self.source_node, Msg::ShipAck { offset: self.consumer.durable, resend: true })
            }
            Part::Cdc => {
                out.set_timer(self.config.poll_interval_us, Timer::Poll);
                out.set_timer(self.config.commit_interval_us, Timer::CommitOffset);
                self.fetch(now, out);
            }
            Part::Projection => {
                self.consumer.rebuilding = Some((now, self.consumer.applied, 0));
                out.set_timer(self.config.poll_interval_us, Timer::Poll);
                self.fetch(now, out);
            }
        }
    }

    fn cpu_cost_us(&self, kind: MessageKind) -> u64 {
        match kind {
            MessageKind::Request => 30,
            MessageKind::Replicate | MessageKind::Stream => 50,
            _ => 10,
        }
    }

    fn view(&self, now_us: u64) -> NodeView {
        let (log_end, flushed, applied) = match self.part {
            Part::Source => (self.source.log.len() as u64, self.source.durable_end, self.source.durable_end),
            _ => (self.consumer.known_end, self.consumer.durable, self.consumer.applied),
        };
        NodeView {
            role: self.route_info().role,
            epoch: 1,
            log_end,
            flushed,
            applied,
            commit: self.consumer.log.committed_offset,
            lag_us: self.lag_us(now_us).unwrap_or(0),
            status: self.status(now_us),
            detail: self.detail(),
            ..NodeView::default()
        }
    }

    fn route_info(&self) -> RouteInfo {
        RouteInfo {
            role: if self.part == Part::Source { Role::Primary } else { Role::Replica },
            epoch: 1,
            serving: true,
        }
    }

    fn lag_us(&self, now_us: u64) -> Option<u64> {
        if self.part == Part::Source {
            return None;
        }
        let behind = self.consumer.applied < self.consumer.known_end;
        let oldest = self.consumer.next_unseen.filter(|(offset, _)| *offset > self.consumer.applied);
        Some(match oldest {
            Some((_, appended_us)) if behind => now_us.saturating_sub(appended_us),
            _ => 0,
        })
    }

    fn store(&self) -> &BTreeMap<Key, Value> {
        &self.store
    }

    /// What each counter is made of: every change applied, by the write that made it.
    fn state_extras(&self) -> StateExtras {
        let (ledger, ledger_dropped) = self.ledger.export();
        StateExtras { ledger, ledger_dropped, ..StateExtras::default() }
    }

    fn self_report(&self, _now_us: u64) -> Option<crate::self_report::SelfReport> {
        (self.part != Part::Source).then(|| {
            let mut log = self.consumer.log.clone();
            log.applied_offset = self.consumer.applied;
            crate::self_report::SelfReport::Sync(log)
        })
    }
}

/// Writes go to the source.
pub fn route_source(
    _kind: crate::protocol::OpKind,
    candidates: &[crate::engine::RouteCandidate],
    _rng: &mut crate::rng::Stream,
) -> Option<NodeId> {
    candidates.iter().find(|c| c.info.role == Role::Primary).map(|c| c.node)
}
