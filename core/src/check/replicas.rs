//! Replicas and stock: replicas that agree once quiet, consumers that apply a change once,
//! replicas that serve only when ready, and stock that is never oversold.

use super::*;

/// Property: a replica answers reads only inside the intervals in which it served (after
/// its snapshot and catch-up, before it was switched off). Reads the replicas' own record of
/// those intervals — the one checker that does (see ARCHITECTURE.md).
pub fn unready_reads(history: &History, state: &FinalState) -> Vec<Finding> {
    let mut findings = Vec::new();
    for op in ok_reads(history) {
        let (Some(node), Some(served_us)) = (op.node, op.acked_us) else { continue };
        let Some(log) = state.nodes.get(node.index()).and_then(|node| node.scaling()) else { continue };
        if !log.is_controller()
            && !log.serving_intervals.iter().any(|&(from, until)| (from..=until).contains(&served_us))
        {
            findings.push(Finding {
                kind: AnomalyKind::UnreadyRead,
                ops: vec![op.id],
                at_us: served_us,
                explanation: format!(
                    "Read #{} was answered by {} at {}, when it was not serving (its serving intervals: {}).",
                    op.id,
                    state.nodes[node].name,
                    seconds(served_us),
                    log.serving_intervals
                        .iter()
                        .take(4)
                        .map(|(from, until)| format!("{}–{}", seconds(*from), seconds(*until)))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
    }
    findings
}

/// Property (exactly-once apply): no node applied the same change twice. Judged from each
/// node's final state: its counters and its record of the changes they are made of (each
/// write's key and amount), which must add up to the counters — a node whose counters hold
/// more than its record shows applied something it did not record. Each finding names the
/// write applied twice.
pub fn duplicate_applies(state: &FinalState) -> Vec<Finding> {
    let mut findings = Vec::new();
    for node in &state.nodes {
        let mut seen: BTreeMap<(OpId, Key), u32> = BTreeMap::new();
        for posting in &node.extras.ledger {
            let count = seen.entry((posting.op, posting.account)).or_insert(0);
            *count += 1;
            if *count == 2 {
                findings.push(Finding {
                    kind: AnomalyKind::DuplicateApply,
                    ops: vec![posting.op],
                    at_us: 0,
                    explanation: format!(
                        "{} applied write #{} (key {} +{}) twice: its counters are made of that change twice.",
                        node.name, posting.op, posting.account, posting.delta
                    ),
                });
            }
        }
        findings.extend(
            super::money::statement_mismatch(node)
                .map(|mismatch| Finding { kind: AnomalyKind::DuplicateApply, ..mismatch }),
        );
    }
    findings
}

/// Property: once quiet, every running replica holds the same state (keys that differ are
/// counted, each named with two replicas that disagree).
pub fn divergence(state: &FinalState, params: CheckParams) -> Vec<Finding> {
    if let Some(ring) = params.placement {
        return diverged_placed_keys(state, ring);
    }
    let everyone: Vec<usize> = (0..state.nodes.len()).collect();
    let groups: Vec<&[usize]> =
        if params.replica_groups.is_empty() { vec![&everyone[..]] } else { params.replica_groups.to_vec() };
    let mut findings = Vec::new();
    for group in groups {
        let up: Vec<&FinalNode> =
            group.iter().filter_map(|index| state.nodes.get(*index)).filter(|node| node.up).collect();
        findings.extend(diverged_keys(&up));
    }
    findings
}

/// Keys on which the given nodes disagree, each named with two nodes that differ.
fn diverged_keys(up: &[&FinalNode]) -> Vec<Finding> {
    let Some(first) = up.first() else { return Vec::new() };
    // Keys widened to u64: one set type for the whole crate keeps the wasm small.
    let mut keys: std::collections::BTreeSet<u64> = std::collections::BTreeSet::new();
    for node in up {
        keys.extend(node.store.keys().map(|key| u64::from(*key)));
    }
    keys.into_iter()
        .map(|key| key as Key)
        .filter_map(|key| {
            let reference = first.store.get(&key);
            let other = up.iter().find(|node| node.store.get(&key) != reference)?;
            Some(Finding {
                kind: AnomalyKind::Divergence,
                ops: Vec::new(),
                at_us: 0,
                explanation: format!(
                    "After quiescence key {key} is {} at {} but {} at {}.",
                    reference.map_or("absent".to_string(), |v| (*v as i64).to_string()),
                    first.name,
                    other.store.get(&key).map_or("absent".to_string(), |v| (*v as i64).to_string()),
                    other.name
                ),
            })
        })
        .collect()
}

/// Keys whose running replicas (by the ring) disagree, each named with two that differ:
/// partitioned stores are compared key by key, on the nodes that should hold the key.
fn diverged_placed_keys(state: &FinalState, ring: Ring) -> Vec<Finding> {
    let mut keys: std::collections::BTreeSet<u64> = std::collections::BTreeSet::new();
    for node in &state.nodes {
        keys.extend(node.store.keys().map(|key| u64::from(*key)));
    }
    keys.into_iter()
        .map(|key| key as Key)
        .filter_map(|key| {
            let holders = running_replicas(state, ring, key);
            let first = holders.first()?;
            let reference = held_values(first, key);
            let other = holders.iter().find(|node| held_values(node, key) != reference)?;
            Some(Finding {
                kind: AnomalyKind::Divergence,
                ops: Vec::new(),
                at_us: 0,
                explanation: format!(
                    "After quiescence key {key} is {} at {} but {} at {}, both among its replicas.",
                    held_text(&reference),
                    first.name,
                    held_text(&held_values(other, key)),
                    other.name
                ),
            })
        })
        .collect()
}

/// Property: per item, acknowledged orders never exceed the initial stock plus the units of
/// acknowledged restocks. Each oversold unit is one finding, naming the order that sold it.
pub fn oversell(history: &History, params: CheckParams) -> Vec<Finding> {
    // Supply counts every restock ever made: with the oldest operations dropped it would be
    // short, and an order sold from a forgotten restock would look oversold. No verdict then.
    if history.dropped() > 0 {
        return Vec::new();
    }
    let mut per_item: BTreeMap<Key, Box<(u64, Vec<&Operation>)>> = BTreeMap::new();
    for op in history.iter().filter(|op| op.outcome == Outcome::Ok) {
        match op.kind {
            OpKind::Restock => per_item.entry(op.key).or_default().0 += 1,
            OpKind::Order => per_item.entry(op.key).or_default().1.push(op),
            _ => {}
        }
    }
    let mut findings = Vec::new();
    for (key, item) in per_item {
        let (restocks, mut orders) = *item;
        let supply = params.initial_stock + restocks * params.restock_units;
        sort_by_u64(&mut orders, |op| op.acked_us.or(op.complete_us).unwrap_or(op.invoke_us));
        for (index, order) in orders.iter().enumerate().skip(supply as usize) {
            findings.push(Finding {
                kind: AnomalyKind::Oversell,
                ops: vec![order.id],
                at_us: order.complete_us.unwrap_or(order.invoke_us),
                explanation: format!(
                    "Order #{} was unit {} sold of item {key}, but only {supply} were ever in stock.",
                    order.id,
                    index + 1
                ),
            });
        }
    }
    sort_by_u64(&mut findings, |finding| finding.at_us);
    findings
}
