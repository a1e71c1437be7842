//! The `replica-lab` command line as a user meets it: JSON shapes, reproducibility, and
//! one-line errors with exit status 2 for bad input. Native only (it spawns the binary).

#![cfg(all(not(target_arch = "wasm32"), feature = "cli"))]

use serde_json::Value;
use std::process::{Command, Output};

fn replica_lab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_replica-lab")).args(args).output().expect("the binary runs")
}

fn json(args: &[&str]) -> Value {
    let output = replica_lab(args);
    assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{args:?}: not JSON: {e}"))
}

const RUN: [&str; 9] = ["run", "--scenario", "hdfc", "--seed", "7", "--duration", "30s", "--json", "--set=replicas=5"];

#[test]
fn run_prints_the_documented_object() {
    let report = json(&RUN);
    for key in [
        "scenario",
        "strategy",
        "seed",
        "duration_s",
        "ops",
        "throughput_ops_s",
        "latency_ms",
        "replication_lag_ms",
        "messages",
        "events",
        "anomalies",
        "trace_digest",
    ] {
        assert!(report.get(key).is_some(), "missing {key}");
    }
    for key in ["ok", "failed", "unknown"] {
        assert!(report["ops"][key].is_u64(), "ops.{key}");
    }
    for key in ["p50", "p95", "p99", "max"] {
        assert!(report["latency_ms"][key].is_f64(), "latency_ms.{key}");
    }
    for key in ["stale_read", "lost_write", "read_your_writes", "monotonic_read", "split_brain"] {
        assert!(report["anomalies"][key].is_u64(), "anomalies.{key}");
    }
    assert_eq!(report["seed"], 7);
    assert!(report["ops"]["ok"].as_u64().unwrap_or(0) > 20_000, "a 30 s run at 1000 ops/s");
}

#[test]
fn same_command_same_digest_other_seed_other_digest() {
    let first = json(&RUN)["trace_digest"].clone();
    let second = json(&RUN)["trace_digest"].clone();
    let mut other = RUN;
    other[4] = "8";
    let third = json(&other)["trace_digest"].clone();
    assert_eq!(first, second);
    assert_ne!(first, third);
}

#[test]
fn bad_input_gets_one_line_and_status_2() {
    let cases: [&[&str]; 14] = [
        &["run", "--scenario", "nope"],
        &["run", "--scenario", "hdfc", "--set", "commit=eventually"],
        &["run", "--scenario", "hdfc", "--set", "replicas=99"],
        &["run", "--scenario", "hdfc", "--set", "colour=blue"],
        &["run", "--scenario", "hdfc", "--set", "novalue"],
        &["run", "--scenario", "hdfc", "--fault", "crash:atlantis@1s"],
        &["run", "--scenario", "hdfc", "--fault", "crash:mumbai"],
        &["run", "--scenario", "hdfc", "--duration", "forever"],
        &["run", "--scenario", "hdfc", "--duration", "0s"],
        &["run", "--scenario", "hdfc", "--load", "NaN"],
        &["run", "--scenario", "hdfc", "--latency-x", "-3"],
        &["sweep", "--seeds", "2", "--faults", "chaos"],
        &["sweep", "--seeds", "2", "--expect", "gremlins"],
        &["trace", "--scenario", "hdfc", "--format", "yaml", "--out", "/dev/null"],
    ];
    for args in cases {
        let output = replica_lab(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("error:"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    // Argument syntax errors come from the parser: status 2, never a panic.
    let output = replica_lab(&["run", "--seed", "-1"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn net_lists_all_21_pairs() {
    let table = json(&["net", "--json"]);
    let rows = table.as_array().expect("an array");
    assert_eq!(rows.len(), 21);
    for row in rows {
        for key in ["a", "b", "distance_km", "rtt_floor_ms", "rtt_p50_ms", "rtt_p99_ms"] {
            assert!(row.get(key).is_some(), "missing {key}");
        }
        // Numbers, not absent values (`None >= None` would hold): floor ≤ p50 ≤ p99.
        let ms = |key: &str| row[key].as_f64().unwrap_or_else(|| panic!("{key} is a number: {row}"));
        assert!(ms("rtt_floor_ms") > 0.0 && ms("rtt_floor_ms") <= ms("rtt_p50_ms"), "{row}");
        assert!(ms("rtt_p50_ms") <= ms("rtt_p99_ms"), "{row}");
    }
}

#[test]
fn scenarios_list_their_knobs() {
    let catalogue = json(&["scenarios", "--json"]);
    let hdfc = catalogue.as_array().and_then(|a| a.iter().find(|s| s["id"] == "hdfc")).expect("hdfc listed");
    let knobs: Vec<&str> = hdfc["knobs"].as_array().expect("knobs").iter().filter_map(|k| k["name"].as_str()).collect();
    for knob in ["commit", "reads", "failover", "replicas"] {
        assert!(knobs.contains(&knob), "knob {knob}");
    }
}

#[test]
fn trace_writes_the_documented_file() {
    let path = std::env::temp_dir().join(format!("replica-lab-trace-{}.json", std::process::id()));
    let path_text = path.to_string_lossy().to_string();
    let output = replica_lab(&["trace", "--scenario", "hdfc", "--seed", "3", "--duration", "2s", "--out", &path_text]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let trace: Value = serde_json::from_slice(&std::fs::read(&path).expect("written")).expect("JSON");
    let _ = std::fs::remove_file(&path);
    assert_eq!(trace["format"], "replica-lab-trace/1");
    for key in [
        "scenario",
        "seed",
        "config",
        "controls",
        "history",
        "nodes",
        "initial_state",
        "final_state",
        "final_extras",
        "events",
        "anomalies",
        "trace_digest",
    ] {
        assert!(trace.get(key).is_some(), "missing {key}");
    }
    let first = &trace["history"][0];
    for key in [
        "id",
        "client",
        "city",
        "node",
        "op",
        "key",
        "value",
        "read_value",
        "invoke_us",
        "complete_us",
        "outcome",
        "epoch",
        "acked_us",
        "fail_reason",
        "args",
        "result",
    ] {
        assert!(first.get(key).is_some(), "history entry lacks {key}");
    }
    assert!(first["args"]["key"].is_u64(), "{first}");
    assert!(trace["final_state"]["mumbai"].is_object());
    assert!(trace["initial_state"]["mumbai"].is_object());
}

#[test]
fn replay_checks_a_trace_s_digest() {
    let path = std::env::temp_dir().join(format!("replica-lab-replay-{}.json", std::process::id()));
    let path_text = path.to_string_lossy().to_string();
    let written = replica_lab(&[
        "trace",
        "--scenario",
        "neft-rtgs",
        "--seed",
        "4",
        "--duration",
        "2s",
        "--fault",
        "crash:delhi@1s",
        "--out",
        &path_text,
    ]);
    assert!(written.status.success(), "{}", String::from_utf8_lossy(&written.stderr));
    let replayed = replica_lab(&["replay", &path_text]);
    assert_eq!(replayed.status.code(), Some(0), "{}", String::from_utf8_lossy(&replayed.stdout));
    assert!(String::from_utf8_lossy(&replayed.stdout).contains("matches"));

    let text = std::fs::read_to_string(&path).expect("written");
    let digest =
        serde_json::from_str::<Value>(&text).expect("JSON")["trace_digest"].as_str().unwrap_or_default().to_string();
    std::fs::write(&path, text.replace(&digest, "0000000000000000")).expect("rewritten");
    assert_eq!(replica_lab(&["replay", &path_text]).status.code(), Some(1), "a changed digest is reported");
    std::fs::write(&path, "{\"format\":\"replica-lab-trace/1\"").expect("rewritten");
    let broken = replica_lab(&["replay", &path_text]);
    let _ = std::fs::remove_file(&path);
    assert_eq!(broken.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&broken.stderr).contains("not a Replica Lab trace"));
}

#[test]
fn sweep_passes_and_perf_measures() {
    let output =
        replica_lab(&["sweep", "--seeds", "3", "--scenario", "hdfc", "--faults", "random", "--duration", "10s"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stdout));
    let perf = json(&["perf", "--json"]);
    // The same run every time (hdfc at 20,000 ops/s for 20 simulated seconds): its event
    // count is fixed; the rate is that count over the wall time measured.
    let events = perf["events"].as_u64().unwrap_or(0);
    assert_eq!(events, 1_533_530, "the perf run's events");
    let seconds = perf["seconds"].as_f64().unwrap_or(0.0);
    let rate = perf["events_per_sec"].as_f64().unwrap_or(0.0);
    assert!(seconds > 0.0 && (rate - events as f64 / seconds).abs() <= 1.0, "{rate} events/s over {seconds} s");
}

#[test]
fn upi_reports_its_conflicts_and_names_lww_discards() {
    let args =
        ["run", "--scenario", "upi", "--seed", "3", "--duration", "20s", "--fault", "skew:mumbai:+50ms@0s", "--json"];
    let report = json(&args);
    let conflicts = &report["conflicts"];
    for key in ["policy", "detected", "resolved", "open_siblings", "lww_lost_at_merge", "reconciliation"] {
        assert!(conflicts.get(key).is_some(), "conflicts lacks {key}: {conflicts}");
    }
    assert!(conflicts["detected"].as_u64().unwrap_or(0) > 0, "no conflicts: {conflicts}");
    assert!(report["anomalies"]["lww_discarded"].as_u64().unwrap_or(0) > 0);
    let named = report["findings"].as_array().into_iter().flatten().any(|finding| {
        finding["kind"] == "lww_discarded" && finding["explanation"].as_str().unwrap_or("").contains("later write lost")
    });
    assert!(named, "no finding names a later write lost to the skewed clock");
}

#[test]
fn sweep_can_crash_every_node_once_per_seed() {
    let output = replica_lab(&[
        "sweep",
        "--seeds",
        "2",
        "--scenario",
        "core-banking",
        "--faults",
        "crashes",
        "--duration",
        "12s",
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("every node crashed once") && stdout.contains("held every promise"), "{stdout}");
    let bad = replica_lab(&["sweep", "--seeds", "1", "--faults", "bogus"]);
    assert_eq!(bad.status.code(), Some(2), "a bad --faults value is a usage error");
}

#[test]
fn the_operations_scenarios_report_their_sections_as_documented() {
    let monitor = json(&["run", "--scenario", "lag-monitor", "--latency-x", "4", "--duration", "20s", "--json"]);
    assert!(monitor["alerts"]["raised"].as_u64().unwrap_or(0) > 0, "critical lag at 4×: {}", monitor["alerts"]);
    assert!(monitor["alerts"]["by_region"]["delhi"]["raised"].as_u64().unwrap_or(0) > 0);
    assert_eq!(monitor["alerts"]["by_region"]["mumbai"]["raised"], 0);
    for view in ["health", "metrics", "regions"] {
        assert!(monitor["monitor"].get(view).is_some(), "the monitor's {view} view");
    }
    let sync = json(&[
        "run",
        "--scenario",
        "data-sync",
        "--fault",
        "crash:bangalore@10s",
        "--fault",
        "restart:bangalore@15s",
        "--duration",
        "30s",
        "--json",
    ]);
    assert_eq!(sync["anomalies"]["divergence"], 0, "after quiescence every consumer matches the source");
    assert_eq!(sync["anomalies"]["duplicate_apply"], 0, "applied once");
    assert!(sync["sync"]["bangalore"]["duplicates_delivered"].as_u64().unwrap_or(0) > 0, "and reported");
    let scaling = json(&["run", "--scenario", "big-billion-day", "--duration", "40s", "--json"]);
    for key in ["sla_minutes_violated", "cost", "replicas_max"] {
        assert!(scaling[key].is_number(), "{key}");
    }
    for policy in ["reactive", "prescaled"] {
        assert!(scaling["scaling"][policy]["replicas_over_time"].is_array(), "{policy} over time");
    }
}

#[test]
fn run_json_writes_null_for_a_time_to_converge_it_does_not_have() {
    let report = json(&["run", "--scenario", "hdfc", "--duration", "2s", "--json"]);
    assert!(report.as_object().is_some_and(|object| object.contains_key("time_to_converge_ms")), "{report}");
    assert!(report["time_to_converge_ms"].is_null());
    let converged = json(&["run", "--scenario", "flipkart", "--duration", "2s", "--json"]);
    assert!(converged["time_to_converge_ms"].is_f64(), "{converged}");
}

/// `sweep` on one core and on two prints the same (but for its wall time) and exits the same.
#[test]
fn sweep_gives_the_same_answer_on_any_number_of_jobs() {
    let without_time = |output: &Output| {
        let text = String::from_utf8_lossy(&output.stdout).to_string();
        text.lines().map(|line| line.split(" in ").next().unwrap_or("").to_string()).collect::<Vec<_>>()
    };
    for extra in [&["--scenario", "consensus"][..], &["--scenario", "hdfc", "--set", "failover=naive"][..]] {
        let mut args = vec!["sweep", "--seeds", "6", "--faults", "nemesis", "--duration", "8s", "--no-shrink"];
        args.extend_from_slice(extra);
        let one = replica_lab(&[&args[..], &["--jobs", "1"]].concat());
        let two = replica_lab(&[&args[..], &["--jobs", "2"]].concat());
        assert_eq!(one.status.code(), two.status.code(), "{args:?}");
        assert_eq!(without_time(&one), without_time(&two), "{args:?}");
    }
}

/// A sweep cut into shards (`--shard K/N --out FILE`, as a scheduler's array of jobs would
/// run it) and merged (`--merge FILE…`) prints what the whole sweep prints on one machine
/// and exits the same: when every promise held, and when one broke (its schedule shrunk).
/// Files from another sweep, a missing shard or one given twice are refused.
#[test]
fn merged_shards_equal_the_sweep_on_one_machine() {
    let without_time = |output: &Output| {
        let text = String::from_utf8_lossy(&output.stdout).to_string();
        text.lines().map(|line| line.split(" in ").next().unwrap_or("").to_string()).collect::<Vec<_>>()
    };
    let folder = std::env::temp_dir().join(format!("replica-lab-shards-{}", std::process::id()));
    std::fs::create_dir_all(&folder).expect("a temporary folder");
    let held = ["--seeds", "7", "--set", "failover=naive", "--no-shrink"];
    let broken = ["--seeds", "9", "--set", "failover=naive", "--expect", "split_brain"];
    for (name, extra, shards) in [("held", &held[..], 3), ("broken", &broken[..], 4)] {
        let mut args = vec!["sweep", "--scenario", "hdfc", "--faults", "nemesis", "--duration", "8s"];
        args.extend_from_slice(extra);
        let whole = replica_lab(&args);
        let mut files = Vec::new();
        for index in (0..shards).rev() {
            let file = folder.join(format!("{name}-{index}.json")).to_string_lossy().to_string();
            let shard = format!("{index}/{shards}");
            let output = replica_lab(&[&args[..], &["--shard", &shard, "--out", &file]].concat());
            assert!(output.status.success(), "{name} {shard}: {}", String::from_utf8_lossy(&output.stderr));
            files.push(file);
        }
        let files: Vec<&str> = files.iter().map(String::as_str).collect();
        let merged = replica_lab(&[&["sweep", "--merge"][..], &files].concat());
        assert_eq!(whole.status.code(), merged.status.code(), "{name}: {}", String::from_utf8_lossy(&merged.stderr));
        assert_eq!(without_time(&whole), without_time(&merged), "{name}");
        assert!(!without_time(&whole).is_empty(), "{name}: the sweep printed its result");
    }
    assert_eq!(replica_lab(&["sweep", "--seeds", "1"]).status.code(), Some(0), "hdfc holds its promises");
    let held_file = |index: usize| folder.join(format!("held-{index}.json")).to_string_lossy().to_string();
    let broken_file = folder.join("broken-1.json").to_string_lossy().to_string();
    for (files, message) in [
        (vec![held_file(0), held_file(1)], "shard 2/3 is missing"),
        (vec![held_file(0), held_file(1), held_file(1), held_file(2)], "shard 1/3 is given twice"),
        (vec![held_file(0), held_file(1), broken_file], "different sweeps"),
    ] {
        let files: Vec<&str> = files.iter().map(String::as_str).collect();
        let refused = replica_lab(&[&["sweep", "--merge"][..], &files].concat());
        assert_eq!(refused.status.code(), Some(2), "{message}");
        assert!(String::from_utf8_lossy(&refused.stderr).contains(message), "{message}");
    }
    std::fs::remove_dir_all(&folder).ok();
}

/// A reader that closes the pipe early (`sweep | head -1`) ends the program quietly, with
/// the status a shell gives a process killed by SIGPIPE, never a panic.
#[test]
fn a_closed_pipe_ends_a_sweep_quietly() {
    use std::io::Read;
    let mut child = Command::new(env!("CARGO_BIN_EXE_replica-lab"))
        .args(["sweep", "--seeds", "2", "--scenario", "all", "--duration", "2s", "--jobs", "1"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("starts");
    drop(child.stdout.take());
    let status = child.wait().expect("ends");
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        let _ = pipe.read_to_string(&mut stderr);
    }
    assert_eq!(status.code(), Some(141), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn trace_writes_the_history_as_a_jepsen_log() {
    let path = std::env::temp_dir().join(format!("replica-lab-jepsen-{}.edn", std::process::id()));
    let path_text = path.to_string_lossy().to_string();
    let args = ["trace", "--scenario", "consensus", "--duration", "2s", "--format", "jepsen", "--out", &path_text];
    let output = replica_lab(&args);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let text = std::fs::read_to_string(&path).expect("written");
    let _ = std::fs::remove_file(&path);
    let first = text.lines().next().unwrap_or("");
    assert!(first.starts_with("{:type :invoke, :f :") && first.contains(":process 0"), "{first}");
    let bad = replica_lab(&["trace", "--scenario", "hdfc", "--format", "xml", "--out", &path_text]);
    assert_eq!(bad.status.code(), Some(2), "{}", String::from_utf8_lossy(&bad.stderr));
}
