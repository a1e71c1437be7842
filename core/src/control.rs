//! Controls: everything a user (or a fault schedule) can do to a running world, and the
//! fault-spec grammar of the command line.
//!
//! A control names nodes and cities by id, so a control log reads well in a URL and stays
//! valid across scenarios. Applying a control is recorded with its simulated time in the
//! world's control log; replaying the log from the seed rebuilds any moment exactly.
//!
//! Grammar (times like `10s`, `500ms`, `1.5s`, `2m`; a bare number means seconds):
//! `crash:NODE@T`, `restart:NODE@T`, `partition:A-B@T1..T2` (both ways),
//! `partition:A>B@T1..T2` (one way, A's messages to B are lost), `isolate:NODE@T1..T2`
//! (cut from every other city), `slow:A-B:xF@T1..T2`, `loss:A-B:0.1@T1..T2`,
//! `skew:NODE:+50ms@T`, `latency:xF@T`, `load:OPS@T`.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Longest simulated time a fault may name: one day.
pub const FAULT_TIME_MAX_US: u64 = 86_400_000_000;
/// Largest clock skew accepted.
pub const SKEW_MAX_US: i64 = 3_600_000_000;

/// One thing done to the world.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Control {
    /// Set the global latency multiplier.
    Latency {
        /// Multiplier (1 = calibrated).
        multiplier: f64,
    },
    /// Set the offered load.
    Load {
        /// Operations per second.
        ops_s: f64,
    },
    /// Crash a node (power loss).
    Crash {
        /// Node id.
        node: String,
    },
    /// Restart a crashed node.
    Restart {
        /// Node id.
        node: String,
    },
    /// Cut the link from `from` to `to` (one direction); `both` cuts the reverse too.
    Cut {
        /// Node or city id.
        from: String,
        /// Node or city id.
        to: String,
        /// Also cut `to` → `from`.
        both: bool,
    },
    /// Heal the link between two nodes or cities, both directions.
    Heal {
        /// Node or city id.
        a: String,
        /// Node or city id.
        b: String,
    },
    /// Heal every cut and slow link.
    HealAll,
    /// Make the link between two nodes or cities slower, both directions.
    Slow {
        /// Node or city id.
        a: String,
        /// Node or city id.
        b: String,
        /// Delay multiplier (1 restores).
        factor: f64,
    },
    /// Drop messages on the link between two nodes or cities at random, both directions.
    Loss {
        /// Node or city id.
        a: String,
        /// Node or city id.
        b: String,
        /// Probability that a message is lost (0 restores).
        probability: f64,
    },
    /// Set a node's wall-clock skew.
    Skew {
        /// Node id.
        node: String,
        /// Skew in microseconds (positive = ahead).
        skew_us: i64,
    },
}

impl Control {
    /// Short human description, for logs and narration.
    pub fn describe(&self) -> String {
        match self {
            Control::Latency { multiplier } => format!("latency ×{multiplier}"),
            Control::Load { ops_s } => format!("load {ops_s} ops/s"),
            Control::Crash { node } => format!("crash {node}"),
            Control::Restart { node } => format!("restart {node}"),
            Control::Cut { from, to, both: true } => format!("partition {from} ↔ {to}"),
            Control::Cut { from, to, both: false } => format!("cut {from} → {to}"),
            Control::Heal { a, b } => format!("heal {a} ↔ {b}"),
            Control::HealAll => "heal all links".to_string(),
            Control::Slow { a, b, factor } => format!("slow {a} ↔ {b} ×{factor}"),
            Control::Loss { a, b, probability } => format!("loss {a} ↔ {b} {:.0}%", probability * 100.0),
            Control::Skew { node, skew_us } => {
                format!("skew {node} {:+} ms", *skew_us as f64 / 1000.0)
            }
        }
    }
}

/// The cities a node or city is cut from to isolate it: every other one (the fault spec
/// `isolate:` and the lessons' "cut off" steps).
pub fn isolation_peers(node: &str) -> impl Iterator<Item = &'static str> + '_ {
    crate::geo::CITIES.iter().map(|city| city.id).filter(move |city| *city != node)
}

/// A control at a simulated time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimedControl {
    /// When it applies.
    pub at_us: u64,
    /// What it does.
    pub control: Control,
}

/// Why a fault spec was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FaultError {
    /// The spec has no `@TIME` part.
    #[error("fault '{0}' has no '@TIME' (e.g. crash:mumbai@10s)")]
    MissingTime(String),
    /// The spec's kind is not one of the grammar's.
    #[error(
        "unknown fault kind '{0}' (expected crash, restart, partition, isolate, slow, loss, skew, latency or load)"
    )]
    UnknownKind(String),
    /// A node or city id that the scenario does not have.
    #[error("unknown node or city '{0}'")]
    UnknownNode(String),
    /// A time that does not parse or is out of range.
    #[error("bad time '{0}' (use e.g. 10s, 500ms, 1.5s, 2m; at most one day)")]
    BadTime(String),
    /// A range whose end is not after its start, or a fault that needs a range without one.
    #[error("bad time range '{0}' (use T1..T2 with T2 after T1)")]
    BadRange(String),
    /// A malformed argument.
    #[error("bad argument '{0}' in fault '{1}'")]
    BadArgument(String, String),
}

/// Parses a duration such as `10s`, `500ms`, `1.5s`, `2m`, `250us` or a bare number of seconds.
pub fn parse_duration_us(text: &str) -> Result<u64, FaultError> {
    let bad = || FaultError::BadTime(text.to_string());
    let trimmed = text.trim();
    let split = trimmed.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let value: f64 = number.parse().map_err(|_| bad())?;
    let scale = match unit {
        "" | "s" => 1_000_000.0,
        "ms" => 1_000.0,
        "us" | "µs" => 1.0,
        "m" | "min" => 60_000_000.0,
        "h" => 3_600_000_000.0,
        _ => return Err(bad()),
    };
    let micros = value * scale;
    if !micros.is_finite() || micros < 0.0 || micros > FAULT_TIME_MAX_US as f64 {
        return Err(bad());
    }
    Ok(micros as u64)
}

fn parse_skew_us(text: &str) -> Result<i64, FaultError> {
    let (sign, rest) = match text.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, text.strip_prefix('+').unwrap_or(text)),
    };
    let magnitude = parse_duration_us(rest)?;
    let magnitude = i64::try_from(magnitude).map_err(|_| FaultError::BadTime(text.to_string()))?;
    if magnitude > SKEW_MAX_US {
        return Err(FaultError::BadTime(text.to_string()));
    }
    Ok(sign * magnitude)
}

fn parse_factor(text: &str, spec: &str) -> Result<f64, FaultError> {
    let bad = || FaultError::BadArgument(text.to_string(), spec.to_string());
    let number = text.strip_prefix('x').or_else(|| text.strip_prefix('×')).unwrap_or(text);
    let value: f64 = number.parse().map_err(|_| bad())?;
    if value.is_finite() && value > 0.0 && value <= 1000.0 {
        Ok(value)
    } else {
        Err(bad())
    }
}

/// Splits `A-B` (or `A>B`) into two known ids; ids may themselves contain `-`.
fn split_pair<'a>(text: &'a str, separator: char, known: &[&str]) -> Result<(&'a str, &'a str), FaultError> {
    for (index, c) in text.char_indices() {
        if c == separator {
            let (a, b) = (&text[..index], &text[index + 1..]);
            if known.contains(&a) && known.contains(&b) {
                return Ok((a, b));
            }
        }
    }
    let first_unknown = text.split(separator).find(|part| !known.contains(part)).unwrap_or(text);
    Err(FaultError::UnknownNode(first_unknown.to_string()))
}

fn known_node(id: &str, known: &[&str]) -> Result<String, FaultError> {
    if known.contains(&id) {
        Ok(id.to_string())
    } else {
        Err(FaultError::UnknownNode(id.to_string()))
    }
}

/// Parses one fault spec into timed controls; `known` lists valid node and city ids.
pub fn parse_fault(spec: &str, known: &[&str]) -> Result<Vec<TimedControl>, FaultError> {
    let (body, when) = spec.rsplit_once('@').ok_or_else(|| FaultError::MissingTime(spec.to_string()))?;
    let (kind, args) = body.split_once(':').unwrap_or((body, ""));
    let range = match when.split_once("..") {
        Some((start, end)) => {
            let (start, end) = (parse_duration_us(start)?, parse_duration_us(end)?);
            if end <= start {
                return Err(FaultError::BadRange(when.to_string()));
            }
            Some((start, end))
        }
        None => None,
    };
    let at = |t: u64, control: Control| TimedControl { at_us: t, control };
    let single = || match range {
        Some(_) => Err(FaultError::BadTime(when.to_string())),
        None => parse_duration_us(when),
    };
    let ranged = || range.ok_or_else(|| FaultError::BadRange(when.to_string()));
    match kind {
        "crash" => Ok(vec![at(single()?, Control::Crash { node: known_node(args, known)? })]),
        "restart" => Ok(vec![at(single()?, Control::Restart { node: known_node(args, known)? })]),
        "partition" => {
            let (start, end) = ranged()?;
            let (a, b, both) = if args.contains('>') {
                let (a, b) = split_pair(args, '>', known)?;
                (a, b, false)
            } else {
                let (a, b) = split_pair(args, '-', known)?;
                (a, b, true)
            };
            Ok(vec![
                at(start, Control::Cut { from: a.to_string(), to: b.to_string(), both }),
                at(end, Control::Heal { a: a.to_string(), b: b.to_string() }),
            ])
        }
        "isolate" => {
            let (start, end) = ranged()?;
            let node = known_node(args, known)?;
            let mut controls = Vec::new();
            for city in isolation_peers(&node) {
                controls.push(at(start, Control::Cut { from: node.clone(), to: city.to_string(), both: true }));
                controls.push(at(end, Control::Heal { a: node.clone(), b: city.to_string() }));
            }
            Ok(controls)
        }
        "slow" => {
            let (start, end) = ranged()?;
            let (pair, factor) =
                args.rsplit_once(':').ok_or_else(|| FaultError::BadArgument(args.to_string(), spec.to_string()))?;
            let (a, b) = split_pair(pair, '-', known)?;
            let factor = parse_factor(factor, spec)?;
            Ok(vec![
                at(start, Control::Slow { a: a.to_string(), b: b.to_string(), factor }),
                at(end, Control::Slow { a: a.to_string(), b: b.to_string(), factor: 1.0 }),
            ])
        }
        "loss" => {
            let (start, end) = ranged()?;
            let (pair, probability) =
                args.rsplit_once(':').ok_or_else(|| FaultError::BadArgument(args.to_string(), spec.to_string()))?;
            let (a, b) = split_pair(pair, '-', known)?;
            let probability: f64 = probability
                .parse()
                .ok()
                .filter(|p: &f64| (0.0..=1.0).contains(p))
                .ok_or_else(|| FaultError::BadArgument(probability.to_string(), spec.to_string()))?;
            Ok(vec![
                at(start, Control::Loss { a: a.to_string(), b: b.to_string(), probability }),
                at(end, Control::Loss { a: a.to_string(), b: b.to_string(), probability: 0.0 }),
            ])
        }
        "skew" => {
            let (node, skew) =
                args.rsplit_once(':').ok_or_else(|| FaultError::BadArgument(args.to_string(), spec.to_string()))?;
            Ok(vec![at(single()?, Control::Skew { node: known_node(node, known)?, skew_us: parse_skew_us(skew)? })])
        }
        "latency" => Ok(vec![at(single()?, Control::Latency { multiplier: parse_factor(args, spec)? })]),
        "load" => {
            let ops_s: f64 = args.parse().map_err(|_| FaultError::BadArgument(args.to_string(), spec.to_string()))?;
            if !(ops_s.is_finite() && ops_s >= 0.0) {
                return Err(FaultError::BadArgument(args.to_string(), spec.to_string()));
            }
            Ok(vec![at(single()?, Control::Load { ops_s })])
        }
        other => Err(FaultError::UnknownKind(other.to_string())),
    }
}

/// The controls of a list of fault specs, in time order (specs at the same time keep their
/// order): what `run --fault SPEC…` schedules, and what a sweep's or the nemesis's schedule
/// replays as.
pub fn controls_from_specs(specs: &[String], known: &[&str]) -> Result<Vec<TimedControl>, FaultError> {
    let mut controls = Vec::new();
    for spec in specs {
        controls.extend(parse_fault(spec, known)?);
    }
    controls.sort_by_key(|timed| timed.at_us);
    Ok(controls)
}

/// Every node crashes once at a random moment and restarts 0.2–3.2 s later: crashes start
/// before `duration_us - 8 s` (or 2 s, for runs shorter than 10 s), so every node is back
/// by `duration_us - 4.8 s`. The schedule of `sweep --faults crashes`, which puts a crash at
/// a random point of every seed's run.
pub fn crash_faults(seed: u64, nodes: &[String], duration_us: u64) -> Vec<String> {
    let mut rng = crate::rng::Stream::new(seed, crate::rng::Purpose::Faults);
    let window_end = duration_us.saturating_sub(8_000_000).max(2_000_000);
    nodes
        .iter()
        .flat_map(|node| {
            let crash_us = 1_000_000 + rng.below(window_end - 1_000_000);
            let restart_us = crash_us + 200_000 + rng.below(3_000_000);
            [format!("crash:{node}@{}ms", crash_us / 1000), format!("restart:{node}@{}ms", restart_us / 1000)]
        })
        .collect()
}

/// A random fault schedule in the fault grammar: one to three crashes (each restarted),
/// isolations, lossy links or partitions between two different `nodes` (never an empty one). Each starts before
/// `duration_us - 8 s` (or 3 s, for runs shorter than 11 s) and lasts 0.5–5.5 s, so all are
/// healed by `duration_us - 2.5 s` and the run ends healthy. Drawn from the seed's fault stream, so a sweep's seed names its schedule.
pub fn random_faults(seed: u64, nodes: &[String], duration_us: u64) -> Vec<String> {
    let mut rng = crate::rng::Stream::new(seed, crate::rng::Purpose::Faults);
    let window_end = duration_us.saturating_sub(8_000_000).max(3_000_000);
    let count = 1 + rng.below(3);
    let mut specs = Vec::new();
    let ms = |t: u64| format!("{}ms", t / 1000);
    for _ in 0..count {
        let start = 1_000_000 + rng.below(window_end - 1_000_000);
        let end = start + 500_000 + rng.below(5_000_000);
        let a = &nodes[rng.below(nodes.len() as u64) as usize];
        // The other end of a link: never `a` itself, so no fault is drawn empty.
        let others: Vec<&String> = nodes.iter().filter(|node| *node != a).collect();
        let kind = if others.is_empty() { 0 } else { rng.below(5) };
        match kind {
            0 => {
                specs.push(format!("crash:{a}@{}", ms(start)));
                specs.push(format!("restart:{a}@{}", ms(end)));
            }
            1 => specs.push(format!("isolate:{a}@{}..{}", ms(start), ms(end))),
            2 => {
                let b = others[rng.below(others.len() as u64) as usize];
                let probability = 0.05 + 0.05 * rng.below(6) as f64;
                specs.push(format!("loss:{a}-{b}:{probability:.2}@{}..{}", ms(start), ms(end)));
            }
            _ => {
                let b = others[rng.below(others.len() as u64) as usize];
                specs.push(format!("partition:{a}-{b}@{}..{}", ms(start), ms(end)));
            }
        }
    }
    specs
}

/// Most controls a shared link may carry (the rest are dropped with a warning).
pub const LINK_CONTROLS_MAX: usize = 500;

/// Encodes a control log compactly for a URL: `T:kind:args` items joined by `,`, where `T`
/// is the exact simulated time in microseconds, so a decoded log replays the same run.
/// Kinds: `latency:F`, `load:F`, `crash:N`, `restart:N`, `cut:A:B:1|0` (1 = both ways),
/// `heal:A:B`, `healall`, `slow:A:B:F`, `loss:A:B:P`, `skew:N:US`.
pub fn encode_log(log: &[TimedControl]) -> String {
    let items: Vec<String> = log.iter().map(encode_item).collect();
    items.join(",")
}

fn encode_item(timed: &TimedControl) -> String {
    let body = match &timed.control {
        Control::Latency { multiplier } => format!("latency:{multiplier}"),
        Control::Load { ops_s } => format!("load:{ops_s}"),
        Control::Crash { node } => format!("crash:{node}"),
        Control::Restart { node } => format!("restart:{node}"),
        Control::Cut { from, to, both } => format!("cut:{from}:{to}:{}", u8::from(*both)),
        Control::Heal { a, b } => format!("heal:{a}:{b}"),
        Control::HealAll => "healall".to_string(),
        Control::Slow { a, b, factor } => format!("slow:{a}:{b}:{factor}"),
        Control::Loss { a, b, probability } => format!("loss:{a}:{b}:{probability}"),
        Control::Skew { node, skew_us } => format!("skew:{node}:{skew_us}"),
    };
    format!("{}:{body}", timed.at_us)
}

/// Checks a control from outside (a trace file) as a link's would be checked: known ids,
/// values in range, a time within a day.
pub fn validate(timed: &TimedControl, known: &[&str]) -> Result<(), FaultError> {
    let item = encode_item(timed);
    match decode_item(&item, known)? {
        same if same == *timed => Ok(()),
        _ => Err(FaultError::BadArgument(shorten(&item), shorten(&item))),
    }
}

/// Decodes [`encode_log`]'s format. Never fails as a whole: an item that does not parse,
/// names an unknown id, holds an out-of-range value or goes back in time is dropped with a
/// warning naming it; at most [`LINK_CONTROLS_MAX`] items are kept.
pub fn decode_log(text: &str, known: &[&str]) -> (Vec<TimedControl>, Vec<String>) {
    let mut log: Vec<TimedControl> = Vec::new();
    let mut warnings = Vec::new();
    for item in text.split(',').filter(|item| !item.is_empty()) {
        if log.len() == LINK_CONTROLS_MAX {
            warnings.push(format!("The link holds more than {LINK_CONTROLS_MAX} controls; the rest were ignored."));
            break;
        }
        match decode_item(item, known) {
            Ok(timed) if log.last().is_none_or(|last| last.at_us <= timed.at_us) => log.push(timed),
            Ok(_) => warnings.push(format!("Ignored control '{}' in the link: it goes back in time.", shorten(item))),
            Err(error) => warnings.push(format!("Ignored control '{}' in the link: {error}.", shorten(item))),
        }
    }
    (log, warnings)
}

/// Untrusted text cut to 40 characters (with `…` when cut), for warnings that quote it.
pub fn shorten(text: &str) -> String {
    let mut short: String = text.chars().take(40).collect();
    if text.chars().nth(40).is_some() {
        short.push('…');
    }
    short
}

fn decode_item(item: &str, known: &[&str]) -> Result<TimedControl, FaultError> {
    let fields: Vec<&str> = item.splitn(6, ':').collect();
    let bad_at = |index: usize| FaultError::BadArgument(shorten(fields.get(index).unwrap_or(&"")), shorten(item));
    let at_us: u64 = fields[0].parse().map_err(|_| FaultError::BadTime(shorten(fields[0])))?;
    if at_us > FAULT_TIME_MAX_US {
        return Err(FaultError::BadTime(shorten(fields[0])));
    }
    let number = |index: usize, min: f64, max: f64| {
        fields
            .get(index)
            .and_then(|text| text.parse::<f64>().ok())
            .filter(|value| value.is_finite() && (min..=max).contains(value))
            .ok_or_else(|| bad_at(index))
    };
    let id = |index: usize| fields.get(index).ok_or_else(|| bad_at(index)).and_then(|name| known_node(name, known));
    let kind = fields.get(1).copied().unwrap_or("");
    let fields_expected = match kind {
        "healall" => 2,
        "latency" | "load" | "crash" | "restart" => 3,
        "heal" | "skew" => 4,
        "cut" | "slow" | "loss" => 5,
        _ => return Err(FaultError::UnknownKind(shorten(kind))),
    };
    if fields.len() != fields_expected {
        return Err(FaultError::BadArgument(format!("{} fields", fields.len()), shorten(item)));
    }
    let control = match kind {
        "latency" => Control::Latency { multiplier: number(2, 0.1, 50.0)? },
        "load" => Control::Load { ops_s: number(2, 0.0, crate::workload::LOAD_OPS_MAX)? },
        "crash" => Control::Crash { node: id(2)? },
        "restart" => Control::Restart { node: id(2)? },
        "cut" => Control::Cut {
            from: id(2)?,
            to: id(3)?,
            both: match fields[4] {
                "1" => true,
                "0" => false,
                _ => return Err(bad_at(4)),
            },
        },
        "heal" => Control::Heal { a: id(2)?, b: id(3)? },
        "healall" => Control::HealAll,
        "slow" => Control::Slow { a: id(2)?, b: id(3)?, factor: number(4, 0.001, 1000.0)? },
        "loss" => Control::Loss { a: id(2)?, b: id(3)?, probability: number(4, 0.0, 1.0)? },
        _ => {
            let skew_us: i64 = fields[3].parse().map_err(|_| bad_at(3))?;
            if skew_us.unsigned_abs() > SKEW_MAX_US as u64 {
                return Err(bad_at(3));
            }
            Control::Skew { node: id(2)?, skew_us }
        }
    };
    Ok(TimedControl { at_us, control })
}
