//! The coinbase: block emission and halving, subnet emission shares, injection into subnet
//! pools, pending emission buckets, their drain at the epoch and distribution (spec §3–§5, §7,
//! §10). Built up piece by piece: [`emission`], [`shares`], [`terms`] (injection terms and the
//! pending split), [`scheduler`] (epoch timing and the drain) and [`distribution`]; the block
//! loop that ties them to the pools and stakes comes with the chain state.
//!
//! May depend on: `chain::fixed`, `chain::math`, `chain::types`, `chain::swap`.

pub mod distribution;
pub mod emission;
pub mod flow;
pub mod scheduler;
pub mod shares;
pub mod terms;
