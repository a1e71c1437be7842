//! Transactions: the isolation anomalies snapshot isolation allows.

use super::*;

/// Property (G2-item): no two concurrent committed transactions each read a key the other
/// wrote. `txs` is an engine's committed-transaction log; concurrency is read from the
/// snapshots (neither saw the other), so every finding is a real write skew.
pub fn write_skew(txs: &[crate::mvcc::CommittedTx]) -> Vec<Finding> {
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
