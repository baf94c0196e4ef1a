//! The `run` and `scenarios` subcommands: scenario in, run directory out.
//!
//! May depend on: everything in the crate, indicatif.

use crate::cli_error::CliError;
use crate::echo::echo_path;
use crate::report::{self, Drawn, ReportError, Staging};
use crate::run_dir::RunError;
use crate::scenario::sweep::SweepPlan;
use crate::scenario::{self, Scenario};
use indicatif::{ProgressBar, ProgressState, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// `taosim run`: loads the scenario, checks the output location, simulates, writes the run
/// directory (tables, charts, `report.md`) into a staging directory, publishes it whole and
/// prints its path.
pub fn run(
    file: Option<&Path>,
    out: &Path,
    seed: Option<u64>,
    quiet: bool,
    with_report: bool,
) -> Result<(), CliError> {
    let scenario = match file {
        Some(path) => scenario::load(path).map_err(|e| CliError::Input(e.to_string()))?,
        None => scenario::default_scenario(),
    };
    let seed = seed.unwrap_or(scenario.seed);
    let run_dir = run_directory(out, &scenario, seed);
    let staging = begin(&run_dir)?;
    let manifest = manifest(&scenario, seed);
    let bar = day_bar(scenario.blocks, quiet);
    bar.set_message(scenario.name.clone());
    let played = crate::run_dir::write_run(&scenario, seed, staging.path(), &manifest, &mut |b| {
        bar.set_position(b)
    });
    bar.finish_and_clear();
    match played {
        Ok(_) => tables_written(staging.path()).map_err(|e| staged_error(&staging, e))?,
        Err(RunError::Sim(e)) => return Err(CliError::Input(e.to_string())),
        Err(RunError::Write(e)) => return Err(staged_error(&staging, e)),
    }
    finish(staging, with_report)?;
    println!("{}", run_dir.display());
    Ok(())
}

/// Starts the staging directory of `target` (exit code 2 if the location is unusable) and
/// says which leftovers of interrupted runs it removed.
pub fn begin(target: &Path) -> Result<Staging, CliError> {
    let staging = report::prepare(target).map_err(input_error)?;
    for note in staging.notes() {
        eprintln!("note: {note}");
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
pub fn finish(staging: Staging, with_report: bool) -> Result<(), CliError> {
    if with_report {
        let drawn = report::draw_report(staging.path())
            .map_err(|e| e.rebase(staging.path(), staging.target()))
            .map_err(|e| CliError::Other(anyhow::anyhow!("report: {e}")))?;
        print_notes(&drawn);
    }
    staging.publish().map_err(other)
}

/// The report's warnings on stderr, and how much it left out.
pub fn print_notes(drawn: &Drawn) {
    for warning in &drawn.warnings {
        eprintln!("warning: {warning}");
    }
    if !drawn.left_out.is_empty() {
        eprintln!(
            "note: {} metrics or charts left out of the report (listed at the end of report.md)",
            drawn.left_out.len()
        );
    }
}

fn other(e: ReportError) -> CliError {
    CliError::Other(anyhow::anyhow!(e))
}

/// A write error in the staging directory, naming the file at its published place (exit 1).
pub fn staged_error(staging: &Staging, e: ReportError) -> CliError {
    other(e.rebase(staging.path(), staging.target()))
}

/// `<out>/<scenario name>/seed-<seed>`.
pub fn run_directory(out: &Path, scenario: &Scenario, seed: u64) -> PathBuf {
    out.join(&scenario.name).join(format!("seed-{seed}"))
}

fn input_error(e: ReportError) -> CliError {
    CliError::Input(e.to_string())
}

/// A progress bar on a terminal (hidden when `quiet` or when stderr is not a terminal).
pub fn progress_bar(len: u64, template: &str, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Blocks per simulated day.
const BLOCKS_PER_DAY: f64 = 7_200.0;

/// A run's progress bar: simulated days done, of all, simulated days per second, time left.
fn day_bar(blocks: u64, quiet: bool) -> ProgressBar {
    let bar = progress_bar(
        blocks,
        "{spinner} {msg} [{bar:30}] day {day}/{days} ({days_per_sec} days/s, eta {eta})",
        quiet,
    );
    let style = bar.style();
    let days = move |state: &ProgressState, w: &mut dyn std::fmt::Write| {
        let _ = write!(w, "{:.1}", blocks as f64 / BLOCKS_PER_DAY);
        let _ = state;
    };
    let day = |state: &ProgressState, w: &mut dyn std::fmt::Write| {
        let _ = write!(w, "{:.1}", state.pos() as f64 / BLOCKS_PER_DAY);
    };
    let rate = |state: &ProgressState, w: &mut dyn std::fmt::Write| {
        let _ = write!(w, "{:.2}", state.per_sec() / BLOCKS_PER_DAY);
    };
    bar.set_style(
        style
            .with_key("days", days)
            .with_key("day", day)
            .with_key("days_per_sec", rate),
    );
    bar
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
        "chain_revision": "subtensor 14bc6f9f (2026-06-30)",
        "resolved_scenario": serde_json::to_value(&scenario.raw).unwrap_or(serde_json::Value::Null),
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

/// `taosim scenarios`: one line per file (name, what it runs — see [`describe`] — or the error);
/// its sweep section is validated too. Exit code 2 if any file is invalid.
pub fn scenarios(dir: &Path) -> Result<(), CliError> {
    let mut files = Vec::new();
    collect_yaml(dir, &mut files)
        .map_err(|e| CliError::Input(format!("{}: {e}", echo_path(dir))))?;
    files.sort();
    let mut bad = 0;
    for path in &files {
        let origin = path.display().to_string();
        let checked = scenario::load(path)
            .and_then(|s| Ok((s.name.clone(), describe(&SweepPlan::new(s, &origin)?))));
        match checked {
            Ok((name, what)) => println!("ok    {name:<40} {what}  {origin}"),
            Err(e) => {
                bad += 1;
                println!("error {e}");
            }
        }
    }
    if bad > 0 {
        return Err(CliError::Input(format!(
            "{bad} of {} scenario files are invalid",
            files.len()
        )));
    }
    Ok(())
}

/// What a scenario file runs, in one column-aligned phrase: its network (blocks, subnets,
/// agents) or, for a consensus experiment, its epoch (uids); then the sweep, if any, as points ×
/// replicates.
fn describe(plan: &SweepPlan) -> String {
    let s = &plan.base;
    let what = match &s.consensus {
        Some(c) => format!("{:>25} consensus epoch", format!("{} uids", c.neurons)),
        None => format!(
            "{:>9} blocks {:>3} subnets {:>5} agents",
            s.blocks,
            s.subnets.len(),
            s.agents.len()
        ),
    };
    let runs = plan.points() * u64::from(plan.replicates);
    if runs == 1 {
        return format!("{what}{:32}", "");
    }
    let sweep = format!("{} points × {} replicates", plan.points(), plan.replicates);
    format!("{what}  sweep {sweep:>24}")
}

fn collect_yaml(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_yaml(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
    Ok(())
}
