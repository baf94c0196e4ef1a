//! The `taosim` command line: argument parsing and the subcommands' glue.
//!
//! Library errors are typed; this module maps them to exit codes: 0 success, 2 bad input
//! (one line on stderr naming the field or file, nothing on stdout), 1 anything else.
//!
//! May depend on: everything in the crate, clap, anyhow.

use crate::chain::epoch::{epoch, epoch_traced};
use crate::epoch_json::{one_line, parse_input, write_output};
use clap::{Parser, Subcommand};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

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
        /// With `--compare`: threads (default: all cores).
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
        jobs: Option<u64>,
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
        /// Threads (default: all cores). Outputs do not depend on it.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
        jobs: Option<u64>,
        /// Run only every N-th run starting at the K-th (`K/N`, 1-based), into `shard-K-of-N/`.
        #[arg(long, value_name = "K/N", value_parser = crate::cli_sweep::parse_shard)]
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
        /// Threads (default: all cores).
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
        jobs: Option<u64>,
    },
    /// Draw charts and `report.md` for a run, sweep or compare directory (from its files).
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

/// Failures of a command, split by exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad input: exit code 2.
    #[error("{0}")]
    Input(String),
    /// Anything else: exit code 1.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// Parses the arguments, runs the command and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::Input(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(CliError::Other(error)) => {
            eprintln!("error: {error:#}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Epoch { file, trace } => run_epoch(file, trace),
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
                crate::cli_run::run(scenario.as_deref(), &out, seed, quiet, !no_report)
            }
            (Some(b), Some(a)) => {
                let options = sweep_options(jobs, None, quiet, no_report);
                crate::cli_sweep::compare(&a, &b, &out, seed, replicates, options)
            }
            (Some(_), None) => Err(CliError::Input(
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
            let options = sweep_options(jobs, shard, quiet, no_report);
            crate::cli_sweep::sweep(&scenario, &out, seed, options)
        }
        Command::Scenarios { dir } => crate::cli_run::scenarios(&dir),
        Command::Check {
            suite,
            baselines,
            bless,
            jobs,
        } => {
            let jobs = jobs.map(|j| usize::try_from(j).unwrap_or(usize::MAX));
            crate::cli_check::check(&suite, &baselines, bless, jobs)
        }
        Command::Report { dir } => crate::cli_report::report(&dir),
    }
}

fn sweep_options(
    jobs: Option<u64>,
    shard: Option<(u32, u32)>,
    quiet: bool,
    no_report: bool,
) -> crate::cli_sweep::SweepOptions {
    crate::cli_sweep::SweepOptions {
        jobs: jobs.map(|j| usize::try_from(j).unwrap_or(usize::MAX)),
        shard,
        quiet,
        report: !no_report,
    }
}

fn run_epoch(file: Option<PathBuf>, trace: bool) -> Result<(), CliError> {
    let text = read_input(file.as_deref())?;
    let (input, params) = parse_input(&text).map_err(|e| CliError::Input(e.to_string()))?;
    let document = if trace {
        let (output, trace) = epoch_traced(&input, &params);
        write_output(&output, Some(&trace))
    } else {
        write_output(&epoch(&input, &params), None)
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(document.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| CliError::Other(anyhow::anyhow!("writing the output: {e}")))
}

fn read_input(file: Option<&std::path::Path>) -> Result<String, CliError> {
    let mut text = String::new();
    match file {
        None => read_stdin(&mut text),
        Some(path) if path.as_os_str() == "-" => read_stdin(&mut text),
        Some(path) => std::fs::read_to_string(path)
            .map(|t| text = t)
            .map_err(|e| CliError::Input(one_line(&format!("{}: {e}", path.display())))),
    }?;
    Ok(text)
}

fn read_stdin(text: &mut String) -> Result<(), CliError> {
    std::io::stdin()
        .read_to_string(text)
        .map(|_| ())
        .map_err(|e| CliError::Input(format!("standard input: {e}")))
}
