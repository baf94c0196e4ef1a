//! The `report` subcommand: a run, sweep or compare directory in, its charts and `report.md`
//! out, published whole-or-nothing (the path of `report.md` printed). Missing or malformed
//! inputs exit with code 2; missing shards or runs and what was left out are warned about on
//! stderr.
//!
//! May depend on: `report`, `cli`, `cli_run` (printing the report's notes), `echo`.

use crate::cli_error::CliError;
use crate::echo::one_line;
use crate::report::{self, ReportError};
use std::path::Path;

/// `taosim report DIR`.
pub fn report(dir: &Path) -> Result<(), CliError> {
    match report::publish_report(dir, &mut |note| eprintln!("note: {note}")) {
        Ok(drawn) => {
            crate::cli_run::print_notes(&drawn);
            if let Ok(Some(check)) = report::verify_ledger(&dir.join("ledger.parquet")) {
                eprintln!("{check}");
            }
            println!("{}", drawn.path.display());
            Ok(())
        }
        Err(e @ (ReportError::Read { .. } | ReportError::Output { .. })) => {
            Err(CliError::Input(one_line(&e.to_string())))
        }
        Err(e) => Err(CliError::Other(anyhow::anyhow!(one_line(&e.to_string())))),
    }
}
