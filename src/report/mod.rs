//! A run's files: rows → polars DataFrames → Parquet, plus `manifest.json` and `summary.json`;
//! and, drawn from such files only, charts and `report.md` ([`write_report`]).
//!
//! Every directory is published whole ([`publish`]): written into a temporary sibling, charts
//! and `report.md` included, then exchanged with the target in one step, so a failed or killed
//! write never leaves a half-written directory and the previous one survives until then.
//! Parquet files are written single-threaded with zstd and fixed row groups, so the same rows
//! give byte-identical files.
//!
//! May depend on: `record`, `metrics` (its plain types), `echo`, polars, plotters, serde_json. Never reaches into `sim` or `chain`.

mod aggregate;
mod charts;
mod compare_view;
mod completeness;
mod doc;
mod format;
mod ledger;
mod markdown;
mod merge;
mod parquet;
pub mod publish;
mod read;
mod replay_view;
mod run_view;
mod stream;
mod summary;
mod sweep;
mod sweep_data;
mod sweep_view;

pub use completeness::parse_shard;
pub use ledger::{LedgerCheck, verify as verify_ledger};
pub use markdown::{Drawn, draw_report, publish_report, write_report};
pub use merge::{SWEEP_TABLES, merge_sweep_tables, run_ids};
pub use publish::Staging;
pub use read::json as read_json;
pub use stream::RunWriter;
pub use summary::summary;
pub use sweep::{AxisColumn, SweepRun, SweepWriter};

use crate::echo::{echo_path, one_line};
use crate::metrics::RunMetrics;
use crate::record::{NeuronRow, RowSink, RunRecord};
use std::path::{Path, PathBuf};

/// Why a run's files could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The output location is unusable (exit code 2 in the CLI).
    #[error("{}: {}", echo_path(.path), one_line(.message))]
    Output { path: PathBuf, message: String },
    /// Writing failed midway.
    #[error("{}: {}", echo_path(.path), one_line(.message))]
    Write { path: PathBuf, message: String },
    /// An input file of a report is missing or malformed (exit code 2 in the CLI).
    #[error("{}: {}", echo_path(.path), one_line(.message))]
    Read { path: PathBuf, message: String },
}

impl ReportError {
    /// The same error with a path under `from` (a staging directory) shown under `to`.
    pub fn rebase(self, from: &Path, to: &Path) -> ReportError {
        let moved = |path: PathBuf| match path.strip_prefix(from) {
            Ok(rest) => to.join(rest),
            Err(_) => path,
        };
        match self {
            ReportError::Output { path, message } => ReportError::Output {
                path: moved(path),
                message,
            },
            ReportError::Write { path, message } => ReportError::Write {
                path: moved(path),
                message,
            },
            ReportError::Read { path, message } => ReportError::Read {
                path: moved(path),
                message,
            },
        }
    }
}

/// Starts the run directory `run_dir`: checks the location and clears leftovers of killed
/// runs (before any simulation, so a bad location fails early); see [`publish`].
pub fn prepare(run_dir: &Path) -> Result<Staging, ReportError> {
    Staging::begin(run_dir)
}

/// Writes the run's files into `staging` (from [`prepare`]) and publishes it, without charts
/// (the CLI draws them with [`draw_report`] before publishing).
pub fn write_run(
    staging: Staging,
    record: &RunRecord,
    metrics: &RunMetrics,
    manifest: &serde_json::Value,
    tables: Tables,
) -> Result<(), ReportError> {
    write_files(staging.path(), record, metrics, manifest, tables)?;
    staging.publish()
}

/// Which optional tables to write.
#[derive(Clone, Copy, Debug)]
pub struct Tables {
    /// `neurons.parquet`.
    pub neurons: bool,
    /// Neuron rows of every k-th epoch of each subnet (1: every epoch).
    pub neurons_every_epochs: u64,
    /// `accounts.parquet`.
    pub accounts: bool,
}

/// Writes a run whose rows are all in `record` — tables, `manifest.json` and `summary.json` —
/// into `dir`, through the same streaming writer as a run in progress ([`RunWriter`]).
pub fn write_files(
    dir: &Path,
    record: &RunRecord,
    metrics: &RunMetrics,
    manifest: &serde_json::Value,
    tables: Tables,
) -> Result<(), ReportError> {
    let mut writer = RunWriter::new(dir, record.run.clone(), tables);
    writer.begin(&record.agents);
    let same_epoch = |a: &NeuronRow, b: &NeuronRow| (a.netuid, a.epoch) == (b.netuid, b.epoch);
    for rows in record.neurons.chunk_by(same_epoch) {
        writer.epoch(None, rows);
    }
    for s in &record.subnets {
        writer.epoch(Some(s), &[]);
    }
    for sample in record.accounts.chunk_by(|a, b| a.epoch == b.epoch) {
        writer.accounts(sample);
    }
    writer.ledger(&record.ledger);
    writer.finish(record, metrics, manifest)
}

/// Writes a replay's `replay.parquet`, `manifest.json` (its `kind` must be `replay`) and
/// `summary.json` into `dir`.
pub fn write_replay(
    dir: &Path,
    rows: &[crate::record::ReplayRow],
    manifest: &serde_json::Value,
    summary: &serde_json::Value,
) -> Result<(), ReportError> {
    parquet::write(&dir.join("replay.parquet"), parquet::replay(rows))?;
    write_json(&dir.join("manifest.json"), manifest)?;
    write_json(&dir.join("summary.json"), summary)
}

/// Pretty JSON with a final newline.
pub fn write_json(path: &Path, value: &serde_json::Value) -> Result<(), ReportError> {
    let text = serde_json::to_string_pretty(value).map_err(|e| write_error(path, e))?;
    std::fs::write(path, text + "\n").map_err(|e| write_error(path, e))
}

/// Pretty JSON with a final newline, written whole-or-nothing (a temporary sibling renamed
/// over `path`): for files outside a staged directory (a shard's sweep manifest, baselines).
pub fn publish_json(path: &Path, value: &serde_json::Value) -> Result<(), ReportError> {
    let text = serde_json::to_string_pretty(value).map_err(|e| write_error(path, e))?;
    publish::write_file(path, (text + "\n").as_bytes())
}

fn write_error(path: &Path, e: impl std::fmt::Display) -> ReportError {
    ReportError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}
