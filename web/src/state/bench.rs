//! The benchmark panel's state: rows as they finish, for one run of the table at a time.

use super::*;

/// The benchmark view's model: every strategy on the same seed, load and latency, run one
/// row at a time so the page stays responsive.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BenchModel {
    /// The settings of the run in progress or shown.
    pub config: Option<replica_core::bench::BenchConfig>,
    /// Rows so far, in the table's order.
    pub rows: Vec<replica_core::bench::BenchRow>,
    /// Bumped by each new run; rows of an older run are ignored.
    pub generation: u64,
    /// Whether rows are still coming.
    pub running: bool,
    /// Why the run stopped, if it failed.
    pub error: Option<String>,
}

/// What happens to the benchmark view.
#[derive(Debug, Clone, PartialEq)]
pub enum BenchAction {
    /// Start run `generation` over with these settings.
    Start(u64, replica_core::bench::BenchConfig),
    /// A row of run `generation` is done.
    Row(u64, replica_core::bench::BenchRow),
    /// Run `generation` is complete.
    Finished(u64),
    /// Run `generation` failed.
    Failed(u64, String),
}

impl Reducible for BenchModel {
    type Action = BenchAction;

    fn reduce(self: Rc<Self>, action: BenchAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            BenchAction::Start(generation, config) => {
                next = BenchModel { config: Some(config), rows: Vec::new(), generation, running: true, error: None };
            }
            BenchAction::Row(generation, row) if generation == next.generation => next.rows.push(row),
            BenchAction::Finished(generation) if generation == next.generation => next.running = false,
            BenchAction::Failed(generation, error) if generation == next.generation => {
                next.running = false;
                next.error = Some(error);
            }
            _ => return self,
        }
        Rc::new(next)
    }
}
