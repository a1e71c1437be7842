//! A participant bank and its synchronous standby: a prepare holds the change and forces a
//! record before voting yes; a decision applies or releases it; a bank in doubt blocks
//! and asks the coordinator; the standby stores and applies the bank's forced log.

use super::*;

#[derive(Debug, Clone, Copy)]
pub(super) struct Prepared {
    pub(super) account: Key,
    pub(super) delta: i64,
    /// When it became durable (in doubt from then on).
    pub(super) since_us: u64,
}

/// A participant bank.
#[derive(Debug)]
pub struct Bank {
    pub(super) config: TwoPhaseConfig,
    pub(super) bank: usize,
    pub(super) log: ForcedLog,
    /// Records shipped to the standby: position of `unacked[0]`, and the standby's mark.
    pub(super) unacked: VecDeque<Record>,
    pub(super) unacked_first: u64,
    pub(super) standby_upto: u64,
    /// Records waiting to be forced: position → what to do then.
    pub(super) forcing: BTreeMap<u64, Box<Record>>,
    /// Durable prepared transactions (in doubt until decided).
    pub(super) prepared: BTreeMap<OpId, Box<Prepared>>,
    /// Accounts locked, by transaction (durable for prepared ones).
    pub(super) locks: BTreeMap<Key, OpId>,
    /// Transactions decided commit whose record is being forced.
    pub(super) committing: BTreeSet<OpId>,
    pub(super) balances: BTreeMap<Key, i64>,
    pub(super) store: BTreeMap<Key, Value>,
    pub(super) outcomes: Outcomes,
    /// Every committed change, per account: the bank's statements.
    pub(super) ledger: Ledger,
    /// Records forced on this disk and shipped to the standby, up to here: a record goes to
    /// the standby only once it is durable here, so the standby never holds a record the bank
    /// could lose in a crash (and whose position it would then reuse).
    pub(super) shipped_upto: u64,
    pub(super) in_doubt: InDoubtLog,
}

impl Bank {
    pub(super) fn force(&mut self, record: Record, out: &mut Out<Msg, Timer>) {
        let position = self.log.append(48, out);
        self.forcing.insert(position, Box::new(record));
        if self.unacked.is_empty() {
            self.unacked_first = position;
        }
        self.unacked.push_back(record);
    }

    /// Ships the records that became durable here since the last shipment.
    pub(super) fn ship_durable(&mut self, out: &mut Out<Msg, Timer>) {
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
    pub(super) fn forced_upto(&self) -> u64 {
        self.log.durable.min(self.standby_upto)
    }

    pub(super) fn on_prepare(&mut self, tx: OpId, account: Key, delta: i64, out: &mut Out<Msg, Timer>) {
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

    pub(super) fn balance(&self, account: Key) -> i64 {
        self.balances.get(&account).copied().unwrap_or(self.config.initial_balance)
    }

    pub(super) fn on_decide(&mut self, ctx: &Ctx, tx: OpId, commit: bool, out: &mut Out<Msg, Timer>) {
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
    pub(super) fn release_unforced(&mut self, tx: OpId) {
        let account = self.locks.iter().find(|(_, t)| **t == tx).map(|(a, _)| *a);
        if let Some(account) = account {
            self.locks.remove(&account);
            self.outcomes.set(tx, Decided::Aborted);
        }
    }

    pub(super) fn note_decided(&mut self, now_us: u64, since_us: u64) {
        let waited = now_us.saturating_sub(since_us);
        self.in_doubt.blocked_max_us = self.in_doubt.blocked_max_us.max(waited);
        if waited > self.config.vote_timeout_us {
            self.in_doubt.blocked += 1;
        }
    }

    /// Acts on the records both disks now hold.
    pub(super) fn on_forced(&mut self, ctx: &Ctx, out: &mut Out<Msg, Timer>) {
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

    pub(super) fn on_retry(&mut self, now_us: u64, out: &mut Out<Msg, Timer>) {
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

    pub(super) fn crash(&mut self) {
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

/// A bank's synchronous standby: forces every record it is shipped, then acknowledges.
#[derive(Debug)]
pub struct Standby {
    pub(super) config: TwoPhaseConfig,
    pub(super) bank: usize,
    pub(super) log: ForcedLog,
    pub(super) received: u64,
    pub(super) prepared: BTreeMap<OpId, Box<(Key, i64)>>,
    pub(super) store: BTreeMap<Key, Value>,
    /// Every committed change it replayed, per account.
    pub(super) ledger: Ledger,
    pub(super) balances: BTreeMap<Key, i64>,
}

impl Standby {
    pub(super) fn on_ship(&mut self, first: u64, records: Vec<Record>, out: &mut Out<Msg, Timer>) {
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

    pub(super) fn apply(&mut self, record: Record) {
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
