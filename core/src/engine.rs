//! The engine: virtual time, the event queue, and the loop that feeds protocols.
//!
//! # The loop
//!
//! A [`World`] owns everything that changes: the event queue, the nodes' state machines,
//! the network, the disks, the workload, the random streams, the history and the metrics.
//! [`World::step`] pops the earliest event — ordered by `(time, class, sequence)` — and
//! handles it:
//!
//! 1. a message, timer, disk completion or client request is handed to its node, which
//!    runs for its CPU cost (a node is a single server: inputs queue behind each other,
//!    which is what makes lag grow with load) and pushes effects into an [`Out`];
//! 2. the engine executes the effects at the time the node finished: sends go through the
//!    [`Network`] (which may drop them or deliver them later), timers and disk operations
//!    are scheduled, replies travel back to the client's city;
//! 3. a client arrival draws the next operation, routes it and schedules its timeout;
//! 4. a control (crash, partition, slider) changes the world. Controls have class 1, so at
//!    equal times they run after every ordinary event: exactly what happens when the page
//!    runs the world up to `t` and then applies a control, so a replay of the control log
//!    rebuilds the same run bit for bit.
//!
//! Every handled event is folded into the trace digest. Nothing here reads a clock or does
//! I/O; every queue is bounded (see the constants).

use crate::check::{self, AnomalyKind, CheckReport, FinalNode, FinalState};
use crate::control::{Control, TimedControl};
use crate::geo::{CityIndex, CITIES};
use crate::history::{History, Operation, Outcome};
use crate::metrics::{Metrics, LAG_SAMPLE_INTERVAL_US, SERIES_INTERVAL_US};
use crate::net::{delay_table, Network};
use crate::protocol::{
    ClientRequest, Ctx, DiskDone, Effect, FailReason, Message, MessageKind, NodeId, NodeView, OpId, OpKind, OpResult,
    Out, Protocol, Reply, RouteInfo,
};
use crate::rng::{Stream, Streams};
use crate::snapshot::{Glyph, NodeSnapshot, Snapshot};
use crate::workload::{Workload, WorkloadConfig};
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use thiserror::Error;
use xxhash_rust::xxh3::Xxh3;

/// Most events the queue may hold; sends beyond it are dropped as network overflow.
pub const EVENT_QUEUE_MAX: usize = 4_000_000;
/// Default cap on operations in flight; arrivals beyond it fail as overloaded.
pub const PENDING_OPS_MAX_DEFAULT: usize = 50_000;
/// Default time a client waits for an answer.
pub const CLIENT_TIMEOUT_US_DEFAULT: u64 = 5_000_000;
/// Most entries in the control log.
pub const CONTROL_LOG_MAX: usize = 10_000;

/// Disk latencies of every node.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DiskConfig {
    /// A write reaching the OS page cache.
    pub write_us: u64,
    /// An fsync (NVMe ≈ 250 µs, SSD without power-loss protection ≈ 900 µs).
    pub fsync_us: u64,
}

impl Default for DiskConfig {
    fn default() -> Self {
        Self { write_us: 20, fsync_us: 250 }
    }
}

/// Settings of a world that are not the strategy's.
#[derive(Debug, Clone, PartialEq)]
pub struct WorldConfig {
    /// The seed of every random stream.
    pub seed: u64,
    /// The client workload.
    pub workload: WorkloadConfig,
    /// Initial latency multiplier.
    pub latency_multiplier: f64,
    /// Disk latencies.
    pub disk: DiskConfig,
    /// Client timeout.
    pub client_timeout_us: u64,
    /// Cap on recorded operations.
    pub history_ops_max: usize,
    /// Cap on operations in flight.
    pub pending_ops_max: usize,
    /// The lag monitor's rules, for scenarios that watch their nodes.
    pub monitor: Option<crate::monitor::MonitorConfig>,
    /// Record recent events with vector clocks for the space-time diagram (observes only).
    pub record_spacetime: bool,
}

impl Default for WorldConfig {
    fn default() -> Self {
        Self {
            seed: 1,
            workload: WorkloadConfig::default(),
            latency_multiplier: 1.0,
            disk: DiskConfig::default(),
            client_timeout_us: CLIENT_TIMEOUT_US_DEFAULT,
            history_ops_max: crate::history::HISTORY_OPS_MAX_DEFAULT,
            pending_ops_max: PENDING_OPS_MAX_DEFAULT,
            monitor: None,
            record_spacetime: false,
        }
    }
}

/// A node as the engine holds it.
#[derive(Debug)]
pub struct NodeSlot<P> {
    /// Node id (a city id, with a suffix where a city holds several).
    pub name: String,
    /// Where it is.
    pub city: CityIndex,
    /// Its state machine.
    pub protocol: P,
    /// Whether it is running.
    pub up: bool,
    /// Wall-clock skew.
    pub skew_us: i64,
    /// Its store at time zero (the initial state checkers judge from).
    initial_store: std::collections::BTreeMap<crate::protocol::Key, crate::protocol::Value>,
    incarnation: u32,
    cpu_busy_until_us: u64,
    sync_busy_until_us: u64,
    /// Counters the monitor reads: CPU time spent, client operations open, answers.
    busy_us_total: u64,
    open_ops: u32,
    ok_total: u64,
    failed_total: u64,
}

/// A node a client could send an operation to.
#[derive(Debug, Clone, Copy)]
pub struct RouteCandidate {
    /// The node.
    pub node: NodeId,
    /// What it claims.
    pub info: RouteInfo,
    /// Typical one-way delay from the client's city.
    pub one_way_us: f64,
}

/// Picks the node for an operation among the up and reachable ones.
pub type Router = fn(OpKind, &[RouteCandidate], &mut Stream) -> Option<NodeId>;

/// What the engine needs to know about a strategy besides its nodes.
#[derive(Debug, Clone)]
pub struct StrategyHooks {
    /// Client routing.
    pub router: Router,
    /// Checkers that apply.
    pub checkers: Vec<AnomalyKind>,
    /// Facts the checkers need.
    pub params: check::CheckParams,
}

/// Why a control was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ControlError {
    /// The control names a node or city this world does not have.
    #[error("unknown node or city '{0}'")]
    UnknownNode(String),
    /// The control log is full.
    #[error("the control log is full ({CONTROL_LOG_MAX} entries)")]
    LogFull,
}

enum Event<M, T> {
    /// Boxed: messages can be large, and the heap moves events on every push and pop.
    Deliver {
        from: NodeId,
        to: NodeId,
        msg: Box<M>,
        sent_us: u64,
        /// The send's id in the space-time record (0 when not recording).
        send_event: u64,
    },
    Timer {
        node: NodeId,
        incarnation: u32,
        timer: T,
    },
    Disk {
        node: NodeId,
        incarnation: u32,
        done: DiskDone,
    },
    RequestArrive {
        node: NodeId,
        op: OpId,
        sent_us: u64,
    },
    ReplyArrive {
        node: NodeId,
        op: OpId,
        reply: Reply,
        sent_us: u64,
        /// The role the node claimed when it answered.
        role: crate::protocol::Role,
        /// What the operation returned besides a value read.
        result: Option<Box<OpResult>>,
    },
    Arrival {
        generation: u32,
    },
    Sample,
    Control(Control),
}

struct Scheduled<M, T> {
    at_us: u64,
    class: u8,
    seq: u64,
    event: Event<M, T>,
}

impl<M, T> PartialEq for Scheduled<M, T> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl<M, T> Eq for Scheduled<M, T> {}
impl<M, T> PartialOrd for Scheduled<M, T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<M, T> Ord for Scheduled<M, T> {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: BinaryHeap is a max-heap and we want the earliest first.
        (other.at_us, other.class, other.seq).cmp(&(self.at_us, self.class, self.seq))
    }
}

const CLASS_EVENT: u8 = 0;
const CLASS_CONTROL: u8 = 1;

/// A simulated world running one strategy.
pub struct World<P: Protocol> {
    config: WorldConfig,
    hooks: StrategyHooks,
    now_us: u64,
    seq: u64,
    queue: BinaryHeap<Scheduled<P::Msg, P::Timer>>,
    /// Client timeouts all have the same delay, so they expire in the order they were set:
    /// a FIFO of `(deadline, seq, op)` instead of the heap keeps the heap small.
    timeouts: std::collections::VecDeque<(u64, u64, OpId)>,
    nodes: Vec<NodeSlot<P>>,
    network: Network,
    directory: Directory,
    streams: Streams,
    workload: Workload,
    workload_active: bool,
    /// When the workload stopped, and when every running replica agreed after that.
    stopped_at_us: Option<u64>,
    converged_at_us: Option<u64>,
    arrival_generation: u32,
    history: History,
    pending_ops: usize,
    metrics: Metrics,
    control_log: Vec<TimedControl>,
    digest: Xxh3,
    events: u64,
    out: Out<P::Msg, P::Timer>,
    candidates: Vec<RouteCandidate>,
    samples_since_series: u64,
    monitor: Option<crate::monitor::Monitor>,
    samples_since_monitor: u64,
    spacetime: Option<Box<crate::spacetime::Recorder>>,
}

impl<P: Protocol> std::fmt::Debug for World<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("World").field("now_us", &self.now_us).field("events", &self.events).finish_non_exhaustive()
    }
}

impl<P: Protocol> World<P> {
    /// A world at time zero with these nodes; `controls` are scheduled (a replayed log or
    /// a fault schedule).
    pub fn new(
        config: WorldConfig,
        hooks: StrategyHooks,
        nodes: Vec<(String, CityIndex, P)>,
        controls: Vec<TimedControl>,
    ) -> Self {
        assert!(!nodes.is_empty(), "a world needs at least one node");
        let mut network = Network::new();
        network.set_latency_multiplier(config.latency_multiplier);
        let monitor = config.monitor.map(crate::monitor::Monitor::new);
        let spacetime = config.record_spacetime.then(|| Box::new(crate::spacetime::Recorder::new(nodes.len())));
        let directory = Directory { nodes: nodes.iter().map(|(name, city, _)| (name.clone(), *city)).collect() };
        let mut world = Self {
            directory,
            streams: Streams::new(config.seed),
            workload: Workload::new(config.workload.clone()),
            history: History::new(config.history_ops_max),
            config,
            hooks,
            now_us: 0,
            seq: 0,
            queue: BinaryHeap::new(),
            timeouts: std::collections::VecDeque::new(),
            nodes: nodes
                .into_iter()
                .map(|(name, city, protocol)| NodeSlot {
                    name,
                    city,
                    initial_store: protocol.store().clone(),
                    protocol,
                    up: true,
                    skew_us: 0,
                    incarnation: 0,
                    cpu_busy_until_us: 0,
                    sync_busy_until_us: 0,
                    busy_us_total: 0,
                    open_ops: 0,
                    ok_total: 0,
                    failed_total: 0,
                })
                .collect(),
            network,
            workload_active: true,
            stopped_at_us: None,
            converged_at_us: None,
            arrival_generation: 0,
            pending_ops: 0,
            metrics: Metrics::new(),
            control_log: Vec::new(),
            digest: Xxh3::new(),
            events: 0,
            out: Out::default(),
            candidates: Vec::new(),
            samples_since_series: 0,
            monitor,
            samples_since_monitor: 0,
            spacetime,
        };
        for timed in controls.into_iter().take(CONTROL_LOG_MAX) {
            world.push(timed.at_us, CLASS_CONTROL, Event::Control(timed.control));
        }
        for node in 0..world.nodes.len() {
            world.handle_input(node, 0, |protocol, ctx, out| protocol.start(ctx, out));
        }
        world.schedule_arrival();
        world.push(LAG_SAMPLE_INTERVAL_US, CLASS_EVENT, Event::Sample);
        world
    }

    fn push(&mut self, at_us: u64, class: u8, event: Event<P::Msg, P::Timer>) {
        self.seq += 1;
        self.queue.push(Scheduled { at_us, class, seq: self.seq, event });
    }

    /// Folds the current time and `words` (at most seven) into the digest, in one update.
    fn fold(&mut self, words: &[u64]) {
        let mut bytes = [0u8; 64];
        let now = self.now_us;
        let mut length = 0;
        for word in std::iter::once(&now).chain(words).take(8) {
            bytes[length..length + 8].copy_from_slice(&word.to_le_bytes());
            length += 8;
        }
        self.digest.update(&bytes[..length]);
    }

    /// Current simulated time.
    pub fn now_us(&self) -> u64 {
        self.now_us
    }

    /// Events handled so far.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// Digest of every event handled so far.
    pub fn digest(&self) -> u64 {
        self.digest.digest()
    }

    /// [`Self::digest`] as reports, snapshots and trace files write it: 16 hex digits.
    pub fn digest_text(&self) -> String {
        format!("{:016x}", self.digest())
    }

    /// The nodes.
    pub fn nodes(&self) -> &[NodeSlot<P>] {
        &self.nodes
    }

    /// The history.
    pub fn history(&self) -> &History {
        &self.history
    }

    /// The metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The controls applied so far, with their times.
    pub fn control_log(&self) -> &[TimedControl] {
        &self.control_log
    }

    /// The network.
    pub fn network(&self) -> &Network {
        &self.network
    }

    /// The workload's current settings.
    pub fn workload(&self) -> &WorkloadConfig {
        self.workload.config()
    }

    /// Time of the next event, if any.
    fn next_at_us(&self) -> Option<u64> {
        match (self.queue.peek(), self.timeouts.front()) {
            (Some(top), Some(&(deadline, _, _))) => Some(top.at_us.min(deadline)),
            (Some(top), None) => Some(top.at_us),
            (None, Some(&(deadline, _, _))) => Some(deadline),
            (None, None) => None,
        }
    }

    /// Handles the next event; false if there is none.
    pub fn step(&mut self) -> bool {
        let timeout_first = match (self.queue.peek(), self.timeouts.front()) {
            (None, None) => return false,
            (None, Some(_)) => true,
            (Some(_), None) => false,
            (Some(top), Some(&(deadline, seq, _))) => (deadline, CLASS_EVENT, seq) < (top.at_us, top.class, top.seq),
        };
        self.events += 1;
        if timeout_first {
            if let Some((deadline, _, op)) = self.timeouts.pop_front() {
                debug_assert!(deadline >= self.now_us, "time never goes back");
                self.now_us = deadline;
                self.on_timeout(op);
            }
        } else if let Some(item) = self.queue.pop() {
            debug_assert!(item.at_us >= self.now_us, "time never goes back");
            self.now_us = item.at_us;
            self.dispatch(item.event);
        }
        true
    }

    /// Handles every event up to and including `t_us`, then sets the clock to `t_us`.
    pub fn run_until(&mut self, t_us: u64) {
        while self.next_at_us().is_some_and(|at| at <= t_us) {
            self.step();
        }
        self.now_us = self.now_us.max(t_us);
    }

    /// Like [`run_until`](Self::run_until) but handles at most `events_max` events; returns
    /// whether it reached `t_us` (the page uses this so an extreme slider cannot hang a tab).
    pub fn run_until_bounded(&mut self, t_us: u64, events_max: u64) -> bool {
        for _ in 0..events_max {
            if self.next_at_us().is_none_or(|at| at > t_us) {
                self.now_us = self.now_us.max(t_us);
                return true;
            }
            self.step();
        }
        let reached = self.next_at_us().is_none_or(|at| at > t_us);
        if reached {
            self.now_us = self.now_us.max(t_us);
        }
        reached
    }

    fn dispatch(&mut self, event: Event<P::Msg, P::Timer>) {
        match event {
            Event::Deliver { from, to, msg, send_event, .. } => self.on_deliver(from, to, *msg, send_event),
            Event::Timer { node, incarnation, timer } => {
                self.fold(&[1, node as u64]);
                if self.is_current(node, incarnation) {
                    self.handle_input(node, 0, |protocol, ctx, out| protocol.on_timer(ctx, timer, out));
                }
            }
            Event::Disk { node, incarnation, done } => {
                self.fold(&[2, node as u64]);
                if self.is_current(node, incarnation) {
                    self.handle_input(node, 0, |protocol, ctx, out| protocol.on_disk(ctx, done, out));
                }
            }
            Event::RequestArrive { node, op, .. } => self.on_request(node, op),
            Event::ReplyArrive { node, op, reply, sent_us, role, result } => {
                self.on_reply(node, op, (reply, result), (sent_us, role))
            }
            Event::Arrival { generation } => {
                if generation == self.arrival_generation && self.workload_active {
                    self.on_arrival();
                }
            }
            Event::Sample => self.on_sample(),
            Event::Control(control) => self.execute_control(control),
        }
    }

    fn is_current(&self, node: NodeId, incarnation: u32) -> bool {
        let slot = &self.nodes[node];
        slot.up && slot.incarnation == incarnation
    }

    /// Runs one input through a node and executes its effects.
    fn handle_input(
        &mut self,
        node: NodeId,
        cost_us: u64,
        input: impl FnOnce(&mut P, &mut Ctx, &mut Out<P::Msg, P::Timer>),
    ) {
        let node_count = self.nodes.len();
        let slot = &mut self.nodes[node];
        let start = self.now_us.max(slot.cpu_busy_until_us);
        let finish = start + cost_us;
        slot.cpu_busy_until_us = finish;
        slot.busy_us_total += cost_us;
        let mut out = std::mem::take(&mut self.out);
        let mut ctx = Ctx {
            now_us: finish,
            me: node,
            nodes: node_count,
            rng: &mut self.streams.protocol,
            wall_clock_us: finish as i64 + slot.skew_us,
        };
        input(&mut slot.protocol, &mut ctx, &mut out);
        for effect in out.drain() {
            self.execute(node, finish, effect);
        }
        self.out = out;
    }

    fn execute(&mut self, node: NodeId, at_us: u64, effect: Effect<P::Msg, P::Timer>) {
        let incarnation = self.nodes[node].incarnation;
        match effect {
            Effect::Send { to, msg } => self.send(node, to, at_us, msg),
            Effect::SetTimer { after_us, timer } => {
                self.push(at_us + after_us, CLASS_EVENT, Event::Timer { node, incarnation, timer });
            }
            Effect::DiskWrite { token, .. } => {
                let done = at_us + self.config.disk.write_us;
                self.push(done, CLASS_EVENT, Event::Disk { node, incarnation, done: DiskDone::Written(token) });
            }
            Effect::DiskSync { token } => {
                let slot = &mut self.nodes[node];
                let done = at_us.max(slot.sync_busy_until_us) + self.config.disk.fsync_us;
                slot.sync_busy_until_us = done;
                self.push(done, CLASS_EVENT, Event::Disk { node, incarnation, done: DiskDone::Synced(token) });
            }
            Effect::Reply { op, reply, result } => self.send_reply(node, at_us, op, (reply, result)),
        }
    }

    fn room_in_queue(&mut self) -> bool {
        if self.queue.len() < EVENT_QUEUE_MAX {
            true
        } else {
            self.metrics.messages_dropped += 1;
            false
        }
    }

    fn send(&mut self, from: NodeId, to: NodeId, at_us: u64, msg: P::Msg) {
        let kind = msg.kind();
        self.metrics.record_message(kind);
        if !self.room_in_queue() {
            self.record_send(from, to, at_us, kind, true);
            return;
        }
        let (a, b) = (self.nodes[from].city, self.nodes[to].city);
        match self.network.transmit(at_us, a, b, msg.size_bytes(), &mut self.streams.network) {
            Ok(arrival) => {
                let send_event = self.record_send(from, to, at_us, kind, false);
                self.push(
                    arrival,
                    CLASS_EVENT,
                    Event::Deliver { from, to, msg: Box::new(msg), sent_us: at_us, send_event },
                )
            }
            Err(_) => {
                self.record_send(from, to, at_us, kind, true);
                self.metrics.messages_dropped += 1
            }
        }
    }

    fn record_send(&mut self, from: NodeId, to: NodeId, at_us: u64, kind: MessageKind, lost: bool) -> u64 {
        self.spacetime.as_mut().map_or(0, |recorder| recorder.on_send(from, to, at_us, kind, lost))
    }

    fn record_local(&mut self, node: NodeId, at_us: u64, kind: crate::spacetime::SpaceTimeKind) {
        if let Some(recorder) = self.spacetime.as_mut() {
            recorder.on_local(node, at_us, kind);
        }
    }

    /// The space-time record, when the world was built to keep one.
    pub fn spacetime(&self) -> Option<&crate::spacetime::Recorder> {
        self.spacetime.as_deref()
    }

    fn on_deliver(&mut self, from: NodeId, to: NodeId, msg: P::Msg, send_event: u64) {
        let kind = msg.kind();
        self.fold(&[3, from as u64, to as u64, kind as u64, u64::from(msg.size_bytes())]);
        if let Some(recorder) = self.spacetime.as_mut() {
            recorder.on_receive(from, to, self.now_us, send_event, kind, !self.nodes[to].up);
        }
        if !self.nodes[to].up {
            self.metrics.messages_dropped += 1;
            return;
        }
        let cost = self.nodes[to].protocol.cpu_cost_us(kind);
        self.handle_input(to, cost, |protocol, ctx, out| protocol.on_message(ctx, from, msg, out));
    }

    fn schedule_arrival(&mut self) {
        if !self.workload_active {
            return;
        }
        if let Some(gap) = self.workload.next_gap_us(&mut self.streams.workload) {
            let generation = self.arrival_generation;
            self.push(self.now_us + gap, CLASS_EVENT, Event::Arrival { generation });
        }
    }

    fn on_arrival(&mut self) {
        let arrival = self.workload.next(self.now_us, &mut self.streams.workload);
        self.fold(&[4, arrival.op, arrival.key.into(), arrival.city as u64]);
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

    fn route(&mut self, kind: OpKind, city: CityIndex) -> Option<NodeId> {
        let mut candidates = std::mem::take(&mut self.candidates);
        candidates.clear();
        for (node, slot) in self.nodes.iter().enumerate() {
            let reachable = !self.network.is_cut(city, slot.city) && !self.network.is_cut(slot.city, city);
            if slot.up && reachable {
                candidates.push(RouteCandidate {
                    node,
                    info: slot.protocol.route_info(),
                    one_way_us: delay_table().base_us[city][slot.city],
                });
            }
        }
        let chosen = (self.hooks.router)(kind, &candidates, &mut self.streams.routing);
        self.candidates = candidates;
        chosen
    }

    fn send_request(&mut self, city: CityIndex, node: NodeId, op: OpId) {
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

    fn on_request(&mut self, node: NodeId, op: OpId) {
        self.fold(&[5, node as u64, op]);
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

    fn send_reply(&mut self, node: NodeId, at_us: u64, op: OpId, (reply, result): (Reply, Option<Box<OpResult>>)) {
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

    fn on_reply(
        &mut self,
        node: NodeId,
        op: OpId,
        (reply, result): (Reply, Option<Box<OpResult>>),
        (sent_us, role): (u64, crate::protocol::Role),
    ) {
        self.fold(&[6, node as u64, op]);
        let now = self.now_us;
        let Some(recorded) = self.history.get_mut(op) else {
            return;
        };
        if recorded.outcome != Outcome::Pending {
            return;
        }
        recorded.complete_us = Some(now);
        let routed_to = recorded.node;
        match reply {
            Reply::Ok { read_value, epoch } => {
                recorded.outcome = Outcome::Ok;
                recorded.read_value = read_value;
                recorded.epoch = Some(epoch);
                recorded.acked_us = Some(sent_us);
                recorded.node = Some(node);
                recorded.served_role = Some(role);
                recorded.result = result;
                let latency = now - recorded.invoke_us;
                self.metrics.record_ok(latency);
            }
            Reply::Fail(reason) => {
                recorded.outcome = Outcome::Fail;
                recorded.fail_reason = Some(reason);
                self.metrics.record_error(false);
            }
        }
        self.pending_ops -= 1;
        self.close_on_node(routed_to, matches!(reply, Reply::Ok { .. }));
    }

    /// An operation routed to `node` ended: its connection returns to the pool.
    fn close_on_node(&mut self, node: Option<NodeId>, ok: bool) {
        if let Some(slot) = node.and_then(|node| self.nodes.get_mut(node)) {
            slot.open_ops = slot.open_ops.saturating_sub(1);
            if ok {
                slot.ok_total += 1;
            } else {
                slot.failed_total += 1;
            }
        }
    }

    fn on_timeout(&mut self, op: OpId) {
        let now = self.now_us;
        let Some(recorded) = self.history.get_mut(op) else {
            return;
        };
        if recorded.outcome != Outcome::Pending {
            return;
        }
        // A read that timed out had no effect; a write may or may not have.
        let unknown = !recorded.kind.is_read();
        recorded.outcome = if unknown { Outcome::Unknown } else { Outcome::Fail };
        recorded.complete_us = Some(now);
        let routed_to = recorded.node;
        self.metrics.record_error(unknown);
        self.pending_ops -= 1;
        self.close_on_node(routed_to, false);
        self.fold(&[7, op]);
    }

    fn on_sample(&mut self) {
        let now = self.now_us;
        let converging = self.stopped_at_us.is_some() && self.converged_at_us.is_none();
        if converging && self.hooks.checkers.contains(&AnomalyKind::Divergence) && self.divergent_keys() == 0 {
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
    fn observe_monitor(&mut self) {
        let Some(monitor) = self.monitor.as_mut() else { return };
        let now = self.now_us;
        let home = crate::geo::city_index(monitor.config().home_city).unwrap_or(0);
        let samples = self
            .nodes
            .iter()
            .map(|slot| crate::monitor::NodeSample {
                node: slot.name.clone(),
                city: CITIES[slot.city].id,
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

    fn validate(&self, control: &Control) -> Result<(), ControlError> {
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

    fn execute_control(&mut self, control: Control) {
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

    fn crash(&mut self, node: NodeId) {
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

    fn restart(&mut self, node: NodeId) {
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

    /// Time from the end of the workload until every running replica held the same state
    /// (10 ms resolution), for scenarios with a divergence checker; `None` before that.
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
                    conflicts: slot.protocol.conflicts(),
                    in_doubt: slot.protocol.in_doubt(self.now_us),
                    transactions: slot.protocol.committed_transactions(),
                    sync: slot.protocol.sync_log(),
                    scaling: slot.protocol.scaling_log(self.now_us),
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
                city: CITIES[slot.city].id,
                up: slot.up,
                skew_us: slot.skew_us,
                view: slot.protocol.view(self.now_us),
            })
            .collect();
        let mut glyphs = Vec::new();
        let mut in_flight = 0usize;
        for item in self.queue.iter() {
            let glyph = match &item.event {
                Event::Deliver { from, to, msg, sent_us, send_event } => Some(Glyph {
                    send_event: *send_event,
                    from_city: self.nodes[*from].city,
                    to_city: self.nodes[*to].city,
                    kind: msg.kind(),
                    sent_us: *sent_us,
                    arrive_us: item.at_us,
                    clock: msg.vector_clock().map(<[u64]>::to_vec).unwrap_or_default(),
                }),
                Event::RequestArrive { node, op, sent_us } => self.history.get(*op).map(|o| Glyph {
                    from_city: o.city,
                    to_city: self.nodes[*node].city,
                    send_event: 0,
                    kind: MessageKind::Request,
                    sent_us: *sent_us,
                    arrive_us: item.at_us,
                    clock: Vec::new(),
                }),
                Event::ReplyArrive { node, op, sent_us, .. } => self.history.get(*op).map(|o| Glyph {
                    from_city: self.nodes[*node].city,
                    to_city: o.city,
                    send_event: 0,
                    kind: MessageKind::Reply,
                    sent_us: *sent_us,
                    arrive_us: item.at_us,
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

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.config.seed
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

/// Which node runs in which city: the strategy-independent half of resolving the ids a
/// control names, outside the generic `World` so every strategy shares one copy.
#[derive(Debug)]
struct Directory {
    nodes: Vec<(String, CityIndex)>,
}

impl Directory {
    fn node_index(&self, name: &str) -> Option<NodeId> {
        self.nodes.iter().position(|(node, _)| node == name)
    }

    /// A node's city, or the city with that id.
    fn city_of(&self, name: &str) -> Option<CityIndex> {
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
                for a in 0..CITIES.len() {
                    for b in 0..CITIES.len() {
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
