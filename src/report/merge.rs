//! The tables of a sharded sweep merged into the tables an unsharded sweep writes: every
//! shard's `runs.parquet`, `metrics.parquet` and `series.parquet` stacked, ordered by run
//! (rows of one run keep their order) and written as [`sweep::SweepWriter`] writes them — one
//! row group per [`sweep::BATCH_RUNS`] runs, zstd, single-threaded — so the files are the same
//! bytes as the single-machine sweep's.
//!
//! May depend on: `read`, `sweep`, polars.

use super::read::read_error;
use super::sweep::{self, BATCH_RUNS};
use super::{ReportError, write_error};
use polars::prelude::*;
use std::path::{Path, PathBuf};

/// The three sweep tables.
pub const SWEEP_TABLES: [&str; 3] = ["runs.parquet", "metrics.parquet", "series.parquet"];

/// The `run` column of `dir/runs.parquet`.
pub fn run_ids(dir: &Path) -> Result<Vec<u32>, ReportError> {
    super::read::Table::read(&dir.join("runs.parquet"), &["run"])?.u32("run")
}

/// Merges the tables of `shards` (directories) into `into`.
pub fn merge_sweep_tables(shards: &[PathBuf], into: &Path) -> Result<(), ReportError> {
    for name in SWEEP_TABLES {
        merge_table(shards, name, &into.join(name))?;
    }
    Ok(())
}

fn merge_table(shards: &[PathBuf], name: &str, to: &Path) -> Result<(), ReportError> {
    let mut all: Option<DataFrame> = None;
    for shard in shards {
        let path = shard.join(name);
        let frame = super::read::Table::read(&path, &[])?.into_frame();
        match all.as_mut() {
            None => all = Some(frame),
            Some(a) => {
                a.vstack_mut(&frame).map_err(|e| read_error(&path, e))?;
            }
        }
    }
    let Some(all) = all else {
        return Ok(());
    };
    let sorted = all
        .sort(
            ["run"],
            SortMultipleOptions::default().with_maintain_order(true),
        )
        .map_err(|e| write_error(to, e))?;
    write_batches(&sorted, to)
}

/// Writes `frame` (ordered by run) with one row group per [`BATCH_RUNS`] runs.
fn write_batches(frame: &DataFrame, to: &Path) -> Result<(), ReportError> {
    let mut table = sweep::Table::create(to.to_path_buf(), frame.schema().iter_fields().collect())?;
    let runs: Vec<u32> = (frame.column("run").and_then(|c| c.u32().cloned()))
        .map_err(|e| write_error(to, e))?
        .into_no_null_iter()
        .collect();
    let mut start = 0;
    while start < runs.len() {
        let batch = runs[start] as usize / BATCH_RUNS;
        let len = runs[start..]
            .iter()
            .take_while(|&&r| r as usize / BATCH_RUNS == batch)
            .count();
        let mut slice = frame.slice(start as i64, len);
        slice.rechunk_mut();
        table.write(slice.into_columns())?;
        start += len;
    }
    table.finish()
}
