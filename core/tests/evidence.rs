//! The checkers judge from evidence: a trace file alone — its history (with every
//! operation's arguments and result), its nodes' initial and final states, and the
//! scenario's configuration — gives every checker the verdict the run itself gave. Nothing
//! comes from the strategy's account of itself, except where ARCHITECTURE.md says so
//! (`unready_read`), and those are cross-checked against history-only checks here.

mod common;

use common::{assert_case, Case};
use replica_core::check::{self, AnomalyKind, FinalNode, FinalState};
use replica_core::history::{History, Operation, Outcome};
use replica_core::protocol::{LwwSide, NodeId, OpKind, OpResult, Posting, Role, StateExtras};
use serde_json::Value;
use std::collections::BTreeMap;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

fn number(value: &Value, name: &str) -> u64 {
    value.get(name).and_then(Value::as_u64).unwrap_or(0)
}

fn signed(value: &Value, name: &str) -> i64 {
    value.get(name).and_then(Value::as_i64).unwrap_or(0)
}

fn kind_named(name: &str) -> OpKind {
    match name {
        "read" => OpKind::Read,
        "write" => OpKind::Write,
        "order" => OpKind::Order,
        "restock" => OpKind::Restock,
        "cart_add" => OpKind::CartAdd,
        "cart_remove" => OpKind::CartRemove,
        "set_price" => OpKind::SetPrice,
        "transfer" => OpKind::Transfer,
        "withdraw" => OpKind::Withdraw,
        other => panic!("unknown operation kind {other}"),
    }
}

fn outcome_named(name: &str) -> Outcome {
    match name {
        "ok" => Outcome::Ok,
        "fail" => Outcome::Fail,
        "unknown" => Outcome::Unknown,
        _ => Outcome::Pending,
    }
}

fn role_named(name: &str) -> Role {
    match name {
        "primary" => Role::Primary,
        "candidate" => Role::Candidate,
        "coordinator" => Role::Coordinator,
        _ => Role::Replica,
    }
}

/// The operation's keys and amount, from its `args` alone.
fn keys_and_amount(kind: OpKind, args: &Value) -> (u32, u32, i64) {
    let key = |name: &str| number(args, name) as u32;
    match kind {
        OpKind::Transfer => (key("from"), key("to"), signed(args, "amount")),
        OpKind::Withdraw => {
            let accounts = args.get("accounts").and_then(Value::as_array).cloned().unwrap_or_default();
            let half = |index: usize| accounts.get(index).and_then(Value::as_u64).unwrap_or(0) as u32;
            (half(0), half(1), signed(args, "amount"))
        }
        OpKind::Order => (key("variant"), 0, signed(args, "quantity")),
        OpKind::Restock => (key("variant"), 0, signed(args, "units")),
        OpKind::CartAdd | OpKind::CartRemove => (key("item"), 0, 0),
        OpKind::SetPrice => (key("item"), 0, signed(args, "price")),
        OpKind::Read | OpKind::Write => (key("key"), 0, signed(args, "amount")),
    }
}

fn result_of(result: &Value) -> Option<OpResult> {
    if let Some(stamp_us) = result.get("stamp_us").and_then(Value::as_i64) {
        let side = |name: &str| {
            let side = result.get(name).cloned().unwrap_or(Value::Null);
            LwwSide {
                account: number(&side, "account") as u32,
                balance: signed(&side, "balance"),
                basis: number(&side, "basis"),
            }
        };
        return Some(OpResult::LwwTransfer { stamp_us, sides: [side("from"), side("to")] });
    }
    let rows = |name: &str| result.get(name).and_then(Value::as_array).cloned().unwrap_or_default();
    let cell = |row: &Value, index: usize| row.get(index).cloned().unwrap_or(Value::Null);
    if result.get("reads").is_some() {
        let reads = rows("reads")
            .iter()
            .map(|row| {
                let (key, value, version) = (cell(row, 0), cell(row, 1), cell(row, 2));
                (key.as_u64().unwrap_or(0) as u32, value.as_i64().unwrap_or(0), version.as_u64().unwrap_or(0))
            })
            .collect();
        let writes = rows("writes")
            .iter()
            .map(|row| (cell(row, 0).as_u64().unwrap_or(0) as u32, cell(row, 1).as_i64().unwrap_or(0)))
            .collect();
        return Some(OpResult::Transaction { reads, writes });
    }
    None
}

/// The history, rebuilt from a trace file's `history` and `nodes`.
fn history_of(trace: &Value) -> History {
    let names: Vec<String> = trace["nodes"]
        .as_array()
        .map(|nodes| nodes.iter().map(|node| node["name"].as_str().unwrap_or("").to_string()).collect())
        .unwrap_or_default();
    let entries = trace["history"].as_array().cloned().unwrap_or_default();
    let mut history = History::new(entries.len().max(1));
    for entry in &entries {
        let kind = kind_named(entry["op"].as_str().unwrap_or(""));
        let (key, peer_key, amount) = keys_and_amount(kind, &entry["args"]);
        history.push(Operation {
            id: number(entry, "id"),
            client: number(entry, "client") as u32,
            city: replica_core::geo::city_index(entry["city"].as_str().unwrap_or(""))
                .expect("the trace names a known city"),
            node: entry["node"].as_str().and_then(|name| names.iter().position(|n| n == name).map(NodeId::new)),
            kind,
            key,
            value: number(entry, "value"),
            peer_key,
            amount,
            result: result_of(&entry["result"]).map(Box::new),
            read_value: entry["read_value"].as_u64(),
            invoke_us: number(entry, "invoke_us"),
            complete_us: entry["complete_us"].as_u64(),
            outcome: outcome_named(entry["outcome"].as_str().unwrap_or("")),
            epoch: entry["epoch"].as_u64(),
            acked_us: entry["acked_us"].as_u64(),
            fail_reason: None,
            served_role: None,
        });
    }
    history
}

fn store_of(stores: &Value, name: &str) -> BTreeMap<u32, u64> {
    stores[name]
        .as_object()
        .map(|store| store.iter().map(|(key, value)| (key.parse().unwrap_or(0), value.as_u64().unwrap_or(0))).collect())
        .unwrap_or_default()
}

fn lines_of(extras: &Value, name: &str) -> Vec<Posting> {
    extras[name]
        .as_array()
        .map(|lines| {
            lines
                .iter()
                .map(|line| Posting {
                    account: line[0].as_u64().unwrap_or(0) as u32,
                    op: line[1].as_u64().unwrap_or(0),
                    delta: line[2].as_i64().unwrap_or(0),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn siblings_of(extras: &Value) -> BTreeMap<u32, Vec<u64>> {
    extras["siblings"]
        .as_object()
        .map(|keys| {
            keys.iter()
                .map(|(key, values)| {
                    let values = values.as_array().map(|values| values.iter().filter_map(Value::as_u64).collect());
                    (key.parse().unwrap_or(0), values.unwrap_or_default())
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The final state, rebuilt from a trace file's `nodes`, `initial_state`, `final_state`
/// and `final_extras`.
fn state_of(trace: &Value) -> FinalState {
    let nodes = trace["nodes"].as_array().cloned().unwrap_or_default();
    let nodes = nodes
        .iter()
        .map(|node| {
            let name = node["name"].as_str().unwrap_or("");
            let extras = &trace["final_extras"][name];
            FinalNode {
                up: node["up"].as_bool().unwrap_or(false),
                epoch: number(node, "epoch"),
                initial: store_of(&trace["initial_state"], name),
                extras: StateExtras {
                    versions: store_of(extras, "versions"),
                    ledger: lines_of(extras, "ledger"),
                    ledger_dropped: number(extras, "ledger_dropped"),
                    held: lines_of(extras, "held"),
                    siblings: siblings_of(extras),
                },
                ..FinalNode::new(
                    name,
                    role_named(node["role"].as_str().unwrap_or("")),
                    store_of(&trace["final_state"], name),
                )
            }
        })
        .collect();
    FinalState::of(nodes)
}

/// Each scenario with faults that make its checkers work: crashes, a partition.
fn cases() -> Vec<Case> {
    vec![
        Case::new("hdfc", 2).duration(8).knob("commit", "async").fault("crash:mumbai@4s").fault("restart:mumbai@6s"),
        Case::new("consensus", 3).duration(8).fault("isolate:mumbai@2s..5s"),
        Case::new("upi", 4).duration(8).knob("policy", "lww").knob("skew_ms", "40"),
        Case::new("upi", 4).duration(8).knob("policy", "siblings"),
        Case::new("flipkart", 5).duration(8).fault("partition:mumbai-delhi@2s..6s"),
        Case::new("myntra", 6).duration(8),
        Case::new("neft-rtgs", 7).duration(8).fault("crash:clearing@3s").fault("restart:clearing@5s"),
        Case::new("core-banking", 8).duration(8).fault("crash:primary@3s").fault("restart:primary@4s"),
        Case::new("data-sync", 9)
            .duration(8)
            .knob("apply", "naive")
            .fault("crash:bangalore@3s")
            .fault("restart:bangalore@5s"),
        Case::new("lag-monitor", 10).duration(8),
        Case::new("big-billion-day", 11).duration(8),
        Case::new("irctc-tatkal", 12).duration(8).knob("versions", "vv").fault("isolate:mumbai@2s..5s"),
        Case::new("irctc-tatkal", 13).duration(8).knob("skew_ms", "-500"),
    ]
}

#[test]
fn every_checker_reaches_the_run_s_verdict_from_the_trace_file_alone() {
    let (mut findings, mut cases_with_findings) = (0, 0);
    for case in cases() {
        let finished = case.run();
        let text = replica_core::report::trace(&finished).to_json();
        let trace: Value = serde_json::from_str(&text).expect("a trace is JSON");
        let (history, state) = (history_of(&trace), state_of(&trace));
        let params = finished.simulation.check_params();
        let kinds: Vec<AnomalyKind> = finished
            .simulation
            .checkers()
            .into_iter()
            .filter(|kind| kind.spec().source != check::Source::SelfReport)
            .collect();
        let from_file = check::check(&history, Some(&state), &kinds, params);
        for kind in &kinds {
            let (run, file) = (finished.checks.count(*kind), from_file.count(*kind));
            assert_case(
                &case,
                run == file,
                &format!("{}: the run found {run}, the trace file alone {file}", kind.name()),
            );
        }
        findings += kinds.iter().map(|kind| from_file.count(*kind)).sum::<u64>();
        cases_with_findings += u32::from(kinds.iter().any(|kind| from_file.count(*kind) > 0));
    }
    assert!(cases_with_findings >= 6 && findings > 100, "{cases_with_findings} cases found {findings} anomalies");
}

/// `write_skew` reads the history alone; the MVCC engine's own log of committed transactions
/// (with their snapshots) must agree on runs without a crash (after one, the engine's log
/// starts again, so it can only know fewer).
#[test]
fn write_skew_from_the_history_agrees_with_the_engine_s_log() {
    let mut total = 0;
    for seed in 1..=6 {
        let case = Case::new("core-banking", seed).duration(20).knob("joint_ratio", "0.3");
        let finished = case.run();
        let state = &finished.final_state;
        let log = state.nodes[state.authoritative.unwrap_or(0)].transactions().map(<[_]>::to_vec).unwrap_or_default();
        let pairs = |findings: Vec<check::Finding>| {
            let mut pairs: Vec<Vec<u64>> = findings
                .into_iter()
                .map(|finding| {
                    let mut ops = finding.ops;
                    ops.sort_unstable();
                    ops
                })
                .collect();
            pairs.sort();
            pairs
        };
        let from_history = pairs(check::write_skew(finished.simulation.history()));
        let from_log = pairs(check::write_skew_in_log(&log));
        assert_case(&case, from_history == from_log, &format!("history {from_history:?}, engine log {from_log:?}"));
        total += from_history.len();
    }
    assert!(total > 0, "the runs contain write skew for the two to agree on");
}

/// `unready_read` reads the replicas' own serving intervals (the one checker that does).
/// The history-only check beside it: no read a replica answered missed a write acknowledged
/// more than a second before the read began (a replica still restoring or catching up would
/// miss far older writes). Both hold on the same runs, and the history check does find
/// stale reads within the bound, so it is looking.
#[test]
fn unready_reads_agree_with_a_history_only_staleness_bound() {
    const BOUND_US: u64 = 1_000_000;
    let mut within_bound = 0;
    for seed in 1..=4 {
        let case = Case::new("big-billion-day", seed).duration(40);
        let finished = case.run();
        let history = finished.simulation.history();
        assert_case(&case, finished.checks.count(AnomalyKind::UnreadyRead) == 0, "unready_read");
        for finding in check::stale_reads(history) {
            let (read, missed) = (history.get(finding.ops[0]), history.get(finding.ops[1]));
            let (Some(read), Some(missed)) = (read, missed) else { continue };
            let age = read.invoke_us.saturating_sub(missed.complete_us.unwrap_or(read.invoke_us));
            assert_case(&case, age <= BOUND_US, &format!("{} ({age} µs)", finding.explanation));
            within_bound += 1;
        }
    }
    assert!(within_bound > 0, "replica reads are stale within the bound, so the bound is tested");
}
