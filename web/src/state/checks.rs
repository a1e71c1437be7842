//! The run's verdicts on the page: checking live and in quiet forks, pausing at a lesson
//! step's anomaly, taking a lesson step, and the lag monitor's alerts narrated.

use super::*;

impl AppState {
    /// Forks the run at its moment, takes the fork through quiescence and keeps its
    /// verdicts; the run itself is untouched.
    pub(super) fn quiet_check(&mut self, reason: QuietReason) {
        let fork = replica_core::report::quiet_fork(self.simulation.borrow().as_ref(), FORK_EVENTS_MAX);
        match fork {
            Ok(quiet) => {
                let at_us = self.simulation.borrow().now_us();
                self.quiet = Shared::new(Some(QuietCheck { at_us, checks: quiet.checks, reason }));
                self.pause_if_found();
            }
            Err(error) => self.notices.push(format!("Could not check a quiet fork of this run: {error}.")),
        }
    }

    /// The count of `kind` as the page knows it: the live check's for a checker run live,
    /// the latest quiet fork's for the others (none before a fork ran).
    pub fn count_of(&self, kind: AnomalyKind) -> Option<u64> {
        if kind.checked_live() {
            Some(self.checks.count(kind))
        } else {
            self.quiet.as_ref().as_ref().map(|quiet| quiet.checks.count(kind))
        }
    }

    /// A lesson step waiting for its anomaly pauses the run the moment it is found.
    pub(super) fn pause_if_found(&mut self) {
        let Some(kind) = self.pause_on else { return };
        if self.count_of(kind).is_some_and(|count| count > 0) {
            self.pause_on = None;
            self.playing = false;
            self.last_frame_ms = None;
            self.paused_because = Some(kind);
        }
    }

    /// Takes step `number` (from 1) of the scenario's lesson: does what its button says,
    /// sets the speed that makes its wait short, plays, and waits for what it promises.
    pub(super) fn lesson_step(&mut self, number: usize) {
        let Some(step) =
            scenario::info(&self.params.scenario).and_then(|info| info.lesson.get(number.wrapping_sub(1)).copied())
        else {
            self.notices.push(format!("This scenario's lesson has no step {number}."));
            return;
        };
        match step.action {
            LessonAction::Settings(knobs) => {
                self.params.knobs = knobs.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect();
                self.rebuild();
            }
            _ => {
                for control in step.action.controls() {
                    self.apply(control);
                }
            }
        }
        self.params.lesson = number;
        self.fast_forward = None;
        self.speed = step.speed.clamp(SPEED_RANGE.0, SPEED_RANGE.1);
        self.playing = true;
        self.last_frame_ms = None;
        self.paused_because = None;
        let kind = match step.expect {
            Expect::Shows(kind) | Expect::Holds(kind) => Some(kind),
            Expect::AlertRaised => None,
        };
        self.pause_on = match step.expect {
            Expect::Shows(kind) => Some(kind),
            _ => None,
        };
        self.lesson_check_at_us = kind
            .filter(|kind| !kind.checked_live())
            .map(|_| self.simulation.borrow().now_us() + step.watch_s * 1_000_000);
    }

    /// Alerts raised or cleared since the last narration, in words.
    pub(super) fn alert_announcements(&mut self) -> Vec<String> {
        use replica_core::i18n::Msg;
        let lang = self.params.lang;
        let simulation = self.simulation.borrow();
        let Some(monitor) = simulation.monitor() else { return Vec::new() };
        let (raised, cleared) = monitor.totals();
        let new = (raised + cleared).saturating_sub(self.alerts_told);
        self.alerts_told = raised + cleared;
        let mut events: Vec<String> = monitor
            .timeline()
            .rev()
            .take(new.min(ANNOUNCEMENTS_KEPT as u64) as usize)
            .map(|event| {
                Msg::AnnounceAlert.fill(
                    lang,
                    &[
                        &crate::components::monitor::rule_words(event.rule, lang),
                        &if event.raised { Msg::Raised } else { Msg::Cleared }.get(lang),
                        &event.node,
                        &event.region,
                        &format!("{:.1}", event.t_ms as f64 / 1000.0),
                    ],
                )
            })
            .collect();
        events.reverse();
        events
    }

    pub(super) fn refresh_checks(&mut self) {
        let (checks, state) = {
            let simulation = self.simulation.borrow();
            let (checks, state) = simulation.check_live();
            (checks, state)
        };
        let conflicts =
            state.authoritative.and_then(|index| state.nodes.get(index)).and_then(|n| n.conflicts().cloned());
        let point = AnomalyPoint {
            t_us: self.simulation.borrow().now_us(),
            counts: checks.counts.iter().filter_map(|(name, count)| kind_named(name).map(|k| (k, *count))).collect(),
        };
        let series = self.anomaly_series.make_mut();
        if series.back().is_none_or(|last| last.t_us < point.t_us) {
            if series.len() == ANOMALY_POINTS_MAX {
                series.pop_front();
            }
            series.push_back(point);
        }
        self.checks = Shared::new(checks);
        self.conflicts = Shared::new(conflicts);
    }
}
