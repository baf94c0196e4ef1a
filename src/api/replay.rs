//! `taosim replay`: a snapshot series in, `<out>/<series>/` out (`replay.parquet`,
//! `manifest.json`, `summary.json`, charts and `report.md`), published whole.
//!
//! Every bad input (the files, `--yuma`, `--set`, `--shift`, `--copier`) is found before
//! anything is written: one line naming the file, snapshot and field, exit code 2.
//!
//! May depend on: `replay`, `report`, the api's leaf files and `run` (staging).

use super::run::{begin, finish, staged_error, tables_written};
use super::{Error, Progress};
use crate::replay::{self, Options, Plan, Replay, Series};
use crate::report;
use serde_json::{Value, json};
use std::path::PathBuf;

/// `taosim replay`'s arguments.
#[derive(Clone, Debug, Default)]
pub struct ReplayArgs {
    /// A series file, or snapshot files in block order.
    pub files: Vec<PathBuf>,
    /// `--yuma` (comma-separated lists flattened).
    pub yuma: Vec<String>,
    /// `--set KEY=VALUE`.
    pub set: Vec<String>,
    /// `--repeat N`.
    pub repeat: usize,
    /// `--shift UID=K`.
    pub shift: Vec<String>,
    /// `--copier K`.
    pub copier: Option<usize>,
    /// `--out`.
    pub out: PathBuf,
    /// Draw charts and `report.md`.
    pub report: bool,
}

/// Loads, checks and runs the replay, then writes and publishes its directory; returns it.
pub fn replay(args: &ReplayArgs, progress: &mut dyn Progress) -> Result<PathBuf, Error> {
    let series = replay::load(&args.files).map_err(input)?;
    let options = options(args)?;
    let plan = replay::plan(&series, &options).map_err(input)?;
    let result = replay::run(&series, &plan);
    let dir = args.out.join(&series.name);
    let staging = begin(&dir, progress)?;
    let manifest = manifest(&series, args, &plan);
    report::write_replay(
        staging.path(),
        &result.rows,
        &manifest,
        &summary(&plan, &options, &result),
    )
    .and_then(|()| tables_written(staging.path()))
    .map_err(|e| staged_error(&staging, e))?;
    finish(staging, args.report, progress)?;
    Ok(dir)
}

fn input(e: replay::LoadError) -> Error {
    Error::Input(e.to_string())
}

fn options(args: &ReplayArgs) -> Result<Options, Error> {
    let option_error = |option: &str, text: &str, m: String| {
        Error::Input(replay::LoadError::new(option, None, text, m).to_string())
    };
    let set = args
        .set
        .iter()
        .map(|s| crate::replay::config::parse_set(s).map_err(|m| option_error("--set", s, m)))
        .collect::<Result<Vec<_>, _>>()?;
    let shifts = args
        .shift
        .iter()
        .map(|s| parse_shift(s).map_err(|m| option_error("--shift", s, m)))
        .collect::<Result<Vec<_>, _>>()?;
    let variants = args
        .yuma
        .iter()
        .flat_map(|v| v.split(','))
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect();
    Ok(Options {
        variants,
        set,
        repeat: args.repeat,
        shifts,
        copier: args.copier,
    })
}

/// `UID=K`.
fn parse_shift(text: &str) -> Result<(u16, usize), String> {
    let (uid, lag) = text.split_once('=').ok_or("expected UID=K")?;
    let uid = uid
        .trim()
        .parse()
        .map_err(|_| "UID: expected a uid (0..65535)")?;
    let lag = lag
        .trim()
        .parse()
        .map_err(|_| "K: expected a whole number of epochs")?;
    Ok((uid, lag))
}

/// `manifest.json`: what produced the replay.
fn manifest(series: &Series, args: &ReplayArgs, plan: &Plan) -> Value {
    let files: Vec<String> = args
        .files
        .iter()
        .map(|f| {
            f.file_name()
                .map_or(String::new(), |n| n.to_string_lossy().into_owned())
        })
        .collect();
    json!({
        "kind": "replay",
        "series": series.name,
        "files": files,
        "netuid": series.netuid,
        "snapshots": series.snapshots.len(),
        "blocks": series.snapshots.iter().map(|s| s.block).collect::<Vec<_>>(),
        "epochs": plan.steps.len(),
        "variants": plan.variants.iter().map(|v| v.0.clone()).collect::<Vec<_>>(),
        "params": Value::Object(series.params.clone()),
        "set": args.set,
        "repeat": args.repeat,
        "shift": args.shift,
        "copier": args.copier,
        "emission_rao": replay::EMISSION,
        "taosim_version": env!("CARGO_PKG_VERSION"),
        "git_revision": env!("TAOSIM_GIT_REVISION"),
        "chain_revision": super::CHAIN_REVISION,
    })
}

/// `summary.json`: the epochs run, and with `--copier` its uid, K and G per variant.
fn summary(plan: &Plan, options: &Options, result: &Replay) -> Value {
    let mut summary = json!({
        "epochs": plan.steps.len(),
        "variants": plan.variants.iter().map(|v| v.0.clone()).collect::<Vec<_>>(),
    });
    if let (Some(k), Some(uid)) = (options.copier, result.copier_uid) {
        let g: serde_json::Map<String, Value> = result
            .copier_g
            .iter()
            .map(|(v, g)| (v.clone(), g.map_or(Value::Null, Value::from)))
            .collect();
        summary["copier_k"] = Value::from(k);
        summary["copier_uid"] = Value::from(uid);
        summary["copier_g"] = Value::Object(g);
    }
    summary
}
