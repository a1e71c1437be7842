//! The release build served over HTTP and rendered by headless Chromium: the map with its
//! seven cities and the scenario's nodes, time that advances, messages in flight, the test
//! hooks, a bad hash that falls back cleanly, every scenario loading and animating, and
//! screenshots of each at desktop and phone size.

use replica_e2e::webdriver::Browser;
use replica_e2e::{dist, dump_dom, in_flight, occurrences, repo_root, screenshot, serve, sim_time_s};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(15);

const DESKTOP: (u32, u32) = (1280, 900);
const PHONE: (u32, u32) = (360, 780);

#[test]
fn the_served_page_renders_the_map_nodes_and_moving_messages() {
    let base = serve(dist());
    let browser = Browser::start(DESKTOP.0, DESKTOP.1);
    browser.goto(&format!("{base}/#scenario=hdfc&seed=7&t=2"));
    assert!(
        browser.wait_for("return document.querySelectorAll('[data-city]').length === 7", WAIT),
        "seven cities on the map"
    );
    let dom = browser.eval("return document.documentElement.outerHTML").as_str().unwrap_or_default().to_string();
    assert_eq!(occurrences(&dom, "data-node=\""), 6, "hdfc's six nodes");
    assert!(dom.contains("name=\"latency\"") && dom.contains("name=\"load\""), "the two sliders");
    assert_eq!(occurrences(&dom, "data-anomaly=\""), 5, "a badge per checker");
    assert!(dom.contains("CC BY 4.0"), "the map's attribution is shown");
    let t_early = sim_time_s(&dom).expect("#sim-time shows a time");
    assert!(t_early >= 2.0, "the link's t=2 was honoured: {t_early}");
    // Messages move: the canvas of dots changes while simulated time advances.
    let dots = "return document.querySelector('canvas.map-dots').toDataURL()";
    let before = browser.eval(dots);
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let after = browser.eval(dots);
    assert_ne!(before, after, "the dots on the map move");
    let dom = browser.eval("return document.documentElement.outerHTML").as_str().unwrap_or_default().to_string();
    let t_later = sim_time_s(&dom).expect("#sim-time shows a time");
    assert!(t_later > t_early, "time advances while playing: {t_early} then {t_later}");
    assert!(in_flight(&dom).unwrap_or(0) > 0, "messages are in flight");
}

#[test]
fn a_hostile_hash_falls_back_to_defaults_with_a_message() {
    let base = serve(dist());
    let dom = dump_dom(
        &format!("{base}/#scenario=%3Cscript%3Ealert(1)%3C/script%3E&seed=abc&latency=NaN&load=-5&commit=maybe"),
        1500,
        DESKTOP,
    );
    assert_eq!(occurrences(&dom, "data-city=\""), 7, "the page still renders");
    assert!(dom.contains("role=\"alert\""), "a notice explains what was ignored");
    assert!(dom.contains("Unknown scenario"), "names the unknown scenario");
    assert!(!dom.contains("<script>alert(1)</script>"), "hash text is never injected as markup");
    assert!(!dom.contains("panic-overlay"), "no panic");
}

/// Every scenario of the catalogue, with the nodes it places.
const SCENARIOS: [(&str, usize); 10] = [
    ("hdfc", 6),
    ("upi", 3),
    ("flipkart", 7),
    ("neft-rtgs", 5),
    ("core-banking", 2),
    ("myntra", 5),
    ("consensus", 5),
    ("data-sync", 4),
    ("lag-monitor", 7),
    ("big-billion-day", 26),
];

#[test]
fn every_scenario_loads_and_animates() {
    let base = serve(dist());
    let browser = Browser::start(DESKTOP.0, DESKTOP.1);
    for (scenario, nodes) in SCENARIOS {
        browser.goto(&format!("{base}/#scenario={scenario}&seed=3&t=1"));
        let ready = format!("return document.querySelectorAll('[data-node]').length === {nodes}");
        assert!(browser.wait_for(&ready, WAIT), "{scenario}: {nodes} nodes on the map");
        let time = "return document.getElementById('sim-time').textContent";
        let before = browser.eval(time);
        let advanced = format!("return document.getElementById('sim-time').textContent !== {before}");
        assert!(browser.wait_for(&advanced, WAIT), "{scenario}: simulated time advances");
        let dom = browser.eval("return document.documentElement.outerHTML").as_str().unwrap_or_default().to_string();
        assert!(!dom.contains("panic-overlay"), "{scenario}: no panic");
        assert!(occurrences(&dom, "data-anomaly=\"") > 0, "{scenario}: its anomaly badges");
    }
}

#[test]
fn screenshots_of_every_scenario_at_desktop_and_phone_size() {
    let base = serve(dist());
    let folder = repo_root().join("target/screenshots");
    for (scenario, _) in SCENARIOS {
        for (size_name, size) in [("desktop", DESKTOP), ("phone", PHONE)] {
            let name = format!("{scenario}-{size_name}.png");
            let out = folder.join(&name);
            let _ = std::fs::remove_file(&out);
            screenshot(&format!("{base}/#scenario={scenario}&seed=7&t=3"), 3000, size, &out);
            let bytes = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
            assert!(bytes > 20_000, "{name} looks empty ({bytes} bytes)");
        }
    }
}

#[test]
fn embed_mode_runs_inside_a_sandboxed_iframe_at_640_by_400() {
    let base = serve(dist());
    // A show-notes page on another origin embedding the player the way "Copy embed code" does.
    let host_root = std::env::temp_dir().join(format!("replica-e2e-embed-{}", std::process::id()));
    std::fs::create_dir_all(&host_root).expect("a temp folder");
    let tag = format!(
        "<iframe src=\"{base}/#scenario=upi&seed=2&embed=1\" width=\"640\" height=\"400\" sandbox=\"allow-scripts\" title=\"Replica Lab\"></iframe>"
    );
    std::fs::write(host_root.join("index.html"), format!("<!doctype html><html><body>{tag}</body></html>"))
        .expect("the host page");
    let host = serve(host_root.clone());
    let browser = Browser::start(DESKTOP.0, DESKTOP.1);
    browser.goto(&format!("{host}/index.html"));
    browser.switch_to_frame(0);
    assert!(
        browser.wait_for("return document.querySelectorAll('[data-node]').length === 3", WAIT),
        "the embedded upi page renders its leaders"
    );
    assert!(browser.wait_for("return document.querySelector('.app.embed') !== null", WAIT), "the compact layout");
    let time = browser.eval("return document.getElementById('sim-time').textContent");
    let advanced = format!("return document.getElementById('sim-time').textContent !== {time}");
    assert!(browser.wait_for(&advanced, WAIT), "the embedded simulation runs");
    let width = browser.eval("return document.documentElement.scrollWidth").as_f64().unwrap_or(f64::MAX);
    assert!(width <= 640.0, "no horizontal scrolling inside 640 px: {width}");
    let dom = browser.eval("return document.documentElement.outerHTML").as_str().unwrap_or_default().to_string();
    assert!(!dom.contains("panic-overlay"), "no panic inside the sandbox");
    browser.switch_to_top();
    let _ = std::fs::remove_dir_all(host_root);
}
