//! Frame timing, for the measurement command: how long each animation frame's work took
//! (advancing the simulation, rendering, drawing), kept in a bounded ring, and when the
//! first frame was drawn. Exposed to the page's JavaScript as `__replicaLabTiming()`,
//! which returns `{ frames_ms: [...], first_frame_ms, frames_total, wasm_memory_bytes }` (the last: the
//! size of the wasm linear memory, which the JS heap does not count). It observes; it
//! changes nothing. `__replicaLabPerf()` runs the engine's fixed workload in the page's wasm
//! (for `measure`'s wasm/native ratio).

use std::cell::RefCell;
use std::collections::VecDeque;
use wasm_bindgen::JsCast;

/// Frame durations kept (the latest).
pub const FRAMES_KEPT: usize = 4096;

#[derive(Default)]
struct Timing {
    frames_ms: VecDeque<f64>,
    first_frame_ms: Option<f64>,
    frames_total: u64,
}

thread_local! {
    static TIMING: RefCell<Timing> = RefCell::new(Timing::default());
}

/// Milliseconds since the page's navigation started.
pub fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

/// Records one frame's work.
pub fn record_frame(duration_ms: f64) {
    TIMING.with(|cell| {
        let mut timing = cell.borrow_mut();
        if timing.frames_ms.len() == FRAMES_KEPT {
            timing.frames_ms.pop_front();
        }
        timing.frames_ms.push_back(duration_ms);
        timing.frames_total += 1;
        if timing.first_frame_ms.is_none() {
            timing.first_frame_ms = Some(now_ms());
        }
    });
}

/// Installs `window.__replicaLabTiming` (once).
pub fn install() {
    let Some(window) = web_sys::window() else { return };
    let read = wasm_bindgen::closure::Closure::<dyn Fn() -> wasm_bindgen::JsValue>::new(|| {
        TIMING.with(|cell| {
            let timing = cell.borrow();
            let object = js_sys::Object::new();
            let frames: js_sys::Array =
                timing.frames_ms.iter().map(|ms| wasm_bindgen::JsValue::from_f64(*ms)).collect();
            let _ = js_sys::Reflect::set(&object, &"frames_ms".into(), &frames);
            let first = timing.first_frame_ms.map_or(wasm_bindgen::JsValue::NULL, wasm_bindgen::JsValue::from_f64);
            let _ = js_sys::Reflect::set(&object, &"first_frame_ms".into(), &first);
            let total = wasm_bindgen::JsValue::from_f64(timing.frames_total as f64);
            let _ = js_sys::Reflect::set(&object, &"frames_total".into(), &total);
            let memory = js_sys::Reflect::get(&wasm_bindgen::memory(), &"buffer".into())
                .and_then(|buffer| js_sys::Reflect::get(&buffer, &"byteLength".into()))
                .unwrap_or(wasm_bindgen::JsValue::NULL);
            let _ = js_sys::Reflect::set(&object, &"wasm_memory_bytes".into(), &memory);
            object.into()
        })
    });
    let _ = js_sys::Reflect::set(&window, &"__replicaLabTiming".into(), read.as_ref().unchecked_ref());
    read.forget();
    let perf = wasm_bindgen::closure::Closure::<dyn Fn() -> wasm_bindgen::JsValue>::new(perf);
    let _ = js_sys::Reflect::set(&window, &"__replicaLabPerf".into(), perf.as_ref().unchecked_ref());
    perf.forget();
}

/// `window.__replicaLabPerf()`: the engine's fixed workload (`replica-lab perf`'s) run here,
/// in the page's wasm, on the main thread: `{ events, ms }`, or null if it cannot build.
fn perf() -> wasm_bindgen::JsValue {
    let started_ms = now_ms();
    let Ok(events) = replica_core::bench::perf_run() else { return wasm_bindgen::JsValue::NULL };
    let elapsed_ms = now_ms() - started_ms;
    let object = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&object, &"events".into(), &wasm_bindgen::JsValue::from_f64(events as f64));
    let _ = js_sys::Reflect::set(&object, &"ms".into(), &wasm_bindgen::JsValue::from_f64(elapsed_ms));
    object.into()
}
