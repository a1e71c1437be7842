//! The Hermitage isolation tests (github.com/ept/hermitage's cases for PostgreSQL's
//! repeatable read, which is snapshot isolation) against the `core-banking` engine: two
//! transactions interleaved statement by statement on keys x = 10 and y = 20. Every anomaly
//! snapshot isolation forbids is prevented; G2-item write skew is allowed, and the checker
//! finds it in the committed-transaction log.

use replica_core::check::write_skew_in_log as write_skew;
use replica_core::mvcc::{Mvcc, MvccError};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

const X: u32 = 1;
const Y: u32 = 2;

/// x = 10, y = 20, committed and durable.
fn setup() -> Mvcc {
    let mut engine = Mvcc::new(0);
    let t = engine.begin(100);
    engine.write(t, X, 10).expect("write");
    engine.write(t, Y, 20).expect("write");
    let lsn = engine.commit(t).expect("commit").expect("a commit record");
    engine.durable(lsn);
    engine
}

/// Commits and makes the commit durable at once.
fn commit(engine: &mut Mvcc, xid: u64) -> Result<(), MvccError> {
    if let Some(lsn) = engine.commit(xid)? {
        engine.durable(lsn);
    }
    Ok(())
}

fn read(engine: &mut Mvcc, xid: u64, key: u32) -> i64 {
    engine.read(xid, key).expect("a running transaction reads")
}

#[test]
fn g0_write_cycles_are_prevented() {
    let mut e = setup();
    let (t1, t2) = (e.begin(1), e.begin(2));
    e.write(t1, X, 11).expect("write");
    e.write(t2, X, 12).expect("write");
    e.write(t1, Y, 21).expect("write");
    e.write(t2, Y, 22).expect("write");
    assert_eq!(commit(&mut e, t1), Ok(()));
    assert!(matches!(commit(&mut e, t2), Err(MvccError::SerializationFailure { .. })), "the second committer aborts");
    let t3 = e.begin(3);
    assert_eq!((read(&mut e, t3, X), read(&mut e, t3, Y)), (11, 21), "one transaction's writes, whole");
}

#[test]
fn g1a_aborted_reads_are_prevented() {
    let mut e = setup();
    let (t1, t2) = (e.begin(1), e.begin(2));
    e.write(t1, X, 101).expect("write");
    assert_eq!(read(&mut e, t2, X), 10);
    e.abort(t1);
    assert_eq!(read(&mut e, t2, X), 10, "never the aborted value");
    assert_eq!(commit(&mut e, t2), Ok(()));
}

#[test]
fn g1b_intermediate_reads_are_prevented() {
    let mut e = setup();
    let (t1, t2) = (e.begin(1), e.begin(2));
    e.write(t1, X, 101).expect("write");
    assert_eq!(read(&mut e, t2, X), 10);
    e.write(t1, X, 11).expect("write");
    assert_eq!(commit(&mut e, t1), Ok(()));
    assert_eq!(read(&mut e, t2, X), 10, "neither the intermediate 101 nor, in this snapshot, 11");
}

#[test]
fn g1c_circular_information_flow_is_prevented() {
    let mut e = setup();
    let (t1, t2) = (e.begin(1), e.begin(2));
    e.write(t1, X, 11).expect("write");
    e.write(t2, Y, 22).expect("write");
    assert_eq!(read(&mut e, t1, Y), 20, "t1 does not see t2");
    assert_eq!(read(&mut e, t2, X), 10, "t2 does not see t1");
    assert_eq!(commit(&mut e, t1), Ok(()));
    assert_eq!(commit(&mut e, t2), Ok(()));
}

#[test]
fn p4_lost_update_is_prevented() {
    let mut e = setup();
    let (t1, t2) = (e.begin(1), e.begin(2));
    let (a, b) = (read(&mut e, t1, X), read(&mut e, t2, X));
    e.write(t1, X, a + 1).expect("write");
    e.write(t2, X, b + 1).expect("write");
    assert_eq!(commit(&mut e, t1), Ok(()));
    assert!(matches!(commit(&mut e, t2), Err(MvccError::SerializationFailure { key: X, .. })));
    let t3 = e.begin(3);
    assert_eq!(read(&mut e, t3, X), 11, "exactly one increment, none lost silently");
}

#[test]
fn g_single_read_skew_is_prevented() {
    let mut e = setup();
    let (t1, t2) = (e.begin(1), e.begin(2));
    assert_eq!(read(&mut e, t1, X), 10);
    assert_eq!((read(&mut e, t2, X), read(&mut e, t2, Y)), (10, 20));
    e.write(t2, X, 12).expect("write");
    e.write(t2, Y, 18).expect("write");
    assert_eq!(commit(&mut e, t2), Ok(()));
    assert_eq!(read(&mut e, t1, Y), 20, "t1 sees x and y from one moment: 10 + 20");
    assert_eq!(commit(&mut e, t1), Ok(()));
}

#[test]
fn g2_item_write_skew_is_allowed_and_the_checker_finds_it() {
    // The joint account: x and y together must stay at or above zero; each transaction
    // checks the sum and withdraws 25 from a different half.
    let mut e = setup();
    let (t1, t2) = (e.begin(1), e.begin(2));
    let sum1 = read(&mut e, t1, X) + read(&mut e, t1, Y);
    let sum2 = read(&mut e, t2, X) + read(&mut e, t2, Y);
    assert!(sum1 >= 25 && sum2 >= 25);
    e.write(t1, X, 10 - 25).expect("write");
    e.write(t2, Y, 20 - 25).expect("write");
    assert_eq!(commit(&mut e, t1), Ok(()), "snapshot isolation lets both commit");
    assert_eq!(commit(&mut e, t2), Ok(()));
    let t3 = e.begin(3);
    assert_eq!(read(&mut e, t3, X) + read(&mut e, t3, Y), -20, "the invariant broke");
    let committed: Vec<_> = e.committed_log().cloned().collect();
    let findings = write_skew(&committed);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].ops, vec![1, 2]);
    // The same two transactions one after the other are no anomaly.
    let mut serial = setup();
    for (op, key) in [(1, X), (2, Y)] {
        let t = serial.begin(op);
        let sum = read(&mut serial, t, X) + read(&mut serial, t, Y);
        if sum >= 25 {
            let value = read(&mut serial, t, key);
            serial.write(t, key, value - 25).expect("write");
        }
        assert_eq!(commit(&mut serial, t), Ok(()));
    }
    assert!(write_skew(&serial.committed_log().cloned().collect::<Vec<_>>()).is_empty());
}

#[test]
fn recovery_redoes_durable_commits_and_nothing_else() {
    let mut e = setup();
    let checkpoint = e.checkpoint(e.next_lsn() - 1);
    let t1 = e.begin(1);
    e.write(t1, X, 50).expect("write");
    let durable = e.commit(t1).expect("commit").expect("record");
    e.durable(durable);
    let t2 = e.begin(2);
    e.write(t2, Y, 70).expect("write");
    e.commit(t2).expect("commit");
    // Crash: t2's commit record never reached the disk.
    let records: Vec<_> = e.log_from(checkpoint.lsn + 1).filter(|(lsn, _)| *lsn <= durable).copied().collect();
    let mut recovered = Mvcc::recover(0, &checkpoint, &records);
    let t3 = recovered.begin(3);
    assert_eq!((read(&mut recovered, t3, X), read(&mut recovered, t3, Y)), (50, 20));
    assert!(recovered.committed_ops().contains(&1) && !recovered.committed_ops().contains(&2));
}
