//! Unit newtypes and the sparse-matrix shape shared by the chain modules.
//!
//! Amounts are `u64` rao (1 TAO = 1 alpha = 10⁹ rao); the newtypes keep TAO and alpha apart in
//! signatures. Sparse matrices have subtensor's shape (`Vec<Vec<(u16, value)>>`: one row per
//! uid, entries `(column uid, value)` in the order they were written) so every primitive can be
//! held against upstream `epoch/math.rs`.
//!
//! May depend on: `fixed`.

use super::fixed::I32F32;

/// A sparse matrix in the chain's layout: row `i` holds `(j, value)` entries in storage order.
pub type SparseMatrix = Vec<Vec<(u16, I32F32)>>;

/// A sparse matrix of stored u16 values (weights or bonds as they sit in storage).
pub type SparseU16Matrix = Vec<Vec<(u16, u16)>>;

/// An amount of TAO, in rao.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rao(pub u64);

/// An amount of a subnet's alpha, in alpha rao.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AlphaRao(pub u64);

/// A subnet id (0 = root).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NetUid(pub u16);

/// A neuron's position on its subnet.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Uid(pub u16);
