//! The `taosim` command line: argument parsing, and each subcommand as a call into
//! [`crate::api`] with a terminal [`progress::Terminal`] and the resulting path printed.
//!
//! The api's errors become exit codes: 0 success, 2 bad input (one line on stderr naming the
//! field or file, nothing on stdout), 1 anything else.
//!
//! May depend on: `api`, `chain::epoch` and `epoch_json` (through `epoch`), `scenario`, `report`,
//! `echo`, clap, indicatif. Holds no logic the library should own.

mod check;
mod epoch;
mod progress;
mod report;
mod scenarios;

use crate::api::{self, Error, sweep::Side, sweep::SweepOptions};
use crate::echo::one_line;
use clap::{Parser, Subcommand};
use progress::Terminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub use crate::api::{JOBS_PER_CORE, max_jobs};
pub use epoch::epoch_document;

/// Agent-based economics simulator of the Bittensor network.
#[derive(Parser, Debug)]
#[command(name = "taosim", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run one Yuma epoch of one subnet: epoch JSON in (file or `-` for stdin), JSON out.
    Epoch {
        /// Input file; `-` or nothing reads standard input.
        file: Option<PathBuf>,
        /// Add every intermediate vector and matrix of the epoch under "trace".
        #[arg(long)]
        trace: bool,
    },
    /// Simulate a scenario and write its run directory (`<out>/<scenario>/seed-<seed>/`).
    Run {
        /// Scenario YAML; without it, the embedded default scenario.
        scenario: Option<PathBuf>,
        /// Root of the run directories.
        #[arg(long, default_value = "reports")]
        out: PathBuf,
        /// Master seed (default: the scenario's `seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
        /// A/B: also run this scenario on the same seeds and compare every metric
        /// (writes `<out>/<A>-vs-<B>/`).
        #[arg(long, value_name = "B")]
        compare: Option<PathBuf>,
        /// With `--compare`: seeds per side (seed, seed + 1, …).
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
        replicates: u32,
        /// With `--compare`: threads (default: all cores; at most 4 per core).
        #[arg(long, value_parser = parse_jobs)]
        jobs: Option<usize>,
        /// Skip the charts and `report.md`.
        #[arg(long)]
        no_report: bool,
    },
    /// Run every point and replicate of a scenario's `sweep` in parallel
    /// (writes `<out>/<scenario>/sweep/`).
    Sweep {
        /// Scenario YAML with a `sweep` section (without one: its replicates only).
        scenario: PathBuf,
        /// Root of the output directories.
        #[arg(long, default_value = "reports")]
        out: PathBuf,
        /// Threads (default: all cores; at most 4 per core). Outputs do not depend on it.
        #[arg(long, value_parser = parse_jobs)]
        jobs: Option<usize>,
        /// Run only every N-th run starting at the K-th (`K/N`, 1-based), into `shard-K-of-N/`.
        #[arg(long, value_name = "K/N", value_parser = api::sweep::parse_shard)]
        shard: Option<(u32, u32)>,
        /// Master seed (default: the scenario's `seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
        /// Skip the charts and `report.md`.
        #[arg(long)]
        no_report: bool,
    },
    /// Run the regression suite and compare its metrics with the committed baselines
    /// (exit code 1 when something moved beyond tolerance).
    Check {
        /// A directory of scenario files (or one file).
        #[arg(default_value = "scenarios/check")]
        suite: PathBuf,
        /// Where the baselines are (`<scenario name>.json`).
        #[arg(long, default_value = "baselines")]
        baselines: PathBuf,
        /// Rewrite the baselines from this run and print what changed.
        #[arg(long)]
        bless: bool,
        /// Threads (default: all cores; at most 4 per core).
        #[arg(long, value_parser = parse_jobs)]
        jobs: Option<usize>,
    },
    /// Replay metagraph snapshots through Yuma variants (writes `<out>/<series>/`).
    Replay {
        /// A series file, or snapshot files in block order.
        #[arg(required = true, value_name = "SERIES")]
        files: Vec<PathBuf>,
        /// Variants, comma-separated or repeated: yuma2, yuma3 (the chain's epoch), yuma1,
        /// yuma2b, yuma2c, peer-yuma2, peer-yuma3 (yuma-simulation's). Default: yuma2,yuma3.
        #[arg(long, value_name = "V[,V...]")]
        yuma: Vec<String>,
        /// A parameter for every snapshot (`taosim epoch`'s params, `tempo`, or a research
        /// knob), overriding the series' `params`.
        #[arg(long, value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Epochs of the last snapshot after the series.
        #[arg(long, default_value_t = 0, value_name = "N")]
        repeat: usize,
        /// Give validator UID the weights it had K epochs earlier.
        #[arg(long, value_name = "UID=K")]
        shift: Vec<String>,
        /// Append a weight copier (median validator stake, the consensus of K epochs earlier)
        /// and report its G in `summary.json`.
        #[arg(long, value_name = "K")]
        copier: Option<usize>,
        /// Root of the output directories.
        #[arg(long, default_value = "reports")]
        out: PathBuf,
        /// Skip the charts and `report.md`.
        #[arg(long)]
        no_report: bool,
    },
    /// Merge the `shard-K-of-N/` directories of a sharded sweep into its tables and report
    /// (exit code 1, nothing changed, when a planned run is missing or doubled).
    Merge {
        /// The sweep directory (`<out>/<scenario>/sweep`) holding the shards.
        dir: PathBuf,
        /// Skip the charts and `report.md`.
        #[arg(long)]
        no_report: bool,
    },
    /// Draw charts and `report.md` for a run, sweep, compare or replay directory (from its files).
    Report {
        /// The directory (its `manifest.json` says which kind).
        dir: PathBuf,
    },
    /// List and validate the scenario files under a directory.
    Scenarios {
        /// Directory searched recursively for `*.yaml` / `*.yml`.
        #[arg(default_value = "scenarios")]
        dir: PathBuf,
    },
}

/// Parses the arguments, runs the command and returns the process exit code. Every error is
/// one line on standard error (see [`one_line`]).
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return argument_error(&error),
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Error::Input(message)) => {
            eprintln!("error: {}", one_line(&message));
            ExitCode::from(2)
        }
        Err(Error::Cancelled) => {
            eprintln!("error: interrupted");
            ExitCode::from(1)
        }
        Err(Error::Other(error)) => {
            eprintln!("error: {}", one_line(&format!("{error:#}")));
            ExitCode::from(1)
        }
    }
}

/// `--help` and `--version` as clap prints them; a bad argument as one line, exit code 2.
fn argument_error(error: &clap::Error) -> ExitCode {
    if !error.use_stderr() {
        let _ = error.print();
        return ExitCode::SUCCESS;
    }
    eprintln!("error: {}", argument_line(&error.render().to_string()));
    ExitCode::from(2)
}

/// clap's message without its usage and tips (after the first blank line), its indented
/// continuation lines joined, made one line.
fn argument_line(rendered: &str) -> String {
    let text = rendered.strip_prefix("error: ").unwrap_or(rendered);
    let message = text.split("\n\n").next().unwrap_or(text).trim_end();
    one_line(&message.replace("\n  ", " "))
}

/// `--jobs N`: 1 ≤ N ≤ [`max_jobs`].
pub fn parse_jobs(text: &str) -> Result<usize, String> {
    let jobs: usize = text
        .trim()
        .parse()
        .map_err(|_| "expected a number of threads".to_string())?;
    api::check_jobs(jobs)
}

fn run(cli: Cli) -> Result<(), Error> {
    match cli.command {
        Command::Epoch { file, trace } => epoch::run_epoch(file, trace),
        Command::Run {
            scenario,
            out,
            seed,
            quiet,
            compare,
            replicates,
            jobs,
            no_report,
        } => match (compare, scenario) {
            (None, scenario) => {
                let s = api::run::load(scenario.as_deref(), seed)?;
                let dir = api::run::run(&s, &out, !no_report, &mut Terminal::new(quiet))?;
                print_path(&dir)
            }
            (Some(b), Some(a)) => {
                let options = sweep_options(jobs, None, no_report);
                let (a, b) = (side(&a, seed)?, side(&b, seed)?);
                let mut progress = Terminal::new(quiet);
                print_path(&api::sweep::compare(
                    a,
                    b,
                    &out,
                    replicates,
                    options,
                    &mut progress,
                )?)
            }
            (Some(_), None) => Err(Error::Input(
                "--compare needs a scenario file to compare against".into(),
            )),
        },
        Command::Sweep {
            scenario,
            out,
            jobs,
            shard,
            seed,
            quiet,
            no_report,
        } => {
            let options = sweep_options(jobs, shard, no_report);
            let Side { scenario, origin } = side(&scenario, seed)?;
            let mut progress = Terminal::new(quiet);
            print_path(&api::sweep::sweep(
                scenario,
                &origin,
                &out,
                options,
                &mut progress,
            )?)
        }
        Command::Merge { dir, no_report } => {
            print_path(&api::merge(&dir, !no_report, &mut Terminal::new(false))?)
        }
        Command::Scenarios { dir } => scenarios::scenarios(&dir),
        Command::Check {
            suite,
            baselines,
            bless,
            jobs,
        } => check::check(&suite, &baselines, bless, jobs),
        Command::Report { dir } => report::report(&dir),
        Command::Replay {
            files,
            yuma,
            set,
            repeat,
            shift,
            copier,
            out,
            no_report,
        } => {
            let args = api::replay::ReplayArgs {
                files,
                yuma,
                set,
                repeat,
                shift,
                copier,
                out,
                report: !no_report,
            };
            print_path(&api::replay::replay(&args, &mut Terminal::new(false))?)
        }
    }
}

/// A scenario file as one side of a compare (or a sweep's scenario), with `--seed`.
fn side(file: &Path, seed: Option<u64>) -> Result<Side, Error> {
    Ok(Side {
        scenario: api::run::load(Some(file), seed)?,
        origin: file.display().to_string(),
    })
}

fn sweep_options(jobs: Option<usize>, shard: Option<(u32, u32)>, no_report: bool) -> SweepOptions {
    SweepOptions {
        jobs,
        shard,
        report: !no_report,
    }
}

/// The published directory, on stdout.
fn print_path(dir: &Path) -> Result<(), Error> {
    println!("{}", dir.display());
    Ok(())
}
