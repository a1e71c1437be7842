//! `upi`: UPI's leaders in three to five cities, each accepting transfers, replicating with
//! version vectors and resolving conflicts by a policy to choose.

use super::knobs::{hour_knob, write_ratio_knob, KnobSpec, KnobValues, Knobs, SKEW_MS};
use super::{add_scenario_control, world_config, Built, ScenarioConfig, ScenarioInfo, ScenarioSpec, Simulation};
use crate::bench::EntrySpec;
use crate::check::AnomalyKind;
use crate::control::{Control, TimedControl};
use crate::engine::{StrategyHooks, World};
use crate::geo::{self, CityId};
use crate::i18n::Text;
use crate::lesson::{text, Expect, LessonAction, LessonStep};
use crate::protocol::OpKind;
use crate::strategy::multi_leader::{ConflictPolicy, MultiLeaderConfig, MultiLeaderNode};
use crate::vocabulary::Choice;

const POLICY: KnobSpec = KnobSpec {
    name: "policy",
    label: Text { en: "policy", hi: "नीति" },
    values: KnobValues::Choice(ConflictPolicy::VALUES),
    default: "lww",
    help: "How concurrent writes to an account are resolved: last writer wins by wall clock; keep siblings until a read merges them; or merge amounts and bounce overdrafts to reconciliation.",
};
const LEADERS: KnobSpec = KnobSpec {
    name: "leaders",
    label: Text { en: "leaders", hi: "लीडरों की संख्या" },
    values: KnobValues::Integer { min: 3, max: LEADER_CITIES.len() as i64 },
    default: "3",
    help: "Leaders, in Mumbai, Delhi, Bangalore, Chennai, Kolkata order.",
};
const WRITE_RATIO: KnobSpec =
    write_ratio_knob("0.5", "Fraction of operations that are transfers (the rest are balance reads).");
const ACCOUNTS: KnobSpec = KnobSpec {
    name: "accounts",
    label: Text { en: "accounts", hi: "खाते" },
    values: KnobValues::Integer { min: 10, max: 10_000 },
    default: "1000",
    help: "Accounts (Zipf-popular: a few are hot), each starting with ₹5,000.",
};
const HOUR: KnobSpec = hour_knob("11");

/// Leader cities, in the order `leaders=N` takes them; the first is the one `skew_ms` skews.
pub const LEADER_CITIES: &[CityId] = &[geo::MUMBAI, geo::DELHI, geo::BANGALORE, geo::CHENNAI, geo::KOLKATA];

/// The registry's row.
pub(super) const SPEC: ScenarioSpec = ScenarioSpec {
    info: ScenarioInfo {
        id: "upi",
        lesson: LESSON,
        title: Text { en: "UPI: leaders in three cities", hi: "UPI: तीन शहरों में लीडर" },
        strategy: "multi-leader replication with version vectors",
        default_load_ops_s: 600.0,
        knobs: &[POLICY, LEADERS, SKEW_MS, WRITE_RATIO, ACCOUNTS, HOUR],
    },
    build,
    promise_configs: &[&[("policy", "lww")], &[("policy", "siblings")], &[("policy", "business-rule")]],
    bench: &[
        EntrySpec {
            label: "multi-leader, last writer wins",
            knobs: &[("policy", "lww")],
            consistency: "eventual; concurrent writes silently discarded",
        },
        EntrySpec {
            label: "multi-leader, business rule",
            knobs: &[("policy", "business-rule")],
            consistency: "eventual; invariants kept, overdrafts reconciled",
        },
    ],
};

fn build(config: &ScenarioConfig, knobs: &Knobs, load: f64) -> Box<dyn Simulation> {
    let policy = knobs.choice(&POLICY, ConflictPolicy::parse);
    let strategy =
        MultiLeaderConfig { policy, accounts: knobs.unsigned(&ACCOUNTS) as u32, ..MultiLeaderConfig::default() };
    let transfers = knobs.number(&WRITE_RATIO);
    let mut world = world_config(config, knobs, load);
    world.workload.keys = strategy.accounts;
    world.workload.mix = vec![(OpKind::Transfer, transfers), (OpKind::Read, 1.0 - transfers)];
    let leaders = (knobs.unsigned(&LEADERS) as usize).clamp(3, LEADER_CITIES.len());
    let nodes = LEADER_CITIES[..leaders]
        .iter()
        .map(|city| (city.city().id.to_string(), *city, MultiLeaderNode::new(strategy, leaders)))
        .collect();
    let hooks = StrategyHooks {
        router: crate::strategy::crdt_gossip::route_nearest,
        checkers: checkers(policy),
        params: Default::default(),
    };
    let mut controls = config.controls.clone();
    let skew_us = knobs.integer(&SKEW_MS) * 1000;
    if skew_us != 0 {
        let skew = Control::Skew { node: LEADER_CITIES[0].city().id.to_string(), skew_us };
        add_scenario_control(&mut controls, TimedControl { at_us: 0, control: skew });
    }
    let world = World::new(world, hooks, nodes, controls);
    Box::new(Built { config: config.clone(), world, quiet_max_us: super::QUIESCE_US, promises: promises(policy) })
}

/// What each conflict policy promises.
pub fn promises(policy: ConflictPolicy) -> Vec<AnomalyKind> {
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
pub fn checkers(policy: ConflictPolicy) -> Vec<AnomalyKind> {
    let mut checkers = vec![AnomalyKind::NegativeBalance, AnomalyKind::MoneyNotConserved, AnomalyKind::Divergence];
    if policy == ConflictPolicy::Lww {
        checkers.insert(0, AnomalyKind::LwwDiscarded);
    }
    checkers
}

/// `upi`: concurrent transfers under last-writer-wins lose money; siblings overdraw;
/// the business rule keeps both promises.
const LESSON: &[LessonStep] = &[
    LessonStep {
        action: LessonAction::Watch,
        button: text("Play: three leaders, last writer wins", "चलाएँ: तीन लीडर, अंतिम लेखक जीतता है"),
        watch: text(
            "The conflicts badge explains two transfers to one account that neither leader knew of; Check now counts the effects discarded.",
            "conflicts बैज एक ही खाते के दो ऐसे ट्रांसफ़र समझाता है जिनका किसी लीडर को पता नहीं था; «अभी जाँचें» मिटे हुए असर गिनता है।",
        ),
        meaning: text(
            "Last writer wins keeps one balance and throws the other transfer's effect away: money vanishes.",
            "अंतिम लेखक की जीत एक बैलेंस रखती है और दूसरे ट्रांसफ़र का असर फेंक देती है: पैसा गायब होता है।",
        ),
        watch_s: 5,
        speed: 0.1,
        expect: Expect::Shows(AnomalyKind::LwwDiscarded),
    },
    LessonStep {
        action: LessonAction::Settings(&[("policy", "siblings")]),
        button: text("Switch to siblings", "siblings पर जाएँ"),
        watch: text(
            "Concurrent transfers are both kept and merged by the next read; watch negative balance.",
            "समवर्ती ट्रांसफ़र दोनों रखे जाते हैं और अगला रीड उन्हें जोड़ता है; ऋणात्मक बैलेंस देखें।",
        ),
        meaning: text(
            "No rupee is lost, but two debits that each saw enough money can together overdraw the account.",
            "कोई रुपया नहीं खोता, पर दो डेबिट जिन्होंने अलग-अलग पर्याप्त पैसा देखा, मिलकर खाता ऋणात्मक कर सकते हैं।",
        ),
        watch_s: 20,
        speed: 0.5,
        expect: Expect::Shows(AnomalyKind::NegativeBalance),
    },
    LessonStep {
        action: LessonAction::Settings(&[("policy", "business-rule")]),
        button: text("Switch to the business rule", "business rule पर जाएँ"),
        watch: text(
            "A debit that would overdraw bounces to reconciliation: negative balance stays at 0.",
            "जो डेबिट खाता ऋणात्मक करता, वह reconciliation में लौटता है: ऋणात्मक बैलेंस 0 रहता है।",
        ),
        meaning: text(
            "Merging by amount and checking the rule at merge time keeps money and balances right, with some transfers bounced.",
            "राशि से जोड़कर और जोड़ते समय नियम जाँचकर पैसा और बैलेंस सही रहते हैं, कुछ ट्रांसफ़र लौटाकर।",
        ),
        watch_s: 20,
        speed: 0.5,
        expect: Expect::Holds(AnomalyKind::NegativeBalance),
    },
];
