//! `replica-lab`: the command-line front end of the simulator (its contract is in docs/design.md).
//!
//! It parses arguments, builds scenarios through `replica_core`, and prints reports. Bad
//! input gets a one-line error and exit status 2; a sweep that finds a broken promise
//! exits 1 and prints the command that reproduces it.

use clap::{Args, Parser, Subcommand};
use replica_core::control::{self, parse_duration_us};
use replica_core::replay;
use replica_core::report::{self, RunReport};
use replica_core::scenario::{self, ScenarioConfig};
use std::process::ExitCode;
use std::time::Instant;

/// Prints a line on standard output. A reader that went away (`replica-lab sweep | head`)
/// ends the program quietly with the status a shell gives a process killed by SIGPIPE,
/// instead of the panic `println!` gives.
macro_rules! say {
    ($($arg:tt)*) => { crate::write_out(format_args!("{}\n", format_args!($($arg)*))) };
}

/// [`say!`] without the line break.
macro_rules! say_raw {
    ($($arg:tt)*) => { crate::write_out(format_args!($($arg)*)) };
}

mod sweep;

/// Exit status of a process whose reader closed the pipe (128 + SIGPIPE).
const EXIT_BROKEN_PIPE: u8 = 141;

fn write_out(args: std::fmt::Arguments) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(error) = stdout.write_fmt(args).and_then(|()| stdout.flush()) {
        if error.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write to standard output: {error}");
        }
        std::process::exit(i32::from(EXIT_BROKEN_PIPE));
    }
}

#[derive(Parser, Debug)]
#[command(name = "replica-lab", version, about = "Deterministic simulator of database replication across India")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List scenarios and their knobs.
    Scenarios {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run a scenario and report latency, lag and anomalies.
    Run {
        #[command(flatten)]
        run: RunArgs,
        /// Print the report as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Run a scenario and write its full trace (history, initial and final states,
    /// anomalies) as JSON, or its history as Jepsen's EDN operation log (`--format jepsen`).
    Trace {
        #[command(flatten)]
        run: RunArgs,
        /// Output file.
        #[arg(long)]
        out: std::path::PathBuf,
        /// `json` (the trace file; see docs/trace-format.md) or `jepsen` (the history as
        /// EDN, one operation map per line, for Knossos, Elle or Porcupine).
        #[arg(long, default_value = "json")]
        format: String,
    },
    /// Read a trace file (from `trace` or the page's "Export trace"), make its run again from
    /// its scenario, seed, config and controls, and check the digest is the file's: exit 0
    /// when it is, 1 when it differs.
    Replay {
        /// Trace file.
        file: std::path::PathBuf,
    },
    /// Print the link table of the network model.
    Net {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Measure simulated events per second on a fixed heavy workload.
    Perf {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run every strategy on the same seed and workload and print one comparison table.
    Bench {
        /// Seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Offered load, ops/s.
        #[arg(long, default_value_t = 500.0)]
        load: f64,
        /// Latency multiplier.
        #[arg(long = "latency-x", default_value_t = 1.0)]
        latency_x: f64,
        /// Simulated duration of each row.
        #[arg(long, default_value = "60s")]
        duration: String,
        /// Print the table as Markdown (the default prints it aligned).
        #[arg(long)]
        markdown: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run many seeds (optionally under faults) and check each keeps its promises.
    Sweep(sweep::SweepArgs),
}

#[derive(Args, Debug, Clone)]
struct RunArgs {
    /// Scenario id (see `replica-lab scenarios`).
    #[arg(long)]
    scenario: String,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Simulated duration (e.g. 60s, 500ms, 2m).
    #[arg(long, default_value = "60s")]
    duration: String,
    /// Offered load in operations per second (default: the scenario's).
    #[arg(long, allow_negative_numbers = true)]
    load: Option<f64>,
    /// Latency multiplier.
    #[arg(long = "latency-x", default_value_t = 1.0, allow_negative_numbers = true)]
    latency_x: f64,
    /// Scenario knob, NAME=VALUE (repeatable).
    #[arg(long = "set", value_name = "KNOB=VALUE")]
    knobs: Vec<String>,
    /// Fault spec, e.g. crash:mumbai@10s or partition:mumbai-delhi@5s..20s (repeatable).
    #[arg(long = "fault", value_name = "SPEC")]
    faults: Vec<String>,
}

/// A user error: printed on one line, exit status 2.
struct UsageError(String);

impl<E: std::fmt::Display> From<E> for UsageError {
    fn from(error: E) -> Self {
        UsageError(error.to_string())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli.command) {
        Ok(code) => code,
        Err(UsageError(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn dispatch(command: Command) -> Result<ExitCode, UsageError> {
    match command {
        Command::Scenarios { json } => scenarios(json),
        Command::Run { run, json } => run_command(&run, json),
        Command::Trace { run, out, format } => trace_command(&run, &out, &format),
        Command::Replay { file } => replay_command(&file),
        Command::Net { json } => net(json),
        Command::Perf { json } => perf(json),
        Command::Bench { seed, load, latency_x, duration, markdown, json } => {
            let duration_s = parse_duration_us(&duration)?.div_ceil(1_000_000);
            let config =
                replica_core::bench::BenchConfig { seed, load_ops_s: load, latency_multiplier: latency_x, duration_s };
            bench(config, markdown, json)
        }
        Command::Sweep(args) => sweep::sweep(args),
    }
}

fn parse_knobs(knobs: &[String], config: &mut ScenarioConfig) -> Result<(), UsageError> {
    for knob in knobs {
        let (name, value) =
            knob.split_once('=').ok_or_else(|| UsageError(format!("bad --set '{knob}' (expected KNOB=VALUE)")))?;
        config.knobs.insert(name.trim().to_string(), value.trim().to_string());
    }
    Ok(())
}

fn scenario_config(args: &RunArgs) -> Result<(ScenarioConfig, u64), UsageError> {
    let duration_us = parse_duration_us(&args.duration)?;
    let mut config = ScenarioConfig::new(&args.scenario, args.seed);
    config.load_ops_s = args.load;
    config.latency_multiplier = args.latency_x;
    parse_knobs(&args.knobs, &mut config)?;
    Ok((config.with_fault_specs(&args.faults)?, duration_us))
}

fn scenarios(json: bool) -> Result<ExitCode, UsageError> {
    let catalogue: Vec<_> = scenario::catalogue().collect();
    if json {
        say!("{}", serde_json::to_string_pretty(&catalogue)?);
    } else {
        for info in catalogue {
            say!("{:<12} {} ({})", info.id, info.title.en, info.strategy);
            for knob in info.knobs {
                say!("    --set {}=…  default {:<8} {}", knob.name, knob.default, knob.help);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn run_command(args: &RunArgs, json: bool) -> Result<ExitCode, UsageError> {
    let (config, duration_us) = scenario_config(args)?;
    let finished = report::run(config, duration_us)?;
    if json {
        say!("{}", serde_json::to_string(&finished.report)?);
    } else {
        print_report(&finished.report);
        let now = finished.simulation.now_us();
        for (name, view) in finished.simulation.node_names().iter().zip(finished.simulation.views()) {
            let up = finished.final_state.nodes.iter().find(|n| &n.name == name).is_some_and(|n| n.up);
            say!(
                "  {name:<10} {:<4} {:<9} lag {:>8.1} ms · {}",
                if up { "up" } else { "down" },
                view.role.name(),
                view.lag_us as f64 / 1000.0,
                view.status
            );
        }
        let quiet_s = now.saturating_sub(parse_duration_us(&args.duration)?) as f64 / 1e6;
        say!("  (at {:.1} s, after {quiet_s:.1} s of quiescence)", now as f64 / 1e6);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_report(report: &RunReport) {
    say!("{} · {} · seed {} · {} s", report.scenario, report.strategy, report.seed, report.duration_s);
    say!(
        "ops ok {} failed {} unknown {} · {:.0} ops/s",
        report.ops.ok,
        report.ops.failed,
        report.ops.unknown,
        report.throughput_ops_s
    );
    let l = &report.latency_ms;
    say!("latency ms p50 {:.2} p95 {:.2} p99 {:.2} max {:.2}", l.p50, l.p95, l.p99, l.max);
    say!("replication lag ms p95 {:.2} max {:.2}", report.replication_lag_ms.p95, report.replication_lag_ms.max);
    say!("messages {} · events {} · digest {}", report.messages, report.events, report.trace_digest);
    for (name, count) in &report.anomalies {
        say!("  {name:<18} {count}");
    }
    for finding in report.findings.iter().take(5) {
        say!("  · {}", finding.explanation);
    }
}

fn trace_command(args: &RunArgs, out: &std::path::Path, format: &str) -> Result<ExitCode, UsageError> {
    if !["json", "jepsen"].contains(&format) {
        return Err(UsageError(format!("bad --format '{}' (json or jepsen)", control::shorten(format))));
    }
    let (config, duration_us) = scenario_config(args)?;
    let finished = report::run(config, duration_us)?;
    let trace = report::trace(&finished);
    let text = if format == "jepsen" {
        let simulation = finished.simulation.as_ref();
        replica_core::jepsen::history_edn(simulation.history(), &simulation.node_names(), simulation.now_us())
    } else {
        trace.to_json()
    };
    std::fs::write(out, text).map_err(|e| UsageError(format!("cannot write {}: {e}", out.display())))?;
    say!("wrote {} ({} operations, digest {})", out.display(), trace.history.len(), trace.trace_digest);
    Ok(ExitCode::SUCCESS)
}

fn replay_command(path: &std::path::Path) -> Result<ExitCode, UsageError> {
    let text = std::fs::read_to_string(path).map_err(|e| UsageError(format!("cannot read {}: {e}", path.display())))?;
    let header = replay::TraceHeader::parse(&text)?;
    let simulation = replay::replay(&header, header.scenario_config()?, u64::MAX)?;
    let digest = simulation.digest_text();
    let at_s = simulation.now_us() as f64 / 1e6;
    if digest == header.trace_digest {
        say!(
            "{}: {} seed {} replayed to {at_s:.3} s: digest {digest} matches",
            path.display(),
            header.scenario,
            header.seed
        );
        Ok(ExitCode::SUCCESS)
    } else {
        say!(
            "{}: {} seed {} replayed to {at_s:.3} s: digest {digest} differs from the file's {}",
            path.display(),
            header.scenario,
            header.seed,
            control::shorten(&header.trace_digest)
        );
        Ok(ExitCode::from(1))
    }
}

fn net(json: bool) -> Result<ExitCode, UsageError> {
    let table = replica_core::net::link_table(1, 20_000);
    if json {
        say!("{}", serde_json::to_string_pretty(&table)?);
    } else {
        say!("{:<10} {:<10} {:>8} {:>9} {:>8} {:>8} {:>8}", "a", "b", "km", "floor ms", "p50 ms", "p95 ms", "p99 ms");
        for row in table {
            say!(
                "{:<10} {:<10} {:>8.0} {:>9.2} {:>8.2} {:>8.2} {:>8.2}",
                row.a,
                row.b,
                row.distance_km,
                row.rtt_floor_ms,
                row.rtt_p50_ms,
                row.rtt_p95_ms,
                row.rtt_p99_ms
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The fixed heavy workload `perf` measures: hdfc at 20,000 ops/s for 20 simulated seconds.
fn perf(json: bool) -> Result<ExitCode, UsageError> {
    let started = Instant::now();
    let events = replica_core::bench::perf_run()?;
    let seconds = started.elapsed().as_secs_f64();
    let events_per_sec = (events as f64 / seconds).round();
    if json {
        say!("{}", serde_json::json!({ "events": events, "seconds": seconds, "events_per_sec": events_per_sec }));
    } else {
        say!("{events} events in {seconds:.3} s: {events_per_sec:.0} events/s");
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs the benchmark rows on every core, in table order.
fn bench(config: replica_core::bench::BenchConfig, markdown: bool, json: bool) -> Result<ExitCode, UsageError> {
    use replica_core::bench;
    let entries = bench::entries();
    let started = Instant::now();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, entries.len());
    // A shared queue: each worker takes the next row, so the slow rows spread over cores.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<_> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut rows = Vec::new();
                    loop {
                        let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(entry) = entries.get(index) else { break rows };
                        rows.push((index, bench::run_entry(entry, &config)));
                    }
                })
            })
            .collect();
        workers.into_iter().flat_map(|worker| worker.join().unwrap_or_default()).collect()
    });
    let mut rows = Vec::with_capacity(entries.len());
    let mut ordered = results;
    ordered.sort_by_key(|(index, _)| *index);
    for (_, row) in ordered {
        rows.push(row?);
    }
    let seconds = started.elapsed().as_secs_f64();
    if json {
        let value =
            serde_json::json!({ "config": config, "rows": rows, "method": bench::METHOD, "wall_seconds": seconds });
        say!("{value}");
    } else if markdown {
        say_raw!("{}", bench::markdown(&config, &rows));
    } else {
        say_raw!("{}", bench::markdown(&config, &rows));
        say!("({} rows in {seconds:.2} s wall)", rows.len());
    }
    Ok(ExitCode::SUCCESS)
}
