//! `use_animation_frame`: calls back on every animation frame while enabled.
//!
//! The `requestAnimationFrame` handle lives in the component (a `use_mut_ref`): when the
//! component unmounts or `enabled` turns false, the handle is dropped and the loop stops.

use gloo::render::{request_animation_frame, AnimationFrame};
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

type Slot = Rc<RefCell<Option<AnimationFrame>>>;

fn schedule(slot: Slot, callback: Callback<f64>) {
    let next = slot.clone();
    let frame = request_animation_frame(move |timestamp_ms| {
        // `emit` runs the reducer; Yew renders and runs effects (the canvas draws) in a
        // microtask it queues meanwhile. A microtask queued after it ends the frame's work.
        let started = crate::timing::now_ms();
        callback.emit(timestamp_ms);
        wasm_bindgen_futures::spawn_local(async move {
            crate::timing::record_frame(crate::timing::now_ms() - started);
        });
        schedule(next, callback);
    });
    *slot.borrow_mut() = Some(frame);
}

/// Emits the frame timestamp (ms) to `callback` on every frame while `enabled`.
#[hook]
pub fn use_animation_frame(callback: Callback<f64>, enabled: bool) {
    let slot: Slot = use_mut_ref(|| None);
    use_effect_with(enabled, move |enabled| {
        if *enabled {
            schedule(slot.clone(), callback);
        } else {
            *slot.borrow_mut() = None;
        }
        move || {
            *slot.borrow_mut() = None;
        }
    });
}
