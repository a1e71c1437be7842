//! `core-banking`: one bank's core system in Mumbai — MVCC transactions, a write-ahead log
//! with group commit and checkpoints — and a WAL-shipping standby in Pune.

use super::knobs::{fsync_knob, hour_knob, KnobSpec, KnobValues, Knobs};
use super::{world_config, Built, ScenarioConfig, ScenarioInfo, ScenarioSpec, Simulation, QUIESCE_US};
use crate::bench::EntrySpec;
use crate::check::AnomalyKind;
use crate::engine::{StrategyHooks, World};
use crate::geo;
use crate::i18n::Text;
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
        lesson: crate::lesson::CORE_BANKING,
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
