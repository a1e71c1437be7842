//! `irctc-tatkal`: seat availability during the 10:00 Tatkal rush, kept by leaderless
//! (Dynamo-style) quorum replication in six cities: any node coordinates the requests of the
//! clients nearest it; every train's seat chart lives on `n` nodes; reads wait for `r`
//! answers and writes for `w`.

use super::knobs::{hour_knob, write_ratio_knob, KnobSpec, KnobValues, Knobs, SKEW_MS};
use super::{add_scenario_control, world_config, Built, ScenarioConfig, ScenarioInfo, ScenarioSpec, Simulation};
use crate::bench::EntrySpec;
use crate::check::{AnomalyKind, CheckParams};
use crate::control::{Control, TimedControl};
use crate::engine::{StrategyHooks, World};
use crate::geo::{self, CityId};
use crate::i18n::Text;
use crate::lesson::{text, Expect, LessonAction, LessonStep};
use crate::protocol::OpKind;
use crate::strategy::leaderless::{QuorumConfig, QuorumNode, Versioning};
use crate::vocabulary::Choice;
use crate::vocabulary::Ring;

/// The cities on the ring, in ring order.
pub const RING_CITIES: &[CityId] =
    &[geo::MUMBAI, geo::DELHI, geo::BANGALORE, geo::CHENNAI, geo::KOLKATA, geo::HYDERABAD];

const REPLICAS_MAX: i64 = RING_CITIES.len() as i64 - 1;

const N: KnobSpec = KnobSpec {
    name: "n",
    label: Text { en: "n (copies)", hi: "n (प्रतियाँ)" },
    values: KnobValues::Integer { min: 1, max: REPLICAS_MAX },
    default: "3",
    help: "Copies of every train's seat chart: the nodes that follow its position on the ring.",
};
const R: KnobSpec = KnobSpec {
    name: "r",
    label: Text { en: "r (read quorum)", hi: "r (रीड कोरम)" },
    values: KnobValues::Integer { min: 1, max: REPLICAS_MAX },
    default: "1",
    help: "Answers a read waits for (at most n: a larger value counts as n).",
};
const W: KnobSpec = KnobSpec {
    name: "w",
    label: Text { en: "w (write quorum)", hi: "w (राइट कोरम)" },
    values: KnobValues::Integer { min: 1, max: REPLICAS_MAX },
    default: "1",
    help: "Acknowledgements a write waits for (at most n: a larger value counts as n).",
};
const SLOPPY: KnobSpec = KnobSpec {
    name: "sloppy",
    label: Text { en: "sloppy quorum", hi: "ढीला कोरम" },
    values: KnobValues::Choice(&["on", "off"]),
    default: "on",
    help: "on: a replica that does not answer is replaced by the next healthy node, which keeps the write as a hint and hands it off later; off: only the key's own replicas count.",
};
const READ_REPAIR: KnobSpec = KnobSpec {
    name: "read_repair",
    label: Text { en: "read repair", hi: "रीड रिपेयर" },
    values: KnobValues::Choice(&["on", "off"]),
    default: "on",
    help: "Send the newest versions a read found to the replicas that answered with older ones.",
};
const VERSIONS: KnobSpec = KnobSpec {
    name: "versions",
    label: Text { en: "versions", hi: "संस्करण" },
    values: KnobValues::Choice(Versioning::VALUES),
    default: "lww",
    help: "vv: version vectors keep concurrent writes as siblings (a write reads its context first); lww: the highest wall-clock stamp wins and the other write is discarded.",
};
const ANTI_ENTROPY_MS: KnobSpec = KnobSpec {
    name: "anti_entropy_ms",
    label: Text { en: "anti-entropy ms", hi: "एंटी-एंट्रॉपी (ms)" },
    values: KnobValues::Integer { min: 100, max: 10_000 },
    default: "1000",
    help: "Interval between Merkle-tree comparisons with the next replica in turn.",
};
const WRITE_RATIO: KnobSpec =
    write_ratio_knob("0.3", "Fraction of operations that update a seat chart (the rest check availability).");
const TRAINS: KnobSpec = KnobSpec {
    name: "trains",
    label: Text { en: "trains", hi: "ट्रेनें" },
    values: KnobValues::Integer { min: 10, max: 5000 },
    default: "200",
    help: "Trains (Zipf-popular: a few are what everyone books), each with one seat chart.",
};
const HOUR: KnobSpec = hour_knob("10");

/// The registry's row.
pub(super) const SPEC: ScenarioSpec = ScenarioSpec {
    info: ScenarioInfo {
        id: "irctc-tatkal",
        lesson: LESSON,
        title: Text {
            en: "IRCTC Tatkal: quorums without a leader", hi: "IRCTC तत्काल: बिना लीडर के कोरम"
        },
        strategy: "leaderless replication with quorums (Dynamo-style)",
        default_load_ops_s: 400.0,
        knobs: &[N, R, W, SLOPPY, READ_REPAIR, VERSIONS, SKEW_MS, ANTI_ENTROPY_MS, WRITE_RATIO, TRAINS, HOUR],
    },
    build,
    promise_configs: &[&[], &[("versions", "vv")], &[("versions", "vv"), ("r", "2"), ("w", "2"), ("sloppy", "off")]],
    bench: &[
        EntrySpec {
            label: "leaderless, r = w = 1",
            knobs: &[("r", "1"), ("w", "1")],
            consistency: "eventual: reads miss acknowledged writes",
        },
        EntrySpec {
            label: "leaderless, r = w = quorum",
            knobs: &[("r", "2"), ("w", "2")],
            consistency: "overlapping quorums: fresh reads without faults, not linearizable under them",
        },
    ],
};

fn build(config: &ScenarioConfig, knobs: &Knobs, load: f64) -> Box<dyn Simulation> {
    let strategy = strategy(knobs);
    let updates = knobs.number(&WRITE_RATIO);
    let mut world = world_config(config, knobs, load);
    world.workload.keys = knobs.unsigned(&TRAINS) as u32;
    world.workload.mix = vec![(OpKind::Write, updates), (OpKind::Read, 1.0 - updates)];
    let names: Vec<String> = RING_CITIES.iter().map(|city| city.city().id.to_string()).collect();
    let nodes = RING_CITIES
        .iter()
        .zip(&names)
        .map(|(city, name)| (name.clone(), *city, QuorumNode::new(strategy, names.clone())))
        .collect();
    let hooks = StrategyHooks {
        router: crate::strategy::crdt_gossip::route_nearest,
        checkers: vec![
            AnomalyKind::StaleRead,
            AnomalyKind::ReadYourWrites,
            AnomalyKind::MonotonicRead,
            AnomalyKind::LostWrite,
            AnomalyKind::Divergence,
            AnomalyKind::Nonlinearizable,
        ],
        params: CheckParams { placement: Some(strategy.ring), ..CheckParams::default() },
    };
    let mut controls = config.controls.clone();
    let skew_us = knobs.integer(&SKEW_MS) * 1000;
    if skew_us != 0 {
        let skew = Control::Skew { node: names[0].clone(), skew_us };
        add_scenario_control(&mut controls, TimedControl { at_us: 0, control: skew });
    }
    let world = World::new(world, hooks, nodes, controls);
    let quiet_max_us = quiet_us(&strategy);
    Box::new(Built { config: config.clone(), world, quiet_max_us, promises: promises(&strategy) })
}

fn strategy(knobs: &Knobs) -> QuorumConfig {
    let replicas = knobs.unsigned(&N) as u32;
    QuorumConfig {
        ring: Ring { nodes: RING_CITIES.len() as u32, replicas },
        read_quorum: (knobs.unsigned(&R) as usize).min(replicas as usize),
        write_quorum: (knobs.unsigned(&W) as usize).min(replicas as usize),
        sloppy: knobs.on(&SLOPPY),
        read_repair: knobs.on(&READ_REPAIR),
        versioning: knobs.choice(&VERSIONS, Versioning::parse),
        anti_entropy_interval_us: knobs.unsigned(&ANTI_ENTROPY_MS) * 1000,
        ..QuorumConfig::default()
    }
}

/// What a configuration promises. Every key's replicas agree once quiet (hints handed off,
/// anti-entropy run). Version vectors never discard an acknowledged write: a write only
/// supersedes what its context saw. Strict quorums (`r + w > n`, no sloppy stand-ins) with
/// version vectors never serve a read older than a write acknowledged before it began (under
/// last writer wins a skewed clock can still order a later write first). None of them is
/// linearizable.
fn promises(strategy: &QuorumConfig) -> Vec<AnomalyKind> {
    let mut promises = vec![AnomalyKind::Divergence];
    if strategy.versioning == Versioning::VersionVectors {
        promises.push(AnomalyKind::LostWrite);
        if strategy.read_quorum + strategy.write_quorum > strategy.replicas() && !strategy.sloppy {
            promises.push(AnomalyKind::StaleRead);
        }
    }
    promises
}

/// The longest quiet period the replicas may need to agree once the network is whole:
/// hints are handed off within two handoff intervals, and a node compares with each of the
/// (at most five) peers sharing its ranges in turn, so within three passes over them every
/// pair of replicas has reconciled; two seconds of margin cover messages in flight.
fn quiet_us(strategy: &QuorumConfig) -> u64 {
    let peers = RING_CITIES.len() as u64 - 1;
    let passes = 3 * peers * strategy.anti_entropy_interval_us + 2 * strategy.handoff_interval_us;
    super::QUIESCE_US.max(passes + 2_000_000).min(super::QUIET_MAX_US)
}

/// The lesson: one copy answering is fast and stale; writing every copy keeps reads fresh;
/// a sloppy quorum stays writable through a partition and its reads miss the hinted
/// writes; last writer wins loses writes to a slow clock and version vectors do not.
const LESSON: &[LessonStep] = &[
    LessonStep {
        action: LessonAction::Watch,
        button: text("Play: one copy answers each read and write", "चलाएँ: हर रीड और राइट का जवाब एक प्रति देती है"),
        watch: text(
            "Watch the green fan-out from each coordinator to a train's three copies, and the stale-read badge.",
            "हर कोऑर्डिनेटर से ट्रेन की तीन प्रतियों तक जाते हरे संदेश और «पुराना पढ़ना» बैज देखें।",
        ),
        meaning: text(
            "With r + w ≤ n a read may ask only copies the write has not reached yet: it misses a booking already confirmed.",
            "r + w ≤ n होने पर रीड सिर्फ़ उन प्रतियों से पूछ सकता है जिन तक राइट अभी नहीं पहुँचा: पक्की हो चुकी बुकिंग नहीं दिखती।",
        ),
        watch_s: 10,
        speed: 0.5,
        expect: Expect::Shows(AnomalyKind::StaleRead),
    },
    LessonStep {
        action: LessonAction::Settings(&[("w", "3")]),
        button: text("Write every copy: w = 3, r = 1", "हर प्रति पर लिखें: w = 3, r = 1"),
        watch: text(
            "A booking is confirmed only once all three copies have it; the stale-read badge stays at 0.",
            "बुकिंग तभी पक्की होती है जब तीनों प्रतियों में हो; «पुराना पढ़ना» बैज 0 पर रहता है।",
        ),
        meaning: text(
            "r + w > n: every read meets a copy holding every write confirmed before it began. Not linearizable even so: see the command line's nonlinearizable check under faults.",
            "r + w > n: हर रीड को ऐसी प्रति मिलती है जिसमें उसके शुरू होने से पहले पक्का हुआ हर राइट है। फिर भी linearizable नहीं: faults के साथ कमांड लाइन की nonlinearizable जाँच देखें।",
        ),
        watch_s: 10,
        speed: 0.5,
        expect: Expect::Holds(AnomalyKind::StaleRead),
    },
    LessonStep {
        action: LessonAction::Isolate("mumbai"),
        button: text("Cut Mumbai off", "मुंबई को अलग करें"),
        watch: text(
            "Bookings for Mumbai's trains still succeed: the next nodes on the ring stand in and keep them as hints (their panels say for whom). Stale reads appear.",
            "मुंबई की ट्रेनों की बुकिंग फिर भी सफल होती है: रिंग पर अगले नोड उसकी जगह लेकर उन्हें संकेत (hint) बनाकर रखते हैं (उनके पैनल बताते हैं किसके लिए)। पुराने रीड दिखते हैं।",
        ),
        meaning: text(
            "A sloppy quorum is not a quorum of the train's copies: a read of a real copy misses what the stand-ins hold until they hand it off and anti-entropy runs.",
            "ढीला कोरम ट्रेन की प्रतियों का कोरम नहीं है: असली प्रति का रीड वह चूकता है जो स्थानापन्न नोडों के पास है, जब तक वे उसे सौंप न दें और एंटी-एंट्रॉपी न चले।",
        ),
        watch_s: 10,
        speed: 0.5,
        expect: Expect::Shows(AnomalyKind::StaleRead),
    },
    LessonStep {
        action: LessonAction::Settings(&[("skew_ms", "-500")]),
        button: text("Mumbai's clock half a second slow", "मुंबई की घड़ी आधा सेकंड पीछे"),
        watch: text(
            "Last writer wins: a booking Mumbai confirms after another can carry the older stamp. Watch lost writes (Check now).",
            "अंतिम लेखक जीतता है: मुंबई किसी दूसरी बुकिंग के बाद जो बुकिंग पक्की करे, उस पर पुराना समय हो सकता है। «खोया लेखन» देखें («अभी जाँचें»)।",
        ),
        meaning: text(
            "The copies keep the higher stamp and silently discard the later, confirmed booking.",
            "प्रतियाँ ऊँचा समय रखती हैं और बाद की, पक्की हो चुकी बुकिंग चुपचाप फेंक देती हैं।",
        ),
        watch_s: 10,
        speed: 0.5,
        expect: Expect::Shows(AnomalyKind::LostWrite),
    },
    LessonStep {
        action: LessonAction::Settings(&[("skew_ms", "-500"), ("versions", "vv")]),
        button: text("Same clock, version vectors", "वही घड़ी, version vectors"),
        watch: text(
            "Each write reads its context first; concurrent bookings become siblings. Lost writes stay at 0.",
            "हर राइट पहले अपना संदर्भ पढ़ता है; एक साथ हुई बुकिंग siblings बनती हैं। «खोया लेखन» 0 पर रहते हैं।",
        ),
        meaning: text(
            "Version vectors order writes by what each saw, not by clocks: nothing confirmed is thrown away.",
            "version vectors राइट को घड़ी से नहीं, इससे क्रम देते हैं कि किसने क्या देखा: पक्का हुआ कुछ नहीं फेंका जाता।",
        ),
        watch_s: 10,
        speed: 0.5,
        expect: Expect::Holds(AnomalyKind::LostWrite),
    },
];
