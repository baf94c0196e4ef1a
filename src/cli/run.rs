//! `taosim run` and `taosim run A --compare B`.
//!
//! May depend on: the api, `args`, `progress`, clap.

use super::args::{parse_jobs, print_path, side, sweep_options};
use super::progress::Terminal;
use crate::api::{self, Error};
use std::path::PathBuf;

/// `taosim run`'s arguments.
#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// Scenario YAML; without it, the embedded default scenario.
    pub scenario: Option<PathBuf>,
    /// Root of the run directories.
    #[arg(long, default_value = "reports")]
    pub out: PathBuf,
    /// Master seed (default: the scenario's `seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
    /// A/B: also run this scenario on the same seeds and compare every metric
    /// (writes `<out>/<A>-vs-<B>/`).
    #[arg(long, value_name = "B")]
    pub compare: Option<PathBuf>,
    /// With `--compare`: seeds per side (seed, seed + 1, …).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    pub replicates: u32,
    /// Threads (default: all cores; at most 4 per core): one run's validators decide in
    /// parallel, a compare's runs run in parallel; the files do not depend on it.
    #[arg(long, value_parser = parse_jobs)]
    pub jobs: Option<usize>,
    /// Skip the charts and `report.md`.
    #[arg(long)]
    pub no_report: bool,
}

/// One run, or (with `--compare`) an A/B compare; prints the published directory.
pub fn run(a: RunArgs) -> Result<(), Error> {
    match (a.compare, a.scenario) {
        (None, scenario) => {
            let s = api::run::load(scenario.as_deref(), a.seed)?;
            let jobs = a.jobs.unwrap_or_else(api::default_jobs);
            let mut progress = Terminal::new(a.quiet);
            let dir = api::run::run(&s, &a.out, !a.no_report, jobs, &mut progress)?;
            print_path(&dir)
        }
        (Some(b), Some(first)) => {
            let options = sweep_options(a.jobs, None, a.no_report);
            let (first, second) = (side(&first, a.seed)?, side(&b, a.seed)?);
            let mut progress = Terminal::new(a.quiet);
            let dir =
                api::sweep::compare(first, second, &a.out, a.replicates, options, &mut progress)?;
            print_path(&dir)
        }
        (Some(_), None) => Err(Error::Input(
            "--compare needs a scenario file to compare against".into(),
        )),
    }
}
