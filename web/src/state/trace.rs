//! Trace files on the page: exporting the run and importing one — the same format the
//! command line writes and `replica-lab replay` reads.

use super::*;

impl AppState {
    /// The trace of the run as it stands, in the format of `replica-lab trace`: settings,
    /// controls so far, the operations the page keeps, every node's state and the findings
    /// of the latest check.
    pub fn trace_json(&self) -> String {
        let simulation = self.simulation.borrow();
        let state = simulation.final_state();
        replica_core::report::trace_of(simulation.as_ref(), &state, &self.checks.findings).to_json()
    }

    /// A file name for [`Self::trace_json`]'s text.
    pub fn trace_file_name(&self) -> String {
        format!("replica-lab-{}-seed{}-{}ms.json", self.params.scenario, self.seed, self.snapshot.now_us / 1000)
    }

    /// Opens a trace: its settings and controls, replayed to its moment and paused there.
    /// The page's digest is compared with the file's; anything wrong becomes a notice and
    /// leaves the run as it was.
    pub(super) fn import_trace(&mut self, text: &str) {
        match self.imported(text) {
            Ok(next) => *self = next,
            Err(error) => self.notices.push(format!("Could not import the trace: {error}.")),
        }
    }

    pub(super) fn imported(&self, text: &str) -> Result<Self, String> {
        let header = TraceHeader::parse(text).map_err(|e| e.to_string())?;
        let config = header.scenario_config().map_err(|e| e.to_string())?;
        let end_us = header.end_us().map_err(|e| e.to_string())?;
        if config.controls.len() > LINK_CONTROLS_MAX {
            return Err(format!("it holds more than {LINK_CONTROLS_MAX} controls"));
        }
        let mut next = self.clone();
        next.params = PageParams {
            scenario: config.scenario,
            latency: config.latency_multiplier,
            load: config.load_ops_s,
            knobs: config.knobs,
            lang: self.params.lang,
            embed: self.params.embed,
            ..PageParams::default()
        };
        next.seed = config.seed;
        next.controls = Shared::new(config.controls);
        next.playing = false;
        next.notices.clear();
        // A command-line trace stopped its workload and ran on until quiet: so does the page.
        let stopped_us = header.workload_stopped_us.unwrap_or(end_us);
        next.horizon_us = end_us;
        next.replay(stopped_us);
        if stopped_us < end_us {
            next.simulation.borrow_mut().stop_workload();
            next.run_to(end_us);
            next.refresh_snapshot();
        }
        if next.simulation.borrow().now_us() < end_us {
            return Err("its moment is too far for the page to replay".to_string());
        }
        let digest = &next.snapshot.digest;
        let verdict = if *digest == header.trace_digest {
            "matches the file's"
        } else {
            "differs from the file's: changed, or made by another version"
        };
        next.notices.push(format!(
            "Imported the trace of {} seed {} at {:.3} s: digest {digest} {verdict}.",
            header.scenario,
            header.seed,
            end_us as f64 / 1e6
        ));
        Ok(next)
    }
}

/// Decodes a link's control log against the run's node and city ids; bad items become notices.
pub(super) fn decode_controls(text: &str, simulation: &dyn Simulation, notices: &mut Vec<String>) -> Vec<TimedControl> {
    if text.is_empty() {
        return Vec::new();
    }
    let ids = simulation.known_ids();
    let known: Vec<&str> = ids.iter().map(String::as_str).collect();
    let (controls, warnings) = replica_core::control::decode_log(text, &known);
    notices.extend(warnings);
    controls
}

pub(super) fn kind_named(name: &str) -> Option<AnomalyKind> {
    AnomalyKind::from_name(name)
}
