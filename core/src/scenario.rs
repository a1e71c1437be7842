//! Scenarios: the catalogue of what can be run, their knobs, and how to build a world.
//!
//! A scenario is a strategy, a placement of nodes in cities, a workload and knobs. This
//! module validates user input (knob values, loads, seeds) into typed configs and builds a
//! [`Simulation`]; it must not contain protocol logic.

use crate::check::{AnomalyKind, CheckReport, FinalState};
use crate::control::{Control, TimedControl};
use crate::engine::{ControlError, DiskConfig, StrategyHooks, World, WorldConfig};
use crate::geo::city_index;
use crate::history::History;
use crate::i18n::Text;
use crate::metrics::Metrics;
use crate::protocol::{NodeView, Protocol};
use crate::snapshot::Snapshot;
use crate::strategy::hdfc::{self, CommitMode, FailoverMode, HdfcConfig, HdfcNode, ReadRouting};
use crate::workload::{WorkloadConfig, LOAD_OPS_MAX};
use serde::Serialize;
use std::collections::BTreeMap;
use thiserror::Error;

mod operations;
pub use operations::{big_billion_day_nodes, DATA_SYNC_NODES, LAG_MONITOR_NODES};

/// Longest run accepted.
pub const DURATION_MAX_US: u64 = 3_600_000_000;
/// Default run length.
pub const DURATION_DEFAULT_US: u64 = 60_000_000;
/// Time given to a run after the workload stops, for replication to settle: the quiet
/// period every run gets, and the longest it gets unless its configuration needs more.
pub const QUIESCE_US: u64 = 5_000_000;
/// The longest quiet period any configuration may get (gossip every 5 s needs 176 s).
pub const QUIET_MAX_US: u64 = 180_000_000;
/// How often a quiet run checks whether its replicas agree yet.
pub const QUIET_STEP_US: u64 = 100_000;

/// The longest quiet period gossiping warehouses need to agree once the network is whole:
/// every fifth round each reconciles its whole state with the next peer in turn, so within
/// six such cycles (`6 × 5 × gossip interval`) every pair has reconciled; one more cycle
/// and a second of margin cover messages in flight when the workload stopped.
pub fn gossip_quiet_us(gossip_interval_us: u64) -> u64 {
    QUIESCE_US.max(7 * 5 * gossip_interval_us + 1_000_000).min(QUIET_MAX_US)
}

/// The longest quiet period data-sync's consumers may need: a backlog left by load bursts,
/// a projection rebuilt by replaying the whole log, offsets committed every `commit_ms`.
pub const DATA_SYNC_QUIET_US: u64 = 60_000_000;

/// One knob of a scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KnobSpec {
    /// Name, as in `--set NAME=VALUE` and the URL.
    pub name: &'static str,
    /// Its name in words, for the page (English and Hindi).
    #[serde(skip)]
    pub label: Text,
    /// Allowed values: a list, or a numeric range `min..=max`.
    pub values: KnobValues,
    /// Default value.
    pub default: &'static str,
    /// What it does.
    pub help: &'static str,
}

/// Allowed values of a knob.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KnobValues {
    /// One of these strings.
    Choice(Vec<&'static str>),
    /// An integer in a range.
    Integer {
        /// Smallest.
        min: i64,
        /// Largest.
        max: i64,
    },
    /// A number in a range.
    Number {
        /// Smallest.
        min: f64,
        /// Largest.
        max: f64,
    },
}

/// What the catalogue says of a scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioInfo {
    /// Stable id.
    pub id: &'static str,
    /// Title in English.
    pub title: &'static str,
    /// Title in Hindi.
    pub title_hi: &'static str,
    /// The strategy it runs.
    pub strategy: &'static str,
    /// Default offered load.
    pub default_load_ops_s: f64,
    /// Knobs.
    pub knobs: Vec<KnobSpec>,
    /// Its lesson: the steps the page offers a newcomer, each checked by a test.
    #[serde(skip)]
    pub lesson: &'static [crate::lesson::LessonStep],
}

/// Why a scenario could not be built.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ScenarioError {
    /// No scenario has this id.
    #[error("unknown scenario '{0}' (try `replica-lab scenarios`)")]
    UnknownScenario(String),
    /// The scenario has no knob of this name.
    #[error("scenario '{scenario}' has no knob '{knob}'")]
    UnknownKnob {
        /// Scenario id.
        scenario: String,
        /// Knob name.
        knob: String,
    },
    /// A knob value outside its allowed values.
    #[error("bad value '{value}' for knob '{knob}' (allowed: {allowed})")]
    BadKnobValue {
        /// Knob name.
        knob: String,
        /// Value given.
        value: String,
        /// Allowed values.
        allowed: String,
    },
    /// A load outside `0..=LOAD_OPS_MAX` or not a number.
    #[error("bad load {0} (0 to {LOAD_OPS_MAX} ops/s)")]
    BadLoad(f64),
    /// A latency multiplier outside its range.
    #[error("bad latency multiplier {0} (0.1 to 50)")]
    BadLatency(f64),
    /// A duration of zero or beyond the maximum.
    #[error("bad duration (more than 0, at most one hour)")]
    BadDuration,
    /// Replaying a run to the moment asked would take more events than allowed.
    #[error("replaying to {0} µs would take too many events")]
    ReplayTooLong(u64),
}

/// Everything needed to build a run.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioConfig {
    /// Scenario id.
    pub scenario: String,
    /// Seed.
    pub seed: u64,
    /// Offered load; `None` for the scenario's default.
    pub load_ops_s: Option<f64>,
    /// Latency multiplier.
    pub latency_multiplier: f64,
    /// Knob values by name (missing ones take defaults).
    pub knobs: BTreeMap<String, String>,
    /// Scheduled controls (faults).
    pub controls: Vec<TimedControl>,
    /// Cap on the history (the page keeps it lower).
    pub history_ops_max: usize,
    /// Keep the space-time diagram's record (the page does; it only observes).
    pub record_spacetime: bool,
}

impl ScenarioConfig {
    /// Defaults for a scenario and seed.
    pub fn new(scenario: &str, seed: u64) -> Self {
        Self {
            scenario: scenario.to_string(),
            seed,
            load_ops_s: None,
            latency_multiplier: 1.0,
            knobs: BTreeMap::new(),
            controls: Vec::new(),
            history_ops_max: crate::history::HISTORY_OPS_MAX_DEFAULT,
            record_spacetime: false,
        }
    }

    /// Sets a knob (validated when the world is built).
    pub fn with_knob(mut self, name: &str, value: &str) -> Self {
        self.knobs.insert(name.to_string(), value.to_string());
        self
    }

    /// Adds the controls of fault specs (`crash:mumbai@10s`, …) to those already scheduled,
    /// in time order: what `run --fault SPEC…` does. Builds the scenario once to validate it and
    /// learn the node and city ids the specs may name.
    pub fn with_fault_specs(mut self, specs: &[String]) -> Result<Self, ScheduleError> {
        let known = build(self.clone())?.known_ids();
        let known: Vec<&str> = known.iter().map(String::as_str).collect();
        self.controls.extend(crate::control::controls_from_specs(specs, &known)?);
        self.controls.sort_by_key(|timed| timed.at_us);
        Ok(self)
    }
}

/// Why fault specs could not be scheduled on a configuration.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ScheduleError {
    /// The configuration itself is invalid.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// A fault spec is invalid (or names a node the scenario does not have).
    #[error(transparent)]
    Fault(#[from] crate::control::FaultError),
}

/// The catalogue.
pub fn catalogue() -> Vec<ScenarioInfo> {
    vec![
        hdfc_info(),
        upi_info(),
        flipkart_info(),
        neft_info(),
        banking_info(),
        myntra_info(),
        consensus_info(),
        operations::data_sync_info(),
        operations::lag_monitor_info(),
        operations::big_billion_day_info(),
    ]
}

/// One scenario's catalogue entry.
pub fn info(id: &str) -> Option<ScenarioInfo> {
    catalogue().into_iter().find(|info| info.id == id)
}

fn hdfc_info() -> ScenarioInfo {
    ScenarioInfo {
        id: "hdfc",
        lesson: crate::lesson::HDFC,
        title: "HDFC: primary and replicas",
        title_hi: "HDFC: प्राइमरी और रेप्लिका",
        strategy: "primary/replica log shipping",
        default_load_ops_s: 1000.0,
        knobs: vec![
            KnobSpec {
                name: "commit",
                label: Text { en: "commit", hi: "कमिट कब" },
                values: KnobValues::Choice(CommitMode::VALUES.to_vec()),
                default: "async",
                help: "When the primary acknowledges: at once, flushing every 200 ms (async, PostgreSQL's asynchronous commit); after its own fsync (local); after one replica has it (semi-sync); or after a majority wrote / flushed / applied it.",
            },
            KnobSpec {
                name: "reads",
                label: Text { en: "reads", hi: "पढ़ना कहाँ से" },
                values: KnobValues::Choice(ReadRouting::VALUES.to_vec()),
                default: "nearest",
                help: "Where reads go: the primary, a random replica, or the nearest replica.",
            },
            KnobSpec {
                name: "failover",
                label: Text { en: "failover", hi: "फ़ेलओवर" },
                values: KnobValues::Choice(FailoverMode::VALUES.to_vec()),
                default: "auto",
                help: "auto: majority election with leases and epochs; naive: promote on missed heartbeats; manual: wait for an operator.",
            },
            KnobSpec {
                name: "replicas",
                label: Text { en: "replicas", hi: "रेप्लिका की संख्या" },
                values: KnobValues::Integer { min: 1, max: 6 },
                default: "5",
                help: "Replicas, in Delhi, Bangalore, Hyderabad, Chennai, Kolkata, Pune order.",
            },
            KnobSpec {
                name: "write_ratio",
                label: Text { en: "write ratio", hi: "लेखन का अनुपात" },
                values: KnobValues::Number { min: 0.0, max: 1.0 },
                default: "0.4",
                help: "Fraction of operations that are writes.",
            },
            hour_knob("10"),
            KnobSpec {
                name: "fsync_us",
                label: Text { en: "fsync us", hi: "fsync का समय (µs)" },
                values: KnobValues::Integer { min: 10, max: 100_000 },
                default: "250",
                help: "fsync latency in microseconds (NVMe ≈ 250, SSD without power-loss protection ≈ 900).",
            },
            KnobSpec {
                name: "semi_sync_timeout_ms",
                label: Text { en: "semi sync timeout ms", hi: "semi-sync की समय-सीमा (ms)" },
                values: KnobValues::Integer { min: 1, max: 60_000 },
                default: "1000",
                help: "Semi-sync wait before falling back to async (MySQL's default is 10000).",
            },
        ],
    }
}

fn upi_info() -> ScenarioInfo {
    ScenarioInfo {
        id: "upi",
        lesson: crate::lesson::UPI,
        title: "UPI: leaders in three cities",
        title_hi: "UPI: तीन शहरों में लीडर",
        strategy: "multi-leader replication with version vectors",
        default_load_ops_s: 600.0,
        knobs: vec![
            KnobSpec {
                name: "policy",
                label: Text { en: "policy", hi: "नीति" },
                values: KnobValues::Choice(crate::strategy::upi::ConflictPolicy::VALUES.to_vec()),
                default: "lww",
                help: "How concurrent writes to an account are resolved: last writer wins by wall clock; keep siblings until a read merges them; or merge amounts and bounce overdrafts to reconciliation.",
            },
            KnobSpec {
                name: "leaders",
                label: Text { en: "leaders", hi: "लीडरों की संख्या" },
                values: KnobValues::Integer { min: 3, max: 5 },
                default: "3",
                help: "Leaders, in Mumbai, Delhi, Bangalore, Chennai, Kolkata order.",
            },
            KnobSpec {
                name: "skew_ms",
                label: Text { en: "skew ms", hi: "घड़ियों का अंतर (ms)" },
                values: KnobValues::Integer { min: -1000, max: 1000 },
                default: "0",
                help: "How far Mumbai's wall clock runs ahead (negative: behind), in milliseconds.",
            },
            KnobSpec {
                name: "write_ratio",
                label: Text { en: "write ratio", hi: "लेखन का अनुपात" },
                values: KnobValues::Number { min: 0.0, max: 1.0 },
                default: "0.5",
                help: "Fraction of operations that are transfers (the rest are balance reads).",
            },
            KnobSpec {
                name: "accounts",
                label: Text { en: "accounts", hi: "खाते" },
                values: KnobValues::Integer { min: 10, max: 10_000 },
                default: "1000",
                help: "Accounts (Zipf-popular: a few are hot), each starting with ₹5,000.",
            },
            hour_knob("11"),
        ],
    }
}

/// The configurations whose promises a sweep over every scenario (`sweep --scenario all`)
/// checks: each scenario as it starts, and the knob settings its README section promises
/// more of.
pub const PROMISE_CONFIGS: &[(&str, &[(&str, &str)])] = &[
    ("hdfc", &[]),
    ("hdfc", &[("commit", "on"), ("reads", "primary")]),
    ("hdfc", &[("commit", "local"), ("failover", "manual"), ("reads", "primary")]),
    ("consensus", &[]),
    ("upi", &[("policy", "lww")]),
    ("upi", &[("policy", "siblings")]),
    ("upi", &[("policy", "business-rule")]),
    ("flipkart", &[]),
    ("myntra", &[("policy", "reservation")]),
    ("neft-rtgs", &[]),
    ("core-banking", &[]),
    ("data-sync", &[]),
    ("lag-monitor", &[]),
    ("big-billion-day", &[]),
];

/// Leader cities of `upi`, in the order `leaders=N` takes them.
pub const UPI_LEADER_CITIES: [&str; 5] = ["mumbai", "delhi", "bangalore", "chennai", "kolkata"];

fn build_upi(config: &ScenarioConfig, knobs: &Knobs, load: f64) -> Box<dyn Simulation> {
    use crate::protocol::OpKind;
    use crate::strategy::upi::{ConflictPolicy, UpiConfig, UpiNode};
    let policy = ConflictPolicy::parse(knobs.raw("policy")).unwrap_or(ConflictPolicy::Lww);
    let strategy = UpiConfig { policy, accounts: knobs.number("accounts") as u32, ..UpiConfig::default() };
    let transfers = knobs.number("write_ratio");
    let mut world = world_config(config, knobs, load);
    world.workload.keys = strategy.accounts;
    world.workload.mix = vec![(OpKind::Transfer, transfers), (OpKind::Read, 1.0 - transfers)];
    let leaders = (knobs.number("leaders") as usize).clamp(3, UPI_LEADER_CITIES.len());
    let nodes = UPI_LEADER_CITIES[..leaders]
        .iter()
        .map(|city| (city.to_string(), city_index(city).unwrap_or(0), UpiNode::new(strategy, leaders)))
        .collect();
    let hooks = StrategyHooks {
        router: crate::strategy::flipkart::route_nearest,
        checkers: upi_checkers(policy),
        params: Default::default(),
    };
    let mut controls = config.controls.clone();
    let skew_us = knobs.number("skew_ms") as i64 * 1000;
    if skew_us != 0 {
        let skew = Control::Skew { node: "mumbai".to_string(), skew_us };
        add_scenario_control(&mut controls, TimedControl { at_us: 0, control: skew });
    }
    let world = World::new(world, hooks, nodes, controls);
    Box::new(Built { config: config.clone(), world, quiet_max_us: QUIESCE_US, promises: upi_promises(policy) })
}

/// What each conflict policy promises.
pub fn upi_promises(policy: crate::strategy::upi::ConflictPolicy) -> Vec<AnomalyKind> {
    use crate::strategy::upi::ConflictPolicy;
    let mut promises = vec![AnomalyKind::Divergence];
    match policy {
        ConflictPolicy::Lww => promises.push(AnomalyKind::NegativeBalance),
        ConflictPolicy::Siblings => promises.push(AnomalyKind::MoneyNotConserved),
        ConflictPolicy::BusinessRule => promises.extend([AnomalyKind::NegativeBalance, AnomalyKind::MoneyNotConserved]),
    }
    promises
}

/// What each conflict policy is checked for. Last-writer-wins discards are judged from the
/// balances LWW transfers wrote; the merging policies keep every effect, and an effect they
/// lost would show as money not conserved.
pub fn upi_checkers(policy: crate::strategy::upi::ConflictPolicy) -> Vec<AnomalyKind> {
    use crate::strategy::upi::ConflictPolicy;
    let mut checkers = vec![AnomalyKind::NegativeBalance, AnomalyKind::MoneyNotConserved, AnomalyKind::Divergence];
    if policy == ConflictPolicy::Lww {
        checkers.insert(0, AnomalyKind::LwwDiscarded);
    }
    checkers
}

fn flipkart_info() -> ScenarioInfo {
    ScenarioInfo {
        id: "flipkart",
        lesson: crate::lesson::FLIPKART,
        title: "Flipkart: warehouses that never wait",
        title_hi: "Flipkart: गोदाम जो कभी रुकते नहीं",
        strategy: "async replication with CRDTs and gossip",
        default_load_ops_s: 1000.0,
        knobs: vec![
            gossip_knob(),
            KnobSpec {
                name: "fanout",
                label: Text { en: "fanout", hi: "हर दौर में साथी" },
                values: KnobValues::Integer { min: 1, max: 6 },
                default: "2",
                help: "Peers each warehouse gossips with per round.",
            },
            KnobSpec {
                name: "stock",
                label: Text { en: "stock", hi: "स्टॉक" },
                values: KnobValues::Integer { min: 1, max: 10_000 },
                default: "20",
                help: "Units of every item at time zero.",
            },
            KnobSpec {
                name: "order_ratio",
                label: Text { en: "order ratio", hi: "ऑर्डर का अनुपात" },
                values: KnobValues::Number { min: 0.0, max: 1.0 },
                default: "0.3",
                help: "Fraction of operations that are orders (the rest: stock reads, cart changes, restocks, price updates).",
            },
            hour_knob("20"),
        ],
    }
}

/// Hooks of the gossiping warehouses (`flipkart`, `myntra`): nearest routing, and the stock
/// facts the oversell checker needs.
fn warehouse_hooks(strategy: &crate::strategy::flipkart::FlipkartConfig, checkers: Vec<AnomalyKind>) -> StrategyHooks {
    StrategyHooks {
        router: crate::strategy::flipkart::route_nearest,
        checkers,
        params: crate::check::CheckParams {
            initial_stock: strategy.initial_stock,
            restock_units: strategy.restock_units,
            ..Default::default()
        },
    }
}

/// Items in the `flipkart` catalogue (Zipf-popular).
pub const FLIPKART_ITEMS: u32 = 500;

fn build_flipkart(config: &ScenarioConfig, knobs: &Knobs, load: f64) -> Box<dyn Simulation> {
    use crate::protocol::OpKind;
    use crate::strategy::flipkart::{FlipkartConfig, FlipkartNode};
    let strategy = FlipkartConfig {
        gossip_interval_us: knobs.number("gossip_ms") as u64 * 1000,
        fanout: knobs.number("fanout") as usize,
        initial_stock: knobs.number("stock") as u64,
        ..FlipkartConfig::default()
    };
    let orders = knobs.number("order_ratio");
    let rest = 1.0 - orders;
    let mut world = world_config(config, knobs, load);
    world.workload.restock_units = strategy.restock_units;
    world.workload.keys = FLIPKART_ITEMS;
    world.workload.start_hour = knobs.number("hour") as u8;
    world.workload.mix = vec![
        (OpKind::Order, orders),
        (OpKind::Read, rest * 0.6),
        (OpKind::CartAdd, rest * 0.2),
        (OpKind::CartRemove, rest * 0.08),
        (OpKind::Read, rest * 0.04),
        (OpKind::Restock, rest * 0.02),
        (OpKind::SetPrice, rest * 0.06),
    ];
    let cities = crate::geo::CITIES;
    let nodes = cities
        .iter()
        .enumerate()
        .map(|(index, city)| (city.id.to_string(), index, FlipkartNode::new(strategy, cities.len())))
        .collect();
    let hooks = warehouse_hooks(&strategy, vec![AnomalyKind::Divergence, AnomalyKind::Oversell]);
    let world = World::new(world, hooks, nodes, config.controls.clone());
    let quiet_max_us = gossip_quiet_us(strategy.gossip_interval_us);
    Box::new(Built { config: config.clone(), world, quiet_max_us, promises: vec![AnomalyKind::Divergence] })
}

fn myntra_info() -> ScenarioInfo {
    ScenarioInfo {
        id: "myntra",
        lesson: crate::lesson::MYNTRA,
        title: "Myntra: flash sale across regional warehouses",
        title_hi: "Myntra: क्षेत्रीय गोदामों में फ़्लैश सेल",
        strategy: "multi-variant inventory: optimistic counters vs reservations",
        default_load_ops_s: 800.0,
        knobs: vec![
            KnobSpec {
                name: "policy",
                label: Text { en: "policy", hi: "नीति" },
                values: KnobValues::Choice(vec!["optimistic", "reservation"]),
                default: "optimistic",
                help: "optimistic: sell from the local replica at once; reservation: reserve the unit at its owning warehouse first.",
            },
            KnobSpec {
                name: "sale",
                label: Text { en: "sale", hi: "सेल" },
                values: KnobValues::Choice(vec!["on", "off"]),
                default: "on",
                help: "Flash sale: five times the load from 10 s to 30 s.",
            },
            KnobSpec {
                name: "stock",
                label: Text { en: "stock", hi: "स्टॉक" },
                values: KnobValues::Integer { min: 1, max: 1000 },
                default: "5",
                help: "Units of every variant at time zero.",
            },
            gossip_knob(),
            hour_knob("20"),
        ],
    }
}

/// Styles, sizes and colours of the `myntra` catalogue: a variant's key is
/// `style × 20 + size × 4 + colour`.
pub const MYNTRA_STYLES: u32 = 100;
/// Sizes per style (S, M, L, XL, XXL).
pub const MYNTRA_SIZES: u32 = 5;
/// Colours per style.
pub const MYNTRA_COLOURS: u32 = 4;
/// Regional warehouses of `myntra`.
pub const MYNTRA_WAREHOUSES: [&str; 5] = ["mumbai", "delhi", "bangalore", "kolkata", "hyderabad"];
/// When the flash sale starts and ends, and how much it multiplies the load.
pub const MYNTRA_SALE: (u64, u64, f64) = (10_000_000, 30_000_000, 5.0);

fn build_myntra(config: &ScenarioConfig, knobs: &Knobs, load: f64) -> Box<dyn Simulation> {
    use crate::protocol::OpKind;
    use crate::strategy::flipkart::{FlipkartConfig, FlipkartNode, OrderPolicy};
    let policy = if knobs.raw("policy") == "reservation" { OrderPolicy::Reservation } else { OrderPolicy::Optimistic };
    let strategy = FlipkartConfig {
        gossip_interval_us: knobs.number("gossip_ms") as u64 * 1000,
        initial_stock: knobs.number("stock") as u64,
        policy,
        ..FlipkartConfig::default()
    };
    let mut world = world_config(config, knobs, load);
    world.workload.restock_units = strategy.restock_units;
    world.workload.keys = MYNTRA_STYLES * MYNTRA_SIZES * MYNTRA_COLOURS;
    world.workload.zipf_exponent = 1.1;
    world.workload.start_hour = knobs.number("hour") as u8;
    world.workload.mix = vec![
        (OpKind::Order, 0.45),
        (OpKind::Read, 0.40),
        (OpKind::CartAdd, 0.10),
        (OpKind::SetPrice, 0.04),
        (OpKind::Restock, 0.01),
    ];
    let nodes = MYNTRA_WAREHOUSES
        .iter()
        .map(|city| {
            let index = city_index(city).unwrap_or(0);
            (city.to_string(), index, FlipkartNode::new(strategy, MYNTRA_WAREHOUSES.len()))
        })
        .collect();
    let hooks = warehouse_hooks(&strategy, vec![AnomalyKind::Oversell, AnomalyKind::Divergence]);
    let mut controls = config.controls.clone();
    if knobs.raw("sale") == "on" {
        let (start, end, factor) = MYNTRA_SALE;
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

/// Adds a control a knob implies (a sale, a skew) unless the control log being replayed
/// already holds it, keeping the log in time order: replaying a run's own control log must
/// not apply a knob's controls twice.
fn add_scenario_control(controls: &mut Vec<TimedControl>, timed: TimedControl) {
    if controls.contains(&timed) {
        return;
    }
    let position = controls.partition_point(|other| other.at_us <= timed.at_us);
    controls.insert(position, timed);
}

/// The `hour` knob: which cities are in their peak hours.
fn hour_knob(default: &'static str) -> KnobSpec {
    KnobSpec {
        name: "hour",
        label: Text { en: "hour", hi: "दिन का घंटा" },
        values: KnobValues::Integer { min: 0, max: 23 },
        default,
        help: "Hour of day at time zero: cities in their peak hours send three times their share of the load.",
    }
}

/// The `gossip_ms` knob of the gossiping warehouses.
fn gossip_knob() -> KnobSpec {
    KnobSpec {
        name: "gossip_ms",
        label: Text { en: "gossip ms", hi: "गॉसिप का अंतराल (ms)" },
        values: KnobValues::Integer { min: 10, max: 5000 },
        default: "200",
        help: "Interval between gossip rounds, in milliseconds.",
    }
}

fn neft_info() -> ScenarioInfo {
    ScenarioInfo {
        id: "neft-rtgs",
        lesson: crate::lesson::NEFT,
        title: "NEFT/RTGS: two-phase commit between banks",
        title_hi: "NEFT/RTGS: बैंकों के बीच two-phase commit",
        strategy: "two-phase commit with synchronous standbys",
        default_load_ops_s: 300.0,
        knobs: vec![
            KnobSpec {
                name: "fsync_us",
                label: Text { en: "fsync us", hi: "fsync का समय (µs)" },
                values: KnobValues::Integer { min: 10, max: 100_000 },
                default: "250",
                help: "fsync latency in microseconds: every prepare and commit is forced on the bank, its standby and the clearing house.",
            },
            KnobSpec {
                name: "vote_timeout_ms",
                label: Text { en: "vote timeout ms", hi: "वोट की समय-सीमा (ms)" },
                values: KnobValues::Integer { min: 100, max: 60_000 },
                default: "1000",
                help: "How long the clearing house waits for votes before aborting.",
            },
            KnobSpec {
                name: "accounts",
                label: Text { en: "accounts", hi: "खाते" },
                values: KnobValues::Integer { min: 10, max: 100_000 },
                default: "10000",
                help: "Accounts, split between the two banks, each starting with ₹1,00,000.",
            },
            hour_knob("11"),
        ],
    }
}

/// Nodes of `neft-rtgs`, in node-id order: the clearing house, then each bank and its standby.
pub const NEFT_NODES: [(&str, &str); 5] = [
    ("clearing", "mumbai"),
    ("bank-a", "delhi"),
    ("bank-a-standby", "delhi"),
    ("bank-b", "chennai"),
    ("bank-b-standby", "chennai"),
];

/// Each bank of `neft-rtgs` with its synchronous standby (node indices in [`NEFT_NODES`]):
/// once quiet, a standby holds exactly its bank's balances.
pub const NEFT_REPLICA_GROUPS: &[&[usize]] = &[&[1, 2], &[3, 4]];

fn build_neft(config: &ScenarioConfig, knobs: &Knobs, load: f64) -> Box<dyn Simulation> {
    use crate::protocol::OpKind;
    use crate::strategy::neft::{NeftConfig, NeftNode};
    let strategy = NeftConfig {
        accounts: knobs.number("accounts") as u32,
        vote_timeout_us: knobs.number("vote_timeout_ms") as u64 * 1000,
        ..NeftConfig::default()
    };
    let mut world = world_config(config, knobs, load);
    world.workload.keys = strategy.accounts;
    world.workload.banks = strategy.banks as u32;
    world.workload.zipf_exponent = 0.6;
    world.workload.mix = vec![(OpKind::Transfer, 1.0)];
    let nodes = NEFT_NODES
        .iter()
        .enumerate()
        .map(|(index, (name, city))| {
            let node = match index {
                0 => NeftNode::coordinator(strategy),
                odd if odd % 2 == 1 => NeftNode::bank(strategy, (index - 1) / 2),
                _ => NeftNode::standby(strategy, (index - 2) / 2),
            };
            (name.to_string(), city_index(city).unwrap_or(0), node)
        })
        .collect();
    let hooks = StrategyHooks {
        router: crate::strategy::neft::route_coordinator,
        checkers: vec![AnomalyKind::Atomicity, AnomalyKind::MoneyNotConserved, AnomalyKind::Divergence],
        params: crate::check::CheckParams {
            accounts_partitioned: true,
            replica_groups: NEFT_REPLICA_GROUPS,
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

fn banking_info() -> ScenarioInfo {
    ScenarioInfo {
        id: "core-banking",
        lesson: crate::lesson::CORE_BANKING,
        title: "Core banking: WAL, MVCC and recovery",
        title_hi: "Core banking: WAL, MVCC और recovery",
        strategy: "single-node MVCC with WAL, checkpoints and a WAL-shipping standby",
        default_load_ops_s: 500.0,
        knobs: vec![
            KnobSpec {
                name: "checkpoint_ms",
                label: Text { en: "checkpoint ms", hi: "चेकपॉइंट का अंतराल (ms)" },
                values: KnobValues::Integer { min: 100, max: 60_000 },
                default: "5000",
                help: "Interval between checkpoints: longer means less checkpoint work and a longer redo after a crash.",
            },
            KnobSpec {
                name: "fsync_us",
                label: Text { en: "fsync us", hi: "fsync का समय (µs)" },
                values: KnobValues::Integer { min: 10, max: 100_000 },
                default: "250",
                help: "fsync latency in microseconds: every commit waits for one (group commit shares it).",
            },
            KnobSpec {
                name: "statement_us",
                label: Text { en: "statement us", hi: "स्टेटमेंट का समय (µs)" },
                values: KnobValues::Integer { min: 50, max: 50_000 },
                default: "1000",
                help: "Time one statement of a transaction takes: longer transactions overlap more and conflict more.",
            },
            KnobSpec {
                name: "joint_ratio",
                label: Text { en: "joint ratio", hi: "संयुक्त खातों का अनुपात" },
                values: KnobValues::Number { min: 0.0, max: 1.0 },
                default: "0.1",
                help: "Fraction of operations that are joint-account withdrawals (accounts 2i and 2i+1 are held together).",
            },
            KnobSpec {
                name: "accounts",
                label: Text { en: "accounts", hi: "खाते" },
                values: KnobValues::Integer { min: 2, max: 100_000 },
                default: "2000",
                help: "Accounts (Zipf-popular), each starting with ₹50,000.",
            },
            hour_knob("11"),
        ],
    }
}

fn build_banking(config: &ScenarioConfig, knobs: &Knobs, load: f64) -> Box<dyn Simulation> {
    use crate::protocol::OpKind;
    use crate::strategy::banking::{BankingConfig, BankingNode};
    let strategy = BankingConfig {
        accounts: knobs.number("accounts") as u32,
        checkpoint_interval_us: knobs.number("checkpoint_ms") as u64 * 1000,
        statement_us: knobs.number("statement_us") as u64,
        ..BankingConfig::default()
    };
    let joint = knobs.number("joint_ratio");
    let mut world = world_config(config, knobs, load);
    world.workload.keys = strategy.accounts;
    world.workload.mix =
        vec![(OpKind::Read, 0.3 * (1.0 - joint)), (OpKind::Transfer, 0.7 * (1.0 - joint)), (OpKind::Withdraw, joint)];
    let nodes = vec![
        ("primary".to_string(), city_index("mumbai").unwrap_or(0), BankingNode::primary(strategy)),
        ("standby".to_string(), city_index("pune").unwrap_or(0), BankingNode::standby(strategy)),
    ];
    let hooks = StrategyHooks {
        router: crate::strategy::banking::route_primary,
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

fn consensus_info() -> ScenarioInfo {
    ScenarioInfo {
        id: "consensus",
        lesson: crate::lesson::CONSENSUS,
        title: "Consensus: a Raft group across five cities",
        title_hi: "Consensus: पाँच शहरों में एक Raft समूह",
        strategy: "Raft-style replication (majority commit, elections, terms)",
        default_load_ops_s: 500.0,
        knobs: vec![
            KnobSpec {
                name: "election_timeout_ms",
                label: Text { en: "election timeout ms", hi: "चुनाव की समय-सीमा (ms)" },
                values: KnobValues::Integer { min: 150, max: 10_000 },
                default: "1500",
                help: "Silence before a follower stands for election (plus a random fifth); the leader's lease is two thirds of it.",
            },
            KnobSpec {
                name: "fsync_us",
                label: Text { en: "fsync us", hi: "fsync का समय (µs)" },
                values: KnobValues::Integer { min: 10, max: 100_000 },
                default: "250",
                help: "fsync latency in microseconds.",
            },
            KnobSpec {
                name: "write_ratio",
                label: Text { en: "write ratio", hi: "लेखन का अनुपात" },
                values: KnobValues::Number { min: 0.0, max: 1.0 },
                default: "0.5",
                help: "Fraction of operations that are writes (reads go to the leader).",
            },
            hour_knob("10"),
        ],
    }
}

/// The nodes of `consensus`; the first starts as leader.
pub const CONSENSUS_CITIES: [&str; 5] = ["mumbai", "delhi", "bangalore", "chennai", "kolkata"];

fn build_consensus(config: &ScenarioConfig, knobs: &Knobs, load: f64) -> Box<dyn Simulation> {
    let election_timeout_us = knobs.number("election_timeout_ms") as u64 * 1000;
    let raft = HdfcConfig {
        commit: CommitMode::On,
        reads: ReadRouting::Primary,
        failover: FailoverMode::Auto,
        election_timeout_us,
        lease_us: election_timeout_us * 2 / 3,
        naive_timeout_us: election_timeout_us,
        heartbeat_us: (election_timeout_us / 15).clamp(10_000, 100_000),
        ..HdfcConfig::default()
    };
    let nodes = CONSENSUS_CITIES
        .iter()
        .enumerate()
        .map(|(index, city)| (city.to_string(), city_index(city).unwrap_or(0), HdfcNode::new(raft, index == 0)))
        .collect();
    let hooks = StrategyHooks {
        router: hdfc::route_reads_primary,
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
    let mut promises = hdfc_promises(&raft);
    promises.push(AnomalyKind::TwoLeadersSameTerm);
    Box::new(Built { config: config.clone(), world, quiet_max_us: QUIESCE_US, promises })
}

/// Replica cities of `hdfc`, in the order `replicas=N` takes them.
pub const HDFC_REPLICA_CITIES: [&str; 6] = ["delhi", "bangalore", "hyderabad", "chennai", "kolkata", "pune"];

/// Validated knob values of one scenario.
struct Knobs<'a> {
    scenario: &'a ScenarioInfo,
    given: &'a BTreeMap<String, String>,
}

impl<'a> Knobs<'a> {
    fn new(scenario: &'a ScenarioInfo, given: &'a BTreeMap<String, String>) -> Result<Self, ScenarioError> {
        for (name, value) in given {
            let spec = scenario
                .knobs
                .iter()
                .find(|k| k.name == name)
                .ok_or_else(|| ScenarioError::UnknownKnob { scenario: scenario.id.to_string(), knob: name.clone() })?;
            validate_knob(spec, value)?;
        }
        Ok(Self { scenario, given })
    }

    fn raw(&self, name: &str) -> &str {
        self.given
            .get(name)
            .map(String::as_str)
            .unwrap_or_else(|| self.scenario.knobs.iter().find(|k| k.name == name).map_or("", |k| k.default))
    }

    fn number(&self, name: &str) -> f64 {
        self.number_or(name, 0.0)
    }

    /// The knob's number, or `fallback` for a scenario without that knob.
    fn number_or(&self, name: &str, fallback: f64) -> f64 {
        self.raw(name).parse().unwrap_or(fallback)
    }
}

/// Checks one knob value against its spec.
pub fn validate_knob(spec: &KnobSpec, value: &str) -> Result<(), ScenarioError> {
    let bad = |allowed: String| ScenarioError::BadKnobValue {
        knob: spec.name.to_string(),
        value: value.to_string(),
        allowed,
    };
    match &spec.values {
        KnobValues::Choice(choices) => {
            if choices.contains(&value) {
                Ok(())
            } else {
                Err(bad(choices.join(", ")))
            }
        }
        KnobValues::Integer { min, max } => match value.parse::<i64>() {
            Ok(v) if (*min..=*max).contains(&v) => Ok(()),
            _ => Err(bad(format!("an integer from {min} to {max}"))),
        },
        KnobValues::Number { min, max } => match value.parse::<f64>() {
            Ok(v) if v.is_finite() && (*min..=*max).contains(&v) => Ok(()),
            _ => Err(bad(format!("a number from {min} to {max}"))),
        },
    }
}

/// A running simulation, whatever its strategy: what front ends need.
pub trait Simulation {
    /// Scenario config it was built from.
    fn config(&self) -> &ScenarioConfig;
    /// Current simulated time.
    fn now_us(&self) -> u64;
    /// Handles one event.
    fn step(&mut self) -> bool;
    /// Runs to `t_us`.
    fn run_until(&mut self, t_us: u64);
    /// Runs to `t_us` handling at most `events_max` events; whether it got there.
    fn run_until_bounded(&mut self, t_us: u64, events_max: u64) -> bool;
    /// Applies a control now.
    fn apply(&mut self, control: Control) -> Result<(), ControlError>;
    /// The control log.
    fn control_log(&self) -> &[TimedControl];
    /// A view model with at most `glyphs_max` messages.
    fn snapshot(&self, glyphs_max: usize) -> Snapshot;
    /// Node views.
    fn views(&self) -> Vec<NodeView>;
    /// Trace digest so far.
    fn digest(&self) -> u64;
    /// The digest as reports and trace files write it (16 hex digits).
    fn digest_text(&self) -> String;
    /// Events handled.
    fn events(&self) -> u64;
    /// The history.
    fn history(&self) -> &History;
    /// The metrics.
    fn metrics(&self) -> &Metrics;
    /// Node ids.
    fn node_names(&self) -> Vec<String>;
    /// Node and city ids controls may name.
    fn known_ids(&self) -> Vec<String>;
    /// Stops new operations.
    fn stop_workload(&mut self);
    /// When the workload was stopped, if it was.
    fn workload_stopped_us(&self) -> Option<u64>;
    /// The final state.
    fn final_state(&self) -> FinalState;
    /// Runs the checkers.
    fn check(&self, final_state: Option<&FinalState>) -> CheckReport;
    /// Runs the checkers that need no quiescence on the run so far; also returns the
    /// current state.
    fn check_live(&self) -> (CheckReport, FinalState);
    /// The checkers that apply.
    fn checkers(&self) -> Vec<AnomalyKind>;
    /// The configuration facts the checkers are given.
    fn check_params(&self) -> crate::check::CheckParams;
    /// The checkers a live check runs (the others wait for a quiet run).
    fn live_checkers(&self) -> Vec<AnomalyKind>;
    /// The anomalies this configuration promises never to show.
    fn promises(&self) -> Vec<AnomalyKind>;
    /// Offered load now.
    fn load_ops_s(&self) -> f64;
    /// Time from the end of the workload until the replicas agreed, if they have.
    fn time_to_converge_us(&self) -> Option<u64>;
    /// The longest quiet period this configuration may need before its replicas agree:
    /// a quiet run lasts [`QUIESCE_US`], and while the replicas still disagree, up to this.
    fn quiet_max_us(&self) -> u64;
    /// Whether any node measures a replication lag.
    fn measures_lag(&self) -> bool;
    /// The lag monitor, for scenarios that watch their nodes.
    fn monitor(&self) -> Option<&crate::monitor::Monitor>;
    /// The space-time diagram's record, when the run keeps one.
    fn spacetime(&self) -> Option<&crate::spacetime::Recorder>;
    /// The auto-scaling controller's record so far (big-billion-day).
    fn scaling(&self) -> Option<crate::self_report::ScalingLog>;
}

struct Built<P: Protocol> {
    config: ScenarioConfig,
    world: World<P>,
    /// The longest quiet period this configuration may need (see [`Simulation::quiet_max_us`]).
    quiet_max_us: u64,
    promises: Vec<AnomalyKind>,
}

impl<P: Protocol> Simulation for Built<P> {
    fn config(&self) -> &ScenarioConfig {
        &self.config
    }
    fn now_us(&self) -> u64 {
        self.world.now_us()
    }
    fn step(&mut self) -> bool {
        self.world.step()
    }
    fn run_until(&mut self, t_us: u64) {
        self.world.run_until(t_us)
    }
    fn run_until_bounded(&mut self, t_us: u64, events_max: u64) -> bool {
        self.world.run_until_bounded(t_us, events_max)
    }
    fn apply(&mut self, control: Control) -> Result<(), ControlError> {
        self.world.apply(control)
    }
    fn control_log(&self) -> &[TimedControl] {
        self.world.control_log()
    }
    fn snapshot(&self, glyphs_max: usize) -> Snapshot {
        self.world.snapshot(glyphs_max)
    }
    fn views(&self) -> Vec<NodeView> {
        self.world.views()
    }
    fn digest(&self) -> u64 {
        self.world.digest()
    }
    fn digest_text(&self) -> String {
        self.world.digest_text()
    }
    fn events(&self) -> u64 {
        self.world.events()
    }
    fn history(&self) -> &History {
        self.world.history()
    }
    fn metrics(&self) -> &Metrics {
        self.world.metrics()
    }
    fn node_names(&self) -> Vec<String> {
        self.world.nodes().iter().map(|slot| slot.name.clone()).collect()
    }
    fn known_ids(&self) -> Vec<String> {
        self.world.known_ids()
    }
    fn stop_workload(&mut self) {
        self.world.stop_workload()
    }
    fn final_state(&self) -> FinalState {
        self.world.final_state()
    }
    fn check(&self, final_state: Option<&FinalState>) -> CheckReport {
        self.world.check(final_state)
    }
    fn check_live(&self) -> (CheckReport, FinalState) {
        self.world.check_live()
    }
    fn checkers(&self) -> Vec<AnomalyKind> {
        self.world.checkers().to_vec()
    }
    fn check_params(&self) -> crate::check::CheckParams {
        self.world.check_params()
    }
    fn live_checkers(&self) -> Vec<AnomalyKind> {
        self.world.live_checkers()
    }
    fn promises(&self) -> Vec<AnomalyKind> {
        self.promises.clone()
    }
    fn load_ops_s(&self) -> f64 {
        self.world.workload().load_ops_s
    }
    fn time_to_converge_us(&self) -> Option<u64> {
        self.world.time_to_converge_us()
    }
    fn quiet_max_us(&self) -> u64 {
        self.quiet_max_us.clamp(QUIESCE_US, QUIET_MAX_US)
    }
    fn workload_stopped_us(&self) -> Option<u64> {
        self.world.workload_stopped_us()
    }
    fn monitor(&self) -> Option<&crate::monitor::Monitor> {
        self.world.monitor()
    }
    fn spacetime(&self) -> Option<&crate::spacetime::Recorder> {
        self.world.spacetime()
    }
    fn scaling(&self) -> Option<crate::self_report::ScalingLog> {
        let now = self.world.now_us();
        self.world.nodes().first()?.protocol.scaling_log(now).filter(crate::self_report::ScalingLog::is_controller)
    }
    fn measures_lag(&self) -> bool {
        self.world.measures_lag()
    }
}

/// Builds a simulation from a config, validating every input.
pub fn build(config: ScenarioConfig) -> Result<Box<dyn Simulation>, ScenarioError> {
    let info = info(&config.scenario).ok_or_else(|| ScenarioError::UnknownScenario(config.scenario.clone()))?;
    let load = config.load_ops_s.unwrap_or(info.default_load_ops_s);
    if !(load.is_finite() && (0.0..=LOAD_OPS_MAX).contains(&load)) {
        return Err(ScenarioError::BadLoad(load));
    }
    let latency = config.latency_multiplier;
    if !(latency.is_finite() && (0.1..=50.0).contains(&latency)) {
        return Err(ScenarioError::BadLatency(latency));
    }
    let knobs = Knobs::new(&info, &config.knobs)?;
    match info.id {
        "hdfc" => Ok(build_hdfc(&config, &knobs, load)),
        "upi" => Ok(build_upi(&config, &knobs, load)),
        "consensus" => Ok(build_consensus(&config, &knobs, load)),
        "neft-rtgs" => Ok(build_neft(&config, &knobs, load)),
        "core-banking" => Ok(build_banking(&config, &knobs, load)),
        "flipkart" => Ok(build_flipkart(&config, &knobs, load)),
        "myntra" => Ok(build_myntra(&config, &knobs, load)),
        "lag-monitor" => Ok(operations::build_lag_monitor(&config, &knobs, load)),
        "data-sync" => Ok(operations::build_data_sync(&config, &knobs, load)),
        "big-billion-day" => Ok(operations::build_big_billion_day(&config, &knobs, load)),
        other => Err(ScenarioError::UnknownScenario(other.to_string())),
    }
}

fn world_config(config: &ScenarioConfig, knobs: &Knobs, load: f64) -> WorldConfig {
    WorldConfig {
        seed: config.seed,
        workload: WorkloadConfig {
            load_ops_s: load,
            mix: crate::workload::register_mix(knobs.number_or("write_ratio", 0.4)),
            start_hour: knobs.number_or("hour", 10.0) as u8,
            ..WorkloadConfig::default()
        },
        latency_multiplier: config.latency_multiplier,
        disk: DiskConfig { fsync_us: knobs.number_or("fsync_us", 250.0) as u64, ..DiskConfig::default() },
        history_ops_max: config.history_ops_max,
        record_spacetime: config.record_spacetime,
        ..WorldConfig::default()
    }
}

fn build_hdfc(config: &ScenarioConfig, knobs: &Knobs, load: f64) -> Box<dyn Simulation> {
    let hdfc_config = HdfcConfig {
        commit: CommitMode::parse(knobs.raw("commit")).unwrap_or(CommitMode::Async),
        reads: ReadRouting::parse(knobs.raw("reads")).unwrap_or(ReadRouting::Nearest),
        failover: FailoverMode::parse(knobs.raw("failover")).unwrap_or(FailoverMode::Auto),
        semi_sync_timeout_us: knobs.number("semi_sync_timeout_ms") as u64 * 1000,
        ..HdfcConfig::default()
    };
    let replicas = (knobs.number("replicas") as usize).clamp(1, HDFC_REPLICA_CITIES.len());
    let mut nodes = vec![("mumbai".to_string(), 0, HdfcNode::new(hdfc_config, true))];
    for city in &HDFC_REPLICA_CITIES[..replicas] {
        let index = city_index(city).unwrap_or(0);
        nodes.push((city.to_string(), index, HdfcNode::new(hdfc_config, false)));
    }
    let router = match hdfc_config.reads {
        ReadRouting::Primary => hdfc::route_reads_primary,
        ReadRouting::Any => hdfc::route_reads_any,
        ReadRouting::Nearest => hdfc::route_reads_nearest,
    };
    let hooks = StrategyHooks {
        router,
        checkers: vec![
            AnomalyKind::StaleRead,
            AnomalyKind::LostWrite,
            AnomalyKind::ReadYourWrites,
            AnomalyKind::MonotonicRead,
            AnomalyKind::SplitBrain,
            AnomalyKind::Nonlinearizable,
        ],
        params: Default::default(),
    };
    let world = World::new(world_config(config, knobs, load), hooks, nodes, config.controls.clone());
    Box::new(Built { config: config.clone(), world, quiet_max_us: QUIESCE_US, promises: hdfc_promises(&hdfc_config) })
}

/// What an hdfc configuration promises under crashes and partitions of single nodes.
pub fn hdfc_promises(config: &HdfcConfig) -> Vec<AnomalyKind> {
    let mut promises = Vec::new();
    if config.failover != FailoverMode::Naive {
        promises.push(AnomalyKind::SplitBrain);
    }
    let durable = match config.failover {
        FailoverMode::Manual => config.commit != CommitMode::Async,
        FailoverMode::Auto => matches!(config.commit, CommitMode::On | CommitMode::RemoteApply),
        FailoverMode::Naive => false,
    };
    if durable {
        promises.push(AnomalyKind::LostWrite);
        if config.reads == ReadRouting::Primary {
            promises.extend([
                AnomalyKind::StaleRead,
                AnomalyKind::ReadYourWrites,
                AnomalyKind::MonotonicRead,
                AnomalyKind::Nonlinearizable,
            ]);
        }
    }
    promises
}
