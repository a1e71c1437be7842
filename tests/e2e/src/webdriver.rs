//! A minimal WebDriver client for chromedriver, over plain HTTP/1.1 on loopback.
//!
//! Enough for end-to-end tests: open a session on headless Chromium, navigate, run a
//! script, close. Every wait is bounded.

use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Longest wait for chromedriver to come up.
const DRIVER_START_TIMEOUT: Duration = Duration::from_secs(20);

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free loopback port")
}

fn request(port: u16, method: &str, path: &str, body: Option<&Value>) -> Result<Value, String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream.set_read_timeout(Some(Duration::from_secs(60))).map_err(|e| e.to_string())?;
    let body = body.map(Value::to_string).unwrap_or_default();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(body.as_bytes())).map_err(|e| e.to_string())?;
    let payload = read_response(&mut stream)?;
    let value: Value = serde_json::from_str(&payload).map_err(|e| format!("{e}: {payload}"))?;
    if let Some(error) = value["value"].get("error") {
        return Err(format!("{error}: {}", value["value"]["message"]));
    }
    Ok(value["value"].clone())
}

/// Reads one HTTP response body, honouring Content-Length or chunked encoding (the
/// driver may keep the connection open, so reading to the end would hang).
fn read_response(stream: &mut TcpStream) -> Result<String, String> {
    let mut data = Vec::new();
    let mut buffer = [0u8; 8192];
    let header_end = loop {
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        let read = stream.read(&mut buffer).map_err(|e| e.to_string())?;
        if read == 0 {
            return Err("connection closed before the headers".into());
        }
        data.extend_from_slice(&buffer[..read]);
    };
    let headers = String::from_utf8_lossy(&data[..header_end]).to_ascii_lowercase();
    let length = headers
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .and_then(|value| value.trim().parse::<usize>().ok());
    let chunked = headers.contains("transfer-encoding: chunked");
    loop {
        let body = &data[header_end..];
        let complete = match length {
            Some(length) => body.len() >= length,
            None if chunked => body.windows(5).any(|w| w == b"0\r\n\r\n"),
            None => false,
        };
        if complete {
            break;
        }
        let read = stream.read(&mut buffer).map_err(|e| e.to_string())?;
        if read == 0 {
            break;
        }
        data.extend_from_slice(&buffer[..read]);
    }
    let body = String::from_utf8_lossy(&data[header_end..]).into_owned();
    Ok(if chunked { dechunk(&body) } else { body })
}

fn dechunk(mut payload: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = payload.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else { break };
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        payload = rest[size..].trim_start_matches("\r\n");
    }
    out
}

/// A headless Chromium driven through chromedriver.
pub struct Browser {
    driver: Child,
    port: u16,
    session: String,
    profile: std::path::PathBuf,
}

impl std::fmt::Debug for Browser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Browser").field("port", &self.port).field("session", &self.session).finish()
    }
}

impl Browser {
    /// Starts chromedriver and a headless Chromium of the given window size.
    pub fn start(width: u32, height: u32) -> Self {
        Self::start_with(width, height, &[])
    }

    /// Like [`start`](Self::start), with extra Chromium switches (e.g.
    /// `--force-prefers-reduced-motion`, under which the page starts paused).
    pub fn start_with(width: u32, height: u32, extra_args: &[&str]) -> Self {
        let driver_path = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".to_string());
        let port = free_port();
        let driver = Command::new(driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts (scripts/setup.sh installs it)");
        let started = Instant::now();
        while request(port, "GET", "/status", None).map(|v| v["ready"] != json!(true)).unwrap_or(true) {
            assert!(started.elapsed() < DRIVER_START_TIMEOUT, "chromedriver did not come up");
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = std::env::temp_dir().join(format!("replica-e2e-{}-{port}", std::process::id()));
        let mut args: Vec<String> = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
        ]
        .iter()
        .map(|arg| arg.to_string())
        .collect();
        args.push(format!("--window-size={width},{height}"));
        args.push(format!("--user-data-dir={}", profile.display()));
        args.extend(extra_args.iter().map(|arg| arg.to_string()));
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_string()),
                "args": args
            }
        }}});
        let session = match request(port, "POST", "/session", Some(&capabilities)) {
            Ok(value) => value["sessionId"].as_str().unwrap_or_default().to_string(),
            Err(error) => panic!("no browser session: {error}"),
        };
        Self { driver, port, session, profile }
    }

    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let path = format!("/session/{}{path}", self.session);
        request(self.port, method, &path, body).unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    /// Navigates and waits for the load event.
    pub fn goto(&self, url: &str) {
        self.call("POST", "/url", Some(&json!({ "url": url })));
    }

    /// Runs `script` (a function body; use `return`) and returns its value.
    pub fn eval(&self, script: &str) -> Value {
        self.call("POST", "/execute/sync", Some(&json!({ "script": script, "args": [] })))
    }

    /// Sends a Chrome DevTools Protocol command (chromedriver's `goog/cdp/execute`), e.g.
    /// `Network.emulateNetworkConditions`; returns its result.
    pub fn cdp(&self, command: &str, params: Value) -> Value {
        self.call("POST", "/goog/cdp/execute", Some(&json!({ "cmd": command, "params": params })))
    }

    /// Moves into the `index`th frame of the current document.
    pub fn switch_to_frame(&self, index: u32) {
        self.call("POST", "/frame", Some(&json!({ "id": index })));
    }

    /// Back to the top-level document.
    pub fn switch_to_top(&self) {
        self.call("POST", "/frame", Some(&json!({ "id": null })));
    }

    /// A real pointer drag (WebDriver actions, so the browser's own input handling runs):
    /// press at `from` (viewport pixels), move to `to` in `steps` moves `step_ms` apart,
    /// release. Frames render between the moves, as under a hand.
    pub fn drag(&self, from: (f64, f64), to: (f64, f64), steps: u32, step_ms: u64) {
        let mut moves = vec![
            json!({"type": "pointerMove", "duration": 0, "origin": "viewport", "x": from.0.round() as i64, "y": from.1.round() as i64}),
            json!({"type": "pointerDown", "button": 0}),
            json!({"type": "pause", "duration": step_ms}),
        ];
        let steps = steps.max(1);
        for step in 1..=steps {
            let fraction = f64::from(step) / f64::from(steps);
            let x = from.0 + (to.0 - from.0) * fraction;
            let y = from.1 + (to.1 - from.1) * fraction;
            moves.push(json!({"type": "pointerMove", "duration": step_ms, "origin": "viewport", "x": x.round() as i64, "y": y.round() as i64}));
            moves.push(json!({"type": "pause", "duration": step_ms}));
        }
        moves.push(json!({"type": "pointerUp", "button": 0}));
        let actions = json!({"actions": [{
            "type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"}, "actions": moves
        }]});
        self.call("POST", "/actions", Some(&actions));
        self.call("DELETE", "/actions", None);
    }

    /// A PNG of the viewport as the browser shows it now (frames included), written to `out`.
    pub fn screenshot(&self, out: &std::path::Path) {
        use base64::Engine;
        let encoded = self.call("GET", "/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(encoded.as_str().unwrap_or_default())
            .unwrap_or_else(|e| panic!("a base64 screenshot: {e}"));
        if let Some(parent) = out.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        std::fs::write(out, png).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
    }

    /// Polls `script` until it returns true, at most `timeout`; false if it never did.
    pub fn wait_for(&self, script: &str, timeout: Duration) -> bool {
        let started = Instant::now();
        while started.elapsed() < timeout {
            if self.eval(script) == json!(true) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = request(self.port, "DELETE", &format!("/session/{}", self.session), None);
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}
