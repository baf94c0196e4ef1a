//! The coinbase: block emission and halving, subnet emission shares, injection into subnet
//! pools, pending emission buckets, their drain at the epoch and distribution (spec §3–§5, §7,
//! §10). Built up piece by piece; today: [`emission`] and [`distribution`].
//!
//! May depend on: `chain::fixed`, `chain::math`, `chain::types`, `chain::swap`.

pub mod distribution;
pub mod emission;
