//! Helpers for end-to-end tests: a tiny static file server for `dist/`, and headless
//! Chromium to render pages (DOM dumps and screenshots).
//!
//! Everything stays on 127.0.0.1; Chromium runs with its background networking off.

pub mod webdriver;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Every scenario of the catalogue, with the nodes it places as it starts (the tests and
/// `measure` go through all of them).
pub fn scenarios() -> Vec<(&'static str, usize)> {
    use replica_core::scenario::{self, ScenarioConfig};
    let nodes = |id: &str| match scenario::build(ScenarioConfig::new(id, 1)) {
        Ok(simulation) => simulation.node_names().len(),
        Err(e) => panic!("scenario {id} does not build with its defaults: {e}"),
    };
    scenario::catalogue().map(|info| (info.id, nodes(info.id))).collect()
}

/// Acknowledged operations, from the stats line (`ops ok N · …`).
pub fn ops_ok(dom: &str) -> Option<u64> {
    let start = dom.find("ops ok ")? + "ops ok ".len();
    dom[start..].split_whitespace().next()?.parse().ok()
}

/// Most requests one test server answers before it stops by itself.
pub const REQUESTS_MAX: usize = 2000;

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The release build; panics with the command to run if it is missing.
pub fn dist() -> PathBuf {
    let dist = repo_root().join("dist");
    assert!(
        dist.join("index.html").exists(),
        "no release build in {}: run `trunk build --release` first",
        dist.display()
    );
    dist
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

/// Serves `root` on an ephemeral loopback port from a background thread; returns the base URL.
/// Like most static hosts it allows any origin, which a sandboxed embed (an opaque origin)
/// needs to load the page's module script and wasm, and it sends text and wasm gzipped to a
/// browser that accepts it (as GitHub Pages and most CDNs do), so that timings under an
/// emulated slow network are a visitor's.
pub fn serve(root: PathBuf) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let port = listener.local_addr().expect("an address").port();
    std::thread::spawn(move || {
        let mut gzipped = std::collections::HashMap::<PathBuf, Vec<u8>>::new();
        for stream in listener.incoming().take(REQUESTS_MAX).flatten() {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let mut reader = BufReader::new(&stream);
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            let accepts_gzip = accepts_gzip(&mut reader);
            let path = request_line.split_whitespace().nth(1).unwrap_or("/");
            let path = path.split(['?', '#']).next().unwrap_or("/").trim_start_matches('/');
            let path = if path.is_empty() { "index.html" } else { path };
            let file = root.join(path);
            let inside = !path.contains("..");
            let (status, body, encoding) = match std::fs::read(&file) {
                Ok(body) if inside && accepts_gzip && compressible(&file) => {
                    let body = gzipped.entry(file.clone()).or_insert_with(|| gzip(&body)).clone();
                    ("200 OK", body, "Content-Encoding: gzip\r\n")
                }
                Ok(body) if inside => ("200 OK", body, ""),
                _ => ("404 Not Found", b"not found".to_vec(), ""),
            };
            let mut stream = &stream;
            let header = format!(
                "HTTP/1.1 {status}\r\nContent-Type: {}\r\nContent-Length: {}\r\n{encoding}Access-Control-Allow-Origin: *\r\nConnection: close\r\n\r\n",
                content_type(&file),
                body.len()
            );
            let _ = stream.write_all(header.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    format!("http://127.0.0.1:{port}")
}

/// Reads the request's headers (at most 100 lines); whether it accepts gzip.
fn accepts_gzip(reader: &mut impl BufRead) -> bool {
    let mut accepts = false;
    for _ in 0..100 {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
            break;
        }
        let line = line.to_ascii_lowercase();
        accepts |= line.starts_with("accept-encoding:") && line.contains("gzip");
    }
    accepts
}

fn compressible(path: &Path) -> bool {
    matches!(path.extension().and_then(|e| e.to_str()), Some("html" | "js" | "wasm" | "css" | "svg" | "md"))
}

/// `body` gzipped at the highest level (what `gzip -9` and the size budgets measure).
pub fn gzip(body: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(body).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}

fn chromium(args: &[&str]) -> std::process::Output {
    let profile = std::env::temp_dir().join(format!("replica-e2e-profile-{}-{}", std::process::id(), args.len()));
    let output = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .expect("chromium runs (scripts/setup.sh installs it)");
    let _ = std::fs::remove_dir_all(profile);
    output
}

/// The DOM of `url` after `budget_ms` of virtual time.
pub fn dump_dom(url: &str, budget_ms: u32, window: (u32, u32)) -> String {
    let output = chromium(&[
        &format!("--virtual-time-budget={budget_ms}"),
        &format!("--window-size={},{}", window.0, window.1),
        "--dump-dom",
        url,
    ]);
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A PNG screenshot of `url` after `budget_ms` of virtual time.
pub fn screenshot(url: &str, budget_ms: u32, window: (u32, u32), out: &Path) {
    if let Some(parent) = out.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    let output = chromium(&[
        &format!("--virtual-time-budget={budget_ms}"),
        &format!("--window-size={},{}", window.0, window.1),
        &format!("--screenshot={}", out.display()),
        url,
    ]);
    assert!(out.exists(), "no screenshot: {}", String::from_utf8_lossy(&output.stderr));
}

/// Occurrences of `needle` in `haystack`.
pub fn occurrences(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

/// Text of the element with `id` (first text node only).
pub fn text_of_id(dom: &str, id: &str) -> Option<String> {
    let start = dom.find(&format!("id=\"{id}\""))?;
    let open_end = start + dom[start..].find('>')? + 1;
    let close = open_end + dom[open_end..].find('<')?;
    Some(dom[open_end..close].to_string())
}

/// Simulated seconds shown in `#sim-time`.
pub fn sim_time_s(dom: &str) -> Option<f64> {
    text_of_id(dom, "sim-time")?.trim().trim_end_matches(" s").parse().ok()
}

/// Messages in flight, from the stats line.
pub fn in_flight(dom: &str) -> Option<u64> {
    let end = dom.find(" messages in flight")?;
    let start = dom[..end].rfind(' ')? + 1;
    dom[start..end].parse().ok()
}
