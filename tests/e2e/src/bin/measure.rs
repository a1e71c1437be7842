//! `measure`: the page's performance in headless Chromium on this machine, against the
//! release build in `dist/` (run `trunk build --release` first). For every scenario at its
//! default load and speed it loads the page, lets it run, and reads the frame times the page
//! records (`__replicaLabTiming`: the work of each animation frame — advancing the
//! simulation, rendering, drawing): p50/p95/max frame time and the time to the first frame.
//! Then the gzipped size of the wasm and of the whole page. Budgets (docs/design.md): p95
//! frame ≤ 8 ms, first frame ≤ 1 s, wasm ≤ 350 KB and page ≤ 450 KB gzipped.
//!
//! Last, the memory of a long run: the default scenario at its default load, fast-forwarded
//! (speed ×100) to 30 simulated minutes; the JS heap (after a full garbage collection) and
//! the wasm linear memory at minute 5 and at minute 30. Budget: minute 30 within 2× of
//! minute 5. `--no-heap` skips it (it takes a few minutes).
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
    let mut wasm = 0;
    let mut page = 0;
    if let Ok(entries) = std::fs::read_dir(&root) {
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
    if !std::env::args().any(|arg| arg == "--no-heap") {
        drop(browser);
        heap(&base);
    }
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
