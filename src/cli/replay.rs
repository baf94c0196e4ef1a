//! `taosim replay`.
//!
//! May depend on: the api, `args`, `progress`, clap.

use super::args::print_path;
use super::progress::Terminal;
use crate::api::{self, Error};
use std::path::PathBuf;

/// `taosim replay`'s arguments.
#[derive(clap::Args, Debug)]
pub struct ReplayArgs {
    /// A series file, or snapshot files in block order.
    #[arg(required = true, value_name = "SERIES")]
    pub files: Vec<PathBuf>,
    /// Variants, comma-separated or repeated: yuma2, yuma3 (the chain's epoch), yuma1,
    /// yuma2b, yuma2c, peer-yuma2, peer-yuma3 (yuma-simulation's). Default: yuma2,yuma3.
    #[arg(long, value_name = "V[,V...]")]
    pub yuma: Vec<String>,
    /// A parameter for every snapshot (`taosim epoch`'s params, `tempo`, or a research
    /// knob), overriding the series' `params`.
    #[arg(long, value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Epochs of the last snapshot after the series.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub repeat: usize,
    /// Give validator UID the weights it had K epochs earlier.
    #[arg(long, value_name = "UID=K")]
    pub shift: Vec<String>,
    /// Append a weight copier (median validator stake, the consensus of K epochs earlier)
    /// and report its G in `summary.json`.
    #[arg(long, value_name = "K")]
    pub copier: Option<usize>,
    /// Root of the output directories.
    #[arg(long, default_value = "reports")]
    pub out: PathBuf,
    /// Skip the charts and `report.md`.
    #[arg(long)]
    pub no_report: bool,
}

/// Replays the series; prints the published directory.
pub fn replay(a: ReplayArgs) -> Result<(), Error> {
    let args = api::replay::ReplayArgs {
        files: a.files,
        yuma: a.yuma,
        set: a.set,
        repeat: a.repeat,
        shift: a.shift,
        copier: a.copier,
        out: a.out,
        report: !a.no_report,
    };
    print_path(&api::replay::replay(&args, &mut Terminal::new(false))?)
}
