//! taosim: an agent-based economics simulator of the Bittensor network.
//!
//! Layers, top to bottom (data flows down, never up):
//! * [`cli`] — the `taosim` command line (each subcommand a call into [`api`]).
//! * [`api`] — whole operations ending in a published directory (run, sweep, compare, merge,
//!   replay, check), shared by the CLI and the Python module.
//! * [`epoch_json`] — the `taosim epoch` JSON contract: parse, validate, convert.
//! * [`replay`] — metagraph snapshots replayed through the chain's epoch or a [`research`]
//!   variant (`taosim replay`).
//! * [`chain`] — pure, bit-exact state transitions of the chain (Yuma epoch, fixed point).

pub mod api;
pub mod chain;
pub mod check;
pub mod cli;
pub mod echo;
pub mod epoch_json;
pub mod metrics;
pub mod record;
pub mod replay;
pub mod report;
pub mod research;
pub mod run_dir;
pub mod runner;
pub mod scenario;
pub mod sim;
pub mod strategy;
