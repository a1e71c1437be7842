//! The checkers on hand-written histories: each property fires on a history that breaks
//! it, names the operations that prove it, and stays silent on a close call that does not.

use replica_core::check::{check, AnomalyKind, CheckParams, FinalNode, FinalState};
use replica_core::history::{History, Operation, Outcome};
use replica_core::protocol::{NodeId, OpKind, Role};
use std::collections::BTreeMap;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// `(client, kind, key, read_value, invoke, complete, outcome, node, epoch)`; ids are
/// positions from 1, and a write's value is its id.
type Row = (u32, OpKind, u32, Option<u64>, u64, Option<u64>, Outcome, usize, u64);

const W: OpKind = OpKind::Write;
const R: OpKind = OpKind::Read;
const OK: Outcome = Outcome::Ok;

fn history(rows: &[Row]) -> History {
    let mut history = History::new(1000);
    for (index, &(client, kind, key, read_value, invoke, complete, outcome, node, epoch)) in rows.iter().enumerate() {
        let id = index as u64 + 1;
        history.push(Operation {
            id,
            client,
            city: replica_core::geo::MUMBAI,
            node: Some(NodeId::new(node)),
            kind,
            key,
            value: if kind == W { id } else { 0 },
            peer_key: 0,
            amount: 0,
            result: None,
            read_value,
            invoke_us: invoke,
            complete_us: complete,
            outcome,
            epoch: Some(epoch),
            acked_us: complete.map(|c| c.saturating_sub(1)),
            fail_reason: None,
            served_role: None,
        });
    }
    history
}

/// The operations each finding names, in order.
fn finding_ops(report: &replica_core::check::CheckReport) -> Vec<Vec<u64>> {
    report.findings.iter().map(|f| f.ops.clone()).collect()
}

fn final_state(store: &[(u32, u64)]) -> FinalState {
    FinalState {
        nodes: vec![FinalNode {
            epoch: 1,
            ..FinalNode::new("mumbai", Role::Primary, store.iter().copied().collect::<BTreeMap<_, _>>())
        }],
        authoritative: Some(0),
    }
}

struct Expect {
    name: &'static str,
    rows: Vec<Row>,
    store: Vec<(u32, u64)>,
    kind: AnomalyKind,
    count: u64,
    ops: Option<Vec<u64>>,
}

fn cases() -> Vec<Expect> {
    vec![
        Expect {
            name: "read misses a write acknowledged before it began",
            rows: vec![
                (1, W, 7, None, 0, Some(10), OK, 0, 1),
                (2, W, 7, None, 20, Some(30), OK, 0, 1),
                (3, R, 7, Some(1), 40, Some(50), OK, 1, 1),
            ],
            store: vec![(7, 2)],
            kind: AnomalyKind::StaleRead,
            count: 1,
            ops: Some(vec![3, 2]),
        },
        Expect {
            name: "a read concurrent with the newer write may see the older one",
            rows: vec![
                (1, W, 7, None, 0, Some(10), OK, 0, 1),
                (2, W, 7, None, 20, Some(60), OK, 0, 1),
                (3, R, 7, Some(1), 40, Some(50), OK, 1, 1),
            ],
            store: vec![(7, 2)],
            kind: AnomalyKind::StaleRead,
            count: 0,
            ops: None,
        },
        Expect {
            name: "concurrent writes have no order to violate",
            rows: vec![
                (1, W, 7, None, 0, Some(25), OK, 0, 1),
                (2, W, 7, None, 20, Some(30), OK, 0, 1),
                (3, R, 7, Some(1), 40, Some(50), OK, 1, 1),
            ],
            store: vec![(7, 1)],
            kind: AnomalyKind::StaleRead,
            count: 0,
            ops: None,
        },
        Expect {
            name: "reading the initial value after an acknowledged write is stale",
            rows: vec![(1, W, 3, None, 0, Some(10), OK, 0, 1), (2, R, 3, Some(0), 20, Some(30), OK, 1, 1)],
            store: vec![(3, 1)],
            kind: AnomalyKind::StaleRead,
            count: 1,
            ops: Some(vec![2, 1]),
        },
        Expect {
            name: "a client misses its own write",
            rows: vec![(5, W, 1, None, 0, Some(10), OK, 0, 1), (5, R, 1, Some(0), 20, Some(30), OK, 1, 1)],
            store: vec![(1, 1)],
            kind: AnomalyKind::ReadYourWrites,
            count: 1,
            ops: Some(vec![1, 2]),
        },
        Expect {
            name: "another client's stale read is not a read-your-writes violation",
            rows: vec![(5, W, 1, None, 0, Some(10), OK, 0, 1), (6, R, 1, Some(0), 20, Some(30), OK, 1, 1)],
            store: vec![(1, 1)],
            kind: AnomalyKind::ReadYourWrites,
            count: 0,
            ops: None,
        },
        Expect {
            name: "a client sees a key go back in time",
            rows: vec![
                (1, W, 4, None, 0, Some(10), OK, 0, 1),
                (1, W, 4, None, 20, Some(30), OK, 0, 1),
                (9, R, 4, Some(2), 40, Some(50), OK, 1, 1),
                (9, R, 4, Some(1), 60, Some(70), OK, 2, 1),
            ],
            store: vec![(4, 2)],
            kind: AnomalyKind::MonotonicRead,
            count: 1,
            ops: Some(vec![3, 4]),
        },
        Expect {
            name: "overlapping reads may disagree without going back in time",
            rows: vec![
                (1, W, 4, None, 0, Some(10), OK, 0, 1),
                (1, W, 4, None, 20, Some(30), OK, 0, 1),
                (9, R, 4, Some(2), 40, Some(65), OK, 1, 1),
                (9, R, 4, Some(1), 60, Some(70), OK, 2, 1),
            ],
            store: vec![(4, 2)],
            kind: AnomalyKind::MonotonicRead,
            count: 0,
            ops: None,
        },
        Expect {
            name: "an acknowledged write missing from the final state is lost",
            rows: vec![(1, W, 2, None, 0, Some(10), OK, 0, 1), (1, W, 2, None, 20, Some(30), OK, 0, 1)],
            store: vec![(2, 1)],
            kind: AnomalyKind::LostWrite,
            count: 1,
            ops: Some(vec![2]),
        },
        Expect {
            name: "a write overwritten by a later one is not lost",
            rows: vec![(1, W, 2, None, 0, Some(10), OK, 0, 1), (1, W, 2, None, 20, Some(30), OK, 0, 1)],
            store: vec![(2, 2)],
            kind: AnomalyKind::LostWrite,
            count: 0,
            ops: None,
        },
        Expect {
            name: "a write whose outcome is unknown may vanish",
            rows: vec![(1, W, 2, None, 0, Some(10), Outcome::Unknown, 0, 1)],
            store: vec![],
            kind: AnomalyKind::LostWrite,
            count: 0,
            ops: None,
        },
        Expect {
            name: "two primaries acknowledging at once",
            rows: vec![
                (1, W, 1, None, 0, Some(10), OK, 0, 1),
                (2, W, 2, None, 15, Some(20), OK, 1, 2),
                (1, W, 3, None, 25, Some(30), OK, 0, 1),
            ],
            store: vec![(1, 1), (2, 2), (3, 3)],
            kind: AnomalyKind::SplitBrain,
            count: 1,
            ops: Some(vec![2, 3]),
        },
        Expect {
            name: "a clean failover is not split brain",
            rows: vec![
                (1, W, 1, None, 0, Some(10), OK, 0, 1),
                (1, W, 3, None, 11, Some(12), OK, 0, 1),
                (2, W, 2, None, 15, Some(20), OK, 1, 2),
            ],
            store: vec![(1, 1), (2, 2), (3, 2)],
            kind: AnomalyKind::SplitBrain,
            count: 0,
            ops: None,
        },
    ]
}

#[test]
fn each_property_on_its_histories() {
    for case in cases() {
        let history = history(&case.rows);
        let state = final_state(&case.store);
        let report = check(&history, Some(&state), &AnomalyKind::all().collect::<Vec<_>>(), CheckParams::default());
        assert_eq!(report.count(case.kind), case.count, "{}: {:?}", case.name, report.findings);
        if let Some(ops) = case.ops {
            let finding = report.findings.iter().find(|f| f.kind == case.kind).expect("a finding");
            assert_eq!(finding.ops, ops, "{}", case.name);
            assert!(!finding.explanation.is_empty());
        }
    }
}

#[test]
fn every_checker_that_ran_reports_a_count() {
    let report = check(&history(&[]), None, &AnomalyKind::all().collect::<Vec<_>>(), CheckParams::default());
    for kind in AnomalyKind::all() {
        assert_eq!(report.counts.get(kind.name()), Some(&0), "{}", kind.name());
    }
}

#[test]
fn oversell_counts_units_sold_beyond_supply() {
    const O: OpKind = OpKind::Order;
    let rows: Vec<Row> = vec![
        (1, O, 9, None, 0, Some(5), OK, 0, 0),
        (2, O, 9, None, 1, Some(6), OK, 1, 0),
        (3, OpKind::Restock, 9, None, 2, Some(7), OK, 1, 0),
        (4, O, 9, None, 8, Some(9), OK, 0, 0),
        (5, O, 9, None, 10, Some(11), OK, 1, 0),
        (6, O, 9, None, 12, Some(13), Outcome::Fail, 1, 0),
    ];
    let params = CheckParams { initial_stock: 1, restock_units: 2, ..CheckParams::default() };
    let report = check(&history(&rows), None, &[AnomalyKind::Oversell], params);
    assert_eq!(report.count(AnomalyKind::Oversell), 1, "four sold, three supplied: {:?}", report.findings);
    assert_eq!(report.findings[0].ops, vec![5], "the last order sold a unit that never existed");
}

/// With the oldest operations dropped (the page keeps a window of the history), a restock
/// may be gone: counting supply without it would call a legitimate sale oversold. The
/// checker gives no verdict then; the page's quiet forks keep the whole history.
#[test]
fn oversell_gives_no_verdict_on_a_history_with_its_oldest_operations_dropped() {
    const O: OpKind = OpKind::Order;
    let rows: Vec<Row> = vec![
        (1, OpKind::Restock, 9, None, 0, Some(1), OK, 0, 0),
        (2, O, 9, None, 2, Some(3), OK, 0, 0),
        (3, O, 9, None, 4, Some(5), OK, 1, 0),
    ];
    let params = CheckParams { initial_stock: 1, restock_units: 1, ..CheckParams::default() };
    let whole = history(&rows);
    assert_eq!(
        check(&whole, None, &[AnomalyKind::Oversell], params).count(AnomalyKind::Oversell),
        0,
        "two supplied, two sold"
    );
    let mut window = History::new(2);
    for op in whole.iter() {
        window.push(op.clone());
    }
    assert_eq!(window.dropped(), 1, "the restock is gone");
    assert_eq!(
        check(&window, None, &[AnomalyKind::Oversell], params).count(AnomalyKind::Oversell),
        0,
        "no false oversell"
    );
}

#[test]
fn divergence_names_the_disagreeing_replicas() {
    let node = |name: &str, store: &[(u32, u64)], up: bool| FinalNode {
        up,
        ..FinalNode::new(name, Role::Replica, store.iter().copied().collect())
    };
    let state = FinalState {
        nodes: vec![
            node("mumbai", &[(1, 5), (2, 7)], true),
            node("delhi", &[(1, 5), (2, 6)], true),
            node("pune", &[], false),
        ],
        authoritative: None,
    };
    let report = check(&history(&[]), Some(&state), &[AnomalyKind::Divergence], CheckParams::default());
    assert_eq!(report.count(AnomalyKind::Divergence), 1, "{:?}", report.findings);
    assert!(report.findings[0].explanation.contains("mumbai") && report.findings[0].explanation.contains("delhi"));
}

/// A bank of accounts that started with ₹100 each, at the end of a run.
fn bank(balances: &[i64]) -> FinalState {
    let store = balances.iter().enumerate().map(|(key, balance)| (key as u32, *balance as u64)).collect();
    let initial = (0..balances.len()).map(|key| (key as u32, 100)).collect();
    FinalState {
        nodes: vec![FinalNode { initial, ..FinalNode::new("mumbai", Role::Primary, store) }],
        authoritative: Some(0),
    }
}

fn transfers(rows: &[(u64, u64, Outcome)]) -> History {
    let mut history = History::new(100);
    for (index, &(invoke, complete, outcome)) in rows.iter().enumerate() {
        let id = index as u64 + 1;
        history.push(Operation {
            id,
            client: 1,
            city: replica_core::geo::MUMBAI,
            node: Some(NodeId::new(0)),
            kind: OpKind::Transfer,
            key: 0,
            value: id,
            peer_key: 1,
            amount: replica_core::workload::transfer_amount(id),
            result: None,
            read_value: None,
            invoke_us: invoke,
            complete_us: Some(complete),
            outcome,
            epoch: Some(0),
            acked_us: Some(complete),
            fail_reason: None,
            served_role: None,
        });
    }
    history
}

#[test]
fn money_not_conserved_compares_the_total_with_the_deposits() {
    let params = CheckParams::default();
    let kinds = [AnomalyKind::MoneyNotConserved];
    let moved = check(&history(&[]), Some(&bank(&[50, 150, 100])), &kinds, params);
    assert_eq!(moved.count(AnomalyKind::MoneyNotConserved), 0, "transfers only move money");
    let lost = check(&history(&[]), Some(&bank(&[50, 100, 100])), &kinds, params);
    assert_eq!(lost.count(AnomalyKind::MoneyNotConserved), 1);
    assert!(lost.findings[0].explanation.contains("₹50 vanished"), "{}", lost.findings[0].explanation);
}

#[test]
fn negative_balance_names_reads_and_final_accounts_below_zero() {
    let rows: Vec<Row> =
        vec![(1, R, 0, Some(-40i64 as u64), 0, Some(5), OK, 0, 0), (1, R, 1, Some(30), 6, Some(9), OK, 0, 0)];
    let report =
        check(&history(&rows), Some(&bank(&[10, -5])), &[AnomalyKind::NegativeBalance], CheckParams::default());
    assert_eq!(report.count(AnomalyKind::NegativeBalance), 2, "{:?}", report.findings);
    assert_eq!(report.findings[0].ops, vec![1]);
    assert!(report.findings[1].explanation.contains("Account 1 ends at ₹-5"));
}

/// Gives each listed transfer its last-writer-wins result: its stamp and the balance it wrote
/// on each side, with the write it built on.
fn with_lww_results(history: &mut History, results: &[(u64, i64, [replica_core::protocol::LwwSide; 2])]) {
    for &(op, stamp_us, sides) in results {
        if let Some(entry) = history.get_mut(op) {
            entry.result = Some(Box::new(replica_core::protocol::OpResult::LwwTransfer { stamp_us, sides }));
        }
    }
}

#[test]
fn lww_discarded_finds_the_effects_missing_from_the_final_chain() {
    use replica_core::protocol::{LwwSide, StateExtras};
    // Transfers from account 0 to account 1, each starting at ₹100. #1 (acknowledged at 10,
    // its leader's clock ahead: stamped 50) is the final writer of both. #2 began at 20, after
    // #1, built on #1 and was stamped 30: it lost to an earlier write. #4 ran alongside #1,
    // built on the initial balances, stamped 40: concurrent. #3 was refused. #5 built on #1's
    // balance and stamped 60 would win — it is the final writer of account 1 only in the
    // second state below.
    let mut history = transfers(&[(0, 10, OK), (20, 30, OK), (25, 35, Outcome::Fail), (5, 12, OK), (40, 45, OK)]);
    let side = |account, balance, basis| LwwSide { account, balance, basis };
    let results = [
        (1, 50, [side(0, 90, 0), side(1, 110, 0)]),
        (2, 30, [side(0, 70, 1), side(1, 130, 1)]),
        (4, 40, [side(0, 80, 0), side(1, 120, 0)]),
        (5, 60, [side(0, 85, 1), side(1, 115, 1)]),
    ];
    with_lww_results(&mut history, &results);
    let node = |balances: [u64; 2], versions: [u64; 2]| FinalNode {
        initial: [(0, 100), (1, 100)].into_iter().collect(),
        extras: StateExtras {
            versions: [(0, versions[0]), (1, versions[1])].into_iter().collect(),
            ..StateExtras::default()
        },
        ..FinalNode::new("mumbai", Role::Primary, [(0, balances[0]), (1, balances[1])].into_iter().collect())
    };
    let kinds = [AnomalyKind::LwwDiscarded];
    // #5 wins both accounts: #2 and #4 are gone from both (four effects), #1 is in both chains.
    let state = FinalState { nodes: vec![node([85, 115], [5, 5])], authoritative: Some(0) };
    let report = check(&history, Some(&state), &kinds, CheckParams::default());
    let lost = finding_ops(&report);
    assert_eq!(lost, vec![vec![4, 1], vec![4, 1], vec![2, 1], vec![2, 1]], "{:?}", report.findings);
    assert!(
        report.findings[2].explanation.contains("a later write lost to an earlier one"),
        "{}",
        report.findings[2].explanation
    );
    assert!(report.findings[0].explanation.contains("concurrent"), "{}", report.findings[0].explanation);
    // A final balance that no chain explains (₹1 off) is not judged at all.
    let odd = FinalState { nodes: vec![node([84, 115], [5, 5])], authoritative: Some(0) };
    let report = check(&history, Some(&odd), &kinds, CheckParams::default());
    assert_eq!(report.count(AnomalyKind::LwwDiscarded), 2, "account 1 only: {:?}", report.findings);
}

#[test]
fn two_leaders_same_term_names_the_first_write_of_each() {
    // Two nodes acknowledge in term 2; a third write in term 3 alone is fine.
    let rows: Vec<Row> = vec![
        (1, W, 1, None, 0, Some(5), OK, 0, 2),
        (2, W, 1, None, 1, Some(6), OK, 1, 2),
        (3, W, 1, None, 7, Some(9), OK, 1, 3),
    ];
    let report = check(&history(&rows), None, &[AnomalyKind::TwoLeadersSameTerm], CheckParams::default());
    assert_eq!(report.count(AnomalyKind::TwoLeadersSameTerm), 1, "{:?}", report.findings);
    assert_eq!(report.findings[0].ops, vec![1, 2]);
}

#[test]
fn atomicity_finds_a_split_decision_and_an_unsettled_acknowledgement_but_not_doubt() {
    use replica_core::protocol::{Posting, StateExtras};
    // Transfers move their amount from account 0 (bank-a) to account 1 (bank-b).
    let history = transfers(&[
        (0, 10, OK),
        (1, 11, Outcome::Fail),
        (2, 12, Outcome::Unknown),
        (3, 13, OK),
        (4, 14, OK),
        (5, 15, Outcome::Fail),
        (6, 16, Outcome::Unknown),
    ]);
    let amount = |op: u64| replica_core::workload::transfer_amount(op);
    let out = |op: u64| Posting { account: 0, op, delta: -amount(op) };
    let into = |op: u64| Posting { account: 1, op, delta: amount(op) };
    let bank = |name: &str, ledger: Vec<Posting>, held: Vec<Posting>| FinalNode {
        extras: StateExtras { ledger, held, ..StateExtras::default() },
        ..FinalNode::new(name, Role::Primary, BTreeMap::new())
    };
    // #1 applied at both; #2 refused but applied at bank-a only (split); #3 unanswered,
    // applied at bank-a and held in doubt at bank-b (in flight, not a violation); #4
    // acknowledged but applied nowhere; #5 applied with the wrong amount at bank-b; #6
    // refused and #7 unanswered, both applied and held nowhere (all or nothing: nothing).
    let wrong = Posting { account: 1, op: 5, delta: amount(5) + 1 };
    let state = FinalState {
        nodes: vec![
            bank("bank-a", vec![out(1), out(2), out(3), out(5)], Vec::new()),
            bank("bank-b", vec![into(1), wrong], vec![into(3)]),
        ],
        authoritative: None,
    };
    let params = CheckParams { accounts_partitioned: true, ..CheckParams::default() };
    let report = check(&history, Some(&state), &[AnomalyKind::Atomicity], params);
    let ops = finding_ops(&report);
    assert_eq!(ops, vec![vec![2], vec![4], vec![5]], "{:?}", report.findings);
    assert!(report.findings[0].explanation.contains("refused to the client but is applied at bank-a"));
    assert!(report.findings[2].explanation.contains("not ₹"), "{}", report.findings[2].explanation);
}

#[test]
fn money_in_flight_between_banks_is_not_money_lost() {
    use replica_core::protocol::{Posting, StateExtras};
    // bank-a holds account 0, bank-b account 1.
    let bank = |name: &str, initial: i64, balance: i64, ledger: Vec<Posting>, held: Vec<Posting>| {
        let account = u32::from(name == "bank-b");
        FinalNode {
            initial: [(account, initial as u64)].into_iter().collect(),
            extras: StateExtras { ledger, held, ..StateExtras::default() },
            ..FinalNode::new(name, Role::Primary, [(account, balance as u64)].into_iter().collect())
        }
    };
    let params = CheckParams { accounts_partitioned: true, ..CheckParams::default() };
    let kinds = [AnomalyKind::MoneyNotConserved];
    // Transfer #7 of ₹30: applied at bank-a (100 → 70), held in doubt at bank-b (still 100).
    let in_flight = FinalState {
        nodes: vec![
            bank("bank-a", 100, 70, vec![Posting { account: 0, op: 7, delta: -30 }], Vec::new()),
            bank("bank-b", 100, 100, Vec::new(), vec![Posting { account: 1, op: 7, delta: 30 }]),
        ],
        authoritative: None,
    };
    let report = check(&history(&[]), Some(&in_flight), &kinds, params);
    assert_eq!(report.count(AnomalyKind::MoneyNotConserved), 0, "{:?}", report.findings);
    // The same, with nothing held at bank-b: ₹30 vanished, and both banks are named.
    let lost = FinalState {
        nodes: vec![
            bank("bank-a", 100, 70, vec![Posting { account: 0, op: 7, delta: -30 }], Vec::new()),
            bank("bank-b", 100, 100, Vec::new(), Vec::new()),
        ],
        authoritative: None,
    };
    let report = check(&history(&[]), Some(&lost), &kinds, params);
    assert_eq!(report.count(AnomalyKind::MoneyNotConserved), 1, "{:?}", report.findings);
    let text = &report.findings[0].explanation;
    assert!(text.contains("bank-a and bank-b") && text.contains("₹30 vanished"), "{text}");
    // A balance that moved without a statement line: the statement does not add up.
    let silent = FinalState {
        nodes: vec![bank("bank-a", 100, 60, vec![Posting { account: 0, op: 7, delta: -30 }], Vec::new())],
        authoritative: None,
    };
    let report = check(&history(&[]), Some(&silent), &kinds, params);
    assert!(
        report.findings.iter().any(|f| f.explanation.contains("its statement (#7) makes it ₹70")),
        "{:?}",
        report.findings
    );
}

/// The checker table is in `AnomalyKind` order (a kind finds its row by position), and
/// every name is unique and snake_case.
#[test]
fn the_checker_table_has_one_row_per_kind_in_order() {
    use replica_core::check::CHECKERS;
    for (index, spec) in CHECKERS.iter().enumerate() {
        assert_eq!(spec.kind as usize, index, "row {index} is {:?}", spec.kind);
        assert_eq!(AnomalyKind::from_name(spec.name), Some(spec.kind));
        assert!(spec.name.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{}", spec.name);
        assert!(spec.meaning.en.ends_with('.'), "{}", spec.name);
    }
}

#[test]
fn uncommitted_effect_finds_lost_commits_refused_effects_and_balances_off_their_statements() {
    use replica_core::protocol::{Posting, StateExtras};
    // Transfers from account 0 to account 1: #1 acknowledged and posted; #2 acknowledged and
    // missing; #3 refused but posted; #4 of unknown outcome, posted whole (fine).
    let history = transfers(&[(0, 10, OK), (1, 11, OK), (2, 12, Outcome::Fail), (3, 13, Outcome::Unknown)]);
    let amount = |op: u64| replica_core::workload::transfer_amount(op);
    let both =
        |op: u64| [Posting { account: 0, op, delta: -amount(op) }, Posting { account: 1, op, delta: amount(op) }];
    let ledger: Vec<Posting> = [1, 3, 4].into_iter().flat_map(both).collect();
    let balance = |account: u32| {
        let posted: i64 = ledger.iter().filter(|p| p.account == account).map(|p| p.delta).sum();
        (1_000_000 + posted) as u64
    };
    let node = |balances: [u64; 2]| FinalNode {
        initial: [(0, 1_000_000), (1, 1_000_000)].into_iter().collect(),
        extras: StateExtras { ledger: ledger.clone(), ..StateExtras::default() },
        ..FinalNode::new("primary", Role::Primary, [(0, balances[0]), (1, balances[1])].into_iter().collect())
    };
    let kinds = [AnomalyKind::UncommittedEffect];
    let state = FinalState::of(vec![node([balance(0), balance(1)])]);
    let report = check(&history, Some(&state), &kinds, CheckParams::default());
    let ops = finding_ops(&report);
    assert_eq!(ops, vec![vec![2], vec![3]], "{:?}", report.findings);
    assert!(report.findings[0].explanation.contains("acknowledged but is missing"));
    // A balance that moved without a statement line.
    let state = FinalState::of(vec![node([balance(0) - 1, balance(1)])]);
    let report = check(&history, Some(&state), &kinds, CheckParams::default());
    assert!(report.findings.iter().any(|f| f.explanation.contains("its statement")), "{:?}", report.findings);
}

/// A hand-written run for one checker: what it is given, and what it must report.
struct Example {
    history: History,
    state: FinalState,
    params: CheckParams,
    /// Findings expected (0 for the close call it must stay silent on).
    count: u64,
    /// The operations the first finding must name (empty: it names none, or none is expected).
    ops: Vec<u64>,
}

impl Example {
    fn rows(rows: &[Row], store: &[(u32, u64)], count: u64, ops: &[u64]) -> Self {
        Example {
            history: history(rows),
            state: final_state(store),
            params: CheckParams::default(),
            count,
            ops: ops.to_vec(),
        }
    }
}

/// For every checker, a history that makes it fire and a close call it must stay silent on.
/// A checker without them makes `every_checker_fires_on_its_example_and_stays_silent_on_a_close_call`
/// fail: add both when adding a checker.
fn examples(kind: AnomalyKind) -> Option<(Example, Example)> {
    use replica_core::protocol::{LwwSide, OpResult, Posting, StateExtras};
    use replica_core::self_report::{ScalingLog, SelfReport};
    let amount = replica_core::workload::transfer_amount;
    let bank =
        |name: &str, ledger: Vec<Posting>, held: Vec<Posting>, balances: [(u32, u64); 1], initial: u64| FinalNode {
            initial: [(balances[0].0, initial)].into_iter().collect(),
            extras: StateExtras { ledger, held, ..StateExtras::default() },
            ..FinalNode::new(name, Role::Primary, balances.into_iter().collect())
        };
    let partitioned = CheckParams { accounts_partitioned: true, ..CheckParams::default() };
    Some(match kind {
        AnomalyKind::StaleRead => (
            Example::rows(
                &[(1, W, 7, None, 0, Some(10), OK, 0, 1), (3, R, 7, Some(0), 40, Some(50), OK, 1, 1)],
                &[(7, 1)],
                1,
                &[2, 1],
            ),
            Example::rows(
                &[(1, W, 7, None, 0, Some(45), OK, 0, 1), (3, R, 7, Some(0), 40, Some(50), OK, 1, 1)],
                &[(7, 1)],
                0,
                &[],
            ),
        ),
        AnomalyKind::LostWrite => (
            Example::rows(
                &[(1, W, 2, None, 0, Some(10), OK, 0, 1), (1, W, 2, None, 20, Some(30), OK, 0, 1)],
                &[(2, 1)],
                1,
                &[2],
            ),
            Example::rows(
                &[(1, W, 2, None, 0, Some(10), OK, 0, 1), (1, W, 2, None, 5, Some(30), OK, 0, 1)],
                &[(2, 1)],
                0,
                &[],
            ),
        ),
        AnomalyKind::ReadYourWrites => (
            Example::rows(
                &[(5, W, 1, None, 0, Some(10), OK, 0, 1), (5, R, 1, Some(0), 20, Some(30), OK, 1, 1)],
                &[(1, 1)],
                1,
                &[1, 2],
            ),
            Example::rows(
                &[(5, W, 1, None, 0, Some(10), OK, 0, 1), (6, R, 1, Some(0), 20, Some(30), OK, 1, 1)],
                &[(1, 1)],
                0,
                &[],
            ),
        ),
        AnomalyKind::MonotonicRead => {
            let base = [(1, W, 4, None, 0, Some(10), OK, 0, 1), (1, W, 4, None, 20, Some(30), OK, 0, 1)];
            let later = |first_done: u64| {
                let mut rows = base.to_vec();
                rows.extend([
                    (9, R, 4, Some(2), 40, Some(first_done), OK, 1, 1),
                    (9, R, 4, Some(1), 60, Some(70), OK, 2, 1),
                ]);
                rows
            };
            (Example::rows(&later(50), &[(4, 2)], 1, &[3, 4]), Example::rows(&later(65), &[(4, 2)], 0, &[]))
        }
        AnomalyKind::SplitBrain => (
            Example::rows(
                &[
                    (1, W, 1, None, 0, Some(10), OK, 0, 1),
                    (2, W, 2, None, 15, Some(20), OK, 1, 2),
                    (1, W, 3, None, 25, Some(30), OK, 0, 1),
                ],
                &[],
                1,
                &[2, 3],
            ),
            Example::rows(
                &[
                    (1, W, 1, None, 0, Some(10), OK, 0, 1),
                    (1, W, 3, None, 11, Some(12), OK, 0, 1),
                    (2, W, 2, None, 15, Some(20), OK, 1, 2),
                ],
                &[],
                0,
                &[],
            ),
        ),
        AnomalyKind::TwoLeadersSameTerm => (
            Example::rows(
                &[(1, W, 1, None, 0, Some(5), OK, 0, 2), (2, W, 1, None, 1, Some(6), OK, 1, 2)],
                &[],
                1,
                &[1, 2],
            ),
            Example::rows(&[(1, W, 1, None, 0, Some(5), OK, 0, 2), (2, W, 1, None, 1, Some(6), OK, 1, 3)], &[], 0, &[]),
        ),
        AnomalyKind::Nonlinearizable => (
            Example::rows(
                &[(1, W, 3, None, 0, Some(10), OK, 0, 1), (2, R, 3, Some(0), 20, Some(30), OK, 1, 1)],
                &[],
                1,
                &[1, 2],
            ),
            Example::rows(
                &[(1, W, 3, None, 0, Some(25), OK, 0, 1), (2, R, 3, Some(0), 20, Some(30), OK, 1, 1)],
                &[],
                0,
                &[],
            ),
        ),
        AnomalyKind::Divergence => {
            let node = |name: &str, value: u64| FinalNode::new(name, Role::Replica, [(1, value)].into_iter().collect());
            let state = |values: [u64; 2]| FinalState {
                nodes: vec![node("mumbai", values[0]), node("delhi", values[1])],
                authoritative: None,
            };
            let example = |values, count| Example {
                history: history(&[]),
                state: state(values),
                params: CheckParams::default(),
                count,
                ops: Vec::new(),
            };
            (example([5, 6], 1), example([5, 5], 0))
        }
        AnomalyKind::Oversell => {
            const O: OpKind = OpKind::Order;
            let mut rows: Vec<Row> = vec![(1, O, 9, None, 0, Some(5), OK, 0, 0), (2, O, 9, None, 1, Some(6), OK, 1, 0)];
            let mut history_of = |extra: Option<Row>| {
                rows.extend(extra);
                let mut history = history(&rows);
                for id in 1..=rows.len() as u64 {
                    if let Some(op) = history.get_mut(id) {
                        op.amount = 1;
                    }
                }
                history
            };
            let params = CheckParams { initial_stock: 1, ..CheckParams::default() };
            let sold_out = history_of(None);
            let refused = history_of(Some((3, O, 9, None, 7, Some(8), Outcome::Fail, 1, 0)));
            (
                Example { history: sold_out, state: final_state(&[]), params, count: 1, ops: vec![2] },
                Example {
                    history: refused,
                    state: final_state(&[]),
                    params: CheckParams { initial_stock: 2, ..params },
                    count: 0,
                    ops: Vec::new(),
                },
            )
        }
        AnomalyKind::NegativeBalance => {
            let rows = |balance: i64| vec![(1, R, 0, Some(balance as u64), 0, Some(5), OK, 0, 0)];
            (Example::rows(&rows(-40), &[(0, 10)], 1, &[1]), Example::rows(&rows(0), &[(0, 10)], 0, &[]))
        }
        AnomalyKind::MoneyNotConserved => {
            let held = [Posting { account: 1, op: 7, delta: 30 }];
            let state = |held: &[Posting]| FinalState {
                nodes: vec![
                    bank("bank-a", vec![Posting { account: 0, op: 7, delta: -30 }], Vec::new(), [(0, 70)], 100),
                    bank("bank-b", Vec::new(), held.to_vec(), [(1, 100)], 100),
                ],
                authoritative: None,
            };
            (
                Example { history: history(&[]), state: state(&[]), params: partitioned, count: 1, ops: Vec::new() },
                Example { history: history(&[]), state: state(&held), params: partitioned, count: 0, ops: Vec::new() },
            )
        }
        AnomalyKind::Atomicity => {
            let history = transfers(&[(0, 10, OK)]);
            let out = Posting { account: 0, op: 1, delta: -amount(1) };
            let into = Posting { account: 1, op: 1, delta: amount(1) };
            let state = |b: Vec<Posting>| FinalState {
                nodes: vec![
                    bank("bank-a", vec![out], Vec::new(), [(0, 0)], 0),
                    bank("bank-b", b, Vec::new(), [(1, 0)], 0),
                ],
                authoritative: None,
            };
            (
                Example {
                    history: history.clone(),
                    state: state(Vec::new()),
                    params: partitioned,
                    count: 1,
                    ops: vec![1],
                },
                Example { history, state: state(vec![into]), params: partitioned, count: 0, ops: Vec::new() },
            )
        }
        AnomalyKind::UncommittedEffect => {
            let history = transfers(&[(0, 10, OK)]);
            let both =
                vec![Posting { account: 0, op: 1, delta: -amount(1) }, Posting { account: 1, op: 1, delta: amount(1) }];
            let node = |ledger: Vec<Posting>, balances: [u64; 2]| FinalNode {
                initial: [(0, 10_000), (1, 10_000)].into_iter().collect(),
                extras: StateExtras { ledger, ..StateExtras::default() },
                ..FinalNode::new("primary", Role::Primary, [(0, balances[0]), (1, balances[1])].into_iter().collect())
            };
            let moved = [(10_000 - amount(1)) as u64, (10_000 + amount(1)) as u64];
            (
                Example {
                    history: history.clone(),
                    state: FinalState::of(vec![node(Vec::new(), [10_000, 10_000])]),
                    params: CheckParams::default(),
                    count: 1,
                    ops: vec![1],
                },
                Example {
                    history,
                    state: FinalState::of(vec![node(both, moved)]),
                    params: CheckParams::default(),
                    count: 0,
                    ops: Vec::new(),
                },
            )
        }
        AnomalyKind::LwwDiscarded => {
            let mut history = transfers(&[(0, 10, OK), (5, 12, OK)]);
            let side = |account, balance, basis| LwwSide { account, balance, basis };
            for (op, stamp_us, sides) in
                [(1, 50, [side(0, 90, 0), side(1, 110, 0)]), (2, 40, [side(0, 80, 0), side(1, 120, 0)])]
            {
                if let Some(entry) = history.get_mut(op) {
                    entry.result = Some(Box::new(OpResult::LwwTransfer { stamp_us, sides }));
                }
            }
            let node = |versions: [(u32, u64); 2], balances: [(u32, u64); 2]| FinalNode {
                initial: [(0, 100), (1, 100)].into_iter().collect(),
                extras: StateExtras { versions: versions.into_iter().collect(), ..StateExtras::default() },
                ..FinalNode::new("mumbai", Role::Primary, balances.into_iter().collect())
            };
            // #1 wins both accounts: #2 is gone from both. A silent close call: #2 is not on
            // the chain of an account whose balance no chain explains (not judged).
            let lost = FinalState::of(vec![node([(0, 1), (1, 1)], [(0, 90), (1, 110)])]);
            let unexplained = FinalState::of(vec![node([(0, 1), (1, 1)], [(0, 91), (1, 111)])]);
            (
                Example {
                    history: history.clone(),
                    state: lost,
                    params: CheckParams::default(),
                    count: 2,
                    ops: vec![2, 1],
                },
                Example { history, state: unexplained, params: CheckParams::default(), count: 0, ops: Vec::new() },
            )
        }
        AnomalyKind::WriteSkew => {
            // Withdrawals from a joint account (accounts 0 and 1): each reads both halves at
            // their initial version and writes its own half.
            let skew = |second_reads_after_first: bool| {
                let mut history = transfers(&[(0, 10, OK), (2, 12, OK)]);
                let reads_1 = if second_reads_after_first {
                    vec![(0, 90, 1), (1, 100, 0)]
                } else {
                    vec![(0, 100, 0), (1, 100, 0)]
                };
                let results = [
                    (1, OpResult::Transaction { reads: vec![(0, 100, 0), (1, 100, 0)], writes: vec![(0, 90)] }),
                    (2, OpResult::Transaction { reads: reads_1, writes: vec![(1, 90)] }),
                ];
                for (op, result) in results {
                    if let Some(entry) = history.get_mut(op) {
                        entry.kind = OpKind::Withdraw;
                        entry.result = Some(Box::new(result));
                    }
                }
                history
            };
            (
                Example {
                    history: skew(false),
                    state: final_state(&[]),
                    params: CheckParams::default(),
                    count: 1,
                    ops: vec![1, 2],
                },
                Example {
                    history: skew(true),
                    state: final_state(&[]),
                    params: CheckParams::default(),
                    count: 0,
                    ops: Vec::new(),
                },
            )
        }
        AnomalyKind::DuplicateApply => {
            let consumer = |ledger: Vec<Posting>, value: u64| FinalNode {
                extras: StateExtras { ledger, ..StateExtras::default() },
                ..FinalNode::new("bangalore", Role::Replica, [(3, value)].into_iter().collect())
            };
            let once = Posting { account: 3, op: 8, delta: 5 };
            (
                Example {
                    history: history(&[]),
                    // Applied twice, and the counter holds one more than its record says.
                    state: FinalState::of(vec![consumer(vec![once, once], 11)]),
                    params: CheckParams::default(),
                    count: 2,
                    ops: vec![8],
                },
                Example {
                    history: history(&[]),
                    state: FinalState::of(vec![consumer(vec![once], 5)]),
                    params: CheckParams::default(),
                    count: 0,
                    ops: Vec::new(),
                },
            )
        }
        AnomalyKind::UnreadyRead => {
            let rows: Vec<Row> = vec![(1, R, 2, Some(0), 0, Some(10), OK, 1, 0)];
            let replica = |intervals: Vec<(u64, u64)>| FinalNode {
                report: Some(SelfReport::Scaling(ScalingLog { serving_intervals: intervals, ..ScalingLog::default() })),
                ..FinalNode::new("delhi-1", Role::Replica, BTreeMap::new())
            };
            let state = |intervals| FinalState {
                nodes: vec![FinalNode::new("mumbai", Role::Primary, BTreeMap::new()), replica(intervals)],
                authoritative: Some(0),
            };
            // The read was answered at 10 µs (acked_us is its completion here).
            (
                Example {
                    history: history(&rows),
                    state: state(vec![(20, 100)]),
                    params: CheckParams::default(),
                    count: 1,
                    ops: vec![1],
                },
                Example {
                    history: history(&rows),
                    state: state(vec![(5, 100)]),
                    params: CheckParams::default(),
                    count: 0,
                    ops: Vec::new(),
                },
            )
        }
    })
}

#[test]
fn every_checker_fires_on_its_example_and_stays_silent_on_a_close_call() {
    let mut missing = Vec::new();
    for spec in replica_core::check::CHECKERS {
        let Some((firing, silent)) = examples(spec.kind) else {
            missing.push(spec.name);
            continue;
        };
        let report = check(&firing.history, Some(&firing.state), &[spec.kind], firing.params);
        assert_eq!(report.count(spec.kind), firing.count, "{} fires: {:?}", spec.name, report.findings);
        assert!(report.findings.iter().all(|f| f.kind == spec.kind), "{}: {:?}", spec.name, report.findings);
        let first = report.findings.first().unwrap_or_else(|| panic!("{} names a finding", spec.name));
        assert_eq!(first.ops, firing.ops, "{}: {}", spec.name, first.explanation);
        assert!(
            first.explanation.ends_with('.') && first.explanation.len() > 20,
            "{}: {}",
            spec.name,
            first.explanation
        );
        let report = check(&silent.history, Some(&silent.state), &[spec.kind], silent.params);
        assert_eq!(report.count(spec.kind), silent.count, "{} stays silent: {:?}", spec.name, report.findings);
    }
    assert!(missing.is_empty(), "checkers without a firing and a silent example: {missing:?}");
}

/// The monitor's oracle: an alert raised and cleared faster than the hysteresis allows is
/// reported; the same pair spaced as the rules require is not.
#[test]
fn the_hysteresis_oracle_rejects_a_flapping_pair() {
    use replica_core::monitor::{hysteresis_respected, AlertEvent, AlertRule, MonitorConfig};
    let config = MonitorConfig::banking();
    let interval_ms = config.interval_us / 1000;
    let event = |t_ms: u64, raised: bool| AlertEvent {
        t_ms,
        node: "delhi".to_string(),
        region: "delhi",
        rule: AlertRule::CriticalLag,
        raised,
        value: 0.0,
        threshold: 0.0,
    };
    let clear_after = u64::from(config.clear_after) * interval_ms;
    let flapping = [event(1_000, true), event(1_000 + clear_after - 1, false)];
    assert!(hysteresis_respected(&config, &flapping).is_err(), "a clear too soon after the raise");
    let spaced = [event(1_000, true), event(1_000 + clear_after, false)];
    assert_eq!(hysteresis_respected(&config, &spaced), Ok(()));
    let twice = [event(1_000, true), event(9_000, true)];
    assert!(hysteresis_respected(&config, &twice).is_err(), "raised twice without a clear");
}

/// The table's accessors say what the table says; the live check runs exactly the checkers that
/// need no quiet run; the node answering for the system is the primary of the highest epoch,
/// a running one first.
#[test]
fn the_table_s_accessors_the_live_set_and_the_authoritative_node() {
    let kinds: Vec<AnomalyKind> = AnomalyKind::all().collect();
    assert_eq!(kinds.len(), replica_core::check::CHECKERS.len());
    for kind in &kinds {
        let spec = kind.spec();
        assert_eq!(
            (kind.name(), kind.meaning(), kind.needs_quiescence()),
            (spec.name, spec.meaning.en, spec.needs_quiescence)
        );
        assert_eq!(kind.checked_live(), !spec.needs_quiescence, "{}", spec.name);
    }
    assert!(AnomalyKind::LostWrite.needs_quiescence() && AnomalyKind::Divergence.needs_quiescence());
    assert!(!AnomalyKind::StaleRead.needs_quiescence() && !AnomalyKind::Nonlinearizable.needs_quiescence());
    assert!(AnomalyKind::StaleRead.meaning().starts_with("A read returned an older value"));
    let mut hdfc =
        replica_core::scenario::build(replica_core::scenario::ScenarioConfig::new("hdfc", 1)).expect("builds");
    hdfc.run_until(500_000);
    let live = hdfc.live_checkers();
    assert!(live.contains(&AnomalyKind::StaleRead) && !live.contains(&AnomalyKind::LostWrite), "{live:?}");
    let (report, _) = hdfc.check_live();
    assert!(report.counts.contains_key("stale_read") && !report.counts.contains_key("lost_write"));
    // The node answering for the system.
    let node = |role: Role, epoch: u64, up: bool| FinalNode { epoch, up, ..FinalNode::new("n", role, BTreeMap::new()) };
    let nodes = vec![
        node(Role::Replica, 9, true),
        node(Role::Primary, 2, true),
        node(Role::Primary, 3, false),
        node(Role::Primary, 3, true),
        node(Role::Primary, 3, true),
    ];
    assert_eq!(FinalState::authoritative_of(&nodes), Some(3), "highest epoch, running, first on a tie");
    assert_eq!(FinalState::authoritative_of(&nodes[..1]), None, "no primary, no answer");
}

/// Every finding of every checker's firing example, word for word: the explanation is the
/// proof a reader is given, so a change to it is a change to what the page and `run --json`
/// say (a snapshot; after a deliberate change, `UPDATE_SNAPSHOTS=1 cargo test -p
/// replica-core --test checkers` rewrites `tests/snapshots/explanations.txt`, to be read
/// before it is committed).
#[test]
fn every_checker_explains_its_example_word_for_word() {
    let mut text = String::new();
    for spec in replica_core::check::CHECKERS {
        let Some((firing, _)) = examples(spec.kind) else { continue };
        let report = check(&firing.history, Some(&firing.state), &[spec.kind], firing.params);
        for finding in &report.findings {
            text.push_str(&format!("{} {:?}: {}\n", spec.name, finding.ops, finding.explanation));
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots/explanations.txt");
        std::fs::write(path, &text).unwrap_or_else(|e| panic!("{path}: {e}"));
        return;
    }
    assert_eq!(text, include_str!("snapshots/explanations.txt"), "the explanations changed");
}

/// Split brain at its boundaries: reigns that touch at one microsecond overlap (both nodes
/// were acknowledging then), whichever node's id is lower; a reign's first and last
/// acknowledgements are the earliest-recorded writes at those microseconds, and a finding
/// names the later reign's first write and the earlier reign's last.
#[test]
fn split_brain_at_its_boundaries() {
    let split = |rows: &[Row]| check(&history(rows), None, &[AnomalyKind::SplitBrain], CheckParams::default());
    // Acknowledged at (complete − 1): node 0 in epoch 1 at 10 and 20 (twice), node 1 in epoch 2
    // from 20 (twice) to 30.
    let touching = |old: usize, new: usize| -> Vec<Row> {
        vec![
            (1, W, 1, None, 0, Some(11), OK, old, 1),
            (1, W, 1, None, 0, Some(21), OK, old, 1),
            (2, W, 2, None, 0, Some(21), OK, new, 2),
            (2, W, 2, None, 0, Some(21), OK, new, 2),
            (1, W, 1, None, 0, Some(21), OK, old, 1),
            (2, W, 2, None, 0, Some(31), OK, new, 2),
        ]
    };
    for (old, new) in [(0, 1), (1, 0)] {
        let report = split(&touching(old, new));
        assert_eq!(
            report.count(AnomalyKind::SplitBrain),
            1,
            "touching reigns overlap ({old} → {new}): {:?}",
            report.findings
        );
        assert_eq!(report.findings[0].ops, vec![3, 2], "the new reign's first write, the old one's last");
    }
    // Apart by one microsecond: no overlap.
    let mut apart = touching(0, 1);
    apart[2].5 = Some(22);
    apart[3].5 = Some(22);
    assert_eq!(split(&apart).count(AnomalyKind::SplitBrain), 0, "{:?}", split(&apart).findings);
    // Reigns starting at the same microsecond: the one listed first (lower node id) is the
    // earlier.
    let same_start: Vec<Row> = vec![
        (1, W, 1, None, 0, Some(11), OK, 0, 1),
        (2, W, 2, None, 0, Some(11), OK, 1, 2),
        (1, W, 1, None, 0, Some(21), OK, 0, 1),
    ];
    let report = split(&same_start);
    assert_eq!(finding_ops(&report), vec![vec![2, 3]], "{:?}", report.findings);
}

/// Monotonic reads at their boundaries: a read is "earlier" only if it completed strictly
/// before the later one began; a value is older only if its write was answered strictly
/// before the newer value's write began; reading the initial value twice is no regression;
/// of two earlier reads of the same value, the first is named.
#[test]
fn monotonic_reads_at_their_boundaries() {
    let monotonic = |rows: &[Row]| {
        let report = check(&history(rows), None, &[AnomalyKind::MonotonicRead], CheckParams::default());
        finding_ops(&report)
    };
    // Write #1 acknowledged at 9; write #2 begins at 20. Client 9 reads #2, then #1.
    let regression = |second_invoke: u64| -> Vec<Row> {
        vec![
            (1, W, 4, None, 0, Some(10), OK, 0, 1),
            (2, W, 4, None, 20, Some(30), OK, 0, 1),
            (9, R, 4, Some(2), 31, Some(40), OK, 1, 1),
            (9, R, 4, Some(1), second_invoke, Some(50), OK, 1, 1),
        ]
    };
    assert_eq!(monotonic(&regression(41)), vec![vec![3, 4]], "a regression");
    assert!(monotonic(&regression(40)).is_empty(), "begun as the first read ended: not after it");
    // Write #1 answered at exactly the moment write #2 began: not older.
    let mut touching = regression(41);
    touching[0].5 = Some(20);
    assert!(monotonic(&touching).is_empty(), "answered as the newer write began: not older");
    touching[0].5 = Some(19);
    assert_eq!(monotonic(&touching), vec![vec![3, 4]], "answered just before it began: older");
    // The initial value, read twice.
    let initial: Vec<Row> = vec![(9, R, 4, Some(0), 0, Some(10), OK, 1, 1), (9, R, 4, Some(0), 20, Some(30), OK, 1, 1)];
    assert!(monotonic(&initial).is_empty(), "the initial value twice is no regression");
    // Two earlier reads of the same value: the first is named.
    let twice: Vec<Row> = vec![
        (1, W, 4, None, 0, Some(10), OK, 0, 1),
        (2, W, 4, None, 20, Some(30), OK, 0, 1),
        (9, R, 4, Some(2), 31, Some(35), OK, 1, 1),
        (9, R, 4, Some(2), 32, Some(36), OK, 1, 1),
        (9, R, 4, Some(1), 41, Some(50), OK, 1, 1),
    ];
    assert_eq!(monotonic(&twice), vec![vec![3, 5]]);
    // Of earlier reads, the newest value counts: #1, then #2, then #1 again regresses from #2;
    // and #2 then the initial value regresses too.
    let newest: Vec<Row> = vec![
        (1, W, 4, None, 0, Some(10), OK, 0, 1),
        (2, W, 4, None, 20, Some(30), OK, 0, 1),
        (9, R, 4, Some(1), 31, Some(35), OK, 1, 1),
        (9, R, 4, Some(2), 36, Some(40), OK, 1, 1),
        (9, R, 4, Some(1), 41, Some(50), OK, 1, 1),
        (9, R, 4, Some(0), 51, Some(60), OK, 1, 1),
    ];
    assert_eq!(monotonic(&newest), vec![vec![4, 5], vec![4, 6]]);
}

/// Two leaders in one term, at its boundaries: each node's first acknowledgement in the term
/// is its earliest (the first recorded of equal ones), and the finding names the two
/// earliest leaders' first writes in time order.
#[test]
fn two_leaders_in_one_term_name_their_earliest_writes() {
    let rows: Vec<Row> = vec![
        (1, W, 1, None, 0, Some(21), OK, 0, 2),
        (1, W, 1, None, 0, Some(11), OK, 0, 2),
        (1, W, 1, None, 0, Some(11), OK, 0, 2),
        (2, W, 2, None, 0, Some(16), OK, 1, 2),
    ];
    let report = check(&history(&rows), None, &[AnomalyKind::TwoLeadersSameTerm], CheckParams::default());
    assert_eq!(finding_ops(&report), vec![vec![2, 4]], "{:?}", report.findings);
}

/// The linearizability search reports what it covered: keys with an operation, keys that
/// failed, keys it could not decide.
#[test]
fn the_linearizability_report_counts_keys_covered_and_failed() {
    let rows: Vec<Row> = vec![
        // Key 3: a read of the initial value after a write was acknowledged: not linearizable.
        (1, W, 3, None, 0, Some(10), OK, 0, 1),
        (2, R, 3, Some(0), 20, Some(30), OK, 0, 1),
        // Keys 5 and 6: fine.
        (1, W, 5, None, 0, Some(10), OK, 0, 1),
        (2, R, 5, Some(3), 20, Some(30), OK, 0, 1),
        (2, R, 6, Some(0), 20, Some(30), OK, 0, 1),
    ];
    let report = check(&history(&rows), None, &[AnomalyKind::Nonlinearizable], CheckParams::default());
    let covered = report.linearizability.expect("the search ran");
    assert_eq!((covered.keys, covered.failed, covered.unknown), (3, 1, 0), "{covered:?}");
    assert_eq!(report.count(AnomalyKind::Nonlinearizable), 1);
    assert_eq!(report.findings[0].ops, vec![1, 2], "{}", report.findings[0].explanation);
}

/// Stale reads and lost writes at their boundaries: a write answered at the very microsecond a
/// read began was not acknowledged before it; a newer write that began at the very moment
/// the read's value was answered is not newer than it; a final value whose write was
/// answered as the lost one began is not provably older.
#[test]
fn stale_reads_and_lost_writes_at_their_boundaries() {
    let found = |rows: &[Row], store: &[(u32, u64)], kind: AnomalyKind| {
        check(&history(rows), Some(&final_state(store)), &[kind], CheckParams::default()).count(kind)
    };
    // Write #1 answered at 10; a read of the initial value begun at 10, then one begun at 11.
    let read_at = |invoke: u64| -> Vec<Row> {
        vec![(1, W, 7, None, 0, Some(10), OK, 0, 1), (2, R, 7, Some(0), invoke, Some(invoke + 5), OK, 1, 1)]
    };
    assert_eq!(found(&read_at(10), &[(7, 1)], AnomalyKind::StaleRead), 0, "answered as the read began");
    assert_eq!(found(&read_at(11), &[(7, 1)], AnomalyKind::StaleRead), 1, "answered before the read began");
    // Write #1 answered at 10; write #2 begun at 10 or 11; a read of #1 at 20.
    let newer_from = |invoke: u64| -> Vec<Row> {
        vec![
            (1, W, 7, None, 0, Some(10), OK, 0, 1),
            (1, W, 7, None, invoke, Some(15), OK, 0, 1),
            (2, R, 7, Some(1), 20, Some(25), OK, 1, 1),
        ]
    };
    assert_eq!(found(&newer_from(10), &[(7, 2)], AnomalyKind::StaleRead), 0, "begun as #1 was answered");
    assert_eq!(found(&newer_from(11), &[(7, 2)], AnomalyKind::StaleRead), 1, "begun after #1 was answered");
    // Write #1 answered at 10; write #2 begun at 10 or 11 and acknowledged; the store ends at #1.
    let lost_from = |invoke: u64| -> Vec<Row> {
        vec![(1, W, 2, None, 0, Some(10), OK, 0, 1), (1, W, 2, None, invoke, Some(30), OK, 0, 1)]
    };
    assert_eq!(found(&lost_from(10), &[(2, 1)], AnomalyKind::LostWrite), 0, "#1 may have come after #2");
    assert_eq!(found(&lost_from(11), &[(2, 1)], AnomalyKind::LostWrite), 1, "#1 was answered before #2 began");
}

/// Money not conserved, in its other directions: money that appeared, and a shortfall beside
/// money in flight — the explanation says which way and how much, less what is in flight.
#[test]
fn money_not_conserved_says_which_way_and_counts_money_in_flight_apart() {
    use replica_core::protocol::{Posting, StateExtras};
    let bank = |name: &str, ledger: Vec<Posting>, held: Vec<Posting>, balance: (u32, u64)| FinalNode {
        initial: [(balance.0, 100)].into_iter().collect(),
        extras: StateExtras { ledger, held, ..StateExtras::default() },
        ..FinalNode::new(name, Role::Primary, [balance].into_iter().collect())
    };
    let params = CheckParams { accounts_partitioned: true, ..CheckParams::default() };
    let explain = |nodes: Vec<FinalNode>| {
        let report = check(
            &history(&[]),
            Some(&FinalState { nodes, authoritative: None }),
            &[AnomalyKind::MoneyNotConserved],
            params,
        );
        report.findings.iter().map(|f| f.explanation.clone()).collect::<Vec<_>>()
    };
    // ₹30 credited at bank-b with no debit anywhere: it appeared.
    let appeared = explain(vec![
        bank("bank-a", Vec::new(), Vec::new(), (0, 100)),
        bank("bank-b", vec![Posting { account: 1, op: 7, delta: 30 }], Vec::new(), (1, 130)),
    ]);
    assert_eq!(
        appeared,
        vec!["The accounts at bank-a and bank-b hold ₹230 in total, but ₹200 was deposited: ₹30 appeared."]
    );
    // Transfer #7 debited ₹30 at bank-a and is held at bank-b (in flight); besides, ₹5 vanished.
    let short = explain(vec![
        bank("bank-a", vec![Posting { account: 0, op: 7, delta: -30 }], Vec::new(), (0, 65)),
        bank("bank-b", Vec::new(), vec![Posting { account: 1, op: 7, delta: 30 }], (1, 100)),
    ]);
    assert_eq!(
        short.first().map(String::as_str),
        Some("The accounts at bank-a and bank-b hold ₹165 in total, with ₹30 in flight in 1 transfer in doubt (#7), but ₹200 was deposited: ₹5 vanished."),
        "{short:?}"
    );
}

/// Recovery's other cases: a transfer whose outcome the client never learned may be there
/// whole or not at all, not in part; a refused one with no effect and an acknowledged
/// withdrawal with its line are fine; a line no client asked for is a finding; and a balance
/// off its statement is reported under the same anomaly.
#[test]
fn uncommitted_effect_judges_unknown_outcomes_withdrawals_and_strangers() {
    use replica_core::protocol::{Posting, StateExtras};
    // #1 unknown, debited only; #2 unknown, nothing; #3 refused, nothing; #4 a withdrawal.
    let mut history =
        transfers(&[(0, 10, Outcome::Unknown), (1, 11, Outcome::Unknown), (2, 12, Outcome::Fail), (3, 13, OK)]);
    if let Some(op) = history.get_mut(4) {
        op.kind = OpKind::Withdraw;
    }
    let amount = |op: u64| replica_core::workload::transfer_amount(op);
    let ledger = vec![
        Posting { account: 0, op: 1, delta: -amount(1) },
        Posting { account: 0, op: 4, delta: -amount(4) },
        Posting { account: 1, op: 9, delta: 5 },
    ];
    let node = |skew: i64| {
        let balance = |account: u32| {
            let posted: i64 = ledger.iter().filter(|p| p.account == account).map(|p| p.delta).sum();
            (1_000_000 + posted + if account == 0 { skew } else { 0 }) as u64
        };
        FinalNode {
            initial: [(0, 1_000_000), (1, 1_000_000)].into_iter().collect(),
            extras: StateExtras { ledger: ledger.clone(), ..StateExtras::default() },
            ..FinalNode::new("primary", Role::Primary, [(0, balance(0)), (1, balance(1))].into_iter().collect())
        }
    };
    let kinds = [AnomalyKind::UncommittedEffect];
    let report = check(&history, Some(&FinalState::of(vec![node(0)])), &kinds, CheckParams::default());
    let ops = finding_ops(&report);
    assert_eq!(ops, vec![vec![1], vec![9]], "{:?}", report.findings);
    assert!(report.findings[0].explanation.contains("took effect in part"), "{}", report.findings[0].explanation);
    assert!(report.findings[1].explanation.contains("which no client asked for"), "{}", report.findings[1].explanation);
    let report = check(&history, Some(&FinalState::of(vec![node(-1)])), &kinds, CheckParams::default());
    assert_eq!(report.findings.len(), 3, "{:?}", report.findings);
    assert!(report.findings.iter().all(|f| f.kind == AnomalyKind::UncommittedEffect), "{:?}", report.findings);
}

/// A balance of exactly ₹0 is not negative; a statement whose oldest lines were dropped gives
/// no verdict on the balances (it no longer adds up to them by construction).
#[test]
fn a_zero_balance_and_a_truncated_statement_are_not_findings() {
    use replica_core::protocol::{Posting, StateExtras};
    let zero = FinalState::of(vec![FinalNode::new("mumbai", Role::Primary, [(0, 0)].into_iter().collect())]);
    let report = check(&history(&[]), Some(&zero), &[AnomalyKind::NegativeBalance], CheckParams::default());
    assert_eq!(report.count(AnomalyKind::NegativeBalance), 0, "{:?}", report.findings);
    let truncated = |dropped: u64| {
        FinalState::of(vec![FinalNode {
            initial: [(0, 100)].into_iter().collect(),
            extras: StateExtras {
                ledger: vec![Posting { account: 0, op: 7, delta: -30 }],
                ledger_dropped: dropped,
                ..StateExtras::default()
            },
            ..FinalNode::new("primary", Role::Primary, [(0, 50)].into_iter().collect())
        }])
    };
    let count = |state: &FinalState| {
        check(&history(&[]), Some(state), &[AnomalyKind::UncommittedEffect], CheckParams::default()).findings.len()
    };
    assert_eq!(count(&truncated(0)), 2, "a stranger's line and a balance off its whole statement");
    assert_eq!(count(&truncated(1)), 1, "the stranger's line only: the statement is not whole");
}

/// Write skew at its boundaries: a transaction that reads a key and writes it is not a skew
/// with itself; two that would skew are not concurrent when the second began at the very
/// moment the first was answered.
#[test]
fn write_skew_at_its_boundaries() {
    use replica_core::protocol::OpResult;
    // #1 reads accounts 0 and 1 (initial versions) and writes 0; #2 begins at `second_invoke`,
    // reads both at their initial versions and writes 1. #1 is answered at 10.
    let pair = |second_invoke: u64| {
        let mut history = transfers(&[(0, 10, OK), (second_invoke, 20, OK)]);
        let results = [
            (1, OpResult::Transaction { reads: vec![(0, 100, 0), (1, 100, 0)], writes: vec![(0, 90)] }),
            (2, OpResult::Transaction { reads: vec![(0, 100, 0), (1, 100, 0)], writes: vec![(1, 90)] }),
        ];
        for (op, result) in results {
            if let Some(entry) = history.get_mut(op) {
                entry.kind = OpKind::Withdraw;
                entry.result = Some(Box::new(result));
            }
        }
        history
    };
    let skews = |history: &History| {
        let report = check(history, None, &[AnomalyKind::WriteSkew], CheckParams::default());
        finding_ops(&report)
    };
    assert_eq!(skews(&pair(9)), vec![vec![1, 2]], "overlapping: a skew");
    assert!(skews(&pair(10)).is_empty(), "begun as the first was answered: not concurrent");
    // One read-modify-write transaction alone.
    let mut alone = transfers(&[(0, 10, OK)]);
    if let Some(entry) = alone.get_mut(1) {
        entry.result = Some(Box::new(OpResult::Transaction { reads: vec![(0, 100, 0)], writes: vec![(0, 90)] }));
    }
    assert!(skews(&alone).is_empty(), "no skew with itself");
}

/// The engine-log oracle for write skew at its boundaries: a transaction whose id is the
/// other's snapshot bound (`xmax`) is unseen by it; one the other's snapshot saw is not
/// concurrent (a serial pair is no skew); one running when the other's snapshot was taken —
/// the lowest id it did not see — is concurrent with it.
#[test]
fn the_engine_log_oracle_at_its_boundaries() {
    use replica_core::check::write_skew_in_log;
    use replica_core::mvcc::CommittedTx;
    let tx = |xid: u64, op: u64, xmax: u64, active: &[u64], reads: &[(u32, u64)], writes: &[u32]| CommittedTx {
        xid,
        op,
        snapshot_xmax: xmax,
        snapshot_active: active.to_vec(),
        reads: reads.to_vec(),
        writes: writes.to_vec(),
        committed_before: 100,
    };
    let pairs = |txs: &[CommittedTx]| write_skew_in_log(txs).iter().map(|f| f.ops.clone()).collect::<Vec<_>>();
    // Both took their snapshot before either had an id (xmax 10); #1 got 10, #2 got 11, and
    // each read the key the other wrote.
    let first = tx(10, 1, 10, &[], &[(0, 0), (1, 0)], &[0]);
    let second = tx(11, 2, 10, &[], &[(0, 0), (1, 0)], &[1]);
    assert_eq!(pairs(&[first.clone(), second]), vec![vec![1, 2]], "an id equal to the other's xmax is unseen");
    // #2 took its snapshot after #1 committed (xmax 11): it saw #1, so the two are serial.
    let after = tx(11, 2, 11, &[], &[(0, 10), (1, 0)], &[1]);
    assert!(pairs(&[first, after]).is_empty(), "a serial pair is no skew");
    // #1's snapshot was taken while #2 (id 11) was running: the lowest id #1 did not see.
    let early = tx(10, 1, 12, &[11], &[(0, 0), (1, 0)], &[0]);
    let running = tx(11, 2, 10, &[], &[(0, 0), (1, 0)], &[1]);
    assert_eq!(pairs(&[early, running]), vec![vec![1, 2]], "a transaction running at the snapshot is unseen");
}

/// A non-linearizable key's finding gives each operation's window; a write whose client gave
/// up has none ("outcome unknown"), even when the give-up has a time.
#[test]
fn a_nonlinearizable_finding_says_when_an_outcome_is_unknown() {
    let rows: Vec<Row> = vec![
        (1, W, 3, None, 0, Some(10_000), OK, 0, 1),
        // Reads #3's value before #3 was even invoked.
        (2, R, 3, Some(3), 20_000, Some(30_000), OK, 0, 1),
        (3, W, 3, None, 40_000, Some(50_000), Outcome::Unknown, 0, 1),
    ];
    let report = check(&history(&rows), None, &[AnomalyKind::Nonlinearizable], CheckParams::default());
    let finding = report.findings.first().expect("not linearizable");
    assert!(finding.ops.contains(&3), "{finding:?}");
    assert!(finding.explanation.contains("write #3 (from 0.040 s, outcome unknown)"), "{}", finding.explanation);
}

/// A statement of exactly five lines is spelled out whole (more would end "and N more").
#[test]
fn a_statement_of_five_lines_is_named_whole() {
    use replica_core::protocol::{Posting, StateExtras};
    let ledger: Vec<Posting> = (1..=5).map(|op| Posting { account: 0, op, delta: -6 }).collect();
    let state = FinalState::of(vec![FinalNode {
        initial: [(0, 100)].into_iter().collect(),
        extras: StateExtras { ledger, ..StateExtras::default() },
        ..FinalNode::new("primary", Role::Primary, [(0, 50)].into_iter().collect())
    }]);
    let report = check(&history(&[]), Some(&state), &[AnomalyKind::UncommittedEffect], CheckParams::default());
    let off = report.findings.iter().find(|f| f.explanation.contains("ends at")).expect("a balance off its statement");
    assert!(off.explanation.contains("(#1, #2, #3, #4, #5)"), "{}", off.explanation);
}

/// Last-writer-wins findings at their boundaries: a discarded write that had built on the
/// winner's balance says so; one begun the very microsecond the winner was acknowledged is
/// concurrent with it, not later.
#[test]
fn lww_discarded_tells_a_write_built_on_the_winner_from_a_concurrent_one() {
    use replica_core::protocol::{LwwSide, StateExtras};
    // #1 (acknowledged at 10, stamped 50) is the final writer of both accounts. #2 began at 5,
    // built on #1's balance, stamped 45. #3 began at 10, on the initial balances, stamped 40.
    let mut history = transfers(&[(0, 10, OK), (5, 15, OK), (10, 20, OK)]);
    let side = |account, balance, basis| LwwSide { account, balance, basis };
    let results = [
        (1, 50, [side(0, 90, 0), side(1, 110, 0)]),
        (2, 45, [side(0, 80, 1), side(1, 120, 1)]),
        (3, 40, [side(0, 95, 0), side(1, 105, 0)]),
    ];
    with_lww_results(&mut history, &results);
    let state = FinalState {
        nodes: vec![FinalNode {
            initial: [(0, 100), (1, 100)].into_iter().collect(),
            extras: StateExtras { versions: [(0, 1), (1, 1)].into_iter().collect(), ..StateExtras::default() },
            ..FinalNode::new("mumbai", Role::Primary, [(0, 90), (1, 110)].into_iter().collect())
        }],
        authoritative: Some(0),
    };
    let report = check(&history, Some(&state), &[AnomalyKind::LwwDiscarded], CheckParams::default());
    let said =
        |op: u64| report.findings.iter().find(|f| f.ops[0] == op).map(|f| f.explanation.clone()).unwrap_or_default();
    assert_eq!(report.count(AnomalyKind::LwwDiscarded), 4, "{:?}", report.findings);
    assert!(said(2).contains("#2 had built on #1's balance but carried an earlier stamp"), "{}", said(2));
    assert!(said(3).contains("the two were concurrent"), "{}", said(3));
}
