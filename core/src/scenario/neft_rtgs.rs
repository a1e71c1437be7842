//! `neft-rtgs`: NEFT/RTGS transfers between two banks, committed atomically by a clearing
//! house with two-phase commit; each bank has a synchronous standby.

use super::knobs::{fsync_knob, hour_knob, KnobSpec, KnobValues, Knobs};
use super::{world_config, Built, ScenarioConfig, ScenarioInfo, ScenarioSpec, Simulation, QUIESCE_US};
use crate::bench::EntrySpec;
use crate::check::AnomalyKind;
use crate::engine::{StrategyHooks, World};
use crate::geo::{self, CityIndex};
use crate::i18n::Text;
use crate::protocol::OpKind;
use crate::strategy::two_phase_commit::{TwoPhaseConfig, TwoPhaseNode};

const FSYNC_US: KnobSpec = fsync_knob(
    "fsync latency in microseconds: every prepare and commit is forced on the bank, its standby and the clearing house.",
);
const VOTE_TIMEOUT_MS: KnobSpec = KnobSpec {
    name: "vote_timeout_ms",
    label: Text { en: "vote timeout ms", hi: "वोट की समय-सीमा (ms)" },
    values: KnobValues::Integer { min: 100, max: 60_000 },
    default: "1000",
    help: "How long the clearing house waits for votes before aborting.",
};
const ACCOUNTS: KnobSpec = KnobSpec {
    name: "accounts",
    label: Text { en: "accounts", hi: "खाते" },
    values: KnobValues::Integer { min: 10, max: 100_000 },
    default: "10000",
    help: "Accounts, split between the two banks, each starting with ₹1,00,000.",
};
const HOUR: KnobSpec = hour_knob("11");

/// Nodes, in node-id order: the clearing house, then each bank and its standby.
pub const NODES: &[(&str, CityIndex)] = &[
    ("clearing", geo::MUMBAI),
    ("bank-a", geo::DELHI),
    ("bank-a-standby", geo::DELHI),
    ("bank-b", geo::CHENNAI),
    ("bank-b-standby", geo::CHENNAI),
];

/// Each bank with its synchronous standby (node indices in [`NODES`]): once quiet, a standby
/// holds exactly its bank's balances.
pub const REPLICA_GROUPS: &[&[usize]] = &[&[1, 2], &[3, 4]];

/// The registry's row.
pub(super) const SPEC: ScenarioSpec = ScenarioSpec {
    info: ScenarioInfo {
        id: "neft-rtgs",
        lesson: crate::lesson::NEFT,
        title: Text {
            en: "NEFT/RTGS: two-phase commit between banks", hi: "NEFT/RTGS: बैंकों के बीच two-phase commit"
        },
        strategy: "two-phase commit with synchronous standbys",
        default_load_ops_s: 300.0,
        knobs: &[FSYNC_US, VOTE_TIMEOUT_MS, ACCOUNTS, HOUR],
    },
    build,
    promise_configs: &[&[]],
    bench: &[EntrySpec {
        label: "two-phase commit",
        knobs: &[],
        consistency: "atomic across banks; blocks while the coordinator is down",
    }],
};

fn build(config: &ScenarioConfig, knobs: &Knobs, load: f64) -> Box<dyn Simulation> {
    let strategy = TwoPhaseConfig {
        accounts: knobs.unsigned(&ACCOUNTS) as u32,
        vote_timeout_us: knobs.unsigned(&VOTE_TIMEOUT_MS) * 1000,
        ..TwoPhaseConfig::default()
    };
    let mut world = world_config(config, knobs, load);
    world.workload.keys = strategy.accounts;
    world.workload.banks = strategy.banks as u32;
    world.workload.zipf_exponent = 0.6;
    world.workload.mix = vec![(OpKind::Transfer, 1.0)];
    let nodes = NODES
        .iter()
        .enumerate()
        .map(|(index, (name, city))| {
            let node = match index {
                0 => TwoPhaseNode::coordinator(strategy),
                odd if odd % 2 == 1 => TwoPhaseNode::bank(strategy, (index - 1) / 2),
                _ => TwoPhaseNode::standby(strategy, (index - 2) / 2),
            };
            (name.to_string(), *city, node)
        })
        .collect();
    let hooks = StrategyHooks {
        router: crate::strategy::two_phase_commit::route_coordinator,
        checkers: vec![AnomalyKind::Atomicity, AnomalyKind::MoneyNotConserved, AnomalyKind::Divergence],
        params: crate::check::CheckParams {
            accounts_partitioned: true,
            replica_groups: REPLICA_GROUPS,
            ..Default::default()
        },
    };
    let world = World::new(world, hooks, nodes, config.controls.clone());
    Box::new(Built {
        config: config.clone(),
        world,
        quiet_max_us: QUIESCE_US,
        promises: vec![AnomalyKind::Atomicity, AnomalyKind::MoneyNotConserved, AnomalyKind::Divergence],
    })
}
