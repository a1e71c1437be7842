//! Checkers: named properties over the evidence of a run.
//!
//! A checker never looks inside a protocol. It reads what clients saw — invocations,
//! completions, arguments and results, values read, the epoch that served each operation —
//! the state every node started and ended with, and the scenario's configuration, and
//! proves an anomaly with the ids of the operations involved. Only real-time order is used
//! to order operations ("w2 began after w1 was acknowledged"), so every finding is sound:
//! it would be a violation under any serialisation of the history.
//!
//! Each property is one function in a submodule and one row of [`CHECKERS`]: its name, what
//! it means, whether it needs a quiet run, where its evidence comes from, and the function.
//! [`check`] runs the rows a scenario names.

use crate::history::{History, Operation, Outcome};
use crate::i18n::Text;
use crate::self_report::{ConflictLog, InDoubtLog, ScalingLog, SelfReport, SyncLog};
use crate::vocabulary::{Key, OpId, OpKind, Ring, Role, StateExtras, Value};
use serde::Serialize;
use std::collections::BTreeMap;

pub mod linearizable;
mod money;
mod registers;
mod replicas;
mod transactions;

pub use money::{atomicity, lww_discarded, money_not_conserved, negative_balance, uncommitted_effects};
pub use registers::{
    lost_writes, monotonic_reads, nonlinearizable, read_your_writes, split_brain, stale_reads, two_leaders_same_term,
    LINEARIZABILITY_STEPS_PER_KEY_MAX,
};
pub use replicas::{divergence, duplicate_applies, oversell, unready_reads};
pub use transactions::{write_skew, write_skew_in_log};

/// Findings kept per anomaly kind (counts stay exact).
pub const FINDINGS_PER_KIND_MAX: usize = 100;

/// The anomalies the checkers know. Each is one row of [`CHECKERS`], in the same order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AnomalyKind {
    /// See [`stale_reads`].
    StaleRead,
    /// See [`lost_writes`].
    LostWrite,
    /// See [`read_your_writes`].
    ReadYourWrites,
    /// See [`monotonic_reads`].
    MonotonicRead,
    /// See [`split_brain`].
    SplitBrain,
    /// See [`divergence`].
    Divergence,
    /// See [`oversell`].
    Oversell,
    /// See [`lww_discarded`].
    LwwDiscarded,
    /// See [`negative_balance`].
    NegativeBalance,
    /// See [`money_not_conserved`].
    MoneyNotConserved,
    /// See [`two_leaders_same_term`].
    TwoLeadersSameTerm,
    /// See [`atomicity`].
    Atomicity,
    /// See [`write_skew`].
    WriteSkew,
    /// See [`uncommitted_effects`].
    UncommittedEffect,
    /// See [`duplicate_applies`].
    DuplicateApply,
    /// See [`unready_reads`].
    UnreadyRead,
    /// See [`nonlinearizable`].
    Nonlinearizable,
}

/// Where a checker's evidence comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The history alone.
    History,
    /// The history and the final (or, live, the current) state of the nodes.
    HistoryAndState,
    /// The final state alone.
    State,
    /// A strategy's own record (a self-report): the exception, named in ARCHITECTURE.md
    /// and cross-checked against a history-only check in the tests.
    SelfReport,
}

/// What a checker reads.
#[derive(Debug, Clone, Copy)]
pub struct Evidence<'a> {
    /// Every operation clients invoked, with arguments, results and outcomes.
    pub history: &'a History,
    /// The state every node ends with (on the page, the state now); `None` when a check
    /// runs on the history alone.
    pub final_state: Option<&'a FinalState>,
    /// Facts of the scenario's configuration.
    pub params: CheckParams,
}

/// One named property: a row of [`CHECKERS`].
#[derive(Debug, Clone, Copy)]
pub struct CheckerSpec {
    /// The anomaly it finds.
    pub kind: AnomalyKind,
    /// Stable snake_case name (`run --json`, the page's badges, trace files).
    pub name: &'static str,
    /// Its name in words, for the page (English and Hindi).
    pub label: Text,
    /// One sentence on what the anomaly means (English and Hindi).
    pub meaning: Text,
    /// Whether the property only holds once the run is quiet (replicas still catching up
    /// look diverged, a write still replicating looks lost), so a live check skips it.
    pub needs_quiescence: bool,
    /// Where its evidence comes from.
    pub source: Source,
    /// The property: findings, each naming the operations that prove it. It may note what
    /// it covered in the report (the linearizability search does).
    pub check: fn(&Evidence, &mut CheckReport) -> Vec<Finding>,
}

/// Every checker, one row each, in [`AnomalyKind`] order (a test checks the order).
pub const CHECKERS: &[CheckerSpec] = &[
    CheckerSpec {
        kind: AnomalyKind::StaleRead,
        name: "stale_read",
        label: Text { en: "stale read", hi: "पुराना पढ़ना" },
        meaning: Text {
            en: "A read returned an older value although a newer write had already been acknowledged.",
            hi: "एक read ने पुराना मान लौटाया, जबकि नया लेखन पहले ही स्वीकार हो चुका था।",
        },
        needs_quiescence: false,
        source: Source::History,
        check: |evidence, _| stale_reads(evidence.history),
    },
    CheckerSpec {
        kind: AnomalyKind::LostWrite,
        name: "lost_write",
        label: Text { en: "lost write", hi: "खोया लेखन" },
        meaning: Text {
            en: "A write the client was told succeeded is missing from the final state.",
            hi: "जिस लेखन को क्लाइंट को सफल बताया गया, वह अंतिम स्थिति से गायब है।",
        },
        needs_quiescence: true,
        source: Source::HistoryAndState,
        check: |evidence, _| evidence.final_state.map(|state| lost_writes(evidence.history, state, evidence.params)).unwrap_or_default(),
    },
    CheckerSpec {
        kind: AnomalyKind::ReadYourWrites,
        name: "read_your_writes",
        label: Text { en: "read your writes", hi: "अपना लिखा नहीं दिखा" },
        meaning: Text {
            en: "A client read a key and did not see its own acknowledged write.",
            hi: "क्लाइंट ने एक key पढ़ी और उसे अपना ही स्वीकार हुआ लेखन नहीं दिखा।",
        },
        needs_quiescence: false,
        source: Source::History,
        check: |evidence, _| read_your_writes(evidence.history),
    },
    CheckerSpec {
        kind: AnomalyKind::MonotonicRead,
        name: "monotonic_read",
        label: Text { en: "monotonic read", hi: "समय में उल्टा पढ़ना" },
        meaning: Text {
            en: "A client read a newer value and then an older one of the same key.",
            hi: "क्लाइंट ने एक key का नया मान पढ़ा और फिर उसी का पुराना।",
        },
        needs_quiescence: false,
        source: Source::History,
        check: |evidence, _| monotonic_reads(evidence.history),
    },
    CheckerSpec {
        kind: AnomalyKind::SplitBrain,
        name: "split_brain",
        label: Text { en: "split brain", hi: "स्प्लिट ब्रेन" },
        meaning: Text {
            en: "Two nodes acted as primary at once, both acknowledging writes.",
            hi: "दो नोड एक साथ प्राइमरी बने और दोनों ने लेखन स्वीकार किए।",
        },
        needs_quiescence: false,
        source: Source::History,
        check: |evidence, _| split_brain(evidence.history),
    },
    CheckerSpec {
        kind: AnomalyKind::Divergence,
        name: "divergence",
        label: Text { en: "divergence", hi: "रेप्लिका में अंतर" },
        meaning: Text {
            en: "Replicas still disagreed after the network healed and the system went quiet.",
            hi: "नेटवर्क ठीक होने और सिस्टम शांत होने के बाद भी रेप्लिका असहमत रहीं।",
        },
        needs_quiescence: true,
        source: Source::State,
        check: |evidence, _| evidence.final_state.map(|state| divergence(state, evidence.params)).unwrap_or_default(),
    },
    CheckerSpec {
        kind: AnomalyKind::Oversell,
        name: "oversell",
        label: Text { en: "oversell", hi: "ज़रूरत से ज़्यादा बिक्री" },
        meaning: Text {
            en: "More units were sold than were ever in stock.",
            hi: "स्टॉक में जितनी इकाइयाँ कभी थीं, उससे ज़्यादा बिक गईं।",
        },
        needs_quiescence: false,
        source: Source::History,
        check: |evidence, _| oversell(evidence.history, evidence.params),
    },
    CheckerSpec {
        kind: AnomalyKind::LwwDiscarded,
        name: "lww_discarded",
        label: Text { en: "lww discarded", hi: "LWW ने लेखन फेंका" },
        meaning: Text {
            en: "Last-writer-wins kept another write by wall clock and threw away a write the client was told succeeded.",
            hi: "Last-writer-wins ने घड़ी के समय से दूसरा लेखन रखा और वह लेखन फेंक दिया जिसे क्लाइंट को सफल बताया गया था।",
        },
        needs_quiescence: true,
        source: Source::HistoryAndState,
        check: |evidence, _| evidence.final_state.map(|state| lww_discarded(evidence.history, state)).unwrap_or_default(),
    },
    CheckerSpec {
        kind: AnomalyKind::NegativeBalance,
        name: "negative_balance",
        label: Text { en: "negative balance", hi: "ऋणात्मक बैलेंस" },
        meaning: Text {
            en: "An account balance went below zero.",
            hi: "किसी खाते का बैलेंस शून्य से नीचे गया।",
        },
        needs_quiescence: false,
        source: Source::HistoryAndState,
        check: |evidence, _| negative_balance(evidence.history, evidence.final_state),
    },
    CheckerSpec {
        kind: AnomalyKind::MoneyNotConserved,
        name: "money_not_conserved",
        label: Text { en: "money not conserved", hi: "पैसे का हिसाब नहीं मिलता" },
        meaning: Text {
            en: "The balances no longer add up: money appeared or vanished although transfers only move it.",
            hi: "बैलेंस का जोड़ अब नहीं मिलता: पैसा आया या गायब हुआ, जबकि ट्रांसफ़र उसे सिर्फ़ इधर-उधर करते हैं।",
        },
        needs_quiescence: false,
        source: Source::State,
        check: |evidence, _| {
            evidence.final_state.map(|state| money_not_conserved(state, evidence.params)).unwrap_or_default()
        },
    },
    CheckerSpec {
        kind: AnomalyKind::TwoLeadersSameTerm,
        name: "two_leaders_same_term",
        label: Text { en: "two leaders same term", hi: "एक term में दो लीडर" },
        meaning: Text {
            en: "Two nodes acknowledged writes as leader in the same term: the election safety that terms exist for failed.",
            hi: "एक ही term में दो नोडों ने लीडर बनकर लेखन स्वीकार किए: जिस चुनाव-सुरक्षा के लिए terms हैं, वह टूटी।",
        },
        needs_quiescence: false,
        source: Source::History,
        check: |evidence, _| two_leaders_same_term(evidence.history),
    },
    CheckerSpec {
        kind: AnomalyKind::Atomicity,
        name: "atomicity",
        label: Text { en: "atomicity", hi: "परमाणुता टूटी" },
        meaning: Text {
            en: "A transfer took effect at one bank and not at the other, or the client was told it settled when it had not.",
            hi: "ट्रांसफ़र एक बैंक में लागू हुआ और दूसरे में नहीं, या क्लाइंट को निपटा बताया गया जबकि वह नहीं निपटा था।",
        },
        needs_quiescence: true,
        source: Source::HistoryAndState,
        check: |evidence, _| {
            evidence.final_state.map(|state| atomicity(evidence.history, state, evidence.params)).unwrap_or_default()
        },
    },
    CheckerSpec {
        kind: AnomalyKind::WriteSkew,
        name: "write_skew",
        label: Text { en: "write skew", hi: "राइट स्क्यू (लेखन तिरछापन)" },
        meaning: Text {
            en: "Two concurrent transactions each read what the other wrote and both committed (G2-item write skew): each checked the rule, together they broke it.",
            hi: "दो समवर्ती ट्रांज़ैक्शनों में से हर एक ने वह पढ़ा जो दूसरे ने लिखा, और दोनों commit हुए (Adya का G2-item): हर एक ने नियम जाँचा, मिलकर दोनों ने उसे तोड़ा।",
        },
        needs_quiescence: false,
        source: Source::History,
        check: |evidence, _| write_skew(evidence.history),
    },
    CheckerSpec {
        kind: AnomalyKind::UncommittedEffect,
        name: "uncommitted_effect",
        label: Text { en: "uncommitted effect", hi: "बिना commit का असर" },
        meaning: Text {
            en: "After recovery a balance differs from what the committed transactions make it: an effect was lost or an uncommitted one shows.",
            hi: "recovery के बाद कोई बैलेंस commit हुए ट्रांज़ैक्शनों के हिसाब से अलग है: कोई असर खो गया या बिना commit वाला दिख रहा है।",
        },
        needs_quiescence: true,
        source: Source::HistoryAndState,
        check: |evidence, _| {
            evidence
                .final_state
                .map(|state| uncommitted_effects(evidence.history, state))
                .unwrap_or_default()
        },
    },
    CheckerSpec {
        kind: AnomalyKind::DuplicateApply,
        name: "duplicate_apply",
        label: Text { en: "duplicate apply", hi: "दो बार लागू" },
        meaning: Text {
            en: "A consumer was given a change again after a restart and applied it a second time: at-least-once delivery without an idempotent apply.",
            hi: "restart के बाद consumer को एक बदलाव फिर मिला और उसने उसे दूसरी बार लागू किया: at-least-once डिलीवरी, पर idempotent apply नहीं।",
        },
        needs_quiescence: false,
        source: Source::State,
        check: |evidence, _| evidence.final_state.map(duplicate_applies).unwrap_or_default(),
    },
    CheckerSpec {
        kind: AnomalyKind::UnreadyRead,
        name: "unready_read",
        label: Text { en: "unready read", hi: "तैयार होने से पहले read" },
        meaning: Text {
            en: "A replica answered a read while it was not serving: before its snapshot and catch-up were done, or after it was switched off.",
            hi: "किसी रेप्लिका ने read का उत्तर तब दिया जब वह सेवा में नहीं थी: snapshot और catch-up पूरे होने से पहले, या बंद किए जाने के बाद।",
        },
        needs_quiescence: false,
        source: Source::SelfReport,
        check: |evidence, _| {
            evidence.final_state.map(|state| unready_reads(evidence.history, state)).unwrap_or_default()
        },
    },
    CheckerSpec {
        kind: AnomalyKind::Nonlinearizable,
        name: "nonlinearizable",
        label: Text { en: "nonlinearizable", hi: "linearizable नहीं" },
        meaning: Text {
            en: "No single order of a key's operations, each taking effect between its call and its answer, explains what the reads returned: the register did not behave as one copy.",
            hi: "key के ऑपरेशनों का कोई एक क्रम नहीं — हर एक अपनी call और answer के बीच असर करता हुआ — जो समझाए कि reads ने क्या लौटाया: register एक प्रति की तरह नहीं चला।",
        },
        needs_quiescence: false,
        source: Source::History,
        check: |evidence, report| {
            let (findings, covered) = nonlinearizable(evidence.history);
            report.linearizability = Some(covered);
            findings
        },
    },
];

impl AnomalyKind {
    /// Every kind, in [`CHECKERS`] order.
    pub fn all() -> impl Iterator<Item = AnomalyKind> {
        CHECKERS.iter().map(|spec| spec.kind)
    }

    /// Its row of [`CHECKERS`].
    pub fn spec(self) -> &'static CheckerSpec {
        &CHECKERS[self as usize]
    }

    /// Stable snake_case name (the command line's contract, docs/design.md).
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// The kind with this name.
    pub fn from_name(name: &str) -> Option<AnomalyKind> {
        CHECKERS.iter().find(|spec| spec.name == name).map(|spec| spec.kind)
    }

    /// Whether the property only holds once the run is quiet, so a live check skips it.
    pub fn needs_quiescence(self) -> bool {
        self.spec().needs_quiescence
    }

    /// Whether a live check (the run so far, the current state standing in for the final
    /// one) can decide the property.
    pub fn checked_live(self) -> bool {
        !self.needs_quiescence()
    }

    /// One sentence on what the anomaly means.
    pub fn meaning(self) -> &'static str {
        self.spec().meaning.en
    }

    /// Its name in words and its meaning, in both languages (the page).
    pub fn words(self) -> (Text, Text) {
        (self.spec().label, self.spec().meaning)
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

/// One node's state at the end of a run (and its store at time zero).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FinalNode {
    /// Node id.
    pub name: String,
    /// Whether it is up.
    pub up: bool,
    /// Role it claims (its own word: used to pick the node whose state answers for the
    /// system, and listed in ARCHITECTURE.md where a checker relies on it).
    pub role: Role,
    /// Its epoch.
    pub epoch: u64,
    /// Its store at time zero.
    pub initial: BTreeMap<Key, Value>,
    /// Its applied store.
    pub store: BTreeMap<Key, Value>,
    /// What its state holds beyond the store: version stamps, statements, held changes.
    pub extras: StateExtras,
    /// What it says of itself, for the report and the page (no checker reads it but
    /// `unready_read`, the named exception): see [`SelfReport`].
    pub report: Option<SelfReport>,
}

impl FinalNode {
    /// A node with nothing but a name, a role and a store (its initial store empty).
    pub fn new(name: &str, role: Role, store: BTreeMap<Key, Value>) -> Self {
        FinalNode {
            name: name.to_string(),
            up: true,
            role,
            epoch: 0,
            initial: BTreeMap::new(),
            store,
            extras: StateExtras::default(),
            report: None,
        }
    }

    /// Its conflict log, if it keeps one (multi-leader).
    pub fn conflicts(&self) -> Option<&ConflictLog> {
        match &self.report {
            Some(SelfReport::Conflicts(log)) => Some(log),
            _ => None,
        }
    }

    /// Its in-doubt record, if it keeps one (two-phase commit).
    pub fn in_doubt(&self) -> Option<&InDoubtLog> {
        match &self.report {
            Some(SelfReport::InDoubt(log)) => Some(log),
            _ => None,
        }
    }

    /// Its committed transactions, if it keeps them (the MVCC engine).
    pub fn transactions(&self) -> Option<&[crate::mvcc::CommittedTx]> {
        match &self.report {
            Some(SelfReport::Transactions(log)) => Some(log),
            _ => None,
        }
    }

    /// What it consumed of a change stream, if it is a consumer (data-sync).
    pub fn sync(&self) -> Option<&SyncLog> {
        match &self.report {
            Some(SelfReport::Sync(log)) => Some(log),
            _ => None,
        }
    }

    /// Its scaling record, if it keeps one (auto-scaling).
    pub fn scaling(&self) -> Option<&ScalingLog> {
        match &self.report {
            Some(SelfReport::Scaling(log)) => Some(log),
            _ => None,
        }
    }
}

/// The state a run ends with.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FinalState {
    /// Every node.
    pub nodes: Vec<FinalNode>,
    /// The node whose state is the system's answer (the primary of the highest epoch).
    pub authoritative: Option<usize>,
}

impl FinalState {
    /// The state of these nodes, the one answering for the system picked by
    /// [`FinalState::authoritative_of`].
    pub fn of(nodes: Vec<FinalNode>) -> Self {
        let authoritative = Self::authoritative_of(&nodes);
        FinalState { nodes, authoritative }
    }

    /// The node whose state answers for the system: the primary of the highest epoch, a
    /// running one before a crashed one, the first on a tie.
    pub fn authoritative_of(nodes: &[FinalNode]) -> Option<usize> {
        nodes
            .iter()
            .enumerate()
            .filter(|(_, node)| node.role == Role::Primary)
            .max_by_key(|(index, node)| (node.epoch, node.up, std::cmp::Reverse(*index)))
            .map(|(index, _)| index)
    }
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
    /// Accounts are partitioned across the primaries (banks), so money is summed over all
    /// of them rather than read from the authoritative node.
    pub accounts_partitioned: bool,
    /// Nodes that must hold the same state once quiet, group by group (each bank with its
    /// standby); empty: every running node.
    pub replica_groups: &'static [&'static [usize]],
    /// Keys are partitioned by consistent hashing: each is compared on, and judged by, the
    /// running nodes of its preference list only. `None`: every node holds every key.
    pub placement: Option<crate::vocabulary::Ring>,
}

/// Runs the named checkers. Those needing a final state find nothing without one.
pub fn check(
    history: &History,
    final_state: Option<&FinalState>,
    kinds: &[AnomalyKind],
    params: CheckParams,
) -> CheckReport {
    let evidence = Evidence { history, final_state, params };
    let mut report = CheckReport::default();
    for &kind in kinds {
        let findings = (kind.spec().check)(&evidence, &mut report);
        report.add(kind, findings);
    }
    report
}

/// The one stable sort by a `u64` key the checkers share. Each closure handed to
/// `sort_by_key` instantiates the whole sort again, and the page ships every checker; a
/// function pointer makes one copy per element type.
fn sort_by_u64<T>(items: &mut [T], key: fn(&T) -> u64) {
    items.sort_by_key(key);
}

/// The node whose final state answers for the system.
fn authoritative(state: &FinalState) -> Option<&FinalNode> {
    state.authoritative.and_then(|index| state.nodes.get(index))
}

fn seconds(us: u64) -> String {
    format!("{:.3} s", us as f64 / 1e6)
}

fn ok_writes(history: &History) -> impl Iterator<Item = &Operation> {
    history.iter().filter(|op| op.kind == OpKind::Write && op.outcome == Outcome::Ok)
}

fn ok_reads(history: &History) -> impl Iterator<Item = &Operation> {
    history.iter().filter(|op| op.kind == OpKind::Read && op.outcome == Outcome::Ok)
}

/// The values a node holds for a key: its siblings when it keeps several, else its store's
/// value; empty when it holds none.
fn held_values(node: &FinalNode, key: Key) -> Vec<Value> {
    match node.extras.siblings.get(&key) {
        Some(siblings) => siblings.clone(),
        None => node.store.get(&key).copied().into_iter().collect(),
    }
}

/// The running nodes of a key's preference list.
fn running_replicas(state: &FinalState, ring: Ring, key: Key) -> Vec<&FinalNode> {
    ring.replicas_of(key).filter_map(|index| state.nodes.get(index)).filter(|node| node.up).collect()
}

/// Values held, in words: `absent`, `5`, or `5 and 9 (siblings)`.
fn held_text(values: &[Value]) -> String {
    match values {
        [] => "absent".to_string(),
        [one] => one.to_string(),
        many => format!("{} (siblings)", many.iter().map(|value| value.to_string()).collect::<Vec<_>>().join(" and ")),
    }
}

fn read_value_text(value: Option<Value>) -> String {
    match value {
        Some(0) | None => "the initial value".to_string(),
        Some(v) => format!("the value of write #{v}"),
    }
}
