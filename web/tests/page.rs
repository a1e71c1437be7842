//! The page mounted in headless Chrome: the test hooks exist, time advances, messages fly,
//! and a click on a node crashes it.

use replica_web::components::app::App;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test as test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Mounts a fresh app on the default scenario (tests share the page, and the app writes its
/// settings into the URL hash).
fn mount() -> web_sys::Element {
    mount_at("#scenario=hdfc")
}

/// Mounts a fresh app on a link's hash.
fn mount_at(hash: &str) -> web_sys::Element {
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(hash));
    }
    let document = gloo::utils::document();
    let root = document.create_element("div").expect("a div");
    gloo::utils::body().append_child(&root).expect("appended");
    yew::Renderer::<App>::with_root(root.clone()).render();
    root
}

fn count(root: &web_sys::Element, selector: &str) -> u32 {
    root.query_selector_all(selector).map(|list| list.length()).unwrap_or(0)
}

fn text(root: &web_sys::Element, selector: &str) -> String {
    root.query_selector(selector).ok().flatten().and_then(|e| e.text_content()).unwrap_or_default()
}

#[test]
async fn the_page_has_its_hooks_and_runs() {
    let root = mount();
    sleep(300).await;
    assert_eq!(count(&root, "[data-city]"), 7, "seven cities");
    assert_eq!(count(&root, "[data-node]"), 6, "hdfc's default six nodes");
    assert_eq!(count(&root, "[data-city='mumbai'] [data-node='mumbai'][data-role='primary']"), 1);
    assert_eq!(count(&root, "input[type=range][name=latency]"), 1);
    assert_eq!(count(&root, "input[type=range][name=load]"), 1);
    assert_eq!(count(&root, "label[for=latency]") + count(&root, "label[for=load]"), 2, "sliders are labelled");
    for anomaly in ["stale_read", "lost_write", "read_your_writes", "monotonic_read", "split_brain"] {
        assert_eq!(count(&root, &format!("[data-anomaly={anomaly}]")), 1, "{anomaly} badge");
    }
    let first = text(&root, "#sim-time");
    sleep(1500).await;
    let later = text(&root, "#sim-time");
    assert_ne!(first, later, "simulated time advances while playing");
    assert!(text(&root, ".stats").contains("messages in flight"));
    root.remove();
}

#[test]
async fn clicking_a_node_crashes_it_and_again_restarts_it() {
    let root = mount();
    sleep(200).await;
    let node = root.query_selector("[data-node='delhi']").ok().flatten().expect("delhi on the map");
    let click = || {
        let event = web_sys::MouseEvent::new("click").expect("an event");
        let _ = node.dispatch_event(&event);
    };
    click();
    sleep(100).await;
    let delhi = root.query_selector("[data-node='delhi']").ok().flatten().expect("still drawn");
    assert_eq!(delhi.get_attribute("data-up").as_deref(), Some("false"));
    let narration = text(&root, "#narration");
    assert!(narration.starts_with("delhi crashed"), "the crash is narrated for screen readers: {narration}");
    let delhi = delhi.dyn_into::<web_sys::Element>().expect("an element");
    let event = web_sys::MouseEvent::new("click").expect("an event");
    let _ = delhi.dispatch_event(&event);
    sleep(100).await;
    let delhi = root.query_selector("[data-node='delhi']").ok().flatten().expect("still drawn");
    assert_eq!(delhi.get_attribute("data-up").as_deref(), Some("true"));
    root.remove();
}

#[test]
async fn the_scenario_picker_switches_to_flipkart_with_vector_clocks() {
    let root = mount();
    sleep(200).await;
    let select = root
        .query_selector("select[name=scenario]")
        .ok()
        .flatten()
        .and_then(|e| e.dyn_into::<web_sys::HtmlSelectElement>().ok())
        .expect("a scenario picker");
    select.set_value("flipkart");
    let _ = select.dispatch_event(&web_sys::Event::new("change").expect("an event"));
    sleep(600).await;
    assert_eq!(count(&root, "[data-node]"), 7, "a warehouse in every city");
    assert_eq!(count(&root, "[data-anomaly=divergence]") + count(&root, "[data-anomaly=oversell]"), 2);
    let label = text(&root, "[data-node='delhi'] .node-label");
    assert!(label.starts_with('[') && label.matches(',').count() == 6, "Delhi shows its vector clock: {label}");
    root.remove();
}

#[test]
async fn upi_shows_a_conflict_badge_that_names_two_concurrent_writes() {
    let root = mount_at("#scenario=upi&seed=4&t=2");
    sleep(300).await;
    assert_eq!(count(&root, "[data-node]"), 3, "leaders in mumbai, delhi and bangalore");
    let badge = root.query_selector("[data-anomaly=conflict]").ok().flatten().expect("a conflict badge");
    let detected: u64 = badge.get_attribute("data-count").and_then(|c| c.parse().ok()).unwrap_or(0);
    assert!(detected > 0, "two seconds of upi detect conflicts");
    let explanation = text(&root, "[data-anomaly=conflict] .badge-finding");
    assert!(
        explanation.contains("concurrent") && explanation.contains("transfer #"),
        "explains the pair: {explanation}"
    );
    for anomaly in ["lww_discarded", "negative_balance", "money_not_conserved", "divergence"] {
        assert_eq!(count(&root, &format!("[data-anomaly={anomaly}]")), 1, "{anomaly} badge");
    }
    let label = text(&root, "[data-node='delhi'] .node-label");
    assert!(label.starts_with('[') && label.matches(',').count() == 2, "Delhi shows its vector clock: {label}");
    assert!(count(&root, ".conflict-flash") > 0, "a node flashes for its conflicts");
    root.remove();
}
