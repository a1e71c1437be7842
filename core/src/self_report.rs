//! What a node says of itself: the records strategies keep for the page and the run report
//! — conflicts detected and resolved, transactions in doubt, what a consumer was given and
//! applied, what the auto-scaler did.
//!
//! **Architecture Invariant:** no checker reaches a verdict from these. They are a
//! strategy's account of its own behaviour, and a bug in the strategy would be in its
//! account too; the checkers in [`crate::check`] judge from the history, the initial and
//! final states and the configuration. (The one exception, `unready_read`, is named in
//! ARCHITECTURE.md and cross-checked against a history-only check in the tests.)

use crate::vocabulary::{Key, OpId};
use serde::Serialize;

/// A node's self-report: the one channel by which a strategy's own records reach the run
/// report and the page (`Protocol::self_report`, `FinalNode::report`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SelfReport {
    /// Concurrent writes detected and how they were resolved (multi-leader).
    Conflicts(ConflictLog),
    /// Transactions in doubt and how long they blocked (two-phase-commit participants), or
    /// the coordinator's commit times.
    InDoubt(InDoubtLog),
    /// Committed transactions with their read and write sets (the MVCC engine), read only
    /// by a test that cross-checks the history-only `write_skew`.
    Transactions(Vec<crate::mvcc::CommittedTx>),
    /// What a downstream consumer applied, was given again and applied twice (data-sync).
    Sync(SyncLog),
    /// The auto-scaling controller's record, or a replica's serving intervals (read by
    /// `unready_read`, the one exception).
    Scaling(ScalingLog),
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
    /// Times a write lost under last-writer-wins when two met (a later write may still
    /// have built on it: the `lww_discarded` checker counts the effects missing at the end).
    pub lww_lost_at_merge: u64,
    /// Transfers the business rule bounced to the reconciliation queue.
    pub reconciliation: u64,
    /// The writes that lost when two met (the first [`CONFLICT_RECORDS_MAX`]).
    pub discards: Vec<Discard>,
    /// Operation ids of the bounced transfers.
    pub reconciliation_ops: Vec<OpId>,
    /// The first conflict detected: the page's example, which stays while the run goes on.
    pub first: Option<ConflictPair>,
    /// The latest conflict detected, for the page to explain on request.
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

impl ConflictPair {
    /// One sentence on the conflict: which two writes, and why the version vectors make
    /// them concurrent (each lacks the other's write), naming leaders from `names`.
    pub fn explain(&self, names: &[String]) -> String {
        let name = |index: usize| names.get(index).map_or("?", String::as_str);
        let entry = |vector: &[u64], index: usize| vector.get(index).copied().unwrap_or(0);
        let (first, second) = (self.nodes[0], self.nodes[1]);
        let (version, made_at) = (&self.versions[0], &self.versions[1]);
        format!(
            "Account {}: it stood at version {} with transfer #{} from {} ({}'s write {}) when transfer #{} from {} arrived, made at {}: #{} knew only {} of {}'s writes, and the account knew only {} of {}'s — neither vector covers the other, and neither write happened before the other: they were concurrent.",
            self.account,
            vector_text(version),
            self.ops[0],
            name(first),
            name(first),
            entry(version, first),
            self.ops[1],
            name(second),
            vector_text(made_at),
            self.ops[1],
            entry(made_at, first),
            name(first),
            entry(version, second),
            name(second),
        )
    }
}

fn vector_text(entries: &[u64]) -> String {
    let entries: Vec<String> = entries.iter().map(u64::to_string).collect();
    format!("[{}]", entries.join(","))
}

impl ConflictLog {
    /// The counts, without the lists.
    pub fn clone_counts(&self) -> Self {
        Self {
            discards: Vec::new(),
            reconciliation_ops: Vec::new(),
            first: self.first.clone(),
            latest: self.latest.clone(),
            ..*self
        }
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
