//! A run's history as Jepsen's operation log (EDN), for other people's checkers: Knossos,
//! Elle and Porcupine read it.
//!
//! Each operation becomes an `:invoke` line at its invocation and a completion line —
//! `:ok`, `:fail`, or `:info` when the client never learned the outcome — at its
//! completion, one map per line, ordered by time (`:time` in nanoseconds), numbered by
//! `:index`. Register operations carry `[key value]` tuples, as `jepsen.independent`
//! writes them; other operations carry their arguments as a map. Jepsen's processes are
//! single-threaded and a process whose operation ended `:info` is never used again, so
//! clients (which may have several operations in flight) are mapped onto processes: each
//! operation takes the lowest-numbered process that is free when it is invoked.

use crate::history::{History, Operation, Outcome};
use crate::protocol::OpKind;

/// An EDN keyword for an operation's `:f`.
fn function(kind: OpKind) -> &'static str {
    match kind {
        OpKind::Read => ":read",
        OpKind::Write => ":write",
        OpKind::Order => ":order",
        OpKind::Restock => ":restock",
        OpKind::CartAdd => ":cart-add",
        OpKind::CartRemove => ":cart-remove",
        OpKind::SetPrice => ":set-price",
        OpKind::Transfer => ":transfer",
        OpKind::Withdraw => ":withdraw",
    }
}

/// The `:value` of an operation, as invoked or as completed.
fn value(op: &Operation, completed: bool) -> String {
    match op.kind {
        OpKind::Read => match (completed, op.outcome, op.read_value) {
            (true, Outcome::Ok, Some(value)) => format!("[{} {value}]", op.key),
            _ => format!("[{} nil]", op.key),
        },
        OpKind::Write if op.amount != 0 => format!("{{:key {}, :amount {}}}", op.key, op.amount),
        OpKind::Write => format!("[{} {}]", op.key, op.value),
        OpKind::Transfer => format!("{{:from {}, :to {}, :amount {}}}", op.key, op.peer_key, op.amount),
        OpKind::Withdraw => format!("{{:accounts [{} {}], :amount {}}}", op.key, op.peer_key, op.amount),
        OpKind::Order => format!("{{:variant {}, :quantity {}}}", op.key, op.amount),
        OpKind::Restock => format!("{{:variant {}, :units {}}}", op.key, op.amount),
        OpKind::CartAdd | OpKind::CartRemove => format!("{{:item {}}}", op.key),
        OpKind::SetPrice => format!("{{:item {}, :price {}}}", op.key, op.amount),
    }
}

fn completion_type(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Ok => ":ok",
        Outcome::Fail => ":fail",
        Outcome::Unknown | Outcome::Pending => ":info",
    }
}

/// One line to write: when, which operation, whether it is the completion.
struct Line<'a> {
    time_us: u64,
    op: &'a Operation,
    completion: bool,
    process: u64,
}

/// The history as Jepsen's EDN operation log, one map per line. `end_us` stamps the
/// completions of operations still in flight (written `:info`).
pub fn history_edn(history: &History, node_names: &[String], end_us: u64) -> String {
    let mut lines: Vec<Line> = Vec::with_capacity(history.len() * 2);
    // When each process is free again (`None`: crashed, never reused).
    let mut free_at: Vec<Option<u64>> = Vec::new();
    for op in history.iter() {
        let ends_us = op.complete_us.unwrap_or(end_us).max(op.invoke_us);
        let crashed = !matches!(op.outcome, Outcome::Ok | Outcome::Fail);
        let process = free_at.iter().position(|free| free.is_some_and(|at| at < op.invoke_us)).unwrap_or_else(|| {
            free_at.push(None);
            free_at.len() - 1
        });
        free_at[process] = if crashed { None } else { Some(ends_us) };
        lines.push(Line { time_us: op.invoke_us, op, completion: false, process: process as u64 });
        lines.push(Line { time_us: ends_us, op, completion: true, process: process as u64 });
    }
    // By time; at equal times invocations first (an operation precedes another only if it
    // completed strictly before the other began), then by operation.
    lines.sort_by_key(|line| (line.time_us, line.completion, line.op.id));
    let mut text = String::with_capacity(lines.len() * 96);
    for (index, line) in lines.iter().enumerate() {
        let op = line.op;
        let kind = if line.completion { completion_type(op.outcome) } else { ":invoke" };
        let node = op
            .node
            .and_then(|node| node_names.get(node.index()))
            .map_or("nil".to_string(), |name| format!("\"{name}\""));
        text.push_str(&format!(
            "{{:type {kind}, :f {}, :value {}, :process {}, :time {}, :index {index}, :op-id {}, :client {}, :node {node}{}}}\n",
            function(op.kind),
            value(op, line.completion),
            line.process,
            line.time_us.saturating_mul(1000),
            op.id,
            op.client,
            match (line.completion, op.fail_reason) {
                (true, Some(reason)) => format!(", :error :{}", reason.name().replace('_', "-")),
                _ => String::new(),
            }
        ));
    }
    text
}
