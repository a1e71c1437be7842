//! The release build served over HTTP and rendered by headless Chromium: the map with its
//! seven cities and the scenario's nodes, time that advances, messages in flight, the test
//! hooks, a bad hash that falls back cleanly, every scenario loading and animating, the load
//! slider changing the running simulation, a click crashing and restarting a node, a shared
//! link reproducing the same digest, trace files exported and imported, and screenshots of
//! each scenario at desktop and phone size.

use replica_e2e::webdriver::Browser;
use replica_e2e::{
    dist, dump_dom, in_flight, occurrences, ops_ok, repo_root, screenshot, serve, sim_time_s, SCENARIOS,
};
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
    assert_eq!(occurrences(&dom, "data-anomaly=\""), 6, "a badge per checker (five, and linearizability)");
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
        assert!(occurrences(&dom, "class=\"st-event") > 5, "{scenario}: its space-time diagram");
    }
}

#[test]
fn screenshots_of_every_scenario_at_desktop_and_phone_size() {
    let base = serve(dist());
    let folder = repo_root().join("target/screenshots");
    for (scenario, _) in SCENARIOS {
        for (size_name, size) in [("desktop", DESKTOP), ("phone", PHONE)] {
            for lang in ["en", "hi"] {
                let name = format!("{scenario}-{size_name}-{lang}.png");
                let out = folder.join(&name);
                let _ = std::fs::remove_file(&out);
                let url = format!("{base}/#scenario={scenario}&seed=7&t=3&lang={lang}");
                screenshot(&url, 3000, size, &out);
                let bytes = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
                assert!(bytes > 20_000, "{name} looks empty ({bytes} bytes)");
                if size_name == "phone" {
                    continue;
                }
                // What the screenshot shows, read from the same page: its headings are in the
                // language asked for (Devanagari in Hindi), and the scenario is the one named.
                let dom = dump_dom(&url, 3000, size);
                let headings = between_all(&dom, "<h2", "</h2>");
                let devanagari = headings.chars().any(|c| ('\u{0900}'..='\u{097f}').contains(&c));
                assert_eq!(devanagari, lang == "hi", "{name}: headings {headings}");
                let info = replica_core::scenario::info(scenario).expect("a scenario of the catalogue");
                let title = if lang == "hi" { info.title_hi } else { info.title };
                let subtitle = between_all(&dom, "<span class=\"subtitle\">", "</span>");
                assert!(subtitle.contains(title), "{name}: the subtitle names the scenario: {subtitle}");
            }
        }
    }
}

/// Every text between `start` and `end` in `text`, joined.
fn between_all(text: &str, start: &str, end: &str) -> String {
    let mut found = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(start) {
        let tail = &rest[at..];
        let Some(stop) = tail.find(end) else { break };
        found.push_str(&tail[..stop]);
        found.push(' ');
        rest = &tail[stop..];
    }
    found
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
    // Styled, not bare: the stylesheet loads inside the sandbox (an opaque origin refuses a
    // stylesheet whose integrity it cannot check), so the page's own font and layout apply.
    let sheets = browser.eval("return document.styleSheets.length").as_f64().unwrap_or(0.0);
    assert!(sheets >= 1.0, "the stylesheet loads in the sandboxed frame ({sheets} sheets)");
    let font =
        browser.eval("return getComputedStyle(document.body).fontFamily").as_str().unwrap_or_default().to_string();
    assert!(!font.to_lowercase().contains("times"), "the page's own font, not the browser's default: {font}");
    let map_height = browser
        .eval("const m = document.querySelector('.map'); return m ? m.getBoundingClientRect().height : 9999")
        .as_f64()
        .unwrap_or(f64::MAX);
    assert!(map_height <= 400.0, "the map fits the 400 px frame: {map_height} px");
    let dom = browser.eval("return document.documentElement.outerHTML").as_str().unwrap_or_default().to_string();
    assert!(!dom.contains("panic-overlay"), "no panic inside the sandbox");
    browser.switch_to_top();
    let _ = std::fs::remove_dir_all(host_root);
}

/// Simulated seconds and acknowledged operations as the page shows them.
fn time_and_ops(browser: &Browser) -> (f64, f64) {
    let dom = browser.eval("return document.documentElement.outerHTML").as_str().unwrap_or_default().to_string();
    (sim_time_s(&dom).unwrap_or(f64::NAN), ops_ok(&dom).map_or(f64::NAN, |ops| ops as f64))
}

/// Acknowledged operations per simulated second over `wall_ms` of wall time.
fn ops_rate(browser: &Browser, wall_ms: u64) -> f64 {
    let (t0, ops0) = time_and_ops(browser);
    std::thread::sleep(Duration::from_millis(wall_ms));
    let (t1, ops1) = time_and_ops(browser);
    assert!(t1 > t0, "simulated time advances ({t0} then {t1})");
    (ops1 - ops0) / (t1 - t0)
}

#[test]
fn the_load_slider_changes_the_running_simulation() {
    let base = serve(dist());
    let browser = Browser::start(DESKTOP.0, DESKTOP.1);
    browser.goto(&format!("{base}/#scenario=hdfc&seed=3&t=1"));
    assert!(browser.wait_for("return document.querySelectorAll('[data-node]').length === 6", WAIT), "hdfc loads");
    let before = ops_rate(&browser, 3000);
    browser.eval(
        "const s = document.querySelector('input[name=load]'); s.value = '8000'; \
         s.dispatchEvent(new Event('change', { bubbles: true })); return s.value",
    );
    // Moved after the start, the slider is a control at its moment, carried in the link.
    assert!(browser.wait_for("return /ctl=[0-9]+:load:8000/.test(location.hash)", WAIT), "the link follows the slider");
    std::thread::sleep(Duration::from_millis(500));
    let after = ops_rate(&browser, 3000);
    assert!(after > 3.0 * before, "8000 ops/s offered: {after:.0} ops per simulated second, was {before:.0}");
}

#[test]
fn a_click_on_a_node_crashes_it_and_a_second_restarts_it() {
    let base = serve(dist());
    let browser = Browser::start(DESKTOP.0, DESKTOP.1);
    browser.goto(&format!("{base}/#scenario=consensus&seed=2&t=1"));
    assert!(browser.wait_for("return document.querySelectorAll('[data-node]').length === 5", WAIT), "consensus loads");
    let click = "document.querySelector(\"[data-node='delhi']\").dispatchEvent(new MouseEvent('click', { bubbles: true })); return true";
    browser.eval(click);
    assert!(
        browser.wait_for(
            "return document.querySelector(\"[data-node='delhi']\").getAttribute('data-up') === 'false'",
            WAIT
        ),
        "delhi is down after a click"
    );
    assert!(
        browser.wait_for("return document.getElementById('narration').textContent.startsWith('delhi crashed')", WAIT),
        "and the crash is narrated"
    );
    browser.eval(click);
    assert!(
        browser.wait_for(
            "return document.querySelector(\"[data-node='delhi']\").getAttribute('data-up') === 'true'",
            WAIT
        ),
        "up again after a second click"
    );
}

#[test]
fn a_shared_link_reproduces_the_same_digest() {
    let base = serve(dist());
    // Reduced motion: the page starts paused, so it stays at the link's moment.
    let browser = Browser::start_with(DESKTOP.0, DESKTOP.1, &["--force-prefers-reduced-motion"]);
    let digest_at = |hash: &str| {
        browser.goto(&format!("{base}/{hash}"));
        assert!(
            browser.wait_for("return document.getElementById('sim-time')?.textContent === '4.000 s'", WAIT),
            "{hash}"
        );
        browser.eval("return document.querySelector('.digest').textContent").as_str().unwrap_or_default().to_string()
    };
    let link = "#scenario=upi&seed=11&latency=2&load=900&t=4&policy=siblings";
    let first = digest_at(link);
    browser.goto("about:blank");
    let again = digest_at(link);
    assert_eq!(first.len(), 16, "a 64-bit digest in hex: {first}");
    assert_eq!(first, again, "the same link, the same run");
    let other = digest_at("#scenario=upi&seed=12&latency=2&load=900&t=4&policy=siblings");
    assert_ne!(first, other, "another seed, another run");
}

/// A crash made on the page at the link's moment is in the link the page writes: opened
/// again, that link gives the same digest with the node down.
#[test]
fn a_crash_made_on_the_page_travels_in_the_link() {
    let base = serve(dist());
    let browser = Browser::start_with(DESKTOP.0, DESKTOP.1, &["--force-prefers-reduced-motion"]);
    browser.goto(&format!("{base}/#scenario=hdfc&seed=5&t=2"));
    assert!(browser.wait_for("return document.getElementById('sim-time')?.textContent === '2.000 s'", WAIT));
    browser.eval("document.querySelector(\"[data-node='delhi']\").dispatchEvent(new MouseEvent('click', { bubbles: true })); return true");
    assert!(
        browser.wait_for("return location.hash.includes('ctl=2000000:crash:delhi')", WAIT),
        "the crash is in the link"
    );
    let digest =
        browser.eval("return document.querySelector('.digest').textContent").as_str().unwrap_or_default().to_string();
    let hash = browser.eval("return location.hash").as_str().unwrap_or_default().to_string();
    browser.goto("about:blank");
    browser.goto(&format!("{base}/{hash}&t=2"));
    assert!(browser.wait_for("return document.getElementById('sim-time')?.textContent === '2.000 s'", WAIT), "{hash}");
    let again =
        browser.eval("return document.querySelector('.digest').textContent").as_str().unwrap_or_default().to_string();
    assert_eq!(digest, again, "{hash}");
    assert!(browser
        .wait_for("return document.querySelector(\"[data-node='delhi']\").getAttribute('data-up') === 'false'", WAIT));
}

/// A click on a link cuts it and a second heals it; a drag across the map just south of
/// Delhi cuts all of Delhi's links and no other.
#[test]
fn links_are_cut_by_click_and_partitioned_by_a_drag() {
    let base = serve(dist());
    let browser = Browser::start_with(DESKTOP.0, DESKTOP.1, &["--force-prefers-reduced-motion"]);
    browser.goto(&format!("{base}/#scenario=hdfc&seed=5&t=1"));
    assert!(
        browser.wait_for("return document.querySelectorAll('.link-hit').length === 15", WAIT),
        "15 links among 6 cities"
    );
    let link = "document.querySelector(\".link-hit[data-cities='mumbai-delhi']\")";
    browser.eval(&format!("{link}.dispatchEvent(new MouseEvent('click', {{ bubbles: true }})); return true"));
    assert!(browser.wait_for(&format!("return {link}.getAttribute('data-cut') === 'true'"), WAIT), "cut by a click");
    browser.eval(&format!("{link}.dispatchEvent(new MouseEvent('click', {{ bubbles: true }})); return true"));
    assert!(
        browser.wait_for(&format!("return {link}.getAttribute('data-cut') === 'false'"), WAIT),
        "healed by another"
    );
    browser.eval(
        "const svg = document.querySelector('.map-overlay'); const r = svg.getBoundingClientRect(); \
         const d = document.querySelector('[data-city=delhi] .city-dot').getBoundingClientRect(); \
         const y = d.top + d.height / 2 + 25; \
         const fire = (type, x) => svg.dispatchEvent(new PointerEvent(type, { bubbles: true, clientX: x, clientY: y, pointerId: 1, button: 0 })); \
         fire('pointerdown', r.left + 2); fire('pointermove', r.left + r.width / 2); fire('pointerup', r.right - 2); return true",
    );
    assert!(
        browser.wait_for("return document.querySelectorAll(\".link-hit[data-cut='true']\").length === 5", WAIT),
        "a drag south of Delhi cuts its five links"
    );
    let cut: Vec<String> = browser
        .eval("return [...document.querySelectorAll(\".link-hit[data-cut='true']\")].map(l => l.getAttribute('data-cities'))")
        .as_array()
        .map(|values| values.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    assert!(cut.iter().all(|pair| pair.split('-').any(|city| city == "delhi")), "{cut:?}");
}

fn text_of(browser: &Browser, script: &str) -> String {
    browser.eval(script).as_str().unwrap_or_default().to_string()
}

/// "Export trace" writes the run so far in the format of `replica-lab trace`: replayed
/// natively it gives the digest the page shows. A trace written natively by the command
/// line's code imports into the page, which replays it (through quiescence) to the file's
/// digest; a damaged file is refused with a message and changes nothing.
#[test]
fn traces_export_from_the_page_and_import_into_it() {
    use replica_core::replay::{self, TraceHeader};
    let base = serve(dist());
    let browser = Browser::start_with(DESKTOP.0, DESKTOP.1, &["--force-prefers-reduced-motion"]);
    browser.goto(&format!("{base}/#scenario=hdfc&seed=5&t=2"));
    assert!(browser.wait_for("return document.getElementById('sim-time')?.textContent === '2.000 s'", WAIT));
    browser.eval("document.querySelector(\"[data-node='delhi']\").dispatchEvent(new MouseEvent('click', { bubbles: true })); return true");
    assert!(browser.wait_for("return location.hash.includes('crash:delhi')", WAIT), "crashed");
    // The download is a blob: catch its text as the page makes it.
    browser.eval(
        "window.__trace = null; const make = URL.createObjectURL; \
         URL.createObjectURL = blob => { blob.text().then(t => window.__trace = t); return make(blob); }; \
         document.getElementById('export-trace').click(); return true",
    );
    assert!(browser.wait_for("return typeof window.__trace === 'string'", WAIT), "a trace was offered");
    let exported = text_of(&browser, "return window.__trace");
    let shown_digest = text_of(&browser, "return document.querySelector('.digest').textContent");
    let header = TraceHeader::parse(&exported).unwrap_or_else(|e| panic!("the page's trace reads back: {e}"));
    assert_eq!((header.scenario.as_str(), header.seed, header.time_us), ("hdfc", 5, Some(2_000_000)));
    assert_eq!(header.trace_digest, shown_digest, "the file carries the digest the page shows");
    let config = header.scenario_config().expect("valid settings and controls");
    assert_eq!(config.controls.len(), 1, "the crash");
    let simulation = replay::replay(&header, config, u64::MAX).expect("replays");
    assert_eq!(simulation.digest_text(), shown_digest, "natively, the same run");

    let mut config = replica_core::scenario::ScenarioConfig::new("upi", 9);
    config.controls = vec![replica_core::control::TimedControl {
        at_us: 1_000_000,
        control: replica_core::control::Control::Crash { node: "delhi".to_string() },
    }];
    let finished = replica_core::report::run(config, 3_000_000).expect("runs");
    let file = replica_core::report::trace(&finished).to_json();
    let import = |text: &str| {
        let text = serde_json::to_string(text).unwrap_or_default();
        browser.eval(&format!(
            "const input = document.getElementById('import-trace'); const data = new DataTransfer(); \
             data.items.add(new File([{text}], 'trace.json', {{ type: 'application/json' }})); \
             input.files = data.files; input.dispatchEvent(new Event('change', {{ bubbles: true }})); return true"
        ));
    };
    import(&file);
    assert!(
        browser.wait_for("return document.getElementById('sim-time')?.textContent === '8.000 s'", WAIT),
        "at the trace's quiet end: three seconds of load and five of quiescence"
    );
    let notice = text_of(&browser, "return document.querySelector('.notices')?.textContent ?? ''");
    let expected = format!("digest {} matches the file's", finished.report.trace_digest);
    assert!(notice.contains(&expected), "{notice}");
    assert_eq!(text_of(&browser, "return document.getElementById('scenario').value"), "upi");
    assert!(browser.wait_for("return location.hash.includes('seed=9') && location.hash.includes('crash:delhi')", WAIT));

    import(&file.replace("\"controls\":[", "\"controls\":[{\"at_us\":5,\"control\":{\"type\":\"meteor\"}},"));
    assert!(
        browser.wait_for("return document.querySelector('.notices')?.textContent.includes('Could not import the trace: bad control #1')", WAIT),
        "{}",
        text_of(&browser, "return document.querySelector('.notices')?.textContent ?? ''")
    );
    assert_eq!(
        text_of(&browser, "return document.getElementById('sim-time').textContent"),
        "8.000 s",
        "nothing changed"
    );
}
