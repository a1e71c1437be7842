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

mod clients;
mod controls;
mod observe;
mod queue;

use crate::check::{self, AnomalyKind, CheckReport, FinalNode, FinalState};
use crate::control::{Control, TimedControl};
use crate::geo::{CityId, CITIES};
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
use controls::Directory;
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
    pub city: CityId,
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

const CLASS_EVENT: u8 = 0;
const CLASS_CONTROL: u8 = 1;

/// A simulated world running one strategy.
pub struct World<P: Protocol> {
    config: WorldConfig,
    hooks: StrategyHooks,
    now_us: u64,
    seq: u64,
    queue: queue::EventQueue<Event<P::Msg, P::Timer>>,
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
        nodes: Vec<(String, CityId, P)>,
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
            queue: queue::EventQueue::new(),
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
        for node in NodeId::all(world.nodes.len()) {
            world.handle_input(node, 0, |protocol, ctx, out| protocol.start(ctx, out));
        }
        world.schedule_arrival();
        world.push(LAG_SAMPLE_INTERVAL_US, CLASS_EVENT, Event::Sample);
        world
    }

    fn push(&mut self, at_us: u64, class: u8, event: Event<P::Msg, P::Timer>) {
        self.seq += 1;
        self.queue.push(at_us, class, self.seq, event);
    }

    /// Folds the current time and `words` (at most seven) into the digest, in one update.
    /// Plain loops over a buffer: an iterator chain here was not inlined in the
    /// size-optimised build, and this runs at every event.
    fn fold(&mut self, words: &[u64]) {
        let mut bytes = [0u8; 64];
        bytes[..8].copy_from_slice(&self.now_us.to_le_bytes());
        let count = words.len().min(7);
        for (chunk, word) in bytes[8..].chunks_exact_mut(8).zip(&words[..count]) {
            chunk.copy_from_slice(&word.to_le_bytes());
        }
        self.digest.update(&bytes[..8 * (count + 1)]);
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
    fn next_at_us(&mut self) -> Option<u64> {
        match (self.queue.peek(), self.timeouts.front()) {
            (Some((at_us, _, _)), Some(&(deadline, _, _))) => Some(at_us.min(deadline)),
            (Some((at_us, _, _)), None) => Some(at_us),
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
            (Some(top), Some(&(deadline, seq, _))) => (deadline, CLASS_EVENT, seq) < top,
        };
        self.events += 1;
        if timeout_first {
            if let Some((deadline, _, op)) = self.timeouts.pop_front() {
                debug_assert!(deadline >= self.now_us, "time never goes back");
                self.now_us = deadline;
                self.on_timeout(op);
            }
        } else if let Some((at_us, event)) = self.queue.pop() {
            debug_assert!(at_us >= self.now_us, "time never goes back");
            self.now_us = at_us;
            self.dispatch(event);
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
                self.fold(&[1, u64::from(node)]);
                if self.is_current(node, incarnation) {
                    self.handle_input(node, 0, |protocol, ctx, out| protocol.on_timer(ctx, timer, out));
                }
            }
            Event::Disk { node, incarnation, done } => {
                self.fold(&[2, u64::from(node)]);
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

    fn on_deliver(&mut self, from: NodeId, to: NodeId, msg: P::Msg, send_event: u64) {
        let kind = msg.kind();
        self.fold(&[3, u64::from(from), u64::from(to), kind as u64, u64::from(msg.size_bytes())]);
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

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.config.seed
    }
}
