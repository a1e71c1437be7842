//! `flipkart`: eventually consistent inventory with CRDTs and gossip.
//!
//! Every warehouse (one per city) accepts every operation locally and answers at once:
//! stock is a [`PnCounter`] per item, carts are [`OrSet`]s per client, prices are
//! [`LwwRegister`]s. Replicas exchange state by gossip: every `gossip_interval_us` a node
//! sends the items and carts that changed since its last round (locally or by a merge) to
//! `fanout` random peers, and every `full_sync_every` rounds it runs anti-entropy with the
//! next peer in turn: it pushes its whole state and the peer answers with its own (push-pull),
//! repairing what a partition or a lost message kept away. Going round the peers in turn
//! bounds convergence: `(n − 1) × full_sync_every` rounds after the network heals, every
//! pair has reconciled. Merges are
//! commutative, associative and idempotent, so once the network heals and gossip has run,
//! every replica holds the same state — without any coordination. The price of
//! availability: while partitioned, both sides sell the same last units (oversell).
//!
//! The same warehouses run the `myntra` scenario. There, with [`OrderPolicy::Reservation`],
//! an order takes its unit from the item's owning warehouse (`key mod n`) — a round trip
//! for most orders, but a single counter per item can never sell what it does not have.

use crate::clock::VectorClock;
use crate::crdt::{Crdt, LwwRegister, OrSet, PnCounter};
use crate::engine::RouteCandidate;
use crate::protocol::{
    ClientRequest, Ctx, DiskDone, FailReason, Key, Message, MessageKind, NodeId, NodeView, OpId, OpKind, Out, Protocol,
    Reply, Role, RouteInfo, Value,
};
use crate::rng::Stream;
use std::collections::{BTreeMap, BTreeSet};

/// Replica id under which every warehouse records the initial stock (identical everywhere).
const INITIAL_STOCK_REPLICA: u32 = u32::MAX;
/// Most items or carts in one delta message; the rest waits for the next round.
pub const DELTA_ITEMS_MAX: usize = 2_000;

/// Settings of the strategy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CrdtConfig {
    /// Interval between gossip rounds.
    pub gossip_interval_us: u64,
    /// Peers per round.
    pub fanout: usize,
    /// Every this many rounds, a full state exchange with one peer.
    pub full_sync_every: u64,
    /// Units of every item at time zero.
    pub initial_stock: u64,
    /// Units one restock adds.
    pub restock_units: u64,
    /// CPU cost of one client request.
    pub request_cpu_us: u64,
    /// How orders take stock.
    pub policy: OrderPolicy,
}

impl Default for CrdtConfig {
    fn default() -> Self {
        Self {
            gossip_interval_us: 200_000,
            fanout: 2,
            full_sync_every: 5,
            initial_stock: 20,
            restock_units: 10,
            request_cpu_us: 30,
            policy: OrderPolicy::Optimistic,
        }
    }
}

/// The replicated state of one item.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Units in stock.
    pub stock: PnCounter,
    /// Price in paise.
    pub price: LwwRegister<u64>,
}

impl Item {
    fn new(initial_stock: u64) -> Self {
        let mut stock = PnCounter::default();
        stock.increment(INITIAL_STOCK_REPLICA, initial_stock);
        Self { stock, price: LwwRegister::new(0) }
    }
}

/// Gossip between warehouses.
#[derive(Debug, Clone)]
pub struct Gossip {
    /// Items whose state is sent.
    pub items: Vec<(Key, Item)>,
    /// Carts whose state is sent.
    pub carts: Vec<(u32, OrSet<Key>)>,
    /// The sender's vector clock.
    pub clock: VectorClock,
    /// Anti-entropy push: the receiver answers with its whole state.
    pub wants_reply: bool,
}

/// Messages between warehouses.
#[derive(Debug, Clone)]
pub enum Msg {
    /// Replica state (a delta, or a whole state for anti-entropy).
    Gossip(Gossip),
    /// Reservation policy: ask the owning warehouse for one unit of `key`.
    Reserve {
        /// The client operation waiting for it.
        op: OpId,
        /// The item.
        key: Key,
    },
    /// The owner's answer.
    Reserved {
        /// The client operation.
        op: OpId,
        /// Whether a unit was reserved.
        granted: bool,
    },
}

impl Message for Msg {
    fn kind(&self) -> MessageKind {
        match self {
            Msg::Gossip(_) => MessageKind::Gossip,
            Msg::Reserve { .. } | Msg::Reserved { .. } => MessageKind::Reserve,
        }
    }

    fn size_bytes(&self) -> u32 {
        match self {
            Msg::Gossip(gossip) => 64 + 96 * gossip.items.len() as u32 + 64 * gossip.carts.len() as u32,
            _ => 64,
        }
    }
}

/// How an order takes a unit of stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::VariantNames, strum::EnumString, strum::IntoStaticStr)]
pub enum OrderPolicy {
    /// From the local replica's counter, at once (may oversell).
    #[strum(serialize = "optimistic")]
    Optimistic,
    /// From the owning warehouse's counter, one round trip away (never oversells).
    #[strum(serialize = "reservation")]
    Reservation,
}

impl crate::vocabulary::Choice for OrderPolicy {}

/// Timers of a warehouse.
#[derive(Debug, Clone)]
pub enum Timer {
    /// A gossip round.
    Gossip,
}

/// One warehouse.
#[derive(Debug)]
pub struct CrdtNode {
    config: CrdtConfig,
    items: BTreeMap<Key, Box<Item>>,
    carts: BTreeMap<u32, Box<OrSet<Key>>>,
    // Widened to u64: one set type for the whole crate keeps the wasm small.
    dirty_items: BTreeSet<u64>,
    dirty_carts: BTreeSet<u64>,
    store: BTreeMap<Key, Value>,
    clock: VectorClock,
    rounds: u64,
    last_merge_us: u64,
}

impl CrdtNode {
    /// A warehouse in a cluster of `nodes`.
    pub fn new(config: CrdtConfig, nodes: usize) -> Self {
        Self {
            config,
            items: BTreeMap::new(),
            carts: BTreeMap::new(),
            dirty_items: BTreeSet::new(),
            dirty_carts: BTreeSet::new(),
            store: BTreeMap::new(),
            clock: VectorClock::new(nodes),
            rounds: 0,
            last_merge_us: 0,
        }
    }

    fn item(&mut self, key: Key) -> &mut Item {
        let initial = self.config.initial_stock;
        self.items.entry(key).or_insert_with(|| Box::new(Item::new(initial)))
    }

    /// Refreshes the visible projection of an item: its stock (as a two's-complement u64, so
    /// an oversold item shows as negative) — what reads return and what replicas compare.
    fn project(&mut self, key: Key) {
        let stock = self.items.get(&key).map_or(self.config.initial_stock as i64, |item| item.stock.value());
        self.store.insert(key, stock as u64);
    }

    fn touched(&mut self, ctx: &Ctx, key: Key) {
        self.dirty_items.insert(key.into());
        self.project(key);
        self.clock.tick(ctx.me.index());
    }

    fn on_gossip_timer(&mut self, ctx: &mut Ctx, out: &mut Out<Msg, Timer>) {
        out.set_timer(self.config.gossip_interval_us, Timer::Gossip);
        self.rounds += 1;
        let peers = self.pick_peers(ctx);
        let every = self.config.full_sync_every.max(1);
        if self.rounds % every == 0 && ctx.nodes > 1 {
            // Round-robin over the other nodes, so every pair reconciles within n − 1 turns.
            let turn = (self.rounds / every) as usize % (ctx.nodes - 1);
            let peer = NodeId::new((ctx.me.index() + 1 + turn) % ctx.nodes);
            out.send(peer, Msg::Gossip(self.full_state(true)));
        }
        if self.dirty_items.is_empty() && self.dirty_carts.is_empty() {
            return;
        }
        let item_keys: Vec<Key> = self.dirty_items.iter().take(DELTA_ITEMS_MAX).map(|key| *key as Key).collect();
        let cart_keys: Vec<u32> = self.dirty_carts.iter().take(DELTA_ITEMS_MAX).map(|client| *client as u32).collect();
        for key in &item_keys {
            self.dirty_items.remove(&u64::from(*key));
        }
        for key in &cart_keys {
            self.dirty_carts.remove(&u64::from(*key));
        }
        let delta = Gossip {
            items: item_keys.iter().filter_map(|k| self.items.get(k).map(|v| (*k, (**v).clone()))).collect(),
            carts: cart_keys.iter().filter_map(|k| self.carts.get(k).map(|v| (*k, (**v).clone()))).collect(),
            clock: self.clock.clone(),
            wants_reply: false,
        };
        for peer in peers {
            out.send(peer, Msg::Gossip(delta.clone()));
        }
    }

    fn full_state(&self, wants_reply: bool) -> Gossip {
        Gossip {
            items: self.items.iter().take(DELTA_ITEMS_MAX).map(|(k, v)| (*k, (**v).clone())).collect(),
            carts: self.carts.iter().take(DELTA_ITEMS_MAX).map(|(k, v)| (*k, (**v).clone())).collect(),
            clock: self.clock.clone(),
            wants_reply,
        }
    }

    fn pick_peers(&self, ctx: &mut Ctx) -> Vec<NodeId> {
        let mut peers: Vec<NodeId> = NodeId::all(ctx.nodes).filter(|&n| n != ctx.me).collect();
        let mut chosen = Vec::new();
        while chosen.len() < self.config.fanout && !peers.is_empty() {
            let index = ctx.rng.below(peers.len() as u64) as usize;
            chosen.push(peers.swap_remove(index));
        }
        chosen
    }

    fn on_gossip(&mut self, ctx: &mut Ctx, gossip: Gossip) {
        self.clock.observe(ctx.me.index(), &gossip.clock);
        let mut changed = false;
        for (key, theirs) in gossip.items {
            let mine = self.item(key);
            let stock_changed = mine.stock.merge_changed(&theirs.stock);
            let price_changed = mine.price.merge_changed(&theirs.price);
            if stock_changed || price_changed {
                self.dirty_items.insert(key.into());
                self.project(key);
                changed = true;
            }
        }
        for (client, theirs) in gossip.carts {
            let mine = self.carts.entry(client).or_default();
            let before = mine.clone();
            mine.merge(&theirs);
            if *mine != before {
                self.dirty_carts.insert(client.into());
                changed = true;
            }
        }
        if changed {
            self.last_merge_us = ctx.now_us;
        }
    }

    /// Takes one unit of `key` from this replica's counter if its view shows any left.
    fn take_unit(&mut self, ctx: &mut Ctx, key: Key) -> bool {
        if self.item(key).stock.value() <= 0 {
            return false;
        }
        self.item(key).stock.decrement(ctx.me.index() as u32, 1);
        self.touched(ctx, key);
        true
    }

    fn serve(&mut self, ctx: &mut Ctx, request: ClientRequest) -> Reply {
        let me = ctx.me.index() as u32;
        let key = request.key;
        let ok = Reply::Ok { read_value: None, epoch: 0 };
        match request.kind {
            OpKind::Read | OpKind::Write | OpKind::Transfer | OpKind::Withdraw => {
                let stock = self.items.get(&key).map_or(self.config.initial_stock as i64, |item| item.stock.value());
                return Reply::Ok { read_value: Some(stock.max(0) as u64), epoch: 0 };
            }
            OpKind::Order => {
                if !self.take_unit(ctx, key) {
                    return Reply::Fail(FailReason::OutOfStock);
                }
                return ok;
            }
            OpKind::Restock => {
                let units = request.amount.max(0) as u64;
                self.item(key).stock.increment(me, units);
            }
            OpKind::SetPrice => {
                let price = request.amount.max(0) as u64;
                let wall_clock = ctx.wall_clock_us;
                self.item(key).price.set(me, wall_clock, price);
            }
            OpKind::CartAdd | OpKind::CartRemove => {
                let cart = self.carts.entry(request.client).or_default();
                if request.kind == OpKind::CartAdd {
                    cart.add(me, key);
                } else {
                    cart.remove(&key);
                }
                self.dirty_carts.insert(request.client.into());
                self.clock.tick(ctx.me.index());
                return ok;
            }
        }
        self.touched(ctx, key);
        ok
    }
}

impl Protocol for CrdtNode {
    type Msg = Msg;
    type Timer = Timer;

    fn start(&mut self, ctx: &mut Ctx, out: &mut Out<Msg, Timer>) {
        out.set_timer(1 + ctx.rng.below(self.config.gossip_interval_us), Timer::Gossip);
    }

    fn on_message(&mut self, ctx: &mut Ctx, from: NodeId, msg: Msg, out: &mut Out<Msg, Timer>) {
        match msg {
            Msg::Gossip(gossip) => {
                let wants_reply = gossip.wants_reply;
                self.on_gossip(ctx, gossip);
                if wants_reply {
                    out.send(from, Msg::Gossip(self.full_state(false)));
                }
            }
            Msg::Reserve { op, key } => {
                let granted = self.take_unit(ctx, key);
                out.send(from, Msg::Reserved { op, granted });
            }
            Msg::Reserved { op, granted } => {
                let reply = if granted {
                    Reply::Ok { read_value: None, epoch: 0 }
                } else {
                    Reply::Fail(FailReason::OutOfStock)
                };
                out.reply(op, reply);
            }
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx, timer: Timer, out: &mut Out<Msg, Timer>) {
        match timer {
            Timer::Gossip => self.on_gossip_timer(ctx, out),
        }
    }

    fn on_client(&mut self, ctx: &mut Ctx, request: ClientRequest, out: &mut Out<Msg, Timer>) {
        let owner = NodeId::new(request.key as usize % ctx.nodes);
        if request.kind == OpKind::Order && self.config.policy == OrderPolicy::Reservation && owner != ctx.me {
            out.send(owner, Msg::Reserve { op: request.op, key: request.key });
            return;
        }
        let reply = self.serve(ctx, request);
        out.reply(request.op, reply);
    }

    fn on_disk(&mut self, _ctx: &mut Ctx, _done: DiskDone, _out: &mut Out<Msg, Timer>) {}

    fn crash(&mut self) {
        // The warehouse's state is on disk (each update is written before it is answered);
        // what is lost is the gossip round in progress.
    }

    fn restart(&mut self, ctx: &mut Ctx, out: &mut Out<Msg, Timer>) {
        out.set_timer(1 + ctx.rng.below(self.config.gossip_interval_us), Timer::Gossip);
    }

    fn cpu_cost_us(&self, kind: MessageKind) -> u64 {
        match kind {
            MessageKind::Request => self.config.request_cpu_us,
            _ => 20,
        }
    }

    fn view(&self, now_us: u64) -> NodeView {
        NodeView {
            role: Role::Replica,
            log_end: self.clock.entries().iter().sum(),
            status: format!(
                "warehouse · {} items · {} carts · {} pending gossip · last merge {:.1} s ago",
                self.items.len(),
                self.carts.len(),
                self.dirty_items.len() + self.dirty_carts.len(),
                now_us.saturating_sub(self.last_merge_us) as f64 / 1e6
            ),
            vector_clock: self.clock.entries().to_vec(),
            ..NodeView::default()
        }
    }

    fn route_info(&self) -> RouteInfo {
        RouteInfo { role: Role::Replica, epoch: 0, serving: true }
    }

    fn lag_us(&self, _now_us: u64) -> Option<u64> {
        None
    }

    fn store(&self) -> &BTreeMap<Key, Value> {
        &self.store
    }
}

/// Every operation goes to the nearest warehouse.
pub fn route_nearest(_kind: OpKind, candidates: &[RouteCandidate], _rng: &mut Stream) -> Option<NodeId> {
    candidates.iter().min_by(|a, b| a.one_way_us.total_cmp(&b.one_way_us)).map(|c| c.node)
}
