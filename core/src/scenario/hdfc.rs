//! `hdfc`: HDFC's primary in Mumbai and read replicas across India, log shipping with a
//! commit level, read routing and a failover mode to choose.

use super::knobs::{fsync_knob, hour_knob, write_ratio_knob, KnobSpec, KnobValues, Knobs};
use super::{world_config, Built, ScenarioConfig, ScenarioInfo, ScenarioSpec, Simulation, QUIESCE_US};
use crate::bench::EntrySpec;
use crate::check::AnomalyKind;
use crate::engine::{StrategyHooks, World};
use crate::geo::{self, CityId};
use crate::i18n::Text;
use crate::lesson::{text, Expect, LessonAction, LessonStep};
use crate::strategy::log_shipping::{self, CommitMode, FailoverMode, LogShippingConfig, LogShippingNode, ReadRouting};
use crate::vocabulary::Choice;

const COMMIT: KnobSpec = KnobSpec {
    name: "commit",
    label: Text { en: "commit", hi: "कमिट कब" },
    values: KnobValues::Choice(CommitMode::VALUES),
    default: "async",
    help: "When the primary acknowledges: at once, flushing every 200 ms (async, PostgreSQL's asynchronous commit); after its own fsync (local); after one replica has it (semi-sync); or after a majority wrote / flushed / applied it.",
};
const READS: KnobSpec = KnobSpec {
    name: "reads",
    label: Text { en: "reads", hi: "पढ़ना कहाँ से" },
    values: KnobValues::Choice(ReadRouting::VALUES),
    default: "nearest",
    help: "Where reads go: the primary, a random replica, or the nearest replica.",
};
const FAILOVER: KnobSpec = KnobSpec {
    name: "failover",
    label: Text { en: "failover", hi: "फ़ेलओवर" },
    values: KnobValues::Choice(FailoverMode::VALUES),
    default: "auto",
    help: "auto: majority election with leases and epochs; naive: promote on missed heartbeats; manual: wait for an operator.",
};
const REPLICAS: KnobSpec = KnobSpec {
    name: "replicas",
    label: Text { en: "replicas", hi: "रेप्लिका की संख्या" },
    values: KnobValues::Integer { min: 1, max: REPLICA_CITIES.len() as i64 },
    default: "5",
    help: "Replicas, in Delhi, Bangalore, Hyderabad, Chennai, Kolkata, Pune order.",
};
const WRITE_RATIO: KnobSpec = write_ratio_knob("0.4", "Fraction of operations that are writes.");
const HOUR: KnobSpec = hour_knob("10");
const FSYNC_US: KnobSpec =
    fsync_knob("fsync latency in microseconds (NVMe ≈ 250, SSD without power-loss protection ≈ 900).");
const SEMI_SYNC_TIMEOUT_MS: KnobSpec = KnobSpec {
    name: "semi_sync_timeout_ms",
    label: Text { en: "semi sync timeout ms", hi: "semi-sync की समय-सीमा (ms)" },
    values: KnobValues::Integer { min: 1, max: 60_000 },
    default: "1000",
    help: "Semi-sync wait before falling back to async (MySQL's default is 10000).",
};

/// The primary's city.
const PRIMARY_CITY: CityId = geo::MUMBAI;
/// Replica cities, in the order `replicas=N` takes them.
pub const REPLICA_CITIES: &[CityId] =
    &[geo::DELHI, geo::BANGALORE, geo::HYDERABAD, geo::CHENNAI, geo::KOLKATA, geo::PUNE];

/// The registry's row.
pub(super) const SPEC: ScenarioSpec = ScenarioSpec {
    info: ScenarioInfo {
        id: "hdfc",
        lesson: LESSON,
        title: Text {
            en: "HDFC: primary and replicas", hi: "HDFC: प्राइमरी और रेप्लिका"
        },
        strategy: "primary/replica log shipping",
        default_load_ops_s: 1000.0,
        knobs: &[COMMIT, READS, FAILOVER, REPLICAS, WRITE_RATIO, HOUR, FSYNC_US, SEMI_SYNC_TIMEOUT_MS],
    },
    build,
    promise_configs: &[
        &[],
        &[("commit", "on"), ("reads", "primary")],
        &[("commit", "local"), ("failover", "manual"), ("reads", "primary")],
    ],
    bench: &[
        EntrySpec {
            label: "primary/replica, async commit",
            knobs: &[("commit", "async"), ("reads", "nearest")],
            consistency: "eventual: replica reads may be stale; a crash loses the last 200 ms",
        },
        EntrySpec {
            label: "primary/replica, semi-sync",
            knobs: &[("commit", "semi-sync"), ("reads", "nearest")],
            consistency: "one replica has each write; replica reads may be stale",
        },
        EntrySpec {
            label: "primary/replica, quorum sync",
            knobs: &[("commit", "on"), ("reads", "primary")],
            consistency: "majority-durable writes, reads at the primary",
        },
    ],
};

fn build(config: &ScenarioConfig, knobs: &Knobs, load: f64) -> Box<dyn Simulation> {
    let hdfc_config = LogShippingConfig {
        commit: knobs.choice(&COMMIT, CommitMode::parse),
        reads: knobs.choice(&READS, ReadRouting::parse),
        failover: knobs.choice(&FAILOVER, FailoverMode::parse),
        semi_sync_timeout_us: knobs.unsigned(&SEMI_SYNC_TIMEOUT_MS) * 1000,
        ..LogShippingConfig::default()
    };
    let replicas = (knobs.unsigned(&REPLICAS) as usize).clamp(1, REPLICA_CITIES.len());
    let primary = std::iter::once((PRIMARY_CITY, true));
    let replica_cities = REPLICA_CITIES[..replicas].iter().map(|city| (*city, false));
    let nodes = primary
        .chain(replica_cities)
        .map(|(city, primary)| (city.city().id.to_string(), city, LogShippingNode::new(hdfc_config, primary)))
        .collect();
    let router = match hdfc_config.reads {
        ReadRouting::Primary => log_shipping::route_reads_primary,
        ReadRouting::Any => log_shipping::route_reads_any,
        ReadRouting::Nearest => log_shipping::route_reads_nearest,
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
    Box::new(Built { config: config.clone(), world, quiet_max_us: QUIESCE_US, promises: promises(&hdfc_config) })
}

/// What a log-shipping configuration promises under crashes and partitions of single nodes.
pub fn promises(config: &LogShippingConfig) -> Vec<AnomalyKind> {
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

/// `hdfc`: replicas serve stale reads; async commit loses acknowledged writes when the
/// primary dies; quorum commit with reads at the primary keeps both promises.
const LESSON: &[LessonStep] = &[
    LessonStep {
        action: LessonAction::Watch,
        button: text("Play: reads go to the nearest replica", "चलाएँ: रीड सबसे नज़दीकी रेप्लिका पर जाते हैं"),
        watch: text(
            "The stale read badge counts reads that returned an older value than one already acknowledged.",
            "पुराना पढ़ना बैज उन रीड को गिनता है जिन्हें पहले से स्वीकार किए गए मान से पुराना मान मिला।",
        ),
        meaning: text(
            "Replicas apply the primary's log a little later: reading from one is fast and may be behind.",
            "रेप्लिका प्राइमरी का लॉग थोड़ा देर से लागू करती हैं: उनसे पढ़ना तेज़ है पर पीछे हो सकता है।",
        ),
        watch_s: 3,
        speed: 0.1,
        expect: Expect::Shows(AnomalyKind::StaleRead),
    },
    LessonStep {
        action: LessonAction::Crash("mumbai"),
        button: text("Crash Mumbai, the primary, now", "मुंबई (प्राइमरी) को अभी क्रैश करें"),
        watch: text(
            "A replica is elected primary in a new epoch; the lost write count appears the moment it takes over.",
            "एक रेप्लिका नए epoch में प्राइमरी चुनी जाती है; उसके संभालते ही खोया लेखन की गिनती दिखती है।",
        ),
        meaning: text(
            "With async commit Mumbai said \"done\" before any replica had the write: those acknowledged writes are gone.",
            "async commit में मुंबई ने किसी रेप्लिका तक write पहुँचने से पहले \"हो गया\" कहा: वे स्वीकार किए गए write खो गए।",
        ),
        watch_s: 5,
        speed: 0.5,
        expect: Expect::Shows(AnomalyKind::LostWrite),
    },
    LessonStep {
        action: LessonAction::Settings(&[("commit", "on"), ("reads", "primary")]),
        button: text("Switch to quorum commit, reads at the primary", "quorum commit और प्राइमरी से रीड पर जाएँ"),
        watch: text(
            "The run starts again. Writes now wait for a majority's disks; stale reads stay at 0.",
            "रन फिर से शुरू होता है। write अब बहुमत की डिस्क का इंतज़ार करते हैं; पुराना पढ़ना 0 रहते हैं।",
        ),
        meaning: text(
            "Every read is answered by the primary, which has every acknowledged write.",
            "हर रीड का जवाब प्राइमरी देता है, जिसके पास हर स्वीकार किया गया write है।",
        ),
        watch_s: 3,
        speed: 0.1,
        expect: Expect::Holds(AnomalyKind::StaleRead),
    },
    LessonStep {
        action: LessonAction::Crash("mumbai"),
        button: text("Crash Mumbai again", "मुंबई को फिर क्रैश करें"),
        watch: text(
            "The new primary takes over with every acknowledged write: lost writes stay at 0.",
            "नया प्राइमरी हर स्वीकार किए गए write के साथ संभालता है: खोया लेखन 0 रहते हैं।",
        ),
        meaning: text(
            "The price of that promise is latency: each write waited for the round trip to the replicas.",
            "इस वादे की कीमत देरी है: हर write ने रेप्लिका तक आने-जाने का इंतज़ार किया।",
        ),
        watch_s: 5,
        speed: 0.5,
        expect: Expect::Holds(AnomalyKind::LostWrite),
    },
];
