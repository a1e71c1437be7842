//! Each scenario's lesson: a few numbered steps a newcomer takes with one button each — what
//! the button does, what to watch, what it means once seen — and what the step must show,
//! which `core/tests/lessons.rs` checks by taking every step as the page does. The page
//! shows the steps above the map in English or Hindi; a link can open at a step
//! (`lesson=N`). Each scenario's steps are a `LESSON` constant in its own file of
//! `scenario/`; this module holds what a step is made of and how it is judged.

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

/// A text in English and Hindi (for the lesson constants in `scenario/`).
pub(crate) const fn text(en: &'static str, hi: &'static str) -> Text {
    Text { en, hi }
}

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
