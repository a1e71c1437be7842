//! `measure`: the page's performance in headless Chromium on this machine, against the
//! release build in `dist/` (run `trunk build --release` first). For every scenario at its
//! default load and speed it loads the page, lets it run, and reads the frame times the page
//! records (`__replicaLabTiming`: the work of each animation frame — advancing the
//! simulation, rendering, drawing): p50/p95/max frame time and the time to the first frame.
//! Then the gzipped size of the wasm and of the whole page, and the wasm's code by
//! contributor (crate, or module of the project's own crates) from the name section of the
//! build Trunk made it from (`target/wasm32-unknown-unknown/release/replica-web.wasm`, before
//! `wasm-opt`), so growth is seen per feature. Then the first frame of a cold visit on an
//! emulated 10 Mbit/s, 100 ms round-trip connection (Chrome DevTools Protocol network
//! emulation, cache off, the page served gzipped as a static host serves it). Budgets
//! (docs/design.md): p95 frame ≤ 8 ms, first frame ≤ 1 s (≤ 1.5 s throttled), wasm ≤ 450 KB
//! and page ≤ 550 KB gzipped.
//!
//! The engine in the page: `replica-lab perf`'s workload run in the page's wasm against the
//! same run natively in this process (budget: wasm at least 40 % of native); the simulated
//! seconds per real second the fastest speed (×100) sustains at default load, with its p95
//! frame (budget 16 ms); and the time to scrub a ten-minute hdfc run to its start and back
//! to its end (budget 150 ms each).
//!
//! Last, the memory of a long run: the default scenario at its default load, fast-forwarded
//! (speed ×100) to 30 simulated minutes; the JS heap (after a full garbage collection) and
//! the wasm linear memory at minute 5 and at minute 30. Budget: minute 30 within 2× of
//! minute 5. `--no-heap` skips it (it takes a few minutes). `--sizes` prints the sizes and
//! the contributors alone, without a browser.
//!
//! `CHROMEDRIVER=/usr/bin/chromedriver cargo run --release -p replica-e2e --bin measure`

use replica_e2e::webdriver::Browser;
use replica_e2e::{dist, scenarios, serve};
use std::time::Duration;

/// How long each scenario runs before its frames are read.
const RUN: Duration = Duration::from_secs(8);
/// Frames skipped at the start (the first frames include building the world).
const WARM_UP_FRAMES: usize = 10;

fn percentile(sorted: &[f64], q: f64) -> f64 {
    sorted.get(((sorted.len().max(1) - 1) as f64 * q) as usize).copied().unwrap_or(0.0)
}

/// The gzipped sizes of the wasm and of every file in `dist/`.
fn print_sizes(root: &std::path::Path) {
    let mut wasm = 0;
    let mut page = 0;
    if let Ok(entries) = std::fs::read_dir(root) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_file() {
                let bytes = gzipped_bytes(&path);
                page += bytes;
                if path.extension().is_some_and(|ext| ext == "wasm") {
                    wasm += bytes;
                }
            }
        }
    }
    println!();
    println!(
        "gzipped: wasm {:.1} KB, whole page {:.1} KB (every file in dist/)",
        wasm as f64 / 1024.0,
        page as f64 / 1024.0
    );
}

fn gzipped_bytes(path: &std::path::Path) -> u64 {
    std::process::Command::new("gzip")
        .arg("-9c")
        .arg(path)
        .output()
        .map(|output| output.stdout.len() as u64)
        .unwrap_or(0)
}

fn main() {
    let root = dist();
    if std::env::args().any(|arg| arg == "--sizes") {
        print_sizes(&root);
        contributors(&replica_e2e::repo_root().join("target/wasm32-unknown-unknown/release/replica-web.wasm"));
        return;
    }
    let base = serve(root.clone());
    let browser = Browser::start(1280, 900);
    println!("| scenario | frames | p50 ms | p95 ms | max ms | first frame ms |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (scenario, _) in scenarios() {
        browser.goto("about:blank");
        browser.goto(&format!("{base}/#scenario={scenario}&seed=1"));
        std::thread::sleep(RUN);
        let timing = browser.eval("return window.__replicaLabTiming ? window.__replicaLabTiming() : null");
        let mut frames: Vec<f64> = timing["frames_ms"]
            .as_array()
            .map(|values| values.iter().filter_map(|v| v.as_f64()).skip(WARM_UP_FRAMES).collect())
            .unwrap_or_default();
        frames.sort_by(f64::total_cmp);
        let first = timing["first_frame_ms"].as_f64().unwrap_or(f64::NAN);
        println!(
            "| {scenario} | {} | {:.2} | {:.2} | {:.2} | {first:.0} |",
            frames.len(),
            percentile(&frames, 0.5),
            percentile(&frames, 0.95),
            percentile(&frames, 1.0)
        );
    }
    print_sizes(&root);
    engine_ratio(&browser);
    contributors(&replica_e2e::repo_root().join("target/wasm32-unknown-unknown/release/replica-web.wasm"));
    drop(browser);
    throttled_first_frame(&base);
    fast_forward(&base);
    scrub(&base);
    if !std::env::args().any(|arg| arg == "--no-heap") {
        heap(&base);
    }
}

/// The engine's fixed workload (`replica-lab perf`'s) in the page's wasm against the same
/// run natively in this process (built with the same size-optimised release profile as the
/// wasm); three of each, the best of each compared.
fn engine_ratio(browser: &Browser) {
    let mut native = Vec::new();
    let mut page = Vec::new();
    let mut events = 0;
    for _ in 0..3 {
        let started = std::time::Instant::now();
        events = replica_core::bench::perf_run().expect("the perf workload builds");
        native.push(events as f64 / started.elapsed().as_secs_f64());
        let run = browser.eval("return window.__replicaLabPerf ? window.__replicaLabPerf() : null");
        let (page_events, ms) = (run["events"].as_f64().unwrap_or(0.0), run["ms"].as_f64().unwrap_or(f64::NAN));
        assert_eq!(page_events as u64, events, "the page ran the same workload");
        page.push(page_events / (ms / 1000.0));
    }
    let best = |rates: &[f64]| rates.iter().copied().fold(0.0, f64::max);
    let list = |rates: &[f64]| rates.iter().map(|rate| format!("{:.2}", rate / 1e6)).collect::<Vec<_>>().join(", ");
    println!();
    println!(
        "engine, hdfc at {} ops/s for {} s ({events} events): native {} M events/s, in the page {} M events/s; wasm/native {:.0} % (budget >= 40 %)",
        replica_core::bench::PERF_LOAD_OPS_S,
        replica_core::bench::PERF_DURATION_US / 1_000_000,
        list(&native),
        list(&page),
        100.0 * best(&page) / best(&native)
    );
}

/// Wall time of a fast-forward's sample.
const SUSTAINED_WINDOW: Duration = Duration::from_secs(15);
/// The run scrubbed: ten simulated minutes.
const SCRUB_RUN_S: f64 = 600.0;

/// hdfc at its default load at the fastest speed (×100): the simulated seconds per real
/// second it sustains and its frames' p95 over [`SUSTAINED_WINDOW`].
fn fast_forward(base: &str) {
    let browser = at_full_speed(base);
    std::thread::sleep(Duration::from_secs(3));
    let (t0, frames0) = (sim_seconds(&browser), frame_count(&browser));
    let started = std::time::Instant::now();
    std::thread::sleep(SUSTAINED_WINDOW);
    let (t1, wall) = (sim_seconds(&browser), started.elapsed().as_secs_f64());
    let timing = browser.eval("return window.__replicaLabTiming()");
    let frames_new = (frame_count(&browser) - frames0).max(0.0) as usize;
    let mut frames: Vec<f64> = timing["frames_ms"]
        .as_array()
        .map(|values| {
            let skip = values.len().saturating_sub(frames_new);
            values.iter().skip(skip).filter_map(|v| v.as_f64()).collect()
        })
        .unwrap_or_default();
    frames.sort_by(f64::total_cmp);
    println!();
    println!(
        "speed x100, hdfc at default load: {:.1} simulated s per real s over {wall:.0} s, p95 frame {:.2} ms over {} frames (budget 16 ms)",
        (t1 - t0) / wall,
        percentile(&frames, 0.95),
        frames.len()
    );
}

/// hdfc at its default load fast-forwarded until it is ten simulated minutes long, paused:
/// the time to scrub to its start and back to its end, each the `change` event's handling
/// in the page's own clock (the page rewinds by a replay from the seed).
fn scrub(base: &str) {
    let browser = at_full_speed(base);
    let reached = browser.wait_for(
        &format!("return parseFloat(document.getElementById('sim-time').textContent) >= {SCRUB_RUN_S}"),
        Duration::from_secs(600),
    );
    browser.eval("const p = document.getElementById('play'); if (p.getAttribute('aria-pressed') === 'true') p.click(); return true");
    let end_s = sim_seconds(&browser);
    let scrub_to = |to_s: f64| {
        let ms = browser.eval(&format!(
            "const s = document.getElementById('scrubber'); const t0 = performance.now(); s.value = '{to_s:.3}'; \
             s.dispatchEvent(new Event('change', {{ bubbles: true }})); return performance.now() - t0"
        ));
        let landed = browser.wait_for(
            &format!("return Math.abs(parseFloat(document.getElementById('sim-time').textContent) - {to_s}) < 0.002"),
            Duration::from_secs(120),
        );
        (ms.as_f64().unwrap_or(f64::NAN), landed)
    };
    let (to_start_ms, at_start) = scrub_to(0.0);
    let (to_end_ms, at_end) = scrub_to(end_s);
    println!(
        "scrub a {end_s:.0} s hdfc run (reached: {reached}): to its start {to_start_ms:.0} ms (landed: {at_start}), back to its end {to_end_ms:.0} ms (landed: {at_end}) (budget 150 ms each)"
    );
}

/// A page on hdfc (seed 1, default load) with the speed slider at its maximum.
fn at_full_speed(base: &str) -> Browser {
    let browser = Browser::start(1280, 900);
    browser.goto(&format!("{base}/#scenario=hdfc&seed=1"));
    assert!(browser
        .wait_for("return !!window.__replicaLabTiming && !!document.getElementById('speed')", Duration::from_secs(30)));
    browser.eval(
        "const s = document.getElementById('speed'); s.value = s.max; s.dispatchEvent(new Event('input', { bubbles: true })); return s.value",
    );
    browser
}

/// Frames the page has recorded since it loaded (its ring keeps the latest).
fn frame_count(browser: &Browser) -> f64 {
    browser.eval("return window.__replicaLabTiming().frames_total ?? 0").as_f64().unwrap_or(0.0)
}

/// Contributors listed by `contributors`.
const CONTRIBUTORS_SHOWN: usize = 16;

/// The wasm's code bytes by contributor: each function counted under the first crate its
/// demangled name mentions (under `crate::module` for the project's own crates).
fn contributors(path: &std::path::Path) {
    let Ok(bytes) = std::fs::read(path) else {
        println!("\nsizes by contributor: no {} (build it with `trunk build --release`)", path.display());
        return;
    };
    let mut imported = 0u32;
    let mut sizes: Vec<u64> = Vec::new();
    let mut names = std::collections::HashMap::new();
    for payload in wasmparser::Parser::new(0).parse_all(&bytes).flatten() {
        match payload {
            wasmparser::Payload::ImportSection(reader) => {
                imported += reader
                    .into_iter()
                    .flatten()
                    .flat_map(|imports| imports.into_iter().flatten().map(|(_, import)| import))
                    .filter(|import| matches!(import.ty, wasmparser::TypeRef::Func(_)))
                    .count() as u32;
            }
            wasmparser::Payload::CodeSectionEntry(body) => sizes.push(body.range().end - body.range().start),
            wasmparser::Payload::CustomSection(reader) => {
                if let wasmparser::KnownCustom::Name(names_reader) = reader.as_known() {
                    for name in names_reader.into_iter().flatten() {
                        if let wasmparser::Name::Function(map) = name {
                            for naming in map.into_iter().flatten() {
                                names.insert(naming.index, naming.name.to_string());
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let mut by_contributor = std::collections::BTreeMap::<String, u64>::new();
    let mut total = 0;
    let mut functions = 0;
    for (position, size) in sizes.iter().enumerate() {
        let name = names.get(&(imported + position as u32)).map(String::as_str).unwrap_or("");
        // Type descriptors wasm-bindgen reads and removes: not in the page's wasm.
        if name.starts_with("__wbindgen_describe") {
            continue;
        }
        *by_contributor.entry(contributor(name)).or_default() += size;
        total += size;
        functions += 1;
    }
    let mut ranked: Vec<(String, u64)> = by_contributor.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    println!();
    println!(
        "wasm code by contributor ({:.1} KB of code in {functions} functions, before wasm-opt and gzip):",
        total as f64 / 1024.0,
    );
    println!("| contributor | KB | share |");
    println!("|---|---:|---:|");
    for (name, size) in ranked.iter().take(CONTRIBUTORS_SHOWN) {
        println!("| {name} | {:.1} | {:.1} % |", *size as f64 / 1024.0, 100.0 * *size as f64 / total.max(1) as f64);
    }
    let rest: u64 = ranked.iter().skip(CONTRIBUTORS_SHOWN).map(|(_, size)| size).sum();
    println!("| everything else | {:.1} | {:.1} % |", rest as f64 / 1024.0, 100.0 * rest as f64 / total.max(1) as f64);
}

/// The crate a function's (mangled) name belongs to: the first `crate::` path in its
/// demangled form, with the module for the project's own crates.
fn contributor(mangled: &str) -> String {
    let demangled = format!("{:#}", rustc_demangle::demangle(mangled));
    let mut segments = demangled
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .filter(|path| path.contains("::"))
        .map(|path| path.split("::").filter(|segment| !segment.is_empty()));
    let Some(mut path) = segments.next() else {
        // Symbols without a Rust path: `main`, libm's C routines, wasm-bindgen's shims.
        return "(runtime and shims)".to_string();
    };
    let krate = path.next().unwrap_or("(other)").to_string();
    match path.next() {
        Some(module) if krate.starts_with("replica_") => format!("{krate}::{module}"),
        _ => krate,
    }
}

/// A cold visit's first frame on an emulated 10 Mbit/s link with 100 ms round trips, cache
/// off: three visits to the default scenario.
fn throttled_first_frame(base: &str) {
    let browser = Browser::start(1280, 900);
    browser.cdp("Network.enable", serde_json::json!({}));
    browser.cdp("Network.setCacheDisabled", serde_json::json!({ "cacheDisabled": true }));
    browser.cdp(
        "Network.emulateNetworkConditions",
        serde_json::json!({
            "offline": false,
            "latency": 100,
            "downloadThroughput": 10_000_000 / 8,
            "uploadThroughput": 10_000_000 / 8
        }),
    );
    let mut firsts = Vec::new();
    for _ in 0..3 {
        browser.goto("about:blank");
        browser.goto(&format!("{base}/#scenario=hdfc&seed=1"));
        let drawn = browser.wait_for(
            "return !!window.__replicaLabTiming && window.__replicaLabTiming().first_frame_ms !== null",
            Duration::from_secs(30),
        );
        let first =
            browser.eval("return window.__replicaLabTiming ? window.__replicaLabTiming().first_frame_ms : null");
        firsts.push(if drawn { first.as_f64().unwrap_or(f64::NAN) } else { f64::NAN });
    }
    let shown: Vec<String> = firsts.iter().map(|ms| format!("{ms:.0}")).collect();
    println!();
    println!(
        "first frame at 10 Mbit/s, 100 ms round trip, cold cache (hdfc, three visits): {} ms (budget 1500)",
        shown.join(", ")
    );
}

/// Simulated seconds shown on the page.
fn sim_seconds(browser: &Browser) -> f64 {
    browser
        .eval("return document.getElementById('sim-time').textContent")
        .as_str()
        .and_then(|text| text.trim_end_matches(" s").parse().ok())
        .unwrap_or(0.0)
}

/// (JS heap bytes after a full collection, wasm memory bytes).
fn memory(browser: &Browser) -> (f64, f64) {
    let value =
        browser.eval("gc(); return [performance.memory.usedJSHeapSize, window.__replicaLabTiming().wasm_memory_bytes]");
    (value[0].as_f64().unwrap_or(f64::NAN), value[1].as_f64().unwrap_or(f64::NAN))
}

/// Runs the default scenario at its default load to 30 simulated minutes, fast-forwarded.
fn heap(base: &str) {
    let browser = Browser::start_with(1280, 900, &["--js-flags=--expose-gc", "--enable-precise-memory-info"]);
    browser.goto(&format!("{base}/#scenario=hdfc&seed=1"));
    assert!(browser
        .wait_for("return !!window.__replicaLabTiming && !!document.getElementById('speed')", Duration::from_secs(30)));
    browser.eval(
        "const s = document.getElementById('speed'); s.value = s.max; s.dispatchEvent(new Event('input', { bubbles: true })); return s.value",
    );
    let started = std::time::Instant::now();
    let mut at_minute_5 = None;
    let limit = Duration::from_secs(1500);
    while started.elapsed() < limit {
        std::thread::sleep(Duration::from_secs(2));
        let t = sim_seconds(&browser);
        if at_minute_5.is_none() && t >= 300.0 {
            at_minute_5 = Some((t, memory(&browser)));
        }
        if t >= 1800.0 {
            break;
        }
    }
    let t = sim_seconds(&browser);
    let end = memory(&browser);
    let mib = |bytes: f64| bytes / 1_048_576.0;
    println!();
    match at_minute_5 {
        Some((t5, (heap5, wasm5))) => {
            println!("memory, hdfc at default load, speed x100 ({:.0} s wall):", started.elapsed().as_secs_f64());
            println!("| simulated | JS heap MiB | wasm memory MiB |");
            println!("|---:|---:|---:|");
            println!("| {t5:.0} s | {:.2} | {:.2} |", mib(heap5), mib(wasm5));
            println!("| {t:.0} s | {:.2} | {:.2} |", mib(end.0), mib(end.1));
            println!("JS heap at the end / at minute 5: {:.2}x (budget 2x)", end.0 / heap5);
        }
        None => println!("memory: the run did not reach minute 5 in {} s (reached {t:.0} s)", limit.as_secs()),
    }
}
