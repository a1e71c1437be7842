//! The page's whole state in the URL hash: parsing with safe defaults, and serialising.
//!
//! `#scenario=ID&seed=N&latency=F&load=OPS&t=SECONDS&lang=en|hi&embed=1&lesson=N&KNOB=VALUE...&ctl=LOG`
//!
//! `latency` and `load` are the run's starting settings; everything done since (crashes, cuts,
//! slider moves) is the control log `ctl`, in [`replica_core::control::encode_log`]'s format,
//! written last and unescaped (its `:` and `,` are legal in a fragment).
//!
//! Parsing never fails: every bad part is dropped with a one-line warning naming it, and
//! its default is used. Input is length-capped before it is looked at. This module must not
//! touch the DOM; the caller passes the hash string in.

use replica_core::control::shorten;
use replica_core::scenario::{self, ScenarioInfo};
use std::collections::BTreeMap;

/// Longest hash looked at; the rest is ignored (with a warning).
pub const HASH_LENGTH_MAX: usize = 32_768;
/// Largest `t` accepted (simulated seconds to run to on load).
pub const TIME_MAX_S: f64 = 600.0;
/// Scenario shown when none (or an unknown one) is named.
pub const DEFAULT_SCENARIO: &str = scenario::SCENARIOS[0].info.id;

/// Language of the page.
pub use replica_core::i18n::Lang;

/// Everything the hash can say.
#[derive(Debug, Clone, PartialEq)]
pub struct PageParams {
    /// Scenario id (known to the catalogue).
    pub scenario: String,
    /// Seed, if given.
    pub seed: Option<u64>,
    /// Latency multiplier.
    pub latency: f64,
    /// Offered load, if given.
    pub load: Option<f64>,
    /// Simulated seconds to run to on load.
    pub t_s: f64,
    /// Narration language.
    pub lang: Lang,
    /// Compact layout for iframes.
    pub embed: bool,
    /// The lesson step taken last (from 1; 0 before the first).
    pub lesson: usize,
    /// Knob values (validated).
    pub knobs: BTreeMap<String, String>,
    /// The control log as written in the link (decoded once the run's node ids are known).
    pub controls: String,
}

impl Default for PageParams {
    fn default() -> Self {
        Self {
            scenario: DEFAULT_SCENARIO.to_string(),
            seed: None,
            latency: 1.0,
            load: None,
            t_s: 0.0,
            lang: Lang::En,
            embed: false,
            lesson: 0,
            knobs: BTreeMap::new(),
            controls: String::new(),
        }
    }
}

fn number_in(value: &str, min: f64, max: f64) -> Option<f64> {
    value.parse::<f64>().ok().filter(|v| v.is_finite() && (min..=max).contains(v))
}

/// Parses a hash (with or without the leading `#`). Returns the params and warnings.
pub fn parse_hash(hash: &str) -> (PageParams, Vec<String>) {
    let mut warnings = Vec::new();
    let mut text = hash.strip_prefix('#').unwrap_or(hash);
    if text.len() > HASH_LENGTH_MAX {
        warnings.push(format!("The link is longer than {HASH_LENGTH_MAX} characters; the rest was ignored."));
        let mut cut = HASH_LENGTH_MAX;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text = &text[..cut];
    }
    let pairs: Vec<(String, String)> = form_urlencoded::parse(text.as_bytes()).into_owned().collect();
    let mut params = PageParams::default();
    let scenario = pairs.iter().find(|(k, _)| k == "scenario").map(|(_, v)| v.clone());
    let info = match scenario {
        Some(id) => scenario::info(&id).unwrap_or_else(|| {
            warnings.push(format!("Unknown scenario '{}'; showing {DEFAULT_SCENARIO}.", shorten(&id)));
            default_info()
        }),
        None => default_info(),
    };
    params.scenario = info.id.to_string();
    for (key, value) in &pairs {
        if let Err(warning) = apply_pair(&mut params, info, key, value) {
            warnings.push(warning);
        }
    }
    (params, warnings)
}

fn default_info() -> &'static ScenarioInfo {
    &scenario::SCENARIOS[0].info
}

fn apply_pair(params: &mut PageParams, info: &ScenarioInfo, key: &str, value: &str) -> Result<(), String> {
    let bad = |what: &str| format!("Ignored {what} '{}' in the link.", shorten(value));
    match key {
        "scenario" => {}
        "seed" => params.seed = Some(value.parse::<u64>().map_err(|_| bad("seed"))?),
        "latency" => params.latency = number_in(value, 0.1, 50.0).ok_or_else(|| bad("latency"))?,
        "load" => {
            params.load = Some(number_in(value, 0.0, replica_core::workload::LOAD_OPS_MAX).ok_or_else(|| bad("load"))?)
        }
        "t" => params.t_s = number_in(value, 0.0, TIME_MAX_S).ok_or_else(|| bad("time"))?,
        "lang" => {
            params.lang = match value {
                "en" => Lang::En,
                "hi" => Lang::Hi,
                _ => return Err(bad("language")),
            }
        }
        "embed" => params.embed = value == "1" || value == "true",
        "lesson" => {
            params.lesson = value
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=info.lesson.len()).contains(n))
                .ok_or_else(|| bad("lesson step"))?
        }
        "ctl" => params.controls = value.to_string(),
        knob => {
            let spec = info
                .knobs
                .iter()
                .find(|k| k.name == knob)
                .ok_or_else(|| format!("Ignored unknown setting '{}' in the link.", shorten(knob)))?;
            scenario::validate_knob(spec, value).map_err(|e| format!("Ignored a setting in the link: {e}."))?;
            params.knobs.insert(knob.to_string(), value.to_string());
        }
    }
    Ok(())
}

/// Serialises params to a hash (with the leading `#`), in a stable order.
pub fn to_hash(params: &PageParams, seed: u64) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    out.append_pair("scenario", &params.scenario);
    out.append_pair("seed", &seed.to_string());
    out.append_pair("latency", &trim_number(params.latency));
    if let Some(load) = params.load {
        out.append_pair("load", &trim_number(load));
    }
    if params.t_s > 0.0 {
        out.append_pair("t", &trim_number(params.t_s));
    }
    if params.lang == Lang::Hi {
        out.append_pair("lang", "hi");
    }
    if params.embed {
        out.append_pair("embed", "1");
    }
    if params.lesson > 0 {
        out.append_pair("lesson", &params.lesson.to_string());
    }
    for (name, value) in &params.knobs {
        out.append_pair(name, value);
    }
    let mut hash = format!("#{}", out.finish());
    if !params.controls.is_empty() {
        hash.push_str("&ctl=");
        hash.push_str(&params.controls);
    }
    hash
}

fn trim_number(value: f64) -> String {
    let text = format!("{value:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}
