//! Conflict resolution: which writes are concurrent (version vectors), undoing and
//! reapplying the replay log, and the three policies — last writer wins, siblings kept
//! until a read, and the business rule that merges amounts and bounces overdrafts.

use super::*;

/// The two writes behind a conflict, when they were concurrent: a write the account had
/// taken that this one's context does not cover — the latest write of a leader whose entry
/// in the account's version is ahead of the context — that is not in this write's causal
/// past either (its leader's clock entry is ahead of this write's clock), and this one.
/// Neither happened before the other: the first came earlier in the replay order, which
/// follows causality, and this one's clock lacks it. A write that merely lacked another's
/// effect although its leader had heard from that leader since (the data was still on its
/// way) is a conflict too, counted, but not named as concurrent.
pub(super) fn conflict_pair(entry: &Entry, now_us: u64, leaders: usize) -> Option<crate::self_report::ConflictPair> {
    let write = &entry.write;
    let sides = [Some(write.first), write.second];
    let (index, side) = sides
        .iter()
        .enumerate()
        .find_map(|(i, side)| side.filter(|s| !covers(&s.context, &entry.undo[i].version)).map(|s| (i, s)))?;
    let before = &entry.undo[index];
    let leader = (0..leaders).find(|n| {
        *n != write.origin.index() && before.version[*n] > side.context[*n] && write.clock[*n] < before.dots[*n].1
    })?;
    let mut incoming = side.context;
    incoming[write.origin] = side.counter;
    Some(crate::self_report::ConflictPair {
        account: side.account,
        ops: [before.dots[leader].0, write.op],
        nodes: [leader, write.origin.index()],
        versions: [before.version[..leaders].to_vec(), incoming[..leaders].to_vec()],
        detected_us: now_us,
    })
}

/// Restores the accounts a write touched to their state before it.
pub(super) fn undo(accounts: &mut [Account], entry: &mut Entry) {
    if let Some(second) = entry.write.second {
        accounts[second.account as usize] = entry.undo[1];
    }
    accounts[entry.write.first.account as usize] = entry.undo[0];
    entry.applied = false;
}

/// Applies one write under a policy, recording its undo and verdict.
pub(super) fn apply(policy: ConflictPolicy, accounts: &mut [Account], entry: &mut Entry) {
    let write = entry.write;
    let second_account = write.second.map_or(write.first.account, |side| side.account);
    entry.undo = [accounts[write.first.account as usize], accounts[second_account as usize]];
    entry.applied = true;
    let mut verdict = Verdict::default();
    let sides: Vec<Side> = [Some(write.first), write.second].into_iter().flatten().collect();
    match write.second {
        None => resolve_siblings(&mut accounts[write.first.account as usize], &write.first, &mut verdict),
        Some(_) => {
            for side in &sides {
                if !covers(&side.context, &accounts[side.account as usize].version) {
                    verdict.concurrent += 1;
                }
            }
            match policy {
                ConflictPolicy::Lww => {
                    for (index, side) in sides.iter().enumerate() {
                        verdict.discards[index] = last_writer_wins(&mut accounts[side.account as usize], &write, side);
                    }
                }
                ConflictPolicy::Siblings => {
                    for side in &sides {
                        let account = &mut accounts[side.account as usize];
                        if !covers(&side.context, &account.version) {
                            account.siblings += 1;
                        }
                        account.balance += side.delta;
                    }
                }
                ConflictPolicy::BusinessRule => {
                    if accounts[write.first.account as usize].balance + write.first.delta < 0 {
                        verdict.bounced = true;
                    } else {
                        for side in &sides {
                            accounts[side.account as usize].balance += side.delta;
                        }
                    }
                }
            }
        }
    }
    for side in &sides {
        let account = &mut accounts[side.account as usize];
        if side.counter >= account.version[write.origin] {
            account.version[write.origin] = side.counter;
            account.dots[write.origin] = (write.op, write.clock[write.origin]);
        }
    }
    entry.verdict = verdict;
}

/// A resolution written back by a read: closes the siblings it had seen, unless a write it
/// had not seen arrived first.
fn resolve_siblings(account: &mut Account, side: &Side, verdict: &mut Verdict) {
    if covers(&side.context, &account.version) {
        verdict.resolved = account.siblings - 1;
        account.siblings = 1;
    }
}

/// One side under last-writer-wins: the higher (wall clock, leader) stamp keeps its balance.
fn last_writer_wins(account: &mut Account, write: &Write, side: &Side) -> Option<Discard> {
    let current = account.writer;
    let incoming = Writer { wall_us: write.wall_us, origin: write.origin, op: write.op, counter: side.counter };
    let saw_current = side.context[current.origin] >= current.counter;
    let discard = |loser: Writer, winner: Writer| Discard {
        account: side.account,
        loser: loser.op,
        winner: winner.op,
        loser_node: loser.origin.index(),
        winner_node: winner.origin.index(),
        loser_wall_us: loser.wall_us,
        winner_wall_us: winner.wall_us,
        concurrent: !saw_current,
    };
    if (incoming.wall_us, incoming.origin) > (current.wall_us, current.origin) {
        account.balance = side.absolute;
        account.writer = incoming;
        // The balance written never included the current writer's effect.
        (current.op != 0 && !saw_current).then(|| discard(current, incoming))
    } else {
        Some(discard(incoming, current))
    }
}

/// Adds a write's verdict to a conflict log.
pub(super) fn count_verdict(log: &mut ConflictLog, policy: ConflictPolicy, entry: &Entry) {
    let verdict = &entry.verdict;
    log.detected += verdict.concurrent;
    log.resolved += match policy {
        ConflictPolicy::Siblings => verdict.resolved,
        _ => verdict.concurrent,
    };
    for discard in verdict.discards.iter().flatten() {
        log.lww_lost_at_merge += 1;
        if log.discards.len() < CONFLICT_RECORDS_MAX {
            log.discards.push(*discard);
        }
    }
    if verdict.bounced {
        log.reconciliation += 1;
        if log.reconciliation_ops.len() < CONFLICT_RECORDS_MAX {
            log.reconciliation_ops.push(entry.write.op);
        }
    }
}
