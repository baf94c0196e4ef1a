//! Rows → DataFrames → Parquet, preceded by the run's bookkeeping columns (`scenario`,
//! `subset`, `replicate`, `seed`). Column names are the row structs' field names with the unit
//! said: amounts end in `_rao` (UInt64, rao of the asset the name or the README's schema table
//! gives), the chain's u16 proportions in `_u16` (divide by 65 535 for a fraction). u16 values
//! (netuid, uid, proportions) are stored as UInt32.
//!
//! May depend on: `record`, `metrics` (its plain types), polars.

use super::ReportError;
use crate::record::{AccountRow, LedgerRow, NeuronRow, RunId, SubnetRow};
use polars::prelude::*;
use std::path::Path;

/// Rows per row group of a streamed table: a table's rows are held in memory until this many
/// have come, so the writer's memory is bounded whatever the run's length; fixed, so the same
/// rows give byte-identical files.
pub const ROW_GROUP_ROWS: usize = 1 << 16;

/// Who the rows belong to: the run's bookkeeping values and the agents' names by index.
#[derive(Clone, Copy)]
pub struct Owner<'a> {
    /// The run.
    pub run: &'a RunId,
    /// Agent names by agent index.
    pub agents: &'a [String],
}

impl Owner<'_> {
    fn agent(&self, index: Option<u32>) -> &str {
        index
            .and_then(|i| self.agents.get(i as usize))
            .map_or("", String::as_str)
    }
}

/// Writes `frame` to `path` (zstd, single-threaded, one row group per 256 Ki rows).
pub fn write(path: &Path, frame: PolarsResult<DataFrame>) -> Result<(), ReportError> {
    let error = |e: &dyn std::fmt::Display| ReportError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut frame = frame.map_err(|e| error(&e))?;
    let file = std::fs::File::create(path).map_err(|e| error(&e))?;
    ParquetWriter::new(std::io::BufWriter::new(file))
        .with_compression(ParquetCompression::Zstd(None))
        .with_row_group_size(Some(1 << 18))
        .set_parallel(false)
        .finish(&mut frame)
        .map_err(|e| error(&e))?;
    Ok(())
}

/// The bookkeeping columns for `height` rows.
fn run_columns(run: &RunId, height: usize) -> Vec<Column> {
    vec![
        Column::new("scenario".into(), vec![run.scenario.as_str(); height]),
        Column::new("subset".into(), vec![run.subset; height]),
        Column::new("replicate".into(), vec![run.replicate; height]),
        Column::new("seed".into(), vec![run.seed; height]),
    ]
}

/// A column from a field of every row.
fn col<R, T>(name: &str, rows: &[R], f: impl Fn(&R) -> T) -> Column
where
    Series: NamedFrom<Vec<T>, [T]>,
{
    Column::new(name.into(), rows.iter().map(f).collect::<Vec<T>>())
}

/// A frame of `neurons.parquet`.
pub fn neurons(owner: Owner, r: &[NeuronRow]) -> PolarsResult<DataFrame> {
    let mut columns = run_columns(owner.run, r.len());
    columns.extend([
        col("block", r, |x| x.block),
        col("epoch", r, |x| x.epoch),
        col("netuid", r, |x| u32::from(x.netuid)),
        col("uid", r, |x| u32::from(x.uid)),
        col("hotkey", r, |x| x.hotkey),
        col("coldkey", r, |x| x.coldkey),
        col("agent", r, |x| owner.agent(x.agent)),
        col("role", r, |x| x.role),
        col("strategy", r, |x| x.strategy),
        col("alpha_stake_rao", r, |x| x.alpha_stake),
        col("root_stake_rao", r, |x| x.root_stake),
        col("stake_weight_u16", r, |x| u32::from(x.stake_weight)),
        col("consensus_u16", r, |x| u32::from(x.consensus)),
        col("incentive_u16", r, |x| u32::from(x.incentive)),
        col("dividends_u16", r, |x| u32::from(x.dividends)),
        col("validator_trust_u16", r, |x| u32::from(x.validator_trust)),
        col("emission_rao", r, |x| x.emission),
        col("permit", r, |x| x.permit),
        col("active", r, |x| x.active),
    ]);
    DataFrame::new(r.len(), columns)
}

/// A frame of `subnets.parquet`.
pub fn subnets(owner: Owner, r: &[SubnetRow]) -> PolarsResult<DataFrame> {
    let mut columns = run_columns(owner.run, r.len());
    columns.extend([
        col("block", r, |x| x.block),
        col("epoch", r, |x| x.epoch),
        col("netuid", r, |x| u32::from(x.netuid)),
        col("n", r, |x| u32::from(x.n)),
        col("tao_reserve_rao", r, |x| x.tao_reserve),
        col("alpha_reserve_rao", r, |x| x.alpha_reserve),
        col("alpha_out_rao", r, |x| x.alpha_out),
        col("price", r, |x| x.price),
        col("moving_price", r, |x| x.moving_price),
        col("tao_in_rao", r, |x| x.tao_in),
        col("alpha_in_rao", r, |x| x.alpha_in),
        col("alpha_emitted_rao", r, |x| x.alpha_emitted),
        col("root_proportion", r, |x| x.root_proportion),
        col("owner_cut_rao", r, |x| x.owner_cut),
        col("server_emission_rao", r, |x| x.server_emission),
        col("validator_emission_rao", r, |x| x.validator_emission),
        col("root_emission_rao", r, |x| x.root_emission),
        col("burn_rao", r, |x| x.burn),
    ]);
    DataFrame::new(r.len(), columns)
}

/// A frame of `accounts.parquet`.
pub fn accounts(owner: Owner, r: &[AccountRow]) -> PolarsResult<DataFrame> {
    let mut columns = run_columns(owner.run, r.len());
    columns.extend([
        col("block", r, |x| x.block),
        col("epoch", r, |x| x.epoch),
        col("netuid", r, |x| u32::from(x.netuid)),
        col("coldkey", r, |x| x.coldkey),
        col("agent", r, |x| owner.agent(Some(x.agent))),
        col("role", r, |x| x.role),
        col("free_balance_rao", r, |x| x.free_balance_rao),
        col("stake_rao", r, |x| x.stake_rao),
        col("stake_value_rao", r, |x| x.stake_value_rao),
        col("total_value_rao", r, |x| x.total_value_rao),
    ]);
    DataFrame::new(r.len(), columns)
}

/// A frame of `ledger.parquet`: `block, asset, bucket, amount_rao` (asset `tao` or
/// `alpha:<netuid>`).
pub fn ledger(owner: Owner, r: &[LedgerRow]) -> PolarsResult<DataFrame> {
    let mut columns = run_columns(owner.run, r.len());
    columns.extend([
        col("block", r, |x| x.block),
        col("asset", r, |x| asset_name(x.netuid)),
        col("bucket", r, |x| x.bucket),
        col("amount_rao", r, |x| x.amount_rao),
    ]);
    DataFrame::new(r.len(), columns)
}

/// `tao`, or `alpha:<netuid>`.
pub fn asset_name(netuid: Option<u16>) -> String {
    netuid.map_or_else(|| "tao".to_string(), |n| format!("alpha:{n}"))
}

/// `series.parquet` of a single run: the sweep schema (`run, subset, replicate, seed, series,
/// step, value`) with run 0, so run and sweep directories read alike.
pub fn series(run: &RunId, points: &[crate::metrics::SeriesPoint]) -> PolarsResult<DataFrame> {
    let n = points.len();
    let columns = vec![
        Column::new("run".into(), vec![0u32; n]),
        Column::new("subset".into(), vec![run.subset; n]),
        Column::new("replicate".into(), vec![run.replicate; n]),
        Column::new("seed".into(), vec![run.seed; n]),
        Column::new(
            "series".into(),
            points
                .iter()
                .map(|p| p.series.as_str())
                .collect::<Vec<&str>>(),
        ),
        col("step", points, |p| p.step),
        col("value", points, |p| p.value),
    ];
    DataFrame::new(n, columns)
}

/// One Parquet table written as rows come: rows are buffered until [`ROW_GROUP_ROWS`], then
/// written as one row group (zstd, single-threaded), so the buffer stays bounded (it fills
/// until the table's first row group: within hours for the neuron rows of a large network,
/// after weeks for its subnet rows, one per subnet epoch).
pub struct TableWriter<R> {
    path: std::path::PathBuf,
    frame: fn(Owner, &[R]) -> PolarsResult<DataFrame>,
    rows: Vec<R>,
    writer: Option<BatchedWriter<std::io::BufWriter<std::fs::File>>>,
}

impl<R: Clone> TableWriter<R> {
    /// A table at `path` whose frames `frame` builds (nothing is created until the first
    /// row group or [`TableWriter::finish`]).
    pub fn new(
        path: std::path::PathBuf,
        frame: fn(Owner, &[R]) -> PolarsResult<DataFrame>,
    ) -> Self {
        TableWriter {
            path,
            frame,
            rows: Vec::new(),
            writer: None,
        }
    }

    /// Adds rows, writing a row group whenever [`ROW_GROUP_ROWS`] have come.
    pub fn push(&mut self, owner: Owner, rows: &[R]) -> Result<(), ReportError> {
        if self.rows.capacity() == 0 && !rows.is_empty() {
            // One buffer of a row group's size for the whole run (cleared, not freed, after
            // each row group): no doubling copies and no freed halves left behind as it fills;
            // the pages not yet written to are never touched.
            self.rows.reserve_exact(ROW_GROUP_ROWS);
        }
        let mut rest = rows;
        while !rest.is_empty() {
            let room = ROW_GROUP_ROWS - self.rows.len();
            let (now, later) = rest.split_at(room.min(rest.len()));
            self.rows.extend_from_slice(now);
            rest = later;
            if self.rows.len() == ROW_GROUP_ROWS {
                self.flush(owner)?;
            }
        }
        Ok(())
    }

    /// Writes the buffered rows as one row group (the schema alone if there are none yet).
    fn flush(&mut self, owner: Owner) -> Result<(), ReportError> {
        let frame = (self.frame)(owner, &self.rows).map_err(|e| self.error(&e))?;
        if self.writer.is_none() {
            let file = std::fs::File::create(&self.path).map_err(|e| self.error(&e))?;
            let writer = ParquetWriter::new(std::io::BufWriter::new(file))
                .with_compression(ParquetCompression::Zstd(None))
                .set_parallel(false)
                .batched(frame.schema())
                .map_err(|e| self.error(&e))?;
            self.writer = Some(writer);
        }
        if let Some(writer) = self.writer.as_mut()
            && frame.height() > 0
        {
            writer
                .write_batch(&frame)
                .map_err(|e| error(&self.path, &e))?;
        }
        self.rows.clear();
        Ok(())
    }

    /// Writes what is left and the file's footer.
    pub fn finish(mut self, owner: Owner) -> Result<(), ReportError> {
        if !self.rows.is_empty() || self.writer.is_none() {
            self.flush(owner)?;
        }
        if let Some(writer) = self.writer.take() {
            writer.finish().map_err(|e| error(&self.path, &e))?;
        }
        Ok(())
    }

    fn error(&self, e: &dyn std::fmt::Display) -> ReportError {
        error(&self.path, e)
    }
}

fn error(path: &Path, e: &dyn std::fmt::Display) -> ReportError {
    ReportError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// `replay.parquet`: one row per variant × epoch × uid; fractions as Float64.
pub fn replay(rows: &[crate::record::ReplayRow]) -> PolarsResult<DataFrame> {
    let r = rows;
    let columns = vec![
        col("variant", r, |x| x.variant.clone()),
        col("snapshot", r, |x| x.snapshot),
        col("block", r, |x| x.block),
        col("netuid", r, |x| u32::from(x.netuid)),
        col("uid", r, |x| u32::from(x.uid)),
        col("hotkey", r, |x| x.hotkey.clone()),
        col("stake_weight", r, |x| x.stake_weight),
        col("consensus", r, |x| x.consensus),
        col("incentive", r, |x| x.incentive),
        col("dividends", r, |x| x.dividends),
        col("validator_trust", r, |x| x.validator_trust),
        col("emission_share", r, |x| x.emission_share),
    ];
    DataFrame::new(r.len(), columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows pushed in uneven batches come out as row groups of [`ROW_GROUP_ROWS`] (the last
    /// one shorter), in order and complete.
    #[test]
    fn a_streamed_table_is_cut_into_bounded_row_groups() {
        let dir = std::env::temp_dir().join(format!("taosim-rg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("ledger.parquet");
        let run = RunId::default();
        let owner = Owner {
            run: &run,
            agents: &[],
        };
        let total = 2 * ROW_GROUP_ROWS + 1_234;
        let rows: Vec<LedgerRow> = (0..total as u64)
            .map(|i| LedgerRow {
                block: i,
                netuid: None,
                bucket: "free",
                amount_rao: i * 3,
            })
            .collect();
        let mut table = TableWriter::new(path.clone(), ledger);
        for batch in rows.chunks(7_777) {
            table.push(owner, batch).unwrap();
        }
        table.finish(owner).unwrap();
        let mut reader = ParquetReader::new(std::fs::File::open(&path).unwrap());
        let sizes: Vec<usize> = (reader.get_metadata().unwrap().row_groups.iter())
            .map(|g| g.num_rows())
            .collect();
        assert_eq!(sizes, vec![ROW_GROUP_ROWS, ROW_GROUP_ROWS, 1_234]);
        let frame = reader.finish().unwrap();
        let blocks: Vec<u64> = frame
            .column("block")
            .unwrap()
            .u64()
            .unwrap()
            .into_no_null_iter()
            .collect();
        assert_eq!(blocks, (0..total as u64).collect::<Vec<_>>());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
