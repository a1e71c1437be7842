//! The register linearizability checker: classic histories with their witnesses, unknown
//! outcomes, an exhaustive oracle on small random histories, the step budget on a
//! pathological history, and a long mostly sequential history.
//!
//! A witness is checked three ways: it fails again on its own, it is closed (with every read
//! it keeps every write of the value the read returned, so it is a proof about the whole
//! history), and it is minimal among closed sets: dropping any one operation, together with
//! the reads of the value it wrote if it is a write, leaves a set that linearizes.

use replica_core::check::linearizable::{check_register, Action, RegisterOp, Verdict};
use std::collections::HashSet;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// Enough steps for every small history here.
const STEPS_AMPLE: u64 = 1_000_000;

/// Acknowledged write of its own id.
fn write(id: u64, invoke_us: u64, complete_us: u64) -> RegisterOp {
    RegisterOp { id, action: Action::Write(id), invoke_us, complete_us: Some(complete_us) }
}

/// Unknown-outcome write of its own id.
fn write_unknown(id: u64, invoke_us: u64) -> RegisterOp {
    RegisterOp { id, action: Action::Write(id), invoke_us, complete_us: None }
}

/// Acknowledged read of `value`.
fn read(id: u64, value: u64, invoke_us: u64, complete_us: u64) -> RegisterOp {
    RegisterOp { id, action: Action::Read(value), invoke_us, complete_us: Some(complete_us) }
}

/// The operations of `history` whose ids are in `ids`.
fn subset(history: &[RegisterOp], ids: &[u64]) -> Vec<RegisterOp> {
    history.iter().copied().filter(|op| ids.contains(&op.id)).collect()
}

/// Linearizability by definition: some total order of every operation (an unknown write may
/// go anywhere after its invocation, last standing for "never") respects real time and
/// explains every read. Depth-first over the operations whose real-time predecessors are
/// all placed, remembering dead (placed set, value) states. Up to 16 operations.
fn oracle(initial: u64, history: &[RegisterOp]) -> bool {
    let ops: Vec<(bool, u64, u64, u64)> = history
        .iter()
        .filter(|op| matches!(op.action, Action::Write(_)) || op.complete_us.is_some())
        .map(|op| {
            let (is_write, value) = match op.action {
                Action::Write(value) => (true, value),
                Action::Read(value) => (false, value),
            };
            let complete_us = op.complete_us.map_or(u64::MAX, |complete| complete.max(op.invoke_us));
            (is_write, value, op.invoke_us, complete_us)
        })
        .collect();
    assert!(ops.len() <= 16, "oracle is for small histories");
    let all: u32 = (1u32 << ops.len()) - 1;
    let mut dead: HashSet<(u32, u64)> = HashSet::new();
    fn place(ops: &[(bool, u64, u64, u64)], all: u32, placed: u32, value: u64, dead: &mut HashSet<(u32, u64)>) -> bool {
        if placed == all {
            return true;
        }
        if dead.contains(&(placed, value)) {
            return false;
        }
        for (index, &(is_write, op_value, invoke_us, _)) in ops.iter().enumerate() {
            if placed & (1 << index) != 0 {
                continue;
            }
            let blocked = ops
                .iter()
                .enumerate()
                .any(|(other, &(_, _, _, complete_us))| placed & (1 << other) == 0 && complete_us < invoke_us);
            if blocked || (!is_write && op_value != value) {
                continue;
            }
            let value_after = if is_write { op_value } else { value };
            if place(ops, all, placed | (1 << index), value_after, dead) {
                return true;
            }
        }
        dead.insert((placed, value));
        false
    }
    place(&ops, all, 0, initial, &mut dead)
}

/// Asserts `witness` is a closed, failing, minimal subset of `history` (by the oracle when
/// small, by the checker itself otherwise).
fn assert_witness(initial: u64, history: &[RegisterOp], witness: &[u64], context: &str) {
    assert!(!witness.is_empty(), "{context}: empty witness");
    assert!(witness.windows(2).all(|pair| pair[0] < pair[1]), "{context}: witness not sorted: {witness:?}");
    let ops = subset(history, witness);
    assert_eq!(ops.len(), witness.len(), "{context}: witness names unknown ids: {witness:?}");
    // Closed.
    for op in &ops {
        if let (Action::Read(value), Some(_)) = (op.action, op.complete_us) {
            for other in history {
                if other.action == Action::Write(value) {
                    assert!(witness.contains(&other.id), "{context}: read #{} kept without write #{}", op.id, other.id);
                }
            }
        }
    }
    // Fails again, with the same witness.
    assert_eq!(
        check_register(initial, &ops, STEPS_AMPLE),
        Verdict::NotLinearizable { ops: witness.to_vec() },
        "{context}: witness {witness:?} does not fail again on its own"
    );
    if ops.len() > 16 {
        return;
    }
    assert!(!oracle(initial, &ops), "{context}: witness {witness:?} linearizes by the oracle");
    // Minimal among closed sets.
    for op in &ops {
        let rest: Vec<RegisterOp> = ops
            .iter()
            .copied()
            .filter(|other| {
                let readers = match (op.action, other.action) {
                    (Action::Write(written), Action::Read(value)) => written == value,
                    _ => false,
                };
                other.id != op.id && !readers
            })
            .collect();
        assert!(oracle(initial, &rest), "{context}: witness {witness:?} still fails without #{}", op.id);
    }
}

/// One hand-written history and what it should give.
struct Case {
    /// What it shows.
    name: &'static str,
    /// The operations.
    ops: Vec<RegisterOp>,
    /// `None`: linearizable; `Some(ids)`: not, with this witness.
    witness: Option<Vec<u64>>,
}

fn cases() -> Vec<Case> {
    vec![
        Case { name: "empty history", ops: vec![], witness: None },
        Case {
            name: "sequential writes and reads",
            ops: vec![write(1, 0, 10), read(2, 1, 20, 30), write(3, 40, 50), read(4, 3, 60, 70), read(5, 3, 80, 90)],
            witness: None,
        },
        Case {
            name: "read concurrent with a write sees the new value",
            ops: vec![write(1, 0, 100), read(2, 1, 10, 20)],
            witness: None,
        },
        Case {
            name: "read concurrent with a write sees the old value",
            ops: vec![write(1, 0, 100), read(2, 0, 10, 20)],
            witness: None,
        },
        Case {
            name: "stale read of the initial value after an acknowledged write",
            ops: vec![write(1, 0, 10), read(2, 0, 20, 30)],
            witness: Some(vec![1, 2]),
        },
        Case {
            name: "stale read of an overwritten value",
            ops: vec![write(1, 0, 10), write(2, 20, 30), read(3, 1, 40, 50)],
            witness: Some(vec![1, 2, 3]),
        },
        Case {
            name: "read of a value never written",
            ops: vec![write(1, 0, 10), read(2, 1, 20, 30), read(3, 42, 40, 50)],
            witness: Some(vec![3]),
        },
        Case {
            name: "reads see two completed concurrent writes in opposite orders",
            ops: vec![write(1, 0, 10), write(2, 0, 10), read(3, 2, 20, 30), read(4, 1, 40, 50)],
            witness: Some(vec![1, 2, 3, 4]),
        },
        Case {
            name: "reads during two concurrent writes may see them in either order",
            ops: vec![write(1, 0, 50), write(2, 0, 50), read(3, 2, 20, 30), read(4, 1, 40, 60)],
            witness: None,
        },
        Case {
            name: "a read sees a new value, a later read the old one",
            ops: vec![write(1, 0, 100), read(2, 1, 10, 20), read(3, 0, 30, 40)],
            witness: Some(vec![1, 2, 3]),
        },
        Case {
            name: "completion and invocation at the same µs are concurrent",
            ops: vec![write(1, 0, 10), read(2, 0, 10, 20)],
            witness: None,
        },
        Case {
            name: "one µs later they are ordered",
            ops: vec![write(1, 0, 10), read(2, 0, 11, 20)],
            witness: Some(vec![1, 2]),
        },
        Case {
            name: "a completion before the invocation counts as at the invocation",
            ops: vec![write(1, 10, 5), read(2, 0, 11, 20), read(3, 1, 30, 40)],
            witness: Some(vec![1, 2]),
        },
        Case {
            name: "the stale read is found among unrelated operations",
            ops: vec![
                write(1, 0, 10),
                read(2, 1, 5, 15),
                write(3, 20, 30),
                read(4, 3, 25, 35),
                write(5, 40, 50),
                read(6, 3, 45, 55),
                read(7, 5, 60, 70),
                read(8, 3, 80, 90),
                write(9, 100, 110),
                read(10, 9, 120, 130),
            ],
            witness: Some(vec![3, 5, 8]),
        },
        Case {
            name: "a later read returns an unknown write's value",
            ops: vec![write(1, 0, 10), write_unknown(2, 20), read(3, 2, 50, 60), read(4, 2, 70, 80)],
            witness: None,
        },
        Case {
            name: "an unknown write no read returns is ignored",
            ops: vec![write(1, 0, 10), write_unknown(2, 20), read(3, 1, 30, 40), read(4, 1, 100, 110)],
            witness: None,
        },
        Case {
            name: "an unknown write takes effect between two reads",
            ops: vec![write(1, 0, 10), write_unknown(2, 20), read(3, 1, 30, 40), read(4, 2, 50, 60)],
            witness: None,
        },
        Case {
            name: "an unknown write read before its invocation",
            ops: vec![read(1, 2, 0, 10), write_unknown(2, 20)],
            witness: Some(vec![1, 2]),
        },
        Case {
            name: "an unknown write seen, then the value before it",
            ops: vec![write(1, 0, 10), write_unknown(2, 20), read(3, 2, 30, 40), read(4, 1, 50, 60)],
            witness: Some(vec![1, 2, 3, 4]),
        },
        Case {
            name: "an unknown read carries nothing",
            ops: vec![
                write(1, 0, 10),
                RegisterOp { id: 2, action: Action::Read(99), invoke_us: 20, complete_us: None },
            ],
            witness: None,
        },
    ]
}

#[test]
fn classic_histories_give_their_verdicts_and_witnesses() {
    for case in cases() {
        let verdict = check_register(0, &case.ops, STEPS_AMPLE);
        let expected = match &case.witness {
            None => Verdict::Linearizable,
            Some(ids) => Verdict::NotLinearizable { ops: ids.clone() },
        };
        assert_eq!(verdict, expected, "{}", case.name);
        assert_eq!(oracle(0, &case.ops), case.witness.is_none(), "oracle disagrees on: {}", case.name);
        if let Some(ids) = &case.witness {
            assert_witness(0, &case.ops, ids, case.name);
        }
    }
}

#[test]
fn initial_value_other_than_zero() {
    let ops = [read(1, 7, 0, 10), write(2, 20, 30), read(3, 2, 40, 50), read(4, 7, 60, 70)];
    assert_eq!(check_register(7, &ops[..3], STEPS_AMPLE), Verdict::Linearizable);
    assert_eq!(check_register(7, &ops, STEPS_AMPLE), Verdict::NotLinearizable { ops: vec![2, 4] });
    assert_eq!(check_register(0, &ops[..1], STEPS_AMPLE), Verdict::NotLinearizable { ops: vec![1] });
}

/// xorshift64: enough randomness for test histories.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}

/// A small random history: ids 1..=count, writes of their id (of a repeated value when
/// `repeats`), some unknown, some with a completion before the invocation; reads of the
/// initial value, of some write's value, or of a value never written.
fn random_history(rng: &mut Rng, count: u64, repeats: bool) -> Vec<RegisterOp> {
    let kinds: Vec<bool> = (0..count).map(|_| rng.below(2) == 0).collect();
    let writes: Vec<u64> = (1..=count).filter(|&id| kinds[id as usize - 1]).collect();
    (1..=count)
        .map(|id| {
            let invoke_us = rng.below(20);
            let complete_us = Some(invoke_us + rng.below(8));
            if kinds[id as usize - 1] {
                let value = if repeats && rng.below(3) == 0 { rng.below(3) } else { id };
                let complete_us = match rng.below(15) {
                    0..=2 => None,
                    3 => Some(invoke_us.saturating_sub(1)),
                    _ => complete_us,
                };
                RegisterOp { id, action: Action::Write(value), invoke_us, complete_us }
            } else {
                let value = match rng.below(10) {
                    0 => 99,
                    1..=3 => 0,
                    _ if writes.is_empty() => 0,
                    _ => writes[rng.below(writes.len() as u64) as usize],
                };
                RegisterOp { id, action: Action::Read(value), invoke_us, complete_us }
            }
        })
        .collect()
}

fn compare_with_oracle(seed: u64, histories: u64, count_max: u64, repeats: bool) -> (u64, u64) {
    let mut rng = Rng(seed);
    let (mut linearizable, mut not) = (0, 0);
    for round in 0..histories {
        let count = 1 + rng.below(count_max);
        let history = random_history(&mut rng, count, repeats);
        let context = format!("seed {seed} round {round}: {history:?}");
        let verdict = check_register(0, &history, STEPS_AMPLE);
        match verdict {
            Verdict::Linearizable => {
                assert!(oracle(0, &history), "{context}: checker says linearizable, oracle says not");
                linearizable += 1;
            }
            Verdict::NotLinearizable { ops } => {
                assert!(!oracle(0, &history), "{context}: checker says not ({ops:?}), oracle says linearizable");
                assert_witness(0, &history, &ops, &context);
                not += 1;
            }
            Verdict::Unknown => panic!("{context}: ran out of steps"),
        }
    }
    (linearizable, not)
}

#[test]
fn agrees_with_exhaustive_search_on_small_random_histories() {
    let (linearizable, not) = compare_with_oracle(0x9e37_79b9_7f4a_7c15, 3000, 7, false);
    // Both verdicts are well exercised.
    assert!(linearizable > 500 && not > 500, "linearizable {linearizable}, not {not}");
}

#[test]
fn agrees_with_exhaustive_search_on_larger_random_histories() {
    let (linearizable, not) = compare_with_oracle(0x2545_f491_4f6c_dd1d, 400, 12, false);
    assert!(linearizable > 20 && not > 20, "linearizable {linearizable}, not {not}");
}

#[test]
fn agrees_with_exhaustive_search_when_values_repeat() {
    // Values are unique in practice; with repeats the verdict must still be exact.
    let (linearizable, not) = compare_with_oracle(0xdead_beef_cafe_f00d, 2000, 7, true);
    assert!(linearizable > 200 && not > 200, "linearizable {linearizable}, not {not}");
}

/// 20 concurrent writes, 20 concurrent reads of their values, then a read of the initial
/// value: no order exists, and proving it means trying the concurrent block's orders.
fn pathological() -> Vec<RegisterOp> {
    let mut ops: Vec<RegisterOp> = (1..=20).map(|id| write(id, 0, 100)).collect();
    ops.extend((21..=40).map(|id| read(id, (id * 7) % 20 + 1, 0, 100)));
    ops.push(read(41, 0, 200, 210));
    ops
}

#[test]
fn a_tiny_budget_on_a_pathological_history_gives_unknown() {
    let ops = pathological();
    for steps_max in [0, 1, 10, 1000, 100_000] {
        assert_eq!(check_register(0, &ops, steps_max), Verdict::Unknown, "budget {steps_max}");
    }
}

#[test]
fn odd_inputs_do_not_panic() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for _ in 0..2000 {
        let count = rng.below(12);
        let ops: Vec<RegisterOp> = (0..count)
            .map(|_| {
                let id = rng.below(6);
                let value = rng.below(6);
                let action = if rng.below(2) == 0 { Action::Read(value) } else { Action::Write(value) };
                let invoke_us = if rng.below(8) == 0 { u64::MAX } else { rng.below(30) };
                let complete_us = match rng.below(4) {
                    0 => None,
                    1 => Some(u64::MAX),
                    _ => Some(rng.below(30)),
                };
                RegisterOp { id, action, invoke_us, complete_us }
            })
            .collect();
        let ids: Vec<u64> = ops.iter().map(|op| op.id).collect();
        if let Verdict::NotLinearizable { ops: witness } = check_register(0, &ops, 5000) {
            assert!(!witness.is_empty() && witness.iter().all(|id| ids.contains(id)), "{ops:?} -> {witness:?}");
        }
    }
}

/// `count` operations whose effects fall 100 µs apart, each invoked and completed up to
/// 150 µs either side of its effect (so neighbours overlap); 30% writes, 5% of them with an
/// unknown outcome (half of those never take effect). Linearizable by construction.
fn long_history(count: u64, seed: u64) -> Vec<RegisterOp> {
    let mut rng = Rng(seed);
    let mut value = 0;
    (1..=count)
        .map(|id| {
            let effect_us = 1000 + 100 * id;
            let invoke_us = effect_us - rng.below(150);
            let complete_us = Some(effect_us + rng.below(150));
            if rng.below(10) < 3 {
                if rng.below(20) == 0 {
                    if rng.below(2) == 0 {
                        value = id;
                    }
                    return write_unknown(id, invoke_us);
                }
                value = id;
                RegisterOp { id, action: Action::Write(id), invoke_us, complete_us }
            } else {
                RegisterOp { id, action: Action::Read(value), invoke_us, complete_us }
            }
        })
        .collect()
}

#[test]
fn a_long_mostly_sequential_history_is_checked_within_a_modest_budget() {
    let ops = long_history(20_000, 0x0bad_5eed_0bad_5eed);
    assert_eq!(check_register(0, &ops, 5_000_000), Verdict::Linearizable);
}

#[test]
fn a_stale_read_deep_in_a_long_history_gets_a_two_operation_witness() {
    let mut ops = long_history(20_000, 0x0bad_5eed_0bad_5eed);
    let position = (15_000..ops.len()).find(|&index| matches!(ops[index].action, Action::Read(_)));
    let Some(position) = position else {
        panic!("no read after position 15000");
    };
    ops[position].action = Action::Read(0);
    let Verdict::NotLinearizable { ops: witness } = check_register(0, &ops, 5_000_000) else {
        panic!("the stale read went unnoticed");
    };
    assert_eq!(witness.len(), 2, "{witness:?}");
    assert_eq!(witness[1], ops[position].id);
    assert_witness(0, &ops, &witness, "stale read deep in a long history");
}
