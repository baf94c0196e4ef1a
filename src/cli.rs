//! The `taosim` command line: argument parsing and the subcommands' glue.
//!
//! Library errors are typed; this module maps them to exit codes: 0 success, 2 bad input
//! (one line on stderr naming the field or file, nothing on stdout), 1 anything else.
//!
//! May depend on: everything in the crate, clap, anyhow.

use crate::chain::epoch::{epoch, epoch_traced};
use crate::echo::{echo, one_line};
use crate::epoch_json::{MAX_INPUT_BYTES, parse_input, write_output};
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

pub use crate::cli_error::CliError;

/// Parses the arguments, runs the command and returns the process exit code. Every error is
/// one line on standard error (see [`one_line`]).
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return argument_error(&error),
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::Input(message)) => {
            eprintln!("error: {}", one_line(&message));
            ExitCode::from(2)
        }
        Err(CliError::Other(error)) => {
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

/// Most threads `--jobs` accepts per available core: enough to overlap waiting, few enough
/// that the runs in flight (16 per thread, each with its World) fit in memory.
pub const JOBS_PER_CORE: usize = 4;

/// The `--jobs` limit on this machine: [`JOBS_PER_CORE`] × the cores available to the process.
pub fn max_jobs() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    JOBS_PER_CORE * cores
}

/// `--jobs N`: 1 ≤ N ≤ [`max_jobs`].
pub fn parse_jobs(text: &str) -> Result<usize, String> {
    let jobs: usize = text
        .trim()
        .parse()
        .map_err(|_| "expected a number of threads".to_string())?;
    let max = max_jobs();
    match jobs {
        0 => Err("must be at least 1".into()),
        _ if jobs > max => Err(format!(
            "at most {max} ({JOBS_PER_CORE} per available core)"
        )),
        _ => Ok(jobs),
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
        } => crate::cli_check::check(&suite, &baselines, bless, jobs),
        Command::Report { dir } => crate::cli_report::report(&dir),
        Command::Replay {
            files,
            yuma,
            set,
            repeat,
            shift,
            copier,
            out,
            no_report,
        } => crate::cli_replay::replay(&crate::cli_replay::ReplayArgs {
            files,
            yuma,
            set,
            repeat,
            shift,
            copier,
            out,
            report: !no_report,
        }),
    }
}

fn sweep_options(
    jobs: Option<usize>,
    shard: Option<(u32, u32)>,
    quiet: bool,
    no_report: bool,
) -> crate::cli_sweep::SweepOptions {
    crate::cli_sweep::SweepOptions {
        jobs,
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
    let stdin = || {
        (
            "standard input".to_string(),
            Ok(Box::new(std::io::stdin()) as Box<dyn Read>),
        )
    };
    let (name, reader) = match file {
        None => stdin(),
        Some(path) if path.as_os_str() == "-" => stdin(),
        Some(path) => (
            echo(&path.display().to_string()),
            std::fs::File::open(path).map(|f| Box::new(f) as Box<dyn Read>),
        ),
    };
    let mut text = String::new();
    reader
        .and_then(|r| r.take(MAX_INPUT_BYTES + 1).read_to_string(&mut text))
        .map_err(|e| CliError::Input(format!("{name}: {e}")))?;
    if text.len() as u64 > MAX_INPUT_BYTES {
        return Err(CliError::Input(format!(
            "{name}: more than {MAX_INPUT_BYTES} bytes (the largest epoch input)"
        )));
    }
    Ok(text)
}
