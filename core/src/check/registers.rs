//! Registers: what clients of a single-copy store may expect — fresh reads, their own
//! writes, reads that never go back, durable writes, one primary at a time, one leader per
//! term, and linearizability.

use super::*;
use std::collections::HashMap;

/// Completion time of an acknowledged write: the latest moment it can have taken effect.
/// `None` when the write may still take effect later (unknown outcome) or is not recorded.
fn acknowledged_at(history: &History, value: Value) -> Option<Option<u64>> {
    if value == 0 {
        return Some(None);
    }
    let write = history.get(value)?;
    Some(if write.outcome == Outcome::Ok { write.complete_us } else { Some(u64::MAX) })
}

/// Acknowledged writes of one group, sorted by completion, with the running maximum of
/// their invocation times: "the latest-starting write acknowledged before t".
struct AckedWrites {
    complete_us: Vec<u64>,
    latest_invoke: Vec<(u64, OpId)>,
}

impl AckedWrites {
    fn new(mut writes: Vec<(u64, u64, OpId)>) -> Self {
        writes.sort_unstable();
        let mut latest = (0, 0);
        let mut latest_invoke = Vec::with_capacity(writes.len());
        for &(_, invoke, id) in &writes {
            if invoke >= latest.0 {
                latest = (invoke, id);
            }
            latest_invoke.push(latest);
        }
        Self { complete_us: writes.iter().map(|w| w.0).collect(), latest_invoke }
    }

    /// The latest-starting write acknowledged strictly before `t_us`.
    fn latest_before(&self, t_us: u64) -> Option<(u64, OpId)> {
        let count = self.complete_us.partition_point(|&c| c < t_us);
        count.checked_sub(1).map(|index| self.latest_invoke[index])
    }
}

fn group_acked_writes<G: std::hash::Hash + Eq>(
    history: &History,
    group: impl Fn(&Operation) -> G,
) -> HashMap<G, AckedWrites> {
    let mut raw: HashMap<G, Vec<(u64, u64, OpId)>> = HashMap::new();
    for write in ok_writes(history) {
        if let Some(complete) = write.complete_us {
            raw.entry(group(write)).or_default().push((complete, write.invoke_us, write.id));
        }
    }
    raw.into_iter().map(|(key, writes)| (key, AckedWrites::new(writes))).collect()
}

/// A read is older than a write acknowledged before it began that itself began after the
/// read's value was acknowledged.
fn missed_write(history: &History, read: &Operation, writes: Option<&AckedWrites>) -> Option<OpId> {
    let (newer_invoke, newer_id) = writes?.latest_before(read.invoke_us)?;
    let value = read.read_value.unwrap_or(0);
    match acknowledged_at(history, value)? {
        None => Some(newer_id),
        Some(read_acked) if newer_invoke > read_acked => Some(newer_id),
        Some(_) => None,
    }
}

/// Property: no read misses a write acknowledged before it began.
pub fn stale_reads(history: &History) -> Vec<Finding> {
    let writes = group_acked_writes(history, |op| op.key);
    ok_reads(history)
        .filter_map(|read| {
            let newer = missed_write(history, read, writes.get(&read.key))?;
            Some(Finding {
                kind: AnomalyKind::StaleRead,
                ops: vec![read.id, newer],
                at_us: read.complete_us.unwrap_or(read.invoke_us),
                explanation: format!(
                    "Read #{} of key {} returned {}, but write #{newer} to that key had been acknowledged before the read began.",
                    read.id,
                    read.key,
                    read_value_text(read.read_value)
                ),
            })
        })
        .collect()
}

/// Property: a client always sees its own acknowledged writes.
pub fn read_your_writes(history: &History) -> Vec<Finding> {
    let writes = group_acked_writes(history, |op| (op.key, op.client));
    ok_reads(history)
        .filter_map(|read| {
            let own = missed_write(history, read, writes.get(&(read.key, read.client)))?;
            Some(Finding {
                kind: AnomalyKind::ReadYourWrites,
                ops: vec![own, read.id],
                at_us: read.complete_us.unwrap_or(read.invoke_us),
                explanation: format!(
                    "Client {} wrote key {} (write #{own}, acknowledged), then read #{} returned {}.",
                    read.client,
                    read.key,
                    read.id,
                    read_value_text(read.read_value)
                ),
            })
        })
        .collect()
}

/// Property: per client and key, reads never go back in time.
pub fn monotonic_reads(history: &History) -> Vec<Finding> {
    // Ordered by session already: no sort to instantiate.
    let mut by_session: BTreeMap<(u32, Key), Vec<&Operation>> = BTreeMap::new();
    for read in ok_reads(history) {
        by_session.entry((read.client, read.key)).or_default().push(read);
    }
    let mut findings = Vec::new();
    for (_, reads) in by_session {
        findings.extend(monotonic_session(history, reads));
    }
    sort_by_u64(&mut findings, |finding| finding.at_us);
    findings
}

fn monotonic_session(history: &History, reads: Vec<&Operation>) -> Vec<Finding> {
    // Newness of a read's value: when its write began (initial value = 0).
    let newness = |read: &Operation| match read.read_value.unwrap_or(0) {
        0 => Some(0),
        v => history.get(v).map(|write| write.invoke_us.max(1)),
    };
    let mut by_complete: Vec<&Operation> = reads.clone();
    sort_by_u64(&mut by_complete, |read| read.complete_us.unwrap_or(u64::MAX));
    let mut by_invoke = reads;
    sort_by_u64(&mut by_invoke, |read| read.invoke_us);
    let mut findings = Vec::new();
    let mut newest: Option<(u64, &Operation)> = None;
    let mut next = 0;
    for later in by_invoke {
        while next < by_complete.len() && by_complete[next].complete_us.unwrap_or(u64::MAX) < later.invoke_us {
            let earlier = by_complete[next];
            if let Some(n) = newness(earlier) {
                if newest.is_none_or(|(best, _)| n > best) {
                    newest = Some((n, earlier));
                }
            }
            next += 1;
        }
        let Some((seen_newness, earlier)) = newest else {
            continue;
        };
        let value = later.read_value.unwrap_or(0);
        let older = match acknowledged_at(history, value) {
            Some(None) => seen_newness > 0,
            Some(Some(acked)) => acked < seen_newness,
            None => false,
        };
        if older {
            findings.push(Finding {
                kind: AnomalyKind::MonotonicRead,
                ops: vec![earlier.id, later.id],
                at_us: later.complete_us.unwrap_or(later.invoke_us),
                explanation: format!(
                    "Client {} read key {} as {} (read #{}), then read #{} returned an older one, {}.",
                    later.client,
                    later.key,
                    read_value_text(earlier.read_value),
                    earlier.id,
                    later.id,
                    read_value_text(later.read_value)
                ),
            });
        }
    }
    findings
}

/// Property: every acknowledged write survives in the authoritative final state, unless a
/// write that began after it was acknowledged overwrote it.
pub fn lost_writes(history: &History, state: &FinalState, params: CheckParams) -> Vec<Finding> {
    if let Some(ring) = params.placement {
        return lost_placed_writes(history, state, ring);
    }
    let Some(node) = state.authoritative.and_then(|index| state.nodes.get(index)) else {
        return Vec::new();
    };
    ok_writes(history)
        .filter_map(|write| {
            let final_value = node.store.get(&write.key).copied().unwrap_or(0);
            if final_value == write.value {
                return None;
            }
            all_provably_older(history, &[final_value], write).then(|| Finding {
                kind: AnomalyKind::LostWrite,
                ops: vec![write.id],
                at_us: write.complete_us.unwrap_or(write.invoke_us),
                explanation: format!(
                    "Write #{} to key {} was acknowledged by {}, but {} ends with {}.",
                    write.id,
                    write.key,
                    write.node.map_or("a node".to_string(), |n| format!(
                        "node {}",
                        state.nodes.get(n.index()).map_or("?", |x| x.name.as_str())
                    )),
                    node.name,
                    read_value_text(Some(final_value))
                ),
            })
        })
        .collect()
}

/// Whether every value in `values` (0: the initial one) was written by a write acknowledged
/// before `write` began: then nothing that may have overwritten `write` survives.
fn all_provably_older(history: &History, values: &[Value], write: &Operation) -> bool {
    values.iter().all(|&value| {
        value == 0
            || history.get(value).is_some_and(|winner| {
                winner.outcome == Outcome::Ok && winner.complete_us.is_some_and(|c| c < write.invoke_us)
            })
    })
}

/// [`lost_writes`] on a store partitioned by a ring: a write is lost when none of its key's
/// running replicas holds it (as its value or a sibling) and everything they hold instead
/// was acknowledged before it began. A key none of whose replicas runs is not judged.
fn lost_placed_writes(history: &History, state: &FinalState, ring: Ring) -> Vec<Finding> {
    ok_writes(history)
        .filter_map(|write| {
            let holders = running_replicas(state, ring, write.key);
            if holders.is_empty() {
                return None;
            }
            let mut held: Vec<Value> = holders.iter().flat_map(|node| held_values(node, write.key)).collect();
            held.sort_unstable();
            held.dedup();
            if held.contains(&write.value) {
                return None;
            }
            let finals = if held.is_empty() { vec![0] } else { held };
            if !all_provably_older(history, &finals, write) {
                return None;
            }
            let names: Vec<&str> = holders.iter().map(|node| node.name.as_str()).collect();
            Some(Finding {
                kind: AnomalyKind::LostWrite,
                ops: std::iter::once(write.id).chain(finals.iter().copied().filter(|v| *v != 0)).collect(),
                at_us: write.complete_us.unwrap_or(write.invoke_us),
                explanation: format!(
                    "Write #{} to key {} was acknowledged by {}, but its replicas ({}) end with {}.",
                    write.id,
                    write.key,
                    write.node.map_or("a node".to_string(), |n| format!(
                        "node {}",
                        state.nodes.get(n.index()).map_or("?", |x| x.name.as_str())
                    )),
                    names.join(", "),
                    if finals == [0] {
                        "the initial value".to_string()
                    } else {
                        format!("{}, written by writes acknowledged before it began", held_text(&finals))
                    }
                ),
            })
        })
        .collect()
}

/// Property: the periods in which nodes acknowledged writes as primary never overlap.
pub fn split_brain(history: &History) -> Vec<Finding> {
    // Reign of (node, epoch): first and last acknowledgement, with their op ids.
    let mut reigns: BTreeMap<(usize, u64), (u64, OpId, u64, OpId)> = BTreeMap::new();
    for write in ok_writes(history) {
        let (Some(node), Some(epoch), Some(acked)) = (write.node, write.epoch, write.acked_us) else {
            continue;
        };
        let reign = reigns.entry((node.index(), epoch)).or_insert((acked, write.id, acked, write.id));
        if acked < reign.0 {
            (reign.0, reign.1) = (acked, write.id);
        }
        if acked > reign.2 {
            (reign.2, reign.3) = (acked, write.id);
        }
    }
    let reigns: Vec<_> = reigns.into_iter().collect();
    let mut findings = Vec::new();
    for (i, &((node_a, epoch_a), a)) in reigns.iter().enumerate() {
        for &((node_b, epoch_b), b) in &reigns[i + 1..] {
            if node_a == node_b || a.2 < b.0 || b.2 < a.0 {
                continue;
            }
            // The later-starting reign began inside the other one.
            let (first, second, first_node, second_node) =
                if a.0 <= b.0 { (a, b, node_a, node_b) } else { (b, a, node_b, node_a) };
            let (first_epoch, second_epoch) = if a.0 <= b.0 { (epoch_a, epoch_b) } else { (epoch_b, epoch_a) };
            findings.push(Finding {
                kind: AnomalyKind::SplitBrain,
                ops: vec![second.1, first.3],
                at_us: second.0.max(first.0),
                explanation: format!(
                    "Node #{second_node} (epoch {second_epoch}) acknowledged write #{} while node #{first_node} (epoch {first_epoch}) was still acknowledging writes, up to write #{}.",
                    second.1, first.3
                ),
            });
        }
    }
    findings
}

/// Property (election safety): in every term, at most one node acknowledges writes as
/// leader. Each term with two is one finding naming the first write of each.
pub fn two_leaders_same_term(history: &History) -> Vec<Finding> {
    // Boxed: see `compact` (one B-tree instantiation for every boxed value type).
    type FirstPerNode = Box<BTreeMap<usize, (u64, OpId)>>;
    let mut first_by_term: BTreeMap<u64, FirstPerNode> = BTreeMap::new();
    for write in ok_writes(history) {
        let (Some(node), Some(epoch), Some(acked)) = (write.node, write.epoch, write.acked_us) else {
            continue;
        };
        let first = first_by_term.entry(epoch).or_default().entry(node.index()).or_insert((acked, write.id));
        if acked < first.0 {
            *first = (acked, write.id);
        }
    }
    first_by_term
        .into_iter()
        .filter(|(_, leaders)| leaders.len() > 1)
        .map(|(term, leaders)| {
            // (acked, node, op): the same element type as other sorts here, so one sort serves.
            let mut firsts: Vec<(u64, u64, OpId)> =
                leaders.into_iter().map(|(node, (acked, op))| (acked, node as u64, op)).collect();
            firsts.sort_unstable();
            let (_, node_a, op_a) = firsts[0];
            let (acked_b, node_b, op_b) = firsts[1];
            Finding {
                kind: AnomalyKind::TwoLeadersSameTerm,
                ops: vec![op_a, op_b],
                at_us: acked_b,
                explanation: format!(
                    "In term {term}, node #{node_a} acknowledged write #{op_a} as leader and node #{node_b} acknowledged write #{op_b}: {} leaders in one term.",
                    firsts.len()
                ),
            }
        })
        .collect()
}

/// Search steps the linearizability check may spend on one key.
pub const LINEARIZABILITY_STEPS_PER_KEY_MAX: u64 = 2_000_000;

/// Property (linearizability): each key's reads and writes can be ordered so that every
/// operation takes effect between its call and its answer and every read returns the
/// latest write. Acknowledged operations must; a write whose outcome is unknown (timed out,
/// or still pending) may take effect at any time after its call or never; failed ones never
/// did. Checked per key (registers are P-compositional) by [`linearizable::check_register`];
/// each key without a linearization is one finding naming a small set of its operations that
/// cannot be ordered. Keys the search cannot decide within its budget are counted, not
/// reported.
pub fn nonlinearizable(history: &History) -> (Vec<Finding>, LinearizabilityReport) {
    use linearizable::{Action, RegisterOp, Verdict};
    let mut by_key: BTreeMap<Key, Vec<RegisterOp>> = BTreeMap::new();
    for op in history.iter() {
        let action = match (op.kind, op.outcome) {
            (OpKind::Read, Outcome::Ok) => Action::Read(op.read_value.unwrap_or(0)),
            (OpKind::Write, Outcome::Ok | Outcome::Unknown | Outcome::Pending) => Action::Write(op.value),
            _ => continue,
        };
        let complete_us = if op.outcome == Outcome::Ok { op.complete_us } else { None };
        by_key.entry(op.key).or_default().push(RegisterOp { id: op.id, action, invoke_us: op.invoke_us, complete_us });
    }
    let mut covered = LinearizabilityReport { keys: by_key.len() as u64, ..Default::default() };
    let mut findings = Vec::new();
    for (key, ops) in by_key {
        match linearizable::check_register(0, &ops, LINEARIZABILITY_STEPS_PER_KEY_MAX) {
            Verdict::Linearizable => {}
            Verdict::Unknown => covered.unknown += 1,
            Verdict::NotLinearizable { ops: witness } => {
                covered.failed += 1;
                findings.push(nonlinearizable_finding(history, key, witness));
            }
        }
    }
    sort_by_u64(&mut findings, |finding| finding.at_us);
    (findings, covered)
}

/// Operations a non-linearizability finding spells out (its `ops` list them all).
const WITNESS_SPELLED_MAX: usize = 6;

fn nonlinearizable_finding(history: &History, key: Key, witness: Vec<OpId>) -> Finding {
    let window = |op: &Operation| match op.complete_us {
        Some(done) if op.outcome == Outcome::Ok => format!("{}–{}", seconds(op.invoke_us), seconds(done)),
        _ => format!("from {}, outcome unknown", seconds(op.invoke_us)),
    };
    let spelled: Vec<String> = witness
        .iter()
        .filter_map(|id| history.get(*id))
        .take(WITNESS_SPELLED_MAX)
        .map(|op| match op.kind {
            OpKind::Read => format!("read #{} returned {} ({})", op.id, read_value_text(op.read_value), window(op)),
            _ => format!("write #{} ({})", op.id, window(op)),
        })
        .collect();
    let more = witness.len().saturating_sub(WITNESS_SPELLED_MAX);
    let at_us = witness.iter().filter_map(|id| history.get(*id).and_then(|op| op.complete_us)).max().unwrap_or(0);
    Finding {
        kind: AnomalyKind::Nonlinearizable,
        explanation: format!(
            "Key {key}: no order of these {} operations, each taking effect between its call and its answer, explains the reads: {}{}.",
            witness.len(),
            spelled.join("; "),
            if more > 0 { format!("; and {more} more") } else { String::new() }
        ),
        ops: witness,
        at_us,
    }
}
