//! The trace file: a run's history, controls, final state and findings in the
//! `replica-lab-trace/1` format (docs/trace-format.md), written by `trace` and read back by
//! `crate::replay`.

use super::*;

/// One history entry of a trace file.
#[derive(Debug, Clone, Serialize)]
pub struct TraceOp {
    /// Operation id.
    pub id: u64,
    /// Client id.
    pub client: u32,
    /// Client's city id.
    pub city: &'static str,
    /// Node id it went to.
    pub node: Option<String>,
    /// `read` or `write`.
    pub op: OpKind,
    /// Key.
    pub key: u32,
    /// Value written.
    pub value: Option<u64>,
    /// Value read.
    pub read_value: Option<u64>,
    /// Invocation time.
    pub invoke_us: u64,
    /// Completion time.
    pub complete_us: Option<u64>,
    /// Outcome.
    pub outcome: Outcome,
    /// Epoch that served it.
    pub epoch: Option<u64>,
    /// When the serving node acknowledged it, by its own time (successful operations).
    pub acked_us: Option<u64>,
    /// Why it failed (failed operations).
    pub fail_reason: Option<crate::protocol::FailReason>,
    /// Its whole input.
    pub args: TraceArgs,
    /// Its whole output, where it has one beyond the outcome.
    pub result: Option<TraceResult>,
}

/// An operation's whole input, by kind (written as an object of these fields).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum TraceArgs {
    /// A read of one key (register, account, item).
    Read {
        /// The key.
        key: u32,
    },
    /// A register write of a unique value.
    Write {
        /// The key.
        key: u32,
        /// The value (the operation's id).
        value: u64,
    },
    /// An increment of a counter (data-sync).
    Add {
        /// The counter.
        key: u32,
        /// What it adds.
        amount: i64,
    },
    /// Money from one account to another.
    Transfer {
        /// Payer.
        from: u32,
        /// Payee.
        to: u32,
        /// Rupees.
        amount: i64,
    },
    /// A withdrawal from one half of a joint account: `accounts` is `[the half withdrawn
    /// from, the other half]`.
    Withdraw {
        /// The two halves.
        accounts: [u32; 2],
        /// Rupees.
        amount: i64,
    },
    /// An order for units of a variant.
    Order {
        /// The variant (item).
        variant: u32,
        /// Units.
        quantity: i64,
    },
    /// Units added to a variant's stock.
    Restock {
        /// The variant (item).
        variant: u32,
        /// Units.
        units: i64,
    },
    /// An item put in or taken out of the client's cart.
    Cart {
        /// The item.
        item: u32,
    },
    /// A new price for an item.
    SetPrice {
        /// The item.
        item: u32,
        /// Price, in paise.
        price: i64,
    },
}

impl TraceArgs {
    /// The arguments of a recorded operation.
    pub fn of(op: &crate::history::Operation) -> Self {
        match op.kind {
            OpKind::Read => TraceArgs::Read { key: op.key },
            OpKind::Write if op.amount != 0 => TraceArgs::Add { key: op.key, amount: op.amount },
            OpKind::Write => TraceArgs::Write { key: op.key, value: op.value },
            OpKind::Transfer => TraceArgs::Transfer { from: op.key, to: op.peer_key, amount: op.amount },
            OpKind::Withdraw => TraceArgs::Withdraw { accounts: [op.key, op.peer_key], amount: op.amount },
            OpKind::Order => TraceArgs::Order { variant: op.key, quantity: op.amount },
            OpKind::Restock => TraceArgs::Restock { variant: op.key, units: op.amount },
            OpKind::CartAdd | OpKind::CartRemove => TraceArgs::Cart { item: op.key },
            OpKind::SetPrice => TraceArgs::SetPrice { item: op.key, price: op.amount },
        }
    }
}

/// An operation's whole output, where it has one beyond its outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum TraceResult {
    /// What a read returned (as `read_value`).
    Read {
        /// The value.
        value: u64,
    },
    /// A last-writer-wins transfer: the balance written to each account, the write it built on.
    LwwTransfer {
        /// Its leader's wall clock when it took the transfer, µs (skew included).
        stamp_us: i64,
        /// The payer's side.
        from: TraceLwwSide,
        /// The payee's side.
        to: TraceLwwSide,
    },
    /// A transaction: `reads` as `[key, value, version]` (the version is the operation that
    /// wrote the value, 0 for the initial one), `writes` as `[key, value]`.
    Transaction {
        /// What it read.
        reads: Vec<(u32, i64, u64)>,
        /// What it wrote.
        writes: Vec<(u32, i64)>,
    },
}

/// One account of a last-writer-wins transfer's result.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TraceLwwSide {
    /// The account.
    pub account: u32,
    /// The balance written.
    pub balance: i64,
    /// The operation whose balance it built on (0: the initial balance).
    pub basis: u64,
}

impl TraceResult {
    /// The result of a recorded operation, if it has one.
    pub fn of(op: &crate::history::Operation) -> Option<Self> {
        use crate::protocol::OpResult;
        match op.result.as_deref() {
            Some(OpResult::LwwTransfer { stamp_us, sides }) => {
                let side = |side: &crate::protocol::LwwSide| TraceLwwSide {
                    account: side.account,
                    balance: side.balance,
                    basis: side.basis,
                };
                Some(TraceResult::LwwTransfer { stamp_us: *stamp_us, from: side(&sides[0]), to: side(&sides[1]) })
            }
            Some(OpResult::Transaction { reads, writes }) => {
                Some(TraceResult::Transaction { reads: reads.clone(), writes: writes.clone() })
            }
            None => op.read_value.filter(|_| op.outcome == Outcome::Ok).map(|value| TraceResult::Read { value }),
        }
    }
}

/// A node at the end of a trace.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TraceNode {
    /// Node id.
    pub name: String,
    /// City id.
    pub city: &'static str,
    /// Whether it runs.
    pub up: bool,
    /// The role it claims.
    pub role: crate::protocol::Role,
    /// Its epoch (term).
    pub epoch: u64,
}

/// What a node's final state holds beyond its store (see [`crate::protocol::StateExtras`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TraceExtras {
    /// Per key, the operation whose write the value came from.
    pub versions: BTreeMap<u32, u64>,
    /// Every change applied to the store, oldest first: `[account, operation, delta]`.
    pub ledger: Vec<(u32, u64, i64)>,
    /// Oldest ledger lines dropped to bound it.
    pub ledger_dropped: u64,
    /// Changes prepared and not decided (held): `[account, operation, delta]`.
    pub held: Vec<(u32, u64, i64)>,
    /// Per key holding concurrent versions, every value it holds (written only when some
    /// key has siblings).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub siblings: BTreeMap<u32, Vec<u64>>,
}

/// The trace file.
#[derive(Debug, Clone, Serialize)]
pub struct Trace {
    /// [`TRACE_FORMAT`].
    pub format: &'static str,
    /// Scenario id.
    pub scenario: String,
    /// Seed.
    pub seed: u64,
    /// Load, latency and knobs.
    pub config: BTreeMap<String, String>,
    /// Control log.
    pub controls: Vec<crate::control::TimedControl>,
    /// Simulated time the trace ends at.
    pub time_us: u64,
    /// When the workload stopped (the start of quiescence), if it did: a command-line run
    /// stops it at its duration; the page's trace is of a run still going.
    pub workload_stopped_us: Option<u64>,
    /// Every recorded operation still kept (see `history_dropped`).
    pub history: Vec<TraceOp>,
    /// Oldest completed operations dropped to bound the history (the page keeps fewer).
    pub history_dropped: u64,
    /// Every node at the end, in node order: where it is, whether it runs, the role and
    /// epoch it claims.
    pub nodes: Vec<TraceNode>,
    /// Node → key → value at time zero.
    pub initial_state: BTreeMap<String, BTreeMap<u32, u64>>,
    /// Node → key → value at the end.
    pub final_state: BTreeMap<String, BTreeMap<u32, u64>>,
    /// Node → what its final state holds beyond the store (nodes with nothing left out).
    pub final_extras: BTreeMap<String, TraceExtras>,
    /// Notable events: the controls, with their times.
    pub events: Vec<String>,
    /// Findings.
    pub anomalies: Vec<crate::check::Finding>,
    /// Digest.
    pub trace_digest: String,
}

impl Trace {
    /// The trace file's text: what `serde_json::to_string` writes for it, through the
    /// page-sized [`crate::json::Writer`].
    pub fn to_json(&self) -> String {
        let mut out = crate::json::Writer::new();
        out.begin_object();
        out.string_member("format", self.format);
        out.string_member("scenario", &self.scenario);
        out.integer_member("seed", self.seed);
        out.key("config");
        out.begin_object();
        for (name, value) in &self.config {
            out.string_member(name, value);
        }
        out.end_object();
        out.key("controls");
        out.begin_array();
        for timed in &self.controls {
            write_control(&mut out, timed);
        }
        out.end_array();
        out.integer_member("time_us", self.time_us);
        out.key("workload_stopped_us");
        out.optional(self.workload_stopped_us);
        out.key("history");
        out.begin_array();
        for op in &self.history {
            write_op(&mut out, op);
        }
        out.end_array();
        out.integer_member("history_dropped", self.history_dropped);
        out.key("nodes");
        out.begin_array();
        for node in &self.nodes {
            out.begin_object();
            out.string_member("name", &node.name);
            out.string_member("city", node.city);
            out.key("up");
            out.bool(node.up);
            out.string_member("role", node.role.name());
            out.integer_member("epoch", node.epoch);
            out.end_object();
        }
        out.end_array();
        write_stores(&mut out, "initial_state", &self.initial_state);
        write_stores(&mut out, "final_state", &self.final_state);
        out.key("final_extras");
        out.begin_object();
        for (node, extras) in &self.final_extras {
            out.key(node);
            write_extras(&mut out, extras);
        }
        out.end_object();
        out.key("events");
        out.begin_array();
        for event in &self.events {
            out.string(event);
        }
        out.end_array();
        out.key("anomalies");
        out.begin_array();
        for finding in &self.anomalies {
            out.begin_object();
            out.string_member("kind", finding.kind.name());
            out.key("ops");
            out.begin_array();
            for op in &finding.ops {
                out.integer(*op, false);
            }
            out.end_array();
            out.integer_member("at_us", finding.at_us);
            out.string_member("explanation", &finding.explanation);
            out.end_object();
        }
        out.end_array();
        out.string_member("trace_digest", &self.trace_digest);
        out.end_object();
        out.finish()
    }
}

pub(super) fn write_stores(out: &mut crate::json::Writer, name: &str, stores: &BTreeMap<String, BTreeMap<u32, u64>>) {
    out.key(name);
    out.begin_object();
    for (node, store) in stores {
        out.key(node);
        out.begin_object();
        for (key, value) in store {
            out.integer_member(&key.to_string(), *value);
        }
        out.end_object();
    }
    out.end_object();
}

pub(super) fn write_signed(out: &mut crate::json::Writer, value: i64) {
    out.integer(value.unsigned_abs(), value < 0);
}

pub(super) fn write_signed_member(out: &mut crate::json::Writer, name: &str, value: i64) {
    out.key(name);
    write_signed(out, value);
}

pub(super) fn write_lines(out: &mut crate::json::Writer, name: &str, lines: &[(u32, u64, i64)]) {
    out.key(name);
    out.begin_array();
    for (account, op, delta) in lines {
        out.begin_array();
        out.integer((*account).into(), false);
        out.integer(*op, false);
        write_signed(out, *delta);
        out.end_array();
    }
    out.end_array();
}

pub(super) fn write_extras(out: &mut crate::json::Writer, extras: &TraceExtras) {
    out.begin_object();
    out.key("versions");
    out.begin_object();
    for (key, op) in &extras.versions {
        out.integer_member(&key.to_string(), *op);
    }
    out.end_object();
    write_lines(out, "ledger", &extras.ledger);
    out.integer_member("ledger_dropped", extras.ledger_dropped);
    write_lines(out, "held", &extras.held);
    if !extras.siblings.is_empty() {
        out.key("siblings");
        out.begin_object();
        for (key, values) in &extras.siblings {
            out.key(&key.to_string());
            out.begin_array();
            for value in values {
                out.integer(*value, false);
            }
            out.end_array();
        }
        out.end_object();
    }
    out.end_object();
}

pub(super) fn write_args(out: &mut crate::json::Writer, args: &TraceArgs) {
    out.begin_object();
    match args {
        TraceArgs::Read { key } => out.integer_member("key", (*key).into()),
        TraceArgs::Write { key, value } => {
            out.integer_member("key", (*key).into());
            out.integer_member("value", *value);
        }
        TraceArgs::Add { key, amount } => {
            out.integer_member("key", (*key).into());
            write_signed_member(out, "amount", *amount);
        }
        TraceArgs::Transfer { from, to, amount } => {
            out.integer_member("from", (*from).into());
            out.integer_member("to", (*to).into());
            write_signed_member(out, "amount", *amount);
        }
        TraceArgs::Withdraw { accounts, amount } => {
            out.key("accounts");
            out.begin_array();
            out.integer(accounts[0].into(), false);
            out.integer(accounts[1].into(), false);
            out.end_array();
            write_signed_member(out, "amount", *amount);
        }
        TraceArgs::Order { variant, quantity } => {
            out.integer_member("variant", (*variant).into());
            write_signed_member(out, "quantity", *quantity);
        }
        TraceArgs::Restock { variant, units } => {
            out.integer_member("variant", (*variant).into());
            write_signed_member(out, "units", *units);
        }
        TraceArgs::Cart { item } => out.integer_member("item", (*item).into()),
        TraceArgs::SetPrice { item, price } => {
            out.integer_member("item", (*item).into());
            write_signed_member(out, "price", *price);
        }
    }
    out.end_object();
}

pub(super) fn write_result(out: &mut crate::json::Writer, result: Option<&TraceResult>) {
    let Some(result) = result else {
        out.null();
        return;
    };
    out.begin_object();
    match result {
        TraceResult::Read { value } => out.integer_member("value", *value),
        TraceResult::LwwTransfer { stamp_us, from, to } => {
            write_signed_member(out, "stamp_us", *stamp_us);
            for (name, side) in [("from", from), ("to", to)] {
                out.key(name);
                out.begin_object();
                out.integer_member("account", side.account.into());
                write_signed_member(out, "balance", side.balance);
                out.integer_member("basis", side.basis);
                out.end_object();
            }
        }
        TraceResult::Transaction { reads, writes } => {
            out.key("reads");
            out.begin_array();
            for (key, value, version) in reads {
                out.begin_array();
                out.integer((*key).into(), false);
                write_signed(out, *value);
                out.integer(*version, false);
                out.end_array();
            }
            out.end_array();
            out.key("writes");
            out.begin_array();
            for (key, value) in writes {
                out.begin_array();
                out.integer((*key).into(), false);
                write_signed(out, *value);
                out.end_array();
            }
            out.end_array();
        }
    }
    out.end_object();
}

pub(super) fn write_op(out: &mut crate::json::Writer, op: &TraceOp) {
    out.begin_object();
    out.integer_member("id", op.id);
    out.integer_member("client", op.client.into());
    out.string_member("city", op.city);
    out.key("node");
    out.optional_string(op.node.as_deref());
    out.string_member("op", op.op.name());
    out.integer_member("key", op.key.into());
    out.key("value");
    out.optional(op.value);
    out.key("read_value");
    out.optional(op.read_value);
    out.integer_member("invoke_us", op.invoke_us);
    out.key("complete_us");
    out.optional(op.complete_us);
    out.string_member("outcome", op.outcome.name());
    out.key("epoch");
    out.optional(op.epoch);
    out.key("acked_us");
    out.optional(op.acked_us);
    out.key("fail_reason");
    out.optional_string(op.fail_reason.map(crate::protocol::FailReason::name));
    out.key("args");
    write_args(out, &op.args);
    out.key("result");
    write_result(out, op.result.as_ref());
    out.end_object();
}

/// A timed control as `serde` writes it: `{"at_us":T,"control":{"type":KIND,...}}`.
pub(super) fn write_control(out: &mut crate::json::Writer, timed: &crate::control::TimedControl) {
    use crate::control::Control;
    out.begin_object();
    out.integer_member("at_us", timed.at_us);
    out.key("control");
    out.begin_object();
    match &timed.control {
        Control::Latency { multiplier } => {
            out.string_member("type", "latency");
            out.float_member("multiplier", *multiplier);
        }
        Control::Load { ops_s } => {
            out.string_member("type", "load");
            out.float_member("ops_s", *ops_s);
        }
        Control::Crash { node } => {
            out.string_member("type", "crash");
            out.string_member("node", node);
        }
        Control::Restart { node } => {
            out.string_member("type", "restart");
            out.string_member("node", node);
        }
        Control::Cut { from, to, both } => {
            out.string_member("type", "cut");
            out.string_member("from", from);
            out.string_member("to", to);
            out.key("both");
            out.bool(*both);
        }
        Control::Heal { a, b } => {
            out.string_member("type", "heal");
            out.string_member("a", a);
            out.string_member("b", b);
        }
        Control::HealAll => out.string_member("type", "heal_all"),
        Control::Slow { a, b, factor } => {
            out.string_member("type", "slow");
            out.string_member("a", a);
            out.string_member("b", b);
            out.float_member("factor", *factor);
        }
        Control::Loss { a, b, probability } => {
            out.string_member("type", "loss");
            out.string_member("a", a);
            out.string_member("b", b);
            out.float_member("probability", *probability);
        }
        Control::Skew { node, skew_us } => {
            out.string_member("type", "skew");
            out.string_member("node", node);
            out.key("skew_us");
            out.integer(skew_us.unsigned_abs(), *skew_us < 0);
        }
    }
    out.end_object();
    out.end_object();
}

/// The `format` of a trace file.
pub const TRACE_FORMAT: &str = "replica-lab-trace/1";

/// Builds the trace of a finished run.
pub fn trace(finished: &Finished) -> Trace {
    trace_of(finished.simulation.as_ref(), &finished.final_state, &finished.checks.findings)
}

/// The trace of `simulation` as it stands, with its state and findings: the command line's
/// after a quiet finish, the page's at any moment of a run.
pub fn trace_of(simulation: &dyn Simulation, state: &FinalState, findings: &[crate::check::Finding]) -> Trace {
    let names = simulation.node_names();
    let config = simulation.config();
    let default_load = scenario::info(&config.scenario).map_or(0.0, |info| info.default_load_ops_s);
    let mut settings = BTreeMap::new();
    settings.insert("load_ops_s".to_string(), config.load_ops_s.unwrap_or(default_load).to_string());
    settings.insert("latency_multiplier".to_string(), config.latency_multiplier.to_string());
    for (name, value) in &config.knobs {
        settings.insert(name.clone(), value.clone());
    }
    let mut initial_state = BTreeMap::new();
    let mut final_state = BTreeMap::new();
    let mut final_extras = BTreeMap::new();
    for node in &state.nodes {
        initial_state.insert(node.name.clone(), node.initial.clone());
        final_state.insert(node.name.clone(), node.store.clone());
        if !node.extras.is_empty() {
            let lines = |postings: &[crate::protocol::Posting]| {
                postings.iter().map(|posting| (posting.account, posting.op, posting.delta)).collect()
            };
            let extras = TraceExtras {
                versions: node.extras.versions.clone(),
                ledger: lines(&node.extras.ledger),
                ledger_dropped: node.extras.ledger_dropped,
                held: lines(&node.extras.held),
                siblings: node.extras.siblings.clone(),
            };
            final_extras.insert(node.name.clone(), extras);
        }
    }
    Trace {
        format: TRACE_FORMAT,
        scenario: config.scenario.clone(),
        seed: config.seed,
        config: settings,
        controls: simulation.control_log().to_vec(),
        time_us: simulation.now_us(),
        workload_stopped_us: simulation.workload_stopped_us(),
        history: simulation
            .history()
            .iter()
            .map(|op| TraceOp {
                id: op.id,
                client: op.client,
                city: op.city.city().id,
                node: op.node.and_then(|n| names.get(n.index()).cloned()),
                op: op.kind,
                key: op.key,
                value: (!op.kind.is_read()).then_some(op.value),
                read_value: op.read_value,
                invoke_us: op.invoke_us,
                complete_us: op.complete_us,
                outcome: op.outcome,
                epoch: op.epoch,
                acked_us: op.acked_us,
                fail_reason: op.fail_reason,
                args: TraceArgs::of(op),
                result: TraceResult::of(op),
            })
            .collect(),
        history_dropped: simulation.history().dropped(),
        nodes: state
            .nodes
            .iter()
            .zip(simulation.snapshot(0).nodes)
            .map(|(node, seen)| TraceNode {
                name: node.name.clone(),
                city: seen.city,
                up: node.up,
                role: node.role,
                epoch: node.epoch,
            })
            .collect(),
        initial_state,
        final_state,
        final_extras,
        events: simulation
            .control_log()
            .iter()
            .map(|timed| format!("{:.3}s {}", timed.at_us as f64 / 1e6, timed.control.describe()))
            .collect(),
        anomalies: findings.to_vec(),
        trace_digest: simulation.digest_text(),
    }
}
