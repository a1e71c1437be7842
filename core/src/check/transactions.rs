//! Transactions: the isolation anomalies snapshot isolation allows.

use super::*;
use crate::vocabulary::OpResult;

/// Write skew found in an engine's own committed-transaction log, concurrency read from the
/// snapshots. Not a checker (an engine's log is its own account): the oracle the tests hold
/// [`write_skew`] to, on the Hermitage cases and on whole runs.
pub fn write_skew_in_log(txs: &[crate::mvcc::CommittedTx]) -> Vec<Finding> {
    let mut writers: BTreeMap<Key, Box<Vec<usize>>> = BTreeMap::new();
    // (xid, index, 0): the element type of another sort here, so one sort serves both;
    // the index breaks ties, so the unstable sort orders like a stable one.
    let mut order: Vec<(u64, u64, u64)> = txs.iter().enumerate().map(|(index, tx)| (tx.xid, index as u64, 0)).collect();
    order.sort_unstable();
    for (_, index, _) in order {
        let index = index as usize;
        for key in &txs[index].writes {
            writers.entry(*key).or_default().push(index);
        }
    }
    let sees = |tx: &crate::mvcc::CommittedTx, xid: u64| xid < tx.snapshot_xmax && !tx.snapshot_active.contains(&xid);
    let mut findings = Vec::new();
    for first in txs {
        let lower = first.snapshot_active.iter().copied().chain([first.snapshot_xmax]).min().unwrap_or(0);
        for (key, _) in &first.reads {
            let Some(candidates) = writers.get(key) else { continue };
            let start = candidates.partition_point(|index| txs[*index].xid < lower);
            for second in candidates[start..].iter().map(|index| &txs[*index]) {
                if second.xid >= first.committed_before {
                    break;
                }
                let concurrent = second.xid != first.xid && !sees(first, second.xid) && !sees(second, first.xid);
                let other_key = second.reads.iter().find(|(read, _)| first.writes.contains(read));
                if let (true, Some((other_key, _)), true) = (concurrent, other_key, first.xid < second.xid) {
                    findings.push(Finding {
                        kind: AnomalyKind::WriteSkew,
                        ops: vec![first.op, second.op],
                        at_us: 0,
                        explanation: format!(
                            "Operations #{} and #{} ran concurrently under snapshot isolation: #{} read key {key}, which #{} wrote, and #{} read key {other_key}, which #{} wrote; both committed (G2-item write skew).",
                            first.op, second.op, first.op, second.op, second.op, first.op
                        ),
                    });
                }
            }
        }
    }
    findings.sort_unstable_by(|a, b| a.ops.cmp(&b.ops));
    findings.dedup_by(|a, b| a.ops == b.ops);
    findings
}

/// A committed transaction as its result shows it: the version it read of each key (the
/// operation that wrote it) and the keys it wrote.
struct Seen<'a> {
    op: &'a Operation,
    reads: BTreeMap<Key, OpId>,
    writes: Vec<Key>,
}

/// Property (G2-item write skew): no two committed transactions each wrote a later
/// version of a key the other had read. Judged from the history alone: each acknowledged
/// transaction's result gives the version of every key it read (the operation that wrote
/// it) and the keys it wrote, and a transaction writes a key over the version it read of
/// it, which orders each key's versions. T1 read x at version v and T2 wrote a version of x
/// after v (T1 →rw T2, through other writers of x if any), and T2 read y at u and T1 wrote a
/// version of y after u (T2 →rw T1): a cycle with anti-dependencies, which no serial order
/// allows. Pairs are looked for among transactions that overlapped in real time (one that
/// ended before the other began was seen by it under any isolation level that does not
/// read stale data).
pub fn write_skew(history: &History) -> Vec<Finding> {
    let committed: Vec<Seen> = history
        .iter()
        .filter(|op| op.outcome == Outcome::Ok)
        .filter_map(|op| match op.result.as_deref() {
            Some(OpResult::Transaction { reads, writes }) if !writes.is_empty() => Some(Seen {
                op,
                reads: reads.iter().map(|(key, _, version)| (*key, *version)).collect(),
                writes: writes.iter().map(|(key, _)| *key).collect(),
            }),
            _ => None,
        })
        .collect();
    let order = VersionOrder::of(&committed);
    let mut findings = Vec::new();
    // In invocation order (the history's), so the transactions overlapping one in real time
    // follow it until one begins after it ended.
    for (first_index, first) in committed.iter().enumerate() {
        let ended = first.op.complete_us.unwrap_or(u64::MAX);
        for second in committed[first_index + 1..].iter().take_while(|second| second.op.invoke_us < ended) {
            let pair = (over(&order, first, second), over(&order, second, first));
            if let (Some((x, version)), Some((y, _))) = pair {
                findings.push(Finding {
                    kind: AnomalyKind::WriteSkew,
                    ops: vec![first.op.id, second.op.id],
                    at_us: first.op.complete_us.max(second.op.complete_us).unwrap_or(0),
                    explanation: format!(
                        "Operations #{} and #{} both committed, each writing over what the other read: #{} read account {x} at the version of {} and #{} wrote a later version of it; #{} read account {y} and #{} wrote a later version of that (G2-item write skew: no serial order gives both).",
                        first.op.id,
                        second.op.id,
                        first.op.id,
                        version_text(*version),
                        second.op.id,
                        second.op.id,
                        first.op.id
                    ),
                });
            }
        }
    }
    sort_by_u64(&mut findings, |finding| finding.at_us);
    findings
}

/// A key `reader` read that `writer` wrote a later version of (and `reader` did not write).
fn over<'a>(order: &VersionOrder, reader: &'a Seen, writer: &Seen) -> Option<(&'a Key, &'a OpId)> {
    reader.reads.iter().find(|(key, version)| {
        writer.writes.contains(key) && !reader.writes.contains(key) && order.after(**key, writer.op.id, **version)
    })
}

/// Each key's versions in order, from the history: a transaction's write of a key follows
/// the version it read of that key.
struct VersionOrder {
    /// (key, writer) → position in the key's order (the initial value is 0).
    position: BTreeMap<(Key, OpId), u64>,
}

impl VersionOrder {
    fn of(committed: &[Seen]) -> Self {
        let mut next: BTreeMap<(Key, OpId), OpId> = BTreeMap::new();
        for tx in committed {
            for key in &tx.writes {
                if let Some(version) = tx.reads.get(key) {
                    next.entry((*key, *version)).or_insert(tx.op.id);
                }
            }
        }
        let mut keys: Vec<Key> = next.keys().map(|(key, _)| *key).collect();
        keys.dedup();
        let mut position = BTreeMap::new();
        for key in keys {
            let (mut at, mut index) = (0, 0);
            position.insert((key, 0), 0);
            // Bounded: every step moves to a writer not placed yet.
            while let Some(writer) = next.get(&(key, at)).copied() {
                index += 1;
                if position.insert((key, writer), index).is_some() {
                    break;
                }
                at = writer;
            }
        }
        VersionOrder { position }
    }

    /// Whether `writer`'s version of `key` comes after `version`.
    fn after(&self, key: Key, writer: OpId, version: OpId) -> bool {
        match (self.position.get(&(key, writer)), self.position.get(&(key, version))) {
            (Some(writer), Some(version)) => writer > version,
            _ => false,
        }
    }
}

fn version_text(version: OpId) -> String {
    if version == 0 {
        "its initial value".to_string()
    } else {
        format!("#{version}")
    }
}
