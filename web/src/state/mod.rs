//! The page's model: the running simulation and the user's settings, changed only by
//! [`Action`]s through the [`Reducible`] reducer. Components read it and dispatch actions;
//! they never touch the simulation themselves.

mod bench;
mod checks;
mod shared;
mod trace;

use crate::url::{self, PageParams};
pub use bench::{BenchAction, BenchModel};
use replica_core::check::{AnomalyKind, CheckReport};
use replica_core::control::{Control, TimedControl, LINK_CONTROLS_MAX};
use replica_core::lesson::{Expect, LessonAction};
use replica_core::protocol::Role;
use replica_core::replay::TraceHeader;
use replica_core::scenario::{self, ScenarioConfig, Simulation};
use replica_core::self_report::ConflictLog;
use replica_core::snapshot::Snapshot;
pub use shared::{Shared, SimulationHandle};
use std::rc::Rc;
use trace::{decode_controls, kind_named};
use yew::Reducible;

/// Most simulation events a rewind or a link's time may replay (a bound, so no link hangs the tab).
pub const REPLAY_EVENTS_MAX: u64 = 50_000_000;
/// Most simulation events handled in one animation frame, so no slider setting can hang
/// the tab; when the bound is hit the simulation runs slower than asked and says so.
pub const EVENTS_PER_FRAME_MAX: u64 = 60_000;
/// Longest wall time one frame may account for (a hidden tab comes back gently).
pub const FRAME_WALL_MS_MAX: f64 = 100.0;
/// Messages drawn at most.
pub const GLYPHS_MAX: usize = 400;
/// Operations the page keeps for its checkers.
pub const PAGE_HISTORY_OPS_MAX: usize = 200_000;
/// Wall time between two runs of the checkers.
pub const CHECK_INTERVAL_MS: f64 = 1000.0;
/// Wall time between two redraws of one chart.
pub const CHART_INTERVAL_MS: f64 = 250.0;
/// Redraws take turns: each redraws every [`CHART_INTERVAL_MS`], on a different frame from
/// the others, so no frame draws two.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::VariantArray)]
pub enum RedrawTurn {
    /// The replica chart (auto-scaling) or the lag chart.
    ReplicasOrLag,
    /// The convergence chart.
    Convergence,
    /// The anomalies-over-time chart.
    Anomalies,
    /// The throughput chart.
    Throughput,
    /// The latency chart.
    Latency,
    /// The lag monitor's panel.
    Monitor,
    /// The space-time diagram (which uses every fourth of its turns: once a second).
    SpaceTime,
}

/// How many redraws take turns.
pub const CHART_TURNS: u64 = <RedrawTurn as strum::VariantArray>::VARIANTS.len() as u64;

/// Announcements kept for the narration.
pub const ANNOUNCEMENTS_KEPT: usize = 5;

/// What changed between two snapshots that a listener should hear: a node crashed or came
/// back, became primary, detected its first conflict, or has transfers newly in doubt.
pub fn announcements(before: &Snapshot, after: &Snapshot, lang: url::Lang) -> Vec<String> {
    use replica_core::i18n::Msg;
    use replica_core::protocol::Role;
    let at = format!("{:.2}", after.now_us as f64 / 1e6);
    let mut said = Vec::new();
    for node in &after.nodes {
        let Some(old) = before.nodes.iter().find(|n| n.id == node.id) else { continue };
        if old.up && !node.up {
            said.push(Msg::AnnounceCrashed.fill(lang, &[&node.id, &at]));
        } else if !old.up && node.up {
            said.push(Msg::AnnounceRestarted.fill(lang, &[&node.id, &at]));
        }
        if node.up && node.view.role == Role::Primary && old.view.role != Role::Primary {
            said.push(Msg::AnnouncePrimary.fill(lang, &[&node.id, &node.view.epoch, &at]));
        }
        if old.view.conflicts == 0 && node.view.conflicts > 0 {
            said.push(Msg::AnnounceConflict.fill(lang, &[&node.id]));
        }
        if old.view.blocked == 0 && node.view.blocked > 0 {
            said.push(Msg::AnnounceBlocked.fill(lang, &[&node.id, &node.view.blocked]));
        }
    }
    said
}

/// Simulated seconds per wall second while a failover is awaited: an election of a few
/// simulated seconds then takes a few real ones, not minutes at the default speed.
pub const FAST_FORWARD_SPEED: f64 = 1.0;
/// The longest a failover is fast-forwarded (manual failover never comes by itself).
pub const FAST_FORWARD_US_MAX: u64 = 15_000_000;

/// A failover wait being fast-forwarded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FastForward {
    /// The speed before, restored when a primary is up again.
    pub restore_speed: f64,
    /// Simulated time at which the wait stops being fast-forwarded regardless.
    pub until_us: u64,
}

/// Whether some up node acts as primary.
fn primary_up(snapshot: &Snapshot) -> bool {
    snapshot.nodes.iter().any(|node| node.up && node.view.role == replica_core::protocol::Role::Primary)
}

/// Points kept of the anomalies-over-time chart (one per check).
pub const ANOMALY_POINTS_MAX: usize = 600;
/// Default speed: simulated seconds per wall second (slow enough to see messages fly).
pub const SPEED_DEFAULT: f64 = 0.02;
/// Slowest and fastest speed.
pub const SPEED_RANGE: (f64, f64) = (0.0005, 100.0);

/// The checkers' counts at one moment, for the anomalies-over-time chart.
#[derive(Debug, Clone, PartialEq)]
pub struct AnomalyPoint {
    /// Simulated time.
    pub t_us: u64,
    /// Count per checker that ran.
    pub counts: Vec<(AnomalyKind, u64)>,
}

/// Most events a quiet fork may replay to reach the moment it checks (a bound, so a fork
/// of a long run refuses with a message instead of freezing the tab).
pub const FORK_EVENTS_MAX: u64 = replica_core::lesson::FORK_EVENTS_MAX;

/// Why a quiet fork ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuietReason {
    /// The reader pressed "Check now".
    Asked,
    /// A new primary took over: the writes the failover lost are counted at once.
    Takeover,
    /// A lesson step's watch time ran out.
    Lesson,
}

/// What the checkers that need a quiet run found on a fork of the run: the run replayed to
/// `at_us`, its workload stopped, run until quiet and checked. The live run goes on.
#[derive(Debug, Clone, PartialEq)]
pub struct QuietCheck {
    /// The moment forked.
    pub at_us: u64,
    /// Every checker's verdict on the quiet fork.
    pub checks: CheckReport,
    /// Why it ran.
    pub reason: QuietReason,
}

/// The highest epoch of a running primary in a snapshot (0 when none runs).
pub fn primary_epoch(snapshot: &Snapshot) -> u64 {
    snapshot
        .nodes
        .iter()
        .filter(|node| node.up && node.view.role == Role::Primary)
        .map(|node| node.view.epoch)
        .max()
        .unwrap_or(0)
}

/// What the user can do.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// An animation frame at this wall time (ms).
    Frame(f64),
    /// Play or pause.
    TogglePlay,
    /// Handle exactly one simulation event.
    Step,
    /// Set the speed (simulated seconds per wall second).
    SetSpeed(f64),
    /// Set the latency multiplier.
    SetLatency(f64),
    /// Set the offered load.
    SetLoad(f64),
    /// Set a scenario knob (rebuilds the run).
    SetKnob(String, String),
    /// Set the seed (rebuilds the run).
    SetSeed(u64),
    /// Switch to another scenario (its defaults, same seed).
    SetScenario(String),
    /// Start over from time zero with the same settings.
    Reset,
    /// Crash a running node or restart a crashed one.
    ToggleNode(String),
    /// Dismiss the notices.
    DismissNotices,
    /// A link was opened in this tab (the hash changed): start over from it.
    LoadHash(String),
    /// Rewind or replay to this simulated time (µs) by replaying the control log from the seed.
    Seek(u64),
    /// Discard the controls after now: the future is made afresh from here.
    Fork,
    /// Cut the link between two cities, or heal it if it is cut.
    ToggleLink(String, String),
    /// Cut every link between these pairs of cities (a drag across the map).
    Partition(Vec<(String, String)>),
    /// Heal every cut or slowed link.
    HealAll,
    /// Switch the narration language.
    SetLang(url::Lang),
    /// Open a trace file's text (from "Export trace" or `replica-lab trace`): its run, at its
    /// moment, with the digest compared.
    ImportTrace(String),
    /// A file could not be read; say why.
    Notice(String),
    /// Fork the run, stop the fork's workload, run it until quiet and check it.
    CheckNow,
    /// Take step N (from 1) of the scenario's lesson.
    LessonStep(usize),
}

/// The page's state: plain data (the simulation compared by its generation), so two states
/// are equal exactly when everything they show is.
#[derive(Clone, PartialEq)]
pub struct AppState {
    /// Settings, as in the URL.
    pub params: PageParams,
    /// Seed of the running simulation.
    pub seed: u64,
    /// The simulation.
    pub simulation: SimulationHandle,
    /// The latest snapshot.
    pub snapshot: Shared<Snapshot>,
    /// The latest checker results.
    pub checks: Shared<CheckReport>,
    /// The conflict log of the authoritative node at the latest check (multi-leader).
    pub conflicts: Shared<Option<ConflictLog>>,
    /// Checker counts over simulated time (bounded).
    pub anomaly_series: Shared<std::collections::VecDeque<AnomalyPoint>>,
    /// Key events in words, for the screen-reader narration (latest last, bounded).
    pub announcements: Shared<Vec<String>>,
    /// Playing or paused.
    pub playing: bool,
    /// Simulated seconds per wall second.
    pub speed: f64,
    /// Whether the last frame hit the event bound.
    pub behind: bool,
    /// Warnings and errors to show.
    pub notices: Vec<String>,
    /// Bumped whenever the charts should redraw.
    pub chart_version: u64,
    /// What the user did to this run, in time order: with the seed and settings, the run.
    /// After a rewind it also holds the controls still to come.
    pub controls: Shared<Vec<TimedControl>>,
    /// The furthest simulated time this run has reached (the scrubber's end).
    pub horizon_us: u64,
    /// The run as it stood when a rewind replaced it, kept: a scrub forward to that moment
    /// or past it resumes it instead of replaying from the seed.
    ahead: Option<Shared<Ahead>>,
    /// The latest quiet fork's verdicts, if one ran on this run.
    pub quiet: Shared<Option<QuietCheck>>,
    /// Why the run paused by itself, in words (a lesson step's anomaly was found).
    pub paused_because: Option<AnomalyKind>,
    /// What the last `Step` ran: the simulated time it reached and the events it recorded on
    /// the nodes' lines (none for a timer or disk completion that sent nothing).
    pub stepped: Option<(u64, Vec<replica_core::spacetime::SpaceTimeEvent>)>,
    /// While no primary is up after one was (a failover wait), the run goes at
    /// [`FAST_FORWARD_SPEED`]; this holds the speed to go back to and when to stop waiting.
    pub fast_forward: Option<FastForward>,
    /// The highest primary epoch seen: a higher one is a takeover.
    takeover_epoch: u64,
    /// Pause once this anomaly is found (a lesson step that promises it).
    pause_on: Option<AnomalyKind>,
    /// When the taken lesson step's watch time ends: a quiet fork then shows its verdict.
    lesson_check_at_us: Option<u64>,
    last_frame_ms: Option<f64>,
    /// Alert raises and clears already narrated.
    alerts_told: u64,
    last_check_ms: f64,
    last_chart_ms: f64,
}

/// A run kept at the moment a rewind left it, with what it was made from: it is the same
/// run as a replay to that moment exactly when the settings, seed and control log are the
/// ones it ran with (the log holds every control still to come, and the kept world holds
/// them in its queue).
#[derive(Clone)]
struct Ahead {
    at_us: u64,
    simulation: SimulationHandle,
    config: ScenarioConfig,
    controls: Shared<Vec<TimedControl>>,
    series: Shared<std::collections::VecDeque<AnomalyPoint>>,
    /// The live checks and conflict log the page showed with it then.
    checks: Shared<CheckReport>,
    conflicts: Shared<Option<ConflictLog>>,
}

impl std::fmt::Debug for Ahead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ahead").field("at_us", &self.at_us).finish_non_exhaustive()
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").field("params", &self.params).field("seed", &self.seed).finish_non_exhaustive()
    }
}

/// The run a page's settings describe.
pub fn config_of(params: &PageParams, seed: u64) -> ScenarioConfig {
    let mut config = ScenarioConfig::new(&params.scenario, seed);
    config.load_ops_s = params.load;
    config.latency_multiplier = params.latency;
    config.knobs = params.knobs.clone();
    config.history_ops_max = PAGE_HISTORY_OPS_MAX;
    config.record_spacetime = true;
    config
}

fn build(params: &PageParams, seed: u64) -> Result<Box<dyn Simulation>, String> {
    scenario::build(config_of(params, seed)).map_err(|e| e.to_string())
}

impl AppState {
    /// State from a URL hash, with `fallback_seed` when the hash names none. Never fails:
    /// bad parts become notices and defaults.
    pub fn from_hash(hash: &str, fallback_seed: u64, reduced_motion: bool) -> Self {
        let (mut params, mut notices) = url::parse_hash(hash);
        let seed = params.seed.unwrap_or(fallback_seed);
        let mut simulation = match build(&params, seed) {
            Ok(simulation) => simulation,
            Err(error) => {
                notices.push(format!("{error}; using the defaults."));
                params = PageParams::default();
                build(&params, seed).unwrap_or_else(|e| panic!("the default scenario builds: {e}"))
            }
        };
        let controls = decode_controls(&params.controls, simulation.as_ref(), &mut notices);
        params.controls.clear();
        if !controls.is_empty() {
            let mut config = config_of(&params, seed);
            config.controls = controls.clone();
            match scenario::build(config) {
                Ok(replay) => simulation = replay,
                Err(error) => notices.push(format!("The link's controls were ignored: {error}.")),
            }
        }
        crate::remember_seed(seed);
        let first = simulation.snapshot(GLYPHS_MAX);
        let mut state = Self {
            fast_forward: None,
            takeover_epoch: primary_epoch(&first),
            snapshot: Shared::new(first),
            checks: Shared::new(CheckReport::default()),
            conflicts: Shared::new(None),
            anomaly_series: Shared::new(std::collections::VecDeque::new()),
            announcements: Shared::new(Vec::new()),
            simulation: SimulationHandle::new(simulation),
            playing: !reduced_motion,
            speed: SPEED_DEFAULT,
            behind: false,
            notices,
            chart_version: 0,
            horizon_us: controls.last().map_or(0, |last| last.at_us),
            ahead: None,
            controls: Shared::new(controls),
            quiet: Shared::new(None),
            paused_because: None,
            stepped: None,
            pause_on: None,
            lesson_check_at_us: None,
            last_frame_ms: None,
            alerts_told: 0,
            last_check_ms: f64::NEG_INFINITY,
            last_chart_ms: f64::NEG_INFINITY,
            params,
            seed,
        };
        if state.params.t_s > 0.0 {
            let target = (state.params.t_s * 1e6) as u64;
            state.horizon_us = state.horizon_us.max(target);
            state.run_to(target);
        }
        state.refresh_snapshot();
        state
    }

    /// Runs to `target_us` (bounded), checking along the way so the anomalies chart has
    /// points for the stretch replayed.
    fn run_to(&mut self, target_us: u64) {
        let stride_us = (target_us / 30).max(1_000_000);
        let mut reached = true;
        let mut events_left = REPLAY_EVENTS_MAX;
        while reached && self.simulation.borrow().now_us() < target_us {
            let (before, next_us) = {
                let simulation = self.simulation.borrow();
                (simulation.events(), (simulation.now_us() + stride_us).min(target_us))
            };
            reached = self.simulation.borrow_mut().run_until_bounded(next_us, events_left);
            events_left = events_left.saturating_sub(self.simulation.borrow().events() - before);
            self.refresh_checks();
        }
        if !reached {
            self.notices.push("That moment was too far to reach at once; showing as far as it got.".into());
        }
    }

    /// The redraw version of what takes turn `turn`: it changes once every [`CHART_TURNS`]
    /// bumps, a bump after the previous turn's.
    pub fn chart_version_for(&self, turn: RedrawTurn) -> u64 {
        (self.chart_version + turn as u64) / CHART_TURNS
    }

    /// The hash the page writes for its settings and controls (time left out).
    pub fn hash_without_time(&self) -> String {
        let mut params = self.params.clone();
        params.t_s = 0.0;
        params.controls = replica_core::control::encode_log(&self.controls);
        url::to_hash(&params, self.seed)
    }

    /// The shareable hash of the current settings, controls and time.
    pub fn hash(&self) -> String {
        let mut params = self.params.clone();
        params.t_s = self.snapshot.now_us as f64 / 1e6;
        params.controls = replica_core::control::encode_log(&self.controls);
        url::to_hash(&params, self.seed)
    }

    fn refresh_snapshot(&mut self) {
        let next = Shared::new(self.simulation.borrow().snapshot(GLYPHS_MAX));
        let mut said = announcements(&self.snapshot, &next, self.params.lang);
        said.extend(self.alert_announcements());
        if !said.is_empty() {
            let log = self.announcements.make_mut();
            log.extend(said);
            let excess = log.len().saturating_sub(ANNOUNCEMENTS_KEPT);
            log.drain(..excess);
        }
        self.snapshot = next;
        self.notice_takeover();
    }

    /// A primary of a higher epoch than any before is a takeover: in a scenario that counts
    /// lost writes, a quiet fork counts at once the acknowledged writes it lost.
    fn notice_takeover(&mut self) {
        let epoch = primary_epoch(&self.snapshot);
        if epoch <= self.takeover_epoch {
            return;
        }
        self.takeover_epoch = epoch;
        if self.simulation.borrow().checkers().contains(&AnomalyKind::LostWrite) {
            self.quiet_check(QuietReason::Takeover);
        }
    }

    /// A fresh run of the current settings: no controls, time zero.
    fn rebuild(&mut self) {
        self.controls = Shared::new(Vec::new());
        self.horizon_us = 0;
        self.replay(0);
    }

    /// Builds the run again from the seed with the control log, and replays it to
    /// `target_us`: how the page rewinds, exactly.
    fn replay(&mut self, target_us: u64) {
        let mut config = config_of(&self.params, self.seed);
        config.controls = (*self.controls).clone();
        match scenario::build(config) {
            Ok(simulation) => {
                self.simulation = SimulationHandle::new(simulation);
                crate::remember_seed(self.seed);
                self.checks = Shared::new(CheckReport::default());
                self.conflicts = Shared::new(None);
                self.anomaly_series = Shared::new(std::collections::VecDeque::new());
                // A new run is not news: start the narration from its first picture.
                self.snapshot = Shared::new(self.simulation.borrow().snapshot(GLYPHS_MAX));
                self.takeover_epoch = primary_epoch(&self.snapshot);
                if let Some(wait) = self.fast_forward.take() {
                    self.speed = wait.restore_speed;
                }
                self.quiet = Shared::new(None);
                self.lesson_check_at_us = None;
                self.pause_on = None;
                self.announcements = Shared::new(Vec::new());
                self.alerts_told = 0;
                self.params.t_s = 0.0;
                // Every turn's version changes: all charts redraw for the new run.
                self.chart_version += CHART_TURNS;
                if target_us > 0 {
                    self.run_to(target_us);
                    self.snapshot = Shared::new(self.simulation.borrow().snapshot(GLYPHS_MAX));
                    self.alerts_told = self.simulation.borrow().monitor().map_or(0, |m| m.totals().0 + m.totals().1);
                }
            }
            Err(error) => self.notices.push(error.to_string()),
        }
        self.refresh_snapshot();
    }

    /// Applies a control now and records it in the page's control log (the link's).
    fn apply(&mut self, control: Control) {
        if self.controls.len() >= LINK_CONTROLS_MAX {
            self.notices
                .push(format!("A link carries at most {LINK_CONTROLS_MAX} controls; fork or reset to make room."));
            return;
        }
        let result = self.simulation.borrow_mut().apply(control.clone());
        match result {
            Ok(()) => {
                let at_us = self.simulation.borrow().now_us();
                let controls = self.controls.make_mut();
                let index = controls.partition_point(|timed| timed.at_us <= at_us);
                controls.insert(index, TimedControl { at_us, control });
                // The log changed: a run kept further along is another run now.
                self.ahead = None;
            }
            Err(error) => self.notices.push(error.to_string()),
        }
        self.refresh_snapshot();
    }

    /// Rewinds (or goes forward) to `target_us`, paused there. Back: a replay from the seed,
    /// the run left kept. Forward: the run goes on from where it is — or from the kept run,
    /// if it is further and still this run — since its queue holds every control to come.
    fn seek(&mut self, target_us: u64) {
        self.playing = false;
        self.last_frame_ms = None;
        let now_us = self.simulation.borrow().now_us();
        let target_us = target_us.min(self.horizon_us.max(now_us));
        if target_us < now_us {
            self.keep_ahead(now_us);
            self.replay_keeping_series(target_us);
        } else if target_us > now_us {
            self.seek_forward(now_us, target_us);
        }
    }

    /// Keeps the run as it stands before a rewind replaces it, unless a kept one is further
    /// and still this run.
    fn keep_ahead(&mut self, now_us: u64) {
        let config = config_of(&self.params, self.seed);
        if self.ahead.as_ref().is_some_and(|ahead| ahead.at_us > now_us && self.is_this_run(ahead, &config)) {
            return;
        }
        self.ahead = Some(Shared::new(Ahead {
            at_us: now_us,
            simulation: self.simulation.clone(),
            config,
            controls: self.controls.clone(),
            series: self.anomaly_series.clone(),
            checks: self.checks.clone(),
            conflicts: self.conflicts.clone(),
        }));
    }

    fn is_this_run(&self, ahead: &Ahead, config: &ScenarioConfig) -> bool {
        ahead.config == *config && *ahead.controls == *self.controls
    }

    /// Runs on to `target_us`, from the kept run where that is further along.
    fn seek_forward(&mut self, now_us: u64, target_us: u64) {
        let config = config_of(&self.params, self.seed);
        // A kept run that is no longer this run is dropped: it could never be resumed, and
        // it holds a whole world's memory.
        let kept = self.ahead.take().filter(|ahead| self.is_this_run(ahead, &config));
        match kept {
            Some(ahead) if ahead.at_us > now_us && ahead.at_us <= target_us => {
                self.simulation = ahead.simulation.clone();
                self.anomaly_series = ahead.series.clone();
                self.checks = ahead.checks.clone();
                self.conflicts = ahead.conflicts.clone();
            }
            still_ahead => self.ahead = still_ahead,
        }
        // Checks are refreshed on the way (none needed when the kept run is at the target).
        self.run_to(target_us);
        self.snapshot = Shared::new(self.simulation.borrow().snapshot(GLYPHS_MAX));
        self.alerts_told = self.simulation.borrow().monitor().map_or(0, |m| m.totals().0 + m.totals().1);
        self.chart_version += CHART_TURNS;
        self.refresh_snapshot();
    }

    /// [`Self::replay`] to `target_us`, keeping the anomaly points before it.
    fn replay_keeping_series(&mut self, target_us: u64) {
        let series = self.anomaly_series.make_mut();
        series.retain(|point| point.t_us <= target_us);
        let kept = std::mem::take(series);
        self.replay(target_us);
        let replayed = std::mem::replace(self.anomaly_series.make_mut(), kept);
        let series = self.anomaly_series.make_mut();
        for point in replayed {
            if series.back().is_none_or(|last| last.t_us < point.t_us) {
                series.push_back(point);
            }
        }
    }

    /// Keeps the controls up to now and drops the rest: the run continues afresh from here.
    fn fork(&mut self) {
        let now_us = self.simulation.borrow().now_us();
        let future = self.controls.iter().any(|timed| timed.at_us > now_us);
        self.controls.make_mut().retain(|timed| timed.at_us <= now_us);
        self.horizon_us = now_us;
        if future {
            // The simulation still holds the dropped controls in its queue: build it again.
            self.replay_keeping_series(now_us);
        }
    }

    fn toggle_link(&mut self, a: String, b: String) {
        let cut = self.snapshot.cuts.iter().any(|(x, y)| (*x == a && *y == b) || (*x == b && *y == a));
        if cut {
            self.apply(Control::Heal { a, b });
        } else {
            self.apply(Control::Cut { from: a, to: b, both: true });
        }
    }

    fn frame(&mut self, wall_ms: f64) {
        let elapsed_ms = self.last_frame_ms.map_or(0.0, |last| (wall_ms - last).clamp(0.0, FRAME_WALL_MS_MAX));
        self.last_frame_ms = Some(wall_ms);
        if self.playing {
            let advance_us = (elapsed_ms * 1000.0 * self.speed) as u64;
            let mut simulation = self.simulation.borrow_mut();
            let target = simulation.now_us() + advance_us;
            self.behind = !simulation.run_until_bounded(target, EVENTS_PER_FRAME_MAX);
            self.horizon_us = self.horizon_us.max(simulation.now_us());
        }
        if wall_ms - self.last_check_ms >= CHECK_INTERVAL_MS {
            self.last_check_ms = wall_ms;
            self.refresh_checks();
            self.pause_if_found();
        }
        let now_us = self.simulation.borrow().now_us();
        if self.lesson_check_at_us.is_some_and(|at_us| now_us >= at_us) {
            self.lesson_check_at_us = None;
            self.quiet_check(QuietReason::Lesson);
        }
        if wall_ms - self.last_chart_ms >= CHART_INTERVAL_MS / CHART_TURNS as f64 {
            self.last_chart_ms = wall_ms;
            self.chart_version += 1;
        }
        self.refresh_snapshot();
        self.fast_forward_failover();
    }

    /// Speeds a failover wait up (a run that had a primary has none up) and slows down again
    /// once a primary is up, the wait has lasted [`FAST_FORWARD_US_MAX`], or the reader
    /// paused.
    fn fast_forward_failover(&mut self) {
        let now_us = self.snapshot.now_us;
        let has_primary = primary_up(&self.snapshot);
        let had_primary = self.takeover_epoch > 0;
        match self.fast_forward {
            None if self.playing && had_primary && !has_primary && self.speed < FAST_FORWARD_SPEED => {
                self.fast_forward =
                    Some(FastForward { restore_speed: self.speed, until_us: now_us + FAST_FORWARD_US_MAX });
                self.speed = FAST_FORWARD_SPEED;
            }
            Some(wait) if has_primary || now_us >= wait.until_us || !self.playing => {
                self.speed = wait.restore_speed;
                self.fast_forward = None;
            }
            _ => {}
        }
    }

    /// Whether the run has not started: a slider then changes its starting settings.
    fn at_start(&self) -> bool {
        self.simulation.borrow().now_us() == 0 && self.horizon_us == 0
    }

    fn toggle_node(&mut self, node: String) {
        let up = self.snapshot.nodes.iter().find(|n| n.id == node).map(|n| n.up);
        match up {
            Some(true) => self.apply(Control::Crash { node }),
            Some(false) => self.apply(Control::Restart { node }),
            None => self.notices.push(format!("No node '{node}' in this scenario.")),
        }
    }
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::Frame(wall_ms) => next.frame(wall_ms),
            Action::TogglePlay => {
                next.playing = !next.playing;
                next.stepped = None;
                next.last_frame_ms = None;
            }
            Action::Step => {
                next.playing = false;
                let last_id = |simulation: &dyn Simulation| {
                    simulation.spacetime().and_then(|recorder| recorder.events().next_back()).map_or(0, |e| e.id)
                };
                let before = last_id(next.simulation.borrow().as_ref());
                next.simulation.borrow_mut().step();
                let simulation = next.simulation.borrow();
                let recorded = simulation
                    .spacetime()
                    .map(|recorder| recorder.events().filter(|event| event.id > before).cloned().collect())
                    .unwrap_or_default();
                let at_us = simulation.now_us();
                drop(simulation);
                next.stepped = Some((at_us, recorded));
                next.horizon_us = next.horizon_us.max(next.simulation.borrow().now_us());
                next.refresh_snapshot();
            }
            Action::SetSpeed(speed) => {
                // The reader's speed wins over a fast-forward.
                next.fast_forward = None;
                if speed.is_finite() {
                    next.speed = speed.clamp(SPEED_RANGE.0, SPEED_RANGE.1);
                }
            }
            Action::SetLatency(multiplier) => {
                if multiplier.is_finite() {
                    let multiplier = multiplier.clamp(0.1, 50.0);
                    if next.at_start() {
                        next.params.latency = multiplier;
                        next.replay(0);
                    } else {
                        next.apply(Control::Latency { multiplier });
                    }
                }
            }
            Action::SetLoad(ops_s) => {
                if ops_s.is_finite() {
                    let load = ops_s.clamp(0.0, replica_core::workload::LOAD_OPS_MAX);
                    if next.at_start() {
                        next.params.load = Some(load);
                        next.replay(0);
                    } else {
                        next.apply(Control::Load { ops_s: load });
                    }
                }
            }
            Action::SetKnob(name, value) => {
                next.params.knobs.insert(name, value);
                next.rebuild();
            }
            Action::SetSeed(seed) => {
                next.seed = seed;
                next.rebuild();
            }
            Action::SetScenario(id) => {
                if scenario::info(&id).is_some() {
                    next.params = PageParams {
                        scenario: id,
                        lang: next.params.lang,
                        embed: next.params.embed,
                        ..PageParams::default()
                    };
                    next.rebuild();
                } else {
                    next.notices.push(format!("No scenario '{id}'."));
                }
            }
            Action::Reset => next.rebuild(),
            Action::ToggleNode(node) => next.toggle_node(node),
            Action::DismissNotices => next.notices.clear(),
            Action::Seek(target_us) => next.seek(target_us),
            Action::Fork => next.fork(),
            Action::ToggleLink(a, b) => next.toggle_link(a, b),
            Action::Partition(pairs) => {
                for (a, b) in pairs {
                    next.apply(Control::Cut { from: a, to: b, both: true });
                }
            }
            Action::HealAll => next.apply(Control::HealAll),
            Action::SetLang(lang) => next.params.lang = lang,
            Action::ImportTrace(text) => next.import_trace(&text),
            Action::Notice(text) => next.notices.push(text),
            Action::CheckNow => next.quiet_check(QuietReason::Asked),
            Action::LessonStep(number) => next.lesson_step(number),
            Action::LoadHash(hash) => {
                if hash != next.hash_without_time() {
                    next = AppState::from_hash(&hash, next.seed, !next.playing);
                }
            }
        }
        Rc::new(next)
    }
}
