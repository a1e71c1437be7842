//! `replica-lab`: the command-line front end of the simulator (DESIGN.md §5).
//!
//! It parses arguments, builds scenarios through `replica_core`, and prints reports. Bad
//! input gets a one-line error and exit status 2; a sweep that finds a broken promise
//! exits 1 and prints the command that reproduces it.

use clap::{Args, Parser, Subcommand};
use replica_core::control::{self, crash_faults, parse_duration_us, parse_fault, random_faults, TimedControl};
use replica_core::replay;
use replica_core::report::{self, RunReport};
use replica_core::scenario::{self, ScenarioConfig};
use std::process::ExitCode;
use std::time::Instant;

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
    /// Run a scenario and write its full trace (history, final state, anomalies) as JSON.
    Trace {
        #[command(flatten)]
        run: RunArgs,
        /// Output file.
        #[arg(long)]
        out: std::path::PathBuf,
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
    /// Run many seeds (optionally with random faults) and check each keeps its promises.
    Sweep {
        /// Number of seeds (1..=N).
        #[arg(long)]
        seeds: u64,
        /// Scenario id.
        #[arg(long, default_value = "hdfc")]
        scenario: String,
        /// `random` for a random fault schedule per seed; `crashes` to crash every node once
        /// at a random moment of every seed's run.
        #[arg(long)]
        faults: Option<String>,
        /// Simulated duration of each run.
        #[arg(long, default_value = "20s")]
        duration: String,
        /// Scenario knob, NAME=VALUE (repeatable).
        #[arg(long = "set", value_name = "KNOB=VALUE")]
        knobs: Vec<String>,
    },
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
        Command::Trace { run, out } => trace_command(&run, &out),
        Command::Replay { file } => replay_command(&file),
        Command::Net { json } => net(json),
        Command::Perf { json } => perf(json),
        Command::Bench { seed, load, latency_x, duration, markdown, json } => {
            let duration_s = parse_duration_us(&duration)?.div_ceil(1_000_000);
            let config =
                replica_core::bench::BenchConfig { seed, load_ops_s: load, latency_multiplier: latency_x, duration_s };
            bench(config, markdown, json)
        }
        Command::Sweep { seeds, scenario, faults, duration, knobs } => {
            sweep(seeds, &scenario, faults, &duration, &knobs)
        }
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
    // Build once to validate the scenario and learn its node ids for the fault grammar.
    let probe = scenario::build(config.clone())?;
    let known = probe.known_ids();
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    for spec in &args.faults {
        config.controls.extend(parse_fault(spec, &known)?);
    }
    config.controls.sort_by_key(|timed| timed.at_us);
    Ok((config, duration_us))
}

fn scenarios(json: bool) -> Result<ExitCode, UsageError> {
    let catalogue = scenario::catalogue();
    if json {
        println!("{}", serde_json::to_string_pretty(&catalogue)?);
    } else {
        for info in catalogue {
            println!("{:<12} {} ({})", info.id, info.title, info.strategy);
            for knob in &info.knobs {
                println!("    --set {}=…  default {:<8} {}", knob.name, knob.default, knob.help);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn run_command(args: &RunArgs, json: bool) -> Result<ExitCode, UsageError> {
    let (config, duration_us) = scenario_config(args)?;
    let finished = report::run(config, duration_us)?;
    if json {
        println!("{}", serde_json::to_string(&finished.report)?);
    } else {
        print_report(&finished.report);
        let now = finished.simulation.now_us();
        for (name, view) in finished.simulation.node_names().iter().zip(finished.simulation.views()) {
            let up = finished.final_state.nodes.iter().find(|n| &n.name == name).is_some_and(|n| n.up);
            println!(
                "  {name:<10} {:<4} {:<9} lag {:>8.1} ms · {}",
                if up { "up" } else { "down" },
                view.role.name(),
                view.lag_us as f64 / 1000.0,
                view.status
            );
        }
        println!("  (at {:.1} s, after {} s of quiescence)", now as f64 / 1e6, scenario::QUIESCE_US / 1_000_000);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_report(report: &RunReport) {
    println!("{} · {} · seed {} · {} s", report.scenario, report.strategy, report.seed, report.duration_s);
    println!(
        "ops ok {} failed {} unknown {} · {:.0} ops/s",
        report.ops.ok, report.ops.failed, report.ops.unknown, report.throughput_ops_s
    );
    let l = &report.latency_ms;
    println!("latency ms p50 {:.2} p95 {:.2} p99 {:.2} max {:.2}", l.p50, l.p95, l.p99, l.max);
    println!("replication lag ms p95 {:.2} max {:.2}", report.replication_lag_ms.p95, report.replication_lag_ms.max);
    println!("messages {} · events {} · digest {}", report.messages, report.events, report.trace_digest);
    for (name, count) in &report.anomalies {
        println!("  {name:<18} {count}");
    }
    for finding in report.findings.iter().take(5) {
        println!("  · {}", finding.explanation);
    }
}

fn trace_command(args: &RunArgs, out: &std::path::Path) -> Result<ExitCode, UsageError> {
    let (config, duration_us) = scenario_config(args)?;
    let finished = report::run(config, duration_us)?;
    let trace = report::trace(&finished);
    std::fs::write(out, trace.to_json()).map_err(|e| UsageError(format!("cannot write {}: {e}", out.display())))?;
    println!("wrote {} ({} operations, digest {})", out.display(), trace.history.len(), trace.trace_digest);
    Ok(ExitCode::SUCCESS)
}

fn replay_command(path: &std::path::Path) -> Result<ExitCode, UsageError> {
    let text = std::fs::read_to_string(path).map_err(|e| UsageError(format!("cannot read {}: {e}", path.display())))?;
    let header = replay::TraceHeader::parse(&text)?;
    let simulation = replay::replay(&header, header.scenario_config()?, u64::MAX)?;
    let digest = simulation.digest_text();
    let at_s = simulation.now_us() as f64 / 1e6;
    if digest == header.trace_digest {
        println!(
            "{}: {} seed {} replayed to {at_s:.3} s: digest {digest} matches",
            path.display(),
            header.scenario,
            header.seed
        );
        Ok(ExitCode::SUCCESS)
    } else {
        println!(
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
        println!("{}", serde_json::to_string_pretty(&table)?);
    } else {
        println!(
            "{:<10} {:<10} {:>8} {:>9} {:>8} {:>8} {:>8}",
            "a", "b", "km", "floor ms", "p50 ms", "p95 ms", "p99 ms"
        );
        for row in table {
            println!(
                "{:<10} {:<10} {:>8.0} {:>9.2} {:>8.2} {:>8.2} {:>8.2}",
                row.a, row.b, row.distance_km, row.rtt_floor_ms, row.rtt_p50_ms, row.rtt_p95_ms, row.rtt_p99_ms
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The fixed heavy workload `perf` measures: hdfc at 20,000 ops/s for 20 simulated seconds.
fn perf(json: bool) -> Result<ExitCode, UsageError> {
    let mut config = ScenarioConfig::new("hdfc", 1);
    config.load_ops_s = Some(20_000.0);
    let mut simulation = scenario::build(config)?;
    let started = Instant::now();
    simulation.run_until(20_000_000);
    let seconds = started.elapsed().as_secs_f64();
    let events = simulation.events();
    let events_per_sec = (events as f64 / seconds).round();
    if json {
        println!("{}", serde_json::json!({ "events": events, "seconds": seconds, "events_per_sec": events_per_sec }));
    } else {
        println!("{events} events in {seconds:.3} s: {events_per_sec:.0} events/s");
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs the benchmark rows on every core, in table order.
fn bench(config: replica_core::bench::BenchConfig, markdown: bool, json: bool) -> Result<ExitCode, UsageError> {
    use replica_core::bench::{self, ENTRIES};
    let started = Instant::now();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, ENTRIES.len());
    // A shared queue: each worker takes the next row, so the slow rows spread over cores.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<_> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut rows = Vec::new();
                    loop {
                        let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(entry) = ENTRIES.get(index) else { break rows };
                        rows.push((index, bench::run_entry(entry, &config)));
                    }
                })
            })
            .collect();
        workers.into_iter().flat_map(|worker| worker.join().unwrap_or_default()).collect()
    });
    let mut rows = Vec::with_capacity(ENTRIES.len());
    let mut ordered = results;
    ordered.sort_by_key(|(index, _)| *index);
    for (_, row) in ordered {
        rows.push(row?);
    }
    let seconds = started.elapsed().as_secs_f64();
    if json {
        let value =
            serde_json::json!({ "config": config, "rows": rows, "method": bench::METHOD, "wall_seconds": seconds });
        println!("{value}");
    } else if markdown {
        print!("{}", bench::markdown(&config, &rows));
    } else {
        print!("{}", bench::markdown(&config, &rows));
        println!("({} rows in {seconds:.2} s wall)", rows.len());
    }
    Ok(ExitCode::SUCCESS)
}

/// A sweep's fault schedule: fault specs for a seed, the nodes and the duration.
type FaultSchedule = fn(u64, &[String], u64) -> Vec<String>;

fn sweep(
    seeds: u64,
    scenario_id: &str,
    faults: Option<String>,
    duration: &str,
    knobs: &[String],
) -> Result<ExitCode, UsageError> {
    let duration_us = parse_duration_us(duration)?;
    let schedule: Option<FaultSchedule> = match faults.as_deref() {
        None => None,
        Some("random") => Some(random_faults),
        Some("crashes") => Some(crash_faults),
        Some(other) => return Err(UsageError(format!("bad --faults '{other}' (random or crashes)"))),
    };
    if seeds == 0 {
        return Err(UsageError("--seeds must be at least 1".to_string()));
    }
    let started = Instant::now();
    let mut totals = std::collections::BTreeMap::<&str, u64>::new();
    for seed in 1..=seeds {
        let mut config = ScenarioConfig::new(scenario_id, seed);
        parse_knobs(knobs, &mut config)?;
        let probe = scenario::build(config.clone())?;
        let specs = schedule.map(|faults| faults(seed, &probe.node_names(), duration_us)).unwrap_or_default();
        let known = probe.known_ids();
        let known: Vec<&str> = known.iter().map(String::as_str).collect();
        let mut controls: Vec<TimedControl> = Vec::new();
        for spec in &specs {
            controls.extend(parse_fault(spec, &known)?);
        }
        controls.sort_by_key(|timed| timed.at_us);
        config.controls = controls;
        let finished = report::run(config, duration_us)?;
        for (name, count) in &finished.report.anomalies {
            *totals.entry(name).or_default() += count;
        }
        let broken: Vec<_> =
            finished.simulation.promises().into_iter().filter(|kind| finished.checks.count(*kind) > 0).collect();
        if let Some(kind) = broken.first() {
            let mut command = format!("replica-lab run --scenario {scenario_id} --seed {seed} --duration {duration}");
            for knob in knobs {
                command.push_str(&format!(" --set {knob}"));
            }
            for spec in &specs {
                command.push_str(&format!(" --fault {spec}"));
            }
            println!("seed {seed}: promise broken: {} = {}", kind.name(), finished.checks.count(*kind));
            if let Some(finding) = finished.checks.findings.iter().find(|f| f.kind == *kind) {
                println!("  {}", finding.explanation);
            }
            println!("reproduce: {command} --json");
            return Ok(ExitCode::from(1));
        }
    }
    println!(
        "{seeds} seeds of {scenario_id} ({}) held every promise in {:.1} s",
        match faults.as_deref() {
            Some("random") => "random faults",
            Some(_) => "every node crashed once",
            None => "no faults",
        },
        started.elapsed().as_secs_f64()
    );
    for (name, count) in totals {
        println!("  {name:<18} {count} (total over seeds)");
    }
    Ok(ExitCode::SUCCESS)
}
