//! The tool's tests, in one binary: scenarios, runs, sweeps, metrics, reports, replay, `check`
//! and the command line (most drive the built `taosim` binary). One binary instead of one per
//! file: each would link the whole library again.

mod cli_support;
mod scenario_support;

mod check;
mod cli;
mod cli_run;
mod metrics;
mod replay;
mod report;
mod scenarios;
mod sweep;
