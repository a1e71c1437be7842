//! The release build served over HTTP and rendered by headless Chromium: the map with its
//! seven cities and the scenario's nodes, time that advances, messages in flight, the test
//! hooks, a bad hash that falls back cleanly, every scenario loading and animating, the load
//! slider changing the running simulation, a click crashing and restarting a node, a shared
//! link reproducing the same digest, trace files exported and imported, and screenshots of
//! each scenario at desktop and phone size.

use replica_e2e::webdriver::Browser;
use replica_e2e::{
    dist, dump_dom, in_flight, occurrences, ops_ok, repo_root, scenarios, screenshot, serve, sim_time_s,
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
    for (scenario, nodes) in scenarios() {
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
    for (scenario, _) in scenarios() {
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
                let title = if lang == "hi" { info.title.hi } else { info.title.en };
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

/// A show-notes page on another origin embeds the player the way "Copy embed code" does, in a
/// 640 × 400 frame and in a 330 px column: in both the frame has the page's computed styles,
/// no sideways scrolling, the map within the frame's height, the anomaly counts, the
/// lesson's next step, the hint and the link to the full lab. A screenshot of the show
/// notes is kept.
#[test]
fn embed_mode_runs_styled_inside_sandboxed_cross_origin_frames() {
    let base = serve(dist());
    let host_root = std::env::temp_dir().join(format!("replica-e2e-embed-{}", std::process::id()));
    std::fs::create_dir_all(&host_root).expect("a temp folder");
    let frame = |width: u32, height: u32| {
        format!(
            "<iframe src=\"{base}/#scenario=upi&seed=2&embed=1\" width=\"{width}\" height=\"{height}\" sandbox=\"allow-scripts\" title=\"Replica Lab\"></iframe>"
        )
    };
    let notes = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Episode notes</title></head>\
         <body style=\"font-family: Georgia, serif; max-width: 1000px; margin: 1rem auto\">\
         <h1>Episode 12: replication across India</h1><p>Try it yourself: crash a leader and watch the conflicts.</p>\
         <div style=\"display:flex; gap:16px; align-items:flex-start\">{}{}</div></body></html>",
        frame(640, 400),
        frame(330, 500)
    );
    std::fs::write(host_root.join("index.html"), notes).expect("the host page");
    let host = serve(host_root.clone());
    let browser = Browser::start(DESKTOP.0, DESKTOP.1);
    browser.goto(&format!("{host}/index.html"));
    for (index, (width, height)) in [(640.0, 400.0), (330.0, 500.0)].into_iter().enumerate() {
        browser.switch_to_frame(index as u32);
        let at = format!("the {width} × {height} frame");
        assert!(
            browser.wait_for("return document.querySelectorAll('[data-node]').length === 3", WAIT),
            "{at} renders upi's leaders"
        );
        assert!(browser.wait_for("return document.querySelector('.app.embed') !== null", WAIT), "{at}: compact");
        let time = browser.eval("return document.getElementById('sim-time').textContent");
        let advanced = format!("return document.getElementById('sim-time').textContent !== {time}");
        assert!(browser.wait_for(&advanced, WAIT), "{at}: the simulation runs");
        let number = |script: &str| browser.eval(script).as_f64().unwrap_or(f64::MAX);
        let scroll = number("return document.documentElement.scrollWidth - document.documentElement.clientWidth");
        assert!(scroll <= 0.0, "{at}: no sideways scrolling ({scroll} px too wide)");
        // The page's computed styles, not the browser's defaults.
        let style = |script: &str| browser.eval(script).as_str().unwrap_or_default().to_string();
        let font = style("return getComputedStyle(document.body).fontFamily");
        assert!(font.contains("system-ui"), "{at}: the page's font: {font}");
        let next = style("return getComputedStyle(document.querySelector('.lesson-step.next button')).backgroundColor");
        assert_eq!(next, "rgb(0, 114, 178)", "{at}: the next step's button in the page's accent");
        let steps = number("return document.querySelectorAll('[data-lesson-step]').length");
        assert_eq!(steps, 1.0, "{at}: the lesson's next step only");
        let map = number("return document.querySelector('.map').getBoundingClientRect().bottom");
        assert!(map <= height, "{at}: the map within the frame: bottom at {map} px");
        for selector in [".anomaly-strip", ".open-full", ".embed-hint", "#play"] {
            let shown = number(&format!(
                "const e = document.querySelector('{selector}'); const r = e.getBoundingClientRect(); \
                 return getComputedStyle(e).display !== 'none' && r.width > 0 && r.right <= {width} ? 1 : 0"
            ));
            assert_eq!(shown, 1.0, "{at}: {selector} shown within the width");
        }
        let dom = browser.eval("return document.documentElement.outerHTML").as_str().unwrap_or_default().to_string();
        assert!(!dom.contains("panic-overlay"), "{at}: no panic inside the sandbox");
        browser.switch_to_top();
    }
    let out = repo_root().join("target/screenshots/embed-show-notes.png");
    browser.screenshot(&out);
    assert!(std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0) > 20_000, "a screenshot of the show notes");
    let _ = std::fs::remove_dir_all(host_root);
}

/// The headline lesson, live: with async commit, crashing Mumbai by the lesson's button
/// shows a lost-write count above 0 within five simulated seconds (the page pauses at it);
/// after switching to quorum commit, the same crash shows 0 once a new primary serves.
#[test]
fn a_failover_shows_lost_writes_live_with_async_commit_and_none_with_quorum_commit() {
    let base = serve(dist());
    let browser = Browser::start_with(DESKTOP.0, DESKTOP.1, &["--force-prefers-reduced-motion"]);
    browser.goto(&format!("{base}/#scenario=hdfc&seed=3&commit=async&t=1"));
    assert!(browser.wait_for("return document.getElementById('sim-time')?.textContent === '1.000 s'", WAIT));
    let click_step = |n: usize| {
        browser.eval(&format!("document.querySelector('[data-lesson-step=\"{n}\"] button').click(); return true"));
    };
    let lost = "document.querySelector('[data-live=\"lost_write\"]')";
    click_step(2);
    assert!(
        browser.wait_for(&format!("return Number({lost}?.textContent ?? 0) > 0"), Duration::from_secs(60)),
        "a live lost-write count after the crash"
    );
    let at_s = sim_time_s(&text_of(&browser, "return document.documentElement.outerHTML")).unwrap_or(f64::MAX);
    assert!(at_s <= 6.0, "within five simulated seconds of the crash at 1 s: at {at_s} s");
    assert!(
        browser.wait_for("return document.querySelector('#play').getAttribute('aria-pressed') === 'false'", WAIT),
        "the lesson pauses at the first lost write"
    );
    click_step(3);
    assert!(browser.wait_for("return location.hash.includes('commit=on')", WAIT), "quorum commit");
    assert!(browser
        .wait_for("return parseFloat(document.getElementById('sim-time').textContent) >= 1", Duration::from_secs(60)));
    click_step(4);
    let taken_over =
        "return [...document.querySelectorAll('[data-node]')].some(n => n.getAttribute('data-node') !== 'mumbai' \
         && n.getAttribute('data-role') === 'primary' && n.getAttribute('data-up') === 'true')";
    assert!(browser.wait_for(taken_over, Duration::from_secs(60)), "a new primary serves");
    assert!(browser.wait_for(&format!("return {lost} !== null"), WAIT), "the takeover was checked");
    assert_eq!(text_of(&browser, &format!("return {lost}.textContent")), "0", "quorum commit loses nothing");
}

/// Every scenario's lesson, taken by its buttons in the browser (at the fastest speed, so
/// the suite stays short): each step shows on the page what it promises — its anomaly's
/// count above 0 (the page pauses at it), or 0 once its watch time is over and, for a
/// checker that needs a quiet run, the lesson's quiet fork has spoken; an alert raised.
#[test]
fn every_lesson_step_runs_by_its_button_and_shows_what_it_promises() {
    use replica_core::lesson::{Expect, LessonAction};
    let base = serve(dist());
    let browser = Browser::start_with(DESKTOP.0, DESKTOP.1, &["--force-prefers-reduced-motion"]);
    let number = |script: &str| browser.eval(script).as_f64().unwrap_or(f64::NAN);
    for info in replica_core::scenario::catalogue() {
        browser.goto(&format!("{base}/#scenario={}&seed=1", info.id));
        let count = info.lesson.len();
        assert!(
            browser
                .wait_for(&format!("return document.querySelectorAll('[data-lesson-step]').length === {count}"), WAIT),
            "{}: {count} steps",
            info.id
        );
        for (index, step) in info.lesson.iter().enumerate() {
            let n = index + 1;
            let at = format!("{} step {n} ({})", info.id, step.button.en);
            let start_s = match step.action {
                LessonAction::Settings(_) => 0.0,
                _ => number("return parseFloat(document.getElementById('sim-time').textContent)"),
            };
            browser.eval(&format!("document.querySelector('[data-lesson-step=\"{n}\"] button').click(); return true"));
            assert!(browser.wait_for(&format!("return location.hash.includes('lesson={n}')"), WAIT), "{at}: taken");
            // The fastest speed: the lesson's own speed is for reading, the test only waits.
            browser.eval(
                "const s = document.querySelector('input[name=speed]'); s.value = '2'; \
                          s.dispatchEvent(new Event('input', { bubbles: true })); return true",
            );
            let end_s = start_s + step.watch_s as f64;
            let over = format!("parseFloat(document.getElementById('sim-time').textContent) >= {end_s}");
            let paused = "document.querySelector('#play').getAttribute('aria-pressed') === 'false'";
            assert!(
                browser.wait_for(&format!("return ({over}) || ({paused})"), Duration::from_secs(120)),
                "{at}: watched"
            );
            let live = |kind: &str| format!("document.querySelector('[data-live=\"{kind}\"]')");
            match step.expect {
                Expect::Shows(kind) => {
                    let found = format!("return Number({}?.textContent ?? 0) > 0", live(kind.name()));
                    assert!(browser.wait_for(&found, Duration::from_secs(30)), "{at}: {} found", kind.name());
                }
                Expect::Holds(kind) => {
                    // Checked after the watch time: by the live check, or by the lesson's fork.
                    assert!(
                        browser.wait_for(&format!("return {over}"), Duration::from_secs(120)),
                        "{at}: watched to the end"
                    );
                    let spoken = if kind.checked_live() {
                        format!("return {} !== null", live(kind.name()))
                    } else {
                        // This step's fork: checked at the end of its watch time, not an earlier one.
                        format!(
                            "const m = /Checked at t = ([0-9.]+) s/.exec(document.querySelector('[data-anomaly=\"{name}\"]')?.textContent ?? ''); \
                             return {} !== null && m !== null && parseFloat(m[1]) >= {end_s} - 0.05",
                            live(kind.name()),
                            name = kind.name()
                        )
                    };
                    assert!(browser.wait_for(&spoken, Duration::from_secs(30)), "{at}: {} checked", kind.name());
                    let text = text_of(&browser, &format!("return {}.textContent", live(kind.name())));
                    assert_eq!(text, "0", "{at}: {} holds", kind.name());
                }
                Expect::AlertRaised => {
                    assert!(browser.wait_for("return document.querySelector('[data-alert]') !== null || /raised/.test(document.querySelector('.monitor')?.textContent ?? '')", Duration::from_secs(60)), "{at}: an alert");
                }
            }
        }
    }
}

/// At 1280 px the header holds one line in both languages (every button in one row), and the
/// message legend names only what the scenario has sent: hdfc ships and votes but never gossips
/// or prepares; neft-rtgs prepares and decides but never gossips.
#[test]
fn the_header_holds_one_line_and_the_legend_names_what_the_scenario_sends() {
    let base = serve(dist());
    let browser = Browser::start_with(1280, 800, &["--force-prefers-reduced-motion"]);
    for (scenario, sent, never) in
        [("hdfc", "replicate", "gossip"), ("neft-rtgs", "prepare", "gossip"), ("flipkart", "gossip", "vote")]
    {
        for lang in ["en", "hi"] {
            browser.goto(&format!("{base}/#scenario={scenario}&seed=1&t=2&lang={lang}"));
            assert!(browser.wait_for("return document.getElementById('sim-time')?.textContent === '2.000 s'", WAIT));
            // Items below the bottom of the shortest one have wrapped onto a second row.
            let wrapped = browser
                .eval(
                    "const items = [...document.querySelectorAll('header > *')].filter(e => e.getClientRects().length > 0); \
                     const bottom = Math.min(...items.map(e => e.getBoundingClientRect().bottom)); \
                     return items.filter(e => e.getBoundingClientRect().top >= bottom).length",
                )
                .as_f64()
                .unwrap_or(f64::NAN);
            assert_eq!(wrapped, 0.0, "{scenario} {lang}: the header's items in one row");
            let kinds = text_of(
                &browser,
                "return [...document.querySelectorAll('.legend [data-kind]')].map(e => e.dataset.kind).join(' ')",
            );
            assert!(kinds.split(' ').any(|k| k == sent), "{scenario}: {sent} in the legend: {kinds}");
            assert!(!kinds.split(' ').any(|k| k == never), "{scenario}: no {never} in the legend: {kinds}");
        }
    }
}

/// Two-phase commit on the map: in normal operation a bank's prepared transfers wait a round
/// trip and nothing reads "blocked"; with the clearing house crashed, a bank is blocked past
/// the vote timeout, its ring red and its label saying how many and for how long.
#[test]
fn neft_rtgs_tells_prepared_from_blocked() {
    let base = serve(dist());
    let browser = Browser::start_with(DESKTOP.0, DESKTOP.1, &["--force-prefers-reduced-motion"]);
    let blocked = "return [...document.querySelectorAll('[data-node^=bank]')].map(n => Number(n.getAttribute('data-blocked'))).reduce((a, b) => a + b, 0)";
    browser.goto(&format!("{base}/#scenario=neft-rtgs&seed=2&t=4"));
    assert!(browser.wait_for("return document.getElementById('sim-time')?.textContent === '4.000 s'", WAIT));
    assert_eq!(browser.eval(blocked).as_f64(), Some(0.0), "nothing blocked in normal operation");
    assert_eq!(browser.eval("return document.querySelectorAll('.node.blocked').length").as_f64(), Some(0.0));
    browser.goto("about:blank");
    browser.goto(&format!("{base}/#scenario=neft-rtgs&seed=2&t=4&ctl=1000000:crash:clearing"));
    assert!(browser.wait_for("return document.getElementById('sim-time')?.textContent === '4.000 s'", WAIT));
    assert!(browser.eval(blocked).as_f64().unwrap_or(0.0) > 0.0, "banks blocked three seconds after the crash");
    let label = text_of(&browser, "return document.querySelector('.node.blocked .node-label')?.textContent ?? ''");
    assert!(label.starts_with("blocked: ") && label.contains("longest"), "{label}");
    let stroke = text_of(
        &browser,
        "return getComputedStyle(document.querySelector('.node.blocked circle:not(.node-hit)')).stroke",
    );
    assert_eq!(stroke, "rgb(213, 94, 0)", "a red ring");
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

/// A real pointer drag of the load slider while the simulation plays (frames render
/// between the moves): the thumb follows the hand and the run takes the load it was
/// released at.
#[test]
fn a_real_drag_of_the_load_slider_while_playing_changes_the_load() {
    let base = serve(dist());
    let browser = Browser::start(DESKTOP.0, DESKTOP.1);
    browser.goto(&format!("{base}/#scenario=hdfc&seed=3&t=1"));
    assert!(browser.wait_for("return document.querySelectorAll('[data-node]').length === 6", WAIT), "hdfc loads");
    browser.eval("document.querySelector('input[name=load]').scrollIntoView({ block: 'center' }); return true");
    let rect = browser.eval(
        "const r = document.querySelector('input[name=load]').getBoundingClientRect(); \
         return [r.left, r.top + r.height / 2, r.width]",
    );
    let number = |i: usize| rect[i].as_f64().unwrap_or_default();
    let (left, y, width) = (number(0), number(1), number(2));
    assert!(width > 50.0, "a slider to drag: {rect}");
    assert!(browser.eval("return document.querySelector('#play').getAttribute('aria-pressed')") == "true");
    // From the thumb (1000 of 0–20000 ops/s) to 45 % of the track, in 12 moves 60 ms apart.
    let thumb_x = left + 8.0 + (width - 16.0) * 0.05;
    browser.drag((thumb_x, y), (left + 8.0 + (width - 16.0) * 0.45, y), 12, 60);
    assert!(
        browser.wait_for("return /ctl=[0-9]+:load:[0-9]+/.test(location.hash)", WAIT),
        "released, the slider is a control in the link: {}",
        text_of(&browser, "return location.hash")
    );
    let hash = text_of(&browser, "return location.hash");
    let load: f64 = hash
        .split("load:")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|digits| digits.parse().ok())
        .unwrap_or_default();
    assert!((7000.0..=11000.0).contains(&load), "the load follows the hand to about 45 % of 20000: {hash}");
    assert_eq!(
        text_of(&browser, "return document.querySelector('input[name=load]').value"),
        format!("{load}"),
        "the thumb stays where it was released"
    );
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

/// The first screen of a laptop (1280 × 800), without scrolling, says what the page is and
/// shows the lesson's first step and the map, in both languages; on a 360 px phone the map
/// and the anomaly counts are in view together, the counts stay in view while the reader
/// scrolls through the page, and the node table fits without sideways scrolling.
#[test]
fn the_first_screen_orients_and_a_phone_keeps_the_counts_in_view() {
    let base = serve(dist());
    let in_view = |selector: &str, whole: bool| {
        format!(
            "const r = document.querySelector('{selector}')?.getBoundingClientRect(); \
             if (!r || r.height === 0) return false; \
             return {} ",
            if whole {
                "r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth"
            } else {
                "r.top < innerHeight - 200 && r.bottom > 200"
            }
        )
    };
    let laptop = Browser::start_with(1280, 800, &["--force-prefers-reduced-motion"]);
    for lang in ["en", "hi"] {
        laptop.goto("about:blank");
        laptop.goto(&format!("{base}/#scenario=hdfc&seed=7&lang={lang}"));
        assert!(laptop.wait_for("return document.querySelector('[data-lesson-step=\"1\"]') !== null", WAIT));
        assert_eq!(laptop.eval("return scrollY").as_f64(), Some(0.0));
        for (selector, whole) in [(".about", true), ("[data-lesson-step=\"1\"]", true), (".map", false)] {
            assert_eq!(
                laptop.eval(&in_view(selector, whole)).as_bool(),
                Some(true),
                "{lang}: {selector} on the first screen"
            );
        }
    }
    let phone = Browser::start_with(PHONE.0, PHONE.1, &["--force-prefers-reduced-motion"]);
    for scenario in ["hdfc", "upi", "consensus"] {
        phone.goto("about:blank");
        phone.goto(&format!("{base}/#scenario={scenario}&seed=7&t=2&lang=hi"));
        assert!(phone.wait_for("return document.getElementById('sim-time')?.textContent === '2.000 s'", WAIT));
        assert_eq!(
            phone.eval(&in_view(".map", false)).as_bool(),
            Some(true),
            "{scenario}: the map on a phone's first screen"
        );
        assert_eq!(
            phone.eval(&in_view(".anomaly-strip", true)).as_bool(),
            Some(true),
            "{scenario}: the counts with it"
        );
        phone.eval("scrollTo(0, document.querySelector('.controls').getBoundingClientRect().top + scrollY); return 0");
        assert_eq!(
            phone.eval(&in_view(".anomaly-strip", true)).as_bool(),
            Some(true),
            "{scenario}: the counts stay in view"
        );
        let fits = phone.eval("const n = document.querySelector('.nodes'); return [n.scrollWidth, n.clientWidth]");
        let widths: Vec<f64> =
            fits.as_array().map(|v| v.iter().filter_map(|x| x.as_f64()).collect()).unwrap_or_default();
        assert!(widths.len() == 2 && widths[0] <= widths[1], "{scenario}: the node table fits: {widths:?}");
    }
}

/// No node covers a city's name, in any scenario or language (names are placed past their
/// city's nodes).
#[test]
fn city_names_are_never_covered_by_nodes() {
    let base = serve(dist());
    let browser = Browser::start_with(DESKTOP.0, DESKTOP.1, &["--force-prefers-reduced-motion"]);
    let covered = "const overlap = (a, b) => a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1; \
        const nodes = [...document.querySelectorAll('.node:not([data-dormant]) circle:not(.node-hit):not(.conflict-flash)')].map(c => c.getBoundingClientRect()).filter(r => r.width > 6); \
        return [...document.querySelectorAll('.city-name')].filter(t => nodes.some(n => overlap(t.getBoundingClientRect(), n))).map(t => t.textContent)";
    for (scenario, _) in scenarios() {
        for lang in ["en", "hi"] {
            browser.goto("about:blank");
            browser.goto(&format!("{base}/#scenario={scenario}&seed=7&t=1&lang={lang}"));
            assert!(browser.wait_for("return document.getElementById('sim-time')?.textContent === '1.000 s'", WAIT));
            let names = browser.eval(covered);
            assert_eq!(names.as_array().map(Vec::len), Some(0), "{scenario} ({lang}): names covered: {names}");
        }
    }
}
