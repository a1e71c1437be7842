//! `sweep`: many seeds of one configuration (or of every scenario's promised ones), each
//! run under a fault schedule and held to its promises; on every core (`--jobs`), or in
//! slices across machines (`--shard K/N --out FILE`, then `--merge FILE…`), with the same
//! output and exit status either way.

use super::{parse_knobs, UsageError};
use clap::Args;
use replica_core::check::AnomalyKind;
use replica_core::control::{self, crash_faults, parse_duration_us, random_faults};
use replica_core::nemesis;
use replica_core::report;
use replica_core::scenario::{self, ScenarioConfig};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// The `format` of a shard's results file.
const SHARD_FORMAT: &str = "replica-lab-sweep/1";
/// Most shards one sweep may be cut into.
const SHARDS_MAX: u64 = 1_000_000;
/// Largest shard file `--merge` reads.
const SHARD_FILE_MAX_BYTES: u64 = 1 << 30;

/// What a sweep is: the same in every shard of it, and checked to be by `--merge`.
#[derive(Args, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepSettings {
    /// Number of seeds (1..=N).
    #[arg(long, required_unless_present = "merge")]
    seeds: Option<u64>,
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
pub struct SweepArgs {
    #[command(flatten)]
    settings: SweepSettings,
    /// Seeds run at once (default: every core). The result does not depend on it.
    #[arg(long)]
    jobs: Option<usize>,
    /// Run only the K-th (from 0) of N equal slices of the seeds and write what they came
    /// to into `--out` (for a scheduler's array of jobs; `--merge` prints the sweep's result).
    #[arg(long, value_name = "K/N", requires = "out")]
    shard: Option<String>,
    /// Where a shard writes its results.
    #[arg(long, value_name = "FILE", requires = "shard")]
    out: Option<PathBuf>,
    /// Combine the results of every shard of one sweep and print what the whole sweep
    /// prints, with its exit status.
    #[arg(
        long,
        value_name = "FILE",
        num_args = 1..,
        conflicts_with_all = ["seeds", "shard", "faults", "knobs", "expect", "no_shrink"]
    )]
    merge: Vec<PathBuf>,
}

/// `--shard K/N`: the K-th, from 0, of N contiguous slices of the seeds (K is what a
/// Kubernetes Indexed Job's `JOB_COMPLETION_INDEX` holds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Shard {
    index: u64,
    count: u64,
}

impl Shard {
    fn parse(text: &str) -> Result<Self, UsageError> {
        let bad = || UsageError(format!("bad --shard '{}' (expected K/N with 0 <= K < N)", control::shorten(text)));
        let (index, count) = text.split_once('/').ok_or_else(bad)?;
        let shard =
            Shard { index: index.trim().parse().map_err(|_| bad())?, count: count.trim().parse().map_err(|_| bad())? };
        if shard.count == 0 || shard.index >= shard.count || shard.count > SHARDS_MAX {
            return Err(bad());
        }
        Ok(shard)
    }

    /// Its seeds among `1..=seeds` (empty when there are more shards than seeds).
    fn seeds(self, seeds: u64) -> RangeInclusive<u64> {
        let bound = |index: u64| (u128::from(index) * u128::from(seeds) / u128::from(self.count)) as u64;
        bound(self.index) + 1..=bound(self.index + 1)
    }
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
    kind: AnomalyKind,
    count: u64,
    explanation: Option<String>,
    /// The schedule, as fault specs.
    specs: Vec<String>,
    /// The nemesis's faults, for shrinking.
    faults: Vec<nemesis::Fault>,
}

/// What one seed of a sweep came to.
struct SeedResult {
    record: SeedRecord,
    broken: Option<Broken>,
}

/// What one seed came to, as a shard's file holds it: a broken promise is only marked, and
/// `--merge` runs that seed again to print it (runs are deterministic).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct SeedRecord {
    seed: u64,
    anomalies: BTreeMap<String, u64>,
    near_misses: nemesis::NearMisses,
    broken: bool,
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
    options: &SweepOptions,
    duration_us: u64,
) -> Result<SeedResult, UsageError> {
    let config = target.config(seed)?;
    let (finished, specs, faults) = match options.schedule {
        Schedule::Nemesis => {
            let run = nemesis::run(config, duration_us)?;
            (run.finished, nemesis::specs(&run.faults), run.faults)
        }
        schedule => {
            let nodes = scenario::build(config.clone())?.node_names();
            let specs = match schedule {
                Schedule::Random => random_faults(seed, &nodes, duration_us),
                Schedule::Crashes => crash_faults(seed, &nodes, duration_us),
                Schedule::Quiet | Schedule::Nemesis => Vec::new(),
            };
            (report::run(config.with_fault_specs(&specs)?, duration_us)?, specs, Vec::new())
        }
    };
    let mut promises = finished.simulation.promises();
    promises.extend(options.expect.iter().filter(|kind| !promises.contains(kind)).copied().collect::<Vec<_>>());
    let broken = nemesis::broken(&promises, &finished.checks).first().map(|&(kind, count)| Broken {
        kind,
        count,
        explanation: finished.checks.findings.iter().find(|f| f.kind == kind).map(|f| f.explanation.clone()),
        specs,
        faults,
    });
    let record = SeedRecord {
        seed,
        anomalies: finished.report.anomalies.iter().map(|(name, count)| (name.to_string(), *count)).collect(),
        near_misses: nemesis::near_misses(&finished),
        broken: broken.is_some(),
    };
    Ok(SeedResult { record, broken })
}

/// Runs `seeds` on `options.jobs` threads. Every seed up to the first that breaks a
/// promise is run (later ones may be skipped), so the result is the same for any `jobs`.
fn sweep_seeds(
    target: &SweepTarget,
    seeds: RangeInclusive<u64>,
    options: &SweepOptions,
    duration_us: u64,
) -> Result<Vec<SeedResult>, UsageError> {
    use std::sync::atomic::{AtomicU64, Ordering};
    let next = AtomicU64::new(*seeds.start());
    let first_broken = AtomicU64::new(u64::MAX);
    let results = std::sync::Mutex::new(Vec::new());
    let error = std::sync::Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..options.jobs {
            scope.spawn(|| loop {
                let seed = next.fetch_add(1, Ordering::Relaxed);
                if seed > *seeds.end() || seed > first_broken.load(Ordering::Relaxed) {
                    break;
                }
                match sweep_seed(target, seed, options, duration_us) {
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
    results.sort_by_key(|result| result.record.seed);
    let cut = results.iter().position(|result| result.broken.is_some()).map_or(results.len(), |index| index + 1);
    results.truncate(cut);
    Ok(results)
}

/// Runs one configuration's seeds in `seeds` (its settings checked once, before any thread
/// starts); the seconds it took.
fn run_target(
    target: &SweepTarget,
    seeds: RangeInclusive<u64>,
    options: &SweepOptions,
) -> Result<(Vec<SeedResult>, f64), UsageError> {
    let started = Instant::now();
    scenario::build(target.config(1)?)?;
    let results = sweep_seeds(target, seeds, options, options.duration_us)?;
    Ok((results, started.elapsed().as_secs_f64()))
}

/// Prints what one configuration's sweep found: the first broken promise, or the totals
/// over every seed. Whether every promise held.
fn print_target(
    target: &SweepTarget,
    records: &[SeedRecord],
    broken: Option<&Broken>,
    seconds: f64,
    options: &SweepOptions,
) -> Result<bool, UsageError> {
    if let (Some(last), Some(broken)) = (records.last(), broken) {
        print_broken(target, last.seed, broken, options)?;
        return Ok(false);
    }
    let mut totals = BTreeMap::<&str, u64>::new();
    let mut near = nemesis::NearMisses::default();
    for record in records {
        for (name, count) in &record.anomalies {
            *totals.entry(name).or_default() += count;
        }
        near.add(&record.near_misses);
    }
    say!(
        "{} seeds of {} ({}) held every promise in {seconds:.1} s",
        options.seeds,
        target.label(),
        options.schedule.describe(),
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

fn print_broken(target: &SweepTarget, seed: u64, broken: &Broken, options: &SweepOptions) -> Result<(), UsageError> {
    say!("{}: seed {seed}: promise broken: {} = {}", target.label(), broken.kind.name(), broken.count);
    if let Some(explanation) = &broken.explanation {
        say!("  {explanation}");
    }
    say!("reproduce: {}", target.command(seed, &options.duration, &broken.specs));
    if !options.expect.is_empty() {
        say!("  (held to {} with --expect: the configuration does not promise it)", broken.kind.name());
    }
    if options.schedule == Schedule::Nemesis && options.shrink {
        let shrunk = nemesis::shrink(&target.config(seed)?, options.duration_us, broken.faults.clone(), broken.kind);
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

/// Settings shared by every configuration of one sweep, checked.
struct SweepOptions {
    seeds: u64,
    schedule: Schedule,
    duration: String,
    duration_us: u64,
    jobs: usize,
    shrink: bool,
    /// Anomalies held to 0 besides the configuration's own promises.
    expect: Vec<AnomalyKind>,
}

impl SweepOptions {
    fn new(settings: &SweepSettings, jobs: Option<usize>) -> Result<Self, UsageError> {
        let seeds = settings.seeds.unwrap_or(0);
        if seeds == 0 {
            return Err(UsageError("--seeds must be at least 1".to_string()));
        }
        let jobs = match jobs {
            Some(0) => return Err(UsageError("--jobs must be at least 1".to_string())),
            Some(jobs) => jobs,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        Ok(SweepOptions {
            seeds,
            schedule: Schedule::parse(settings.faults.as_deref())?,
            duration: settings.duration.clone(),
            duration_us: parse_duration_us(&settings.duration)?,
            jobs: jobs.min(usize::try_from(seeds).unwrap_or(usize::MAX)).max(1),
            shrink: !settings.no_shrink,
            expect: settings
                .expect
                .iter()
                .map(|name| {
                    AnomalyKind::from_name(name)
                        .ok_or_else(|| UsageError(format!("unknown anomaly '{}' for --expect", control::shorten(name))))
                })
                .collect::<Result<_, _>>()?,
        })
    }
}

/// The configurations a sweep runs, in order.
fn targets(settings: &SweepSettings) -> Result<Vec<SweepTarget>, UsageError> {
    if settings.scenario != "all" {
        return Ok(vec![SweepTarget { scenario: settings.scenario.clone(), knobs: settings.knobs.clone() }]);
    }
    if !settings.knobs.is_empty() {
        return Err(UsageError(
            "--set does not go with --scenario all (it sweeps each scenario's own settings)".to_string(),
        ));
    }
    Ok(scenario::promise_configs()
        .map(|(scenario, knobs)| SweepTarget {
            scenario: scenario.to_string(),
            knobs: knobs.iter().map(|(name, value)| format!("{name}={value}")).collect(),
        })
        .collect())
}

pub fn sweep(args: SweepArgs) -> Result<ExitCode, UsageError> {
    if !args.merge.is_empty() {
        return merge(&args.merge, args.jobs);
    }
    let options = SweepOptions::new(&args.settings, args.jobs)?;
    let targets = targets(&args.settings)?;
    if let (Some(shard), Some(out)) = (&args.shard, &args.out) {
        return run_shard(&args.settings, Shard::parse(shard)?, out, (&targets, &options));
    }
    let mut held = true;
    for target in &targets {
        let (results, seconds) = run_target(target, 1..=options.seeds, &options)?;
        let records: Vec<SeedRecord> = results.iter().map(|result| result.record.clone()).collect();
        let broken = results.last().and_then(|result| result.broken.as_ref());
        held &= print_target(target, &records, broken, seconds, &options)?;
    }
    Ok(exit_code(held))
}

fn exit_code(held: bool) -> ExitCode {
    if held {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// A shard's results file: the sweep it belongs to, which slice, and per configuration
/// what its seeds came to.
#[derive(Debug, Serialize, Deserialize)]
struct ShardFile {
    /// [`SHARD_FORMAT`].
    format: String,
    settings: SweepSettings,
    shard: Shard,
    targets: Vec<ShardTarget>,
}

/// One configuration in a shard's file.
#[derive(Debug, Serialize, Deserialize)]
struct ShardTarget {
    label: String,
    /// Wall time the shard spent on it.
    seconds: f64,
    /// Every seed of the slice up to the first that broke a promise.
    seeds: Vec<SeedRecord>,
}

fn run_shard(
    settings: &SweepSettings,
    shard: Shard,
    out: &Path,
    (targets, options): (&[SweepTarget], &SweepOptions),
) -> Result<ExitCode, UsageError> {
    let seeds = shard.seeds(options.seeds);
    let mut file =
        ShardFile { format: SHARD_FORMAT.to_string(), settings: settings.clone(), shard, targets: Vec::new() };
    for target in targets {
        let (results, seconds) = run_target(target, seeds.clone(), options)?;
        let records: Vec<SeedRecord> = results.into_iter().map(|result| result.record).collect();
        let verdict = match records.last() {
            Some(last) if last.broken => format!("a promise broken at seed {} (--merge prints it)", last.seed),
            _ => "every promise held".to_string(),
        };
        say!(
            "shard {}/{} of {}: seeds {}..={}: {} run, {verdict}",
            shard.index,
            shard.count,
            target.label(),
            seeds.start(),
            seeds.end(),
            records.len()
        );
        file.targets.push(ShardTarget { label: target.label(), seconds, seeds: records });
    }
    let text = serde_json::to_string(&file)?;
    std::fs::write(out, text).map_err(|e| UsageError(format!("cannot write {}: {e}", out.display())))?;
    Ok(ExitCode::SUCCESS)
}

fn read_shard(path: &Path) -> Result<ShardFile, UsageError> {
    let fail = |what: String| UsageError(format!("{}: {what}", path.display()));
    let size = std::fs::metadata(path).map_err(|e| fail(e.to_string()))?.len();
    if size > SHARD_FILE_MAX_BYTES {
        return Err(fail(format!("{size} bytes; at most {SHARD_FILE_MAX_BYTES} are read")));
    }
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    let file: ShardFile = serde_json::from_str(&text).map_err(|e| fail(format!("not a sweep shard's results: {e}")))?;
    if file.format != SHARD_FORMAT {
        return Err(fail(format!("format '{}', expected {SHARD_FORMAT}", control::shorten(&file.format))));
    }
    if file.shard.count == 0 || file.shard.index >= file.shard.count {
        return Err(fail("a shard index out of range".to_string()));
    }
    Ok(file)
}

/// Puts shard files in slice order, every slice of one sweep exactly once.
fn order_shards(mut files: Vec<ShardFile>) -> Result<Vec<ShardFile>, UsageError> {
    files.sort_by_key(|file| file.shard.index);
    let count = files.first().map_or(0, |file| file.shard.count);
    for (expected, file) in (0..).zip(&files) {
        if file.shard.count != count || file.settings != files[0].settings {
            return Err(UsageError(
                "the files are from different sweeps (settings or shard counts differ)".to_string(),
            ));
        }
        if file.shard.index < expected {
            return Err(UsageError(format!("shard {}/{count} is given twice", file.shard.index)));
        }
        if file.shard.index > expected {
            return Err(UsageError(format!("shard {expected}/{count} is missing")));
        }
    }
    if files.len() as u64 != count {
        return Err(UsageError(format!("shard {}/{count} is missing", files.len())));
    }
    Ok(files)
}

/// One configuration's records from every shard, checked to be what its slices run: every
/// seed of each slice in order, up to the slice's first broken promise.
fn merged_records(files: &[ShardFile], position: usize, seeds: u64) -> Result<(Vec<SeedRecord>, f64), UsageError> {
    let mut records = Vec::new();
    let mut seconds = 0.0;
    for file in files {
        let part = &file.targets[position];
        let slice = file.shard.seeds(seeds);
        let expected: Vec<u64> = slice.clone().take(part.seeds.len()).collect();
        let seeds_held: Vec<u64> = part.seeds.iter().map(|record| record.seed).collect();
        let ends_well =
            part.seeds.last().is_some_and(|last| last.broken) || part.seeds.len() as u64 == slice.count() as u64;
        let broken_inside = part.seeds.iter().rev().skip(1).any(|record| record.broken);
        if seeds_held != expected || !ends_well || broken_inside {
            return Err(UsageError(format!(
                "shard {}/{} of {}: its seeds are not its slice's",
                file.shard.index, file.shard.count, part.label
            )));
        }
        records.extend(part.seeds.iter().cloned());
        seconds += part.seconds;
    }
    let cut = records.iter().position(|record| record.broken).map_or(records.len(), |index| index + 1);
    records.truncate(cut);
    Ok((records, seconds))
}

fn merge(paths: &[PathBuf], jobs: Option<usize>) -> Result<ExitCode, UsageError> {
    let files = order_shards(paths.iter().map(|path| read_shard(path)).collect::<Result<_, _>>()?)?;
    let settings = files[0].settings.clone();
    let options = SweepOptions::new(&settings, jobs)?;
    let targets = targets(&settings)?;
    for file in &files {
        let labels: Vec<String> = file.targets.iter().map(|part| part.label.clone()).collect();
        if labels != targets.iter().map(SweepTarget::label).collect::<Vec<_>>() {
            return Err(UsageError(format!(
                "shard {}/{} holds other configurations than this build sweeps",
                file.shard.index, file.shard.count
            )));
        }
    }
    let mut held = true;
    for (position, target) in targets.iter().enumerate() {
        let (records, seconds) = merged_records(&files, position, options.seeds)?;
        let rerun = match records.last() {
            Some(last) if last.broken => Some(sweep_seed(target, last.seed, &options, options.duration_us)?),
            _ => None,
        };
        let broken = rerun.as_ref().map(|result| {
            result.broken.as_ref().ok_or_else(|| {
                UsageError(format!(
                    "{}: seed {} broke a promise in its shard but not when run again here (another build?)",
                    target.label(),
                    result.record.seed
                ))
            })
        });
        held &= print_target(target, &records, broken.transpose()?, seconds, &options)?;
    }
    Ok(exit_code(held))
}
