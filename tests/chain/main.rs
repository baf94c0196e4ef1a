//! The chain's tests, in one binary: conformance with subtensor's vectors (`conformance_*`),
//! whole-chain invariants of the block loop (`chain_*`: conservation, children, moves, rejected
//! operations) and property tests of the epoch and its JSON contract (`properties`, `json_fuzz`).
//! One binary instead of one per file: each would link the whole library again.

mod chain_support;
mod common;

mod chain_children;
mod chain_conservation;
mod chain_moves;
mod chain_ops;
mod conformance_coinbase;
mod conformance_distribution;
mod conformance_emission;
mod conformance_epoch;
mod conformance_flow;
mod conformance_math;
mod conformance_registration;
mod conformance_root_claim;
mod conformance_staking;
mod conformance_swap;
mod json_fuzz;
mod properties;
