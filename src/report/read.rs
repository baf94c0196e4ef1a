//! Reading the files a report is drawn from: Parquet columns into plain vectors, JSON into
//! `serde_json::Value`. Every error names the file. Missing optional files read as `None`.
//!
//! May depend on: polars, serde_json.

use super::ReportError;
use polars::prelude::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A `ReportError::Read` naming `path`.
pub fn read_error(path: &Path, message: impl std::fmt::Display) -> ReportError {
    ReportError::Read {
        path: path.to_path_buf(),
        message: message.to_string().replace('\n', " "),
    }
}

/// Reads and parses a JSON file.
pub fn json(path: &Path) -> Result<Value, ReportError> {
    let text = std::fs::read_to_string(path).map_err(|e| read_error(path, e))?;
    serde_json::from_str(&text).map_err(|e| read_error(path, format!("invalid JSON: {e}")))
}

/// Reads a JSON file if it exists.
pub fn json_if_exists(path: &Path) -> Result<Option<Value>, ReportError> {
    if path.exists() {
        json(path).map(Some)
    } else {
        Ok(None)
    }
}

/// Some columns of one Parquet file.
pub struct Table {
    path: PathBuf,
    frame: DataFrame,
}

impl Table {
    /// Reads the named columns of `path` (all of them if `columns` is empty).
    pub fn read(path: &Path, columns: &[&str]) -> Result<Table, ReportError> {
        let file = std::fs::File::open(path).map_err(|e| read_error(path, e))?;
        let projection =
            (!columns.is_empty()).then(|| columns.iter().map(|c| c.to_string()).collect());
        let frame = ParquetReader::new(file)
            .with_columns(projection)
            .read_parallel(ParallelStrategy::None)
            .finish()
            .map_err(|e| read_error(path, e))?;
        Ok(Table {
            path: path.to_path_buf(),
            frame,
        })
    }

    /// The table as a polars DataFrame.
    pub fn into_frame(self) -> DataFrame {
        self.frame
    }

    /// Reads the named columns of `path` slice by slice (`rows` rows at a time) and hands
    /// each slice to `each`, so a table larger than memory can be aggregated. `false` if
    /// `path` does not exist.
    pub fn for_each_slice(
        path: &Path,
        columns: &[&str],
        rows: usize,
        each: &mut dyn FnMut(&Table) -> Result<(), ReportError>,
    ) -> Result<bool, ReportError> {
        if !path.exists() {
            return Ok(false);
        }
        let open = || std::fs::File::open(path).map_err(|e| read_error(path, e));
        let total = (ParquetReader::new(open()?).num_rows()).map_err(|e| read_error(path, e))?;
        let projection: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
        for offset in (0..total).step_by(rows.max(1)) {
            let frame = ParquetReader::new(open()?)
                .with_columns(Some(projection.clone()))
                .with_slice(Some((offset, rows.min(total - offset))))
                .read_parallel(ParallelStrategy::None)
                .finish()
                .map_err(|e| read_error(path, e))?;
            each(&Table {
                path: path.to_path_buf(),
                frame,
            })?;
        }
        Ok(true)
    }

    /// Reads `path` if it exists.
    pub fn read_if_exists(path: &Path, columns: &[&str]) -> Result<Option<Table>, ReportError> {
        if path.exists() {
            Table::read(path, columns).map(Some)
        } else {
            Ok(None)
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.frame.height()
    }

    /// Whether `name` is a String column.
    pub fn is_text(&self, name: &str) -> bool {
        self.frame
            .column(name)
            .is_ok_and(|c| c.dtype() == &DataType::String)
    }

    fn cast(&self, name: &str, dtype: &DataType) -> Result<Column, ReportError> {
        let column = self
            .frame
            .column(name)
            .map_err(|_| read_error(&self.path, format!("no column `{name}`")))?;
        column
            .cast(dtype)
            .map_err(|e| read_error(&self.path, format!("column `{name}`: {e}")))
    }

    /// A numeric column as `f64` (null → NaN).
    pub fn f64(&self, name: &str) -> Result<Vec<f64>, ReportError> {
        let column = self.cast(name, &DataType::Float64)?;
        let values = column.f64().map_err(|e| read_error(&self.path, e))?;
        Ok(values.iter().map(|v| v.unwrap_or(f64::NAN)).collect())
    }

    /// An integer column as `u64`; a null is an error.
    pub fn u64(&self, name: &str) -> Result<Vec<u64>, ReportError> {
        let column = self.cast(name, &DataType::UInt64)?;
        let values = column.u64().map_err(|e| read_error(&self.path, e))?;
        values
            .iter()
            .map(|v| v.ok_or_else(|| read_error(&self.path, format!("null in `{name}`"))))
            .collect()
    }

    /// A column stored as UInt64 (an amount in rao), as `u64`; any other type or a null is an
    /// error (a cast from floats would hide lost rao).
    pub fn exact_u64(&self, name: &str) -> Result<Vec<u64>, ReportError> {
        let dtype = self.frame.column(name).map(|c| c.dtype().clone());
        match dtype {
            Ok(DataType::UInt64) => self.u64(name),
            Ok(other) => Err(read_error(
                &self.path,
                format!("column `{name}` is {other}, expected UInt64 (integer rao)"),
            )),
            Err(_) => Err(read_error(&self.path, format!("no column `{name}`"))),
        }
    }

    /// An integer column as `u32`; a null is an error.
    pub fn u32(&self, name: &str) -> Result<Vec<u32>, ReportError> {
        let column = self.cast(name, &DataType::UInt32)?;
        let values = column.u32().map_err(|e| read_error(&self.path, e))?;
        values
            .iter()
            .map(|v| v.ok_or_else(|| read_error(&self.path, format!("null in `{name}`"))))
            .collect()
    }

    /// A column as text (null → empty); numbers are formatted.
    pub fn text(&self, name: &str) -> Result<Vec<String>, ReportError> {
        let column = self.cast(name, &DataType::String)?;
        let values = column.str().map_err(|e| read_error(&self.path, e))?;
        Ok(values.iter().map(|v| v.unwrap_or("").to_string()).collect())
    }

    /// A String column as codes into a sorted dictionary of its distinct values (null →
    /// empty), without one allocation per row.
    pub fn codes(&self, name: &str) -> Result<(Vec<String>, Vec<u32>), ReportError> {
        let column = self.cast(name, &DataType::String)?;
        let values = column.str().map_err(|e| read_error(&self.path, e))?;
        let mut seen: BTreeMap<&str, u32> = BTreeMap::new();
        let mut codes = Vec::with_capacity(values.len());
        for v in values.iter() {
            let v = v.unwrap_or("");
            let next = seen.len() as u32;
            codes.push(*seen.entry(v).or_insert(next));
        }
        // Renumber so that codes follow the sorted dictionary.
        let mut order = vec![0u32; seen.len()];
        let mut dictionary = Vec::with_capacity(seen.len());
        for (rank, (text, first)) in seen.into_iter().enumerate() {
            order[first as usize] = rank as u32;
            dictionary.push(text.to_string());
        }
        codes.iter_mut().for_each(|c| *c = order[*c as usize]);
        Ok((dictionary, codes))
    }
}
