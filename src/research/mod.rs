//! Yuma variants that are not the chain: yuma-simulation's research variants (Yuma 1, 2B, 2C,
//! winner takes all) and its float models of Yuma 2 and Yuma 3, in `f64` as the package
//! computes them. They live beside `chain`, never inside it: nothing here claims to be what
//! subtensor does (for that, see `chain::epoch`).
//!
//! The specification is `docs/yuma-variants.md`, a description of yuma-simulation (commit
//! `2b976fd5`); each function cites its section (`§3 S1` …). The package's own outputs on its
//! 22 cases are in `tests/data/yuma-simulation/`, compared in `tests/replay.rs`.
//!
//! May depend on: std only (no chain types: these variants share no arithmetic with it).

pub mod yuma;

pub use yuma::{ConsensusMode, Knobs, LiquidAlpha, Matrix, Output, State, Variant, epoch};
