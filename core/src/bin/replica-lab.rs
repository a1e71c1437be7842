//! `replica-lab`: the command-line front end of the simulator (its contract is in docs/design.md).
//!
//! It parses arguments, builds scenarios through `replica_core`, and prints reports. Bad
//! input gets a one-line error and exit status 2; a sweep that finds a broken promise
//! exits 1 and prints the command that reproduces it.

use clap::{Args, Parser, Subcommand};
use replica_core::check::AnomalyKind;
use replica_core::control::{self, crash_faults, parse_duration_us, random_faults};
use replica_core::nemesis;
use replica_core::replay;
use replica_core::report::{self, RunReport};
use replica_core::scenario::{self, ScenarioConfig};
use std::process::ExitCode;
use std::time::Instant;

/// Prints a line on standard output. A reader that went away (`replica-lab sweep | head`)
/// ends the program quietly with the status a shell gives a process killed by SIGPIPE,
/// instead of the panic `println!` gives.
macro_rules! say {
    ($($arg:tt)*) => { write_out(format_args!("{}\n", format_args!($($arg)*))) };
}

/// [`say!`] without the line break.
macro_rules! say_raw {
    ($($arg:tt)*) => { write_out(format_args!($($arg)*)) };
}

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
    Sweep(SweepArgs),
}

#[derive(Args, Debug, Clone)]
struct SweepArgs {
    /// Number of seeds (1..=N).
    #[arg(long)]
    seeds: u64,
    /// Scenario id, or `all` for every scenario in the settings its README promises.
    #[arg(long, default_value = "hdfc")]
    scenario: String,
    /// `random` for a random fault schedule per seed; `crashes` to crash every node once
    /// at a random moment of every seed's run; `nemesis` for 3–12 overlapping faults aimed
    /// at the run when they strike (a schedule that breaks a promise is shrunk).
    #[arg(long)]
    faults: Option<String>,
    /// Simulated duration of each run.
    #[arg(long, default_value = "20s")]
    duration: String,
    /// Scenario knob, NAME=VALUE (repeatable).
    #[arg(long = "set", value_name = "KNOB=VALUE")]
    knobs: Vec<String>,
    /// Seeds run at once (default: every core). The result does not depend on it.
    #[arg(long)]
    jobs: Option<usize>,
    /// Print the nemesis's schedule as drawn, without shrinking it.
    #[arg(long)]
    no_shrink: bool,
    /// Also hold every seed to this anomaly count being 0 (repeatable): a promise the
    /// configuration does not make, to watch the nemesis break it and shrink the schedule
    /// (e.g. `--set failover=naive --expect split_brain`).
    #[arg(long = "expect", value_name = "ANOMALY")]
    expect: Vec<String>,
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
        Command::Sweep(args) => sweep(args),
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
    let mut config = ScenarioConfig::new("hdfc", 1);
    config.load_ops_s = Some(20_000.0);
    let mut simulation = scenario::build(config)?;
    let started = Instant::now();
    simulation.run_until(20_000_000);
    let seconds = started.elapsed().as_secs_f64();
    let events = simulation.events();
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

/// How a sweep draws each seed's faults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Schedule {
    /// No faults.
    Quiet,
    /// `control::random_faults`: one to three crashes, isolations, lossy links or partitions.
    Random,
    /// `control::crash_faults`: every node crashes once.
    Crashes,
    /// `nemesis`: 3–12 overlapping faults aimed at the run when they strike.
    Nemesis,
}

impl Schedule {
    fn parse(text: Option<&str>) -> Result<Self, UsageError> {
        match text {
            None => Ok(Schedule::Quiet),
            Some("random") => Ok(Schedule::Random),
            Some("crashes") => Ok(Schedule::Crashes),
            Some("nemesis") => Ok(Schedule::Nemesis),
            Some(other) => {
                Err(UsageError(format!("bad --faults '{}' (random, crashes or nemesis)", control::shorten(other))))
            }
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Schedule::Quiet => "no faults",
            Schedule::Random => "random faults",
            Schedule::Crashes => "every node crashed once",
            Schedule::Nemesis => "the nemesis",
        }
    }
}

/// A promise one seed broke.
struct Broken {
    kind: replica_core::check::AnomalyKind,
    count: u64,
    explanation: Option<String>,
    /// The schedule, as fault specs.
    specs: Vec<String>,
    /// The nemesis's faults, for shrinking.
    faults: Vec<nemesis::Fault>,
}

/// What one seed of a sweep came to.
struct SeedResult {
    seed: u64,
    anomalies: std::collections::BTreeMap<&'static str, u64>,
    near_misses: nemesis::NearMisses,
    broken: Option<Broken>,
}

/// One configuration a sweep runs: a scenario and its knobs.
#[derive(Debug, Clone)]
struct SweepTarget {
    scenario: String,
    knobs: Vec<String>,
}

impl SweepTarget {
    fn config(&self, seed: u64) -> Result<ScenarioConfig, UsageError> {
        let mut config = ScenarioConfig::new(&self.scenario, seed);
        parse_knobs(&self.knobs, &mut config)?;
        Ok(config)
    }

    fn label(&self) -> String {
        if self.knobs.is_empty() {
            self.scenario.clone()
        } else {
            format!("{} ({})", self.scenario, self.knobs.join(" "))
        }
    }

    /// The command that runs one seed of it under `specs`.
    fn command(&self, seed: u64, duration: &str, specs: &[String]) -> String {
        let mut command = format!("replica-lab run --scenario {} --seed {seed} --duration {duration}", self.scenario);
        for knob in &self.knobs {
            command.push_str(&format!(" --set {knob}"));
        }
        for spec in specs {
            command.push_str(&format!(" --fault {spec}"));
        }
        command + " --json"
    }
}

fn sweep_seed(
    target: &SweepTarget,
    seed: u64,
    (schedule, expect): (Schedule, &[AnomalyKind]),
    duration_us: u64,
) -> Result<SeedResult, UsageError> {
    let config = target.config(seed)?;
    let (finished, specs, faults) = match schedule {
        Schedule::Nemesis => {
            let run = nemesis::run(config, duration_us)?;
            (run.finished, nemesis::specs(&run.faults), run.faults)
        }
        _ => {
            let nodes = scenario::build(config.clone())?.node_names();
            let specs = match schedule {
                Schedule::Random => random_faults(seed, &nodes, duration_us),
                Schedule::Crashes => crash_faults(seed, &nodes, duration_us),
                _ => Vec::new(),
            };
            (report::run(config.with_fault_specs(&specs)?, duration_us)?, specs, Vec::new())
        }
    };
    let mut promises = finished.simulation.promises();
    promises.extend(expect.iter().filter(|kind| !promises.contains(kind)).copied().collect::<Vec<_>>());
    let broken = nemesis::broken(&promises, &finished.checks).first().map(|&(kind, count)| Broken {
        kind,
        count,
        explanation: finished.checks.findings.iter().find(|f| f.kind == kind).map(|f| f.explanation.clone()),
        specs,
        faults,
    });
    Ok(SeedResult {
        seed,
        anomalies: finished.report.anomalies.clone(),
        near_misses: nemesis::near_misses(&finished),
        broken,
    })
}

/// Runs seeds `1..=seeds` on `jobs` threads. Every seed up to the first that breaks a
/// promise is run (later ones may be skipped), so the result is the same for any `jobs`.
fn sweep_seeds(
    target: &SweepTarget,
    seeds: u64,
    (schedule, expect): (Schedule, &[AnomalyKind]),
    duration_us: u64,
    jobs: usize,
) -> Result<Vec<SeedResult>, UsageError> {
    use std::sync::atomic::{AtomicU64, Ordering};
    let next = AtomicU64::new(1);
    let first_broken = AtomicU64::new(u64::MAX);
    let results = std::sync::Mutex::new(Vec::new());
    let error = std::sync::Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| loop {
                let seed = next.fetch_add(1, Ordering::Relaxed);
                if seed > seeds || seed > first_broken.load(Ordering::Relaxed) {
                    break;
                }
                match sweep_seed(target, seed, (schedule, expect), duration_us) {
                    Ok(result) => {
                        if result.broken.is_some() {
                            first_broken.fetch_min(seed, Ordering::Relaxed);
                        }
                        results.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(result);
                    }
                    Err(failure) => {
                        first_broken.fetch_min(0, Ordering::Relaxed);
                        error.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get_or_insert(failure);
                        break;
                    }
                }
            });
        }
    });
    if let Some(failure) = error.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner) {
        return Err(failure);
    }
    let mut results = results.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    results.sort_by_key(|result| result.seed);
    let cut = results.iter().position(|result| result.broken.is_some()).map_or(results.len(), |index| index + 1);
    results.truncate(cut);
    Ok(results)
}

/// Sweeps one configuration and prints what it found; whether every promise held.
fn sweep_target(target: &SweepTarget, options: &SweepOptions) -> Result<bool, UsageError> {
    let started = Instant::now();
    let duration_us = parse_duration_us(&options.duration)?;
    // Validate the configuration once, before any thread starts.
    scenario::build(target.config(1)?)?;
    let results = sweep_seeds(target, options.seeds, (options.schedule, &options.expect), duration_us, options.jobs)?;
    if let Some(last) = results.last() {
        if let Some(broken) = &last.broken {
            print_broken(target, last.seed, broken, options, duration_us)?;
            return Ok(false);
        }
    }
    let mut totals = std::collections::BTreeMap::<&str, u64>::new();
    let mut near = nemesis::NearMisses::default();
    for result in &results {
        for (name, count) in &result.anomalies {
            *totals.entry(name).or_default() += count;
        }
        near.add(&result.near_misses);
    }
    say!(
        "{} seeds of {} ({}) held every promise in {:.1} s",
        options.seeds,
        target.label(),
        options.schedule.describe(),
        started.elapsed().as_secs_f64()
    );
    for (name, count) in totals {
        say!("  {name:<21} {count} (total over seeds)");
    }
    say!(
        "  near misses: {} reads answered by a deposed primary, {} operations refused by one, {} leader changes, {} operations of unknown outcome, {} transactions in doubt at the end",
        near.deposed_reads,
        near.refused_not_primary,
        near.leader_changes,
        near.unknown_ops,
        near.in_doubt
    );
    Ok(true)
}

fn print_broken(
    target: &SweepTarget,
    seed: u64,
    broken: &Broken,
    options: &SweepOptions,
    duration_us: u64,
) -> Result<(), UsageError> {
    say!("{}: seed {seed}: promise broken: {} = {}", target.label(), broken.kind.name(), broken.count);
    if let Some(explanation) = &broken.explanation {
        say!("  {explanation}");
    }
    say!("reproduce: {}", target.command(seed, &options.duration, &broken.specs));
    if !options.expect.is_empty() {
        say!("  (held to {} with --expect: the configuration does not promise it)", broken.kind.name());
    }
    if options.schedule == Schedule::Nemesis && options.shrink {
        let shrunk = nemesis::shrink(&target.config(seed)?, duration_us, broken.faults.clone(), broken.kind);
        if !shrunk.reproduced {
            say!(
                "  the drawn schedule did not break the promise when replayed from its specs (a bug: please report it)"
            );
            return Ok(());
        }
        let specs = nemesis::specs(&shrunk.faults);
        say!(
            "shrunk from {} faults ({} specs) to {} ({} specs) in {} runs:",
            broken.faults.len(),
            broken.specs.len(),
            shrunk.faults.len(),
            specs.len(),
            shrunk.runs
        );
        say!("reproduce (shrunk): {}", target.command(seed, &options.duration, &specs));
    }
    Ok(())
}

/// Settings shared by every configuration of one sweep.
struct SweepOptions {
    seeds: u64,
    schedule: Schedule,
    duration: String,
    jobs: usize,
    shrink: bool,
    /// Anomalies held to 0 besides the configuration's own promises.
    expect: Vec<AnomalyKind>,
}

fn sweep(args: SweepArgs) -> Result<ExitCode, UsageError> {
    if args.seeds == 0 {
        return Err(UsageError("--seeds must be at least 1".to_string()));
    }
    let jobs = match args.jobs {
        Some(0) => return Err(UsageError("--jobs must be at least 1".to_string())),
        Some(jobs) => jobs,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let options = SweepOptions {
        seeds: args.seeds,
        schedule: Schedule::parse(args.faults.as_deref())?,
        duration: args.duration,
        jobs: jobs.min(usize::try_from(args.seeds).unwrap_or(usize::MAX)).max(1),
        shrink: !args.no_shrink,
        expect: args
            .expect
            .iter()
            .map(|name| {
                AnomalyKind::from_name(name)
                    .ok_or_else(|| UsageError(format!("unknown anomaly '{}' for --expect", control::shorten(name))))
            })
            .collect::<Result<_, _>>()?,
    };
    let targets: Vec<SweepTarget> = if args.scenario == "all" {
        if !args.knobs.is_empty() {
            return Err(UsageError(
                "--set does not go with --scenario all (it sweeps each scenario's own settings)".to_string(),
            ));
        }
        scenario::promise_configs()
            .map(|(scenario, knobs)| SweepTarget {
                scenario: scenario.to_string(),
                knobs: knobs.iter().map(|(name, value)| format!("{name}={value}")).collect(),
            })
            .collect()
    } else {
        vec![SweepTarget { scenario: args.scenario, knobs: args.knobs }]
    };
    let mut held = true;
    for target in &targets {
        held &= sweep_target(target, &options)?;
    }
    Ok(if held { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
