//! `big-billion-day`: Flipkart's sale day — a primary with read replicas per region, added
//! and removed by an auto-scaling controller, reactive or provisioned ahead of the sale.

use super::knobs::{hour_knob, KnobSpec, KnobValues, Knobs};
use super::{add_scenario_control, world_config, Built, ScenarioConfig, ScenarioInfo, ScenarioSpec, Simulation};
use crate::bench::EntrySpec;
use crate::check::AnomalyKind;
use crate::control::{Control, TimedControl};
use crate::engine::{StrategyHooks, World};
use crate::i18n::Text;
use crate::lesson::{text, Expect, LessonAction, LessonStep};
use crate::strategy::autoscaling::{self, AutoscalingConfig, AutoscalingNode, Policy, REGIONS};
use crate::vocabulary::{Choice, NodeId};

const SCALING: KnobSpec = KnobSpec {
    name: "scaling",
    label: Text { en: "scaling", hi: "स्केलिंग" },
    values: KnobValues::Choice(Policy::VALUES),
    default: "reactive",
    help: "reactive: scale on observed demand only; prescaled: also provision every region for the forecast sale demand ahead of the sale.",
};
const SALE_AT_S: KnobSpec = KnobSpec {
    name: "sale_at_s",
    label: Text { en: "sale at s", hi: "सेल की शुरुआत (s)" },
    values: KnobValues::Integer { min: 0, max: 3_600 },
    default: "20",
    help: "When the sale starts, in seconds.",
};
const SALE_MULTIPLIER: KnobSpec = KnobSpec {
    name: "sale_multiplier",
    label: Text { en: "sale multiplier", hi: "सेल में लोड का गुणक" },
    values: KnobValues::Number { min: 1.0, max: 20.0 },
    default: "10",
    help: "How much the sale multiplies the load (Big Billion Day 2014 saw about 20× normal traffic).",
};
const SNAPSHOT_MB: KnobSpec = KnobSpec {
    name: "snapshot_mb",
    label: Text { en: "snapshot mb", hi: "स्नैपशॉट का आकार (MB)" },
    values: KnobValues::Integer { min: 1, max: 100_000 },
    default: "500",
    help: "Size of the snapshot a new replica restores before it replays the log, in MB (restored at 100 MB/s: 500 MB take 5 s).",
};
const HOUR: KnobSpec = hour_knob("20");

/// The registry's row.
pub(super) const SPEC: ScenarioSpec = ScenarioSpec {
    info: ScenarioInfo {
        id: "big-billion-day",
        lesson: LESSON,
        title: Text {
            en: "Big Billion Day: auto-scaling read replicas for a sale",
            hi: "Big Billion Day: sale के लिए read replicas का auto-scaling",
        },
        strategy: "primary with read replicas added and removed per region by an auto-scaling controller",
        default_load_ops_s: 300.0,
        knobs: &[SCALING, SALE_AT_S, SALE_MULTIPLIER, SNAPSHOT_MB, HOUR],
    },
    build,
    promise_configs: &[&[]],
    bench: &[EntrySpec {
        label: "read replicas, auto-scaled",
        knobs: &[("scaling", "reactive"), ("sale_multiplier", "1")],
        consistency: "eventual: replica reads may be stale; capacity follows demand",
    }],
};

/// The node names: the primary, then `slots` replica slots per region (`delhi`, `delhi-2`,
/// …; Mumbai's replicas start at `mumbai-2`), with each slot's region index and whether it
/// serves from the start.
pub fn nodes(slots: usize) -> Vec<(String, usize, bool)> {
    let mut nodes = vec![(autoscaling::region_name(0).to_string(), 0, false)];
    for region in 0..REGIONS.len() {
        let city = autoscaling::region_name(region);
        let first_suffix = if region == 0 { 2 } else { 1 };
        for slot in 0..slots {
            let suffix = first_suffix + slot;
            let name = if suffix == 1 { city.to_string() } else { format!("{city}-{suffix}") };
            nodes.push((name, region, slot == 0));
        }
    }
    nodes
}

fn build(config: &ScenarioConfig, knobs: &Knobs, load: f64) -> Box<dyn Simulation> {
    let strategy = AutoscalingConfig {
        policy: knobs.choice(&SCALING, Policy::parse),
        sale_at_us: knobs.unsigned(&SALE_AT_S) * 1_000_000,
        sale_multiplier: knobs.number(&SALE_MULTIPLIER),
        snapshot_bytes: knobs.unsigned(&SNAPSHOT_MB).saturating_mul(1_000_000),
        ..AutoscalingConfig::default()
    };
    let names = nodes(strategy.slots_per_region);
    let slots: Vec<(NodeId, usize, bool)> = names
        .iter()
        .enumerate()
        .skip(1)
        .map(|(index, (_, region, serving))| (NodeId::new(index), *region, *serving))
        .collect();
    let nodes = names
        .iter()
        .enumerate()
        .map(|(index, (name, region, serving))| {
            let node = if index == 0 {
                AutoscalingNode::primary(strategy, &slots)
            } else {
                AutoscalingNode::replica(strategy, *serving)
            };
            (name.clone(), REGIONS[*region], node)
        })
        .collect();
    let hooks = StrategyHooks {
        router: autoscaling::route,
        checkers: vec![AnomalyKind::UnreadyRead],
        params: Default::default(),
    };
    let mut world = world_config(config, knobs, load);
    world.workload.mix = crate::workload::register_mix(0.1);
    let mut controls = config.controls.clone();
    add_scenario_control(
        &mut controls,
        TimedControl { at_us: strategy.sale_at_us, control: Control::Load { ops_s: load * strategy.sale_multiplier } },
    );
    let world = World::new(world, hooks, nodes, controls);
    Box::new(Built {
        config: config.clone(),
        world,
        quiet_max_us: super::QUIESCE_US,
        promises: vec![AnomalyKind::UnreadyRead],
    })
}

/// `big-billion-day`: replicas scale up for the sale, and serve only once caught up.
const LESSON: &[LessonStep] = &[
    LessonStep {
        action: LessonAction::Watch,
        button: text("Play: the sale starts at 20 s", "चलाएँ: सेल 20 s पर शुरू होती है"),
        watch: text(
            "Demand jumps tenfold; the controller adds replicas, each restoring a snapshot before it serves.",
            "माँग दस गुना होती है; कंट्रोलर रेप्लिका जोड़ता है, हर एक सेवा से पहले snapshot लोड करती है।",
        ),
        meaning: text(
            "Reacting takes time: reads fail or slow until the new replicas are ready (SLA minutes).",
            "प्रतिक्रिया में समय लगता है: नई रेप्लिका तैयार होने तक रीड विफल या धीमे होते हैं (SLA मिनट)।",
        ),
        watch_s: 30,
        speed: 1.0,
        expect: Expect::Holds(AnomalyKind::UnreadyRead),
    },
    LessonStep {
        action: LessonAction::Settings(&[("scaling", "prescaled")]),
        button: text("Switch to pre-scaling and play again", "pre-scaling पर जाएँ और फिर चलाएँ"),
        watch: text(
            "Every region is provisioned for the forecast 15 s before the sale; compare SLA minutes and cost below.",
            "हर क्षेत्र सेल से 15 s पहले अनुमान के लिए तैयार होता है; नीचे SLA मिनट और लागत की तुलना करें।",
        ),
        meaning: text(
            "Provisioning ahead meets the SLA and costs more replica-hours.",
            "पहले से तैयारी SLA पूरा करती है और ज़्यादा रेप्लिका-घंटे ख़र्च करती है।",
        ),
        watch_s: 30,
        speed: 1.0,
        expect: Expect::Holds(AnomalyKind::UnreadyRead),
    },
];
