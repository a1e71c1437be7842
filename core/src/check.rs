//! Checkers: named properties over the recorded history and the final state.
//!
//! A checker never looks inside a protocol. It reads what a client saw — invocations,
//! completions, values read, the epoch that served each operation — and the state each node
//! ends with, and proves an anomaly with the ids of the operations involved. Only
//! real-time order is used to order writes ("w2 began after w1 was acknowledged"), so every
//! finding is sound: it would be a violation under any serialisation of the history.
//!
//! Each property is one function; [`check`] runs those a scenario asks for.

use crate::history::{History, Operation, Outcome};
use crate::protocol::{Key, OpId, OpKind, Role, Value};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

pub mod linearizable;

/// Findings kept per anomaly kind (counts stay exact).
pub const FINDINGS_PER_KIND_MAX: usize = 100;

/// The anomalies the checkers know, with stable snake_case names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AnomalyKind {
    /// A read missed a write acknowledged before it began.
    StaleRead,
    /// An acknowledged write is gone from the final state.
    LostWrite,
    /// A client did not see its own acknowledged write.
    ReadYourWrites,
    /// A client saw a key go back in time.
    MonotonicRead,
    /// Two nodes acknowledged writes as primary at the same time.
    SplitBrain,
    /// Replicas still disagree after the network healed and the system went quiet.
    Divergence,
    /// More units were sold than were ever in stock.
    Oversell,
    /// Last-writer-wins threw away the effect of an acknowledged write.
    LwwDiscarded,
    /// An account balance was seen below zero.
    NegativeBalance,
    /// The accounts do not add up to the money that was deposited.
    MoneyNotConserved,
    /// Two nodes acknowledged writes as leader in the same term.
    TwoLeadersSameTerm,
    /// A distributed transaction committed at one participant and not at another, or was
    /// acknowledged to the client and not committed everywhere.
    Atomicity,
    /// Two concurrent transactions each read what the other wrote and both committed
    /// (Hermitage G2-item): snapshot isolation allows it.
    WriteSkew,
    /// After recovery the balances are not what the committed transactions make them:
    /// a committed effect is missing or an uncommitted one is visible.
    UncommittedEffect,
    /// A downstream consumer applied the same change twice.
    DuplicateApply,
    /// A replica answered a read before it had finished bootstrapping (or after it was
    /// switched off).
    UnreadyRead,
    /// A key's operations cannot be put in one order in which each takes effect between its
    /// call and its answer and every read returns the latest write (linearizability).
    Nonlinearizable,
}

impl AnomalyKind {
    /// Every kind.
    pub const ALL: [AnomalyKind; 17] = [
        AnomalyKind::StaleRead,
        AnomalyKind::LostWrite,
        AnomalyKind::ReadYourWrites,
        AnomalyKind::MonotonicRead,
        AnomalyKind::SplitBrain,
        AnomalyKind::Divergence,
        AnomalyKind::Oversell,
        AnomalyKind::LwwDiscarded,
        AnomalyKind::NegativeBalance,
        AnomalyKind::MoneyNotConserved,
        AnomalyKind::TwoLeadersSameTerm,
        AnomalyKind::Atomicity,
        AnomalyKind::WriteSkew,
        AnomalyKind::UncommittedEffect,
        AnomalyKind::DuplicateApply,
        AnomalyKind::UnreadyRead,
        AnomalyKind::Nonlinearizable,
    ];

    /// Stable snake_case name (DESIGN.md §5).
    pub fn name(self) -> &'static str {
        match self {
            AnomalyKind::StaleRead => "stale_read",
            AnomalyKind::LostWrite => "lost_write",
            AnomalyKind::ReadYourWrites => "read_your_writes",
            AnomalyKind::MonotonicRead => "monotonic_read",
            AnomalyKind::SplitBrain => "split_brain",
            AnomalyKind::Divergence => "divergence",
            AnomalyKind::Oversell => "oversell",
            AnomalyKind::LwwDiscarded => "lww_discarded",
            AnomalyKind::NegativeBalance => "negative_balance",
            AnomalyKind::MoneyNotConserved => "money_not_conserved",
            AnomalyKind::TwoLeadersSameTerm => "two_leaders_same_term",
            AnomalyKind::Atomicity => "atomicity",
            AnomalyKind::WriteSkew => "write_skew",
            AnomalyKind::UncommittedEffect => "uncommitted_effect",
            AnomalyKind::DuplicateApply => "duplicate_apply",
            AnomalyKind::UnreadyRead => "unready_read",
            AnomalyKind::Nonlinearizable => "nonlinearizable",
        }
    }

    /// Whether the property only holds once the run is quiet (replicas still catching up
    /// look diverged, and a write still replicating looks lost), so a live check skips it.
    pub fn needs_quiescence(self) -> bool {
        matches!(
            self,
            AnomalyKind::Divergence | AnomalyKind::LostWrite | AnomalyKind::Atomicity | AnomalyKind::UncommittedEffect
        )
    }

    /// Whether a live check (the run so far, the current state standing in for the final
    /// one) can decide the property under these parameters. Money spread over banks is in
    /// flight between them mid-transfer, so it too waits for quiescence there.
    pub fn checked_live(self, params: &CheckParams) -> bool {
        let spread_money = self == AnomalyKind::MoneyNotConserved && params.accounts_partitioned;
        !(self.needs_quiescence() || spread_money)
    }

    /// One sentence on what the anomaly means.
    pub fn meaning(self) -> &'static str {
        match self {
            AnomalyKind::StaleRead => {
                "A read returned an older value although a newer write had already been acknowledged."
            }
            AnomalyKind::LostWrite => "A write the client was told succeeded is missing from the final state.",
            AnomalyKind::ReadYourWrites => "A client read a key and did not see its own acknowledged write.",
            AnomalyKind::MonotonicRead => "A client read a newer value and then an older one of the same key.",
            AnomalyKind::SplitBrain => "Two nodes acted as primary at once, both acknowledging writes.",
            AnomalyKind::Divergence => "Replicas still disagreed after the network healed and the system went quiet.",
            AnomalyKind::Oversell => "More units were sold than were ever in stock.",
            AnomalyKind::LwwDiscarded => {
                "Last-writer-wins kept another write by wall clock and threw away a write the client was told succeeded."
            }
            AnomalyKind::NegativeBalance => "An account balance went below zero.",
            AnomalyKind::WriteSkew => {
                "Two concurrent transactions each read what the other wrote and both committed (G2-item write skew): each checked the rule, together they broke it."
            }
            AnomalyKind::UncommittedEffect => {
                "After recovery a balance differs from what the committed transactions make it: an effect was lost or an uncommitted one shows."
            }
            AnomalyKind::Atomicity => {
                "A transfer took effect at one bank and not at the other, or the client was told it settled when it had not."
            }
            AnomalyKind::TwoLeadersSameTerm => {
                "Two nodes acknowledged writes as leader in the same term: the election safety that terms exist for failed."
            }
            AnomalyKind::MoneyNotConserved => {
                "The balances no longer add up: money appeared or vanished although transfers only move it."
            }
            AnomalyKind::DuplicateApply => {
                "A consumer was given a change again after a restart and applied it a second time: at-least-once delivery without an idempotent apply."
            }
            AnomalyKind::UnreadyRead => {
                "A replica answered a read while it was not serving: before its snapshot and catch-up were done, or after it was switched off."
            }
            AnomalyKind::Nonlinearizable => {
                "No single order of a key's operations, each taking effect between its call and its answer, explains what the reads returned: the register did not behave as one copy."
            }
        }
    }
}

/// One proven anomaly.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Which anomaly.
    pub kind: AnomalyKind,
    /// Operations that prove it.
    pub ops: Vec<OpId>,
    /// When it became visible (the completion of the last operation involved).
    pub at_us: u64,
    /// One sentence naming the operations.
    pub explanation: String,
}

/// One node's state at the end of a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FinalNode {
    /// Node id.
    pub name: String,
    /// Whether it is up.
    pub up: bool,
    /// Role it claims.
    pub role: Role,
    /// Its epoch.
    pub epoch: u64,
    /// Its applied store.
    pub store: BTreeMap<Key, Value>,
    /// The conflicts it detected and resolved (multi-leader strategies).
    pub conflicts: Option<ConflictLog>,
    /// Its in-doubt transactions (two-phase-commit participants).
    pub in_doubt: Option<InDoubtLog>,
    /// Its committed transactions with their read and write sets (MVCC engines).
    pub transactions: Option<Vec<crate::mvcc::CommittedTx>>,
    /// What it consumed of a change stream (data-sync consumers).
    pub sync: Option<SyncLog>,
    /// Auto-scaling: the controller's record, or a replica's serving intervals.
    pub scaling: Option<ScalingLog>,
}

/// Auto-scaling as the controller recorded it, or a replica's serving intervals
/// (big-billion-day).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ScalingLog {
    /// The controller's policy (empty for a replica).
    pub policy: &'static str,
    /// Replicas serving and bootstrapping per region, once per controller interval.
    pub timeline: Vec<ScalePoint>,
    /// Scale-ups (positive) and scale-downs (negative).
    pub actions: Vec<ScaleAction>,
    /// Most replicas provisioned at once (serving or bootstrapping).
    pub replicas_max: u32,
    /// Replica-hours billed, weighted by the regions' cost multipliers (Mumbai = 1).
    pub cost: f64,
    /// A replica's serving intervals `[from, until)`, µs.
    pub serving_intervals: Vec<(u64, u64)>,
}

impl ScalingLog {
    /// Whether this is the controller's record (a replica's log names no policy).
    pub fn is_controller(&self) -> bool {
        !self.policy.is_empty()
    }
}

/// Replica counts at one moment, per region in `scaling::REGIONS` order.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ScalePoint {
    /// When.
    pub t_ms: u64,
    /// Replicas serving.
    pub serving: [u8; 5],
    /// Replicas bootstrapping.
    pub booting: [u8; 5],
}

/// One scaling decision.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ScaleAction {
    /// When.
    pub t_ms: u64,
    /// Region.
    pub region: &'static str,
    /// Replicas added (negative: removed).
    pub change: i64,
}

/// A downstream consumer's account of the change stream (data-sync).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SyncLog {
    /// How it receives changes: `wal_shipping`, `cdc` or `event_sourcing`.
    pub pattern: &'static str,
    /// Highest offset applied.
    pub applied_offset: u64,
    /// Offset last committed to the source (CDC).
    pub committed_offset: u64,
    /// Changes delivered again that it already had.
    pub duplicates_delivered: u64,
    /// Changes it applied a second time.
    pub duplicates_applied: u64,
    /// The duplicate applications, the first ones.
    pub duplicates: Vec<DuplicateApplied>,
    /// Offset of its last durable snapshot (event sourcing).
    pub snapshot_offset: u64,
    /// Projection rebuilds: from which snapshot, how many events, how long.
    pub rebuilds: Vec<SyncRebuild>,
    /// Crashes survived.
    pub restarts: u64,
}

/// One change applied twice.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DuplicateApplied {
    /// Its offset in the log.
    pub offset: u64,
    /// The client write that made it.
    pub op: OpId,
    /// Key.
    pub key: Key,
    /// Amount it added (twice).
    pub amount: u64,
    /// When it was applied the second time.
    pub at_us: u64,
    /// The offset the consumer had committed before.
    pub committed_offset: u64,
}

/// One rebuild of a projection by replay.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SyncRebuild {
    /// Offset of the snapshot it started from (0: the beginning of the log).
    pub from_offset: u64,
    /// Events replayed.
    pub events: u64,
    /// Time until it had caught up.
    pub duration_us: u64,
}

/// Most commit latencies a two-phase-commit coordinator keeps (the latest).
pub const COMMIT_SAMPLES_MAX: usize = 100_000;

/// Two-phase commit as a node saw it: how long transactions stayed in doubt at a
/// participant, and how long commits took at the coordinator.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct InDoubtLog {
    /// Coordinator: time from a transfer's arrival to every participant having committed
    /// it, µs, for the latest [`COMMIT_SAMPLES_MAX`] commits.
    pub commit_us: Vec<u64>,
    /// Transactions that were in doubt longer than the vote timeout (blocked).
    pub blocked: u64,
    /// Longest time a transaction stayed in doubt, µs.
    pub blocked_max_us: u64,
    /// Transactions in doubt now.
    pub in_doubt: u64,
}

/// Most discards and reconciliations a [`ConflictLog`] lists (its counts stay exact).
pub const CONFLICT_RECORDS_MAX: usize = 20_000;

/// A multi-leader node's account of concurrent writes: what it detected with version
/// vectors and what its policy did about them. Counts are exact; lists are capped at
/// [`CONFLICT_RECORDS_MAX`].
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ConflictLog {
    /// Resolution policy (`lww`, `siblings`, `business-rule`).
    pub policy: &'static str,
    /// Writes found concurrent with the version they were applied to (per account).
    pub detected: u64,
    /// Conflicts resolved: at once by LWW and the business rule, by a read for siblings.
    pub resolved: u64,
    /// Siblings still waiting for a read to resolve them.
    pub open_siblings: u64,
    /// Writes whose effect last-writer-wins threw away.
    pub lww_discarded: u64,
    /// Transfers the business rule bounced to the reconciliation queue.
    pub reconciliation: u64,
    /// The discarded writes.
    pub discards: Vec<Discard>,
    /// Operation ids of the bounced transfers.
    pub reconciliation_ops: Vec<OpId>,
    /// The latest conflict detected, for the page to explain.
    pub latest: Option<ConflictPair>,
}

/// Two concurrent writes to one account, with the version each had.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConflictPair {
    /// The account.
    pub account: Key,
    /// The write already applied, then the one found concurrent with it.
    pub ops: [OpId; 2],
    /// Nodes that took them.
    pub nodes: [usize; 2],
    /// The account's version vector after each write (neither covers the other).
    pub versions: [Vec<u64>; 2],
    /// When it was detected (simulated time at the detecting node).
    pub detected_us: u64,
}

impl ConflictLog {
    /// The counts, without the lists.
    pub fn clone_counts(&self) -> Self {
        Self { discards: Vec::new(), reconciliation_ops: Vec::new(), latest: self.latest.clone(), ..*self }
    }
}

/// One write whose effect on an account last-writer-wins threw away.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Discard {
    /// The account.
    pub account: Key,
    /// The write that lost.
    pub loser: OpId,
    /// The write that won.
    pub winner: OpId,
    /// Node that took the losing write.
    pub loser_node: usize,
    /// Node that took the winning write.
    pub winner_node: usize,
    /// Wall-clock timestamp of the losing write (its node's clock, skew included).
    pub loser_wall_us: i64,
    /// Wall-clock timestamp of the winning write.
    pub winner_wall_us: i64,
    /// Whether the two writes were concurrent (otherwise the loser came causally after the
    /// winner and lost only because of clock skew).
    pub concurrent: bool,
}

/// The state a run ends with.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FinalState {
    /// Every node.
    pub nodes: Vec<FinalNode>,
    /// The node whose state is the system's answer (the primary of the highest epoch).
    pub authoritative: Option<usize>,
}

/// What the checkers found.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CheckReport {
    /// Count per anomaly name, with 0 for every checker that ran.
    pub counts: BTreeMap<&'static str, u64>,
    /// Findings, at most [`FINDINGS_PER_KIND_MAX`] per kind, in order of discovery.
    pub findings: Vec<Finding>,
    /// What the linearizability search covered, when it ran.
    pub linearizability: Option<LinearizabilityReport>,
}

/// What the linearizability search covered on one run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LinearizabilityReport {
    /// Keys with at least one operation.
    pub keys: u64,
    /// Keys with no linearization (the `nonlinearizable` count).
    pub failed: u64,
    /// Keys the search gave up on within its budget (neither proven nor refuted).
    pub unknown: u64,
}

impl CheckReport {
    /// Count for one kind (0 if it did not run).
    pub fn count(&self, kind: AnomalyKind) -> u64 {
        self.counts.get(kind.name()).copied().unwrap_or(0)
    }

    fn add(&mut self, kind: AnomalyKind, findings: Vec<Finding>) {
        *self.counts.entry(kind.name()).or_insert(0) += findings.len() as u64;
        self.findings.extend(findings.into_iter().take(FINDINGS_PER_KIND_MAX));
    }
}

/// Scenario facts some checkers need (what the clients were promised to start with).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CheckParams {
    /// Units of every item at time zero (oversell).
    pub initial_stock: u64,
    /// Units one restock adds (oversell).
    pub restock_units: u64,
    /// Accounts in the bank (money conservation).
    pub accounts: u64,
    /// Balance of every account at time zero (money conservation).
    pub initial_balance: i64,
    /// Accounts are partitioned across the primaries (banks), so money is summed over all
    /// of them rather than read from the authoritative node.
    pub accounts_partitioned: bool,
}

/// Runs the named checkers. Those needing a final state are skipped without one.
pub fn check(
    history: &History,
    final_state: Option<&FinalState>,
    kinds: &[AnomalyKind],
    params: CheckParams,
) -> CheckReport {
    let mut report = CheckReport::default();
    for &kind in kinds {
        let findings = match kind {
            AnomalyKind::StaleRead => stale_reads(history),
            AnomalyKind::ReadYourWrites => read_your_writes(history),
            AnomalyKind::MonotonicRead => monotonic_reads(history),
            AnomalyKind::SplitBrain => split_brain(history),
            AnomalyKind::TwoLeadersSameTerm => two_leaders_same_term(history),
            AnomalyKind::Atomicity => final_state.map(|state| atomicity(history, state)).unwrap_or_default(),
            AnomalyKind::WriteSkew => final_state
                .and_then(authoritative)
                .and_then(|node| node.transactions.as_ref())
                .map(|txs| timed(history, write_skew(txs)))
                .unwrap_or_default(),
            AnomalyKind::UncommittedEffect => {
                final_state.map(|state| uncommitted_effects(history, state, params)).unwrap_or_default()
            }
            AnomalyKind::LostWrite => match final_state {
                Some(state) => lost_writes(history, state),
                None => Vec::new(),
            },
            AnomalyKind::Divergence => match final_state {
                Some(state) => divergence(state),
                None => Vec::new(),
            },
            AnomalyKind::Oversell => oversell(history, params),
            AnomalyKind::LwwDiscarded => final_state.map(|state| lww_discarded(history, state)).unwrap_or_default(),
            AnomalyKind::NegativeBalance => negative_balance(history, final_state),
            AnomalyKind::MoneyNotConserved => {
                final_state.map(|state| money_not_conserved(state, params)).unwrap_or_default()
            }
            AnomalyKind::DuplicateApply => final_state.map(duplicate_applies).unwrap_or_default(),
            AnomalyKind::UnreadyRead => final_state.map(|state| unready_reads(history, state)).unwrap_or_default(),
            AnomalyKind::Nonlinearizable => {
                let (findings, covered) = nonlinearizable(history);
                report.linearizability = Some(covered);
                findings
            }
        };
        report.add(kind, findings);
    }
    report
}

fn ok_writes(history: &History) -> impl Iterator<Item = &Operation> {
    history.iter().filter(|op| op.kind == OpKind::Write && op.outcome == Outcome::Ok)
}

fn ok_reads(history: &History) -> impl Iterator<Item = &Operation> {
    history.iter().filter(|op| op.kind == OpKind::Read && op.outcome == Outcome::Ok)
}

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

fn read_value_text(value: Option<Value>) -> String {
    match value {
        Some(0) | None => "the initial value".to_string(),
        Some(v) => format!("the value of write #{v}"),
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
                    "Client {} read key {} as {} (read #{}), then read #{} returned older {}.",
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
pub fn lost_writes(history: &History, state: &FinalState) -> Vec<Finding> {
    let Some(node) = state.authoritative.and_then(|index| state.nodes.get(index)) else {
        return Vec::new();
    };
    ok_writes(history)
        .filter_map(|write| {
            let final_value = node.store.get(&write.key).copied().unwrap_or(0);
            if final_value == write.value {
                return None;
            }
            let provably_older = match final_value {
                0 => true,
                v => history.get(v).is_some_and(|winner| {
                    winner.outcome == Outcome::Ok && winner.complete_us.is_some_and(|c| c < write.invoke_us)
                }),
            };
            provably_older.then(|| Finding {
                kind: AnomalyKind::LostWrite,
                ops: vec![write.id],
                at_us: write.complete_us.unwrap_or(write.invoke_us),
                explanation: format!(
                    "Write #{} to key {} was acknowledged by {}, but {} ends with {}.",
                    write.id,
                    write.key,
                    write.node.map_or("a node".to_string(), |n| format!(
                        "node {}",
                        state.nodes.get(n).map_or("?", |x| x.name.as_str())
                    )),
                    node.name,
                    read_value_text(Some(final_value))
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
        let reign = reigns.entry((node, epoch)).or_insert((acked, write.id, acked, write.id));
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
        let first = first_by_term.entry(epoch).or_default().entry(node).or_insert((acked, write.id));
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

/// Property: once quiet, every running replica holds the same state (keys that differ are
/// counted, each named with the replicas that disagree).
/// Reads a replica answered outside the intervals in which it served.
pub fn unready_reads(history: &History, state: &FinalState) -> Vec<Finding> {
    let mut findings = Vec::new();
    for op in ok_reads(history) {
        let (Some(node), Some(served_us)) = (op.node, op.acked_us) else { continue };
        let Some(log) = state.nodes.get(node).and_then(|node| node.scaling.as_ref()) else { continue };
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

/// Changes a consumer applied twice, from its ledger of what reached its durable state.
pub fn duplicate_applies(state: &FinalState) -> Vec<Finding> {
    let mut findings = Vec::new();
    for node in &state.nodes {
        let Some(log) = node.sync.as_ref() else { continue };
        for duplicate in &log.duplicates {
            findings.push(Finding {
                kind: AnomalyKind::DuplicateApply,
                ops: vec![duplicate.op],
                at_us: duplicate.at_us,
                explanation: format!(
                    "{} applied change {} (write #{}: key {} +{}) a second time at {}: after its restart it resumed from committed offset {} and was given the change again.",
                    node.name,
                    duplicate.offset,
                    duplicate.op,
                    duplicate.key,
                    duplicate.amount,
                    seconds(duplicate.at_us),
                    duplicate.committed_offset
                ),
            });
        }
    }
    findings
}

pub fn divergence(state: &FinalState) -> Vec<Finding> {
    let up: Vec<&FinalNode> = state.nodes.iter().filter(|node| node.up).collect();
    let Some(first) = up.first() else { return Vec::new() };
    // Keys widened to u64: one set type for the whole crate keeps the wasm small.
    let mut keys: std::collections::BTreeSet<u64> = std::collections::BTreeSet::new();
    for node in &up {
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

/// Property: per item, acknowledged orders never exceed the initial stock plus the units of
/// acknowledged restocks. Each oversold unit is one finding, naming the order that sold it.
pub fn oversell(history: &History, params: CheckParams) -> Vec<Finding> {
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

/// The one stable sort by a `u64` key the checkers share. Each closure handed to
/// `sort_by_key` instantiates the whole sort again, and the page ships every checker; a
/// function pointer makes one copy per element type.
fn sort_by_u64<T>(items: &mut [T], key: fn(&T) -> u64) {
    items.sort_by_key(key);
}

/// Stamps findings with the completion of their last operation.
fn timed(history: &History, mut findings: Vec<Finding>) -> Vec<Finding> {
    for finding in &mut findings {
        finding.at_us =
            finding.ops.iter().filter_map(|op| history.get(*op).and_then(|o| o.complete_us)).max().unwrap_or(0);
    }
    sort_by_u64(&mut findings, |finding| finding.at_us);
    findings
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

/// The node whose final state answers for the system.
fn authoritative(state: &FinalState) -> Option<&FinalNode> {
    state.authoritative.and_then(|index| state.nodes.get(index))
}

fn seconds(us: u64) -> String {
    format!("{:.3} s", us as f64 / 1e6)
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
