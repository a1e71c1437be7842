//! Money: balances never below zero, transfers that only move money, all-or-nothing
//! transfers across banks, durable commits after recovery, and what last-writer-wins throws
//! away.

use super::*;

/// Store keys below this are accounts; two-phase-commit participants keep transaction
/// outcome marks above it.
pub const ACCOUNT_KEYS_END: Key = 1 << 31;
/// Outcome marks of a transaction at a participant: committed, aborted, prepared.
pub const TX_MARKS: (Value, Value, Value) = (1, 2, 3);
/// The store key under which a node marks the outcome of the transaction of operation `op`.
pub fn tx_mark_key(op: OpId) -> Key {
    ACCOUNT_KEYS_END | (op as Key & !ACCOUNT_KEYS_END)
}

/// Participants in every two-phase-commit transfer.
pub const TX_PARTICIPANTS: usize = 2;

/// Property (atomicity): once quiet, every transfer committed at all its participants or at
/// none — one still prepared is in doubt, not a violation — and every transfer acknowledged
/// to its client committed at all of them. Reads the participants' outcome marks.
pub fn atomicity(history: &History, state: &FinalState) -> Vec<Finding> {
    let banks: Vec<&FinalNode> = state.nodes.iter().filter(|node| node.role == Role::Primary).collect();
    let (committed_mark, _, prepared_mark) = TX_MARKS;
    history
        .iter()
        .filter(|op| op.kind == OpKind::Transfer)
        .filter_map(|op| {
            let key = tx_mark_key(op.id);
            let marks: Vec<(&str, Option<Value>)> =
                banks.iter().map(|bank| (bank.name.as_str(), bank.store.get(&key).copied())).collect();
            let committed: Vec<&str> =
                marks.iter().filter(|(_, m)| *m == Some(committed_mark)).map(|(n, _)| *n).collect();
            let prepared = marks.iter().filter(|(_, m)| *m == Some(prepared_mark)).count();
            let split = !committed.is_empty() && committed.len() + prepared < TX_PARTICIPANTS;
            let unsettled = op.outcome == Outcome::Ok && committed.len() < TX_PARTICIPANTS && prepared == 0;
            (split || unsettled).then(|| Finding {
                kind: AnomalyKind::Atomicity,
                ops: vec![op.id],
                at_us: op.complete_us.unwrap_or(op.invoke_us),
                explanation: format!(
                    "Transfer #{} ({}) committed at {} of its {TX_PARTICIPANTS} banks ({}).",
                    op.id,
                    if op.outcome == Outcome::Ok { "acknowledged to the client" } else { "not acknowledged" },
                    committed.len(),
                    if committed.is_empty() { "none".to_string() } else { committed.join(", ") }
                ),
            })
        })
        .collect()
}

/// Property (durability and atomicity after recovery): every acknowledged transaction is
/// committed in the final state, none that was refused is, and every balance equals its
/// initial value plus the effects of the committed transfers and withdrawals — recomputed
/// from the history alone.
pub fn uncommitted_effects(history: &History, state: &FinalState, params: CheckParams) -> Vec<Finding> {
    let Some(node) = authoritative(state) else { return Vec::new() };
    let (committed_mark, _, _) = TX_MARKS;
    let mark = |op: OpId| node.store.get(&tx_mark_key(op)).copied();
    let mut findings = Vec::new();
    let mut expected: BTreeMap<Key, i64> = BTreeMap::new();
    for op in history.iter().filter(|op| matches!(op.kind, OpKind::Transfer | OpKind::Withdraw)) {
        let committed = mark(op.id) == Some(committed_mark);
        let wrong = match op.outcome {
            Outcome::Ok => !committed,
            Outcome::Fail => committed,
            _ => false,
        };
        if wrong {
            findings.push(Finding {
                kind: AnomalyKind::UncommittedEffect,
                ops: vec![op.id],
                at_us: op.complete_us.unwrap_or(op.invoke_us),
                explanation: format!(
                    "Operation #{} was {} but is {} in {}'s recovered state.",
                    op.id,
                    if op.outcome == Outcome::Ok { "acknowledged" } else { "refused" },
                    if committed { "committed" } else { "missing" },
                    node.name
                ),
            });
        }
        if committed {
            let amount = crate::workload::transfer_amount(op.id);
            *expected.entry(op.key).or_insert(params.initial_balance) -= amount;
            if op.kind == OpKind::Transfer {
                *expected.entry(op.peer_key).or_insert(params.initial_balance) += amount;
            }
        }
    }
    if history.dropped() == 0 {
        for (key, value) in node.store.range(..ACCOUNT_KEYS_END) {
            let want = expected.get(key).copied().unwrap_or(params.initial_balance);
            if *value as i64 != want {
                findings.push(Finding {
                    kind: AnomalyKind::UncommittedEffect,
                    ops: Vec::new(),
                    at_us: u64::MAX,
                    explanation: format!(
                        "Account {key} ends at ₹{} on {}, but its committed transactions make it ₹{want}.",
                        *value as i64, node.name
                    ),
                });
            }
        }
    }
    findings
}

/// Property: last-writer-wins never throws away an acknowledged write. Each discard the
/// authoritative node reports is checked against the history: only a write the client was
/// told succeeded counts, and the sentence says whether it lost to a concurrent write or —
/// the clock-skew lesson — to one that really happened before it.
pub fn lww_discarded(history: &History, state: &FinalState) -> Vec<Finding> {
    let Some(log) = authoritative(state).and_then(|node| node.conflicts.as_ref()) else {
        return Vec::new();
    };
    let name = |index: usize| state.nodes.get(index).map_or("?", |node| node.name.as_str());
    log.discards
        .iter()
        .filter_map(|discard| {
            let loser = history.get(discard.loser).filter(|op| op.outcome == Outcome::Ok)?;
            let winner = history.get(discard.winner);
            let loser_acked = loser.complete_us.unwrap_or(loser.invoke_us);
            let real_order = match winner {
                Some(w) if w.complete_us.is_some_and(|c| c < loser.invoke_us) => format!(
                    "#{} was acknowledged at {} and #{} began later, at {}: a later write lost to an earlier one because {}'s clock ran ahead",
                    w.id,
                    seconds(w.complete_us.unwrap_or(0)),
                    loser.id,
                    seconds(loser.invoke_us),
                    name(discard.winner_node)
                ),
                _ if discard.concurrent => "the two writes were concurrent (neither's version vector covered the other)".to_string(),
                _ => format!("#{} had already seen #{} but carried an earlier timestamp", loser.id, discard.winner),
            };
            Some(Finding {
                kind: AnomalyKind::LwwDiscarded,
                ops: vec![discard.loser, discard.winner],
                at_us: loser_acked,
                explanation: format!(
                    "Account {}: transfer #{} (acknowledged by {}, stamped {} by its clock) was discarded in favour of #{} from {} (stamped {}); {}.",
                    discard.account,
                    discard.loser,
                    name(discard.loser_node),
                    seconds(discard.loser_wall_us.max(0) as u64),
                    discard.winner,
                    name(discard.winner_node),
                    seconds(discard.winner_wall_us.max(0) as u64),
                    real_order
                ),
            })
        })
        .collect()
}

/// Property: no balance is ever seen below zero — not by a read, not in the final state.
pub fn negative_balance(history: &History, final_state: Option<&FinalState>) -> Vec<Finding> {
    let mut findings: Vec<Finding> = ok_reads(history)
        .filter_map(|read| {
            let balance = read.read_value? as i64;
            (balance < 0).then(|| Finding {
                kind: AnomalyKind::NegativeBalance,
                ops: vec![read.id],
                at_us: read.complete_us.unwrap_or(read.invoke_us),
                explanation: format!(
                    "Balance read #{} of account {} returned ₹{balance}: concurrent debits were both applied.",
                    read.id, read.key
                ),
            })
        })
        .collect();
    if let Some(node) = final_state.and_then(authoritative) {
        for (account, value) in &node.store {
            let balance = *value as i64;
            if balance < 0 {
                findings.push(Finding {
                    kind: AnomalyKind::NegativeBalance,
                    ops: Vec::new(),
                    at_us: u64::MAX,
                    explanation: format!("Account {account} ends at ₹{balance} on {}.", node.name),
                });
            }
        }
    }
    findings
}

/// Property: transfers only move money, so the balances always add up to what was
/// deposited at time zero.
pub fn money_not_conserved(state: &FinalState, params: CheckParams) -> Vec<Finding> {
    let holders: Vec<&FinalNode> = if params.accounts_partitioned {
        state.nodes.iter().filter(|node| node.role == Role::Primary).collect()
    } else {
        authoritative(state).into_iter().collect()
    };
    let Some(node) = holders.first() else {
        return Vec::new();
    };
    let deposited = params.accounts as i64 * params.initial_balance;
    let held: i64 =
        holders.iter().flat_map(|holder| holder.store.range(..ACCOUNT_KEYS_END)).map(|(_, value)| *value as i64).sum();
    if held == deposited {
        return Vec::new();
    }
    let verb = if held > deposited { "appeared" } else { "vanished" };
    vec![Finding {
        kind: AnomalyKind::MoneyNotConserved,
        ops: Vec::new(),
        at_us: u64::MAX,
        explanation: format!(
            "The {} accounts on {} hold ₹{held} in total, but ₹{deposited} was deposited: ₹{} {verb}.",
            params.accounts,
            node.name,
            (held - deposited).abs()
        ),
    }]
}
