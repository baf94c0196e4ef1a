//! The library's top layer: whole operations that end in a published output directory — a run,
//! a sweep or one shard of it, an A/B compare, a merge of shards, a replay, a check of the
//! baselines — each staged and published whole. The `taosim` command line and the Python
//! module call these, so run directories, manifests and compare tables are built in one place.
//!
//! Nothing here prints: progress, notes and interruption go through [`Progress`], errors are
//! an [`Error`] whose [`Error::Input`] is the one line the CLI prints with exit code 2.
//!
//! May depend on: `scenario`, `run_dir`, `runner`, `metrics`, `check`, `replay`, `report`,
//! `record`, `echo`, rayon. Never on `cli`.

pub mod check;
mod error;
mod merge;
mod progress;
pub mod replay;
pub mod run;
pub mod sweep;

pub use error::Error;
pub use merge::merge;
pub use progress::{Progress, Silent, Unit};

/// The subtensor source the chain rules follow, as written into manifests.
pub const CHAIN_REVISION: &str = "subtensor 14bc6f9f (2026-06-30)";

/// Most threads a run or sweep accepts per available core: enough to overlap waiting, few
/// enough that the runs in flight (16 per thread, each with its World) fit in memory.
pub const JOBS_PER_CORE: usize = 4;

/// The `jobs` limit on this machine: [`JOBS_PER_CORE`] × the cores available to the process.
pub fn max_jobs() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    JOBS_PER_CORE * cores
}

/// Threads when none are asked for: every core available to the process.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// A number of threads: 1 ≤ `jobs` ≤ [`max_jobs`]; the error says why not.
pub fn check_jobs(jobs: usize) -> Result<usize, String> {
    let max = max_jobs();
    match jobs {
        0 => Err("must be at least 1".into()),
        _ if jobs > max => Err(format!(
            "at most {max} ({JOBS_PER_CORE} per available core)"
        )),
        _ => Ok(jobs),
    }
}
