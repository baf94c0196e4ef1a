//! The chain: pure, chain-faithful state transitions of subtensor's economics (spec at commit
//! 14bc6f9f): the Yuma epoch ([`epoch`]) and the fixed-point math under it; the economy
//! ([`coinbase`], [`registration`], [`staking`], [`swap`]) is being added.
//!
//! This module is the product's heart and stays pure: it never imports bevy, polars, plotters,
//! rayon, serde, rand or `std::{fs, io, env}`, and keeps floats out of state (the one f64 in
//! [`fixed::FixedDivisor`] only estimates a quotient that is then corrected exactly). A check in
//! `.ci/run` and the `chain_is_pure` test enforce it.
//!
//! May depend on: `substrate-fixed`, and `num-bigint`, `num-integer`, `num-traits` in
//! [`bigmath`] for the pool's power function (a port of `safe-bigmath`'s, the chain's own
//! choice in its swap pallet).

pub mod bigmath;
pub mod coinbase;
pub mod epoch;
pub mod fixed;
pub mod math;
pub mod registration;
pub mod root_claim;
pub mod staking;
pub mod state;
pub mod swap;
pub mod types;
pub mod wide;
