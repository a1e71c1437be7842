//! Observation: what the engine records and shows without changing the run — the
//! space-time record, samples for the charts and the lag monitor, convergence, the final
//! state and the checkers' verdicts, node views and snapshots for the page.

use super::*;

impl<P: Protocol> World<P> {
    pub(super) fn record_send(&mut self, from: NodeId, to: NodeId, at_us: u64, kind: MessageKind, lost: bool) -> u64 {
        self.spacetime.as_mut().map_or(0, |recorder| recorder.on_send(from, to, at_us, kind, lost))
    }

    pub(super) fn record_local(&mut self, node: NodeId, at_us: u64, kind: crate::spacetime::SpaceTimeKind) {
        if let Some(recorder) = self.spacetime.as_mut() {
            recorder.on_local(node, at_us, kind);
        }
    }

    /// The space-time record, when the world was built to keep one.
    pub fn spacetime(&self) -> Option<&crate::spacetime::Recorder> {
        self.spacetime.as_deref()
    }

    pub(super) fn on_sample(&mut self) {
        let now = self.now_us;
        let converging = self.stopped_at_us.is_some() && self.converged_at_us.is_none();
        // A store partitioned by a ring is compared key by key on copies of every node's
        // state: checked every tenth sample (100 ms resolution), not every one.
        let due = self.hooks.params.placement.is_none() || (now / LAG_SAMPLE_INTERVAL_US) % 10 == 0;
        if converging && due && self.hooks.checkers.contains(&AnomalyKind::Divergence) && self.divergent_keys() == 0 {
            self.converged_at_us = Some(now);
        }
        for slot in &self.nodes {
            if slot.up {
                if let Some(lag) = slot.protocol.lag_us(now) {
                    self.metrics.record_lag(lag);
                }
            }
        }
        self.samples_since_series += 1;
        if self.samples_since_series * LAG_SAMPLE_INTERVAL_US >= SERIES_INTERVAL_US {
            self.samples_since_series = 0;
            let lag_ms = self
                .nodes
                .iter()
                .map(|slot| if slot.up { slot.protocol.lag_us(now).unwrap_or(0) as f32 / 1000.0 } else { 0.0 })
                .collect();
            let conflicts = self.nodes.iter().map(|slot| slot.protocol.conflicts_detected()).max().unwrap_or(0);
            let divergent_keys =
                if self.hooks.checkers.contains(&AnomalyKind::Divergence) { self.divergent_keys() } else { 0 };
            self.metrics.close_interval(now, lag_ms, conflicts, divergent_keys);
        }
        self.samples_since_monitor += 1;
        if let Some(interval) = self.monitor.as_ref().map(|monitor| monitor.config().interval_us) {
            if self.samples_since_monitor * LAG_SAMPLE_INTERVAL_US >= interval {
                self.samples_since_monitor = 0;
                self.observe_monitor();
            }
        }
        self.push(now + LAG_SAMPLE_INTERVAL_US, CLASS_EVENT, Event::Sample);
    }

    /// Hands the monitor one sample per node: a heartbeat probe from its home city is
    /// answered when the node is up and the links both ways are whole.
    pub(super) fn observe_monitor(&mut self) {
        let Some(monitor) = self.monitor.as_mut() else { return };
        let now = self.now_us;
        let home = monitor.config().home_city;
        let samples = self
            .nodes
            .iter()
            .map(|slot| crate::monitor::NodeSample {
                node: slot.name.clone(),
                city: slot.city.city().id,
                heartbeat: slot.up && !self.network.is_cut(home, slot.city) && !self.network.is_cut(slot.city, home),
                lag_us: slot.protocol.lag_us(now),
                busy_us_total: slot.busy_us_total,
                open_ops: slot.open_ops,
                ok_total: slot.ok_total,
                failed_total: slot.failed_total,
            })
            .collect();
        monitor.observe(now, samples);
    }

    /// The lag monitor, for scenarios that watch their nodes.
    pub fn monitor(&self) -> Option<&crate::monitor::Monitor> {
        self.monitor.as_ref()
    }

    /// Whether any node measures a replication lag (replicas do; gossiping peers do not).
    pub fn measures_lag(&self) -> bool {
        self.nodes.iter().any(|slot| slot.protocol.lag_us(self.now_us).is_some())
    }

    /// Keys on which running nodes that should agree (a replica group, or everyone) disagree now.
    pub fn divergent_keys(&self) -> u32 {
        if self.hooks.params.placement.is_some() {
            // Partitioned by a ring: judged key by key, siblings included, as the checker does.
            return check::divergence(&self.final_state(), self.hooks.params).len() as u32;
        }
        let groups = self.hooks.params.replica_groups;
        if groups.is_empty() {
            let stores: Vec<&std::collections::BTreeMap<crate::protocol::Key, crate::protocol::Value>> =
                self.nodes.iter().filter(|slot| slot.up).map(|slot| slot.protocol.store()).collect();
            return divergent_keys(&stores);
        }
        groups
            .iter()
            .map(|group| {
                let stores: Vec<&std::collections::BTreeMap<crate::protocol::Key, crate::protocol::Value>> = group
                    .iter()
                    .filter_map(|index| self.nodes.get(*index))
                    .filter(|slot| slot.up)
                    .map(|slot| slot.protocol.store())
                    .collect();
                divergent_keys(&stores)
            })
            .sum()
    }

    /// Time from the end of the workload until every running replica held the same state
    /// (10 ms resolution; 100 ms for a store partitioned by a ring), for scenarios with a
    /// divergence checker; `None` before that.
    pub fn time_to_converge_us(&self) -> Option<u64> {
        Some(self.converged_at_us? - self.stopped_at_us?)
    }

    /// Each node's final state; the authoritative node is the primary of the highest epoch.
    pub fn final_state(&self) -> FinalState {
        let nodes: Vec<FinalNode> = self
            .nodes
            .iter()
            .map(|slot| {
                let info = slot.protocol.route_info();
                FinalNode {
                    name: slot.name.clone(),
                    up: slot.up,
                    role: info.role,
                    epoch: info.epoch,
                    initial: slot.initial_store.clone(),
                    store: slot.protocol.store().clone(),
                    extras: slot.protocol.state_extras(),
                    report: slot.protocol.self_report(self.now_us),
                }
            })
            .collect();
        FinalState::of(nodes)
    }

    /// Runs the strategy's checkers over the history (and the final state, if given).
    pub fn check(&self, final_state: Option<&FinalState>) -> CheckReport {
        check::check(&self.history, final_state, &self.hooks.checkers, self.hooks.params)
    }

    /// Runs, on the run so far, the checkers that need no quiescence, with the current
    /// state standing in for the final one. Also returns that state.
    pub fn check_live(&self) -> (CheckReport, FinalState) {
        let state = self.final_state();
        let kinds = self.live_checkers();
        (check::check(&self.history, Some(&state), &kinds, self.hooks.params), state)
    }

    /// The checkers a live check runs.
    pub fn live_checkers(&self) -> Vec<AnomalyKind> {
        self.hooks.checkers.iter().copied().filter(|kind| kind.checked_live()).collect()
    }

    /// The checkers that apply.
    pub fn checkers(&self) -> &[AnomalyKind] {
        &self.hooks.checkers
    }

    /// The configuration facts the checkers are given.
    pub fn check_params(&self) -> check::CheckParams {
        self.hooks.params
    }

    /// Every node's view.
    pub fn views(&self) -> Vec<NodeView> {
        self.nodes.iter().map(|slot| slot.protocol.view(self.now_us)).collect()
    }

    /// A plain view model of the world for the page, with at most `glyphs_max` messages.
    pub fn snapshot(&self, glyphs_max: usize) -> Snapshot {
        let nodes = self
            .nodes
            .iter()
            .map(|slot| NodeSnapshot {
                id: slot.name.clone(),
                city: slot.city.city().id,
                up: slot.up,
                skew_us: slot.skew_us,
                view: slot.protocol.view(self.now_us),
            })
            .collect();
        let mut glyphs = Vec::new();
        let mut in_flight = 0usize;
        for (arrive_us, event) in self.queue.iter() {
            let glyph = match event {
                Event::Deliver { from, to, msg, sent_us, send_event } => Some(Glyph {
                    send_event: *send_event,
                    from_city: self.nodes[*from].city,
                    to_city: self.nodes[*to].city,
                    kind: msg.kind(),
                    sent_us: *sent_us,
                    arrive_us,
                    clock: msg.vector_clock().map(<[u64]>::to_vec).unwrap_or_default(),
                }),
                Event::RequestArrive { node, op, sent_us } => self.history.get(*op).map(|o| Glyph {
                    from_city: o.city,
                    to_city: self.nodes[*node].city,
                    send_event: 0,
                    kind: MessageKind::Request,
                    sent_us: *sent_us,
                    arrive_us,
                    clock: Vec::new(),
                }),
                Event::ReplyArrive { node, op, sent_us, .. } => self.history.get(*op).map(|o| Glyph {
                    from_city: self.nodes[*node].city,
                    to_city: o.city,
                    send_event: 0,
                    kind: MessageKind::Reply,
                    sent_us: *sent_us,
                    arrive_us,
                    clock: Vec::new(),
                }),
                _ => None,
            };
            if let Some(glyph) = glyph {
                in_flight += 1;
                glyphs.push(glyph);
            }
        }
        crate::snapshot::canonical_glyphs(&mut glyphs, glyphs_max);
        Snapshot {
            now_us: self.now_us,
            seed: self.config.seed,
            events: self.events,
            digest: self.digest_text(),
            nodes,
            glyphs,
            in_flight,
            cuts: self.network.cut_city_pairs(),
            latency_multiplier: self.network.latency_multiplier(),
            load_ops_s: self.workload.config().load_ops_s,
            ops_ok: self.metrics.ops_ok,
            ops_failed: self.metrics.ops_failed,
            ops_unknown: self.metrics.ops_unknown,
            messages_by_kind: MessageKind::ALL
                .iter()
                .map(|kind| (kind.name(), self.metrics.messages_by_kind[*kind as usize]))
                .collect(),
        }
    }
}

/// Keys on which running stores disagree; outside `World` so every strategy shares one copy.
fn divergent_keys(stores: &[&std::collections::BTreeMap<crate::protocol::Key, crate::protocol::Value>]) -> u32 {
    let Some((first, others)) = stores.split_first() else { return 0 };
    let mut keys: std::collections::BTreeSet<crate::protocol::Key> = std::collections::BTreeSet::new();
    for store in stores {
        keys.extend(store.keys().copied());
    }
    keys.into_iter().filter(|key| others.iter().any(|store| store.get(key) != first.get(key))).count() as u32
}
