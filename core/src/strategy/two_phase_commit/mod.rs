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

mod bank;
mod coordinator;

use crate::protocol::{
    ClientRequest, Ctx, DiskDone, FailReason, Key, Ledger, Message, MessageKind, NodeId, NodeView, OpId, OpKind, Out,
    Posting, Protocol, Reply, Role, RouteInfo, StateExtras, Value,
};
use crate::self_report::InDoubtLog;
use bank::{Bank, Standby};
use coordinator::{Coordinator, Decided, Outcomes};
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
    NodeId::new(1 + 2 * bank)
}

fn standby_node(bank: usize) -> NodeId {
    NodeId::new(2 + 2 * bank)
}

const COORDINATOR: NodeId = NodeId::new(0);

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

// ----- coordinator -----

/// A transfer's two halves: (bank, account, money into it).
type Halves = [(usize, Key, i64); PARTICIPANTS];

// ----- bank -----

// ----- standby -----

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
            log_end,
            flushed,
            applied: flushed,
            commit: flushed,
            status,
            in_doubt,
            blocked,
            in_doubt_longest_us,
            ..NodeView::default()
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

    fn self_report(&self, now_us: u64) -> Option<crate::self_report::SelfReport> {
        if let TwoPhaseNode::Coordinator(node) = self {
            let log = InDoubtLog { commit_us: node.commit_us.iter().copied().collect(), ..InDoubtLog::default() };
            return Some(crate::self_report::SelfReport::InDoubt(log));
        }
        let TwoPhaseNode::Bank(node) = self else { return None };
        let mut log = node.in_doubt.clone();
        log.in_doubt = node.prepared.len() as u64;
        let open = node.prepared.values().map(|p| now_us.saturating_sub(p.since_us)).max().unwrap_or(0);
        log.blocked_max_us = log.blocked_max_us.max(open);
        Some(crate::self_report::SelfReport::InDoubt(log))
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
