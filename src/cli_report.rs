//! The `report` subcommand: a run, sweep or compare directory in, its charts and `report.md`
//! out (the path of `report.md` printed). Unreadable inputs exit with code 2.
//!
//! May depend on: `report`, `cli`, `echo`.

use crate::cli::CliError;
use crate::echo::one_line;
use crate::report::{self, ReportError};
use std::path::Path;

/// `taosim report DIR`.
pub fn report(dir: &Path) -> Result<(), CliError> {
    match report::write_report(dir) {
        Ok(path) => {
            println!("{}", path.display());
            Ok(())
        }
        Err(e @ ReportError::Read { .. }) => Err(CliError::Input(one_line(&e.to_string()))),
        Err(e) => Err(CliError::Other(anyhow::anyhow!(one_line(&e.to_string())))),
    }
}
