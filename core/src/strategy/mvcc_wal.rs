//! `core-banking`: one database node running the [`Mvcc`] engine, with its write-ahead log
//! on disk, periodic checkpoints, crash recovery by redo, and a standby fed by shipping
//! the durable log (physical replication).
//!
//! A client operation runs as a transaction of several statements, each taking
//! `statement_us` (the application's round trips inside the data centre), so transactions
//! overlap and meet each other's writes:
//! - a transfer reads payer and payee, checks the funds, writes both, commits;
//! - a joint-account withdrawal reads both halves, checks that together they cover the
//!   amount, writes one half, commits — two of them on the two halves at once is the
//!   textbook write skew snapshot isolation allows;
//! - a balance read reads one account.
//!
//! A commit is acknowledged once its commit record is on disk (group commit: one fsync
//! covers every record written before it started). A crash loses memory — running
//! transactions, the version chains, the log tail not yet synced — and the node recovers
//! from its last durable checkpoint plus the durable log after it, taking `redo_us` per
//! record, during which it serves nothing. This module must not look at the engine
//! (the simulation's): it sees only its inputs.

use crate::mvcc::{Checkpoint, Lsn, Mvcc, MvccError, Record, Xid};
use crate::protocol::{
    ClientRequest, Ctx, DiskDone, FailReason, Key, Ledger, Message, MessageKind, NodeId, NodeView, OpId, OpKind,
    OpResult, Out, Protocol, Reply, Role, RouteInfo, StateExtras, Value,
};
use std::collections::{BTreeMap, VecDeque};

/// Disk tokens at or above this are checkpoints (below: log positions).
const CHECKPOINT_TOKEN: u64 = 1 << 62;
/// Most log records in one shipment to the standby.
pub const SHIP_RECORDS_MAX: usize = 2_000;
/// Most transactions running at once; more are refused as overloaded.
pub const RUNNING_TXS_MAX: usize = 10_000;
/// Lines of version chains the page is shown.
const HOT_ACCOUNTS_SHOWN: u32 = 3;

/// Settings of the strategy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MvccConfig {
    /// Accounts.
    pub accounts: u32,
    /// Balance of every account at time zero, in rupees.
    pub initial_balance: i64,
    /// Time one statement of a transaction takes.
    pub statement_us: u64,
    /// Interval between checkpoints.
    pub checkpoint_interval_us: u64,
    /// Redo time per log record during recovery.
    pub redo_us: u64,
    /// Interval between shipments to the standby.
    pub ship_interval_us: u64,
    /// Bytes of one log record.
    pub record_bytes: u32,
}

impl Default for MvccConfig {
    fn default() -> Self {
        Self {
            accounts: 2_000,
            initial_balance: 50_000,
            statement_us: 1_000,
            checkpoint_interval_us: 5_000_000,
            redo_us: 20,
            ship_interval_us: 10_000,
            record_bytes: 64,
        }
    }
}

/// Messages.
#[derive(Debug, Clone)]
pub enum Msg {
    /// Durable log records from position `first` (possibly none: a heartbeat).
    Ship {
        /// Position of the first record.
        first: Lsn,
        /// The records.
        records: Vec<(Lsn, Record)>,
    },
    /// The standby has everything up to here on disk.
    Shipped {
        /// Highest position.
        upto: Lsn,
    },
}

impl Message for Msg {
    fn kind(&self) -> MessageKind {
        match self {
            Msg::Ship { records, .. } if records.is_empty() => MessageKind::Heartbeat,
            Msg::Ship { .. } => MessageKind::Replicate,
            Msg::Shipped { .. } => MessageKind::Ack,
        }
    }

    fn size_bytes(&self) -> u32 {
        match self {
            Msg::Ship { records, .. } => 64 + 64 * records.len() as u32,
            Msg::Shipped { .. } => 48,
        }
    }
}

/// Timers.
#[derive(Debug, Clone)]
pub enum Timer {
    /// The next statement of a transaction.
    Step(Xid),
    /// Take a checkpoint.
    Checkpoint,
    /// Ship the log to the standby.
    Ship,
    /// Recovery finished.
    Recovered,
}

/// What a statement leads to.
#[derive(Debug, Clone)]
enum Step {
    /// Another statement follows.
    Next,
    /// Finished without writing (a read, with the value read).
    Done(Option<i64>),
    /// Refused by the application's rule; the transaction aborts.
    Refused(FailReason),
    /// Logged; answered once the commit record at this LSN is durable, with what the
    /// transaction read and wrote.
    Committing(Lsn, Option<OpResult>),
}

/// A transaction in progress: the client operation and the statement it is at.
#[derive(Debug, Clone, Copy)]
struct Running {
    request: ClientRequest,
    step: u8,
}

/// The database node.
#[derive(Debug)]
pub struct Primary {
    config: MvccConfig,
    engine: Mvcc,
    running: BTreeMap<Xid, Box<Running>>,
    /// Commits waiting for their record to be durable: commit LSN → operation and what it
    /// read and wrote (its result for the client).
    waiting: BTreeMap<Lsn, Box<(OpId, Option<OpResult>)>>,
    written: Lsn,
    durable: Lsn,
    syncing: bool,
    /// On disk: the last durable checkpoint and the durable log after it.
    checkpoint: Checkpoint,
    disk_log: VecDeque<(Lsn, Record)>,
    /// A checkpoint being written.
    checkpoint_pending: Option<Checkpoint>,
    checkpoints_taken: u64,
    ready: bool,
    recoveries: u64,
    last_recovery_us: u64,
    standby_acked: Lsn,
    store: BTreeMap<Key, Value>,
    /// Every committed change, per account, as it became durable (the statements; on disk,
    /// so a crash keeps them).
    ledger: Ledger,
}

/// The standby: stores and replays the log it is shipped.
#[derive(Debug)]
pub struct Standby {
    config: MvccConfig,
    received: Lsn,
    durable: Lsn,
    syncing: bool,
    /// Received, not yet durable.
    pending: VecDeque<(Lsn, Record)>,
    /// Writes of transactions whose commit record has not arrived.
    open: BTreeMap<Xid, Box<Vec<(Key, i64)>>>,
    store: BTreeMap<Key, Value>,
    /// Every committed change it replayed, per account.
    ledger: Ledger,
    /// Each account's version: the client operation that wrote its value.
    versions: BTreeMap<Key, OpId>,
    replayed: Lsn,
}

/// A node of the `core-banking` scenario.
#[derive(Debug)]
pub enum MvccNode {
    /// The database.
    Primary(Box<Primary>),
    /// Its physical standby.
    Standby(Box<Standby>),
}

fn initial_store(config: &MvccConfig) -> BTreeMap<Key, Value> {
    crate::compact::map_from((0..config.accounts).map(|account| (account, config.initial_balance as u64)))
}

impl MvccNode {
    /// The database node.
    pub fn primary(config: MvccConfig) -> Self {
        MvccNode::Primary(Box::new(Primary {
            config,
            engine: Mvcc::new(config.initial_balance),
            running: BTreeMap::new(),
            waiting: BTreeMap::new(),
            written: 0,
            durable: 0,
            syncing: false,
            checkpoint: Checkpoint::default(),
            disk_log: VecDeque::new(),
            checkpoint_pending: None,
            checkpoints_taken: 0,
            ready: true,
            recoveries: 0,
            last_recovery_us: 0,
            standby_acked: 0,
            store: initial_store(&config),
            ledger: Ledger::default(),
        }))
    }

    /// The standby.
    pub fn standby(config: MvccConfig) -> Self {
        MvccNode::Standby(Box::new(Standby {
            config,
            received: 0,
            durable: 0,
            syncing: false,
            pending: VecDeque::new(),
            open: BTreeMap::new(),
            store: initial_store(&config),
            ledger: Ledger::default(),
            versions: BTreeMap::new(),
            replayed: 0,
        }))
    }
}

impl Primary {
    fn on_client(&mut self, request: ClientRequest, out: &mut Out<Msg, Timer>) {
        if !self.ready {
            out.reply(request.op, Reply::Fail(FailReason::NotReady));
            return;
        }
        if self.running.len() >= RUNNING_TXS_MAX {
            out.reply(request.op, Reply::Fail(FailReason::Overloaded));
            return;
        }
        let xid = self.engine.begin(request.op);
        self.running.insert(xid, Box::new(Running { request, step: 0 }));
        self.step(xid, out);
    }

    fn account(&self, key: Key) -> Key {
        key % self.config.accounts.max(1)
    }

    /// Runs the next statement of a transaction.
    fn step(&mut self, xid: Xid, out: &mut Out<Msg, Timer>) {
        let Some(running) = self.running.get(&xid).map(|r| **r) else { return };
        let request = running.request;
        let (first, other) = (self.account(request.key), self.account(request.peer_key));
        let amount = request.amount;
        let outcome = match (request.kind, running.step) {
            (OpKind::Read, _) => {
                self.engine.read(xid, first).map(|balance| Step::Done(Some(balance))).and_then(|done| {
                    self.engine.commit(xid)?;
                    Ok(done)
                })
            }
            (_, 0) => self.engine.read(xid, first).and_then(|_| self.engine.read(xid, other)).map(|_| Step::Next),
            (OpKind::Withdraw, 1) => self.withdraw(xid, first, other, amount),
            (_, 1) => self.transfer(xid, first, other, amount),
            _ => {
                // What it read and will write, taken before the commit hands it over.
                let result = self.engine.result_of(xid);
                self.engine.commit(xid).map(|lsn| match lsn {
                    Some(lsn) => Step::Committing(lsn, result),
                    None => Step::Done(None),
                })
            }
        };
        match outcome {
            Ok(Step::Next) => {
                if let Some(running) = self.running.get_mut(&xid) {
                    running.step += 1;
                }
                out.set_timer(self.config.statement_us, Timer::Step(xid));
            }
            Ok(Step::Done(read_value)) => {
                self.running.remove(&xid);
                out.reply(request.op, Reply::Ok { read_value: read_value.map(|v| v as u64), epoch: 0 });
            }
            Ok(Step::Refused(reason)) => self.refuse(xid, request.op, reason, out),
            Ok(Step::Committing(lsn, result)) => {
                self.running.remove(&xid);
                self.waiting.insert(lsn, Box::new((request.op, result)));
                self.flush(out);
            }
            Err(MvccError::SerializationFailure { .. }) => {
                self.refuse(xid, request.op, FailReason::SerializationFailure, out)
            }
            Err(MvccError::UnknownTransaction(_)) => self.refuse(xid, request.op, FailReason::NotReady, out),
        }
    }

    fn refuse(&mut self, xid: Xid, op: OpId, reason: FailReason, out: &mut Out<Msg, Timer>) {
        self.running.remove(&xid);
        self.engine.abort(xid);
        out.reply(op, Reply::Fail(reason));
    }

    fn transfer(&mut self, xid: Xid, payer: Key, payee: Key, amount: i64) -> Result<Step, MvccError> {
        let balance = self.engine.read(xid, payer)?;
        if balance < amount || payer == payee {
            return Ok(Step::Refused(FailReason::InsufficientFunds));
        }
        let credit = self.engine.read(xid, payee)?;
        self.engine.write(xid, payer, balance - amount)?;
        self.engine.write(xid, payee, credit + amount)?;
        Ok(Step::Next)
    }

    /// The joint-account rule: the two halves together must cover the withdrawal.
    fn withdraw(&mut self, xid: Xid, half: Key, other: Key, amount: i64) -> Result<Step, MvccError> {
        let mine = self.engine.read(xid, half)?;
        let theirs = if other == half { 0 } else { self.engine.read(xid, other)? };
        if mine + theirs < amount {
            return Ok(Step::Refused(FailReason::InsufficientFunds));
        }
        self.engine.write(xid, half, mine - amount)?;
        Ok(Step::Next)
    }

    /// Writes the log tail and starts an fsync if none is running (group commit).
    fn flush(&mut self, out: &mut Out<Msg, Timer>) {
        let next = self.engine.next_lsn() - 1;
        if next > self.written {
            let bytes = (next - self.written) as u32 * self.config.record_bytes;
            out.disk_write(bytes, next);
            self.written = next;
        }
        if !self.syncing && self.written > self.durable {
            self.syncing = true;
            out.disk_sync(self.written);
        }
    }

    fn on_synced(&mut self, token: u64, out: &mut Out<Msg, Timer>) {
        if token >= CHECKPOINT_TOKEN {
            self.checkpoint_done();
            return;
        }
        self.syncing = false;
        let durable = token.max(self.durable);
        let newly: Vec<(Lsn, Record)> =
            self.engine.log_from(self.durable + 1).take_while(|(lsn, _)| *lsn <= durable).copied().collect();
        self.durable = durable;
        for (op, changes) in self.engine.durable(durable) {
            for (key, delta) in changes {
                self.ledger.post(key, op, delta);
            }
        }
        for (_, record) in &newly {
            if let Record::Write { key, .. } = record {
                if let Some(version) = self.engine.chain(*key).last() {
                    self.store.insert(*key, version.value as u64);
                }
            }
        }
        self.disk_log.extend(newly);
        let acked: Vec<Lsn> = self.waiting.range(..=durable).map(|(lsn, _)| *lsn).collect();
        for lsn in acked {
            if let Some(waiting) = self.waiting.remove(&lsn) {
                let (op, result) = *waiting;
                let ok = Reply::Ok { read_value: None, epoch: 0 };
                match result {
                    Some(result) => out.reply_with(op, ok, result),
                    None => out.reply(op, ok),
                }
            }
        }
        self.flush(out);
    }

    fn on_checkpoint_timer(&mut self, out: &mut Out<Msg, Timer>) {
        out.set_timer(self.config.checkpoint_interval_us, Timer::Checkpoint);
        if !self.ready || self.checkpoint_pending.is_some() {
            return;
        }
        let checkpoint = self.engine.checkpoint(self.durable);
        let bytes = (checkpoint.values.len() as u32).saturating_mul(16).max(4096);
        self.checkpoints_taken += 1;
        out.disk_write(bytes, CHECKPOINT_TOKEN + self.checkpoints_taken);
        out.disk_sync(CHECKPOINT_TOKEN + self.checkpoints_taken);
        self.checkpoint_pending = Some(checkpoint);
    }

    /// The new checkpoint is durable: the log before it can go.
    fn checkpoint_done(&mut self) {
        let Some(checkpoint) = self.checkpoint_pending.take() else { return };
        let lsn = checkpoint.lsn.min(self.standby_acked);
        self.checkpoint = checkpoint;
        while self.disk_log.front().is_some_and(|(at, _)| *at <= self.checkpoint.lsn && *at <= lsn) {
            self.disk_log.pop_front();
        }
        self.engine.truncate_log(lsn);
    }

    fn ship(&mut self, out: &mut Out<Msg, Timer>) {
        out.set_timer(self.config.ship_interval_us, Timer::Ship);
        if !self.ready {
            return;
        }
        let first = self.standby_acked + 1;
        let records: Vec<(Lsn, Record)> =
            self.disk_log.iter().filter(|(lsn, _)| *lsn >= first).take(SHIP_RECORDS_MAX).copied().collect();
        // Checkpoints keep every record the standby has not confirmed, so the first is `first`.
        out.send(STANDBY, Msg::Ship { first, records });
    }

    fn crash(&mut self) {
        self.running.clear();
        self.waiting.clear();
        self.checkpoint_pending = None;
        self.syncing = false;
        self.written = self.durable;
        self.ready = false;
    }

    fn restart(&mut self, ctx: &mut Ctx, out: &mut Out<Msg, Timer>) {
        let records: Vec<(Lsn, Record)> = self.disk_log.iter().copied().collect();
        self.engine = Mvcc::recover(self.config.initial_balance, &self.checkpoint, &records);
        self.recoveries += 1;
        let took = self.config.redo_us * records.len() as u64 + 1;
        self.last_recovery_us = took;
        let mut store = initial_store(&self.config);
        for (key, value) in self.engine.committed_values() {
            store.insert(key, value as u64);
        }
        self.store = store;
        self.written = self.durable;
        out.set_timer(took, Timer::Recovered);
        out.set_timer(self.config.checkpoint_interval_us, Timer::Checkpoint);
        out.set_timer(self.config.ship_interval_us + ctx.rng.below(1000), Timer::Ship);
    }

    fn detail(&self) -> Vec<String> {
        let mut lines = vec![format!(
            "WAL: written to LSN {} · durable to {} · standby has {} · {} records since the checkpoint",
            self.written,
            self.durable,
            self.standby_acked,
            self.disk_log.len()
        )];
        lines.push(format!(
            "checkpoint #{} at LSN {} ({} accounts, {} committed operations)",
            self.checkpoints_taken,
            self.checkpoint.lsn,
            self.checkpoint.values.len(),
            self.checkpoint.committed_ops.len()
        ));
        for (lsn, record) in self.disk_log.iter().rev().take(4) {
            lines.push(match record {
                Record::Write { xid, key, value } => format!("  LSN {lsn}: tx {xid} writes account {key} = ₹{value}"),
                Record::Commit { xid, op } => format!("  LSN {lsn}: tx {xid} commits (operation #{op})"),
            });
        }
        for key in 0..HOT_ACCOUNTS_SHOWN.min(self.config.accounts) {
            let chain: Vec<String> = self
                .engine
                .chain(key)
                .iter()
                .rev()
                .take(4)
                .map(|v| {
                    format!(
                        "₹{} (xmin {}, xmax {})",
                        v.value,
                        v.xmin,
                        if v.xmax == 0 { "—".to_string() } else { v.xmax.to_string() }
                    )
                })
                .collect();
            lines.push(format!(
                "account {key}: {}",
                if chain.is_empty() { "initial version only".into() } else { chain.join(" ← ") }
            ));
        }
        lines
    }
}

const PRIMARY: NodeId = NodeId::new(0);
const STANDBY: NodeId = NodeId::new(1);

impl Standby {
    fn on_ship(&mut self, first: Lsn, records: Vec<(Lsn, Record)>, out: &mut Out<Msg, Timer>) {
        if first > self.received + 1 {
            out.send(PRIMARY, Msg::Shipped { upto: self.durable });
            return;
        }
        let fresh: Vec<(Lsn, Record)> = records.into_iter().filter(|(lsn, _)| *lsn > self.received).collect();
        if let Some((last, _)) = fresh.last() {
            self.received = *last;
            out.disk_write(fresh.len() as u32 * self.config.record_bytes, *last);
            self.pending.extend(fresh);
            if !self.syncing {
                self.syncing = true;
                out.disk_sync(self.received);
            }
        } else {
            out.send(PRIMARY, Msg::Shipped { upto: self.durable });
        }
    }

    /// Records now durable are replayed: a transaction's writes apply at its commit record.
    fn on_synced(&mut self, token: u64, out: &mut Out<Msg, Timer>) {
        self.syncing = false;
        self.durable = self.durable.max(token);
        while self.pending.front().is_some_and(|(lsn, _)| *lsn <= self.durable) {
            let Some((lsn, record)) = self.pending.pop_front() else { break };
            match record {
                Record::Write { xid, key, value } => self.open.entry(xid).or_default().push((key, value)),
                Record::Commit { xid, op } => {
                    for (key, value) in *self.open.remove(&xid).unwrap_or_default() {
                        let replaced = self.store.insert(key, value as u64).map_or(0, |old| old as i64);
                        self.ledger.post(key, op, value - replaced);
                        self.versions.insert(key, op);
                    }
                }
            }
            self.replayed = lsn;
        }
        out.send(PRIMARY, Msg::Shipped { upto: self.durable });
        if self.received > self.durable {
            self.syncing = true;
            out.disk_sync(self.received);
        }
    }

    fn crash(&mut self) {
        self.pending.clear();
        self.received = self.durable;
        self.syncing = false;
    }
}

impl Protocol for MvccNode {
    type Msg = Msg;
    type Timer = Timer;

    fn start(&mut self, ctx: &mut Ctx, out: &mut Out<Msg, Timer>) {
        if let MvccNode::Primary(node) = self {
            out.set_timer(node.config.checkpoint_interval_us, Timer::Checkpoint);
            out.set_timer(1 + ctx.rng.below(node.config.ship_interval_us), Timer::Ship);
        }
    }

    fn on_message(&mut self, _ctx: &mut Ctx, _from: NodeId, msg: Msg, out: &mut Out<Msg, Timer>) {
        match (self, msg) {
            (MvccNode::Primary(node), Msg::Shipped { upto }) => {
                node.standby_acked = node.standby_acked.max(upto.min(node.durable));
            }
            (MvccNode::Standby(node), Msg::Ship { first, records }) => node.on_ship(first, records, out),
            _ => {}
        }
    }

    fn on_timer(&mut self, _ctx: &mut Ctx, timer: Timer, out: &mut Out<Msg, Timer>) {
        let MvccNode::Primary(node) = self else { return };
        match timer {
            Timer::Step(xid) => node.step(xid, out),
            Timer::Checkpoint => node.on_checkpoint_timer(out),
            Timer::Ship => node.ship(out),
            Timer::Recovered => node.ready = true,
        }
    }

    fn on_client(&mut self, _ctx: &mut Ctx, request: ClientRequest, out: &mut Out<Msg, Timer>) {
        match self {
            MvccNode::Primary(node) => node.on_client(request, out),
            MvccNode::Standby(_) => out.reply(request.op, Reply::Fail(FailReason::NotPrimary)),
        }
    }

    fn on_disk(&mut self, _ctx: &mut Ctx, done: DiskDone, out: &mut Out<Msg, Timer>) {
        let DiskDone::Synced(token) = done else { return };
        match self {
            MvccNode::Primary(node) => node.on_synced(token, out),
            MvccNode::Standby(node) => node.on_synced(token, out),
        }
    }

    fn crash(&mut self) {
        match self {
            MvccNode::Primary(node) => node.crash(),
            MvccNode::Standby(node) => node.crash(),
        }
    }

    fn restart(&mut self, ctx: &mut Ctx, out: &mut Out<Msg, Timer>) {
        if let MvccNode::Primary(node) = self {
            node.restart(ctx, out);
        }
    }

    fn cpu_cost_us(&self, kind: MessageKind) -> u64 {
        match kind {
            MessageKind::Request => 30,
            _ => 10,
        }
    }

    fn view(&self, _now_us: u64) -> NodeView {
        let (role, status, log_end, flushed, applied, detail) = match self {
            MvccNode::Primary(node) => (
                Role::Primary,
                format!(
                    "{} · {} transactions running · checkpoint at LSN {} · {} recoveries (last {:.0} ms)",
                    if node.ready { "serving" } else { "recovering" },
                    node.engine.in_flight(),
                    node.checkpoint.lsn,
                    node.recoveries,
                    node.last_recovery_us as f64 / 1000.0
                ),
                node.written,
                node.durable,
                node.durable,
                node.detail(),
            ),
            MvccNode::Standby(node) => (
                Role::Replica,
                format!(
                    "standby · received LSN {} · durable {} · replayed {}",
                    node.received, node.durable, node.replayed
                ),
                node.received,
                node.durable,
                node.replayed,
                Vec::new(),
            ),
        };
        NodeView { role, log_end, flushed, applied, commit: flushed, status, detail, ..NodeView::default() }
    }

    fn route_info(&self) -> RouteInfo {
        let role = if matches!(self, MvccNode::Primary(_)) { Role::Primary } else { Role::Replica };
        RouteInfo { role, epoch: 0, serving: true }
    }

    fn lag_us(&self, _now_us: u64) -> Option<u64> {
        None
    }

    fn store(&self) -> &BTreeMap<Key, Value> {
        match self {
            MvccNode::Primary(node) => &node.store,
            MvccNode::Standby(node) => &node.store,
        }
    }

    /// The statements and each account's version (the client operation that wrote it).
    fn state_extras(&self) -> StateExtras {
        let (ledger, versions) = match self {
            MvccNode::Primary(node) => (&node.ledger, node.engine.committed_versions()),
            MvccNode::Standby(node) => (&node.ledger, node.versions.clone()),
        };
        let (ledger, ledger_dropped) = ledger.export();
        StateExtras { versions, ledger, ledger_dropped, held: Vec::new(), siblings: Default::default() }
    }

    fn self_report(&self, _now_us: u64) -> Option<crate::self_report::SelfReport> {
        match self {
            MvccNode::Primary(node) => {
                Some(crate::self_report::SelfReport::Transactions(node.engine.committed_log().cloned().collect()))
            }
            MvccNode::Standby(_) => None,
        }
    }
}

/// Every operation goes to the database node.
pub fn route_primary(
    _kind: OpKind,
    candidates: &[crate::engine::RouteCandidate],
    _rng: &mut crate::rng::Stream,
) -> Option<NodeId> {
    candidates.iter().find(|c| c.info.role == Role::Primary).map(|c| c.node)
}
