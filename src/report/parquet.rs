//! Rows → DataFrames → Parquet, preceded by the run's bookkeeping columns (`scenario`,
//! `subset`, `replicate`, `seed`). Column names are the row structs' field names with the unit
//! said: amounts end in `_rao` (UInt64, rao of the asset the name or the README's schema table
//! gives), the chain's u16 proportions in `_u16` (divide by 65 535 for a fraction). u16 values
//! (netuid, uid, proportions) are stored as UInt32.
//!
//! May depend on: `record`, `metrics` (its plain types), polars.

use super::ReportError;
use crate::record::{RunId, RunRecord};
use polars::prelude::*;
use std::path::Path;

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

/// `neurons.parquet`.
pub fn neurons(record: &RunRecord) -> PolarsResult<DataFrame> {
    let r = &record.neurons;
    let mut columns = run_columns(&record.run, r.len());
    columns.extend([
        col("block", r, |x| x.block),
        col("epoch", r, |x| x.epoch),
        col("netuid", r, |x| u32::from(x.netuid)),
        col("uid", r, |x| u32::from(x.uid)),
        col("hotkey", r, |x| x.hotkey),
        col("coldkey", r, |x| x.coldkey),
        col("agent", r, |x| x.agent.clone()),
        col("role", r, |x| x.role.to_string()),
        col("strategy", r, |x| x.strategy.clone()),
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

/// `subnets.parquet`.
pub fn subnets(record: &RunRecord) -> PolarsResult<DataFrame> {
    let r = &record.subnets;
    let mut columns = run_columns(&record.run, r.len());
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

/// `accounts.parquet`.
pub fn accounts(record: &RunRecord) -> PolarsResult<DataFrame> {
    let r = &record.accounts;
    let mut columns = run_columns(&record.run, r.len());
    columns.extend([
        col("block", r, |x| x.block),
        col("epoch", r, |x| x.epoch),
        col("netuid", r, |x| u32::from(x.netuid)),
        col("coldkey", r, |x| x.coldkey),
        col("agent", r, |x| x.agent.clone()),
        col("role", r, |x| x.role.to_string()),
        col("free_balance_rao", r, |x| x.free_balance_rao),
        col("stake_rao", r, |x| x.stake_rao),
        col("stake_value_rao", r, |x| x.stake_value_rao),
        col("total_value_rao", r, |x| x.total_value_rao),
    ]);
    DataFrame::new(r.len(), columns)
}

/// `ledger.parquet`: `block, asset, bucket, amount_rao` (asset `tao` or `alpha:<netuid>`).
pub fn ledger(record: &RunRecord) -> PolarsResult<DataFrame> {
    let r = &record.ledger;
    let mut columns = run_columns(&record.run, r.len());
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
        col("series", points, |p| p.series.clone()),
        col("step", points, |p| p.step),
        col("value", points, |p| p.value),
    ];
    DataFrame::new(n, columns)
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
