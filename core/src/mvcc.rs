//! A small multi-version store with snapshot isolation, a write-ahead log and redo recovery:
//! the storage engine of the `core-banking` scenario, kept free of any I/O so the Hermitage
//! tests can drive it statement by statement.
//!
//! **Versions.** Each key holds a chain of versions, each stamped with the transaction that
//! created it (`xmin`) and the one that replaced it (`xmax`, 0 while current). A transaction
//! reads through a snapshot taken when it began: the transactions committed by then are
//! visible, those still running or begun later are not — so it never sees an uncommitted,
//! aborted or intermediate value, and it sees the same value each time it reads a key.
//!
//! **Writes** are buffered in the transaction until it commits. At commit,
//! *first-committer-wins*: if any key it wrote has a version committed by a transaction its
//! snapshot does not see (or one already committing), it aborts with a serialization failure.
//! Otherwise its writes go to the log, and only once the commit record is durable do they
//! become versions others can see. Snapshot isolation still allows write skew (G2-item): two
//! transactions that read the same two keys and each write a different one both commit.
//!
//! **Log and checkpoints.** The log holds, per committed transaction, its writes and a commit
//! record, with LSNs. A checkpoint is a copy of the committed values at a log position;
//! recovery starts from the last durable checkpoint and redoes every transaction whose commit
//! record is durable after it. This module must not know about nodes, messages or time.

use crate::vocabulary::{Key, OpId};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use thiserror::Error;

/// A transaction id; 0 is the bootstrap transaction that created the initial values.
pub type Xid = u64;
/// A log sequence number, from 1.
pub type Lsn = u64;

/// Versions kept per key at most; below that, versions no running snapshot can need are
/// pruned (vacuum) as new ones arrive.
pub const VERSIONS_PER_KEY_MAX: usize = 4096;
/// Committed transactions kept for the write-skew checker (the latest).
pub const COMMITTED_LOG_MAX: usize = 50_000;

/// One version of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Version {
    /// The value.
    pub value: i64,
    /// Transaction that created it.
    pub xmin: Xid,
    /// Transaction that replaced it (0: current).
    pub xmax: Xid,
    /// The client operation whose transaction created it (0: the initial value).
    pub op: OpId,
}

/// What a transaction can see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// Transactions with ids at or above this had not begun.
    pub xmax: Xid,
    /// Transactions running (or committing) when the snapshot was taken.
    pub active: BTreeSet<Xid>,
}

impl Snapshot {
    fn sees(&self, xid: Xid) -> bool {
        xid < self.xmax && !self.active.contains(&xid)
    }
}

/// Why an operation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum MvccError {
    /// No running transaction has this id.
    #[error("no running transaction {0}")]
    UnknownTransaction(Xid),
    /// First-committer-wins: another transaction committed a write to this key first.
    #[error("serialization failure on key {key}: transaction {by} committed it first")]
    SerializationFailure {
        /// The key both wrote.
        key: Key,
        /// The transaction that got there first.
        by: Xid,
    },
}

/// A committed transaction as the write-skew checker needs it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CommittedTx {
    /// Its id.
    pub xid: Xid,
    /// The client operation it ran.
    pub op: OpId,
    /// Its snapshot's bound and the transactions running when it began.
    pub snapshot_xmax: Xid,
    /// Transactions running when it began.
    pub snapshot_active: Vec<Xid>,
    /// Keys it read, with the creator of the version it read.
    pub reads: Vec<(Key, Xid)>,
    /// Keys it wrote.
    pub writes: Vec<Key>,
    /// The next transaction id when it committed: transactions from here on saw it.
    pub committed_before: Xid,
}

#[derive(Debug, Clone)]
struct Tx {
    op: OpId,
    snapshot: Snapshot,
    /// Per key read: the version's creating transaction, its value and its client operation.
    reads: BTreeMap<Key, Box<(Xid, i64, OpId)>>,
    writes: BTreeMap<Key, i64>,
}

/// A log record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record {
    /// A committed transaction's write.
    Write {
        /// Transaction.
        xid: Xid,
        /// Key.
        key: Key,
        /// New value.
        value: i64,
    },
    /// The transaction committed (it ran client operation `op`).
    Commit {
        /// Transaction.
        xid: Xid,
        /// Client operation.
        op: OpId,
    },
}

/// The committed values at a log position.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Checkpoint {
    /// Every record at or below this is reflected in `values`.
    pub lsn: Lsn,
    /// Committed values.
    pub values: BTreeMap<Key, i64>,
    /// The client operation that wrote each committed value (keys at their initial value
    /// left out).
    pub writers: BTreeMap<Key, OpId>,
    /// Client operations committed by then.
    pub committed_ops: BTreeSet<OpId>,
}

/// The engine: version chains, running transactions and the log.
#[derive(Debug, Clone)]
pub struct Mvcc {
    initial: i64,
    chains: BTreeMap<Key, Box<Vec<Version>>>,
    next_xid: Xid,
    running: BTreeMap<Xid, Box<Tx>>,
    /// Committing: logged, waiting for the commit record to be durable.
    committing: BTreeMap<Xid, Box<Tx>>,
    committed_ops: BTreeSet<OpId>,
    log: VecDeque<(Lsn, Record)>,
    next_lsn: Lsn,
    /// Commits up to here have been installed.
    durable_lsn: Lsn,
    committed: VecDeque<CommittedTx>,
}

impl Mvcc {
    /// An engine in which every key starts at `initial`.
    pub fn new(initial: i64) -> Self {
        Self {
            initial,
            chains: BTreeMap::new(),
            next_xid: 1,
            running: BTreeMap::new(),
            committing: BTreeMap::new(),
            committed_ops: BTreeSet::new(),
            log: VecDeque::new(),
            next_lsn: 1,
            durable_lsn: 0,
            committed: VecDeque::new(),
        }
    }

    /// Starts a transaction for client operation `op`.
    pub fn begin(&mut self, op: OpId) -> Xid {
        let xid = self.next_xid;
        self.next_xid += 1;
        let active = crate::compact::set_from(self.running.keys().chain(self.committing.keys()).copied());
        let snapshot = Snapshot { xmax: xid, active };
        self.running.insert(xid, Box::new(Tx { op, snapshot, reads: BTreeMap::new(), writes: BTreeMap::new() }));
        xid
    }

    fn version_for(&self, key: Key, snapshot: &Snapshot) -> (i64, Xid, OpId) {
        let chain = self.chains.get(&key).map(|chain| chain.as_slice()).unwrap_or(&[]);
        chain
            .iter()
            .rev()
            .find(|version| version.xmin == 0 || snapshot.sees(version.xmin))
            .map_or((self.initial, 0, 0), |version| (version.value, version.xmin, version.op))
    }

    /// Reads a key as the transaction sees it (its own write first).
    pub fn read(&mut self, xid: Xid, key: Key) -> Result<i64, MvccError> {
        let tx = self.running.get(&xid).ok_or(MvccError::UnknownTransaction(xid))?;
        if let Some(value) = tx.writes.get(&key) {
            return Ok(*value);
        }
        let (value, creator, op) = self.version_for(key, &tx.snapshot);
        if let Some(tx) = self.running.get_mut(&xid) {
            tx.reads.entry(key).or_insert_with(|| Box::new((creator, value, op)));
        }
        Ok(value)
    }

    /// Buffers a write.
    pub fn write(&mut self, xid: Xid, key: Key, value: i64) -> Result<(), MvccError> {
        let tx = self.running.get_mut(&xid).ok_or(MvccError::UnknownTransaction(xid))?;
        tx.writes.insert(key, value);
        Ok(())
    }

    /// What a running or committing transaction read (each value with the client operation
    /// that wrote its version, 0 for the initial value) and wrote: its result for the history.
    pub fn result_of(&self, xid: Xid) -> Option<crate::protocol::OpResult> {
        let tx = self.running.get(&xid).or_else(|| self.committing.get(&xid))?;
        Some(crate::protocol::OpResult::Transaction {
            reads: tx.reads.iter().map(|(key, read)| (*key, read.1, read.2)).collect(),
            writes: tx.writes.iter().map(|(key, value)| (*key, *value)).collect(),
        })
    }

    /// Drops a running transaction.
    pub fn abort(&mut self, xid: Xid) {
        self.running.remove(&xid);
    }

    /// First-committer-wins, then logs the transaction; it becomes visible with
    /// [`Mvcc::durable`]. Returns the commit record's LSN (`None` for a read-only
    /// transaction, which commits at once).
    pub fn commit(&mut self, xid: Xid) -> Result<Option<Lsn>, MvccError> {
        let tx = self.running.remove(&xid).ok_or(MvccError::UnknownTransaction(xid))?;
        if tx.writes.is_empty() {
            return Ok(None);
        }
        for key in tx.writes.keys() {
            if let Some(by) = self.first_committer(*key, &tx.snapshot) {
                return Err(MvccError::SerializationFailure { key: *key, by });
            }
        }
        for (key, value) in &tx.writes {
            self.append(Record::Write { xid, key: *key, value: *value });
        }
        let lsn = self.append(Record::Commit { xid, op: tx.op });
        self.committing.insert(xid, tx);
        Ok(Some(lsn))
    }

    /// A transaction the snapshot does not see that committed (or is committing) a write
    /// to `key`.
    fn first_committer(&self, key: Key, snapshot: &Snapshot) -> Option<Xid> {
        let newest = self.chains.get(&key).and_then(|chain| chain.last()).map(|version| version.xmin);
        if let Some(xmin) = newest.filter(|xmin| *xmin != 0 && !snapshot.sees(*xmin)) {
            return Some(xmin);
        }
        self.committing.iter().find(|(_, other)| other.writes.contains_key(&key)).map(|(xid, _)| *xid)
    }

    fn append(&mut self, record: Record) -> Lsn {
        let lsn = self.next_lsn;
        self.next_lsn += 1;
        self.log.push_back((lsn, record));
        lsn
    }

    /// The log is durable up to `lsn`: transactions whose commit record it covers become
    /// visible. Returns their client operations, in commit order, each with the change it
    /// made to every key it wrote (new value minus the value it replaced).
    pub fn durable(&mut self, lsn: Lsn) -> Vec<(OpId, Vec<(Key, i64)>)> {
        let start = self.log.partition_point(|(at, _)| *at <= self.durable_lsn);
        self.durable_lsn = self.durable_lsn.max(lsn);
        let done: Vec<Xid> = self
            .log
            .range(start..)
            .take_while(|(at, _)| *at <= lsn)
            .filter_map(|(_, record)| match record {
                Record::Commit { xid, .. } if self.committing.contains_key(xid) => Some(*xid),
                _ => None,
            })
            .collect();
        done.into_iter().filter_map(|xid| self.install(xid)).collect()
    }

    /// Versions replaced by a transaction below this are invisible to every running snapshot.
    fn horizon(&self) -> Xid {
        self.running
            .values()
            .chain(self.committing.values())
            .map(|tx| tx.snapshot.active.first().copied().unwrap_or(tx.snapshot.xmax).min(tx.snapshot.xmax))
            .min()
            .unwrap_or(self.next_xid)
    }

    fn install(&mut self, xid: Xid) -> Option<(OpId, Vec<(Key, i64)>)> {
        let tx = self.committing.remove(&xid)?;
        let horizon = self.horizon();
        let initial = self.initial;
        let mut changes = Vec::with_capacity(tx.writes.len());
        for (key, value) in &tx.writes {
            let chain = self.chains.entry(*key).or_default();
            let replaced = chain.last().map_or(initial, |version| version.value);
            changes.push((*key, *value - replaced));
            if let Some(current) = chain.last_mut() {
                current.xmax = xid;
            }
            chain.push(Version { value: *value, xmin: xid, xmax: 0, op: tx.op });
            // Vacuum: a version whose successor every running snapshot sees is dead.
            let dead = chain.iter().take_while(|version| version.xmax != 0 && version.xmax < horizon).count();
            let dead = dead.min(chain.len() - 1).max(chain.len().saturating_sub(VERSIONS_PER_KEY_MAX));
            chain.drain(..dead);
        }
        self.committed_ops.insert(tx.op);
        if self.committed.len() == COMMITTED_LOG_MAX {
            self.committed.pop_front();
        }
        self.committed.push_back(CommittedTx {
            xid,
            op: tx.op,
            snapshot_xmax: tx.snapshot.xmax,
            snapshot_active: tx.snapshot.active.iter().copied().collect(),
            reads: tx.reads.iter().map(|(key, read)| (*key, read.0)).collect(),
            writes: tx.writes.keys().copied().collect(),
            committed_before: self.next_xid,
        });
        Some((tx.op, changes))
    }

    /// Each key's current committed version's client operation (keys still at their
    /// initial value are left out).
    pub fn committed_versions(&self) -> BTreeMap<Key, OpId> {
        crate::compact::map_from(
            self.chains
                .iter()
                .filter_map(|(key, chain)| chain.last().filter(|version| version.op != 0).map(|v| (*key, v.op))),
        )
    }

    /// The latest committed value of every key written since time zero.
    pub fn committed_values(&self) -> BTreeMap<Key, i64> {
        crate::compact::map_from(
            self.chains.iter().filter_map(|(key, chain)| chain.last().map(|version| (*key, version.value))),
        )
    }

    /// The version chain of a key, oldest first.
    pub fn chain(&self, key: Key) -> &[Version] {
        self.chains.get(&key).map(|chain| chain.as_slice()).unwrap_or(&[])
    }

    /// Client operations whose transactions committed.
    pub fn committed_ops(&self) -> &BTreeSet<OpId> {
        &self.committed_ops
    }

    /// The committed transactions (latest [`COMMITTED_LOG_MAX`]).
    pub fn committed_log(&self) -> impl Iterator<Item = &CommittedTx> {
        self.committed.iter()
    }

    /// Log records from `from` on.
    pub fn log_from(&self, from: Lsn) -> impl Iterator<Item = &(Lsn, Record)> {
        self.log.range(self.log.partition_point(|(lsn, _)| *lsn < from)..)
    }

    /// The next LSN to be written.
    pub fn next_lsn(&self) -> Lsn {
        self.next_lsn
    }

    /// Transactions running or committing.
    pub fn in_flight(&self) -> usize {
        self.running.len() + self.committing.len()
    }

    /// A checkpoint of what is committed now, at the last LSN whose commit is installed.
    pub fn checkpoint(&self, durable_lsn: Lsn) -> Checkpoint {
        Checkpoint {
            lsn: durable_lsn,
            values: self.committed_values(),
            writers: self.committed_versions(),
            committed_ops: self.committed_ops.clone(),
        }
    }

    /// Forgets log records at or below `lsn` (a durable checkpoint covers them).
    pub fn truncate_log(&mut self, lsn: Lsn) {
        while self.log.front().is_some_and(|(at, _)| *at <= lsn) {
            self.log.pop_front();
        }
    }

    /// Crash recovery: the engine that a durable checkpoint and the durable log records
    /// after it rebuild. Transactions without a durable commit record leave no trace.
    pub fn recover(initial: i64, checkpoint: &Checkpoint, records: &[(Lsn, Record)]) -> Self {
        let mut engine = Mvcc::new(initial);
        for (key, value) in &checkpoint.values {
            let op = checkpoint.writers.get(key).copied().unwrap_or(0);
            engine.chains.insert(*key, Box::new(vec![Version { value: *value, xmin: 0, xmax: 0, op }]));
        }
        engine.committed_ops = checkpoint.committed_ops.clone();
        let mut pending: BTreeMap<Xid, Box<Vec<(Key, i64)>>> = BTreeMap::new();
        let mut last = checkpoint.lsn;
        for (lsn, record) in records.iter().filter(|(lsn, _)| *lsn > checkpoint.lsn) {
            last = last.max(*lsn);
            match *record {
                Record::Write { xid, key, value } => pending.entry(xid).or_default().push((key, value)),
                Record::Commit { xid, op } => {
                    for (key, value) in *pending.remove(&xid).unwrap_or_default() {
                        engine.chains.insert(key, Box::new(vec![Version { value, xmin: 0, xmax: 0, op }]));
                    }
                    engine.committed_ops.insert(op);
                    engine.next_xid = engine.next_xid.max(xid + 1);
                }
            }
        }
        engine.next_lsn = last + 1;
        engine.durable_lsn = last;
        engine.log = records.iter().filter(|(lsn, _)| *lsn > checkpoint.lsn).copied().collect();
        engine
    }
}
