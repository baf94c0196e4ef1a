//! `taosim report`: a run, sweep or compare directory in, its charts and `report.md`
//! out, published whole-or-nothing (the path of `report.md` printed). Missing or malformed
//! inputs exit with code 2; missing shards or runs and what was left out are warned about on
//! stderr.
//!
//! May depend on: `report`, `echo`, the api (the report's notes).

use super::progress::Terminal;
use crate::api::{Error, run::notes};
use crate::echo::one_line;
use crate::report::{self, ReportError};
use std::path::Path;

/// `taosim report DIR`.
pub fn report(dir: &Path) -> Result<(), Error> {
    match report::publish_report(dir, &mut |note| eprintln!("note: {note}")) {
        Ok(drawn) => {
            notes(&drawn, &mut Terminal::new(true));
            if let Ok(Some(check)) = report::verify_ledger(&dir.join("ledger.parquet")) {
                eprintln!("{check}");
            }
            println!("{}", drawn.path.display());
            Ok(())
        }
        Err(e @ (ReportError::Read { .. } | ReportError::Output { .. })) => {
            Err(Error::Input(one_line(&e.to_string())))
        }
        Err(e) => Err(Error::Other(anyhow::anyhow!(one_line(&e.to_string())))),
    }
}
