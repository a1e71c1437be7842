//! Each scenario's lesson: a few numbered steps a newcomer takes with one button each — what
//! the button does, what to watch, what it means once seen — and what the step must show,
//! which `core/tests/lessons.rs` checks by taking every step as the page does. The page
//! shows the steps above the map in English or Hindi; a link can open at a step
//! (`lesson=N`).

use crate::check::AnomalyKind;
use crate::control::Control;
use crate::report::quiet_fork;
use crate::scenario::{ScenarioError, Simulation};

pub use crate::i18n::Text;

/// What a step's button does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LessonAction {
    /// Nothing but play: watch the run as it is.
    Watch,
    /// Start the run again from time zero with these knob settings (the others at their
    /// defaults).
    Settings(&'static [(&'static str, &'static str)]),
    /// Crash a node now.
    Crash(&'static str),
    /// Restart a crashed node now.
    Restart(&'static str),
    /// Cut a node or city from every other city now.
    Isolate(&'static str),
    /// Heal every cut link now.
    HealAll,
    /// Multiply every link's latency now.
    Latency(f64),
}

impl LessonAction {
    /// The controls a step applies to the running simulation (none for `Watch` and
    /// `Settings`, which the page handles by playing or by starting again).
    pub fn controls(&self) -> Vec<Control> {
        match *self {
            LessonAction::Watch | LessonAction::Settings(_) => Vec::new(),
            LessonAction::Crash(node) => vec![Control::Crash { node: node.to_string() }],
            LessonAction::Restart(node) => vec![Control::Restart { node: node.to_string() }],
            LessonAction::Isolate(node) => crate::control::isolation_peers(node)
                .map(|city| Control::Cut { from: node.to_string(), to: city.to_string(), both: true })
                .collect(),
            LessonAction::HealAll => vec![Control::HealAll],
            LessonAction::Latency(multiplier) => vec![Control::Latency { multiplier }],
        }
    }
}

/// What a step must show once watched for its time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// The checker finds the anomaly (live, or by a quiet fork for those that need one).
    Shows(AnomalyKind),
    /// The checker finds none of it: the promise holds.
    Holds(AnomalyKind),
    /// The lag monitor raised an alert.
    AlertRaised,
}

/// One step of a lesson.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LessonStep {
    /// What the step's button does.
    pub action: LessonAction,
    /// The button's label.
    pub button: Text,
    /// What to watch after pressing it.
    pub watch: Text,
    /// What it means once seen.
    pub meaning: Text,
    /// Simulated seconds to watch before the outcome shows (the test runs this long).
    pub watch_s: u64,
    /// The speed the page switches to when the button is pressed (simulated seconds per
    /// wall second), so waiting for the outcome takes a few seconds, not minutes.
    pub speed: f64,
    /// What the step shows.
    pub expect: Expect,
}

const fn text(en: &'static str, hi: &'static str) -> Text {
    Text { en, hi }
}

/// `hdfc`: replicas serve stale reads; async commit loses acknowledged writes when the
/// primary dies; quorum commit with reads at the primary keeps both promises.
pub const HDFC: &[LessonStep] = &[
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

/// `upi`: concurrent transfers under last-writer-wins lose money; siblings overdraw;
/// the business rule keeps both promises.
pub const UPI: &[LessonStep] = &[
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

/// `flipkart`: warehouses keep selling through a partition and agree once it heals.
pub const FLIPKART: &[LessonStep] = &[
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

/// `myntra`: optimistic counters oversell in a flash sale; reservations do not.
pub const MYNTRA: &[LessonStep] = &[
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

/// `neft-rtgs`: two-phase commit blocks when the coordinator dies, and loses nothing.
pub const NEFT: &[LessonStep] = &[
    LessonStep {
        action: LessonAction::Watch,
        button: text("Play: transfers settle in two phases", "चलाएँ: ट्रांसफ़र दो चरणों में सेटल होते हैं"),
        watch: text(
            "Prepare, vote, commit: each transfer touches both banks; atomicity stays at 0.",
            "prepare, vote, commit: हर ट्रांसफ़र दोनों बैंकों को छूता है; atomicity 0 रहता है।",
        ),
        meaning: text(
            "A transfer applies at both banks or at neither.",
            "ट्रांसफ़र दोनों बैंकों में लागू होता है या किसी में नहीं।",
        ),
        watch_s: 3,
        speed: 0.1,
        expect: Expect::Holds(AnomalyKind::Atomicity),
    },
    LessonStep {
        action: LessonAction::Crash("clearing"),
        button: text("Crash the clearing house", "क्लियरिंग हाउस को क्रैश करें"),
        watch: text(
            "Banks that voted yes are in doubt: they hold their locks and wait (dashed rings). Check now: no rupee lost.",
            "जिन बैंकों ने हाँ कहा वे संदेह में हैं: लॉक पकड़े इंतज़ार करते हैं (डैश वाले घेरे)। «अभी जाँचें»: कोई रुपया नहीं खोया।",
        ),
        meaning: text(
            "Two-phase commit blocks when its coordinator dies after the votes: safe, but stuck.",
            "वोट के बाद कोऑर्डिनेटर गिरे तो two-phase commit रुक जाता है: सुरक्षित, पर अटका हुआ।",
        ),
        watch_s: 3,
        speed: 0.2,
        expect: Expect::Holds(AnomalyKind::MoneyNotConserved),
    },
    LessonStep {
        action: LessonAction::Restart("clearing"),
        button: text("Restart the clearing house", "क्लियरिंग हाउस फिर चालू करें"),
        watch: text(
            "It answers the banks from its log; the transfers in doubt finish and the locks go.",
            "वह अपने लॉग से बैंकों को जवाब देता है; संदेह वाले ट्रांसफ़र पूरे होते हैं और लॉक हटते हैं।",
        ),
        meaning: text(
            "The decision was on the coordinator's disk: recovery reads it and every transfer ends atomically.",
            "फ़ैसला कोऑर्डिनेटर की डिस्क पर था: रिकवरी उसे पढ़ती है और हर ट्रांसफ़र पूरी तरह समाप्त होता है।",
        ),
        watch_s: 3,
        speed: 0.2,
        expect: Expect::Holds(AnomalyKind::Atomicity),
    },
];

/// `core-banking`: snapshot isolation allows write skew; recovery keeps every commit.
pub const CORE_BANKING: &[LessonStep] = &[
    LessonStep {
        action: LessonAction::Settings(&[("joint_ratio", "0.5")]),
        button: text("Play with many joint-account withdrawals", "कई संयुक्त-खाता निकासी के साथ चलाएँ"),
        watch: text(
            "Two withdrawals each check that the pair of accounts covers them, and both commit: write skew.",
            "दो निकासी अलग-अलग जाँचती हैं कि खातों की जोड़ी पर्याप्त है, और दोनों commit होती हैं: राइट स्क्यू।",
        ),
        meaning: text(
            "Snapshot isolation stops lost updates but not a rule spread over two rows.",
            "snapshot isolation lost update रोकता है, पर दो पंक्तियों में फैले नियम को नहीं।",
        ),
        watch_s: 10,
        speed: 0.5,
        expect: Expect::Shows(AnomalyKind::WriteSkew),
    },
    LessonStep {
        action: LessonAction::Crash("primary"),
        button: text("Crash the database", "डेटाबेस क्रैश करें"),
        watch: text(
            "Memory and the unsynced log tail are gone; clients get no answer.",
            "मेमोरी और बिना sync हुआ लॉग का अंत चले गए; क्लाइंट को जवाब नहीं मिलता।",
        ),
        meaning: text("Only what reached the disk survives a power cut.", "बिजली जाने पर केवल डिस्क तक पहुँचा हुआ बचता है।"),
        watch_s: 1,
        speed: 0.1,
        expect: Expect::Holds(AnomalyKind::UncommittedEffect),
    },
    LessonStep {
        action: LessonAction::Restart("primary"),
        button: text("Restart it", "फिर चालू करें"),
        watch: text(
            "Recovery loads the checkpoint and redoes the durable log; Check now finds every acknowledged commit.",
            "रिकवरी checkpoint लोड करके टिकाऊ लॉग दोबारा चलाती है; «अभी जाँचें» हर स्वीकार किया गया commit पाता है।",
        ),
        meaning: text(
            "A commit is acknowledged only once its log records are on disk (WAL): none is lost, none half-done.",
            "commit तभी स्वीकार होता है जब उसके लॉग रिकॉर्ड डिस्क पर हों (WAL): कोई नहीं खोता, कोई अधूरा नहीं।",
        ),
        watch_s: 3,
        speed: 0.2,
        expect: Expect::Holds(AnomalyKind::UncommittedEffect),
    },
];

/// `consensus`: a majority elects a new leader; the isolated old one stops on its own.
pub const CONSENSUS: &[LessonStep] = &[
    LessonStep {
        action: LessonAction::Isolate("mumbai"),
        button: text("Cut Mumbai, the leader, from the majority", "मुंबई (लीडर) को बहुमत से काटें"),
        watch: text(
            "The four others elect a leader in a new term; Mumbai stops acknowledging once its lease runs out.",
            "बाकी चार नए term में लीडर चुनते हैं; lease ख़त्म होते ही मुंबई स्वीकार करना बंद करता है।",
        ),
        meaning: text(
            "Terms and leases fence the old leader: never two leaders acknowledging at once (split brain stays 0).",
            "term और lease पुराने लीडर को रोकते हैं: कभी दो लीडर एक साथ स्वीकार नहीं करते (स्प्लिट ब्रेन 0 रहता है)।",
        ),
        watch_s: 6,
        speed: 0.5,
        expect: Expect::Holds(AnomalyKind::SplitBrain),
    },
    LessonStep {
        action: LessonAction::HealAll,
        button: text("Heal the links", "लिंक जोड़ें"),
        watch: text(
            "Mumbai hears the higher term, steps down and catches up as a follower.",
            "मुंबई ऊँचा term सुनता है, हटता है और follower बनकर बराबर आता है।",
        ),
        meaning: text(
            "A majority commit survives any minority's failure: Check now finds no lost write.",
            "बहुमत का commit किसी भी अल्पमत की विफलता झेल लेता है: «अभी जाँचें» कोई खोया लेखन नहीं पाता।",
        ),
        watch_s: 4,
        speed: 0.5,
        expect: Expect::Holds(AnomalyKind::LostWrite),
    },
];

/// `data-sync`: change data capture delivers again after a crash; an idempotent apply
/// skips what it has, a naive one counts it twice.
pub const DATA_SYNC: &[LessonStep] = &[
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

/// `lag-monitor`: a slower network caps replication and raises lag alerts.
pub const LAG_MONITOR: &[LessonStep] = &[LessonStep {
    action: LessonAction::Latency(4.0),
    button: text("Make every link four times slower", "हर लिंक को चार गुना धीमा करें"),
    watch: text(
        "The far regions' lag climbs past their threshold; after three breaching samples the monitor raises an alert.",
        "दूर के क्षेत्रों का lag सीमा पार करता है; तीन उल्लंघन वाले नमूनों के बाद मॉनिटर अलर्ट उठाता है।",
    ),
    meaning: text(
        "A replica may have only so many records in flight per round trip: a longer trip caps how fast it can follow.",
        "एक रेप्लिका के पास एक चक्कर में सीमित रिकॉर्ड ही हो सकते हैं: लंबा चक्कर उसकी रफ़्तार बाँध देता है।",
    ),
    watch_s: 20,
    speed: 1.0,
    expect: Expect::AlertRaised,
}];

/// `big-billion-day`: replicas scale up for the sale, and serve only once caught up.
pub const BIG_BILLION_DAY: &[LessonStep] = &[
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

/// Most events a lesson's quiet fork may replay to reach the moment it checks.
pub const FORK_EVENTS_MAX: u64 = 20_000_000;

/// Whether a run shows what `expect` asks, judged as the page judges: a checker the page
/// runs live on the run so far, any other by a quiet fork of the run at its moment; an
/// alert from the lag monitor's totals.
pub fn shown(simulation: &dyn Simulation, expect: Expect) -> Result<bool, ScenarioError> {
    let count = |kind: AnomalyKind| -> Result<u64, ScenarioError> {
        if simulation.live_checkers().contains(&kind) {
            Ok(simulation.check_live().0.count(kind))
        } else {
            Ok(quiet_fork(simulation, FORK_EVENTS_MAX)?.checks.count(kind))
        }
    };
    Ok(match expect {
        Expect::Shows(kind) => count(kind)? > 0,
        Expect::Holds(kind) => count(kind)? == 0,
        Expect::AlertRaised => simulation.monitor().is_some_and(|monitor| monitor.totals().0 > 0),
    })
}
