//! Controls: validating and applying what a user or a fault schedule does to a run —
//! crashes, restarts, cuts, partitions, slow links, skew, load — by node and city id.

use super::*;

impl<P: Protocol> World<P> {
    /// Index of a node by id.
    pub fn node_index(&self, name: &str) -> Option<NodeId> {
        self.directory.node_index(name)
    }

    /// Every node and city id a control may name.
    pub fn known_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.nodes.iter().map(|slot| slot.name.clone()).collect();
        for city in &CITIES {
            if !ids.iter().any(|id| id == city.id) {
                ids.push(city.id.to_string());
            }
        }
        ids
    }

    pub(super) fn validate(&self, control: &Control) -> Result<(), ControlError> {
        self.directory.validate(control)
    }

    /// Applies a control now and records it in the control log.
    pub fn apply(&mut self, control: Control) -> Result<(), ControlError> {
        self.validate(&control)?;
        if self.control_log.len() >= CONTROL_LOG_MAX {
            return Err(ControlError::LogFull);
        }
        // Counted like the scheduled control event a replay of the log will pop.
        self.events += 1;
        self.execute_control(control);
        Ok(())
    }

    pub(super) fn execute_control(&mut self, control: Control) {
        if self.validate(&control).is_err() || self.control_log.len() >= CONTROL_LOG_MAX {
            return;
        }
        self.fold(&[8, self.control_log.len() as u64]);
        self.control_log.push(TimedControl { at_us: self.now_us, control: control.clone() });
        match control {
            Control::Load { ops_s } => {
                self.workload.set_load(ops_s);
                self.arrival_generation = self.arrival_generation.wrapping_add(1);
                self.schedule_arrival();
            }
            Control::Crash { node } => {
                if let Some(index) = self.node_index(&node) {
                    self.crash(index);
                }
            }
            Control::Restart { node } => {
                if let Some(index) = self.node_index(&node) {
                    self.restart(index);
                }
            }
            Control::Skew { node, skew_us } => {
                if let Some(index) = self.node_index(&node) {
                    self.nodes[index].skew_us =
                        skew_us.clamp(-crate::control::SKEW_MAX_US, crate::control::SKEW_MAX_US);
                }
            }
            link => self.directory.apply_to_network(&mut self.network, &link),
        }
    }

    pub(super) fn crash(&mut self, node: NodeId) {
        let slot = &mut self.nodes[node];
        if !slot.up {
            return;
        }
        slot.up = false;
        slot.incarnation += 1;
        slot.cpu_busy_until_us = 0;
        slot.sync_busy_until_us = 0;
        slot.protocol.crash();
        self.record_local(node, self.now_us, crate::spacetime::SpaceTimeKind::Crash);
    }

    pub(super) fn restart(&mut self, node: NodeId) {
        if self.nodes[node].up {
            return;
        }
        self.record_local(node, self.now_us, crate::spacetime::SpaceTimeKind::Restart);
        let slot = &mut self.nodes[node];
        slot.up = true;
        slot.incarnation += 1;
        self.handle_input(node, 0, |protocol, ctx, out| protocol.restart(ctx, out));
    }

    /// Stops generating new operations (the start of quiescence).
    pub fn stop_workload(&mut self) {
        self.workload_active = false;
        self.stopped_at_us.get_or_insert(self.now_us);
    }

    /// When the workload was stopped, if it was.
    pub fn workload_stopped_us(&self) -> Option<u64> {
        self.stopped_at_us
    }
}

/// Which node runs in which city: the strategy-independent half of resolving the ids a
/// control names, outside the generic `World` so every strategy shares one copy.
#[derive(Debug)]
pub(super) struct Directory {
    pub(super) nodes: Vec<(String, CityId)>,
}

impl Directory {
    fn node_index(&self, name: &str) -> Option<NodeId> {
        self.nodes.iter().position(|(node, _)| node == name).map(NodeId::new)
    }

    /// A node's city, or the city with that id.
    fn city_of(&self, name: &str) -> Option<CityId> {
        self.node_index(name).map(|node| self.nodes[node].1).or_else(|| crate::geo::city_index(name))
    }

    fn validate(&self, control: &Control) -> Result<(), ControlError> {
        let node =
            |name: &str| self.node_index(name).map(|_| ()).ok_or_else(|| ControlError::UnknownNode(name.to_string()));
        let city =
            |name: &str| self.city_of(name).map(|_| ()).ok_or_else(|| ControlError::UnknownNode(name.to_string()));
        match control {
            Control::Crash { node: n } | Control::Restart { node: n } | Control::Skew { node: n, .. } => node(n),
            Control::Cut { from, to, .. } => city(from).and(city(to)),
            Control::Heal { a, b } | Control::Slow { a, b, .. } | Control::Loss { a, b, .. } => city(a).and(city(b)),
            Control::Latency { .. } | Control::Load { .. } | Control::HealAll => Ok(()),
        }
    }

    /// Applies a control that changes only the network (latency, cuts, slow and lossy links).
    fn apply_to_network(&self, network: &mut Network, control: &Control) {
        let pair = |a: &str, b: &str| self.city_of(a).zip(self.city_of(b));
        match control {
            Control::Latency { multiplier } => network.set_latency_multiplier(*multiplier),
            Control::Cut { from, to, both } => {
                if let Some((a, b)) = pair(from, to) {
                    network.set_cut(a, b, true);
                    if *both {
                        network.set_cut(b, a, true);
                    }
                }
            }
            Control::Heal { a, b } => {
                if let Some((a, b)) = pair(a, b) {
                    network.set_cut(a, b, false);
                    network.set_cut(b, a, false);
                }
            }
            Control::HealAll => {
                for a in crate::geo::CityId::all() {
                    for b in crate::geo::CityId::all() {
                        network.set_cut(a, b, false);
                        network.set_slow(a, b, 1.0);
                        network.set_loss(a, b, 0.0);
                    }
                }
            }
            Control::Slow { a, b, factor } => {
                if let Some((a, b)) = pair(a, b) {
                    network.set_slow(a, b, *factor);
                    network.set_slow(b, a, *factor);
                }
            }
            Control::Loss { a, b, probability } => {
                if let Some((a, b)) = pair(a, b) {
                    network.set_loss(a, b, *probability);
                    network.set_loss(b, a, *probability);
                }
            }
            Control::Load { .. } | Control::Crash { .. } | Control::Restart { .. } | Control::Skew { .. } => {}
        }
    }
}
