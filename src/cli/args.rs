//! What several subcommands share: the `--jobs` parser, a scenario file as one side of a
//! compare or a sweep's scenario, sweep options from flags, and printing the published path. A
//! leaf of `cli`.
//!
//! May depend on: the api.

use crate::api::{self, Error, sweep::Side, sweep::SweepOptions};
use std::path::Path;

/// `--jobs N`: 1 ≤ N ≤ [`api::max_jobs`].
pub fn parse_jobs(text: &str) -> Result<usize, String> {
    let jobs: usize = text
        .trim()
        .parse()
        .map_err(|_| "expected a number of threads".to_string())?;
    api::check_jobs(jobs)
}

/// A scenario file as one side of a compare (or a sweep's scenario), with `--seed`.
pub fn side(file: &Path, seed: Option<u64>) -> Result<Side, Error> {
    Ok(Side {
        scenario: api::run::load(Some(file), seed)?,
        origin: file.display().to_string(),
    })
}

/// Sweep options from the flags.
pub fn sweep_options(
    jobs: Option<usize>,
    shard: Option<(u32, u32)>,
    no_report: bool,
) -> SweepOptions {
    SweepOptions {
        jobs,
        shard,
        report: !no_report,
    }
}

/// The published directory, on stdout.
pub fn print_path(dir: &Path) -> Result<(), Error> {
    println!("{}", dir.display());
    Ok(())
}
