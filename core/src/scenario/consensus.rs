//! `consensus`: a Raft-style group across five cities — majority commit, elections with
//! terms and leases, reads at the leader.

use super::knobs::{fsync_knob, hour_knob, write_ratio_knob, KnobSpec, KnobValues, Knobs};
use super::{world_config, Built, ScenarioConfig, ScenarioInfo, ScenarioSpec, Simulation, QUIESCE_US};
use crate::bench::EntrySpec;
use crate::check::AnomalyKind;
use crate::engine::{StrategyHooks, World};
use crate::geo::{self, CityId};
use crate::i18n::Text;
use crate::lesson::{text, Expect, LessonAction, LessonStep};
use crate::strategy::log_shipping::{self, CommitMode, FailoverMode, LogShippingConfig, LogShippingNode, ReadRouting};

const ELECTION_TIMEOUT_MS: KnobSpec = KnobSpec {
    name: "election_timeout_ms",
    label: Text { en: "election timeout ms", hi: "चुनाव की समय-सीमा (ms)" },
    values: KnobValues::Integer { min: 150, max: 10_000 },
    default: "1500",
    help:
        "Silence before a follower stands for election (plus a random fifth); the leader's lease is two thirds of it.",
};
const FSYNC_US: KnobSpec = fsync_knob("fsync latency in microseconds.");
const WRITE_RATIO: KnobSpec =
    write_ratio_knob("0.5", "Fraction of operations that are writes (reads go to the leader).");
const HOUR: KnobSpec = hour_knob("10");

/// The group's cities; the first starts as leader.
pub const CITIES: &[CityId] = &[geo::MUMBAI, geo::DELHI, geo::BANGALORE, geo::CHENNAI, geo::KOLKATA];

/// The registry's row.
pub(super) const SPEC: ScenarioSpec = ScenarioSpec {
    info: ScenarioInfo {
        id: "consensus",
        lesson: LESSON,
        title: Text {
            en: "Consensus: a Raft group across five cities", hi: "Consensus: पाँच शहरों में एक Raft समूह"
        },
        strategy: "Raft-style replication (majority commit, elections, terms)",
        default_load_ops_s: 500.0,
        knobs: &[ELECTION_TIMEOUT_MS, FSYNC_US, WRITE_RATIO, HOUR],
    },
    build,
    promise_configs: &[&[]],
    bench: &[EntrySpec {
        label: "Raft-style consensus",
        knobs: &[],
        consistency: "majority commit and leader reads; a minority stops",
    }],
};

fn build(config: &ScenarioConfig, knobs: &Knobs, load: f64) -> Box<dyn Simulation> {
    let election_timeout_us = knobs.unsigned(&ELECTION_TIMEOUT_MS) * 1000;
    let raft = LogShippingConfig {
        commit: CommitMode::On,
        reads: ReadRouting::Primary,
        failover: FailoverMode::Auto,
        election_timeout_us,
        lease_us: election_timeout_us * 2 / 3,
        naive_timeout_us: election_timeout_us,
        heartbeat_us: (election_timeout_us / 15).clamp(10_000, 100_000),
        ..LogShippingConfig::default()
    };
    let nodes = CITIES
        .iter()
        .enumerate()
        .map(|(index, city)| (city.city().id.to_string(), *city, LogShippingNode::new(raft, index == 0)))
        .collect();
    let hooks = StrategyHooks {
        router: log_shipping::route_reads_primary,
        checkers: vec![
            AnomalyKind::TwoLeadersSameTerm,
            AnomalyKind::SplitBrain,
            AnomalyKind::LostWrite,
            AnomalyKind::StaleRead,
            AnomalyKind::ReadYourWrites,
            AnomalyKind::MonotonicRead,
            AnomalyKind::Nonlinearizable,
        ],
        params: Default::default(),
    };
    let world = World::new(world_config(config, knobs, load), hooks, nodes, config.controls.clone());
    let mut promises = super::hdfc::promises(&raft);
    promises.push(AnomalyKind::TwoLeadersSameTerm);
    Box::new(Built { config: config.clone(), world, quiet_max_us: QUIESCE_US, promises })
}

/// `consensus`: a majority elects a new leader; the isolated old one stops on its own.
const LESSON: &[LessonStep] = &[
    LessonStep {
        action: LessonAction::Isolate("mumbai"),
        button: text("Cut Mumbai, the leader, from the majority", "मुंबई (लीडर) को बहुमत से काटें"),
        watch: text(
            "The four others elect a leader in a new term; Mumbai stops acknowledging once its lease runs out.",
            "बाकी चार नए term में लीडर चुनते हैं; lease ख़त्म होते ही मुंबई स्वीकार करना बंद करता है।",
        ),
        meaning: text(
            "Terms and leases fence the old leader: never two leaders acknowledging at once (split brain stays 0).",
            "term और lease पुराने लीडर को रोकते हैं: कभी दो लीडर एक साथ स्वीकार नहीं करते (स्प्लिट ब्रेन 0 रहता है)।",
        ),
        watch_s: 6,
        speed: 0.5,
        expect: Expect::Holds(AnomalyKind::SplitBrain),
    },
    LessonStep {
        action: LessonAction::HealAll,
        button: text("Heal the links", "लिंक जोड़ें"),
        watch: text(
            "Mumbai hears the higher term, steps down and catches up as a follower.",
            "मुंबई ऊँचा term सुनता है, हटता है और follower बनकर बराबर आता है।",
        ),
        meaning: text(
            "A majority commit survives any minority's failure: Check now finds no lost write.",
            "बहुमत का commit किसी भी अल्पमत की विफलता झेल लेता है: «अभी जाँचें» कोई खोया लेखन नहीं पाता।",
        ),
        watch_s: 4,
        speed: 0.5,
        expect: Expect::Holds(AnomalyKind::LostWrite),
    },
];
