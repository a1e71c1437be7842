//! `neft-rtgs`: synchronous replication and two-phase commit between banks.
//!
//! A clearing house (the coordinator, in Mumbai) settles each transfer between two banks.
//! Each bank (a participant) writes its log synchronously to a standby in its own city: a
//! record counts as *forced* only once it is on the bank's disk and on its standby's.
//!
//! The protocol, with presumed abort:
//! 1. **Prepare.** The coordinator sends each bank its half (debit or credit). A bank that
//!    can do it (the account is not locked by another transfer; a debit has the funds)
//!    locks the account, forces a *prepared* record, and votes yes; otherwise it votes no
//!    at once, forcing nothing.
//! 2. **Decide.** With every yes the coordinator forces a *commit* record — the moment of
//!    decision — and sends commit; with a no, or no answer within the vote timeout, it
//!    aborts without forcing anything (presumed abort: no record means abort).
//! 3. **Finish.** A bank forces its *commit* record, applies its half, unlocks and
//!    acknowledges; on abort it unlocks. The clearing house answers the client once both
//!    banks have acknowledged the commit: the transfer is settled at both.
//!
//! A bank that voted yes may not decide alone: it is *in doubt*, holding its lock, until
//! the coordinator's decision reaches it. It asks again every `decision_retry_us`; the
//! coordinator answers from its log (commit if it holds a commit record, abort if it holds
//! none and the transfer is not in progress). If the coordinator has crashed after
//! collecting the votes, its banks stay blocked until it restarts and re-sends the
//! decisions it logged — that blocking is the lesson of 2PC, not a bug.
//!
//! Durable state survives a crash: balances, the forced records and the locks of prepared
//! transfers. Records not yet forced, votes being collected and everything in flight are
//! lost. This module must not look at the engine: it sees only its inputs.

use crate::protocol::{
    ClientRequest, Ctx, DiskDone, FailReason, Key, Ledger, Message, MessageKind, NodeId, NodeView, OpId, OpKind, Out,
    Posting, Protocol, Reply, Role, RouteInfo, StateExtras, Value,
};
use crate::self_report::InDoubtLog;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Decided outcomes a node remembers (oldest forgotten first).
pub const OUTCOMES_MAX: usize = 200_000;
/// Banks every transfer involves.
pub const PARTICIPANTS: usize = 2;
/// Most forced records not yet acknowledged by a standby before a bank refuses to prepare.
pub const UNFORCED_RECORDS_MAX: usize = 100_000;

/// Settings of the strategy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TwoPhaseConfig {
    /// Accounts across all banks; account `k` is held by bank `k mod banks`.
    pub accounts: u32,
    /// Banks.
    pub banks: usize,
    /// Balance of every account at time zero, in rupees.
    pub initial_balance: i64,
    /// How long the coordinator waits for votes before aborting.
    pub vote_timeout_us: u64,
    /// How often an in-doubt bank asks for the decision, and a coordinator re-sends an
    /// unacknowledged commit.
    pub decision_retry_us: u64,
    /// How often a bank re-ships records its standby has not acknowledged.
    pub standby_retry_us: u64,
    /// CPU cost of one client request.
    pub request_cpu_us: u64,
}

impl Default for TwoPhaseConfig {
    fn default() -> Self {
        Self {
            accounts: 10_000,
            banks: 2,
            initial_balance: 100_000,
            vote_timeout_us: 1_000_000,
            decision_retry_us: 500_000,
            standby_retry_us: 200_000,
            request_cpu_us: 40,
        }
    }
}

/// The bank holding an account.
pub fn bank_of(account: Key, banks: usize) -> usize {
    account as usize % banks.max(1)
}

/// The node id of a bank, of its standby, and the coordinator's (node 0).
pub fn bank_node(bank: usize) -> NodeId {
    1 + 2 * bank
}

fn standby_node(bank: usize) -> NodeId {
    2 + 2 * bank
}

const COORDINATOR: NodeId = 0;

/// A participant's log record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record {
    /// Ready to apply `delta` to `account` when told.
    Prepared {
        /// Transaction.
        tx: OpId,
        /// Account.
        account: Key,
        /// Money into it.
        delta: i64,
    },
    /// Decided commit.
    Committed {
        /// Transaction.
        tx: OpId,
    },
}

/// Messages.
#[derive(Debug, Clone)]
pub enum Msg {
    /// Coordinator → bank: prepare your half.
    Prepare {
        /// Transaction.
        tx: OpId,
        /// Account.
        account: Key,
        /// Money into it.
        delta: i64,
    },
    /// Bank → coordinator.
    Vote {
        /// Transaction.
        tx: OpId,
        /// Yes or no.
        yes: bool,
    },
    /// Coordinator → bank: the decision.
    Decide {
        /// Transaction.
        tx: OpId,
        /// Commit or abort.
        commit: bool,
    },
    /// Bank → coordinator: commit forced and applied.
    Done {
        /// Transaction.
        tx: OpId,
    },
    /// In-doubt bank → coordinator: what was decided?
    AskDecision {
        /// Transaction.
        tx: OpId,
    },
    /// Bank → standby: log records from position `first`.
    Ship {
        /// Position of the first record.
        first: u64,
        /// The records.
        records: Vec<Record>,
    },
    /// Standby → bank: records forced up to here.
    Shipped {
        /// Highest forced position.
        upto: u64,
    },
}

impl Message for Msg {
    fn kind(&self) -> MessageKind {
        match self {
            Msg::Prepare { .. } => MessageKind::Prepare,
            Msg::Vote { .. } => MessageKind::Vote,
            Msg::Decide { .. } => MessageKind::Decide,
            Msg::Done { .. } | Msg::Shipped { .. } => MessageKind::Ack,
            Msg::AskDecision { .. } => MessageKind::Status,
            Msg::Ship { .. } => MessageKind::Replicate,
        }
    }

    fn size_bytes(&self) -> u32 {
        match self {
            Msg::Ship { records, .. } => 64 + 48 * records.len() as u32,
            _ => 96,
        }
    }
}

/// Timers.
#[derive(Debug, Clone)]
pub enum Timer {
    /// Give up on the votes of a transaction.
    VoteTimeout(OpId),
    /// Periodic work: ask for decisions, re-send commits, re-ship to the standby.
    Retry,
}

/// A log on disk with group commit: records become durable when an fsync that started
/// after their write finishes.
#[derive(Debug, Clone, Copy, Default)]
struct ForcedLog {
    written: u64,
    durable: u64,
    syncing: bool,
}

impl ForcedLog {
    fn append<M, T>(&mut self, bytes: u32, out: &mut Out<M, T>) -> u64 {
        self.written += 1;
        out.disk_write(bytes, self.written);
        if !self.syncing {
            self.syncing = true;
            out.disk_sync(self.written);
        }
        self.written
    }

    fn on_synced<M, T>(&mut self, token: u64, out: &mut Out<M, T>) {
        self.durable = self.durable.max(token);
        self.syncing = false;
        if self.written > self.durable {
            self.syncing = true;
            out.disk_sync(self.written);
        }
    }

    fn crash(&mut self) {
        self.written = self.durable;
        self.syncing = false;
    }
}

/// What a node decided, or learned was decided, about a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decided {
    Committed,
    Aborted,
}

/// Decided outcomes a node remembers on disk, bounded (oldest forgotten first): the
/// coordinator's answers to banks that ask, a bank's answer to a repeated decision. Not
/// account data: the store holds balances only.
#[derive(Debug, Default)]
struct Outcomes {
    by_tx: BTreeMap<OpId, Decided>,
    order: VecDeque<OpId>,
}

impl Outcomes {
    fn set(&mut self, tx: OpId, decided: Decided) {
        if self.by_tx.insert(tx, decided).is_none() {
            self.order.push_back(tx);
            if self.order.len() > OUTCOMES_MAX {
                if let Some(old) = self.order.pop_front() {
                    self.by_tx.remove(&old);
                }
            }
        }
    }

    fn get(&self, tx: OpId) -> Option<Decided> {
        self.by_tx.get(&tx).copied()
    }
}

// ----- coordinator -----

/// A transfer's two halves: (bank, account, money into it).
type Halves = [(usize, Key, i64); PARTICIPANTS];

#[derive(Debug, Clone)]
struct Active {
    halves: Halves,
    yes: [bool; PARTICIPANTS],
    /// Commit record position once deciding commit.
    commit_at: Option<u64>,
    /// When the transfer reached the coordinator.
    started_us: u64,
}

/// The clearing house.
#[derive(Debug)]
pub struct Coordinator {
    config: TwoPhaseConfig,
    log: ForcedLog,
    /// Undecided or committing transactions (volatile).
    active: BTreeMap<OpId, Box<Active>>,
    /// Durable commit records whose banks have not all acknowledged, with which have (the
    /// flags are volatile: after a restart every bank is asked again).
    committed: BTreeMap<OpId, Box<(Halves, [bool; PARTICIPANTS])>>,
    /// Commit records waiting for their fsync: position → transaction.
    forcing: BTreeMap<u64, OpId>,
    /// Empty: the clearing house holds no accounts.
    store: BTreeMap<Key, Value>,
    outcomes: Outcomes,
    /// Commit latencies, latest last.
    commit_us: VecDeque<u64>,
}

impl Coordinator {
    fn begin(&mut self, ctx: &mut Ctx, request: &ClientRequest, out: &mut Out<Msg, Timer>) {
        // The client chose the accounts (at two banks) and the amount; a transfer that names
        // an account no bank holds, or two at one bank, is refused below.
        let (payer, payee, amount) = (request.key, request.peer_key, request.amount);
        if payer >= self.config.accounts || payee >= self.config.accounts || amount <= 0 {
            out.reply(request.op, Reply::Fail(FailReason::NotReady));
            return;
        }
        let halves =
            [(bank_of(payer, self.config.banks), payer, -amount), (bank_of(payee, self.config.banks), payee, amount)];
        if halves[0].0 == halves[1].0 {
            out.reply(request.op, Reply::Fail(FailReason::NotReady));
            return;
        }
        for (bank, account, delta) in halves {
            out.send(bank_node(bank), Msg::Prepare { tx: request.op, account, delta });
        }
        let active = Active { halves, yes: [false; PARTICIPANTS], commit_at: None, started_us: ctx.now_us };
        self.active.insert(request.op, Box::new(active));
        out.set_timer(self.config.vote_timeout_us + ctx.rng.below(1000), Timer::VoteTimeout(request.op));
    }

    fn half_index(halves: &Halves, from: NodeId) -> Option<usize> {
        halves.iter().position(|(bank, _, _)| bank_node(*bank) == from)
    }

    fn on_vote(&mut self, from: NodeId, tx: OpId, yes: bool, out: &mut Out<Msg, Timer>) {
        let Some(active) = self.active.get_mut(&tx) else {
            if yes && !self.committed.contains_key(&tx) {
                // A late yes for a transaction already aborted and forgotten.
                out.send(from, Msg::Decide { tx, commit: false });
            }
            return;
        };
        let Some(index) = Self::half_index(&active.halves, from) else { return };
        if active.commit_at.is_some() {
            return;
        }
        if !yes {
            self.abort(tx, out);
            return;
        }
        active.yes[index] = true;
        if active.yes.iter().all(|y| *y) {
            let position = self.log.append(64, out);
            active.commit_at = Some(position);
            self.forcing.insert(position, tx);
        }
    }

    fn abort(&mut self, tx: OpId, out: &mut Out<Msg, Timer>) {
        if let Some(active) = self.active.remove(&tx) {
            for (bank, _, _) in active.halves {
                out.send(bank_node(bank), Msg::Decide { tx, commit: false });
            }
            self.outcomes.set(tx, Decided::Aborted);
            out.reply(tx, Reply::Fail(FailReason::NotReady));
        }
    }

    fn on_synced(&mut self, token: u64, out: &mut Out<Msg, Timer>) {
        self.log.on_synced(token, out);
        let durable = self.log.durable;
        let decided: Vec<u64> = self.forcing.range(..=durable).map(|(position, _)| *position).collect();
        for position in decided {
            let Some(tx) = self.forcing.remove(&position) else { continue };
            let Some(active) = self.active.get(&tx) else { continue };
            self.committed.insert(tx, Box::new((active.halves, [false; PARTICIPANTS])));
            self.outcomes.set(tx, Decided::Committed);
            for (bank, _, _) in active.halves {
                out.send(bank_node(bank), Msg::Decide { tx, commit: true });
            }
        }
    }

    fn on_done(&mut self, now_us: u64, from: NodeId, tx: OpId, out: &mut Out<Msg, Timer>) {
        let Some(entry) = self.committed.get_mut(&tx) else { return };
        let (halves, done) = &mut **entry;
        if let Some(index) = Self::half_index(halves, from) {
            done[index] = true;
        }
        if done.iter().all(|d| *d) {
            // Settled at every bank: the log entry can end. The client is answered unless
            // a restart lost it (it then timed out: outcome unknown to it).
            self.committed.remove(&tx);
            if let Some(active) = self.active.remove(&tx) {
                if self.commit_us.len() == crate::self_report::COMMIT_SAMPLES_MAX {
                    self.commit_us.pop_front();
                }
                self.commit_us.push_back(now_us.saturating_sub(active.started_us));
                out.reply(tx, Reply::Ok { read_value: None, epoch: 0 });
            }
        }
    }

    fn on_ask(&mut self, from: NodeId, tx: OpId, out: &mut Out<Msg, Timer>) {
        if self.committed.contains_key(&tx) {
            out.send(from, Msg::Decide { tx, commit: true });
        } else if !self.active.contains_key(&tx) {
            // No commit record and not in progress: presumed abort.
            out.send(from, Msg::Decide { tx, commit: false });
        }
    }

    fn on_retry(&mut self, out: &mut Out<Msg, Timer>) {
        out.set_timer(self.config.decision_retry_us, Timer::Retry);
        for (tx, entry) in &self.committed {
            let (halves, done) = &**entry;
            for ((bank, _, _), done) in halves.iter().zip(done) {
                if !done {
                    out.send(bank_node(*bank), Msg::Decide { tx: *tx, commit: true });
                }
            }
        }
    }
}

// ----- bank -----

#[derive(Debug, Clone, Copy)]
struct Prepared {
    account: Key,
    delta: i64,
    /// When it became durable (in doubt from then on).
    since_us: u64,
}

/// A participant bank.
#[derive(Debug)]
pub struct Bank {
    config: TwoPhaseConfig,
    bank: usize,
    log: ForcedLog,
    /// Records shipped to the standby: position of `unacked[0]`, and the standby's mark.
    unacked: VecDeque<Record>,
    unacked_first: u64,
    standby_upto: u64,
    /// Records waiting to be forced: position → what to do then.
    forcing: BTreeMap<u64, Box<Record>>,
    /// Durable prepared transactions (in doubt until decided).
    prepared: BTreeMap<OpId, Box<Prepared>>,
    /// Accounts locked, by transaction (durable for prepared ones).
    locks: BTreeMap<Key, OpId>,
    /// Transactions decided commit whose record is being forced.
    committing: BTreeSet<OpId>,
    balances: BTreeMap<Key, i64>,
    store: BTreeMap<Key, Value>,
    outcomes: Outcomes,
    /// Every committed change, per account: the bank's statements.
    ledger: Ledger,
    /// Records forced on this disk and shipped to the standby, up to here: a record goes to
    /// the standby only once it is durable here, so the standby never holds a record the bank
    /// could lose in a crash (and whose position it would then reuse).
    shipped_upto: u64,
    in_doubt: InDoubtLog,
}

impl Bank {
    fn force(&mut self, record: Record, out: &mut Out<Msg, Timer>) {
        let position = self.log.append(48, out);
        self.forcing.insert(position, Box::new(record));
        if self.unacked.is_empty() {
            self.unacked_first = position;
        }
        self.unacked.push_back(record);
    }

    /// Ships the records that became durable here since the last shipment.
    fn ship_durable(&mut self, out: &mut Out<Msg, Timer>) {
        let durable = self.log.durable;
        if durable <= self.shipped_upto || self.unacked.is_empty() {
            self.shipped_upto = self.shipped_upto.max(durable);
            return;
        }
        let first = (self.shipped_upto + 1).max(self.unacked_first);
        let skip = (first - self.unacked_first) as usize;
        let records: Vec<Record> =
            self.unacked.iter().skip(skip).take((durable + 1).saturating_sub(first) as usize).copied().collect();
        self.shipped_upto = durable;
        if !records.is_empty() {
            out.send(standby_node(self.bank), Msg::Ship { first, records });
        }
    }

    /// Records forced on both disks up to here.
    fn forced_upto(&self) -> u64 {
        self.log.durable.min(self.standby_upto)
    }

    fn on_prepare(&mut self, tx: OpId, account: Key, delta: i64, out: &mut Out<Msg, Timer>) {
        if self.prepared.contains_key(&tx) {
            out.send(COORDINATOR, Msg::Vote { tx, yes: true });
            return;
        }
        match self.locks.get(&account) {
            Some(holder) if *holder == tx => return, // being forced: the vote follows
            Some(_) => {
                out.send(COORDINATOR, Msg::Vote { tx, yes: false });
                return;
            }
            None => {}
        }
        if self.balance(account) + delta < 0 || self.unacked.len() >= UNFORCED_RECORDS_MAX {
            out.send(COORDINATOR, Msg::Vote { tx, yes: false });
            return;
        }
        self.locks.insert(account, tx);
        self.force(Record::Prepared { tx, account, delta }, out);
    }

    fn balance(&self, account: Key) -> i64 {
        self.balances.get(&account).copied().unwrap_or(self.config.initial_balance)
    }

    fn on_decide(&mut self, ctx: &Ctx, tx: OpId, commit: bool, out: &mut Out<Msg, Timer>) {
        let Some(prepared) = self.prepared.get(&tx).map(|p| **p) else {
            if commit && self.outcomes.get(tx) == Some(Decided::Committed) {
                out.send(COORDINATOR, Msg::Done { tx });
            } else if !commit {
                self.release_unforced(tx);
            }
            return;
        };
        self.note_decided(ctx.now_us, prepared.since_us);
        if commit {
            if self.committing.insert(tx) {
                self.force(Record::Committed { tx }, out);
            }
        } else {
            self.prepared.remove(&tx);
            self.locks.remove(&prepared.account);
            self.outcomes.set(tx, Decided::Aborted);
        }
    }

    /// An abort for a transaction whose prepared record is still being forced: unlock now;
    /// the record, once durable, finds no lock and is dropped.
    fn release_unforced(&mut self, tx: OpId) {
        let account = self.locks.iter().find(|(_, t)| **t == tx).map(|(a, _)| *a);
        if let Some(account) = account {
            self.locks.remove(&account);
            self.outcomes.set(tx, Decided::Aborted);
        }
    }

    fn note_decided(&mut self, now_us: u64, since_us: u64) {
        let waited = now_us.saturating_sub(since_us);
        self.in_doubt.blocked_max_us = self.in_doubt.blocked_max_us.max(waited);
        if waited > self.config.vote_timeout_us {
            self.in_doubt.blocked += 1;
        }
    }

    /// Acts on the records both disks now hold.
    fn on_forced(&mut self, ctx: &Ctx, out: &mut Out<Msg, Timer>) {
        let upto = self.forced_upto();
        let ready: Vec<u64> = self.forcing.range(..=upto).map(|(position, _)| *position).collect();
        for position in ready {
            let Some(record) = self.forcing.remove(&position) else { continue };
            match *record {
                Record::Prepared { tx, account, delta } => {
                    if self.locks.get(&account) != Some(&tx) {
                        continue; // aborted while being forced
                    }
                    self.prepared.insert(tx, Box::new(Prepared { account, delta, since_us: ctx.now_us }));
                    out.send(COORDINATOR, Msg::Vote { tx, yes: true });
                }
                Record::Committed { tx } => {
                    self.committing.remove(&tx);
                    if let Some(prepared) = self.prepared.remove(&tx) {
                        let balance = self.balance(prepared.account) + prepared.delta;
                        self.balances.insert(prepared.account, balance);
                        self.store.insert(prepared.account, balance as u64);
                        self.ledger.post(prepared.account, tx, prepared.delta);
                        self.locks.remove(&prepared.account);
                    }
                    self.outcomes.set(tx, Decided::Committed);
                    out.send(COORDINATOR, Msg::Done { tx });
                }
            }
        }
        while self.unacked_first <= self.standby_upto && self.unacked.pop_front().is_some() {
            self.unacked_first += 1;
        }
    }

    fn on_retry(&mut self, now_us: u64, out: &mut Out<Msg, Timer>) {
        out.set_timer(self.config.decision_retry_us.min(self.config.standby_retry_us), Timer::Retry);
        let waiting = self.prepared.iter().filter(|(tx, prepared)| {
            !self.committing.contains(tx) && now_us.saturating_sub(prepared.since_us) >= self.config.decision_retry_us
        });
        for (tx, _) in waiting {
            out.send(COORDINATOR, Msg::AskDecision { tx: *tx });
        }
        // Re-ship what the standby has not confirmed (durable records only).
        let durable_unacked = (self.log.durable + 1).saturating_sub(self.unacked_first) as usize;
        if durable_unacked > 0 && !self.unacked.is_empty() {
            out.send(
                standby_node(self.bank),
                Msg::Ship {
                    first: self.unacked_first,
                    records: self.unacked.iter().take(durable_unacked.min(1000)).copied().collect(),
                },
            );
        }
    }

    fn crash(&mut self) {
        self.log.crash();
        let durable = self.log.durable;
        // Records not on this disk are gone, with the locks of the prepares among them;
        // those on disk wait for the standby as before.
        for record in self.forcing.split_off(&(durable + 1)).into_values() {
            match *record {
                Record::Prepared { tx, account, .. } => {
                    if self.locks.get(&account) == Some(&tx) {
                        self.locks.remove(&account);
                    }
                }
                Record::Committed { tx } => {
                    self.committing.remove(&tx);
                }
            }
        }
        let kept = (durable + 1).saturating_sub(self.unacked_first) as usize;
        self.unacked.truncate(kept);
        self.standby_upto = self.standby_upto.min(durable);
        self.shipped_upto = self.shipped_upto.min(durable);
    }
}

// ----- standby -----

/// A bank's synchronous standby: forces every record it is shipped, then acknowledges.
#[derive(Debug)]
pub struct Standby {
    config: TwoPhaseConfig,
    bank: usize,
    log: ForcedLog,
    received: u64,
    prepared: BTreeMap<OpId, Box<(Key, i64)>>,
    store: BTreeMap<Key, Value>,
    /// Every committed change it replayed, per account.
    ledger: Ledger,
    balances: BTreeMap<Key, i64>,
}

impl Standby {
    fn on_ship(&mut self, first: u64, records: Vec<Record>, out: &mut Out<Msg, Timer>) {
        if first > self.received + 1 {
            out.send(bank_node(self.bank), Msg::Shipped { upto: self.log.durable });
            return;
        }
        let skip = (self.received + 1 - first) as usize;
        for record in records.into_iter().skip(skip) {
            self.received += 1;
            self.log.append(48, out);
            self.apply(record);
        }
        if skip > 0 {
            // A re-shipment of records already held: say how far they are forced.
            out.send(bank_node(self.bank), Msg::Shipped { upto: self.log.durable });
        }
    }

    fn apply(&mut self, record: Record) {
        match record {
            Record::Prepared { tx, account, delta } => {
                self.prepared.insert(tx, Box::new((account, delta)));
            }
            Record::Committed { tx } => {
                if let Some((account, delta)) = self.prepared.remove(&tx).map(|entry| *entry) {
                    let balance = self.balances.get(&account).copied().unwrap_or(self.config.initial_balance) + delta;
                    self.balances.insert(account, balance);
                    self.store.insert(account, balance as u64);
                    self.ledger.post(account, tx, delta);
                }
            }
        }
    }
}

/// A node of the `neft-rtgs` scenario.
#[derive(Debug)]
pub enum TwoPhaseNode {
    /// The clearing house.
    Coordinator(Coordinator),
    /// A participant bank.
    Bank(Bank),
    /// A bank's synchronous standby.
    Standby(Standby),
}

fn bank_store(config: &TwoPhaseConfig, bank: usize) -> BTreeMap<Key, Value> {
    crate::compact::map_from(
        (0..config.accounts)
            .filter(|account| bank_of(*account, config.banks) == bank)
            .map(|account| (account, config.initial_balance as u64)),
    )
}

impl TwoPhaseNode {
    /// The clearing house.
    pub fn coordinator(config: TwoPhaseConfig) -> Self {
        TwoPhaseNode::Coordinator(Coordinator {
            config,
            log: ForcedLog::default(),
            active: BTreeMap::new(),
            committed: BTreeMap::new(),
            forcing: BTreeMap::new(),
            store: BTreeMap::new(),
            outcomes: Outcomes::default(),
            commit_us: VecDeque::new(),
        })
    }

    /// Bank number `bank`.
    pub fn bank(config: TwoPhaseConfig, bank: usize) -> Self {
        TwoPhaseNode::Bank(Bank {
            config,
            bank,
            log: ForcedLog::default(),
            unacked: VecDeque::new(),
            unacked_first: 1,
            standby_upto: 0,
            forcing: BTreeMap::new(),
            prepared: BTreeMap::new(),
            locks: BTreeMap::new(),
            committing: BTreeSet::new(),
            balances: BTreeMap::new(),
            store: bank_store(&config, bank),
            outcomes: Outcomes::default(),
            ledger: Ledger::default(),
            shipped_upto: 0,
            in_doubt: InDoubtLog::default(),
        })
    }

    /// The standby of bank `bank`.
    pub fn standby(config: TwoPhaseConfig, bank: usize) -> Self {
        TwoPhaseNode::Standby(Standby {
            config,
            bank,
            log: ForcedLog::default(),
            received: 0,
            prepared: BTreeMap::new(),
            store: bank_store(&config, bank),
            ledger: Ledger::default(),
            balances: BTreeMap::new(),
        })
    }

    fn config(&self) -> &TwoPhaseConfig {
        match self {
            TwoPhaseNode::Coordinator(node) => &node.config,
            TwoPhaseNode::Bank(node) => &node.config,
            TwoPhaseNode::Standby(node) => &node.config,
        }
    }
}

impl Protocol for TwoPhaseNode {
    type Msg = Msg;
    type Timer = Timer;

    fn start(&mut self, ctx: &mut Ctx, out: &mut Out<Msg, Timer>) {
        let retry = self.config().decision_retry_us;
        out.set_timer(1 + ctx.rng.below(retry), Timer::Retry);
    }

    fn on_message(&mut self, ctx: &mut Ctx, from: NodeId, msg: Msg, out: &mut Out<Msg, Timer>) {
        match (self, msg) {
            (TwoPhaseNode::Coordinator(node), Msg::Vote { tx, yes }) => node.on_vote(from, tx, yes, out),
            (TwoPhaseNode::Coordinator(node), Msg::Done { tx }) => node.on_done(ctx.now_us, from, tx, out),
            (TwoPhaseNode::Coordinator(node), Msg::AskDecision { tx }) => node.on_ask(from, tx, out),
            (TwoPhaseNode::Bank(node), Msg::Prepare { tx, account, delta }) => node.on_prepare(tx, account, delta, out),
            (TwoPhaseNode::Bank(node), Msg::Decide { tx, commit }) => node.on_decide(ctx, tx, commit, out),
            (TwoPhaseNode::Bank(node), Msg::Shipped { upto }) => {
                node.standby_upto = node.standby_upto.max(upto);
                node.on_forced(ctx, out);
            }
            (TwoPhaseNode::Standby(node), Msg::Ship { first, records }) => node.on_ship(first, records, out),
            _ => {}
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx, timer: Timer, out: &mut Out<Msg, Timer>) {
        match (self, timer) {
            (TwoPhaseNode::Coordinator(node), Timer::VoteTimeout(tx))
                if node.active.get(&tx).is_some_and(|active| active.commit_at.is_none()) =>
            {
                node.abort(tx, out)
            }
            (TwoPhaseNode::Coordinator(node), Timer::Retry) => node.on_retry(out),
            (TwoPhaseNode::Bank(node), Timer::Retry) => node.on_retry(ctx.now_us, out),
            (TwoPhaseNode::Standby(node), Timer::Retry) => out.set_timer(node.config.standby_retry_us, Timer::Retry),
            _ => {}
        }
    }

    fn on_client(&mut self, ctx: &mut Ctx, request: ClientRequest, out: &mut Out<Msg, Timer>) {
        match self {
            TwoPhaseNode::Coordinator(node) if request.kind == OpKind::Transfer => node.begin(ctx, &request, out),
            TwoPhaseNode::Coordinator(_) => out.reply(request.op, Reply::Ok { read_value: None, epoch: 0 }),
            _ => out.reply(request.op, Reply::Fail(FailReason::NotPrimary)),
        }
    }

    fn on_disk(&mut self, ctx: &mut Ctx, done: DiskDone, out: &mut Out<Msg, Timer>) {
        let DiskDone::Synced(token) = done else { return };
        match self {
            TwoPhaseNode::Coordinator(node) => node.on_synced(token, out),
            TwoPhaseNode::Bank(node) => {
                node.log.on_synced(token, out);
                node.ship_durable(out);
                node.on_forced(ctx, out);
            }
            TwoPhaseNode::Standby(node) => {
                let before = node.log.durable;
                node.log.on_synced(token, out);
                if node.log.durable > before {
                    out.send(bank_node(node.bank), Msg::Shipped { upto: node.log.durable });
                }
            }
        }
    }

    fn crash(&mut self) {
        match self {
            TwoPhaseNode::Coordinator(node) => {
                node.log.crash();
                node.active.clear();
                node.forcing.clear();
                for entry in node.committed.values_mut() {
                    let (_, done) = &mut **entry;
                    *done = [false; PARTICIPANTS];
                }
            }
            TwoPhaseNode::Bank(node) => node.crash(),
            TwoPhaseNode::Standby(node) => {
                node.log.crash();
                node.received = node.log.durable;
            }
        }
    }

    fn restart(&mut self, ctx: &mut Ctx, out: &mut Out<Msg, Timer>) {
        // Recovery reads the log: the coordinator re-sends its logged commits and banks ask
        // about their prepared transactions, both from the periodic retry.
        let retry = self.config().decision_retry_us;
        out.set_timer(1 + ctx.rng.below(retry / 10 + 1), Timer::Retry);
    }

    fn cpu_cost_us(&self, kind: MessageKind) -> u64 {
        match kind {
            MessageKind::Request => self.config().request_cpu_us,
            _ => 20,
        }
    }

    fn view(&self, now_us: u64) -> NodeView {
        let (blocked, in_doubt_longest_us) = match self {
            TwoPhaseNode::Bank(node) => {
                let waits = node.prepared.values().map(|prepared| now_us.saturating_sub(prepared.since_us));
                let blocked = waits.clone().filter(|waited| *waited > node.config.vote_timeout_us).count() as u64;
                (blocked, waits.max().unwrap_or(0))
            }
            _ => (0, 0),
        };
        let (role, status, in_doubt) = match self {
            TwoPhaseNode::Coordinator(node) => (
                Role::Coordinator,
                format!(
                    "clearing house · {} transfers in progress · {} commits awaiting banks",
                    node.active.len(),
                    node.committed.len()
                ),
                0,
            ),
            TwoPhaseNode::Bank(node) => (
                Role::Primary,
                format!(
                    "bank {} · {} prepared (in doubt) · {} locked accounts · longest in doubt {:.0} ms",
                    node.bank + 1,
                    node.prepared.len(),
                    node.locks.len(),
                    node.in_doubt.blocked_max_us as f64 / 1000.0
                ),
                node.prepared.len() as u64,
            ),
            TwoPhaseNode::Standby(node) => (
                Role::Replica,
                format!("synchronous standby of bank {} · {} records forced", node.bank + 1, node.log.durable),
                0,
            ),
        };
        let (log_end, flushed) = match self {
            TwoPhaseNode::Coordinator(node) => (node.log.written, node.log.durable),
            TwoPhaseNode::Bank(node) => (node.log.written, node.forced_upto()),
            TwoPhaseNode::Standby(node) => (node.received, node.log.durable),
        };
        NodeView {
            role,
            epoch: 0,
            log_end,
            flushed,
            applied: flushed,
            commit: flushed,
            lag_us: 0,
            status,
            vector_clock: Vec::new(),
            conflicts: 0,
            in_doubt,
            blocked,
            in_doubt_longest_us,
            detail: Vec::new(),
            switched_off: false,
        }
    }

    fn route_info(&self) -> RouteInfo {
        let role = match self {
            TwoPhaseNode::Coordinator(_) => Role::Coordinator,
            TwoPhaseNode::Bank(_) => Role::Primary,
            TwoPhaseNode::Standby(_) => Role::Replica,
        };
        RouteInfo { role, epoch: 0, serving: true }
    }

    fn lag_us(&self, _now_us: u64) -> Option<u64> {
        None
    }

    fn store(&self) -> &BTreeMap<Key, Value> {
        match self {
            TwoPhaseNode::Coordinator(node) => &node.store,
            TwoPhaseNode::Bank(node) => &node.store,
            TwoPhaseNode::Standby(node) => &node.store,
        }
    }

    /// A bank's and a standby's statements; a bank's prepared changes are held, not applied.
    fn state_extras(&self) -> StateExtras {
        let (ledger, held) = match self {
            TwoPhaseNode::Bank(node) => {
                let held = node
                    .prepared
                    .iter()
                    .map(|(tx, prepared)| Posting { account: prepared.account, op: *tx, delta: prepared.delta })
                    .collect();
                (&node.ledger, held)
            }
            TwoPhaseNode::Standby(node) => (&node.ledger, Vec::new()),
            TwoPhaseNode::Coordinator(_) => return StateExtras::default(),
        };
        let (ledger, ledger_dropped) = ledger.export();
        StateExtras { ledger, ledger_dropped, held, ..StateExtras::default() }
    }

    fn in_doubt(&self, now_us: u64) -> Option<InDoubtLog> {
        if let TwoPhaseNode::Coordinator(node) = self {
            return Some(InDoubtLog { commit_us: node.commit_us.iter().copied().collect(), ..InDoubtLog::default() });
        }
        let TwoPhaseNode::Bank(node) = self else { return None };
        let mut log = node.in_doubt.clone();
        log.in_doubt = node.prepared.len() as u64;
        let open = node.prepared.values().map(|p| now_us.saturating_sub(p.since_us)).max().unwrap_or(0);
        log.blocked_max_us = log.blocked_max_us.max(open);
        Some(log)
    }
}

/// Every transfer goes to the clearing house.
pub fn route_coordinator(
    _kind: OpKind,
    candidates: &[crate::engine::RouteCandidate],
    _rng: &mut crate::rng::Stream,
) -> Option<NodeId> {
    candidates.iter().find(|c| c.info.role == Role::Coordinator).map(|c| c.node)
}
