//! The operations scenarios: `lag-monitor` (the seed's lag monitor), `data-sync` (WAL
//! shipping, change data capture, event sourcing) and `big-billion-day` (auto-scaling).
//!
//! Like the rest of [`crate::scenario`], this module places nodes, chooses workloads and
//! knobs; it must not contain protocol logic.

use super::{
    hour_knob, world_config, Built, KnobSpec, KnobValues, Knobs, ScenarioConfig, ScenarioInfo, Simulation, QUIESCE_US,
};
use crate::check::AnomalyKind;
use crate::engine::{StrategyHooks, World};
use crate::geo::city_index;
use crate::i18n::Text;
use crate::monitor::MonitorConfig;
use crate::strategy::hdfc::{self, CommitMode, FailoverMode, HdfcConfig, HdfcNode, ReadRouting};
use crate::strategy::scaling::Policy;
use crate::strategy::sync::{ApplyMode, Part, SyncConfig, SyncNode};

/// Nodes of `lag-monitor`: the primary first, then its replicas (one in the primary's city).
pub const LAG_MONITOR_NODES: [(&str, &str); 7] = [
    ("mumbai", "mumbai"),
    ("mumbai-2", "mumbai"),
    ("delhi", "delhi"),
    ("bangalore", "bangalore"),
    ("hyderabad", "hyderabad"),
    ("chennai", "chennai"),
    ("kolkata", "kolkata"),
];

pub(super) fn lag_monitor_info() -> ScenarioInfo {
    ScenarioInfo {
        id: "lag-monitor",
        lesson: crate::lesson::LAG_MONITOR,
        title: "Lag monitor: regional SLAs, health and alerts",
        title_hi: "लैग मॉनिटर: क्षेत्रीय SLA, health और alerts",
        strategy: "primary/replica log shipping, watched by an SLA monitor",
        default_load_ops_s: 1000.0,
        knobs: vec![
            KnobSpec {
                name: "write_ratio",
                label: Text { en: "write ratio", hi: "लेखन का अनुपात" },
                values: KnobValues::Number { min: 0.0, max: 1.0 },
                default: "0.5",
                help: "Fraction of operations that are writes (reads go to the nearest replica).",
            },
            KnobSpec {
                name: "window_entries",
                label: Text { en: "window entries", hi: "खिड़की में प्रविष्टियाँ" },
                values: KnobValues::Integer { min: 1, max: 16_384 },
                default: "32",
                help: "Log records a replica may have in flight unacknowledged (a 64 KiB TCP window of 2 KiB transaction records): a replica receives at most this many per round trip, so a longer round trip caps its replication rate.",
            },
            hour_knob("10"),
        ],
    }
}

pub(super) fn build_lag_monitor(config: &ScenarioConfig, knobs: &Knobs, load: f64) -> Box<dyn Simulation> {
    let hdfc_config = HdfcConfig {
        commit: CommitMode::Local,
        reads: ReadRouting::Nearest,
        failover: FailoverMode::Manual,
        window_entries: knobs.number("window_entries") as u64,
        ..HdfcConfig::default()
    };
    let nodes = LAG_MONITOR_NODES
        .iter()
        .enumerate()
        .map(|(index, (name, city))| {
            (name.to_string(), city_index(city).unwrap_or(0), HdfcNode::new(hdfc_config, index == 0))
        })
        .collect();
    let hooks = StrategyHooks {
        router: hdfc::route_reads_nearest,
        checkers: vec![AnomalyKind::StaleRead, AnomalyKind::LostWrite, AnomalyKind::SplitBrain],
        params: Default::default(),
    };
    let mut world = world_config(config, knobs, load);
    world.monitor = Some(MonitorConfig::banking());
    let world = World::new(world, hooks, nodes, config.controls.clone());
    Box::new(Built { config: config.clone(), world, quiet_max_us: QUIESCE_US, promises: vec![AnomalyKind::SplitBrain] })
}

/// Nodes of `data-sync`: the source, then its consumers and how each receives changes.
pub const DATA_SYNC_NODES: [(&str, &str, Part); 4] = [
    ("mumbai", "mumbai", Part::Source),
    ("delhi", "delhi", Part::WalReplica),
    ("bangalore", "bangalore", Part::Cdc),
    ("hyderabad", "hyderabad", Part::Projection),
];

pub(super) fn data_sync_info() -> ScenarioInfo {
    ScenarioInfo {
        id: "data-sync",
        lesson: crate::lesson::DATA_SYNC,
        title: "Data sync: WAL shipping, change data capture, event sourcing",
        title_hi: "Data sync: WAL भेजना, बदलावों का कैप्चर (CDC) और event sourcing",
        strategy: "one source log read three ways: WAL shipping, CDC with offsets, event-sourced projection",
        default_load_ops_s: 300.0,
        knobs: vec![
            KnobSpec {
                name: "apply",
                label: Text { en: "apply", hi: "लागू करने का ढंग" },
                values: KnobValues::Choice(ApplyMode::VALUES.to_vec()),
                default: "idempotent",
                help: "How the search index applies the change stream: idempotent (offset stored with the data; a change it has is skipped) or naive (applies whatever it is given).",
            },
            KnobSpec {
                name: "commit_ms",
                label: Text { en: "commit ms", hi: "कमिट का अंतराल (ms)" },
                values: KnobValues::Integer { min: 10, max: 60_000 },
                default: "1000",
                help: "Interval between the search index's offset commits: longer means more changes delivered again after a crash.",
            },
            KnobSpec {
                name: "snapshot_every",
                label: Text { en: "snapshot every", hi: "हर कितनी प्रविष्टियों पर स्नैपशॉट" },
                values: KnobValues::Integer { min: 0, max: 1_000_000 },
                default: "5000",
                help: "Events between two snapshots of the analytics projection (0: never; a rebuild replays the whole log).",
            },
            KnobSpec {
                name: "replay_us",
                label: Text { en: "replay us", hi: "रीप्ले का समय (µs)" },
                values: KnobValues::Integer { min: 1, max: 10_000 },
                default: "20",
                help: "Time the projection takes to replay one event during a rebuild.",
            },
            hour_knob("10"),
        ],
    }
}

pub(super) fn build_data_sync(config: &ScenarioConfig, knobs: &Knobs, load: f64) -> Box<dyn Simulation> {
    let strategy = SyncConfig {
        apply: ApplyMode::parse(knobs.raw("apply")).unwrap_or(ApplyMode::Idempotent),
        commit_interval_us: knobs.number("commit_ms") as u64 * 1000,
        snapshot_every: knobs.number("snapshot_every") as u64,
        replay_us: knobs.number("replay_us") as u64,
        ..SyncConfig::default()
    };
    let nodes = DATA_SYNC_NODES
        .iter()
        .map(|(name, city, part)| (name.to_string(), city_index(city).unwrap_or(0), SyncNode::new(strategy, *part)))
        .collect();
    let hooks = StrategyHooks {
        router: crate::strategy::sync::route_source,
        checkers: vec![AnomalyKind::Divergence, AnomalyKind::DuplicateApply],
        params: Default::default(),
    };
    let mut world = world_config(config, knobs, load);
    world.workload.mix = crate::workload::register_mix(1.0);
    world.workload.keys = 1_000;
    world.workload.writes_add = true;
    let world = World::new(world, hooks, nodes, config.controls.clone());
    let promises = match strategy.apply {
        ApplyMode::Idempotent => vec![AnomalyKind::Divergence, AnomalyKind::DuplicateApply],
        ApplyMode::Naive => Vec::new(),
    };
    Box::new(Built { config: config.clone(), world, quiet_max_us: super::DATA_SYNC_QUIET_US, promises })
}

/// The `big-billion-day` node names: the primary, then `slots` replica slots per region
/// (`delhi`, `delhi-2`, …; Mumbai's replicas start at `mumbai-2`), with each slot's region
/// index and whether it serves from the start.
pub fn big_billion_day_nodes(slots: usize) -> Vec<(String, usize, bool)> {
    let mut nodes = vec![("mumbai".to_string(), 0, false)];
    for (region, city) in crate::strategy::scaling::REGIONS.iter().enumerate() {
        let first_suffix = if *city == "mumbai" { 2 } else { 1 };
        for slot in 0..slots {
            let suffix = first_suffix + slot;
            let name = if suffix == 1 { city.to_string() } else { format!("{city}-{suffix}") };
            nodes.push((name, region, slot == 0));
        }
    }
    nodes
}

pub(super) fn big_billion_day_info() -> ScenarioInfo {
    ScenarioInfo {
        id: "big-billion-day",
        lesson: crate::lesson::BIG_BILLION_DAY,
        title: "Big Billion Day: auto-scaling read replicas for a sale",
        title_hi: "Big Billion Day: sale के लिए read replicas का auto-scaling",
        strategy: "primary with read replicas added and removed per region by an auto-scaling controller",
        default_load_ops_s: 300.0,
        knobs: vec![
            KnobSpec {
                name: "scaling",
                label: Text { en: "scaling", hi: "स्केलिंग" },
                values: KnobValues::Choice(Policy::VALUES.to_vec()),
                default: "reactive",
                help: "reactive: scale on observed demand only; prescaled: also provision every region for the forecast sale demand ahead of the sale.",
            },
            KnobSpec {
                name: "sale_at_s",
                label: Text { en: "sale at s", hi: "सेल की शुरुआत (s)" },
                values: KnobValues::Integer { min: 0, max: 3_600 },
                default: "20",
                help: "When the sale starts, in seconds.",
            },
            KnobSpec {
                name: "sale_multiplier",
                label: Text { en: "sale multiplier", hi: "सेल में लोड का गुणक" },
                values: KnobValues::Number { min: 1.0, max: 20.0 },
                default: "10",
                help: "How much the sale multiplies the load (Big Billion Day 2014 saw about 20× normal traffic).",
            },
            KnobSpec {
                name: "snapshot_mb",
                label: Text { en: "snapshot mb", hi: "स्नैपशॉट का आकार (MB)" },
                values: KnobValues::Integer { min: 1, max: 100_000 },
                default: "500",
                help: "Size of the snapshot a new replica restores before it replays the log, in MB (restored at 100 MB/s: 500 MB take 5 s).",
            },
            hour_knob("20"),
        ],
    }
}

pub(super) fn build_big_billion_day(config: &ScenarioConfig, knobs: &Knobs, load: f64) -> Box<dyn Simulation> {
    use crate::control::{Control, TimedControl};
    use crate::strategy::scaling::{self, ScalingConfig, ScalingNode};
    let strategy = ScalingConfig {
        policy: Policy::parse(knobs.raw("scaling")).unwrap_or(Policy::Reactive),
        sale_at_us: knobs.number("sale_at_s") as u64 * 1_000_000,
        sale_multiplier: knobs.number("sale_multiplier"),
        snapshot_bytes: (knobs.number("snapshot_mb") as u64).saturating_mul(1_000_000),
        ..ScalingConfig::default()
    };
    let names = big_billion_day_nodes(strategy.slots_per_region);
    let slots: Vec<(usize, usize, bool)> =
        names.iter().enumerate().skip(1).map(|(index, (_, region, serving))| (index, *region, *serving)).collect();
    let nodes = names
        .iter()
        .enumerate()
        .map(|(index, (name, region, serving))| {
            let city = city_index(scaling::REGIONS[*region]).unwrap_or(0);
            let node = if index == 0 {
                ScalingNode::primary(strategy, &slots)
            } else {
                ScalingNode::replica(strategy, *serving)
            };
            (name.clone(), city, node)
        })
        .collect();
    let hooks =
        StrategyHooks { router: scaling::route, checkers: vec![AnomalyKind::UnreadyRead], params: Default::default() };
    let mut world = world_config(config, knobs, load);
    world.workload.mix = crate::workload::register_mix(0.1);
    let mut controls = config.controls.clone();
    super::add_scenario_control(
        &mut controls,
        TimedControl { at_us: strategy.sale_at_us, control: Control::Load { ops_s: load * strategy.sale_multiplier } },
    );
    let world = World::new(world, hooks, nodes, controls);
    Box::new(Built {
        config: config.clone(),
        world,
        quiet_max_us: QUIESCE_US,
        promises: vec![AnomalyKind::UnreadyRead],
    })
}
