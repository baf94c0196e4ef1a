//! One run into a run directory: the simulation's rows streamed, block by block, into the
//! Parquet writer, the metrics and the summary at once ([`write_run`]), so a year-long run
//! holds no rows beyond one row group per table; what grows with the duration is only the
//! series points (16 bytes each) and the Parquet footers' metadata. Used by `taosim run` and the benchmarks; the
//! caller stages and publishes the directory (`report::publish`).
//!
//! May depend on: `sim`, `scenario`, `metrics`, `record`, `report`, `runner`.

use crate::metrics::{Metrics, RunMetrics};
use crate::record::{Discard, RowSink, RunId, RunRecord, Tee};
use crate::report::{ReportError, RunWriter, Tables};
use crate::runner::streamed_metrics;
use crate::scenario::Scenario;
use std::path::Path;

/// Why a run into a directory failed.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The simulation could not start.
    #[error(transparent)]
    Sim(#[from] crate::sim::SimError),
    /// A file could not be written.
    #[error(transparent)]
    Write(#[from] ReportError),
}

/// Plays `scenario` with `seed` and writes its run directory's files (tables, `series.parquet`,
/// `manifest.json`, `summary.json`; no charts) into `dir` as it goes, calling
/// `progress(block)` every 1 000 blocks. Returns the run's totals and metrics.
pub fn write_run(
    scenario: &Scenario,
    seed: u64,
    dir: &Path,
    manifest: &serde_json::Value,
    progress: &mut dyn FnMut(u64),
) -> Result<(RunRecord, RunMetrics), RunError> {
    write_run_stopping(scenario, seed, dir, manifest, progress, &mut Discard)
}

/// [`write_run`], with `stop` fed the rows too: the run ends early once it says
/// [`RowSink::stopped`] (an interruption; the files are then incomplete).
pub fn write_run_stopping(
    scenario: &Scenario,
    seed: u64,
    dir: &Path,
    manifest: &serde_json::Value,
    progress: &mut dyn FnMut(u64),
    stop: &mut dyn RowSink,
) -> Result<(RunRecord, RunMetrics), RunError> {
    let tables = Tables {
        neurons: scenario.record_neurons,
        neurons_every_epochs: scenario.record_neurons_every,
        accounts: scenario.record_accounts,
    };
    let run = RunId {
        scenario: scenario.name.clone(),
        seed,
        ..RunId::default()
    };
    let mut writer = RunWriter::new(dir, run, tables);
    let mut metrics = scenario.consensus.is_none().then(|| Metrics::new(scenario));
    let record = {
        let mut sinks: Vec<&mut dyn RowSink> = vec![&mut writer, stop];
        if let Some(m) = metrics.as_mut() {
            sinks.push(m);
        }
        crate::sim::run_into(scenario, seed, progress, &mut Tee(sinks))?
    };
    let metrics = streamed_metrics(metrics, &record);
    writer.finish(&record, &metrics, manifest)?;
    Ok((record, metrics))
}
