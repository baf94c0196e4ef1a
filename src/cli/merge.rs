//! `taosim merge`.
//!
//! May depend on: the api, `args`, `progress`, clap.

use super::args::print_path;
use super::progress::Terminal;
use crate::api::{self, Error};
use std::path::PathBuf;

/// `taosim merge`'s arguments.
#[derive(clap::Args, Debug)]
pub struct MergeArgs {
    /// The sweep directory (`<out>/<scenario>/sweep`) holding the shards.
    pub dir: PathBuf,
    /// Skip the charts and `report.md`.
    #[arg(long)]
    pub no_report: bool,
}

/// Merges the shards; prints the sweep directory.
pub fn merge(a: MergeArgs) -> Result<(), Error> {
    print_path(&api::merge(
        &a.dir,
        !a.no_report,
        &mut Terminal::new(false),
    )?)
}
