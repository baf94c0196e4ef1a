//! One run into its published run directory (`<out>/<scenario>/seed-<seed>/`): the scenario
//! loaded or given, the manifest, the simulation streamed into a staging directory, the
//! report drawn, the directory published whole; and the staging steps every operation shares.
//!
//! May depend on: `scenario`, `run_dir`, `record`, `metrics` (a run's result type), `report`,
//! `echo`, the api's leaf files.

use super::{Error, Progress, Unit};
use crate::report::{self, Drawn, ReportError, Staging};
use crate::run_dir::RunError;
use crate::scenario::{self, Scenario};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

/// Loads a scenario file (None: the embedded default scenario), with `seed` (if given) as its
/// master seed.
pub fn load(file: Option<&Path>, seed: Option<u64>) -> Result<Scenario, Error> {
    let mut scenario = match file {
        Some(path) => scenario::load(path).map_err(|e| Error::Input(e.to_string()))?,
        None => scenario::default_scenario(),
    };
    reseed(&mut scenario, seed);
    Ok(scenario)
}

/// Parses scenario YAML text (`origin` names it in errors; relative snapshot paths are taken
/// from the current directory), with `seed` (if given) as its master seed.
pub fn parse(text: &str, origin: &str, seed: Option<u64>) -> Result<Scenario, Error> {
    let mut scenario = scenario::parse(text, origin).map_err(|e| Error::Input(e.to_string()))?;
    reseed(&mut scenario, seed);
    Ok(scenario)
}

fn reseed(scenario: &mut Scenario, seed: Option<u64>) {
    if let Some(seed) = seed {
        scenario.set_seed(seed);
    }
}

/// Simulates `scenario` with its seed on `jobs` threads, writes its run directory under `out`
/// (tables, manifest, summary; charts and `report.md` when `with_report`) and publishes it
/// whole. Returns the directory. An interruption ([`Progress::cancelled`]) publishes nothing.
///
/// The simulation runs on a rayon pool of `jobs` threads (the validators' decisions of a
/// block in parallel, committed in agent order): the files are byte-identical for every
/// `jobs`. The calling thread only reports progress.
pub fn run(
    scenario: &Scenario,
    out: &Path,
    with_report: bool,
    jobs: usize,
    progress: &mut dyn Progress,
) -> Result<PathBuf, Error> {
    let seed = scenario.seed;
    let run_dir = run_directory(out, scenario, seed);
    let staging = begin(&run_dir, progress)?;
    let manifest = manifest(scenario, seed);
    progress.start(&scenario.name, scenario.blocks, Unit::Blocks);
    let (played, cancelled) = play(scenario, staging.path(), &manifest, jobs, progress);
    progress.finish();
    if cancelled {
        return Err(Error::Cancelled);
    }
    match played? {
        Ok(_) => tables_written(staging.path()).map_err(|e| staged_error(&staging, e))?,
        Err(RunError::Sim(e)) => return Err(Error::Input(e.to_string())),
        Err(RunError::Write(e)) => return Err(staged_error(&staging, e)),
        Err(RunError::Thread(e)) => return Err(Error::Other(anyhow::anyhow!(e))),
    }
    finish(staging, with_report, progress)?;
    Ok(run_dir)
}

/// The run's result and whether it was interrupted: the simulation and its writing on other
/// threads ([`crate::run_dir::write_run_on`]), its progress reported here (where `progress`
/// lives).
fn play(
    scenario: &Scenario,
    dir: &Path,
    manifest: &serde_json::Value,
    jobs: usize,
    progress: &mut dyn Progress,
) -> (Result<Played, Error>, bool) {
    let stop = AtomicBool::new(false);
    let (blocks, reached) = mpsc::channel::<u64>();
    let played = std::thread::scope(|scope| {
        let simulation = scope.spawn(|| {
            let mut step = move |b| {
                let _ = blocks.send(b);
            };
            let seed = scenario.seed;
            crate::run_dir::write_run_on(scenario, seed, dir, manifest, jobs, &mut step, &stop)
        });
        for b in reached {
            progress.set(b);
            if progress.cancelled() {
                stop.store(true, Ordering::Relaxed);
            }
        }
        simulation.join()
    });
    let played = played.map_err(|_| Error::Other(anyhow::anyhow!("the simulation panicked")));
    (played, stop.load(Ordering::Relaxed))
}

/// What the simulation thread returns.
type Played = Result<(crate::record::RunRecord, crate::metrics::RunMetrics), RunError>;

/// Starts the staging directory of `target` (bad input if the location is unusable) and
/// notes which leftovers of interrupted runs it removed.
pub fn begin(target: &Path, progress: &mut dyn Progress) -> Result<Staging, Error> {
    let staging = report::prepare(target).map_err(|e| Error::Input(e.to_string()))?;
    for note in staging.notes() {
        progress.note(&format!("note: {note}"));
    }
    Ok(staging)
}

/// The publication step after the tables (the test hook's `tables`).
pub fn tables_written(dir: &Path) -> Result<(), ReportError> {
    report::publish::checkpoint("tables").map_err(|e| ReportError::Write {
        path: dir.to_path_buf(),
        message: e.to_string(),
    })
}

/// Draws the report into the staging directory (unless `with_report` is false) and publishes
/// it.
pub fn finish(
    staging: Staging,
    with_report: bool,
    progress: &mut dyn Progress,
) -> Result<(), Error> {
    if with_report {
        let drawn = report::draw_report(staging.path())
            .map_err(|e| e.rebase(staging.path(), staging.target()))
            .map_err(|e| Error::Other(anyhow::anyhow!("report: {e}")))?;
        notes(&drawn, progress);
    }
    staging.publish().map_err(Error::other)
}

/// The report's warnings, and how much it left out.
pub fn notes(drawn: &Drawn, progress: &mut dyn Progress) {
    for warning in &drawn.warnings {
        progress.note(&format!("warning: {warning}"));
    }
    if !drawn.left_out.is_empty() {
        progress.note(&format!(
            "note: {} metrics or charts left out of the report (listed at the end of report.md)",
            drawn.left_out.len()
        ));
    }
}

/// A write error in the staging directory, naming the file at its published place.
pub fn staged_error(staging: &Staging, e: ReportError) -> Error {
    Error::other(e.rebase(staging.path(), staging.target()))
}

/// `<out>/<scenario name>/seed-<seed>`.
pub fn run_directory(out: &Path, scenario: &Scenario, seed: u64) -> PathBuf {
    out.join(&scenario.name).join(format!("seed-{seed}"))
}

/// `manifest.json`: what produced the run; with genesis snapshots, `genesis` maps each
/// snapshot uid to its agent and the snapshot's hotkey.
pub fn manifest(scenario: &Scenario, seed: u64) -> serde_json::Value {
    let mut manifest = serde_json::json!({
        "kind": "run",
        "scenario": scenario.name,
        "seed": seed,
        "blocks": scenario.blocks,
        "taosim_version": env!("CARGO_PKG_VERSION"),
        "git_revision": env!("TAOSIM_GIT_REVISION"),
        "chain_revision": super::CHAIN_REVISION,
        "resolved_scenario": scenario.resolved(),
    });
    let genesis = genesis_manifest(scenario);
    if !genesis.is_empty() {
        manifest["genesis"] = serde_json::Value::Array(genesis);
    }
    manifest
}

/// Per genesis subnet: `{netuid, subnet, uids: [{uid, agent, snapshot_hotkey}]}`.
fn genesis_manifest(scenario: &Scenario) -> Vec<serde_json::Value> {
    let subnets = scenario.subnets.iter();
    let with_genesis = subnets.filter_map(|s| s.genesis.as_ref().map(|g| (s, g)));
    with_genesis
        .map(|(s, g)| {
            let agent_at = |uid: usize| {
                let holder = scenario
                    .agents
                    .iter()
                    .find(|a| a.netuid == s.netuid && a.uid.map(usize::from) == Some(uid));
                holder.map(|a| a.name.clone())
            };
            let uids: Vec<serde_json::Value> = (g.neurons.iter().enumerate())
                .map(|(uid, x)| {
                    serde_json::json!({"uid": uid, "agent": agent_at(uid),
                        "snapshot_hotkey": x.snapshot_hotkey})
                })
                .collect();
            serde_json::json!({"netuid": s.netuid, "subnet": s.name, "uids": uids})
        })
        .collect()
}
