//! `data-sync`: one source log read three ways — WAL shipping to a replica, change data
//! capture into a search index with committed offsets, and an event-sourced projection.

use super::knobs::{hour_knob, KnobSpec, KnobValues, Knobs};
use super::{world_config, Built, ScenarioConfig, ScenarioInfo, ScenarioSpec, Simulation};
use crate::bench::EntrySpec;
use crate::check::AnomalyKind;
use crate::engine::{StrategyHooks, World};
use crate::geo::{self, CityId};
use crate::i18n::Text;
use crate::lesson::{text, Expect, LessonAction, LessonStep};
use crate::strategy::change_stream::{ApplyMode, Part, StreamConfig, StreamNode};
use crate::vocabulary::Choice;

const APPLY: KnobSpec = KnobSpec {
    name: "apply",
    label: Text { en: "apply", hi: "लागू करने का ढंग" },
    values: KnobValues::Choice(ApplyMode::VALUES),
    default: "idempotent",
    help: "How the search index applies the change stream: idempotent (offset stored with the data; a change it has is skipped) or naive (applies whatever it is given).",
};
const COMMIT_MS: KnobSpec = KnobSpec {
    name: "commit_ms",
    label: Text { en: "commit ms", hi: "कमिट का अंतराल (ms)" },
    values: KnobValues::Integer { min: 10, max: 60_000 },
    default: "1000",
    help:
        "Interval between the search index's offset commits: longer means more changes delivered again after a crash.",
};
const SNAPSHOT_EVERY: KnobSpec = KnobSpec {
    name: "snapshot_every",
    label: Text {
        en: "snapshot every", hi: "हर कितनी प्रविष्टियों पर स्नैपशॉट"
    },
    values: KnobValues::Integer { min: 0, max: 1_000_000 },
    default: "5000",
    help: "Events between two snapshots of the analytics projection (0: never; a rebuild replays the whole log).",
};
const REPLAY_US: KnobSpec = KnobSpec {
    name: "replay_us",
    label: Text { en: "replay us", hi: "रीप्ले का समय (µs)" },
    values: KnobValues::Integer { min: 1, max: 10_000 },
    default: "20",
    help: "Time the projection takes to replay one event during a rebuild.",
};
const HOUR: KnobSpec = hour_knob("10");

/// Nodes: the source, then its consumers and how each receives changes.
pub const NODES: &[(&str, CityId, Part)] = &[
    ("mumbai", geo::MUMBAI, Part::Source),
    ("delhi", geo::DELHI, Part::WalReplica),
    ("bangalore", geo::BANGALORE, Part::Cdc),
    ("hyderabad", geo::HYDERABAD, Part::Projection),
];

/// The longest quiet period the consumers may need: a backlog left by load bursts, a
/// projection rebuilt by replaying the whole log, offsets committed every `commit_ms`.
pub const QUIET_US: u64 = 60_000_000;

/// The registry's row.
pub(super) const SPEC: ScenarioSpec = ScenarioSpec {
    info: ScenarioInfo {
        id: "data-sync",
        lesson: LESSON,
        title: Text {
            en: "Data sync: WAL shipping, change data capture, event sourcing",
            hi: "Data sync: WAL भेजना, बदलावों का कैप्चर (CDC) और event sourcing",
        },
        strategy: "one source log read three ways: WAL shipping, CDC with offsets, event-sourced projection",
        default_load_ops_s: 300.0,
        knobs: &[APPLY, COMMIT_MS, SNAPSHOT_EVERY, REPLAY_US, HOUR],
    },
    build,
    promise_configs: &[&[]],
    bench: &[EntrySpec {
        label: "CDC + event sourcing",
        knobs: &[("apply", "idempotent")],
        consistency: "consumers converge on the source; at-least-once, applied once",
    }],
};

fn build(config: &ScenarioConfig, knobs: &Knobs, load: f64) -> Box<dyn Simulation> {
    let strategy = StreamConfig {
        apply: knobs.choice(&APPLY, ApplyMode::parse),
        commit_interval_us: knobs.unsigned(&COMMIT_MS) * 1000,
        snapshot_every: knobs.unsigned(&SNAPSHOT_EVERY),
        replay_us: knobs.unsigned(&REPLAY_US),
        ..StreamConfig::default()
    };
    let nodes =
        NODES.iter().map(|(name, city, part)| (name.to_string(), *city, StreamNode::new(strategy, *part))).collect();
    let hooks = StrategyHooks {
        router: crate::strategy::change_stream::route_source,
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
    Box::new(Built { config: config.clone(), world, quiet_max_us: QUIET_US, promises })
}

/// `data-sync`: change data capture delivers again after a crash; an idempotent apply
/// skips what it has, a naive one counts it twice.
const LESSON: &[LessonStep] = &[
    LessonStep {
        action: LessonAction::Crash("bangalore"),
        button: text("Crash the search index (Bangalore)", "सर्च इंडेक्स (बेंगलुरु) क्रैश करें"),
        watch: text(
            "Its last committed offset is up to a second old.",
            "उसका आख़िरी commit किया गया offset एक सेकंड तक पुराना है।",
        ),
        meaning: text(
            "Offsets are committed every second, not with every change.",
            "offset हर सेकंड commit होते हैं, हर बदलाव के साथ नहीं।",
        ),
        watch_s: 2,
        speed: 0.2,
        expect: Expect::Holds(AnomalyKind::DuplicateApply),
    },
    LessonStep {
        action: LessonAction::Restart("bangalore"),
        button: text("Restart it", "फिर चालू करें"),
        watch: text(
            "It resumes from the committed offset: the changes since are delivered again and skipped.",
            "यह commit किए गए offset से शुरू होता है: तब से के बदलाव फिर आते हैं और छोड़ दिए जाते हैं।",
        ),
        meaning: text(
            "At-least-once delivery plus an idempotent apply gives each change's effect once.",
            "कम-से-कम-एक-बार डिलीवरी और idempotent apply से हर बदलाव का असर एक ही बार होता है।",
        ),
        watch_s: 5,
        speed: 0.5,
        expect: Expect::Holds(AnomalyKind::DuplicateApply),
    },
    LessonStep {
        action: LessonAction::Settings(&[("apply", "naive"), ("commit_ms", "5000")]),
        button: text("Switch to a naive apply, offsets every 5 s", "naive apply, हर 5 s पर offset"),
        watch: text(
            "The run starts again; crash and restart Bangalore with the next two steps.",
            "रन फिर शुरू होता है; अगले दो चरणों से बेंगलुरु को क्रैश और फिर चालू करें।",
        ),
        meaning: text(
            "The index now applies whatever it is given, and commits its offset only every 5 s.",
            "इंडेक्स अब जो मिले वही लागू करता है, और अपना offset केवल हर 5 s पर commit करता है।",
        ),
        watch_s: 2,
        speed: 0.2,
        expect: Expect::Holds(AnomalyKind::DuplicateApply),
    },
    LessonStep {
        action: LessonAction::Crash("bangalore"),
        button: text("Crash Bangalore", "बेंगलुरु क्रैश करें"),
        watch: text("The same crash as before.", "पहले जैसा ही क्रैश।"),
        meaning: text(
            "Nothing differs yet: the difference is in what happens on restart.",
            "अभी कोई फ़र्क नहीं: फ़र्क फिर चालू होने पर है।",
        ),
        watch_s: 2,
        speed: 0.2,
        expect: Expect::Holds(AnomalyKind::DuplicateApply),
    },
    LessonStep {
        action: LessonAction::Restart("bangalore"),
        button: text("Restart Bangalore", "बेंगलुरु फिर चालू करें"),
        watch: text(
            "The redelivered changes are applied a second time: Check now counts duplicate applies.",
            "दोबारा आए बदलाव दूसरी बार लागू होते हैं: «अभी जाँचें» दो बार लागू गिनता है।",
        ),
        meaning: text(
            "At-least-once delivery without an idempotent apply double-counts orders.",
            "idempotent apply के बिना कम-से-कम-एक-बार डिलीवरी ऑर्डर दो बार गिनती है।",
        ),
        watch_s: 5,
        speed: 0.5,
        expect: Expect::Shows(AnomalyKind::DuplicateApply),
    },
];
