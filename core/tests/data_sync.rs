//! data-sync: after a crash of the CDC consumer every consumer matches the source once the
//! run is quiet; the changes delivered again are applied once with idempotent apply and twice
//! (and caught) with naive apply; a projection rebuilds from its snapshot by replaying fewer
//! events than from the start of the log; random faults never break what idempotent apply
//! promises.

mod common;

use common::{assert_case, Case};
use replica_core::check::AnomalyKind;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

fn cdc_crash(apply: &'static str) -> Case {
    Case::new("data-sync", 1)
        .duration(30)
        .knob("apply", apply)
        .fault("crash:bangalore@10s")
        .fault("restart:bangalore@15s")
}

#[test]
fn idempotent_apply_gets_duplicates_and_applies_them_once() {
    let case = cdc_crash("idempotent");
    let finished = case.run();
    let sync =
        &finished.report.sections.get::<replica_core::report::SyncReport>().expect("data-sync reports its consumers").0;
    let index = &sync["bangalore"];
    assert_case(&case, index.pattern == "cdc", "bangalore reads the change stream");
    assert_case(&case, index.duplicates_delivered > 0, "resuming from the committed offset delivers changes again");
    assert_case(&case, index.duplicates_applied == 0, "idempotent apply skips them");
    assert_case(&case, finished.checks.count(AnomalyKind::DuplicateApply) == 0, "no duplicate_apply");
    assert_case(&case, finished.checks.count(AnomalyKind::Divergence) == 0, "every consumer matches the source");
    let source_total: u64 = finished.final_state.nodes[0].store.values().sum();
    assert_case(&case, source_total > 0, "the source took writes");
    for node in &finished.final_state.nodes[1..] {
        assert_case(
            &case,
            node.store == finished.final_state.nodes[0].store,
            &format!("{} equals the source", node.name),
        );
    }
}

#[test]
fn naive_apply_counts_the_redelivered_changes_twice_and_the_checker_names_them() {
    let case = cdc_crash("naive");
    let finished = case.run();
    let index =
        &finished.report.sections.get::<replica_core::report::SyncReport>().expect("sync report").0["bangalore"];
    let duplicates = finished.checks.count(AnomalyKind::DuplicateApply);
    assert_case(&case, duplicates > 0 && duplicates == index.duplicates_applied, "every redelivered change is caught");
    assert_case(&case, index.duplicates_applied == index.duplicates_delivered, "naive apply applies all of them");
    assert_case(&case, finished.checks.count(AnomalyKind::Divergence) > 0, "the search index no longer matches");
    let finding = finished.checks.findings.iter().find(|f| f.kind == AnomalyKind::DuplicateApply).expect("a finding");
    assert_case(&case, finding.explanation.contains("twice"), &finding.explanation);
    assert_case(&case, !finished.report.promises.contains(&"duplicate_apply"), "naive apply promises nothing");
}

#[test]
fn a_snapshot_shortens_the_projections_rebuild() {
    let rebuild = |snapshot_every: &'static str| {
        let case = Case::new("data-sync", 2)
            .duration(30)
            .knob("snapshot_every", snapshot_every)
            .fault("crash:hyderabad@20s")
            .fault("restart:hyderabad@22s");
        let finished = case.run();
        assert_case(&case, finished.checks.count(AnomalyKind::Divergence) == 0, "the projection catches up");
        let log = finished.report.sections.get::<replica_core::report::SyncReport>().expect("sync report").0
            ["hyderabad"]
            .clone();
        assert_case(&case, log.rebuilds.len() == 1, "one rebuild");
        log.rebuilds[0]
    };
    let from_snapshot = rebuild("2000");
    let from_start = rebuild("0");
    assert!(from_snapshot.from_offset > 0 && from_start.from_offset == 0, "{from_snapshot:?} {from_start:?}");
    assert!(from_snapshot.events < from_start.events, "{from_snapshot:?} vs {from_start:?}");
    assert!(from_snapshot.duration_us < from_start.duration_us, "{from_snapshot:?} vs {from_start:?}");
}

#[cfg(not(target_arch = "wasm32"))]
const SEEDS: u64 = 10;
#[cfg(target_arch = "wasm32")]
const SEEDS: u64 = 2;

#[test]
fn random_faults_never_break_idempotent_sync() {
    for seed in 1..=SEEDS {
        let case = Case::new("data-sync", seed).duration(20).with_random_faults();
        let finished = case.run();
        for kind in [AnomalyKind::Divergence, AnomalyKind::DuplicateApply] {
            assert_case(&case, finished.checks.count(kind) == 0, kind.name());
        }
    }
}
