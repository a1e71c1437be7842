//! Every scenario's lesson, taken step by step as the page takes it — a step that changes
//! knobs starts the run again with them, any other applies its controls at the moment the
//! reader presses it, then the run plays for the step's watch time — shows what each step
//! promises: the anomaly it names found (live, or by a quiet fork), or the promise kept.

use replica_core::lesson::{self, LessonAction};
use replica_core::scenario::{self, ScenarioConfig, Simulation};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[cfg(not(target_arch = "wasm32"))]
const SEEDS: u64 = 2;
#[cfg(target_arch = "wasm32")]
const SEEDS: u64 = 1;

fn build(id: &str, seed: u64, knobs: &[(&str, &str)]) -> Box<dyn Simulation> {
    let mut config = ScenarioConfig::new(id, seed);
    config.knobs = knobs.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect();
    scenario::build(config).unwrap_or_else(|e| panic!("{id}: the lesson's knobs build: {e}"))
}

#[test]
fn every_lesson_step_shows_what_it_promises() {
    for info in scenario::catalogue() {
        assert!((1..=5).contains(&info.lesson.len()), "{}: 1 to 5 steps", info.id);
        for seed in 1..=SEEDS {
            let mut simulation = build(info.id, seed, &[]);
            for (index, step) in info.lesson.iter().enumerate() {
                let where_ = format!("{} seed {seed} step {}", info.id, index + 1);
                match step.action {
                    LessonAction::Settings(knobs) => simulation = build(info.id, seed, knobs),
                    _ => {
                        for control in step.action.controls() {
                            simulation.apply(control).unwrap_or_else(|e| panic!("{where_}: {e}"));
                        }
                    }
                }
                simulation.run_until(simulation.now_us() + step.watch_s * 1_000_000);
                let shown = lesson::shown(simulation.as_ref(), step.expect).unwrap_or_else(|e| panic!("{where_}: {e}"));
                assert!(shown, "{where_} ({:?}) does not show {:?}", step.button.en, step.expect);
            }
        }
    }
}

#[test]
fn every_step_speaks_both_languages() {
    for info in scenario::catalogue() {
        for step in info.lesson {
            for text in [step.button, step.watch, step.meaning] {
                let devanagari = |s: &str| s.chars().any(|c| ('\u{0900}'..='\u{097f}').contains(&c));
                assert!(!text.en.is_empty() && !devanagari(text.en), "{}: English: {text:?}", info.id);
                assert!(devanagari(text.hi), "{}: Hindi in Devanagari: {text:?}", info.id);
            }
            assert!(step.watch_s > 0 && step.speed > 0.0, "{}: {:?}", info.id, step.button.en);
        }
    }
}
