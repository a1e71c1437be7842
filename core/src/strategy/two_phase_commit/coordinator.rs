//! The clearing house: begins each transfer, collects the banks' votes, forces its
//! decision before sending it (presumed abort: no record means abort), answers banks that
//! ask, and retries decisions not yet acknowledged.

use super::*;

/// What a node decided, or learned was decided, about a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Decided {
    Committed,
    Aborted,
}

/// Decided outcomes a node remembers on disk, bounded (oldest forgotten first): the
/// coordinator's answers to banks that ask, a bank's answer to a repeated decision. Not
/// account data: the store holds balances only.
#[derive(Debug, Default)]
pub(super) struct Outcomes {
    pub(super) by_tx: BTreeMap<OpId, Decided>,
    pub(super) order: VecDeque<OpId>,
}

impl Outcomes {
    pub(super) fn set(&mut self, tx: OpId, decided: Decided) {
        if self.by_tx.insert(tx, decided).is_none() {
            self.order.push_back(tx);
            if self.order.len() > OUTCOMES_MAX {
                if let Some(old) = self.order.pop_front() {
                    self.by_tx.remove(&old);
                }
            }
        }
    }

    pub(super) fn get(&self, tx: OpId) -> Option<Decided> {
        self.by_tx.get(&tx).copied()
    }
}

#[derive(Debug, Clone)]
pub(super) struct Active {
    pub(super) halves: Halves,
    pub(super) yes: [bool; PARTICIPANTS],
    /// Commit record position once deciding commit.
    pub(super) commit_at: Option<u64>,
    /// When the transfer reached the coordinator.
    pub(super) started_us: u64,
}

/// The clearing house.
#[derive(Debug)]
pub struct Coordinator {
    pub(super) config: TwoPhaseConfig,
    pub(super) log: ForcedLog,
    /// Undecided or committing transactions (volatile).
    pub(super) active: BTreeMap<OpId, Box<Active>>,
    /// Durable commit records whose banks have not all acknowledged, with which have (the
    /// flags are volatile: after a restart every bank is asked again).
    pub(super) committed: BTreeMap<OpId, Box<(Halves, [bool; PARTICIPANTS])>>,
    /// Commit records waiting for their fsync: position → transaction.
    pub(super) forcing: BTreeMap<u64, OpId>,
    /// Empty: the clearing house holds no accounts.
    pub(super) store: BTreeMap<Key, Value>,
    pub(super) outcomes: Outcomes,
    /// Commit latencies, latest last.
    pub(super) commit_us: VecDeque<u64>,
}

impl Coordinator {
    pub(super) fn begin(&mut self, ctx: &mut Ctx, request: &ClientRequest, out: &mut Out<Msg, Timer>) {
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

    pub(super) fn half_index(halves: &Halves, from: NodeId) -> Option<usize> {
        halves.iter().position(|(bank, _, _)| bank_node(*bank) == from)
    }

    pub(super) fn on_vote(&mut self, from: NodeId, tx: OpId, yes: bool, out: &mut Out<Msg, Timer>) {
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

    pub(super) fn abort(&mut self, tx: OpId, out: &mut Out<Msg, Timer>) {
        if let Some(active) = self.active.remove(&tx) {
            for (bank, _, _) in active.halves {
                out.send(bank_node(bank), Msg::Decide { tx, commit: false });
            }
            self.outcomes.set(tx, Decided::Aborted);
            out.reply(tx, Reply::Fail(FailReason::NotReady));
        }
    }

    pub(super) fn on_synced(&mut self, token: u64, out: &mut Out<Msg, Timer>) {
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

    pub(super) fn on_done(&mut self, now_us: u64, from: NodeId, tx: OpId, out: &mut Out<Msg, Timer>) {
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

    pub(super) fn on_ask(&mut self, from: NodeId, tx: OpId, out: &mut Out<Msg, Timer>) {
        if self.committed.contains_key(&tx) {
            out.send(from, Msg::Decide { tx, commit: true });
        } else if !self.active.contains_key(&tx) {
            // No commit record and not in progress: presumed abort.
            out.send(from, Msg::Decide { tx, commit: false });
        }
    }

    pub(super) fn on_retry(&mut self, out: &mut Out<Msg, Timer>) {
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
