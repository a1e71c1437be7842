//! Money: balances never below zero, transfers that only move money, all-or-nothing
//! transfers across banks, durable commits after recovery, and what last-writer-wins throws
//! away.

use super::*;
use crate::vocabulary::OpResult;

/// A transfer's two sides as the client asked for them: `(account, money into it)`.
fn transfer_sides(op: &Operation) -> [(Key, i64); 2] {
    [(op.key, -op.amount), (op.peer_key, op.amount)]
}

/// Where each side of every transfer stands at the account holders: posted (applied, in a
/// statement) or held (prepared, in doubt), with the holder and the delta.
#[derive(Default)]
struct Standing<'a> {
    posted: BTreeMap<(OpId, Key), (&'a str, i64)>,
    held: BTreeMap<(OpId, Key), (&'a str, i64)>,
}

impl<'a> Standing<'a> {
    fn of(holders: &[&'a FinalNode]) -> Self {
        let mut standing = Standing::default();
        for holder in holders {
            for posting in &holder.extras.ledger {
                standing.posted.insert((posting.op, posting.account), (holder.name.as_str(), posting.delta));
            }
            for posting in &holder.extras.held {
                standing.held.insert((posting.op, posting.account), (holder.name.as_str(), posting.delta));
            }
        }
        standing
    }
}

/// The nodes that hold the accounts: every primary when the accounts are spread over
/// banks, otherwise the node whose state answers for the system.
fn account_holders<'a>(state: &'a FinalState, params: &CheckParams) -> Vec<&'a FinalNode> {
    if params.accounts_partitioned {
        state.nodes.iter().filter(|node| node.role == Role::Primary).collect()
    } else {
        authoritative(state).into_iter().collect()
    }
}

/// Property (atomicity): every transfer took effect at both its banks or at neither — one
/// applied at one bank and still prepared (held, in doubt) at the other is in flight, not a
/// violation — a transfer acknowledged to its client is applied at both, one refused is
/// applied at neither, and each bank applied what the client asked (the amount, the
/// account). Judged from the history (each transfer's accounts, amount and outcome) and the
/// banks' statements and held changes; a statement that does not add up to its balances is
/// `money_not_conserved`'s to report.
pub fn atomicity(history: &History, state: &FinalState, params: CheckParams) -> Vec<Finding> {
    let holders = account_holders(state, &params);
    let standing = Standing::of(&holders);
    let mut findings = Vec::new();
    for op in history.iter().filter(|op| op.kind == OpKind::Transfer) {
        let mut posted = Vec::new();
        let mut missing = Vec::new();
        let mut wrong = Vec::new();
        for (account, delta) in transfer_sides(op) {
            let key = (op.id, account);
            match (standing.posted.get(&key), standing.held.get(&key)) {
                (Some(&(holder, applied)), _) => {
                    posted.push(holder);
                    if applied != delta {
                        wrong.push(format!("{holder} applied ₹{applied} to account {account}, not ₹{delta}"));
                    }
                }
                (None, Some(_)) => {}
                (None, None) => missing.push(account),
            }
        }
        let sides_posted = posted.len();
        let why = if !wrong.is_empty() {
            Some(wrong.join("; "))
        } else if op.outcome == Outcome::Ok && sides_posted < 2 {
            Some(format!(
                "it was acknowledged to the client but is applied at {} of its 2 banks{}",
                sides_posted,
                if posted.is_empty() { String::new() } else { format!(" ({})", posted.join(", ")) }
            ))
        } else if op.outcome == Outcome::Fail && sides_posted > 0 {
            Some(format!("it was refused to the client but is applied at {}", posted.join(" and ")))
        } else if sides_posted == 1 && !missing.is_empty() {
            Some(format!(
                "it is applied at {} and neither applied nor held at the bank of account {}",
                posted.join(", "),
                missing[0]
            ))
        } else {
            None
        };
        if let Some(why) = why {
            findings.push(Finding {
                kind: AnomalyKind::Atomicity,
                ops: vec![op.id],
                at_us: op.complete_us.unwrap_or(op.invoke_us),
                explanation: format!(
                    "Transfer #{} of ₹{} from account {} to account {}: {why}.",
                    op.id, op.amount, op.key, op.peer_key
                ),
            });
        }
    }
    findings
}

/// The changes an operation asked for: `(account, delta)` — a transfer's two sides, a
/// withdrawal's one.
fn requested_changes(op: &Operation) -> Vec<(Key, i64)> {
    match op.kind {
        OpKind::Transfer => transfer_sides(op).to_vec(),
        OpKind::Withdraw => vec![(op.key, -op.amount)],
        _ => Vec::new(),
    }
}

/// Property (durability and atomicity after recovery): every transaction acknowledged to its
/// client is in the node's statements with exactly the changes it asked for, none that was
/// refused is, one whose outcome the client never learned is there whole or not at all, no
/// line belongs to an operation no client asked for, and every balance equals its initial
/// value plus its statement. Judged from the history (each operation's accounts, amount and
/// outcome) and the node's initial and final balances and statements.
pub fn uncommitted_effects(history: &History, state: &FinalState) -> Vec<Finding> {
    let Some(node) = authoritative(state) else { return Vec::new() };
    let mut posted: BTreeMap<OpId, Vec<(Key, i64)>> = BTreeMap::new();
    for posting in &node.extras.ledger {
        posted.entry(posting.op).or_default().push((posting.account, posting.delta));
    }
    let mut findings = Vec::new();
    let finding = |op: &Operation, what: String| Finding {
        kind: AnomalyKind::UncommittedEffect,
        ops: vec![op.id],
        at_us: op.complete_us.unwrap_or(op.invoke_us),
        explanation: format!("Operation #{} ({} of ₹{}) {what} on {}.", op.id, op.kind.name(), op.amount, node.name),
    };
    for op in history.iter().filter(|op| matches!(op.kind, OpKind::Transfer | OpKind::Withdraw)) {
        let mut wanted = requested_changes(op);
        let mut got = posted.remove(&op.id).unwrap_or_default();
        wanted.sort_unstable();
        got.sort_unstable();
        let what = match op.outcome {
            Outcome::Ok if got != wanted => Some(if got.is_empty() {
                "was acknowledged but is missing from the recovered statements".to_string()
            } else {
                format!("was acknowledged but its statement lines {got:?} are not the changes it asked for {wanted:?}")
            }),
            Outcome::Fail if !got.is_empty() => Some("was refused but its effect is in the statements".to_string()),
            Outcome::Unknown | Outcome::Pending if !got.is_empty() && got != wanted => {
                Some(format!("took effect in part: its statement lines {got:?}, the changes it asked for {wanted:?}"))
            }
            _ => None,
        };
        if let Some(what) = what {
            findings.push(finding(op, what));
        }
    }
    if history.dropped() == 0 {
        for (op, _) in posted {
            findings.push(Finding {
                kind: AnomalyKind::UncommittedEffect,
                ops: vec![op],
                at_us: u64::MAX,
                explanation: format!("{}'s statements hold changes by #{op}, which no client asked for.", node.name),
            });
        }
    }
    findings
        .extend(statement_mismatch(node).map(|mismatch| Finding { kind: AnomalyKind::UncommittedEffect, ..mismatch }));
    findings
}

/// A last-writer-wins transfer's side on one account, from its result: the balance it wrote,
/// the write it built on, its stamp.
#[derive(Clone, Copy)]
struct LwwWrite {
    balance: i64,
    basis: OpId,
    stamp_us: i64,
}

/// Every last-writer-wins write the history shows a result for, by (operation, account).
fn lww_writes(history: &History) -> BTreeMap<(OpId, Key), LwwWrite> {
    let mut writes = BTreeMap::new();
    for op in history.iter() {
        if let Some(OpResult::LwwTransfer { stamp_us, sides }) = op.result.as_deref() {
            for side in sides {
                writes.insert(
                    (op.id, side.account),
                    LwwWrite { balance: side.balance, basis: side.basis, stamp_us: *stamp_us },
                );
            }
        }
    }
    writes
}

/// The writes an account's final balance is built from, newest first: its version, the
/// write that one built on, and so on back to the initial balance. `None` when the chain
/// leaves the history (a write without a recorded result) or loops.
fn lww_chain(writes: &BTreeMap<(OpId, Key), LwwWrite>, account: Key, version: OpId) -> Option<Vec<OpId>> {
    let mut chain = Vec::new();
    let mut at = version;
    while at != 0 {
        if chain.len() > writes.len() {
            return None;
        }
        chain.push(at);
        at = writes.get(&(at, account))?.basis;
    }
    Some(chain)
}

/// Property: last-writer-wins never throws away an acknowledged write. Under it an
/// account's balance is the balance one write computed, which built on the balance of an
/// earlier write, and so on: the final balance contains exactly the effects of the writes
/// on that chain. A write acknowledged to its client whose effect on an account is not on
/// the account's final chain was thrown away. Judged from the history (each transfer's
/// result: the balances it wrote and the write each built on) and the final state (each
/// account's balance and its version stamp); the chain must end in the balance the node
/// holds, or the account is not judged. Each finding names the discarded write and the one
/// that displaced it, and says whether the two were concurrent or the displacing write was
/// earlier in real time (a clock that ran ahead).
pub fn lww_discarded(history: &History, state: &FinalState) -> Vec<Finding> {
    let Some(node) = authoritative(state) else { return Vec::new() };
    let writes = lww_writes(history);
    if writes.is_empty() {
        return Vec::new();
    }
    let mut chains: BTreeMap<Key, Vec<OpId>> = BTreeMap::new();
    for (account, balance) in &node.store {
        let version = node.extras.versions.get(account).copied().unwrap_or(0);
        let Some(chain) = lww_chain(&writes, *account, version) else { continue };
        let from_chain = chain.first().and_then(|top| writes.get(&(*top, *account))).map(|write| write.balance);
        let initial = node.initial.get(account).map(|value| *value as i64);
        if from_chain.or(initial) == Some(*balance as i64) {
            chains.insert(*account, chain);
        }
    }
    let mut findings = Vec::new();
    for (&(op, account), write) in &writes {
        let Some(chain) = chains.get(&account) else { continue };
        let Some(lost) = history.get(op).filter(|lost| lost.outcome == Outcome::Ok) else { continue };
        if chain.contains(&op) {
            continue;
        }
        // The write that took its place: the oldest on the chain stamped after it.
        let displacer = chain.iter().rev().copied().find(|other| {
            writes.get(&(*other, account)).is_some_and(|other| (other.stamp_us, 0) > (write.stamp_us, 0))
        });
        let displacer = displacer.or(chain.first().copied()).unwrap_or(0);
        findings.push(lww_finding(history, &writes, (lost, write), account, displacer));
    }
    sort_by_u64(&mut findings, |finding| finding.at_us);
    findings
}

fn lww_finding(
    history: &History,
    writes: &BTreeMap<(OpId, Key), LwwWrite>,
    (lost, write): (&Operation, &LwwWrite),
    account: Key,
    displacer: OpId,
) -> Finding {
    let winner = history.get(displacer);
    let winner_stamp = writes.get(&(displacer, account)).map_or(0, |w| w.stamp_us);
    let seen_by_lost = lww_chain(writes, account, write.basis).is_some_and(|chain| chain.contains(&displacer));
    let order = match winner {
        Some(w) if w.complete_us.is_some_and(|done| done < lost.invoke_us) => format!(
            "#{} was acknowledged at {} and #{} began later, at {}: a later write lost to an earlier one because #{}'s clock ran ahead",
            w.id,
            seconds(w.complete_us.unwrap_or(0)),
            lost.id,
            seconds(lost.invoke_us),
            w.id
        ),
        _ if seen_by_lost => {
            format!("#{} had built on #{}'s balance but carried an earlier stamp", lost.id, displacer)
        }
        _ => "the two were concurrent: neither built on the other's balance".to_string(),
    };
    Finding {
        kind: AnomalyKind::LwwDiscarded,
        ops: vec![lost.id, displacer],
        at_us: lost.complete_us.unwrap_or(lost.invoke_us),
        explanation: format!(
            "Account {account}: transfer #{} (acknowledged, stamped {}) is not in the final balance, which is built on #{} (stamped {}) and never on #{}; {order}.",
            lost.id,
            seconds(write.stamp_us.max(0) as u64),
            displacer,
            seconds(winner_stamp.max(0) as u64),
            lost.id
        ),
    }
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
/// deposited at time zero — less the money in flight: a transfer applied at one bank and
/// held (prepared, in doubt) at the other has moved half of its money so far. Judged from
/// the holders' initial and final balances and their statements and held changes; each
/// statement must also add up to its own balances (a bank whose balances moved without a
/// statement line, or the other way round, does not conserve money either).
pub fn money_not_conserved(state: &FinalState, params: CheckParams) -> Vec<Finding> {
    let holders = account_holders(state, &params);
    if holders.is_empty() {
        return Vec::new();
    }
    let names: Vec<&str> = holders.iter().map(|holder| holder.name.as_str()).collect();
    let deposited: i64 = holders.iter().flat_map(|holder| holder.initial.values()).map(|value| *value as i64).sum();
    let held: i64 = holders.iter().flat_map(|holder| holder.store.values()).map(|value| *value as i64).sum();
    // Money in flight: sides applied whose other side is held at the other bank.
    let standing = Standing::of(&holders);
    let mut in_flight = 0i64;
    let mut in_flight_ops: Vec<OpId> = Vec::new();
    for (&(op, account), &(_, delta)) in &standing.posted {
        let other_held = standing.held.range((op, 0)..=(op, Key::MAX)).any(|(&(_, other), _)| other != account);
        if other_held {
            in_flight += delta;
            in_flight_ops.push(op);
        }
    }
    let mut findings = Vec::new();
    if held - in_flight != deposited {
        let unexplained = held - in_flight - deposited;
        let verb = if unexplained > 0 { "appeared" } else { "vanished" };
        let flight = if in_flight_ops.is_empty() {
            String::new()
        } else {
            format!(
                ", with ₹{} in flight in {} transfer{} in doubt ({})",
                in_flight.abs(),
                in_flight_ops.len(),
                if in_flight_ops.len() == 1 { "" } else { "s" },
                op_list(&in_flight_ops)
            )
        };
        findings.push(Finding {
            kind: AnomalyKind::MoneyNotConserved,
            ops: Vec::new(),
            at_us: u64::MAX,
            explanation: format!(
                "The accounts at {} hold ₹{held} in total{flight}, but ₹{deposited} was deposited: ₹{} {verb}.",
                names.join(" and "),
                unexplained.abs()
            ),
        });
    }
    findings.extend(holders.iter().filter_map(|holder| statement_mismatch(holder)));
    findings
}

/// A holder whose statement does not add up to its balances (when it kept every line).
pub(super) fn statement_mismatch(holder: &FinalNode) -> Option<Finding> {
    if holder.extras.ledger.is_empty() || holder.extras.ledger_dropped > 0 {
        return None;
    }
    let mut expected: BTreeMap<Key, i64> = BTreeMap::new();
    for posting in &holder.extras.ledger {
        *expected
            .entry(posting.account)
            .or_insert_with(|| holder.initial.get(&posting.account).map_or(0, |v| *v as i64)) += posting.delta;
    }
    let (account, want) = expected
        .iter()
        .find(|(account, want)| holder.store.get(account).map_or(0, |v| *v as i64) != **want)
        .map(|(account, want)| (*account, *want))?;
    let ops: Vec<OpId> =
        holder.extras.ledger.iter().filter(|posting| posting.account == account).map(|posting| posting.op).collect();
    Some(Finding {
        kind: AnomalyKind::MoneyNotConserved,
        explanation: format!(
            "Account {account} ends at ₹{} on {}, but its statement ({}) makes it ₹{want}.",
            holder.store.get(&account).map_or(0, |v| *v as i64),
            holder.name,
            op_list(&ops)
        ),
        ops,
        at_us: u64::MAX,
    })
}

/// `#a, #b, #c` (the first few, then how many more).
fn op_list(ops: &[OpId]) -> String {
    const SHOWN: usize = 5;
    let mut text: Vec<String> = ops.iter().take(SHOWN).map(|op| format!("#{op}")).collect();
    if ops.len() > SHOWN {
        text.push(format!("{} more", ops.len() - SHOWN));
    }
    text.join(", ")
}
