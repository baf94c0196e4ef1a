//! `taosim check`: the suite run and compared by [`crate::api::check`], its table printed, exit
//! code 1 when something moved beyond tolerance or lacks a valid baseline.
//!
//! May depend on: the api.

use crate::api::Error;
use crate::api::check::{Checked, render, run_suite};
use std::path::Path;

/// `taosim check`.
pub fn check(
    suite: &Path,
    baselines: &Path,
    bless: bool,
    jobs: Option<usize>,
) -> Result<(), Error> {
    let outcome = run_suite(suite, baselines, bless, jobs, &|_| {})?;
    print!("{}", render(&outcome, bless));
    if !bless && outcome.iter().any(Checked::failed) {
        let failed = outcome.iter().filter(|c| c.failed()).count();
        return Err(Error::other(format!(
            "check failed: {failed} of {} scenarios moved beyond tolerance or lack a valid baseline",
            outcome.len()
        )));
    }
    Ok(())
}
