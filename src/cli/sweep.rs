//! `taosim sweep`.
//!
//! May depend on: the api, `args`, `progress`, clap.

use super::args::{parse_jobs, print_path, side, sweep_options};
use super::progress::Terminal;
use crate::api::{self, Error, sweep::Side};
use std::path::PathBuf;

/// `taosim sweep`'s arguments.
#[derive(clap::Args, Debug)]
pub struct SweepArgs {
    /// Scenario YAML with a `sweep` section (without one: its replicates only).
    pub scenario: PathBuf,
    /// Root of the output directories.
    #[arg(long, default_value = "reports")]
    pub out: PathBuf,
    /// Threads (default: all cores; at most 4 per core). Outputs do not depend on it.
    #[arg(long, value_parser = parse_jobs)]
    pub jobs: Option<usize>,
    /// Run only every N-th run starting at the K-th (`K/N`, 1-based), into `shard-K-of-N/`.
    #[arg(long, value_name = "K/N", value_parser = api::sweep::parse_shard)]
    pub shard: Option<(u32, u32)>,
    /// Master seed (default: the scenario's `seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
    /// Skip the charts and `report.md`.
    #[arg(long)]
    pub no_report: bool,
}

/// Every run of the sweep (or one shard); prints the published directory.
pub fn sweep(a: SweepArgs) -> Result<(), Error> {
    let options = sweep_options(a.jobs, a.shard, a.no_report);
    let Side { scenario, origin } = side(&a.scenario, a.seed)?;
    let mut progress = Terminal::new(a.quiet);
    print_path(&api::sweep::sweep(
        scenario,
        &origin,
        &a.out,
        options,
        &mut progress,
    )?)
}
