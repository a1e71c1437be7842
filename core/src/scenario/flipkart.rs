//! `flipkart`: Flipkart's warehouses in every city, taking orders without waiting for one
//! another, converging through CRDTs and gossip.

use super::knobs::{hour_knob, KnobSpec, KnobValues, Knobs, GOSSIP_MS};
use super::{world_config, Built, ScenarioConfig, ScenarioInfo, ScenarioSpec, Simulation, QUIESCE_US, QUIET_MAX_US};
use crate::bench::EntrySpec;
use crate::check::AnomalyKind;
use crate::engine::{StrategyHooks, World};
use crate::i18n::Text;
use crate::lesson::{text, Expect, LessonAction, LessonStep};
use crate::protocol::OpKind;
use crate::strategy::crdt_gossip::{CrdtConfig, CrdtNode};

const FANOUT: KnobSpec = KnobSpec {
    name: "fanout",
    label: Text { en: "fanout", hi: "हर दौर में साथी" },
    values: KnobValues::Integer { min: 1, max: 6 },
    default: "2",
    help: "Peers each warehouse gossips with per round.",
};
const STOCK: KnobSpec = KnobSpec {
    name: "stock",
    label: Text { en: "stock", hi: "स्टॉक" },
    values: KnobValues::Integer { min: 1, max: 10_000 },
    default: "20",
    help: "Units of every item at time zero.",
};
const ORDER_RATIO: KnobSpec = KnobSpec {
    name: "order_ratio",
    label: Text { en: "order ratio", hi: "ऑर्डर का अनुपात" },
    values: KnobValues::Number { min: 0.0, max: 1.0 },
    default: "0.3",
    help: "Fraction of operations that are orders (the rest: stock reads, cart changes, restocks, price updates).",
};
const HOUR: KnobSpec = hour_knob("20");

/// Items in the catalogue (Zipf-popular).
pub const ITEMS: u32 = 500;

/// The registry's row.
pub(super) const SPEC: ScenarioSpec = ScenarioSpec {
    info: ScenarioInfo {
        id: "flipkart",
        lesson: LESSON,
        title: Text {
            en: "Flipkart: warehouses that never wait", hi: "Flipkart: गोदाम जो कभी रुकते नहीं"
        },
        strategy: "async replication with CRDTs and gossip",
        default_load_ops_s: 1000.0,
        knobs: &[GOSSIP_MS, FANOUT, STOCK, ORDER_RATIO, HOUR],
    },
    build,
    promise_configs: &[&[]],
    bench: &[EntrySpec {
        label: "CRDTs with gossip",
        knobs: &[],
        consistency: "strong eventual: replicas converge, stock may oversell",
    }],
};

fn build(config: &ScenarioConfig, knobs: &Knobs, load: f64) -> Box<dyn Simulation> {
    let strategy = CrdtConfig {
        gossip_interval_us: knobs.unsigned(&GOSSIP_MS) * 1000,
        fanout: knobs.unsigned(&FANOUT) as usize,
        initial_stock: knobs.unsigned(&STOCK),
        ..CrdtConfig::default()
    };
    let orders = knobs.number(&ORDER_RATIO);
    let rest = 1.0 - orders;
    let mut world = world_config(config, knobs, load);
    world.workload.restock_units = strategy.restock_units;
    world.workload.keys = ITEMS;
    world.workload.start_hour = knobs.unsigned(&HOUR) as u8;
    world.workload.mix = vec![
        (OpKind::Order, orders),
        (OpKind::Read, rest * 0.6),
        (OpKind::CartAdd, rest * 0.2),
        (OpKind::CartRemove, rest * 0.08),
        (OpKind::Read, rest * 0.04),
        (OpKind::Restock, rest * 0.02),
        (OpKind::SetPrice, rest * 0.06),
    ];
    let nodes = crate::geo::CityId::all()
        .map(|city| (city.city().id.to_string(), city, CrdtNode::new(strategy, crate::geo::CITY_COUNT)))
        .collect();
    let hooks = warehouse_hooks(&strategy, vec![AnomalyKind::Divergence, AnomalyKind::Oversell]);
    let world = World::new(world, hooks, nodes, config.controls.clone());
    let quiet_max_us = gossip_quiet_us(strategy.gossip_interval_us);
    Box::new(Built { config: config.clone(), world, quiet_max_us, promises: vec![AnomalyKind::Divergence] })
}

/// Hooks of the gossiping warehouses (`flipkart`, `myntra`): nearest routing, and the stock
/// facts the oversell checker needs.
pub(super) fn warehouse_hooks(strategy: &CrdtConfig, checkers: Vec<AnomalyKind>) -> StrategyHooks {
    StrategyHooks {
        router: crate::strategy::crdt_gossip::route_nearest,
        checkers,
        params: crate::check::CheckParams {
            initial_stock: strategy.initial_stock,
            restock_units: strategy.restock_units,
            ..Default::default()
        },
    }
}

/// The longest quiet period gossiping warehouses need to agree once the network is whole:
/// every fifth round each reconciles its whole state with the next peer in turn, so within
/// six such cycles (`6 × 5 × gossip interval`) every pair has reconciled; one more cycle
/// and a second of margin cover messages in flight when the workload stopped.
pub fn gossip_quiet_us(gossip_interval_us: u64) -> u64 {
    QUIESCE_US.max(7 * 5 * gossip_interval_us + 1_000_000).min(QUIET_MAX_US)
}

/// `flipkart`: warehouses keep selling through a partition and agree once it heals.
const LESSON: &[LessonStep] = &[
    LessonStep {
        action: LessonAction::Isolate("mumbai"),
        button: text("Cut Mumbai's warehouse off", "मुंबई के गोदाम को अलग करें"),
        watch: text(
            "Both sides keep taking orders; Check now, with Mumbai still cut off, finds the warehouses disagreeing.",
            "दोनों तरफ़ ऑर्डर लेते रहते हैं; मुंबई के कटे रहते «अभी जाँचें» गोदामों को असहमत पाता है।",
        ),
        meaning: text(
            "Nothing waits for the network: the shop stays open, and the replicas disagree while the cut lasts.",
            "कोई नेटवर्क का इंतज़ार नहीं करता: दुकान खुली रहती है, और कट रहने तक रेप्लिका असहमत रहती हैं।",
        ),
        watch_s: 10,
        speed: 0.5,
        expect: Expect::Shows(AnomalyKind::Divergence),
    },
    LessonStep {
        action: LessonAction::HealAll,
        button: text("Heal the links", "लिंक जोड़ें"),
        watch: text(
            "Gossip merges the CRDTs; Check now runs the warehouses until quiet and finds no divergence.",
            "gossip CRDT को जोड़ता है; «अभी जाँचें» गोदामों को शांत होने तक चलाकर कोई divergence नहीं पाता।",
        ),
        meaning: text(
            "CRDT merges are order-free, so every warehouse ends with the same carts and counts: eventual consistency.",
            "CRDT का जोड़ क्रम पर निर्भर नहीं, इसलिए हर गोदाम एक जैसे कार्ट और गिनती पर पहुँचता है: eventual consistency।",
        ),
        watch_s: 10,
        speed: 0.5,
        expect: Expect::Holds(AnomalyKind::Divergence),
    },
];
