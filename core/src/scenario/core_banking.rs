//! `core-banking`: one bank's core system in Mumbai — MVCC transactions, a write-ahead log
//! with group commit and checkpoints — and a WAL-shipping standby in Pune.

use super::knobs::{fsync_knob, hour_knob, KnobSpec, KnobValues, Knobs};
use super::{world_config, Built, ScenarioConfig, ScenarioInfo, ScenarioSpec, Simulation, QUIESCE_US};
use crate::bench::EntrySpec;
use crate::check::AnomalyKind;
use crate::engine::{StrategyHooks, World};
use crate::geo;
use crate::i18n::Text;
use crate::lesson::{text, Expect, LessonAction, LessonStep};
use crate::protocol::OpKind;
use crate::strategy::mvcc_wal::{MvccConfig, MvccNode};

const CHECKPOINT_MS: KnobSpec = KnobSpec {
    name: "checkpoint_ms",
    label: Text { en: "checkpoint ms", hi: "चेकपॉइंट का अंतराल (ms)" },
    values: KnobValues::Integer { min: 100, max: 60_000 },
    default: "5000",
    help: "Interval between checkpoints: longer means less checkpoint work and a longer redo after a crash.",
};
const FSYNC_US: KnobSpec =
    fsync_knob("fsync latency in microseconds: every commit waits for one (group commit shares it).");
const STATEMENT_US: KnobSpec = KnobSpec {
    name: "statement_us",
    label: Text { en: "statement us", hi: "स्टेटमेंट का समय (µs)" },
    values: KnobValues::Integer { min: 50, max: 50_000 },
    default: "1000",
    help: "Time one statement of a transaction takes: longer transactions overlap more and conflict more.",
};
const JOINT_RATIO: KnobSpec = KnobSpec {
    name: "joint_ratio",
    label: Text { en: "joint ratio", hi: "संयुक्त खातों का अनुपात" },
    values: KnobValues::Number { min: 0.0, max: 1.0 },
    default: "0.1",
    help: "Fraction of operations that are joint-account withdrawals (accounts 2i and 2i+1 are held together).",
};
const ACCOUNTS: KnobSpec = KnobSpec {
    name: "accounts",
    label: Text { en: "accounts", hi: "खाते" },
    values: KnobValues::Integer { min: 2, max: 100_000 },
    default: "2000",
    help: "Accounts (Zipf-popular), each starting with ₹50,000.",
};
const HOUR: KnobSpec = hour_knob("11");

/// The registry's row.
pub(super) const SPEC: ScenarioSpec = ScenarioSpec {
    info: ScenarioInfo {
        id: "core-banking",
        lesson: LESSON,
        title: Text { en: "Core banking: WAL, MVCC and recovery", hi: "Core banking: WAL, MVCC और recovery" },
        strategy: "single-node MVCC with WAL, checkpoints and a WAL-shipping standby",
        default_load_ops_s: 500.0,
        knobs: &[CHECKPOINT_MS, FSYNC_US, STATEMENT_US, JOINT_RATIO, ACCOUNTS, HOUR],
    },
    build,
    promise_configs: &[&[]],
    bench: &[EntrySpec {
        label: "single-node MVCC + WAL",
        knobs: &[],
        consistency: "snapshot isolation (write skew possible); durable commits",
    }],
};

fn build(config: &ScenarioConfig, knobs: &Knobs, load: f64) -> Box<dyn Simulation> {
    let strategy = MvccConfig {
        accounts: knobs.unsigned(&ACCOUNTS) as u32,
        checkpoint_interval_us: knobs.unsigned(&CHECKPOINT_MS) * 1000,
        statement_us: knobs.unsigned(&STATEMENT_US),
        ..MvccConfig::default()
    };
    let joint = knobs.number(&JOINT_RATIO);
    let mut world = world_config(config, knobs, load);
    world.workload.keys = strategy.accounts;
    world.workload.mix =
        vec![(OpKind::Read, 0.3 * (1.0 - joint)), (OpKind::Transfer, 0.7 * (1.0 - joint)), (OpKind::Withdraw, joint)];
    let nodes = vec![
        ("primary".to_string(), geo::MUMBAI, MvccNode::primary(strategy)),
        ("standby".to_string(), geo::PUNE, MvccNode::standby(strategy)),
    ];
    let hooks = StrategyHooks {
        router: crate::strategy::mvcc_wal::route_primary,
        checkers: vec![AnomalyKind::UncommittedEffect, AnomalyKind::WriteSkew, AnomalyKind::Divergence],
        params: Default::default(),
    };
    let world = World::new(world, hooks, nodes, config.controls.clone());
    Box::new(Built {
        config: config.clone(),
        world,
        quiet_max_us: QUIESCE_US,
        promises: vec![AnomalyKind::UncommittedEffect, AnomalyKind::Divergence],
    })
}

/// `core-banking`: snapshot isolation allows write skew; recovery keeps every commit.
const LESSON: &[LessonStep] = &[
    LessonStep {
        action: LessonAction::Settings(&[("joint_ratio", "0.5")]),
        button: text("Play with many joint-account withdrawals", "कई संयुक्त-खाता निकासी के साथ चलाएँ"),
        watch: text(
            "Two withdrawals each check that the pair of accounts covers them, and both commit: write skew.",
            "दो निकासी अलग-अलग जाँचती हैं कि खातों की जोड़ी पर्याप्त है, और दोनों commit होती हैं: राइट स्क्यू।",
        ),
        meaning: text(
            "Snapshot isolation stops lost updates but not a rule spread over two rows.",
            "snapshot isolation lost update रोकता है, पर दो पंक्तियों में फैले नियम को नहीं।",
        ),
        watch_s: 10,
        speed: 0.5,
        expect: Expect::Shows(AnomalyKind::WriteSkew),
    },
    LessonStep {
        action: LessonAction::Crash("primary"),
        button: text("Crash the database", "डेटाबेस क्रैश करें"),
        watch: text(
            "Memory and the unsynced log tail are gone; clients get no answer.",
            "मेमोरी और बिना sync हुआ लॉग का अंत चले गए; क्लाइंट को जवाब नहीं मिलता।",
        ),
        meaning: text("Only what reached the disk survives a power cut.", "बिजली जाने पर केवल डिस्क तक पहुँचा हुआ बचता है।"),
        watch_s: 1,
        speed: 0.1,
        expect: Expect::Holds(AnomalyKind::UncommittedEffect),
    },
    LessonStep {
        action: LessonAction::Restart("primary"),
        button: text("Restart it", "फिर चालू करें"),
        watch: text(
            "Recovery loads the checkpoint and redoes the durable log; Check now finds every acknowledged commit.",
            "रिकवरी checkpoint लोड करके टिकाऊ लॉग दोबारा चलाती है; «अभी जाँचें» हर स्वीकार किया गया commit पाता है।",
        ),
        meaning: text(
            "A commit is acknowledged only once its log records are on disk (WAL): none is lost, none half-done.",
            "commit तभी स्वीकार होता है जब उसके लॉग रिकॉर्ड डिस्क पर हों (WAL): कोई नहीं खोता, कोई अधूरा नहीं।",
        ),
        watch_s: 3,
        speed: 0.2,
        expect: Expect::Holds(AnomalyKind::UncommittedEffect),
    },
];
