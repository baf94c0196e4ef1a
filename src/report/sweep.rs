//! A sweep's tables, streamed: `runs.parquet` (one row per run: its place in the sweep, the
//! swept values, ok or the error), `metrics.parquet` (tidy: run × metric) and
//! `series.parquet` (tidy: run × series × step). Rows are buffered and written as one row
//! group per [`BATCH_RUNS`] runs, in run order, so memory does not grow with the number of
//! runs and the files do not depend on how many threads produced the runs.

use super::ReportError;
use crate::metrics::RunMetrics;
use polars::io::parquet::write::BatchedWriter;
use polars::prelude::*;
use serde_json::Value;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

/// Runs per row group.
pub const BATCH_RUNS: usize = 4_096;

/// One finished run as the writer sees it.
pub struct SweepRun<'a> {
    /// Position in the sweep.
    pub run: u32,
    /// Sweep point.
    pub subset: u32,
    /// Replicate.
    pub replicate: u32,
    /// Seed.
    pub seed: u64,
    /// The swept values, one per axis, in axis order.
    pub params: Vec<&'a Value>,
    /// The run's metrics, or why it failed.
    pub outcome: Result<&'a RunMetrics, &'a str>,
}

/// A swept path's column in `runs.parquet`: Float64 if every value is a number, else the
/// values' YAML/JSON text.
#[derive(Clone, Debug)]
pub struct AxisColumn {
    /// The path (column name).
    pub name: String,
    /// Float64 or String.
    pub numeric: bool,
}

/// Writes the three tables of a sweep.
pub struct SweepWriter {
    axes: Vec<AxisColumn>,
    runs: Table,
    metrics: Table,
    series: Table,
    rows: Rows,
    buffered: usize,
}

pub(super) struct Table {
    path: PathBuf,
    writer: BatchedWriter<BufWriter<File>>,
}

#[derive(Default)]
struct Rows {
    run_ids: Ids,
    status: Vec<&'static str>,
    error: Vec<String>,
    params: Vec<Vec<Value>>,
    metric_ids: Ids,
    metric: Vec<String>,
    metric_value: Vec<f64>,
    series_ids: Ids,
    series: Vec<String>,
    step: Vec<u64>,
    series_value: Vec<f64>,
}

#[derive(Default)]
struct Ids {
    run: Vec<u32>,
    subset: Vec<u32>,
    replicate: Vec<u32>,
    seed: Vec<u64>,
}

impl Ids {
    fn push(&mut self, r: &SweepRun, times: usize) {
        for _ in 0..times {
            self.run.push(r.run);
            self.subset.push(r.subset);
            self.replicate.push(r.replicate);
            self.seed.push(r.seed);
        }
    }

    fn columns(&mut self) -> Vec<Column> {
        vec![
            Column::new("run".into(), std::mem::take(&mut self.run)),
            Column::new("subset".into(), std::mem::take(&mut self.subset)),
            Column::new("replicate".into(), std::mem::take(&mut self.replicate)),
            Column::new("seed".into(), std::mem::take(&mut self.seed)),
        ]
    }
}

fn id_fields() -> Vec<Field> {
    vec![
        Field::new("run".into(), DataType::UInt32),
        Field::new("subset".into(), DataType::UInt32),
        Field::new("replicate".into(), DataType::UInt32),
        Field::new("seed".into(), DataType::UInt64),
    ]
}

impl Table {
    pub(super) fn create(path: PathBuf, fields: Vec<Field>) -> Result<Table, ReportError> {
        let file = File::create(&path).map_err(|e| write_error(&path, e))?;
        let schema = Schema::from_iter(fields);
        let writer = ParquetWriter::new(BufWriter::new(file))
            .with_compression(ParquetCompression::Zstd(None))
            .set_parallel(false)
            .batched(&schema)
            .map_err(|e| write_error(&path, e))?;
        Ok(Table { path, writer })
    }

    pub(super) fn write(&mut self, columns: Vec<Column>) -> Result<(), ReportError> {
        let height = columns.first().map_or(0, Column::len);
        let frame = DataFrame::new(height, columns).map_err(|e| write_error(&self.path, e))?;
        if frame.height() > 0 {
            self.writer
                .write_batch(&frame)
                .map_err(|e| write_error(&self.path, e))?;
        }
        Ok(())
    }

    pub(super) fn finish(self) -> Result<(), ReportError> {
        self.writer
            .finish()
            .map(|_| ())
            .map_err(|e| write_error(&self.path, e))
    }
}

impl SweepWriter {
    /// Creates the three files in `dir`.
    pub fn create(dir: &Path, axes: Vec<AxisColumn>) -> Result<SweepWriter, ReportError> {
        let mut run_fields = id_fields();
        run_fields.push(Field::new("status".into(), DataType::String));
        run_fields.push(Field::new("error".into(), DataType::String));
        for a in &axes {
            let dtype = if a.numeric {
                DataType::Float64
            } else {
                DataType::String
            };
            run_fields.push(Field::new(a.name.as_str().into(), dtype));
        }
        let mut metric_fields = id_fields();
        metric_fields.push(Field::new("metric".into(), DataType::String));
        metric_fields.push(Field::new("value".into(), DataType::Float64));
        let mut series_fields = id_fields();
        series_fields.push(Field::new("series".into(), DataType::String));
        series_fields.push(Field::new("step".into(), DataType::UInt64));
        series_fields.push(Field::new("value".into(), DataType::Float64));
        Ok(SweepWriter {
            runs: Table::create(dir.join("runs.parquet"), run_fields)?,
            metrics: Table::create(dir.join("metrics.parquet"), metric_fields)?,
            series: Table::create(dir.join("series.parquet"), series_fields)?,
            rows: Rows {
                params: vec![Vec::new(); axes.len()],
                ..Rows::default()
            },
            axes,
            buffered: 0,
        })
    }

    /// Adds a finished run (runs must arrive in run order).
    pub fn push(&mut self, r: &SweepRun) -> Result<(), ReportError> {
        let rows = &mut self.rows;
        rows.run_ids.push(r, 1);
        for (column, value) in rows.params.iter_mut().zip(&r.params) {
            column.push((*value).clone());
        }
        match r.outcome {
            Ok(m) => {
                rows.status.push("ok");
                rows.error.push(String::new());
                rows.metric_ids.push(r, m.metrics.len());
                for x in &m.metrics {
                    rows.metric.push(x.name.clone());
                    rows.metric_value.push(x.value);
                }
                rows.series_ids.push(r, m.series.len());
                for p in &m.series {
                    rows.series.push(p.series.clone());
                    rows.step.push(p.step);
                    rows.series_value.push(p.value);
                }
            }
            Err(e) => {
                rows.status.push("error");
                rows.error.push(e.to_string());
            }
        }
        self.buffered += 1;
        if self.buffered == BATCH_RUNS {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), ReportError> {
        let rows = &mut self.rows;
        let mut runs = rows.run_ids.columns();
        runs.push(Column::new(
            "status".into(),
            std::mem::take(&mut rows.status),
        ));
        runs.push(Column::new("error".into(), std::mem::take(&mut rows.error)));
        for (axis, values) in self.axes.iter().zip(rows.params.iter_mut()) {
            runs.push(axis_column(axis, std::mem::take(values)));
        }
        self.runs.write(runs)?;
        let mut metrics = rows.metric_ids.columns();
        metrics.push(Column::new(
            "metric".into(),
            std::mem::take(&mut rows.metric),
        ));
        metrics.push(Column::new(
            "value".into(),
            std::mem::take(&mut rows.metric_value),
        ));
        self.metrics.write(metrics)?;
        let mut series = rows.series_ids.columns();
        series.push(Column::new(
            "series".into(),
            std::mem::take(&mut rows.series),
        ));
        series.push(Column::new("step".into(), std::mem::take(&mut rows.step)));
        series.push(Column::new(
            "value".into(),
            std::mem::take(&mut rows.series_value),
        ));
        self.series.write(series)?;
        self.buffered = 0;
        Ok(())
    }

    /// Writes what is buffered and closes the files.
    pub fn finish(mut self) -> Result<(), ReportError> {
        self.flush()?;
        self.runs.finish()?;
        self.metrics.finish()?;
        self.series.finish()
    }
}

fn axis_column(axis: &AxisColumn, values: Vec<Value>) -> Column {
    let name = axis.name.as_str().into();
    if axis.numeric {
        Column::new(name, values.iter().map(Value::as_f64).collect::<Vec<_>>())
    } else {
        let text = |v: &Value| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        Column::new(name, values.iter().map(text).collect::<Vec<_>>())
    }
}

fn write_error(path: &Path, e: impl std::fmt::Display) -> ReportError {
    ReportError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}
