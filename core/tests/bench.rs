//! The strategy benchmark's claims, on its own table: on the same links, synchronous
//! replication and two-phase commit pay a higher p95 than asynchronous commit; asynchronous
//! replicas lag and serve stale reads, where quorum commit with primary reads serves none.

use replica_core::bench::{entries, run_entry, BenchConfig, BenchRow};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

fn row(label: &str, config: &BenchConfig) -> BenchRow {
    let entry = entries().into_iter().find(|entry| entry.label == label).expect("an entry with that label");
    run_entry(&entry, config).unwrap_or_else(|e| panic!("{label}: {e}"))
}

fn count(row: &BenchRow, anomaly: &str) -> u64 {
    row.anomalies.iter().find(|(name, _)| *name == anomaly).map_or(0, |(_, count)| *count)
}

#[test]
fn sync_pays_latency_and_async_pays_staleness() {
    let config = BenchConfig { duration_s: 15, ..BenchConfig::default() };
    let asynchronous = row("primary/replica, async commit", &config);
    let quorum = row("primary/replica, quorum sync", &config);
    let two_phase = row("two-phase commit", &config);
    for slower in [&quorum, &two_phase] {
        assert!(
            slower.p95_ms > asynchronous.p95_ms,
            "{} p95 {} ms is not above async's {} ms",
            slower.strategy,
            slower.p95_ms,
            asynchronous.p95_ms
        );
    }
    assert!(asynchronous.lag_p95_ms.is_some_and(|lag| lag > 100.0), "async replicas barely lag: {asynchronous:?}");
    assert!(count(&asynchronous, "stale_read") > 0, "async replicas served no stale read");
    assert_eq!(count(&quorum, "stale_read"), 0, "quorum commit with primary reads served a stale read");
}
