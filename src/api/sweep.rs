//! The `sweep` subcommand and `run --compare`: many runs of one scenario (or of two), in
//! parallel, streamed into a sweep directory.
//!
//! Layout: `<out>/<scenario>/sweep/` (`--shard K/N`: `<out>/<scenario>/sweep/shard-K-of-N/`)
//! with `manifest.json` (kind `sweep`), `runs.parquet`, `metrics.parquet`, `series.parquet`;
//! `run A --compare B`: `<out>/<A>-vs-<B>/` with `manifest.json` (kind `compare`),
//! `compare.json` and the two sides as sweep directories `a/` and `b/`.
//!
//! May depend on: `scenario`, `runner`, `metrics`, `report`, `echo`, the api's leaf files and
//! `run` (staging).

use super::run::{begin, finish, staged_error, tables_written};
use super::{Error, Progress, Unit};
use crate::echo::echo_path;
use crate::metrics::{RunMetrics, stats};
use crate::report::{self, AxisColumn, SweepRun, SweepWriter};
use crate::runner::{self, RunResult};
use crate::scenario::Scenario;
use crate::scenario::sweep::{RunSpec, SweepPlan};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How to run a sweep.
#[derive(Clone, Copy, Debug)]
pub struct SweepOptions {
    /// Threads (None: all cores).
    pub jobs: Option<usize>,
    /// Only shard `k` of `n` (1-based; see [`check_shard`]).
    pub shard: Option<(u32, u32)>,
    /// Write charts and `report.md` when done.
    pub report: bool,
}

/// `taosim sweep`: every run of `scenario`'s sweep (`origin` names the file in errors) into
/// `<out>/<scenario>/sweep/` (a shard: into `shard-K-of-N/` below it), published whole.
/// Returns the directory.
pub fn sweep(
    scenario: Scenario,
    origin: &str,
    out: &Path,
    options: SweepOptions,
    progress: &mut dyn Progress,
) -> Result<PathBuf, Error> {
    if let Some(shard) = options.shard {
        check_shard(shard)?;
    }
    let plan = SweepPlan::new(scenario, origin).map_err(|e| Error::Input(e.to_string()))?;
    let mut dir = sweep_directory(out, &plan.base.name);
    if let Some((k, n)) = options.shard {
        shard_parent(&dir, &plan)?;
        dir = dir.join(format!("shard-{k}-of-{n}"));
    }
    let staging = begin(&dir, progress)?;
    let runs = plan.runs(options.shard);
    let failed = collect_sweep(
        staging.path(),
        Arc::new(plan.clone()),
        &runs,
        options,
        progress,
        &mut |_| {},
    )?;
    report::write_json(
        &staging.path().join("manifest.json"),
        &manifest(&plan, options.shard),
    )
    .and_then(|()| tables_written(staging.path()))
    .map_err(|e| staged_error(&staging, e))?;
    if failed > 0 {
        progress.note(&format!(
            "{failed} of {} runs failed (see runs.parquet)",
            runs.len()
        ));
    }
    finish(staging, options.report, progress)?;
    Ok(dir)
}

/// `<out>/<scenario name>/sweep`.
pub fn sweep_directory(out: &Path, name: &str) -> PathBuf {
    out.join(name).join("sweep")
}

/// The sweep directory that holds shards, with the whole sweep's `manifest.json` (written
/// whole-or-nothing by the first shard to get there).
fn shard_parent(dir: &Path, plan: &SweepPlan) -> Result<(), Error> {
    let input = |e: String| Error::Input(format!("{}: {e}", dir.display()));
    if dir.exists() && !dir.is_dir() {
        return Err(input("exists and is not a directory".into()));
    }
    std::fs::create_dir_all(dir).map_err(|e| input(format!("cannot create: {e}")))?;
    let parent_manifest = dir.join("manifest.json");
    if !parent_manifest.exists() {
        report::publish_json(&parent_manifest, &manifest(plan, None))
            .map_err(|e| Error::Input(e.to_string()))?;
    }
    Ok(())
}

/// Runs `runs` into the sweep tables in `dir`, showing each result to `seen`; returns the
/// number of failed runs.
fn collect_sweep(
    dir: &Path,
    plan: Arc<SweepPlan>,
    runs: &[RunSpec],
    options: SweepOptions,
    progress: &mut dyn Progress,
    seen: &mut dyn FnMut(&RunResult),
) -> Result<usize, Error> {
    let axes = plan
        .axes
        .iter()
        .map(|a| AxisColumn {
            name: a.path.clone(),
            numeric: a.values.iter().all(Value::is_number),
        })
        .collect();
    let mut writer = SweepWriter::create(dir, axes).map_err(|e| Error::Input(e.to_string()))?;
    progress.start(&plan.base.name, runs.len() as u64, Unit::Runs);
    let jobs = options.jobs.unwrap_or_else(super::default_jobs);
    let (mut failed, mut done) = (0, 0);
    let mut sink = |result: RunResult| -> Result<(), Error> {
        seen(&result);
        let spec = result.spec;
        let params = plan
            .values(spec.subset)
            .into_iter()
            .map(|(_, v)| v)
            .collect();
        failed += usize::from(result.outcome.is_err());
        writer
            .push(&SweepRun {
                run: spec.run,
                subset: spec.subset,
                replicate: spec.replicate,
                seed: spec.seed,
                params,
                outcome: result.outcome.as_ref().map_err(String::as_str),
            })
            .map_err(Error::other)?;
        done += 1;
        progress.set(done);
        match progress.cancelled() {
            true => Err(Error::Cancelled),
            false => Ok(()),
        }
    };
    let outcome = runner::run_all(Arc::clone(&plan), runs, jobs, &mut sink);
    progress.finish();
    outcome?;
    writer.finish().map_err(Error::other)?;
    Ok(failed)
}

/// A sweep directory's `manifest.json`.
fn manifest(plan: &SweepPlan, shard: Option<(u32, u32)>) -> Value {
    let axes: Vec<Value> = plan
        .axes
        .iter()
        .map(|a| json!({"path": a.path, "values": a.values, "mode": a.mode}))
        .collect();
    let runs = plan.points() * u64::from(plan.replicates);
    json!({
        "kind": "sweep",
        "scenario": plan.base.name,
        "seed": plan.base.seed,
        "axes": axes,
        "replicates": plan.replicates,
        "points": plan.points(),
        "runs": runs,
        "shard": shard.map(|(k, n)| json!({"index": k, "count": n})),
        "heatmaps": plan.heatmaps,
        "taosim_version": env!("CARGO_PKG_VERSION"),
        "git_revision": env!("TAOSIM_GIT_REVISION"),
        "chain_revision": super::CHAIN_REVISION,
        "resolved_scenario": plan.base.resolved(),
    })
}

/// One side of an A/B compare: the scenario and the name of its origin (for errors).
pub struct Side {
    /// The scenario.
    pub scenario: Scenario,
    /// Its file, or what stands for it.
    pub origin: String,
}

/// `taosim run A --compare B`: both scenarios on the same `replicates` seeds (A's), into
/// `<out>/<A>-vs-<B>/`, published whole. Returns the directory.
pub fn compare(
    a: Side,
    mut b: Side,
    out: &Path,
    replicates: u32,
    options: SweepOptions,
    progress: &mut dyn Progress,
) -> Result<PathBuf, Error> {
    // Same seeds on both sides: B runs on A's seeds.
    b.scenario.set_seed(a.scenario.seed);
    let dir = out.join(format!("{}-vs-{}", a.scenario.name, b.scenario.name));
    let staging = begin(&dir, progress)?;
    let sides = [("a", a), ("b", b)];
    let mut means: Vec<BTreeMap<String, Vec<f64>>> = Vec::new();
    for (side, s) in &sides {
        let plan = SweepPlan::replicates(s.scenario.clone(), &s.origin, replicates)
            .map_err(|e| Error::Input(e.to_string()))?;
        let side_dir = staging.path().join(side);
        std::fs::create_dir(&side_dir)
            .map_err(|e| Error::other(format!("{}: {e}", echo_path(&side_dir))))?;
        means.push(side_metrics(&side_dir, plan, options, progress)?);
    }
    let table = compare_table(&means[0], &means[1]);
    let manifest = json!({
        "kind": "compare",
        "a": sides[0].1.scenario.name,
        "b": sides[1].1.scenario.name,
        "seed": sides[0].1.scenario.seed,
        "replicates": replicates,
        "taosim_version": env!("CARGO_PKG_VERSION"),
        "git_revision": env!("TAOSIM_GIT_REVISION"),
    });
    let tmp = staging.path();
    report::write_json(&tmp.join("compare.json"), &json!({ "metrics": table }))
        .and_then(|()| report::write_json(&tmp.join("manifest.json"), &manifest))
        .and_then(|()| tables_written(tmp))
        .map_err(|e| staged_error(&staging, e))?;
    finish(staging, options.report, progress)?;
    Ok(dir)
}

/// Runs one side; returns each metric's values by replicate (NaN where a run failed).
fn side_metrics(
    dir: &Path,
    plan: SweepPlan,
    options: SweepOptions,
    progress: &mut dyn Progress,
) -> Result<BTreeMap<String, Vec<f64>>, Error> {
    let runs = plan.runs(None);
    let n = runs.len();
    let plan = Arc::new(plan);
    let mut by_metric: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut record = |r: &RunResult| {
        if let Ok(m) = &r.outcome {
            add_metrics(&mut by_metric, m, r.spec.replicate as usize, n);
        }
    };
    collect_sweep(dir, plan, &runs, options, progress, &mut record)?;
    Ok(by_metric)
}

fn add_metrics(into: &mut BTreeMap<String, Vec<f64>>, m: &RunMetrics, at: usize, n: usize) {
    for x in &m.metrics {
        into.entry(x.name.clone())
            .or_insert_with(|| vec![f64::NAN; n])[at] = x.value;
    }
}

/// Per metric present on both sides: means, and the paired difference's mean and sd over the
/// replicates where both sides have a value.
fn compare_table(a: &BTreeMap<String, Vec<f64>>, b: &BTreeMap<String, Vec<f64>>) -> Vec<Value> {
    a.iter()
        .filter_map(|(name, xs)| {
            let ys = b.get(name)?;
            let pairs: Vec<(f64, f64)> = xs
                .iter()
                .zip(ys)
                .filter(|(x, y)| x.is_finite() && y.is_finite())
                .map(|(x, y)| (*x, *y))
                .collect();
            if pairs.is_empty() {
                return None;
            }
            let column = |f: fn(&(f64, f64)) -> f64| pairs.iter().map(f).collect::<Vec<f64>>();
            let diffs: Vec<f64> = pairs.iter().map(|(x, y)| y - x).collect();
            Some(json!({
                "metric": name,
                "a_mean": stats::mean(&column(|p| p.0)),
                "b_mean": stats::mean(&column(|p| p.1)),
                "diff_mean": stats::mean(&diffs),
                "diff_sd": stats::sd(&diffs),
                "n": pairs.len(),
            }))
        })
        .collect()
}

/// Parses `K/N` (1 ≤ K ≤ N).
pub fn parse_shard(text: &str) -> Result<(u32, u32), String> {
    let parsed = text
        .split_once('/')
        .and_then(|(k, n)| Some((k.trim().parse::<u32>().ok()?, n.trim().parse::<u32>().ok()?)));
    match parsed {
        Some(shard) if valid_shard(shard) => Ok(shard),
        _ => Err(format!(
            "expected K/N with 1 ≤ K ≤ N, got '{}'",
            crate::echo::echo(text)
        )),
    }
}

/// A shard `(K, N)` given as numbers: 1 ≤ K ≤ N.
pub fn check_shard((k, n): (u32, u32)) -> Result<(), Error> {
    if valid_shard((k, n)) {
        return Ok(());
    }
    Err(Error::Input(format!(
        "shard: expected (K, N) with 1 ≤ K ≤ N, got ({k}, {n})"
    )))
}

/// 1 ≤ K ≤ N.
fn valid_shard((k, n): (u32, u32)) -> bool {
    k >= 1 && k <= n
}
