//! `myntra`: Myntra's flash sale across five regional warehouses, selling optimistically from
//! local counters or reserving each unit at its owning warehouse.

use super::flipkart::{gossip_quiet_us, warehouse_hooks};
use super::knobs::{hour_knob, KnobSpec, KnobValues, Knobs, GOSSIP_MS};
use super::{add_scenario_control, world_config, Built, ScenarioConfig, ScenarioInfo, ScenarioSpec, Simulation};
use crate::check::AnomalyKind;
use crate::control::{Control, TimedControl};
use crate::engine::World;
use crate::geo::{self, CityId};
use crate::i18n::Text;
use crate::lesson::{text, Expect, LessonAction, LessonStep};
use crate::protocol::OpKind;
use crate::strategy::crdt_gossip::{CrdtConfig, CrdtNode, OrderPolicy};
use crate::vocabulary::Choice;

const POLICY: KnobSpec = KnobSpec {
    name: "policy",
    label: Text { en: "policy", hi: "नीति" },
    values: KnobValues::Choice(OrderPolicy::VALUES),
    default: "optimistic",
    help:
        "optimistic: sell from the local replica at once; reservation: reserve the unit at its owning warehouse first.",
};
const SALE: KnobSpec = KnobSpec {
    name: "sale",
    label: Text { en: "sale", hi: "सेल" },
    values: KnobValues::Choice(&["on", "off"]),
    default: "on",
    help: "Flash sale: five times the load from 10 s to 30 s.",
};
const STOCK: KnobSpec = KnobSpec {
    name: "stock",
    label: Text { en: "stock", hi: "स्टॉक" },
    values: KnobValues::Integer { min: 1, max: 1000 },
    default: "5",
    help: "Units of every variant at time zero.",
};
const HOUR: KnobSpec = hour_knob("20");

/// Styles of the catalogue: a variant's key is `style × 20 + size × 4 + colour`.
pub const STYLES: u32 = 100;
/// Sizes per style (S, M, L, XL, XXL).
pub const SIZES: u32 = 5;
/// Colours per style.
pub const COLOURS: u32 = 4;
/// Regional warehouses.
pub const WAREHOUSES: &[CityId] = &[geo::MUMBAI, geo::DELHI, geo::BANGALORE, geo::KOLKATA, geo::HYDERABAD];
/// When the flash sale starts and ends, and how much it multiplies the load.
pub const SALE_WINDOW: (u64, u64, f64) = (10_000_000, 30_000_000, 5.0);

/// The registry's row.
pub(super) const SPEC: ScenarioSpec = ScenarioSpec {
    info: ScenarioInfo {
        id: "myntra",
        lesson: LESSON,
        title: Text {
            en: "Myntra: flash sale across regional warehouses", hi: "Myntra: क्षेत्रीय गोदामों में फ़्लैश सेल"
        },
        strategy: "multi-variant inventory: optimistic counters vs reservations",
        default_load_ops_s: 800.0,
        knobs: &[POLICY, SALE, STOCK, GOSSIP_MS, HOUR],
    },
    build,
    promise_configs: &[&[("policy", "reservation")]],
    bench: &[],
};

fn build(config: &ScenarioConfig, knobs: &Knobs, load: f64) -> Box<dyn Simulation> {
    let policy = knobs.choice(&POLICY, OrderPolicy::parse);
    let strategy = CrdtConfig {
        gossip_interval_us: knobs.unsigned(&GOSSIP_MS) * 1000,
        initial_stock: knobs.unsigned(&STOCK),
        policy,
        ..CrdtConfig::default()
    };
    let mut world = world_config(config, knobs, load);
    world.workload.restock_units = strategy.restock_units;
    world.workload.keys = STYLES * SIZES * COLOURS;
    world.workload.zipf_exponent = 1.1;
    world.workload.start_hour = knobs.unsigned(&HOUR) as u8;
    world.workload.mix = vec![
        (OpKind::Order, 0.45),
        (OpKind::Read, 0.40),
        (OpKind::CartAdd, 0.10),
        (OpKind::SetPrice, 0.04),
        (OpKind::Restock, 0.01),
    ];
    let nodes = WAREHOUSES
        .iter()
        .map(|city| (city.city().id.to_string(), *city, CrdtNode::new(strategy, WAREHOUSES.len())))
        .collect();
    let hooks = warehouse_hooks(&strategy, vec![AnomalyKind::Oversell, AnomalyKind::Divergence]);
    let mut controls = config.controls.clone();
    if knobs.on(&SALE) {
        let (start, end, factor) = SALE_WINDOW;
        add_scenario_control(
            &mut controls,
            TimedControl { at_us: start, control: Control::Load { ops_s: load * factor } },
        );
        add_scenario_control(&mut controls, TimedControl { at_us: end, control: Control::Load { ops_s: load } });
    }
    let world = World::new(world, hooks, nodes, controls);
    let mut promises = vec![AnomalyKind::Divergence];
    if policy == OrderPolicy::Reservation {
        promises.push(AnomalyKind::Oversell);
    }
    let quiet_max_us = gossip_quiet_us(strategy.gossip_interval_us);
    Box::new(Built { config: config.clone(), world, quiet_max_us, promises })
}

/// `myntra`: optimistic counters oversell in a flash sale; reservations do not.
const LESSON: &[LessonStep] = &[
    LessonStep {
        action: LessonAction::Watch,
        button: text("Play the flash sale (10–30 s)", "फ़्लैश सेल चलाएँ (10–30 s)"),
        watch: text(
            "Five times the load from 10 s; each region sells from its own copy of the stock. Check now counts oversold units.",
            "10 s से पाँच गुना लोड; हर क्षेत्र स्टॉक की अपनी प्रति से बेचता है। «अभी जाँचें» ज़्यादा बिकी इकाइयाँ गिनता है।",
        ),
        meaning: text(
            "Two regions can sell the last unit before either hears of the other's sale.",
            "दो क्षेत्र आख़िरी इकाई बेच सकते हैं, इससे पहले कि किसी को दूसरे की बिक्री का पता चले।",
        ),
        watch_s: 25,
        speed: 1.0,
        expect: Expect::Shows(AnomalyKind::Oversell),
    },
    LessonStep {
        action: LessonAction::Settings(&[("policy", "reservation")]),
        button: text("Switch to reservations and play again", "reservation पर जाएँ और फिर चलाएँ"),
        watch: text(
            "Each unit is reserved at its owning warehouse first: oversell stays at 0, orders take a round trip longer.",
            "हर इकाई पहले अपने गोदाम पर आरक्षित होती है: oversell 0 रहता है, ऑर्डर में एक चक्कर ज़्यादा लगता है।",
        ),
        meaning: text("Correct stock costs latency: the trade every flash sale makes.", "सही स्टॉक की कीमत देरी है: हर फ़्लैश सेल का सौदा।"),
        watch_s: 25,
        speed: 1.0,
        expect: Expect::Holds(AnomalyKind::Oversell),
    },
];
