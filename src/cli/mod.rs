//! The `taosim` command line: the subcommands and their exit codes. Each subcommand is a file
//! of its own — its arguments and its call into [`crate::api`] with a terminal
//! [`progress::Terminal`], the resulting path printed; `args.rs` holds what they share.
//!
//! The api's errors become exit codes: 0 success, 2 bad input (one line on stderr naming the
//! field or file, nothing on stdout), 1 anything else.
//!
//! May depend on: `api`, `chain::epoch` and `epoch_json` (through `epoch`), `scenario`, `report`,
//! `echo`, clap, indicatif. Holds no logic the library should own.

mod args;
mod check;
mod epoch;
mod merge;
mod progress;
mod replay;
mod report;
mod run;
mod scenarios;
mod sweep;

use crate::api::Error;
use crate::echo::one_line;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

pub use crate::api::{JOBS_PER_CORE, max_jobs};
pub use args::parse_jobs;
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
    Run(run::RunArgs),
    /// Run every point and replicate of a scenario's `sweep` in parallel
    /// (writes `<out>/<scenario>/sweep/`).
    Sweep(sweep::SweepArgs),
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
    Replay(replay::ReplayArgs),
    /// Merge the `shard-K-of-N/` directories of a sharded sweep into its tables and report
    /// (exit code 1, nothing changed, when a planned run is missing or doubled).
    Merge(merge::MergeArgs),
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

fn run(cli: Cli) -> Result<(), Error> {
    match cli.command {
        Command::Epoch { file, trace } => epoch::run_epoch(file, trace),
        Command::Run(args) => run::run(args),
        Command::Sweep(args) => sweep::sweep(args),
        Command::Merge(args) => merge::merge(args),
        Command::Scenarios { dir } => scenarios::scenarios(&dir),
        Command::Check {
            suite,
            baselines,
            bless,
            jobs,
        } => check::check(&suite, &baselines, bless, jobs),
        Command::Report { dir } => report::report(&dir),
        Command::Replay(args) => replay::replay(args),
    }
}
