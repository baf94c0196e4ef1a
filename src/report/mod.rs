//! A run's files: rows → polars DataFrames → Parquet, plus `manifest.json` and `summary.json`;
//! and, drawn from such files only, charts and `report.md` ([`write_report`]).
//!
//! [`write_run`] writes everything into a temporary sibling directory and renames it into
//! place at the end, so a failed or interrupted write never leaves a half-written run
//! directory (an existing run directory is replaced only once the new one is complete).
//! Parquet files are written single-threaded with zstd and fixed row groups, so the same rows
//! give byte-identical files.
//!
//! May depend on: `record`, `metrics` (its plain types), `echo`, polars, plotters, serde_json. Never reaches into `sim` or `chain`.

mod aggregate;
mod charts;
mod compare_view;
mod markdown;
mod parquet;
mod read;
mod run_view;
mod summary;
mod sweep;
mod sweep_view;

pub use markdown::write_report;
pub use summary::summary;
pub use sweep::{AxisColumn, SweepRun, SweepWriter};

use crate::echo::{echo_path, one_line};
use crate::metrics::RunMetrics;
use crate::record::RunRecord;
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

/// Creates the parent of `run_dir` and a fresh temporary directory beside `run_dir`; fails
/// early (before any simulation) if the location is not writable.
pub fn prepare(run_dir: &Path) -> Result<PathBuf, ReportError> {
    let output = |message: String| ReportError::Output {
        path: run_dir.to_path_buf(),
        message,
    };
    let parent = run_dir
        .parent()
        .ok_or_else(|| output("has no parent directory".into()))?;
    std::fs::create_dir_all(parent).map_err(|e| output(format!("cannot create: {e}")))?;
    let name = run_dir
        .file_name()
        .ok_or_else(|| output("has no file name".into()))?
        .to_string_lossy();
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp)
            .map_err(|e| output(format!("cannot clear {}: {e}", echo_path(&tmp))))?;
    }
    std::fs::create_dir(&tmp).map_err(|e| output(format!("not writable: {e}")))?;
    Ok(tmp)
}

/// Removes a temporary directory left by [`prepare`] (after a failure).
pub fn discard(tmp: &Path) {
    let _ = std::fs::remove_dir_all(tmp);
}

/// Writes the run's files into `tmp` (from [`prepare`]) and moves them to `run_dir`.
pub fn write_run(
    tmp: &Path,
    run_dir: &Path,
    record: &RunRecord,
    metrics: &RunMetrics,
    manifest: &serde_json::Value,
    tables: Tables,
) -> Result<(), ReportError> {
    let result =
        write_files(tmp, record, metrics, manifest, tables).and_then(|()| commit(tmp, run_dir));
    if result.is_err() {
        discard(tmp);
    }
    result
}

/// Which optional tables to write.
#[derive(Clone, Copy, Debug)]
pub struct Tables {
    /// `neurons.parquet`.
    pub neurons: bool,
    /// `accounts.parquet`.
    pub accounts: bool,
}

fn write_files(
    dir: &Path,
    record: &RunRecord,
    metrics: &RunMetrics,
    manifest: &serde_json::Value,
    tables: Tables,
) -> Result<(), ReportError> {
    if tables.neurons {
        parquet::write(&dir.join("neurons.parquet"), parquet::neurons(record))?;
    }
    parquet::write(&dir.join("subnets.parquet"), parquet::subnets(record))?;
    if tables.accounts {
        parquet::write(&dir.join("accounts.parquet"), parquet::accounts(record))?;
    }
    parquet::write(
        &dir.join("series.parquet"),
        parquet::series(&record.run, &metrics.series),
    )?;
    write_json(&dir.join("manifest.json"), manifest)?;
    write_json(&dir.join("summary.json"), &summary(record, metrics))
}

/// Pretty JSON with a final newline.
pub fn write_json(path: &Path, value: &serde_json::Value) -> Result<(), ReportError> {
    let text = serde_json::to_string_pretty(value).map_err(|e| write_error(path, e))?;
    std::fs::write(path, text + "\n").map_err(|e| write_error(path, e))
}

fn write_error(path: &Path, e: impl std::fmt::Display) -> ReportError {
    ReportError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Moves `tmp` to `run_dir`, replacing an older run directory only after the move.
pub fn commit(tmp: &Path, run_dir: &Path) -> Result<(), ReportError> {
    let old = run_dir.with_extension(format!("old-{}", std::process::id()));
    let had_old = run_dir.exists();
    if had_old {
        std::fs::rename(run_dir, &old).map_err(|e| write_error(run_dir, e))?;
    }
    if let Err(e) = std::fs::rename(tmp, run_dir) {
        if had_old {
            let _ = std::fs::rename(&old, run_dir);
        }
        return Err(write_error(run_dir, e));
    }
    if had_old {
        let _ = std::fs::remove_dir_all(&old);
    }
    Ok(())
}
