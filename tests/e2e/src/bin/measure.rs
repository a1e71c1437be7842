//! `measure`: the page's performance in headless Chromium on this machine, against the
//! release build in `dist/` (run `trunk build --release` first). For every scenario at its
//! default load and speed it loads the page, lets it run, and reads the frame times the page
//! records (`__replicaLabTiming`: the work of each animation frame — advancing the
//! simulation, rendering, drawing): p50/p95/max frame time and the time to the first frame.
//! Then the gzipped size of the wasm and of the whole page. Budgets (DESIGN.md §8): p95
//! frame ≤ 8 ms, first frame ≤ 1 s, wasm ≤ 350 KB and page ≤ 450 KB gzipped.
//!
//! `CHROMEDRIVER=/usr/bin/chromedriver cargo run --release -p replica-e2e --bin measure`

use replica_e2e::webdriver::Browser;
use replica_e2e::{dist, serve, SCENARIOS};
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
    for (scenario, _) in SCENARIOS {
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
}
