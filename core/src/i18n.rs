//! The page's words in English and Hindi: one table of messages ([`Msg`]), each with both
//! languages, and the [`Text`] pair that the rest of the core's page content (lessons,
//! checker labels and meanings, scenario titles, city names) is written in. The page looks
//! every visible string up here; `core/tests/i18n.rs` fails when an entry lacks a language
//! or its placeholders differ, and the end-to-end suite fails when an English entry shows
//! on the page in Hindi.
//!
//! A message with `{}` is a template: [`Msg::fill`] puts its arguments in, in order (both
//! languages take them in the same order).

use std::fmt::Display;

/// A language of the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Hindi.
    Hi,
}

impl Lang {
    /// The BCP 47 tag (`lang` attributes, the URL).
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Hi => "hi",
        }
    }
}

/// A text in both of the page's languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Text {
    /// English.
    pub en: &'static str,
    /// Hindi.
    pub hi: &'static str,
}

impl Text {
    /// The text in a language.
    pub fn get(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.en,
            Lang::Hi => self.hi,
        }
    }
}

/// Puts `args` into the `{}` of `template`, in order (a missing argument leaves `{}`).
pub fn fill(template: &str, args: &[&dyn Display]) -> String {
    let mut out = String::with_capacity(template.len() + 16 * args.len());
    let mut args = args.iter();
    let mut parts = template.split("{}");
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    for part in parts {
        match args.next() {
            Some(arg) => out.push_str(&arg.to_string()),
            None => out.push_str("{}"),
        }
        out.push_str(part);
    }
    out
}

/// Declares [`Msg`]: one variant per row, its English text as its documentation.
macro_rules! messages {
    ($($key:ident => $en:literal, $hi:literal;)*) => {
        /// A message of the page, in both languages: see [`Msg::text`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Msg {
            $(#[doc = $en] $key,)*
        }

        impl Msg {
            /// Every message, in the table's order.
            pub const ALL: &'static [Msg] = &[$(Msg::$key,)*];

            /// Both languages.
            pub const fn text(self) -> Text {
                match self {
                    $(Msg::$key => Text { en: $en, hi: $hi },)*
                }
            }
        }
    };
}

impl Msg {
    /// The message in a language.
    pub fn get(self, lang: Lang) -> &'static str {
        self.text().get(lang)
    }

    /// The template in a language with `args` put in.
    pub fn fill(self, lang: Lang, args: &[&dyn Display]) -> String {
        fill(self.get(lang), args)
    }
}

messages! {
    // The header.
    About => "A simulator of database replication across India: nodes in real cities, messages at real inter-city latencies. Take the lesson's steps, or click a city to crash it.",
        "भारत भर में डेटाबेस रेप्लिकेशन का सिम्युलेटर: असली शहरों में नोड, शहरों के बीच की असली देरी पर संदेश। पाठ के चरण लें, या किसी शहर पर क्लिक करके उसे क्रैश करें।";
    CopyLink => "Copy link", "लिंक कॉपी करें";
    CopyEmbed => "Copy embed code", "एम्बेड कोड कॉपी करें";
    CopyEmbedTitle => "An iframe for show notes: 640 × 400, scripts only", "शो नोट्स के लिए iframe: 640 × 400, केवल स्क्रिप्ट";
    CopiedLink => "Copied the link.", "लिंक कॉपी हो गया।";
    CopiedEmbed => "Copied the embed code.", "एम्बेड कोड कॉपी हो गया।";
    ClipboardRefused => "The browser refused the clipboard; select and copy this:", "ब्राउज़र ने क्लिपबोर्ड की अनुमति नहीं दी; इसे चुनकर कॉपी करें:";
    Close => "Close", "बंद करें";
    TapCity => "Tap a city to crash it", "किसी शहर पर टैप करके उसे क्रैश करें";
    OpenFullLab => "Open the full lab ↗", "पूरी लैब खोलें ↗";
    ExportTrace => "Export trace", "ट्रेस सहेजें";
    ExportTraceTitle => "Save the run so far as JSON, in the format of replica-lab trace", "अब तक का रन JSON में सहेजें (replica-lab trace का प्रारूप)";
    ImportTrace => "Import trace", "ट्रेस खोलें";
    ImportTraceTitle => "Open a trace from Export trace or replica-lab trace: its run, at its moment", "सहेजा गया ट्रेस खोलें: उसका रन, उसी पल पर";
    ImportFailed => "Could not import the trace: {}.", "ट्रेस नहीं खुल सका: {}।";
    DigestTitle => "Trace digest so far: the same seed and controls give the same digest", "अब तक के ट्रेस का digest: वही बीज और नियंत्रण, वही digest";
    Behind => "running slower than asked: too many events per frame", "माँगी गई गति से धीमा: हर फ़्रेम में बहुत सारी घटनाएँ";
    Dismiss => "Dismiss", "हटाएँ";
    FastForward => "No primary is up: fast-forwarding at {}× until one takes over.", "कोई प्राइमरी चालू नहीं: किसी के संभालने तक {}× पर तेज़ी से आगे।";
    Marks => "P primary · R replica · C candidate · TC transaction coordinator · e1 epoch (term) 1 · ✕ crashed · dashed ring: prepared, holding locks · red ring: blocked past the vote timeout · the hex code at the top: the run's digest (same seed and controls, same digest)",
        "P प्राइमरी · R रेप्लिका · C उम्मीदवार · TC ट्रांज़ैक्शन कोऑर्डिनेटर · e1 युग (term) 1 · ✕ क्रैश · डैश वाला घेरा: तैयार, लॉक पकड़े · लाल घेरा: वोट की समय-सीमा के बाद भी अटका · ऊपर का hex कोड: रन का digest (वही बीज और नियंत्रण, वही digest)";
    Stats => "ops ok {} · failed {} · unknown {} · {} messages in flight", "सफल ऑपरेशन {} · विफल {} · अज्ञात {} · रास्ते में {} संदेश";
    MessageColours => "Message colours", "संदेशों के रंग";
    AnomalyCounts => "Anomaly counts", "विसंगतियों की गिनती";
    WhatToTry => "What to try", "क्या आज़माएँ";
    FooterSimulates => "Replica Lab simulates; it measures nothing real. Latencies are modelled on published figures. ",
        "Replica Lab सिम्युलेशन है; यह कुछ भी असली नहीं मापती। देरी प्रकाशित आँकड़ों पर आधारित है। ";
    FooterMap => "Map outline: ", "नक्शे की रूपरेखा: ";
    FooterSimplified => " (simplified).", " (सरलीकृत)।";

    // The narration (read by screen readers).
    AnnounceCrashed => "{} crashed at {} s.", "{} {} s पर क्रैश हुआ।";
    AnnounceRestarted => "{} restarted at {} s.", "{} {} s पर फिर चालू हुआ।";
    AnnouncePrimary => "{} became primary in epoch {} at {} s.", "{} युग {} में {} s पर प्राइमरी बना।";
    AnnounceConflict => "{} detected its first conflict: two concurrent writes to one account.", "{} ने पहला टकराव पकड़ा: एक खाते पर दो समवर्ती लेखन।";
    AnnounceBlocked => "{} is blocked: {} transfers in doubt past the vote timeout, holding their locks.", "{} अटका है: {} ट्रांसफ़र वोट की समय-सीमा के बाद भी संदेह में हैं, लॉक पकड़े हुए।";
    AnnounceAlert => "{} alert {} for {} in {} at {} s.", "{} अलर्ट {}: {} ({}) पर, {} s पर।";

    // The controls.
    Controls => "Controls", "नियंत्रण";
    Scenario => "scenario", "परिदृश्य";
    Play => "Play", "चलाएँ";
    Pause => "Pause", "रोकें";
    Step => "Step", "एक कदम";
    StepTitle => "Handle exactly one simulation event", "सिम्युलेशन की ठीक एक घटना चलाएँ";
    Reset => "Reset", "शुरू से";
    ResetTitle => "Start over at time zero, without the controls", "समय शून्य से फिर शुरू करें, नियंत्रणों के बिना";
    LanguageTitle => "Page language", "पेज की भाषा";
    Rewind => "rewind", "पीछे जाएँ";
    RewindValue => "{} of {} s", "{} s (कुल {} s)";
    RewindTitle => "Any moment, exactly: the run is replayed from its seed with the controls", "कोई भी पल, ठीक वैसा ही: रन अपने बीज और नियंत्रणों से दोबारा चलाया जाता है";
    ForkHere => "Fork from here", "यहाँ से नई शाखा";
    ForkDropping => "Fork from here ({} later controls dropped)", "यहाँ से नई शाखा (बाद के {} नियंत्रण हटेंगे)";
    ForkTitle => "Discard what happened after this moment and the controls scheduled there; continue from here", "इस पल के बाद का सब और वहाँ तय नियंत्रण हटाएँ; यहाँ से आगे चलें";
    Speed => "speed", "गति";
    SpeedValue => "{}× real time", "असली समय का {}×";
    Latency => "latency", "देरी";
    Load => "load", "लोड";
    LoadValue => "{} ops/s", "{} ऑपरेशन/s";
    HealAll => "Heal all links", "सारे लिंक जोड़ें";
    HealAllTitle => "Heal every cut, slowed or lossy link", "हर कटा, धीमा या संदेश खोने वाला लिंक ठीक करें";
    LinkHint => "Click a link to cut or heal it; drag across links to partition.", "किसी लिंक पर क्लिक करके उसे काटें या जोड़ें; लिंकों के आर-पार खींचकर नेटवर्क को बाँटें।";
    Seed => "seed", "बीज";
    NewSeed => "New seed", "नया बीज";
    SteppedNothing => "Ran a timer or a disk completion at {} s (nothing sent).", "{} s पर एक टाइमर या डिस्क का काम चला (कुछ भेजा नहीं गया)।";
    SteppedRan => "Ran: {}.", "चला: {}।";

    // The lesson.
    Lesson => "Lesson", "पाठ";
    LessonTitle => "Lesson: one button per step", "पाठ: हर चरण एक बटन";
    PausedAtFirst => "Paused at the first {}: its proof is under Anomalies.", "पहला «{}» मिलते ही रोका गया: उसका प्रमाण नीचे विसंगतियों में है।";

    // The anomaly badges.
    Anomalies => "Anomalies", "विसंगतियाँ";
    AnomaliesFound => "Anomalies found", "मिली विसंगतियाँ";
    ShowInDiagram => "Show {} in the diagram", "{} को आरेख में दिखाएँ";
    ShowTitle => "Ring the operations in the space-time diagram, as of this moment", "इस पल पर, स्पेस-टाइम आरेख में इन ऑपरेशनों को घेरें";
    Conflicts => "conflicts", "टकराव";
    ConflictMeaning => "Writes to one account made by two leaders before either had heard of the other, found by comparing version vectors. ",
        "एक ही खाते पर दो लीडरों के लेखन, जब किसी ने दूसरे के बारे में सुना भी नहीं था; version vectors की तुलना से मिले। ";
    TheFirst => "The first: ", "पहला: ";
    TheLatest => "The latest", "सबसे नया";
    ResolvedLww => "Last-writer-wins resolved all {} by wall clock: {} times the write with the earlier stamp lost when two met (the discard badge counts the effects still missing once the run is quiet).",
        "Last-writer-wins ने सभी {} घड़ी के समय से सुलझाए: {} बार दो लेखन मिलने पर पहले के समय वाला लेखन हारा (रन शांत होने पर जो असर फिर भी गायब हैं, उन्हें discard बैज गिनता है)।";
    ResolvedSiblings => "Reads resolved {}; {} siblings wait for a read to merge them.", "पढ़ने वालों ने {} सुलझाए; {} sibling किसी पढ़ने का इंतज़ार कर रहे हैं जो उन्हें मिलाए।";
    ResolvedRule => "The business rule merged all {} as amounts and bounced {} overdrafts to reconciliation.", "कारोबारी नियम ने सभी {} को रकम की तरह जोड़ा और {} ओवरड्राफ़्ट मिलान (reconciliation) को भेजे।";
    Promised => " This configuration promises it never happens.", " यह कॉन्फ़िगरेशन वादा करता है कि यह कभी नहीं होगा।";
    QuietWhyTakeover => " (a new primary had just taken over)", " (अभी-अभी नया प्राइमरी आया था)";
    QuietWhyLesson => " (the lesson step's wait was over)", " (पाठ के चरण का इंतज़ार पूरा हुआ)";
    QuietChecked => " Checked at t = {} s{} on a quiet fork: the run replayed to then, its workload stopped and run until quiet. The live run goes on.",
        " t = {} s पर{} एक शांत शाखा पर जाँचा: रन वहाँ तक दोहराया, उसका लोड रोका और शांत होने तक चलाया। असली रन चलता रहता है।";
    QuietNeeded => " Needs a quiet run: Check now forks this run, stops the fork's workload and runs it until quiet.",
        " इसे शांत रन चाहिए: «अभी जाँचें» इस रन की शाखा बनाता है, शाखा का लोड रोकता है और उसे शांत होने तक चलाता है।";
    CheckNow => "Check now", "अभी जाँचें";
    CheckAgain => "Check again", "फिर जाँचें";

    // The node table.
    Nodes => "Nodes", "नोड";
    Node => "node", "नोड";
    Role => "role", "भूमिका";
    EpochTerm => "epoch / term", "युग / term";
    LogEnd => "log end", "लॉग का अंत";
    Applied => "applied", "लागू";
    Commit => "commit", "कमिट";
    LagMs => "lag ms", "पिछड़ाव ms";
    VectorClock => "vector clock", "वेक्टर घड़ी";
    Action => "action", "कार्रवाई";
    Crash => "Crash", "क्रैश करें";
    Restart => "Restart", "फिर चालू करें";
    Down => "down", "बंद";
    RolePrimary => "primary", "प्राइमरी";
    RoleReplica => "replica", "रेप्लिका";
    RoleCandidate => "candidate", "उम्मीदवार";
    RoleCoordinator => "coordinator", "कोऑर्डिनेटर";
    SwitchedOff => "{} switched-off replica slots (cost nothing, serve nothing) are not listed.", "{} बंद रेप्लिका स्लॉट (न खर्च, न सेवा) सूची में नहीं हैं।";

    // The map.
    Map => "Map of India with the nodes", "नोड के साथ भारत का नक्शा";
    NodeBlocked => "blocked: {}, longest {} s", "अटके: {}, सबसे लंबा {} s";
    NodePrepared => "prepared: {}", "तैयार: {}";
    NodePrimaryEpoch => "primary · e{}", "प्राइमरी · e{}";
    InSync => "in sync", "बराबर";
    NodeQuorumRead => "read {}/{}", "रीड {}/{}";
    NodeQuorumWrite => "write {}/{}", "राइट {}/{}";
    NodeHints => "{} hints", "{} संकेत";
    NodeLag => "lag {} ms", "पिछड़ाव {} ms";
    NodeAria => "{} node {}: {}, {}. Press to {}.", "{} का नोड {}: {}, {}। {} के लिए दबाएँ।";
    ToCrash => "crash", "क्रैश";
    ToRestart => "restart", "फिर चालू";
    LinkAria => "Link {} – {}: {}. Press to {}.", "लिंक {} – {}: {}। {} के लिए दबाएँ।";
    LinkCut => "cut", "कटा";
    LinkUp => "up", "चालू";
    ToHeal => "heal it", "जोड़ने";
    ToCut => "cut it", "काटने";
    CarryingClock => ", carrying clock [{}]", ", घड़ी [{}] के साथ";
    MessageGlyph => "{} {} → {}{}, arrives in {} ms", "{} {} → {}{}, {} ms में पहुँचेगा";
    InFlight => "Messages in flight ({})", "रास्ते में संदेश ({})";

    // The space-time diagram.
    Diagram => "Space-time diagram", "स्पेस-टाइम आरेख";
    DiagramRule => "Vector clocks: a node adds 1 to its own entry at every event; a message carries the sender's clock; a receiver takes the larger of each entry, then adds 1. e happened before f exactly when every entry of e's clock is ≤ f's and they differ; otherwise they are concurrent.",
        "वेक्टर घड़ियाँ: हर घटना पर नोड अपनी प्रविष्टि में 1 जोड़ता है; संदेश भेजने वाले की घड़ी साथ ले जाता है; पाने वाला हर प्रविष्टि में बड़ी संख्या लेता है, फिर 1 जोड़ता है। e, f से पहले हुआ ठीक तब जब e की घड़ी की हर प्रविष्टि f की प्रविष्टि से ≤ हो और दोनों अलग हों; नहीं तो वे समवर्ती (concurrent) हैं।";
    DiagramAria => "Space-time diagram: one line per node, time to the right, arrows are messages. Arrow keys move between events.",
        "स्पेस-टाइम आरेख: हर नोड की एक रेखा, समय दाईं ओर, तीर संदेश हैं। तीर वाली कुंजियों से घटनाओं के बीच चलें।";
    DiagramLatest => "The latest {} events, {}–{} s. Point at an event, or focus the diagram and use the arrow keys.",
        "आख़िरी {} घटनाएँ, {}–{} s। किसी घटना पर पॉइंटर ले जाएँ, या आरेख चुनकर तीर वाली कुंजियाँ दबाएँ।";
    DiagramChosen => "{}. Causal past: {} events (blue); future: {} (orange); concurrent: {}.", "{}। कारण-भूत अतीत: {} घटनाएँ (नीली); भविष्य: {} (नारंगी); समवर्ती: {}।";
    ExportSvg => "Export SVG", "SVG सहेजें";
    DiagramZoom => "Time window:", "समय की खिड़की:";
    ZoomEvents => "{} events", "{} घटनाएँ";
    DiagramMissing => "Not in the diagram: {} (older than the {} events it keeps).", "आरेख में नहीं: {} (रखी गई {} घटनाओं से पुराने)।";
    ClocksDiagram => "Each event's vector clock has one entry per node, in this order: {}. It counts every event; the map's version vectors count writes.",
        "हर घटना की वेक्टर घड़ी में हर नोड की एक प्रविष्टि है, इस क्रम में: {}। यह हर घटना गिनती है; नक्शे के version vector केवल लेखन गिनते हैं।";
    ClocksMap => "The brackets on the map are each node's version vector: how many writes it has seen from each node, in this order: {}.",
        "नक्शे पर कोष्ठक हर नोड का version vector हैं: उसने हर नोड के कितने लेखन देखे, इस क्रम में: {}।";
    DiagramEmpty => "No events yet: press Play or Step.", "अभी कोई घटना नहीं: चलाएँ या एक कदम दबाएँ।";
    ExportSvgTitle => "Save this diagram as an SVG file", "यह आरेख SVG फ़ाइल में सहेजें";
    EventSends => "sends {} to {}", "{} को {} भेजता है";
    EventSendsLost => "sends {} to {} (lost)", "{} को {} भेजता है (खो गया)";
    EventReceives => "receives {} from {}", "{} से {} पाता है";
    EventDropped => "is down: {} from {} dropped", "बंद है: {} से आया {} गिरा";
    EventTakes => "takes operation #{}", "ऑपरेशन #{} लेता है";
    EventAnswersOk => "answers #{}: ok", "#{} का उत्तर: ठीक";
    EventAnswersRefused => "answers #{}: refused", "#{} का उत्तर: मना";
    EventCrashes => "crashes", "क्रैश होता है";
    EventRestarts => "restarts", "फिर चालू होता है";
    EventAt => "{} {} at {} s, clock {}", "{} {}, {} s पर, घड़ी {}";

    // The charts.
    ChartLag => "Replication lag", "रेप्लिकेशन में पिछड़ाव";
    ChartConvergence => "Conflicts and divergence", "टकराव और अंतर";
    ChartAnomalies => "Anomalies over time", "समय के साथ विसंगतियाँ";
    ChartReplicas => "Replicas", "रेप्लिका";
    ChartThroughput => "Throughput", "थ्रूपुट";
    ChartLatency => "Latency percentiles", "देरी के पर्सेंटाइल";
    ChartLagAria => "Line chart of replication lag in milliseconds per node over simulated time", "हर नोड के रेप्लिकेशन पिछड़ाव (मिलीसेकंड) का सिम्युलेटेड समय पर रेखा-चार्ट";
    ChartConvergenceAria => "Line chart of conflicts detected per second and of keys on which the running replicas disagree", "प्रति सेकंड मिले टकरावों और उन keys का रेखा-चार्ट जिन पर चलती रेप्लिका असहमत हैं";
    ChartAnomaliesAria => "Line chart of how many anomalies each checker has found over simulated time", "हर जाँच ने सिम्युलेटेड समय में कितनी विसंगतियाँ पाईं, उसका रेखा-चार्ट";
    ChartReplicasAria => "Line chart of read replicas serving and bootstrapping, summed over regions, over simulated time", "सेवा दे रही और शुरू हो रही read रेप्लिका (सभी क्षेत्रों का जोड़) का रेखा-चार्ट";
    ChartThroughputAria => "Line chart of operations completed per second over simulated time", "प्रति सेकंड पूरे हुए ऑपरेशनों का रेखा-चार्ट";
    ChartLatencyAria => "Line chart of median and 99th percentile latency in milliseconds over simulated time", "मध्य और 99वें पर्सेंटाइल देरी (मिलीसेकंड) का रेखा-चार्ट";
    AxisTime => "simulated s", "सिम्युलेटेड s";
    AxisLag => "lag ms", "पिछड़ाव ms";
    AxisCount => "count", "गिनती";
    AxisFound => "found", "मिलीं";
    AxisReplicas => "replicas", "रेप्लिका";
    AxisOps => "ops/s", "ऑपरेशन/s";
    AxisLatency => "latency ms", "देरी ms";
    SeriesDivergent => "divergent keys", "अलग keys";
    SeriesConflicts => "conflicts / s", "टकराव / s";
    SeriesCompleted => "completed ops/s", "पूरे ऑपरेशन/s";
    SeriesServing => "serving", "सेवा में";
    SeriesBootstrapping => "bootstrapping", "शुरू हो रही";
    MarkFault => "faults and controls", "फ़ॉल्ट और नियंत्रण";

    // The lag monitor.
    LagMonitor => "Lag monitor", "पिछड़ाव की निगरानी";
    Regions => "Regions", "क्षेत्र";
    Region => "region", "क्षेत्र";
    Health => "health", "स्वास्थ्य";
    LagThreshold => "lag (threshold) ms", "पिछड़ाव (सीमा) ms";
    AlertsRaisedCleared => "alerts raised / cleared", "अलर्ट उठे / हटे";
    AlertsActive => "Alerts active: {}", "सक्रिय अलर्ट: {}";
    AlertSince => "{} on {} ({}) since {} s", "{}: {} ({}) पर, {} s से";
    AlertTimeline => "Alert timeline", "अलर्ट की समय-रेखा";
    AlertEvent => "{} s · {} {} on {} ({} vs {})", "{} s · {} {}, {} पर ({} बनाम {})";
    Raised => "raised", "उठा";
    HealthHealthy => "healthy", "स्वस्थ";
    HealthDegraded => "degraded", "कमज़ोर";
    RuleCriticalLag => "critical lag", "गंभीर पिछड़ाव";
    RuleErrorRate => "error rate", "त्रुटि दर";
    RuleUtilisation => "utilisation", "उपयोग";
    RulePool => "pool", "कनेक्शन पूल";
    RuleNodeDown => "node down", "नोड बंद";
    Cleared => "cleared", "हटा";
    Hysteresis => "Raised after {} breaching samples in a row, cleared after {} samples below {} % of the threshold; one sample a second.",
        "लगातार {} सीमा-पार नमूनों के बाद उठता है, सीमा के {} नमूने {} % से नीचे रहने पर हटता है; हर सेकंड एक नमूना।";

    // The internals panel.
    Internals => "Node internals", "नोड के अंदर";

    // Auto-scaling.
    CompareTitle => "Reactive or pre-scaled?", "प्रतिक्रिया में या पहले से स्केल?";
    CompareHint => "Runs this seed and load for {} simulated seconds under both policies. SLA: 95 % of reads within 200 ms and under 2 % errors, judged in 10-second windows.",
        "यही बीज और लोड दोनों नीतियों के तहत {} सिम्युलेटेड सेकंड चलाता है। SLA: 95 % reads 200 ms के भीतर और 2 % से कम त्रुटियाँ, 10 सेकंड की खिड़कियों में आँका गया।";
    CompareButton => "Compare both policies", "दोनों नीतियों की तुलना करें";
    CompareAria => "Compare scaling policies", "स्केलिंग नीतियों की तुलना";
    CompareRunning => "Running both policies…", "दोनों नीतियाँ चल रही हैं…";
    Policy => "policy", "नीति";
    SlaMinutes => "SLA minutes violated", "SLA टूटे मिनट";
    Cost => "cost (replica-hours)", "खर्च (रेप्लिका-घंटे)";
    MostReplicas => "most replicas", "सबसे ज़्यादा रेप्लिका";

    // The benchmark.
    Bench => "Benchmark: every strategy side by side", "बेंचमार्क: हर रणनीति साथ-साथ";
    BenchLoad => "load ops/s ", "लोड ऑपरेशन/s ";
    BenchLatency => "latency × ", "देरी × ";
    BenchRun => "Run benchmark", "बेंचमार्क चलाएँ";
    BenchRunning => "Running…", "चल रहा है…";
    Strategy => "strategy", "रणनीति";
    BenchConfigLine => "Seed {}, {} ops/s, latency ×{}, {} simulated seconds per row (the command line runs 60): {} of {} rows.",
        "बीज {}, {} ऑपरेशन/s, देरी ×{}, हर पंक्ति {} सिम्युलेटेड सेकंड (कमांड लाइन 60 चलाती है): {} में से {} पंक्तियाँ।";
    BenchPercentiles => "p50 / p95 / p99 ms", "देरी p50 / p95 / p99 (ms)";
    BenchAnomalies => "anomalies", "विसंगतियाँ";
    ScenarioCannotScale => "this scenario does not scale", "यह परिदृश्य स्केल नहीं करता";
    Consistency => "consistency", "संगति";
    LagP95 => "lag p95 ms", "पिछड़ाव p95 ms";
    NoneFound => "none", "कोई नहीं";
}
