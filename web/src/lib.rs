//! # replica-web
//!
//! The Yew front end of Replica Lab. It owns no simulation logic: it turns user input into
//! `replica_core` controls and configs, asks the core for snapshots, and draws them. The
//! model lives outside components ([`state`]); components only render it and dispatch
//! [`state::Action`]s; drawing on canvases goes through free functions ([`draw`]).

// Component props hold callbacks and shared handles; Debug on them would say nothing useful.
#![allow(missing_debug_implementations)]

pub mod components;
pub mod draw;
pub mod files;
pub mod hooks;
pub mod palette;
pub mod state;
pub mod timing;
pub mod url;

use std::cell::Cell;
use wasm_bindgen::JsCast;

thread_local! {
    /// Seed of the running simulation, for the bug report of the panic overlay.
    static CURRENT_SEED: Cell<u64> = const { Cell::new(0) };
}

/// Remembers the running seed for bug reports.
pub fn remember_seed(seed: u64) {
    CURRENT_SEED.with(|cell| cell.set(seed));
}

/// Mounts the app on `#app` (or the body) after installing the panic overlay.
pub fn start() {
    install_panic_overlay();
    timing::install();
    let root = gloo::utils::document().get_element_by_id("app").unwrap_or_else(|| gloo::utils::body().into());
    yew::Renderer::<components::app::App>::with_root(root).render();
}

/// A panic shows an overlay with the seed and a bug report to copy, never a blank page.
fn install_panic_overlay() {
    std::panic::set_hook(Box::new(|info| {
        let seed = CURRENT_SEED.with(Cell::get);
        let location = web_sys::window().and_then(|w| w.location().href().ok()).unwrap_or_default();
        let report = format!("Replica Lab bug report\nseed: {seed}\nurl: {location}\npanic: {info}");
        web_sys::console::error_1(&report.clone().into());
        let document = gloo::utils::document();
        let Ok(overlay) = document.create_element("div") else { return };
        overlay.set_id("panic-overlay");
        let _ = overlay.set_attribute("role", "alertdialog");
        let _ = overlay.set_attribute("aria-labelledby", "panic-title");
        let pre = document.create_element("pre").ok();
        if let Some(pre) = &pre {
            pre.set_text_content(Some(&report));
        }
        overlay.set_inner_html(
            "<h2 id=\"panic-title\">Replica Lab stopped on a bug</h2>\
             <p>The simulation hit an internal error. The report below names the seed and link that reproduce it.</p>",
        );
        if let Some(pre) = pre {
            let _ = overlay.append_child(&pre);
        }
        if let Ok(button) = document.create_element("button") {
            button.set_text_content(Some("Copy bug report"));
            let text = report.clone();
            let copy = wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || {
                if let Some(window) = web_sys::window() {
                    let _ = window.navigator().clipboard().write_text(&text);
                }
            });
            let _ = button.add_event_listener_with_callback("click", copy.as_ref().unchecked_ref());
            copy.forget();
            let _ = overlay.append_child(&button);
        }
        let _ = gloo::utils::body().append_child(&overlay);
    }));
}
