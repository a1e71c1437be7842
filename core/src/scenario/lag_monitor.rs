//! `lag-monitor`: a primary and replicas across India watched by an SLA monitor — regional
//! lag budgets, health and alerts with hysteresis.

use super::knobs::{hour_knob, write_ratio_knob, KnobSpec, KnobValues, Knobs};
use super::{world_config, Built, ScenarioConfig, ScenarioInfo, ScenarioSpec, Simulation, QUIESCE_US};
use crate::check::AnomalyKind;
use crate::engine::{StrategyHooks, World};
use crate::geo::{self, CityId};
use crate::i18n::Text;
use crate::lesson::{text, Expect, LessonAction, LessonStep};
use crate::monitor::MonitorConfig;
use crate::strategy::log_shipping::{self, CommitMode, FailoverMode, LogShippingConfig, LogShippingNode, ReadRouting};

const WRITE_RATIO: KnobSpec =
    write_ratio_knob("0.5", "Fraction of operations that are writes (reads go to the nearest replica).");
const WINDOW_ENTRIES: KnobSpec = KnobSpec {
    name: "window_entries",
    label: Text { en: "window entries", hi: "खिड़की में प्रविष्टियाँ" },
    values: KnobValues::Integer { min: 1, max: 16_384 },
    default: "32",
    help: "Log records a replica may have in flight unacknowledged (a 64 KiB TCP window of 2 KiB transaction records): a replica receives at most this many per round trip, so a longer round trip caps its replication rate.",
};
const HOUR: KnobSpec = hour_knob("10");

/// Nodes: the primary first, then its replicas (one in the primary's city).
pub const NODES: &[(&str, CityId)] = &[
    ("mumbai", geo::MUMBAI),
    ("mumbai-2", geo::MUMBAI),
    ("delhi", geo::DELHI),
    ("bangalore", geo::BANGALORE),
    ("hyderabad", geo::HYDERABAD),
    ("chennai", geo::CHENNAI),
    ("kolkata", geo::KOLKATA),
];

/// The registry's row.
pub(super) const SPEC: ScenarioSpec = ScenarioSpec {
    info: ScenarioInfo {
        id: "lag-monitor",
        lesson: LESSON,
        title: Text {
            en: "Lag monitor: regional SLAs, health and alerts",
            hi: "लैग मॉनिटर: क्षेत्रीय SLA, health और alerts",
        },
        strategy: "primary/replica log shipping, watched by an SLA monitor",
        default_load_ops_s: 1000.0,
        knobs: &[WRITE_RATIO, WINDOW_ENTRIES, HOUR],
    },
    build,
    promise_configs: &[&[]],
    bench: &[],
};

fn build(config: &ScenarioConfig, knobs: &Knobs, load: f64) -> Box<dyn Simulation> {
    let hdfc_config = LogShippingConfig {
        commit: CommitMode::Local,
        reads: ReadRouting::Nearest,
        failover: FailoverMode::Manual,
        window_entries: knobs.unsigned(&WINDOW_ENTRIES),
        ..LogShippingConfig::default()
    };
    let nodes = NODES
        .iter()
        .enumerate()
        .map(|(index, (name, city))| (name.to_string(), *city, LogShippingNode::new(hdfc_config, index == 0)))
        .collect();
    let hooks = StrategyHooks {
        router: log_shipping::route_reads_nearest,
        checkers: vec![AnomalyKind::StaleRead, AnomalyKind::LostWrite, AnomalyKind::SplitBrain],
        params: Default::default(),
    };
    let mut world = world_config(config, knobs, load);
    world.monitor = Some(MonitorConfig::banking());
    let world = World::new(world, hooks, nodes, config.controls.clone());
    Box::new(Built { config: config.clone(), world, quiet_max_us: QUIESCE_US, promises: vec![AnomalyKind::SplitBrain] })
}

/// `lag-monitor`: a slower network caps replication and raises lag alerts.
const LESSON: &[LessonStep] = &[LessonStep {
    action: LessonAction::Latency(4.0),
    button: text("Make every link four times slower", "हर लिंक को चार गुना धीमा करें"),
    watch: text(
        "The far regions' lag climbs past their threshold; after three breaching samples the monitor raises an alert.",
        "दूर के क्षेत्रों का lag सीमा पार करता है; तीन उल्लंघन वाले नमूनों के बाद मॉनिटर अलर्ट उठाता है।",
    ),
    meaning: text(
        "A replica may have only so many records in flight per round trip: a longer trip caps how fast it can follow.",
        "एक रेप्लिका के पास एक चक्कर में सीमित रिकॉर्ड ही हो सकते हैं: लंबा चक्कर उसकी रफ़्तार बाँध देता है।",
    ),
    watch_s: 20,
    speed: 1.0,
    expect: Expect::AlertRaised,
}];
