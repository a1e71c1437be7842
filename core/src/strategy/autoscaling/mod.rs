//! `big-billion-day`: read replicas added and removed per region by an auto-scaling
//! controller, for a sale that multiplies the load.
//!
//! The **primary** (Mumbai) takes the writes (orders), ships its log to every replica that
//! is catching up or serving, and runs the controller. Each region has a fixed number of
//! replica **slots**; one per region serves from the start, the others are switched off and
//! cost nothing.
//!
//! A replica is a server with its own worker queue: a read costs `read_cpu_us`, waits behind
//! the reads before it, and is refused (overloaded) when the wait would pass `queue_max_us` —
//! so an under-provisioned region answers slowly and then not at all. Every second it reports
//! to the controller what it was asked for and how busy it was.
//!
//! The **controller** turns demand into a replica count per region (the Kubernetes HPA rule:
//! `ceil(reads per second / (capacity × target utilisation))`), provisions switched-off slots
//! when a region needs more (at most once per `cooldown_us`), and switches one off after
//! demand has stayed low for `scale_down_stable_us`. With `prescaled`, it also raises each
//! region's floor to its forecast sale demand `prescale_lead_us` before the sale starts.
//!
//! A provisioned replica **bootstraps**: a serving replica of its region (or the primary)
//! takes a snapshot of its store and position, the new machine restores the snapshot's
//! `snapshot_bytes` from the cloud's snapshot store at `restore_bytes_per_s` (a volume
//! restore, beside the network's message traffic rather than in its queues), then replays
//! the primary's log from the snapshot's position, and only when its lag is below
//! `ready_lag_us` does it start serving. Until then it refuses reads, and the
//! router does not send it any. Each replica keeps the intervals in which it served, which
//! the `unready_read` checker compares with the history.
//!
//! This module must not look at the engine; the primary's log is treated as durable (the
//! scenario is about read capacity, not about losing writes).

mod controller;

use crate::protocol::{
    ClientRequest, Ctx, DiskDone, FailReason, Key, Message, MessageKind, NodeId, NodeView, OpId, OpKind, Out, Protocol,
    Reply, Role, RouteInfo, Value,
};
use crate::self_report::{ScaleAction, ScalePoint, ScalingLog, SelfReport};
use crate::vocabulary::Choice;
use std::collections::BTreeMap;

/// Regions (their cities), in node order after the primary.
pub const REGIONS: &[crate::geo::CityId] =
    &[crate::geo::MUMBAI, crate::geo::DELHI, crate::geo::BANGALORE, crate::geo::CHENNAI, crate::geo::KOLKATA];

/// A region's name: its city's id.
pub fn region_name(region: usize) -> &'static str {
    REGIONS[region].city().id
}

/// Cost of one replica-hour per region, relative to Mumbai. Seed: Mumbai 1.0, Bangalore 0.9;
/// the others are this project's assumptions (Delhi priced like Mumbai, Chennai and Kolkata
/// cheaper, as smaller cloud regions and colocation markets tend to be).
pub const COST_MULTIPLIERS: [f64; REGIONS.len()] = [1.0, 1.0, 0.9, 0.95, 0.85];
/// Most log entries the primary keeps (a replica further behind bootstraps from a snapshot).
pub const LOG_ENTRIES_MAX: usize = 200_000;
/// Most entries in one append.
pub const APPEND_ENTRIES_MAX: usize = 1_000;
/// Most points of the replica-count timeline and actions the controller keeps.
pub const TIMELINE_MAX: usize = 3_600;
/// Most serving intervals a replica keeps.
pub const INTERVALS_MAX: usize = 1_000;
/// Interval of the primary's shipping and of the controller.
const SHIP_US: u64 = 10_000;
/// Silence after which the controller counts a replica as gone.
const GONE_AFTER_US: u64 = 5_000_000;

/// How the controller scales.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::VariantNames, strum::EnumString, strum::IntoStaticStr)]
pub enum Policy {
    /// From observed demand only.
    #[strum(serialize = "reactive")]
    Reactive,
    /// From observed demand, plus each region's forecast sale demand ahead of the sale.
    #[strum(serialize = "prescaled")]
    Prescaled,
}

impl crate::vocabulary::Choice for Policy {}

/// Settings of the strategy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AutoscalingConfig {
    /// Scaling policy.
    pub policy: Policy,
    /// Replica slots per region.
    pub slots_per_region: usize,
    /// CPU time of one read at a replica.
    pub read_cpu_us: u64,
    /// Longest a read may wait in a replica's queue before it is refused.
    pub queue_max_us: u64,
    /// Utilisation the controller provisions for.
    pub target_utilisation: f64,
    /// Utilisation below which a region may give a replica back.
    pub scale_down_utilisation: f64,
    /// Least time between two scale-ups of a region.
    pub cooldown_us: u64,
    /// How long demand must stay low before a scale-down.
    pub scale_down_stable_us: u64,
    /// Size of the snapshot a new replica restores.
    pub snapshot_bytes: u64,
    /// How fast a snapshot restores.
    pub restore_bytes_per_s: u64,
    /// Lag below which a catching-up replica starts serving.
    pub ready_lag_us: u64,
    /// Interval of replica reports and controller decisions.
    pub report_interval_us: u64,
    /// How long a switched-off replica keeps answering what it had queued.
    pub drain_us: u64,
    /// When the sale starts.
    pub sale_at_us: u64,
    /// How much the sale multiplies the load (the forecast pre-scaling uses).
    pub sale_multiplier: f64,
    /// How long before the sale pre-scaling provisions.
    pub prescale_lead_us: u64,
}

impl Default for AutoscalingConfig {
    fn default() -> Self {
        Self {
            policy: Policy::Reactive,
            slots_per_region: 5,
            read_cpu_us: 2_000,
            queue_max_us: 500_000,
            target_utilisation: 0.7,
            scale_down_utilisation: 0.3,
            cooldown_us: 5_000_000,
            scale_down_stable_us: 30_000_000,
            snapshot_bytes: 500_000_000,
            restore_bytes_per_s: 100_000_000,
            ready_lag_us: 100_000,
            report_interval_us: 1_000_000,
            drain_us: 2_000_000,
            sale_at_us: 20_000_000,
            sale_multiplier: 10.0,
            prescale_lead_us: 15_000_000,
        }
    }
}

impl AutoscalingConfig {
    /// Reads per second one replica serves at full utilisation.
    pub fn capacity_reads_s(&self) -> f64 {
        1e6 / self.read_cpu_us.max(1) as f64
    }
}

/// A log entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// Position.
    pub lsn: u64,
    /// Key.
    pub key: Key,
    /// Value.
    pub value: Value,
    /// When the primary appended it.
    pub appended_us: u64,
}

/// What a replica tells the controller each interval.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Report {
    /// Reads it was asked for.
    pub received: u32,
    /// Reads it refused as overloaded.
    pub shed: u32,
    /// CPU time spent on reads.
    pub busy_us: u64,
    /// Whether it serves.
    pub serving: bool,
}

/// Messages of big-billion-day.
#[derive(Debug, Clone)]
pub enum Msg {
    /// Controller → slot: start; copy the snapshot from `donor`.
    Provision {
        /// Who sends the snapshot.
        donor: NodeId,
    },
    /// Controller → replica: stop serving and switch off.
    Decommission,
    /// New replica → donor: send me a snapshot.
    SnapshotRequest,
    /// Donor → new replica: where its snapshot is, and the store and position it holds
    /// (the bytes themselves are restored from the snapshot store, not sent).
    Snapshot {
        /// Store.
        store: BTreeMap<Key, Value>,
        /// Position.
        lsn: u64,
    },
    /// Replica → primary: ship me the log from `from`.
    CatchUp {
        /// First position wanted.
        from: u64,
    },
    /// Primary → replica: log entries after `prev_lsn`.
    Append {
        /// Position before the first entry.
        prev_lsn: u64,
        /// Entries.
        entries: Vec<Entry>,
        /// The first entry after these, and when it was appended.
        next: Option<(u64, u64)>,
    },
    /// Replica → controller: the last interval.
    Status(Report),
}

impl Message for Msg {
    fn kind(&self) -> MessageKind {
        match self {
            Msg::Provision { .. } | Msg::Decommission | Msg::Status(_) => MessageKind::Status,
            Msg::SnapshotRequest | Msg::Snapshot { .. } => MessageKind::Snapshot,
            Msg::CatchUp { .. } => MessageKind::Ack,
            Msg::Append { .. } => MessageKind::Replicate,
        }
    }

    fn size_bytes(&self) -> u32 {
        match self {
            Msg::Append { entries, .. } => 64 + 48 * entries.len() as u32,
            _ => 64,
        }
    }
}

/// Timers of big-billion-day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timer {
    /// Primary: ship the log and run the controller.
    Tick,
    /// Replica: report to the controller.
    Report,
    /// Replica: a queued read is done.
    Serve {
        /// Operation.
        op: OpId,
        /// Key read.
        key: Key,
    },
    /// Replica: draining is over.
    SwitchOff,
    /// Replica: the snapshot is restored.
    Restored,
}

/// Where a replica is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Phase {
    /// Switched off: costs nothing, serves nothing.
    #[default]
    Off,
    /// Copying the snapshot.
    Snapshot,
    /// Replaying the log after the snapshot.
    CatchUp,
    /// Serving reads.
    Ready,
    /// Switched off by the controller; answering what it had queued.
    Draining,
}

impl Phase {
    fn name(self) -> &'static str {
        match self {
            Phase::Off => "off",
            Phase::Snapshot => "restoring snapshot",
            Phase::CatchUp => "catching up",
            Phase::Ready => "serving",
            Phase::Draining => "draining",
        }
    }

    fn billed(self) -> bool {
        self != Phase::Off
    }
}

/// The controller's view of one slot.
#[derive(Debug, Clone, Copy)]
struct Slot {
    node: NodeId,
    region: usize,
    phase: Phase,
    last_report: Option<Report>,
    last_heard_us: u64,
    /// Next log position to ship (0: not shipping).
    next_lsn: u64,
}

/// The controller's per-region memory.
#[derive(Debug, Clone, Copy, Default)]
struct RegionState {
    last_scale_up_us: Option<u64>,
    low_since_us: Option<u64>,
    planned: usize,
}

#[derive(Debug, Default)]
struct PrimaryState {
    log: Vec<Entry>,
    log_base: u64,
    slots: Vec<Slot>,
    regions: [RegionState; REGIONS.len()],
    prescaled: bool,
    log_out: ScalingLog,
    cost_replica_us: f64,
    last_tick_us: u64,
    next_control_us: u64,
}

#[derive(Debug, Default)]
struct ReplicaState {
    phase: Phase,
    applied: u64,
    known_next: Option<(u64, u64)>,
    busy_until_us: u64,
    report: Report,
    serving_since_us: Option<u64>,
    intervals: Vec<(u64, u64)>,
    primary: NodeId,
}

/// A big-billion-day node: the primary with the controller, or a replica slot.
#[derive(Debug)]
pub struct AutoscalingNode {
    config: AutoscalingConfig,
    is_primary: bool,
    store: BTreeMap<Key, Value>,
    primary: PrimaryState,
    replica: ReplicaState,
}

impl AutoscalingNode {
    /// The primary; `slots` lists each replica node's region index and whether it starts serving.
    pub fn primary(config: AutoscalingConfig, slots: &[(NodeId, usize, bool)]) -> Self {
        let mut node = Self::new(config, true, false);
        node.primary.slots = slots
            .iter()
            .map(|&(node, region, serving)| Slot {
                node,
                region,
                phase: if serving { Phase::Ready } else { Phase::Off },
                last_report: None,
                last_heard_us: 0,
                next_lsn: if serving { 1 } else { 0 },
            })
            .collect();
        node.primary.log_out.policy = config.policy.name();
        node
    }

    /// A replica slot, serving from the start or switched off.
    pub fn replica(config: AutoscalingConfig, serving: bool) -> Self {
        Self::new(config, false, serving)
    }

    fn new(config: AutoscalingConfig, is_primary: bool, serving: bool) -> Self {
        let mut replica = ReplicaState::default();
        if serving {
            replica.phase = Phase::Ready;
            replica.serving_since_us = Some(0);
        }
        Self { config, is_primary, store: BTreeMap::new(), primary: PrimaryState::default(), replica }
    }

    // ---- primary: writes and shipping ----

    fn write(&mut self, request: ClientRequest, now_us: u64, out: &mut Out<Msg, Timer>) {
        if self.primary.log.len() >= LOG_ENTRIES_MAX {
            let drop = LOG_ENTRIES_MAX / 2;
            self.primary.log.drain(..drop);
            self.primary.log_base += drop as u64;
        }
        let lsn = self.primary.log_base + self.primary.log.len() as u64 + 1;
        self.primary.log.push(Entry { lsn, key: request.key, value: request.value, appended_us: now_us });
        self.store.insert(request.key, request.value);
        out.reply(request.op, Reply::Ok { read_value: None, epoch: 1 });
    }

    fn log_end(&self) -> u64 {
        self.primary.log_base + self.primary.log.len() as u64
    }

    fn entries_from(&self, from: u64) -> Option<&[Entry]> {
        let start = from.checked_sub(self.primary.log_base + 1)? as usize;
        let end = (start + APPEND_ENTRIES_MAX).min(self.primary.log.len());
        self.primary.log.get(start..end)
    }

    fn ship(&mut self, out: &mut Out<Msg, Timer>) {
        let end = self.log_end();
        for index in 0..self.primary.slots.len() {
            let slot = self.primary.slots[index];
            if slot.next_lsn == 0 || slot.next_lsn > end {
                continue;
            }
            let Some(entries) = self.entries_from(slot.next_lsn).map(<[Entry]>::to_vec) else {
                // Too far behind the kept log: it will need a new snapshot.
                self.primary.slots[index].next_lsn = 0;
                continue;
            };
            let last = entries.last().map_or(slot.next_lsn - 1, |entry| entry.lsn);
            let next = self.entries_from(last + 1).and_then(|rest| rest.first()).map(|e| (e.lsn, e.appended_us));
            out.send(slot.node, Msg::Append { prev_lsn: slot.next_lsn - 1, entries, next });
            self.primary.slots[index].next_lsn = last + 1;
        }
    }

    fn slot_of(&self, node: NodeId) -> Option<usize> {
        self.primary.slots.iter().position(|slot| slot.node == node)
    }

    fn primary_message(&mut self, from: NodeId, msg: Msg, now_us: u64, out: &mut Out<Msg, Timer>) {
        let Some(index) = self.slot_of(from) else { return };
        match msg {
            Msg::CatchUp { from: lsn } => {
                let slot = &mut self.primary.slots[index];
                slot.next_lsn = lsn.max(1);
                slot.last_heard_us = now_us;
                if slot.phase == Phase::Snapshot {
                    slot.phase = Phase::CatchUp;
                }
            }
            Msg::Status(report) => {
                let slot = &mut self.primary.slots[index];
                slot.last_report = Some(report);
                slot.last_heard_us = now_us;
                if report.serving && slot.phase == Phase::CatchUp {
                    slot.phase = Phase::Ready;
                }
            }
            Msg::SnapshotRequest => self.send_snapshot(from, out),
            _ => {}
        }
    }

    fn send_snapshot(&self, to: NodeId, out: &mut Out<Msg, Timer>) {
        let lsn = if self.is_primary { self.log_end() } else { self.replica.applied };
        out.send(to, Msg::Snapshot { store: self.store.clone(), lsn });
    }

    // ---- primary: the controller ----

    fn replica_message(&mut self, ctx: &mut Ctx, from: NodeId, msg: Msg, out: &mut Out<Msg, Timer>) {
        let now = ctx.now_us;
        match msg {
            Msg::Provision { donor } if matches!(self.replica.phase, Phase::Off | Phase::Draining) => {
                // A draining replica's report timer is still running; an off one needs a new one.
                if self.replica.phase == Phase::Off {
                    out.set_timer(self.config.report_interval_us, Timer::Report);
                }
                self.close_interval(now);
                self.replica.phase = Phase::Snapshot;
                self.replica.primary = from;
                self.store.clear();
                self.replica.applied = 0;
                self.replica.report = Report::default();
                out.send(donor, Msg::SnapshotRequest);
            }
            Msg::Decommission if self.replica.phase != Phase::Off => {
                self.replica.phase = Phase::Draining;
                out.set_timer(self.config.drain_us, Timer::SwitchOff);
            }
            Msg::SnapshotRequest => self.send_snapshot(from, out),
            Msg::Snapshot { store, lsn } if self.replica.phase == Phase::Snapshot => {
                self.store = store;
                self.replica.applied = lsn;
                let restore_us =
                    self.config.snapshot_bytes.saturating_mul(1_000_000) / self.config.restore_bytes_per_s.max(1);
                out.set_timer(restore_us, Timer::Restored);
            }
            Msg::Append { prev_lsn, entries, next } => self.on_append(now, prev_lsn, entries, next, out),
            _ => {}
        }
    }

    fn on_append(
        &mut self,
        now_us: u64,
        prev_lsn: u64,
        entries: Vec<Entry>,
        next: Option<(u64, u64)>,
        out: &mut Out<Msg, Timer>,
    ) {
        if !matches!(self.replica.phase, Phase::CatchUp | Phase::Ready | Phase::Draining) {
            return;
        }
        if prev_lsn != self.replica.applied {
            out.send(self.replica.primary, Msg::CatchUp { from: self.replica.applied + 1 });
            return;
        }
        for entry in &entries {
            self.store.insert(entry.key, entry.value);
            self.replica.applied = entry.lsn;
        }
        self.replica.known_next = next;
        let caught_up = self.lag_us(now_us).unwrap_or(u64::MAX) < self.config.ready_lag_us;
        if self.replica.phase == Phase::CatchUp && caught_up {
            self.replica.phase = Phase::Ready;
            self.replica.serving_since_us = Some(now_us);
            self.send_report(out);
        }
    }

    fn read(&mut self, ctx: &mut Ctx, request: ClientRequest, out: &mut Out<Msg, Timer>) {
        self.replica.report.received += 1;
        if self.replica.phase != Phase::Ready {
            out.reply(request.op, Reply::Fail(FailReason::NotReady));
            return;
        }
        let start = ctx.now_us.max(self.replica.busy_until_us);
        if start - ctx.now_us > self.config.queue_max_us {
            self.replica.report.shed += 1;
            out.reply(request.op, Reply::Fail(FailReason::Overloaded));
            return;
        }
        self.replica.busy_until_us = start + self.config.read_cpu_us;
        self.replica.report.busy_us += self.config.read_cpu_us;
        out.set_timer(self.replica.busy_until_us - ctx.now_us, Timer::Serve { op: request.op, key: request.key });
    }

    fn send_report(&mut self, out: &mut Out<Msg, Timer>) {
        let mut report = std::mem::take(&mut self.replica.report);
        report.serving = self.replica.phase == Phase::Ready;
        out.send(self.replica.primary, Msg::Status(report));
    }

    fn switch_off(&mut self, now_us: u64) {
        if self.replica.phase != Phase::Draining {
            return;
        }
        self.replica.phase = Phase::Off;
        self.close_interval(now_us);
        self.store.clear();
        self.replica.applied = 0;
    }

    fn close_interval(&mut self, now_us: u64) {
        if let Some(since) = self.replica.serving_since_us.take() {
            if self.replica.intervals.len() < INTERVALS_MAX {
                self.replica.intervals.push((since, now_us));
            }
        }
    }
}

impl Protocol for AutoscalingNode {
    type Msg = Msg;
    type Timer = Timer;

    fn start(&mut self, _ctx: &mut Ctx, out: &mut Out<Msg, Timer>) {
        if self.is_primary {
            out.set_timer(SHIP_US, Timer::Tick);
        } else if self.replica.phase == Phase::Ready {
            out.set_timer(self.config.report_interval_us, Timer::Report);
        }
    }

    fn on_message(&mut self, ctx: &mut Ctx, from: NodeId, msg: Msg, out: &mut Out<Msg, Timer>) {
        if self.is_primary {
            self.primary_message(from, msg, ctx.now_us, out);
        } else {
            self.replica_message(ctx, from, msg, out);
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx, timer: Timer, out: &mut Out<Msg, Timer>) {
        let now = ctx.now_us;
        match timer {
            Timer::Tick => self.tick(now, out),
            Timer::Report if self.replica.phase != Phase::Off => {
                self.send_report(out);
                out.set_timer(self.config.report_interval_us, Timer::Report);
            }
            Timer::Report => {}
            Timer::Serve { op, key } => {
                let serving = matches!(self.replica.phase, Phase::Ready | Phase::Draining);
                let reply = if serving {
                    Reply::Ok { read_value: Some(self.store.get(&key).copied().unwrap_or(0)), epoch: 1 }
                } else {
                    Reply::Fail(FailReason::NotReady)
                };
                out.reply(op, reply);
            }
            Timer::SwitchOff => self.switch_off(now),
            Timer::Restored if self.replica.phase == Phase::Snapshot => {
                self.replica.phase = Phase::CatchUp;
                out.send(self.replica.primary, Msg::CatchUp { from: self.replica.applied + 1 });
            }
            Timer::Restored => {}
        }
    }

    fn on_client(&mut self, ctx: &mut Ctx, request: ClientRequest, out: &mut Out<Msg, Timer>) {
        if self.is_primary && request.kind != OpKind::Read {
            self.write(request, ctx.now_us, out);
        } else if self.is_primary {
            out.reply(
                request.op,
                Reply::Ok { read_value: Some(self.store.get(&request.key).copied().unwrap_or(0)), epoch: 1 },
            );
        } else if request.kind == OpKind::Read {
            self.read(ctx, request, out);
        } else {
            out.reply(request.op, Reply::Fail(FailReason::NotPrimary));
        }
    }

    fn on_disk(&mut self, _ctx: &mut Ctx, _done: DiskDone, _out: &mut Out<Msg, Timer>) {}

    fn crash(&mut self) {
        if self.is_primary {
            // The controller's memory is lost; the log is durable.
            for slot in &mut self.primary.slots {
                slot.last_report = None;
            }
            self.primary.regions = Default::default();
            self.primary.prescaled = false;
            return;
        }
        // A crashed replica's machine is gone: it comes back switched off.
        self.replica.phase = Phase::Off;
        self.replica.busy_until_us = 0;
        self.store.clear();
        self.replica.applied = 0;
    }

    fn restart(&mut self, ctx: &mut Ctx, out: &mut Out<Msg, Timer>) {
        if self.is_primary {
            self.primary.last_tick_us = ctx.now_us;
            out.set_timer(SHIP_US, Timer::Tick);
        } else {
            self.close_interval(ctx.now_us);
        }
    }

    fn cpu_cost_us(&self, kind: MessageKind) -> u64 {
        match kind {
            MessageKind::Request => 5,
            MessageKind::Replicate => 20,
            _ => 5,
        }
    }

    fn view(&self, now_us: u64) -> NodeView {
        let status = if self.is_primary {
            let serving = self.primary.slots.iter().filter(|slot| slot.phase == Phase::Ready).count();
            let booting =
                self.primary.slots.iter().filter(|slot| matches!(slot.phase, Phase::Snapshot | Phase::CatchUp)).count();
            format!(
                "primary + controller ({}): {serving} replicas serving, {booting} bootstrapping",
                self.config.policy.name()
            )
        } else {
            let queue_ms = self.replica.busy_until_us.saturating_sub(now_us) / 1000;
            format!("{} · queue {queue_ms} ms", self.replica.phase.name())
        };
        NodeView {
            role: if self.is_primary { Role::Primary } else { Role::Replica },
            epoch: 1,
            log_end: if self.is_primary { self.log_end() } else { self.replica.applied },
            flushed: if self.is_primary { self.log_end() } else { self.replica.applied },
            applied: if self.is_primary { self.log_end() } else { self.replica.applied },
            lag_us: self.lag_us(now_us).unwrap_or(0),
            status,
            detail: if self.is_primary { self.detail() } else { Vec::new() },
            switched_off: !self.is_primary && self.replica.phase == Phase::Off,
            ..NodeView::default()
        }
    }

    fn route_info(&self) -> RouteInfo {
        RouteInfo {
            role: if self.is_primary { Role::Primary } else { Role::Replica },
            epoch: 1,
            serving: self.is_primary || self.replica.phase == Phase::Ready,
        }
    }

    fn lag_us(&self, now_us: u64) -> Option<u64> {
        if self.is_primary || !matches!(self.replica.phase, Phase::CatchUp | Phase::Ready | Phase::Draining) {
            return None;
        }
        let behind = self.replica.known_next.filter(|(lsn, _)| *lsn > self.replica.applied);
        Some(behind.map_or(0, |(_, appended)| now_us.saturating_sub(appended)))
    }

    fn store(&self) -> &BTreeMap<Key, Value> {
        &self.store
    }

    fn self_report(&self, now_us: u64) -> Option<SelfReport> {
        if self.is_primary {
            let mut log = self.primary.log_out.clone();
            log.cost = self.primary.cost_replica_us / 3.6e9;
            return Some(SelfReport::Scaling(log));
        }
        let mut intervals = self.replica.intervals.clone();
        if let Some(since) = self.replica.serving_since_us {
            intervals.push((since, now_us.max(since)));
        }
        Some(SelfReport::Scaling(ScalingLog { serving_intervals: intervals, ..ScalingLog::default() }))
    }
}

impl AutoscalingNode {
    fn detail(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for region in 0..REGIONS.len() {
            let name = region_name(region);
            let (reads, utilisation, serving) = self.demand(region);
            let booting = self.count(region, |phase| matches!(phase, Phase::Snapshot | Phase::CatchUp));
            lines.push(format!(
                "{name}: {serving} serving, {booting} bootstrapping · {reads:.0} reads/s · {:.0} % busy · cost ×{}",
                utilisation * 100.0,
                COST_MULTIPLIERS[region]
            ));
        }
        lines.push(format!("cost so far: {:.3} Mumbai replica-hours", self.primary.cost_replica_us / 3.6e9));
        lines
    }
}

/// Reads go to a serving replica of the nearest region that has one (spread evenly over
/// its replicas); writes and reads nobody else can serve go to the primary.
pub fn route(
    kind: OpKind,
    candidates: &[crate::engine::RouteCandidate],
    rng: &mut crate::rng::Stream,
) -> Option<NodeId> {
    let primary = candidates.iter().find(|c| c.info.role == Role::Primary).map(|c| c.node);
    if kind != OpKind::Read {
        return primary;
    }
    let serving = || candidates.iter().filter(|c| c.info.role == Role::Replica && c.info.serving);
    let Some(nearest) = serving().map(|c| c.one_way_us).min_by(f64::total_cmp) else { return primary };
    let local: Vec<NodeId> = serving().filter(|c| c.one_way_us <= nearest + 1.0).map(|c| c.node).collect();
    let pick = rng.below(local.len() as u64) as usize;
    local.get(pick).copied().or(primary)
}
