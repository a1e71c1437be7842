//! The clients: operations arriving from cities, routed to a node, their requests and
//! replies on the network, time-outs, and what the history records of each.

use super::*;

impl<P: Protocol> World<P> {
    pub(super) fn schedule_arrival(&mut self) {
        if !self.workload_active {
            return;
        }
        if let Some(gap) = self.workload.next_gap_us(&mut self.streams.workload) {
            let generation = self.arrival_generation;
            self.push(self.now_us + gap, CLASS_EVENT, Event::Arrival { generation });
        }
    }

    pub(super) fn on_arrival(&mut self) {
        let arrival = self.workload.next(self.now_us, &mut self.streams.workload);
        self.fold(&[4, arrival.op, arrival.key.into(), arrival.city.index() as u64]);
        let value = if arrival.kind.is_read() { 0 } else { arrival.op };
        let node = self.route(arrival.kind, arrival.city);
        let mut op = Operation {
            id: arrival.op,
            client: arrival.client,
            city: arrival.city,
            node,
            kind: arrival.kind,
            key: arrival.key,
            value,
            peer_key: arrival.peer_key,
            amount: arrival.amount,
            result: None,
            read_value: None,
            invoke_us: self.now_us,
            complete_us: None,
            outcome: Outcome::Pending,
            epoch: None,
            acked_us: None,
            fail_reason: None,
            served_role: None,
        };
        let refused = match node {
            None => Some(FailReason::Unreachable),
            Some(_) if self.pending_ops >= self.config.pending_ops_max => Some(FailReason::Overloaded),
            Some(_) => None,
        };
        if let Some(reason) = refused {
            op.complete_us = Some(self.now_us);
            op.outcome = Outcome::Fail;
            op.fail_reason = Some(reason);
            self.metrics.record_error(false);
            self.history.push(op);
        } else if let Some(node) = node {
            self.history.push(op);
            self.pending_ops += 1;
            self.nodes[node].open_ops += 1;
            self.send_request(arrival.city, node, arrival.op);
            self.seq += 1;
            self.timeouts.push_back((self.now_us + self.config.client_timeout_us, self.seq, arrival.op));
        }
        self.schedule_arrival();
    }

    pub(super) fn route(&mut self, kind: OpKind, city: CityId) -> Option<NodeId> {
        let mut candidates = std::mem::take(&mut self.candidates);
        candidates.clear();
        let delays = &delay_table().base_us;
        for (node, slot) in self.nodes.iter().enumerate() {
            let reachable = !self.network.is_cut(city, slot.city) && !self.network.is_cut(slot.city, city);
            if slot.up && reachable {
                candidates.push(RouteCandidate {
                    node: NodeId::new(node),
                    info: slot.protocol.route_info(),
                    one_way_us: delays[(city, slot.city)],
                });
            }
        }
        let chosen = (self.hooks.router)(kind, &candidates, &mut self.streams.routing);
        self.candidates = candidates;
        chosen
    }

    pub(super) fn send_request(&mut self, city: CityId, node: NodeId, op: OpId) {
        self.metrics.record_message(MessageKind::Request);
        if !self.room_in_queue() {
            return;
        }
        let to_city = self.nodes[node].city;
        let now = self.now_us;
        match self.network.transmit(now, city, to_city, 128, &mut self.streams.network) {
            Ok(arrival) => self.push(arrival, CLASS_EVENT, Event::RequestArrive { node, op, sent_us: now }),
            Err(_) => self.metrics.messages_dropped += 1,
        }
    }

    pub(super) fn on_request(&mut self, node: NodeId, op: OpId) {
        self.fold(&[5, u64::from(node), op]);
        let Some(recorded) = self.history.get(op) else {
            return;
        };
        if !self.nodes[node].up || recorded.outcome != Outcome::Pending {
            return;
        }
        let request = ClientRequest {
            op,
            client: recorded.client,
            kind: recorded.kind,
            key: recorded.key,
            value: recorded.value,
            peer_key: recorded.peer_key,
            amount: recorded.amount,
        };
        self.record_local(node, self.now_us, crate::spacetime::SpaceTimeKind::Request { op });
        let cost = self.nodes[node].protocol.cpu_cost_us(MessageKind::Request);
        self.handle_input(node, cost, |protocol, ctx, out| protocol.on_client(ctx, request, out));
    }

    pub(super) fn send_reply(
        &mut self,
        node: NodeId,
        at_us: u64,
        op: OpId,
        (reply, result): (Reply, Option<Box<OpResult>>),
    ) {
        self.metrics.record_message(MessageKind::Reply);
        let ok = matches!(reply, Reply::Ok { .. });
        self.record_local(node, at_us, crate::spacetime::SpaceTimeKind::Reply { op, ok });
        let Some(client_city) = self.history.get(op).map(|o| o.city) else {
            return;
        };
        if !self.room_in_queue() {
            return;
        }
        let from_city = self.nodes[node].city;
        match self.network.transmit(at_us, from_city, client_city, 128, &mut self.streams.network) {
            Ok(arrival) => {
                let role = self.nodes[node].protocol.route_info().role;
                self.push(arrival, CLASS_EVENT, Event::ReplyArrive { node, op, reply, sent_us: at_us, role, result })
            }
            Err(_) => self.metrics.messages_dropped += 1,
        }
    }

    pub(super) fn on_reply(
        &mut self,
        node: NodeId,
        op: OpId,
        (reply, result): (Reply, Option<Box<OpResult>>),
        (sent_us, role): (u64, crate::protocol::Role),
    ) {
        self.fold(&[6, u64::from(node), op]);
        let ok = matches!(reply, Reply::Ok { .. });
        let answer = Answer { node, reply, result, sent_us, role };
        if let Some(routed_to) = record_reply(&mut self.history, &mut self.metrics, self.now_us, op, answer) {
            self.pending_ops -= 1;
            self.close_on_node(routed_to, ok);
        }
    }

    /// An operation routed to `node` ended: its connection returns to the pool.
    pub(super) fn close_on_node(&mut self, node: Option<NodeId>, ok: bool) {
        if let Some(slot) = node.and_then(|node| self.nodes.get_mut(node.index())) {
            slot.open_ops = slot.open_ops.saturating_sub(1);
            if ok {
                slot.ok_total += 1;
            } else {
                slot.failed_total += 1;
            }
        }
    }

    pub(super) fn on_timeout(&mut self, op: OpId) {
        if let Some(routed_to) = record_timeout(&mut self.history, &mut self.metrics, self.now_us, op) {
            self.pending_ops -= 1;
            self.close_on_node(routed_to, false);
            self.fold(&[7, op]);
        }
    }
}

/// A node's answer to an operation, as it arrives at the client.
struct Answer {
    node: NodeId,
    reply: Reply,
    result: Option<Box<OpResult>>,
    sent_us: u64,
    role: crate::protocol::Role,
}

/// Records an answer in the history and the metrics, if the operation is still pending;
/// the node it was routed to. Outside the generic `World`: one copy for every strategy.
fn record_reply(
    history: &mut History,
    metrics: &mut Metrics,
    now: u64,
    op: OpId,
    answer: Answer,
) -> Option<Option<NodeId>> {
    let recorded = history.get_mut(op)?;
    if recorded.outcome != Outcome::Pending {
        return None;
    }
    recorded.complete_us = Some(now);
    let routed_to = recorded.node;
    match answer.reply {
        Reply::Ok { read_value, epoch } => {
            recorded.outcome = Outcome::Ok;
            recorded.read_value = read_value;
            recorded.epoch = Some(epoch);
            recorded.acked_us = Some(answer.sent_us);
            recorded.node = Some(answer.node);
            recorded.served_role = Some(answer.role);
            recorded.result = answer.result;
            let latency = now - recorded.invoke_us;
            metrics.record_ok(latency);
        }
        Reply::Fail(reason) => {
            recorded.outcome = Outcome::Fail;
            recorded.fail_reason = Some(reason);
            metrics.record_error(false);
        }
    }
    Some(routed_to)
}

/// Records a client's time-out, if the operation is still pending; the node it was routed
/// to. A read that timed out had no effect; a write may or may not have.
fn record_timeout(history: &mut History, metrics: &mut Metrics, now: u64, op: OpId) -> Option<Option<NodeId>> {
    let recorded = history.get_mut(op)?;
    if recorded.outcome != Outcome::Pending {
        return None;
    }
    let unknown = !recorded.kind.is_read();
    recorded.outcome = if unknown { Outcome::Unknown } else { Outcome::Fail };
    recorded.complete_us = Some(now);
    let routed_to = recorded.node;
    metrics.record_error(unknown);
    Some(routed_to)
}
