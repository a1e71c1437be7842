//! Reading a trace file back (docs/trace-format.md) and making its run again: the command line's
//! `replay` and the page's import.
//!
//! A trace's history, final state and findings are the run's output: they are made again,
//! never read. Only what makes the run is read — scenario, seed, config, controls and the
//! times — plus the digest to compare with. Nothing in the file is trusted: every field is
//! checked, and a bad one is named in the error. This module does not run anything longer
//! than the file's own `time_us`, which is bounded.

use crate::control::{self, Control, TimedControl};
use crate::json::{self, Json};
use crate::report::TRACE_FORMAT;
use crate::scenario::{self, ScenarioConfig, ScenarioError, Simulation, DURATION_MAX_US, QUIET_MAX_US};
use std::collections::BTreeMap;
use thiserror::Error;

/// Largest trace text read (a page trace keeps at most 50,000 operations, a few MB).
pub const TRACE_TEXT_MAX_BYTES: usize = 256 * 1024 * 1024;

/// Why a trace file cannot be replayed.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ReplayError {
    /// The text is not JSON, or a field the replay needs is missing or of the wrong type.
    #[error("not a Replica Lab trace: {0}")]
    NotTrace(String),
    /// The `format` field names another format.
    #[error("unknown trace format '{0}' (expected {TRACE_FORMAT})")]
    Format(String),
    /// The text is larger than [`TRACE_TEXT_MAX_BYTES`].
    #[error("the trace is {0} bytes; at most {TRACE_TEXT_MAX_BYTES} are read")]
    TooLarge(usize),
    /// The file does not say when it ends (`time_us`), so its moment cannot be found.
    #[error("the trace does not say when it ends (no time_us); write it again with this version")]
    NoTime,
    /// `time_us` or `workload_stopped_us` is beyond a run's longest or out of order.
    #[error("bad times in the trace: time_us {time_us}, workload_stopped_us {stopped_us:?}")]
    BadTime {
        /// The trace's end.
        time_us: u64,
        /// When its workload stopped.
        stopped_us: Option<u64>,
    },
    /// A `config` entry that is not a number where one is needed.
    #[error("bad config value {key} = '{value}'")]
    BadConfig {
        /// Entry name.
        key: String,
        /// Its value, shortened.
        value: String,
    },
    /// A control that names an unknown node, holds a value out of range or goes back in time.
    #[error("bad control #{index} in the trace: {reason}")]
    BadControl {
        /// Its position in `controls` (from 1).
        index: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// The run took more events than the caller allows (the page bounds what it replays).
    #[error("the trace's run takes more than {0} events to make again")]
    TooLong(u64),
    /// The scenario rejects the settings (unknown scenario or knob, value out of range).
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
}

/// What a trace file says about making its run again.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceHeader {
    /// [`TRACE_FORMAT`].
    pub format: String,
    /// Scenario id.
    pub scenario: String,
    /// Seed.
    pub seed: u64,
    /// `load_ops_s`, `latency_multiplier` and the scenario's knobs.
    pub config: BTreeMap<String, String>,
    /// The controls, in time order.
    pub controls: Vec<TimedControl>,
    /// When the trace ends.
    pub time_us: Option<u64>,
    /// When the workload stopped, if it did.
    pub workload_stopped_us: Option<u64>,
    /// The digest the run had at `time_us`.
    pub trace_digest: String,
}

impl TraceHeader {
    /// Reads a trace file's text; fields the replay does not need are skipped.
    pub fn parse(text: &str) -> Result<Self, ReplayError> {
        if text.len() > TRACE_TEXT_MAX_BYTES {
            return Err(ReplayError::TooLarge(text.len()));
        }
        let root = json::parse(text).map_err(|error| ReplayError::NotTrace(error.to_string()))?;
        let header = TraceHeader {
            format: string(&root, "format")?,
            scenario: string(&root, "scenario")?,
            seed: whole(&root, "seed")?,
            config: settings(&root)?,
            controls: controls(&root)?,
            time_us: optional_whole(&root, "time_us")?,
            workload_stopped_us: optional_whole(&root, "workload_stopped_us")?,
            trace_digest: string(&root, "trace_digest")?,
        };
        if header.format != TRACE_FORMAT {
            return Err(ReplayError::Format(control::shorten(&header.format)));
        }
        header.end_us()?;
        Ok(header)
    }

    /// When the trace ends, checked against the longest run and its workload's stop.
    pub fn end_us(&self) -> Result<u64, ReplayError> {
        let time_us = self.time_us.ok_or(ReplayError::NoTime)?;
        let stopped_us = self.workload_stopped_us;
        let in_order = stopped_us.is_none_or(|stopped| stopped <= time_us && stopped <= DURATION_MAX_US);
        if time_us > DURATION_MAX_US + QUIET_MAX_US || !in_order {
            return Err(ReplayError::BadTime { time_us, stopped_us });
        }
        Ok(time_us)
    }

    /// The run the trace describes, every setting and control checked.
    pub fn scenario_config(&self) -> Result<ScenarioConfig, ReplayError> {
        let mut config = ScenarioConfig::new(&self.scenario, self.seed);
        for (key, value) in &self.config {
            match key.as_str() {
                "load_ops_s" => config.load_ops_s = Some(number(key, value)?),
                "latency_multiplier" => config.latency_multiplier = number(key, value)?,
                _ => {
                    config.knobs.insert(key.clone(), value.clone());
                }
            }
        }
        // Built once without controls: the settings are checked and the ids known.
        let known_ids = scenario::build(config.clone())?.known_ids();
        let known: Vec<&str> = known_ids.iter().map(String::as_str).collect();
        let mut previous_us = 0;
        for (index, timed) in self.controls.iter().enumerate() {
            let bad = |reason: String| ReplayError::BadControl { index: index + 1, reason };
            control::validate(timed, &known).map_err(|error| bad(error.to_string()))?;
            if timed.at_us < previous_us {
                return Err(bad("it goes back in time".to_string()));
            }
            previous_us = timed.at_us;
        }
        config.controls = self.controls.clone();
        Ok(config)
    }
}

fn missing(field: &str, what: &str) -> ReplayError {
    ReplayError::NotTrace(format!("'{}' is not {what}", control::shorten(field)))
}

fn string(object: &Json, field: &str) -> Result<String, ReplayError> {
    object.get(field).and_then(Json::as_str).map(str::to_string).ok_or_else(|| missing(field, "a string"))
}

fn whole<T: std::str::FromStr>(object: &Json, field: &str) -> Result<T, ReplayError> {
    object.get(field).and_then(Json::number::<T>).ok_or_else(|| missing(field, "a whole number in range"))
}

fn float(object: &Json, field: &str) -> Result<f64, ReplayError> {
    object.get(field).and_then(Json::number::<f64>).ok_or_else(|| missing(field, "a number"))
}

fn optional_whole(object: &Json, field: &str) -> Result<Option<u64>, ReplayError> {
    match object.get(field) {
        None | Some(Json::Null) => Ok(None),
        Some(_) => whole(object, field).map(Some),
    }
}

fn settings(root: &Json) -> Result<BTreeMap<String, String>, ReplayError> {
    let Some(Json::Object(members)) = root.get("config") else { return Err(missing("config", "an object")) };
    let mut config = BTreeMap::new();
    for (name, value) in members {
        let value = value.as_str().ok_or_else(|| missing(name, "a string"))?;
        config.insert(name.clone(), value.to_string());
    }
    Ok(config)
}

fn controls(root: &Json) -> Result<Vec<TimedControl>, ReplayError> {
    let Some(Json::Array(items)) = root.get("controls") else { return Err(missing("controls", "an array")) };
    let mut controls = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let body = item.get("control").ok_or_else(|| missing("control", "an object"))?;
        let control = control_of(body).map_err(|error| ReplayError::BadControl {
            index: index + 1,
            reason: match error {
                ReplayError::NotTrace(reason) => reason,
                other => other.to_string(),
            },
        })?;
        controls.push(TimedControl { at_us: whole(item, "at_us")?, control });
    }
    Ok(controls)
}

/// A control as `serde` writes it: `{"type":KIND, fields...}`.
fn control_of(body: &Json) -> Result<Control, ReplayError> {
    let text = |field: &str| string(body, field);
    Ok(match string(body, "type")?.as_str() {
        "latency" => Control::Latency { multiplier: float(body, "multiplier")? },
        "load" => Control::Load { ops_s: float(body, "ops_s")? },
        "crash" => Control::Crash { node: text("node")? },
        "restart" => Control::Restart { node: text("node")? },
        "cut" => Control::Cut {
            from: text("from")?,
            to: text("to")?,
            both: match body.get("both") {
                Some(Json::Bool(both)) => *both,
                _ => return Err(missing("both", "true or false")),
            },
        },
        "heal" => Control::Heal { a: text("a")?, b: text("b")? },
        "heal_all" => Control::HealAll,
        "slow" => Control::Slow { a: text("a")?, b: text("b")?, factor: float(body, "factor")? },
        "loss" => Control::Loss { a: text("a")?, b: text("b")?, probability: float(body, "probability")? },
        "skew" => Control::Skew { node: text("node")?, skew_us: whole(body, "skew_us")? },
        other => return Err(ReplayError::NotTrace(format!("unknown control type '{}'", control::shorten(other)))),
    })
}

fn number(key: &str, value: &str) -> Result<f64, ReplayError> {
    value
        .parse::<f64>()
        .ok()
        .filter(|number| number.is_finite())
        .ok_or_else(|| ReplayError::BadConfig { key: key.to_string(), value: control::shorten(value) })
}

/// Makes the trace's run again from `config` (its [`TraceHeader::scenario_config`], perhaps
/// with front-end settings that do not change the run): runs it to the workload's stop, if
/// the trace had one, then to its end, handling at most `events_max` events. Compare
/// [`Simulation::digest`] with the file's.
pub fn replay(
    header: &TraceHeader,
    config: ScenarioConfig,
    events_max: u64,
) -> Result<Box<dyn Simulation>, ReplayError> {
    let end_us = header.end_us()?;
    let mut simulation = scenario::build(config)?;
    let mut reached = true;
    if let Some(stopped_us) = header.workload_stopped_us {
        reached = simulation.run_until_bounded(stopped_us, events_max);
        simulation.stop_workload();
    }
    let events_left = events_max.saturating_sub(simulation.events());
    if !reached || !simulation.run_until_bounded(end_us, events_left) {
        return Err(ReplayError::TooLong(events_max));
    }
    Ok(simulation)
}
