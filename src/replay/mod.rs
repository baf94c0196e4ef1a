//! `taosim replay`: real metagraph snapshots through any Yuma variant — the chain's epoch
//! (`yuma2`, `yuma3`) or yuma-simulation's research variants — with what-ifs (`--set`,
//! `--repeat`, `--shift`, `--copier`). A short pipeline: [`load`] the series, [`plan`] the
//! replay against the options (every bad input is one [`LoadError`] line), [`run`] it into
//! tidy rows. Writing the files is `report`'s, the command line's (`api::replay`).
//!
//! May depend on: `chain`, `research`, `epoch_json` (param names and parsing), `record`,
//! `echo`, serde, serde_json.

pub mod config;
pub mod engine;
pub mod snapshot;

pub use engine::{COPIER_HOTKEY, EMISSION, Options, Plan, Replay, plan, run};
pub use snapshot::{LoadError, Neuron, Series, Snapshot, load};
