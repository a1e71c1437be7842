//! The nemesis: hostile fault schedules that look at the run before they strike, and a
//! shrinker that cuts a schedule that breaks a promise down to a small one.
//!
//! In the spirit of Jepsen's combined nemeses, every seed draws 3–12 overlapping faults —
//! partitions that cut whoever leads at that moment from a majority, partitions into two
//! halves (bridges included), one-way cuts, isolations, crashes restarted after 10 ms to
//! 5 s (inside an election, inside a lease), clock skew, slow and lossy links, load pauses
//! and bursts. A fault is drawn blind (its kind and window come from the seed's nemesis
//! stream) but aimed when it strikes: the run is driven to that moment and the fault is
//! pointed at the state it finds (the current leader, the cities holding nodes). Each
//! decision is written down as fault specs of the command-line grammar, so a schedule is a
//! list of plain `--fault` arguments: `run --fault …` replays it exactly (the controls
//! land at the same microseconds, in the same order; a test checks the digests agree).
//! Every fault is healed by [`heal_deadline_us`], so the promises are judged on a run
//! that ends whole.
//!
//! [`shrink`] takes a schedule that breaks a promise and makes it smaller the way delta
//! debugging does — drop faults, drop the links of a partition, narrow windows — keeping
//! every change after which the promise still breaks, within a bounded number of runs.

use crate::check::{AnomalyKind, CheckReport};
use crate::control::{controls_from_specs, TimedControl};
use crate::history::Outcome;
use crate::protocol::{OpKind, Role};
use crate::report::{self, Finished};
use crate::rng::{Purpose, Stream};
use crate::scenario::{self, ScenarioConfig, ScenarioError, ScheduleError, Simulation};
use std::collections::BTreeMap;

/// Fewest faults a nemesis schedule draws.
pub const FAULTS_MIN: u64 = 3;
/// Most faults a nemesis schedule draws.
pub const FAULTS_MAX: u64 = 12;
/// Earliest moment a fault strikes.
pub const FIRST_FAULT_US: u64 = 500_000;
/// Shortest gap between a crash and its restart.
pub const RESTART_GAP_MIN_US: u64 = 10_000;
/// Longest gap between a crash and its restart.
pub const RESTART_GAP_MAX_US: u64 = 5_000_000;
/// Most runs one shrink may spend.
pub const SHRINK_RUNS_MAX: usize = 150;

/// When every fault of a run of `duration_us` is healed: two seconds before the workload
/// ends (half the run for runs shorter than four seconds), so the run ends whole.
pub fn heal_deadline_us(duration_us: u64) -> u64 {
    if duration_us >= 4_000_000 {
        duration_us - 2_000_000
    } else {
        duration_us / 2
    }
}

/// One fault, concrete: fault specs without their times, and its window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// What the nemesis meant (`partition-leader`, `crash-restart`, …), for people.
    pub kind: &'static str,
    /// Specs taking the window as `@START..END` (partitions, isolations, slow and lossy links).
    pub ranged: Vec<String>,
    /// Specs that happen at the start (`crash:NODE`, `skew:NODE:+40ms`, `load:0`).
    pub at_start: Vec<String>,
    /// Specs that happen at the end (`restart:NODE`, `skew:NODE:+0ms`, `load:500`).
    pub at_end: Vec<String>,
    /// Start, µs (whole milliseconds).
    pub start_us: u64,
    /// End, µs (whole milliseconds, after the start).
    pub end_us: u64,
}

impl Fault {
    /// Its fault specs, in the order they apply.
    pub fn specs(&self) -> Vec<String> {
        let (start, end) = (ms(self.start_us), ms(self.end_us));
        let mut specs: Vec<String> = self.at_start.iter().map(|body| format!("{body}@{start}")).collect();
        specs.extend(self.ranged.iter().map(|body| format!("{body}@{start}..{end}")));
        specs.extend(self.at_end.iter().map(|body| format!("{body}@{end}")));
        specs
    }

    fn is_empty(&self) -> bool {
        self.ranged.is_empty() && self.at_start.is_empty() && self.at_end.is_empty()
    }
}

fn ms(us: u64) -> String {
    format!("{}ms", us / 1000)
}

/// The fault specs of a schedule, in order: the `--fault` arguments that replay it.
pub fn specs(faults: &[Fault]) -> Vec<String> {
    faults.iter().flat_map(Fault::specs).collect()
}

/// The kinds of fault the nemesis draws, with their weights.
const KINDS: &[(&str, u64)] = &[
    ("partition-leader", 5),
    ("bridge-handover", 3),
    ("partition-halves", 3),
    ("majorities-ring", 2),
    ("bridge", 2),
    ("restart-voter", 3),
    ("one-way", 2),
    ("isolate", 2),
    ("crash-restart", 5),
    ("crash-leader", 3),
    ("skew", 1),
    ("slow", 1),
    ("loss", 1),
    ("load-pause", 1),
    ("load-burst", 2),
];

/// A fault as drawn, before it is aimed.
#[derive(Debug, Clone, Copy)]
struct Draw {
    kind: &'static str,
    start_us: u64,
    end_us: u64,
    /// Randomness for aiming it (which nodes, how much), drawn up front so aiming never
    /// shifts the schedule's later draws.
    aim: u64,
}

/// Draws a seed's blind schedule: kinds and windows, in order of their starts.
fn draw(seed: u64, duration_us: u64) -> Vec<Draw> {
    let mut rng = Stream::new(seed, Purpose::Nemesis);
    let deadline = heal_deadline_us(duration_us);
    let first = FIRST_FAULT_US.min(deadline / 2);
    let count = FAULTS_MIN + rng.below(FAULTS_MAX - FAULTS_MIN + 1);
    let total: u64 = KINDS.iter().map(|(_, weight)| weight).sum();
    let mut draws = Vec::new();
    for _ in 0..count {
        let mut pick = rng.below(total);
        let kind = KINDS
            .iter()
            .find(|(_, weight)| {
                let hit = pick < *weight;
                pick = pick.saturating_sub(*weight);
                hit
            })
            .map_or("crash-restart", |(kind, _)| kind);
        let start_us = whole_ms(first + rng.below(deadline.saturating_sub(first + 1_000).max(1)));
        let length_us = match kind {
            "crash-restart" | "crash-leader" => log_uniform(&mut rng, RESTART_GAP_MIN_US, RESTART_GAP_MAX_US),
            "restart-voter" => log_uniform(&mut rng, RESTART_GAP_MIN_US, 200_000),
            "bridge-handover" => 7_000_000,
            _ => log_uniform(&mut rng, 100_000, 8_000_000),
        };
        let end_us = whole_ms((start_us + length_us).min(deadline)).max(start_us + 1_000);
        draws.push(Draw { kind, start_us, end_us, aim: rng.next_u64() });
    }
    draws.sort_by_key(|draw| draw.start_us);
    draws
}

fn whole_ms(us: u64) -> u64 {
    let us = us / 1000 * 1000;
    // Never on a whole second: scenarios schedule their own controls there (a sale's
    // load), and a tie would order differently when the schedule is replayed.
    if us % 1_000_000 == 0 {
        us + 1000
    } else {
        us
    }
}

/// A draw between `low` and `high`, uniform in its logarithm (10 ms and 5 s alike).
fn log_uniform(rng: &mut Stream, low: u64, high: u64) -> u64 {
    let ratio = high as f64 / low as f64;
    (low as f64 * libm::pow(ratio, rng.unit())) as u64
}

/// What the nemesis sees of a node when it aims.
#[derive(Debug, Clone)]
struct Seen {
    id: String,
    city: &'static str,
    up: bool,
    role: Role,
    epoch: u64,
}

fn look(simulation: &dyn Simulation) -> Vec<Seen> {
    simulation
        .snapshot(0)
        .nodes
        .into_iter()
        .map(|node| Seen { id: node.id, city: node.city, up: node.up, role: node.view.role, epoch: node.view.epoch })
        .collect()
}

/// The node that leads now: the up primary (or coordinator) of the highest epoch.
fn leader(nodes: &[Seen]) -> Option<&Seen> {
    nodes
        .iter()
        .filter(|node| node.up && matches!(node.role, Role::Primary | Role::Coordinator))
        .max_by_key(|node| node.epoch)
}

/// A small deterministic chooser over a fault's aiming randomness.
struct Aim(Stream);

impl Aim {
    fn new(aim: u64) -> Self {
        Aim(Stream::new(aim, Purpose::Nemesis))
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            return None;
        }
        items.get(self.0.below(items.len() as u64) as usize)
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for index in (1..items.len()).rev() {
            let other = self.0.below(index as u64 + 1) as usize;
            items.swap(index, other);
        }
    }
}

fn distinct_cities(nodes: &[Seen]) -> Vec<&'static str> {
    let mut cities: Vec<&'static str> = Vec::new();
    for node in nodes {
        if !cities.contains(&node.city) {
            cities.push(node.city);
        }
    }
    cities
}

/// Points a drawn fault at the run as it stands: the faults it becomes (none when there is
/// nothing to aim at; two when a crash comes with a cut of its own window).
fn aim(draw: &Draw, nodes: &[Seen], load_ops_s: f64, deadline_us: u64) -> Vec<Fault> {
    let mut extra = Vec::new();
    let Some(fault) = aim_one(draw, nodes, load_ops_s, deadline_us, &mut extra) else { return extra };
    let mut faults = vec![fault];
    faults.append(&mut extra);
    faults
}

fn aim_one(draw: &Draw, nodes: &[Seen], load_ops_s: f64, deadline_us: u64, extra: &mut Vec<Fault>) -> Option<Fault> {
    let mut aim = Aim::new(draw.aim);
    let mut fault = Fault {
        kind: draw.kind,
        ranged: Vec::new(),
        at_start: Vec::new(),
        at_end: Vec::new(),
        start_us: draw.start_us,
        end_us: draw.end_us,
    };
    let cities = distinct_cities(nodes);
    let ids: Vec<&str> = nodes.iter().map(|node| node.id.as_str()).collect();
    match draw.kind {
        "partition-leader" => {
            let target = leader(nodes).or_else(|| aim.pick(nodes))?;
            // Cut its city from the cities of a majority of the nodes (more if they share
            // cities), in a random order: the rest may bridge the two sides.
            let mut others: Vec<&'static str> = cities.iter().copied().filter(|city| *city != target.city).collect();
            aim.shuffle(&mut others);
            let majority = nodes.len() / 2 + 1;
            let mut cut_nodes = 0;
            for city in others {
                if cut_nodes >= majority {
                    break;
                }
                cut_nodes += nodes.iter().filter(|node| node.city == city).count();
                fault.ranged.push(format!("partition:{}-{city}", target.city));
            }
        }
        "partition-halves" => {
            let mut shuffled = cities.clone();
            aim.shuffle(&mut shuffled);
            let split = 1 + aim.0.below(shuffled.len().saturating_sub(1).max(1) as u64) as usize;
            let (left, right) = shuffled.split_at(split.min(shuffled.len()));
            for a in left {
                for b in right {
                    fault.ranged.push(format!("partition:{a}-{b}"));
                }
            }
        }
        "majorities-ring" => {
            // Jepsen's ring: cities in a random circle, each still talking to its two
            // neighbours; every node sees a majority, and no two see the same one.
            let mut ring = cities.clone();
            aim.shuffle(&mut ring);
            let count = ring.len();
            for i in 0..count {
                for j in i + 1..count {
                    let adjacent = j == i + 1 || (i == 0 && j == count - 1);
                    if !adjacent {
                        fault.ranged.push(format!("partition:{}-{}", ring[i], ring[j]));
                    }
                }
            }
        }
        "bridge" => {
            // Two halves that cannot talk, and one city that talks to both.
            let mut shuffled = cities.clone();
            aim.shuffle(&mut shuffled);
            let (bridge, rest) = shuffled.split_first()?;
            let half = rest.len() / 2;
            let _ = bridge;
            for a in &rest[..half] {
                for b in &rest[half..] {
                    fault.ranged.push(format!("partition:{a}-{b}"));
                }
            }
        }
        "restart-voter" => {
            // A node that follows the leader now crashes, and comes back cut off from the
            // leader 10–200 ms later: inside the lease the leader holds on its old ack.
            let target = leader(nodes);
            let voters: Vec<&Seen> = nodes
                .iter()
                .filter(|node| node.up && node.role == Role::Replica && target.is_none_or(|t| t.city != node.city))
                .collect();
            let voter = *aim.pick(&voters)?;
            fault.at_start.push(format!("crash:{}", voter.id));
            fault.at_end.push(format!("restart:{}", voter.id));
            if let Some(leader) = target {
                let heal_us = whole_ms(draw.end_us + 500_000 + aim.0.below(3_000_000)).min(deadline_us);
                extra.push(Fault {
                    kind: "restart-voter",
                    ranged: vec![format!("partition:{}-{}", leader.city, voter.city)],
                    at_start: Vec::new(),
                    at_end: Vec::new(),
                    start_us: draw.start_us,
                    end_us: heal_us.max(draw.end_us),
                });
            }
        }
        "bridge-handover" => {
            bridge_handover(draw, nodes, load_ops_s, &mut aim, extra);
            return None;
        }
        "one-way" => {
            let from = *aim.pick(&cities)?;
            let to = *aim.pick(&cities)?;
            if from != to {
                fault.ranged.push(format!("partition:{from}>{to}"));
            }
        }
        "isolate" => {
            let target = if aim.0.chance(0.5) { leader(nodes) } else { None };
            let target = target.map(|node| node.id.as_str()).or_else(|| aim.pick(&ids).copied())?;
            fault.ranged.push(format!("isolate:{target}"));
        }
        "crash-restart" | "crash-leader" => {
            let target = if draw.kind == "crash-leader" { leader(nodes) } else { None };
            let target = target.map(|node| node.id.as_str()).or_else(|| aim.pick(&ids).copied())?;
            fault.at_start.push(format!("crash:{target}"));
            fault.at_end.push(format!("restart:{target}"));
        }
        "skew" => {
            let target = *aim.pick(&ids)?;
            let skew_ms = 1 + aim.0.below(800) as i64;
            let sign = if aim.0.chance(0.5) { "+" } else { "-" };
            fault.at_start.push(format!("skew:{target}:{sign}{skew_ms}ms"));
            fault.at_end.push(format!("skew:{target}:+0ms"));
        }
        "slow" | "loss" => {
            let a = *aim.pick(&cities)?;
            let b = *aim.pick(&cities)?;
            if a == b {
                return None;
            }
            let body = if draw.kind == "slow" {
                format!("slow:{a}-{b}:x{}", 2 + aim.0.below(30))
            } else {
                format!("loss:{a}-{b}:{:.2}", 0.05 * (1 + aim.0.below(10)) as f64)
            };
            fault.ranged.push(body);
        }
        "load-pause" | "load-burst" => {
            let during = if draw.kind == "load-pause" { 0.0 } else { load_ops_s * (2 + aim.0.below(4)) as f64 };
            fault.at_start.push(format!("load:{}", libm::round(during)));
            fault.at_end.push(format!("load:{}", libm::round(load_ops_s)));
        }
        _ => return None,
    }
    (!fault.is_empty()).then_some(fault)
}

/// The leader keeps its majority through one bridge node while the others, cut off from it,
/// campaign; then the bridge is cut from the leader too — crashed and restarted 10–200 ms
/// later half the time, inside the lease the leader holds on the bridge's last ack. The load
/// pauses first (so the campaigners' logs are as up to date as anyone's) and comes back as a
/// burst when the bridge goes (so the old leader has reads in hand as the new one takes over).
fn bridge_handover(draw: &Draw, nodes: &[Seen], load_ops_s: f64, aim: &mut Aim, faults: &mut Vec<Fault>) {
    let Some(leader) = leader(nodes) else { return };
    let mut others: Vec<&Seen> = nodes.iter().filter(|node| node.city != leader.city).collect();
    aim.shuffle(&mut others);
    // Supporters: a majority with the leader (nodes sharing its city count for it).
    let majority = nodes.len() / 2 + 1;
    let beside = nodes.iter().filter(|node| node.city == leader.city).count();
    let supporters = majority.saturating_sub(beside).max(1);
    if others.len() <= supporters {
        return;
    }
    let (support, challengers) = others.split_at(supporters);
    let bridge = support[0];
    let start = draw.start_us;
    let split = whole_ms(start + 300_000);
    let handover = whole_ms(split + 1_000_000 + aim.0.below(1_000_000));
    let end = draw.end_us.max(handover + 2_000);
    let fault = |kind, ranged: Vec<String>, at_start: Vec<String>, at_end: Vec<String>, from: u64, until: u64| Fault {
        kind,
        ranged,
        at_start,
        at_end,
        start_us: from,
        end_us: until,
    };
    let burst = libm::round(load_ops_s * (3 + aim.0.below(4)) as f64);
    faults.push(fault(
        "bridge-handover",
        Vec::new(),
        vec!["load:0".to_string()],
        vec![format!("load:{burst}")],
        start,
        whole_ms(handover + 300_000),
    ));
    let mut cuts = Vec::new();
    for challenger in challengers {
        cuts.push(format!("partition:{}-{}", leader.city, challenger.city));
        for supporter in &support[1..] {
            if supporter.city != challenger.city {
                cuts.push(format!("partition:{}-{}", challenger.city, supporter.city));
            }
        }
    }
    faults.push(fault("bridge-handover", cuts, Vec::new(), Vec::new(), split, end));
    faults.push(fault(
        "bridge-handover",
        vec![format!("partition:{}-{}", leader.city, bridge.city)],
        Vec::new(),
        Vec::new(),
        handover,
        end,
    ));
    if aim.0.chance(0.5) {
        let gap = log_uniform(&mut aim.0, RESTART_GAP_MIN_US, 200_000);
        let restart = whole_ms(handover + gap).max(handover + 1_000);
        faults.push(fault(
            "bridge-handover",
            Vec::new(),
            vec![format!("crash:{}", bridge.id)],
            vec![format!("restart:{}", bridge.id)],
            handover,
            restart,
        ));
    }
    faults.push(fault(
        "bridge-handover",
        Vec::new(),
        Vec::new(),
        vec![format!("load:{}", libm::round(load_ops_s))],
        end - 1_000,
        end,
    ));
}

/// A run under the nemesis: its schedule and the finished, checked run.
pub struct NemesisRun {
    /// The faults as they were aimed, in order.
    pub faults: Vec<Fault>,
    /// The run, through quiescence, checked.
    pub finished: Finished,
}

impl std::fmt::Debug for NemesisRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NemesisRun").field("faults", &self.faults).finish_non_exhaustive()
    }
}

/// Runs `config` for `duration_us` under the nemesis of its seed: each fault is aimed at the
/// run when it strikes and applied then; the run goes on through quiescence and is checked.
/// `config.controls` (a schedule of the user's) run beside the nemesis's.
pub fn run(config: ScenarioConfig, duration_us: u64) -> Result<NemesisRun, ScenarioError> {
    if duration_us == 0 || duration_us > scenario::DURATION_MAX_US {
        return Err(ScenarioError::BadDuration);
    }
    let mut simulation = scenario::build(config.clone())?;
    let known = simulation.known_ids();
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    let deadline_us = heal_deadline_us(duration_us);
    // Bursts multiply, and restores return to, the load the run was configured with (not
    // whatever a burst or a sale has made it by then).
    let base_load_ops_s = simulation.load_ops_s();
    let mut draws = draw(config.seed, duration_us).into_iter().peekable();
    // Controls decided and not yet applied, by (time, order of decision).
    let mut pending: BTreeMap<(u64, u64), TimedControl> = BTreeMap::new();
    let mut decided = 0u64;
    let mut faults = Vec::new();
    loop {
        let next_control = pending.keys().next().map(|(at, _)| *at);
        let decide_first = match (draws.peek(), next_control) {
            (Some(draw), Some(at)) => draw.start_us <= at,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        if decide_first {
            let Some(draw) = draws.next() else { break };
            simulation.run_until(draw.start_us);
            let aimed = aim(&draw, &look(simulation.as_ref()), base_load_ops_s, deadline_us);
            // Specs the nemesis writes always parse; one that did not would be a bug here.
            let controls = controls_from_specs(&specs(&aimed), &known)
                .unwrap_or_else(|error| panic!("nemesis wrote a bad fault spec: {error}"));
            for timed in controls {
                decided += 1;
                pending.insert((timed.at_us, decided), timed);
            }
            faults.extend(aimed);
        } else if let Some(((at, _), timed)) = pending.pop_first() {
            simulation.run_until(at);
            // Every id came from the run itself, and the log has room for a schedule.
            simulation.apply(timed.control).unwrap_or_else(|error| panic!("nemesis control refused: {error}"));
        }
    }
    let quiet = report::finish_quiet(simulation, duration_us);
    let finished = report::report_quiet(&config, quiet, duration_us)?;
    Ok(NemesisRun { faults, finished })
}

/// `config` with a schedule's faults as its scheduled controls (what `run --fault …` builds).
pub fn with_schedule(config: ScenarioConfig, faults: &[Fault]) -> Result<ScenarioConfig, ScheduleError> {
    config.with_fault_specs(&specs(faults))
}

/// Whether `config` under `faults` breaks the promise `kind` (one quiet run).
fn breaks(config: &ScenarioConfig, duration_us: u64, faults: &[Fault], kind: AnomalyKind) -> bool {
    with_schedule(config.clone(), faults)
        .ok()
        .and_then(|config| report::run_quiet(config, duration_us).ok())
        .is_some_and(|quiet| quiet.checks.count(kind) > 0)
}

/// What a shrink found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shrunk {
    /// The smallest schedule found that still breaks the promise.
    pub faults: Vec<Fault>,
    /// Runs spent.
    pub runs: usize,
    /// Whether the schedule it started from broke the promise when replayed from its
    /// specs (it must: the nemesis's run and its replay are the same run).
    pub reproduced: bool,
}

/// Shrinks a schedule under which `config` breaks the promise `kind`: drops whole faults
/// (halves first, then one at a time), then single links of a partition, then narrows each
/// window (later start, earlier end), keeping every change after which the promise still
/// breaks; at most [`SHRINK_RUNS_MAX`] runs.
pub fn shrink(config: &ScenarioConfig, duration_us: u64, faults: Vec<Fault>, kind: AnomalyKind) -> Shrunk {
    let mut runs = 1;
    if !breaks(config, duration_us, &faults, kind) {
        return Shrunk { faults, runs, reproduced: false };
    }
    let mut best = faults;
    let test = |candidate: &[Fault], runs: &mut usize| {
        if *runs >= SHRINK_RUNS_MAX {
            return false;
        }
        *runs += 1;
        breaks(config, duration_us, candidate, kind)
    };
    // Drop chunks of faults, from halves down to single faults (ddmin's complement step).
    let mut chunk = best.len().div_ceil(2).max(1);
    while chunk >= 1 && best.len() > 1 {
        let mut start = 0;
        let mut removed_any = false;
        while start < best.len() && best.len() > 1 {
            let mut candidate = best.clone();
            let end = (start + chunk).min(candidate.len());
            candidate.drain(start..end);
            if !candidate.is_empty() && test(&candidate, &mut runs) {
                best = candidate;
                removed_any = true;
            } else {
                start += chunk;
            }
        }
        if chunk == 1 && !removed_any {
            break;
        }
        chunk = if removed_any { chunk } else { chunk / 2 };
        if chunk == 0 {
            break;
        }
    }
    // Drop single links of multi-link partitions.
    for index in 0..best.len() {
        let mut link = 0;
        while link < best[index].ranged.len() && best[index].ranged.len() > 1 {
            let mut candidate = best.clone();
            candidate[index].ranged.remove(link);
            if test(&candidate, &mut runs) {
                best = candidate;
            } else {
                link += 1;
            }
        }
    }
    // Narrow windows: halve the distance to the other end, from each side, while it breaks.
    for index in 0..best.len() {
        for from_start in [true, false] {
            loop {
                let fault = &best[index];
                let width = fault.end_us - fault.start_us;
                let step = whole_ms(width / 2).min(width.saturating_sub(1000));
                if step < 1000 {
                    break;
                }
                let mut candidate = best.clone();
                if from_start {
                    candidate[index].start_us = whole_ms(fault.start_us + step);
                } else {
                    candidate[index].end_us = whole_ms(fault.end_us - step);
                }
                let narrowed = &candidate[index];
                if narrowed.end_us <= narrowed.start_us || !test(&candidate, &mut runs) {
                    break;
                }
                best = candidate;
            }
        }
    }
    best.sort_by_key(|fault| fault.start_us);
    Shrunk { faults: best, runs, reproduced: true }
}

/// Close calls a run survived: counted over a sweep, they say whether the faults reached
/// the situations a promise is about.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NearMisses {
    /// Reads answered by a node that was not primary when it answered, counted where reads
    /// go to the primary and are promised fresh.
    pub deposed_reads: u64,
    /// Operations that reached a node as primary after it had stopped being one, and were
    /// refused (`not_primary`).
    pub refused_not_primary: u64,
    /// Times writes were acknowledged by a new (node, epoch) after the first.
    pub leader_changes: u64,
    /// Operations whose outcome the client never learned.
    pub unknown_ops: u64,
    /// Distributed transactions still in doubt at the end (two-phase commit).
    pub in_doubt: u64,
}

impl NearMisses {
    /// Adds another run's counts.
    pub fn add(&mut self, other: &NearMisses) {
        self.deposed_reads += other.deposed_reads;
        self.refused_not_primary += other.refused_not_primary;
        self.leader_changes += other.leader_changes;
        self.unknown_ops += other.unknown_ops;
        self.in_doubt += other.in_doubt;
    }
}

/// The near misses of a finished run, from its history and report.
pub fn near_misses(finished: &Finished) -> NearMisses {
    let history = finished.simulation.history();
    // Leader statistics mean something only where some node ever answered as primary (not
    // among peers that all answer as replicas).
    let has_leaders = history.iter().any(|op| op.served_role == Some(Role::Primary));
    let fresh_reads_promised = has_leaders && finished.simulation.promises().contains(&AnomalyKind::StaleRead);
    // First acknowledgement of each (epoch, node) that served writes, in acknowledgement order.
    let mut reigns: BTreeMap<(u64, usize), u64> = BTreeMap::new();
    for op in history.iter().filter(|op| op.kind == OpKind::Write && op.outcome == Outcome::Ok) {
        if let (Some(epoch), Some(node), Some(acked)) = (op.epoch, op.node, op.acked_us) {
            let first = reigns.entry((epoch, node.index())).or_insert(acked);
            *first = (*first).min(acked);
        }
    }
    // What the answering node claimed of itself: statistics about close calls, not a verdict.
    let deposed_reads = if fresh_reads_promised {
        history
            .iter()
            .filter(|op| op.kind == OpKind::Read && op.outcome == Outcome::Ok)
            .filter(|read| read.served_role.is_some_and(|role| role != Role::Primary))
            .count() as u64
    } else {
        0
    };
    let refused_not_primary =
        history.iter().filter(|op| op.fail_reason == Some(crate::protocol::FailReason::NotPrimary)).count() as u64;
    NearMisses {
        deposed_reads,
        refused_not_primary,
        leader_changes: if has_leaders { reigns.len().saturating_sub(1) as u64 } else { 0 },
        unknown_ops: finished.report.ops.unknown,
        in_doubt: finished
            .report
            .sections
            .get::<crate::report::TwoPhaseReport>()
            .map_or(0, |two_phase| two_phase.unresolved),
    }
}

/// The promises a run broke, with their counts.
pub fn broken(promises: &[AnomalyKind], checks: &CheckReport) -> Vec<(AnomalyKind, u64)> {
    promises.iter().map(|kind| (*kind, checks.count(*kind))).filter(|(_, count)| *count > 0).collect()
}
