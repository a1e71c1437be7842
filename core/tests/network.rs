//! The network model against the calibration figures of docs/design.md: physical floors and published figures.

use replica_core::geo::{city_index, distance_km};
use replica_core::net::link_table;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// Great-circle distances of docs/design.md (haversine on its coordinates).
const DISTANCES_KM: [(&str, &str, f64); 7] = [
    ("mumbai", "delhi", 1148.0),
    ("mumbai", "chennai", 1033.0),
    ("mumbai", "bangalore", 845.0),
    ("delhi", "kolkata", 1304.0),
    ("delhi", "chennai", 1756.0),
    ("bangalore", "chennai", 290.0),
    ("mumbai", "pune", 120.0),
];

/// Published RTT ranges (ms) and which statistic they bound.
const CALIBRATION: [(&str, &str, &str, f64, f64); 5] = [
    ("pune", "chennai", "p95", 24.0, 25.0),
    ("mumbai", "delhi", "p50", 20.0, 35.0),
    ("mumbai", "hyderabad", "p50", 8.0, 12.0),
    ("hyderabad", "chennai", "p50", 10.0, 15.0),
    ("mumbai", "chennai", "p50", 15.0, 20.0),
];

fn index(id: &str) -> replica_core::geo::CityId {
    city_index(id).unwrap_or_else(|| panic!("no city {id}"))
}

#[test]
fn distances_match_the_design() {
    for (a, b, km) in DISTANCES_KM {
        let d = distance_km(index(a), index(b));
        assert!((d - km).abs() < 1.0, "{a}-{b}: {d:.1} km, design says {km}");
    }
}

#[test]
fn every_pair_is_listed_once_at_or_above_its_floor() {
    let table = link_table(1, 4000);
    assert_eq!(table.len(), 21);
    for row in &table {
        assert!(
            row.rtt_p50_ms >= row.rtt_floor_ms,
            "{}-{} p50 {} below floor {}",
            row.a,
            row.b,
            row.rtt_p50_ms,
            row.rtt_floor_ms
        );
        assert!(row.rtt_p99_ms >= row.rtt_p50_ms);
    }
}

#[test]
fn calibrated_pairs_fall_in_published_ranges() {
    let table = link_table(1, 20_000);
    for (a, b, statistic, low, high) in CALIBRATION {
        let row = table
            .iter()
            .find(|r| (r.a == a && r.b == b) || (r.a == b && r.b == a))
            .unwrap_or_else(|| panic!("no row {a}-{b}"));
        let value = if statistic == "p95" { row.rtt_p95_ms } else { row.rtt_p50_ms };
        assert!((low..=high).contains(&value), "{a}-{b} {statistic} {value} ms outside {low}–{high}");
    }
}

#[test]
fn tail_to_median_ratio_is_in_the_evening_peak_band() {
    // P99/P50 of 1.3–1.8 in the evening peak (docs/design.md), for inter-city links.
    for row in link_table(2, 20_000).iter().filter(|r| r.distance_km > 400.0) {
        let ratio = row.rtt_p99_ms / row.rtt_p50_ms;
        assert!((1.3..=1.8).contains(&ratio), "{}-{} p99/p50 = {ratio:.2}", row.a, row.b);
    }
}
