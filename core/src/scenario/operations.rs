//! The operations scenarios: `lag-monitor` (the seed's lag monitor), `data-sync` (WAL
//! shipping, change data capture, event sourcing) and `big-billion-day` (auto-scaling).
//!
//! Like the rest of [`crate::scenario`], this module places nodes, chooses workloads and
//! knobs; it must not contain protocol logic.

use super::{hour_knob, world_config, Built, KnobSpec, KnobValues, Knobs, ScenarioConfig, ScenarioInfo, Simulation};
use crate::check::AnomalyKind;
use crate::engine::{StrategyHooks, World};
use crate::geo::city_index;
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
        title: "Lag monitor: regional SLAs, health and alerts",
        title_hi: "Lag monitor: क्षेत्रीय SLA, health और alerts",
        strategy: "primary/replica log shipping, watched by an SLA monitor",
        narrative: "A bank's primary in Mumbai ships its log to a second Mumbai replica and to Delhi, Bangalore, Hyderabad, Chennai \
and Kolkata. A monitor in Mumbai probes every node each second and applies the seed's SLA: replication lag above 100 ms in Mumbai \
or 200 ms elsewhere is critical, more than 1 % failed answers is too many, a CPU above 80 % or a connection pool above 90 % is \
exhausted; three missed heartbeats mean a node is down. An alert is raised only after three breaching samples in a row and \
cleared only after five samples comfortably (20 %) below the threshold, so it cannot flap. Drag the latency slider to 4×: each \
replica can have only so much log in flight, so the far regions fall behind and go critical while Mumbai stays healthy; bring it \
back to 1× and the alerts clear. Crash a replica and its region goes down.",
        narrative_hi: "बैंक का मुंबई वाला primary अपना log मुंबई की दूसरी replica और दिल्ली, बेंगलुरु, हैदराबाद, चेन्नई, कोलकाता को भेजता है। \
मुंबई का एक monitor हर सेकंड हर node को जाँचता है और seed का SLA लगाता है: मुंबई में 100 ms और बाकी जगह 200 ms से ज़्यादा replication lag \
critical है, 1 % से ज़्यादा failed जवाब बहुत हैं, 80 % से ऊपर CPU या 90 % से ऊपर connection pool थकावट है; लगातार तीन heartbeat न मिलें तो node \
down है। alert तभी उठता है जब लगातार तीन samples सीमा पार करें, और तभी हटता है जब पाँच samples सीमा से आराम से (20 %) नीचे हों, इसलिए वह \
बार-बार नहीं झपकता। latency slider को 4× करें: हर replica के रास्ते में log की एक सीमा ही हो सकती है, इसलिए दूर के क्षेत्र पीछे छूटते हैं और \
critical हो जाते हैं जबकि मुंबई ठीक रहता है; 1× पर लौटाएँ तो alerts हट जाते हैं। किसी replica को crash करें तो उसका क्षेत्र down दिखता है।",
        default_load_ops_s: 1000.0,
        knobs: vec![
            KnobSpec {
                name: "write_ratio",
                values: KnobValues::Number { min: 0.0, max: 1.0 },
                default: "0.5",
                help: "Fraction of operations that are writes (reads go to the nearest replica).",
            },
            KnobSpec {
                name: "window_entries",
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
    Box::new(Built { config: config.clone(), world, promises: vec![AnomalyKind::SplitBrain] })
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
        title: "Data sync: WAL shipping, change data capture, event sourcing",
        title_hi: "Data sync: WAL shipping, change data capture, event sourcing",
        strategy: "one source log read three ways: WAL shipping, CDC with offsets, event-sourced projection",
        narrative: "Orders land in a source database in Mumbai; each adds an amount to a product's counter and is appended to \
one ordered log. Three consumers follow the log three ways. The cache in Delhi is a physical replica: the source ships it WAL \
records and it replays them by position, so a record it already has is recognised and skipped. The search index in Bangalore \
reads a change stream: it fetches from an offset, applies, and commits its offset every second. Crash it and it resumes from the \
committed offset, so the changes since are delivered again — with apply=idempotent it stores its offset with its data and \
skips them; with apply=naive it counts them twice and no longer matches the source. The analytics store in Hyderabad is an \
event-sourced projection held in memory with a snapshot every few thousand events: crash it and watch it rebuild by replaying \
the events after its last snapshot (snapshot_every=0 replays the whole log).",
        narrative_hi: "orders मुंबई के source database में आते हैं; हर order किसी product के counter में एक रकम जोड़ता है और एक क्रमबद्ध log में \
लिखा जाता है। तीन consumers इस log को तीन तरह से पढ़ते हैं। दिल्ली का cache एक physical replica है: source उसे WAL records भेजता है और वह \
उन्हें position से दोहराता है, इसलिए जो record उसके पास पहले से है उसे पहचानकर छोड़ देता है। बेंगलुरु का search index change stream पढ़ता है: \
वह एक offset से records लेता है, apply करता है, और हर सेकंड अपना offset commit करता है। उसे crash करें तो वह commit किए offset से फिर शुरू \
करता है, इसलिए उसके बाद के changes दोबारा आते हैं — apply=idempotent में वह offset को data के साथ रखता है और उन्हें छोड़ देता है; apply=naive \
में वह उन्हें दो बार गिनता है और source से मेल नहीं खाता। हैदराबाद का analytics store memory में रखा event-sourced projection है जिसका हर \
कुछ हज़ार events पर snapshot बनता है: उसे crash करें और देखें कि वह आख़िरी snapshot के बाद के events दोहराकर फिर बनता है \
(snapshot_every=0 पूरा log दोहराता है)।",
        default_load_ops_s: 300.0,
        knobs: vec![
            KnobSpec {
                name: "apply",
                values: KnobValues::Choice(ApplyMode::VALUES.to_vec()),
                default: "idempotent",
                help: "How the search index applies the change stream: idempotent (offset stored with the data; a change it has is skipped) or naive (applies whatever it is given).",
            },
            KnobSpec {
                name: "commit_ms",
                values: KnobValues::Integer { min: 10, max: 60_000 },
                default: "1000",
                help: "Interval between the search index's offset commits: longer means more changes delivered again after a crash.",
            },
            KnobSpec {
                name: "snapshot_every",
                values: KnobValues::Integer { min: 0, max: 1_000_000 },
                default: "5000",
                help: "Events between two snapshots of the analytics projection (0: never; a rebuild replays the whole log).",
            },
            KnobSpec {
                name: "replay_us",
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
    let world = World::new(world, hooks, nodes, config.controls.clone());
    let promises = match strategy.apply {
        ApplyMode::Idempotent => vec![AnomalyKind::Divergence, AnomalyKind::DuplicateApply],
        ApplyMode::Naive => Vec::new(),
    };
    Box::new(Built { config: config.clone(), world, promises })
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
        title: "Big Billion Day: auto-scaling read replicas for a sale",
        title_hi: "Big Billion Day: sale के लिए read replicas का auto-scaling",
        strategy: "primary with read replicas added and removed per region by an auto-scaling controller",
        narrative: "Shoppers in every region browse the catalogue on read replicas; orders go to the primary in Mumbai. At the \
sale (20 s by default) the load jumps tenfold. The controller watches each region's reads per second and keeps enough replicas \
for 70 % utilisation — but a new replica must first restore a snapshot and replay the log before it may serve, which takes \
seconds. With scaling=reactive the controller only sees the sale when it arrives: queues fill, reads slow down and are \
refused, and the SLA (95 % of reads within 200 ms, under 2 % errors) is violated until the new replicas are ready. With \
scaling=prescaled it provisions each region for the forecast sale demand fifteen seconds ahead: it pays for replicas \
before they are needed and violates far less. Regions cost differently (Mumbai and Delhi 1.0, Chennai 0.95, Bangalore 0.9, \
Kolkata 0.85 per replica-hour); the report compares cost with SLA minutes for both policies.",
        narrative_hi: "हर क्षेत्र के खरीदार read replicas पर catalogue देखते हैं; orders मुंबई के primary पर जाते हैं। sale पर (default 20 s) \
load दस गुना हो जाता है। controller हर क्षेत्र के reads प्रति सेकंड देखता है और 70 % utilisation के लिए काफ़ी replicas रखता है — पर नई replica \
को serve करने से पहले snapshot restore करना और log दोहराना होता है, जिसमें सेकंड लगते हैं। scaling=reactive में controller sale को तभी देखता \
है जब वह आ जाती है: queues भरती हैं, reads धीमे होते हैं और refuse होते हैं, और SLA (95 % reads 200 ms में, 2 % से कम errors) तब तक टूटता है \
जब तक नई replicas तैयार न हों। scaling=prescaled में वह हर क्षेत्र को अनुमानित sale demand के लिए पंद्रह सेकंड पहले तैयार करता है: ज़रूरत से \
पहले replicas का पैसा देता है और SLA बहुत कम टूटता है। क्षेत्रों की कीमत अलग है (मुंबई और दिल्ली 1.0, चेन्नई 0.95, बेंगलुरु 0.9, कोलकाता 0.85 \
प्रति replica-hour); report दोनों policies के लिए cost और SLA minutes की तुलना करता है।",
        default_load_ops_s: 300.0,
        knobs: vec![
            KnobSpec {
                name: "scaling",
                values: KnobValues::Choice(Policy::VALUES.to_vec()),
                default: "reactive",
                help: "reactive: scale on observed demand only; prescaled: also provision every region for the forecast sale demand ahead of the sale.",
            },
            KnobSpec {
                name: "sale_at_s",
                values: KnobValues::Integer { min: 0, max: 3_600 },
                default: "20",
                help: "When the sale starts, in seconds.",
            },
            KnobSpec {
                name: "sale_multiplier",
                values: KnobValues::Number { min: 1.0, max: 20.0 },
                default: "10",
                help: "How much the sale multiplies the load (Big Billion Day 2014 saw about 20× normal traffic).",
            },
            KnobSpec {
                name: "snapshot_mb",
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
    Box::new(Built { config: config.clone(), world, promises: vec![AnomalyKind::UnreadyRead] })
}
