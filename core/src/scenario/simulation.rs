//! [`Simulation`]: a running world, whatever its strategy — what the command line, the
//! reports and the page drive — and [`Built`], the one implementation over a [`World`].

use super::{ScenarioConfig, QUIESCE_US, QUIET_MAX_US};
use crate::check::{AnomalyKind, CheckReport, FinalState};
use crate::control::{Control, TimedControl};
use crate::engine::{ControlError, World};
use crate::history::History;
use crate::metrics::Metrics;
use crate::protocol::{NodeView, Protocol};
use crate::snapshot::Snapshot;

/// A running simulation, whatever its strategy: what front ends need.
pub trait Simulation {
    /// Scenario config it was built from.
    fn config(&self) -> &ScenarioConfig;
    /// Current simulated time.
    fn now_us(&self) -> u64;
    /// Handles one event.
    fn step(&mut self) -> bool;
    /// Runs to `t_us`.
    fn run_until(&mut self, t_us: u64);
    /// Runs to `t_us` handling at most `events_max` events; whether it got there.
    fn run_until_bounded(&mut self, t_us: u64, events_max: u64) -> bool;
    /// Applies a control now.
    fn apply(&mut self, control: Control) -> Result<(), ControlError>;
    /// The control log.
    fn control_log(&self) -> &[TimedControl];
    /// A view model with at most `glyphs_max` messages.
    fn snapshot(&self, glyphs_max: usize) -> Snapshot;
    /// Node views.
    fn views(&self) -> Vec<NodeView>;
    /// Trace digest so far.
    fn digest(&self) -> u64;
    /// The digest as reports and trace files write it (16 hex digits).
    fn digest_text(&self) -> String;
    /// Events handled.
    fn events(&self) -> u64;
    /// The history.
    fn history(&self) -> &History;
    /// The metrics.
    fn metrics(&self) -> &Metrics;
    /// Node ids.
    fn node_names(&self) -> Vec<String>;
    /// Node and city ids controls may name.
    fn known_ids(&self) -> Vec<String>;
    /// Stops new operations.
    fn stop_workload(&mut self);
    /// When the workload was stopped, if it was.
    fn workload_stopped_us(&self) -> Option<u64>;
    /// The final state.
    fn final_state(&self) -> FinalState;
    /// Runs the checkers.
    fn check(&self, final_state: Option<&FinalState>) -> CheckReport;
    /// Runs the checkers that need no quiescence on the run so far; also returns the
    /// current state.
    fn check_live(&self) -> (CheckReport, FinalState);
    /// The checkers that apply.
    fn checkers(&self) -> Vec<AnomalyKind>;
    /// The configuration facts the checkers are given.
    fn check_params(&self) -> crate::check::CheckParams;
    /// The checkers a live check runs (the others wait for a quiet run).
    fn live_checkers(&self) -> Vec<AnomalyKind>;
    /// The anomalies this configuration promises never to show.
    fn promises(&self) -> Vec<AnomalyKind>;
    /// Offered load now.
    fn load_ops_s(&self) -> f64;
    /// Time from the end of the workload until the replicas agreed, if they have.
    fn time_to_converge_us(&self) -> Option<u64>;
    /// The longest quiet period this configuration may need before its replicas agree:
    /// a quiet run lasts [`QUIESCE_US`], and while the replicas still disagree, up to this.
    fn quiet_max_us(&self) -> u64;
    /// Whether any node measures a replication lag.
    fn measures_lag(&self) -> bool;
    /// The lag monitor, for scenarios that watch their nodes.
    fn monitor(&self) -> Option<&crate::monitor::Monitor>;
    /// The space-time diagram's record, when the run keeps one.
    fn spacetime(&self) -> Option<&crate::spacetime::Recorder>;
    /// The auto-scaling controller's record so far (big-billion-day).
    fn scaling(&self) -> Option<crate::self_report::ScalingLog>;
}

/// A scenario's world with what its build decided: the one [`Simulation`].
pub(crate) struct Built<P: Protocol> {
    /// The configuration it was built from.
    pub(crate) config: ScenarioConfig,
    /// The world.
    pub(crate) world: World<P>,
    /// The longest quiet period this configuration may need (see [`Simulation::quiet_max_us`]).
    pub(crate) quiet_max_us: u64,
    /// What this configuration promises never to show.
    pub(crate) promises: Vec<AnomalyKind>,
}

impl<P: Protocol> Simulation for Built<P> {
    fn config(&self) -> &ScenarioConfig {
        &self.config
    }
    fn now_us(&self) -> u64 {
        self.world.now_us()
    }
    fn step(&mut self) -> bool {
        self.world.step()
    }
    fn run_until(&mut self, t_us: u64) {
        self.world.run_until(t_us)
    }
    fn run_until_bounded(&mut self, t_us: u64, events_max: u64) -> bool {
        self.world.run_until_bounded(t_us, events_max)
    }
    fn apply(&mut self, control: Control) -> Result<(), ControlError> {
        self.world.apply(control)
    }
    fn control_log(&self) -> &[TimedControl] {
        self.world.control_log()
    }
    fn snapshot(&self, glyphs_max: usize) -> Snapshot {
        self.world.snapshot(glyphs_max)
    }
    fn views(&self) -> Vec<NodeView> {
        self.world.views()
    }
    fn digest(&self) -> u64 {
        self.world.digest()
    }
    fn digest_text(&self) -> String {
        self.world.digest_text()
    }
    fn events(&self) -> u64 {
        self.world.events()
    }
    fn history(&self) -> &History {
        self.world.history()
    }
    fn metrics(&self) -> &Metrics {
        self.world.metrics()
    }
    fn node_names(&self) -> Vec<String> {
        self.world.nodes().iter().map(|slot| slot.name.clone()).collect()
    }
    fn known_ids(&self) -> Vec<String> {
        self.world.known_ids()
    }
    fn stop_workload(&mut self) {
        self.world.stop_workload()
    }
    fn final_state(&self) -> FinalState {
        self.world.final_state()
    }
    fn check(&self, final_state: Option<&FinalState>) -> CheckReport {
        self.world.check(final_state)
    }
    fn check_live(&self) -> (CheckReport, FinalState) {
        self.world.check_live()
    }
    fn checkers(&self) -> Vec<AnomalyKind> {
        self.world.checkers().to_vec()
    }
    fn check_params(&self) -> crate::check::CheckParams {
        self.world.check_params()
    }
    fn live_checkers(&self) -> Vec<AnomalyKind> {
        self.world.live_checkers()
    }
    fn promises(&self) -> Vec<AnomalyKind> {
        self.promises.clone()
    }
    fn load_ops_s(&self) -> f64 {
        self.world.workload().load_ops_s
    }
    fn time_to_converge_us(&self) -> Option<u64> {
        self.world.time_to_converge_us()
    }
    fn quiet_max_us(&self) -> u64 {
        self.quiet_max_us.clamp(QUIESCE_US, QUIET_MAX_US)
    }
    fn workload_stopped_us(&self) -> Option<u64> {
        self.world.workload_stopped_us()
    }
    fn monitor(&self) -> Option<&crate::monitor::Monitor> {
        self.world.monitor()
    }
    fn spacetime(&self) -> Option<&crate::spacetime::Recorder> {
        self.world.spacetime()
    }
    fn scaling(&self) -> Option<crate::self_report::ScalingLog> {
        let now = self.world.now_us();
        match self.world.nodes().first()?.protocol.self_report(now)? {
            crate::self_report::SelfReport::Scaling(log) => {
                Some(log).filter(crate::self_report::ScalingLog::is_controller)
            }
            _ => None,
        }
    }
    fn measures_lag(&self) -> bool {
        self.world.measures_lag()
    }
}
