//! The conservation ledger of the chain: for TAO and for each subnet's alpha, everything ever
//! issued and the named buckets that hold it, in integer rao ([`Chain::asset_buckets`]).
//!
//! `issued` comes from the issuance counters alone (TAO: `TotalIssuance` plus what was
//! recycled out of it; alpha: what the coinbase and genesis minted plus what payouts created),
//! never from the buckets, so `issued == Σ buckets` is a real check: a rao that appears or
//! vanishes anywhere breaks it.
//!
//! May depend on: `state` (the `Chain` and its `Ledger`).

use super::{Chain, ROOT};
use std::collections::BTreeMap;

/// One asset of the chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Asset {
    /// TAO.
    Tao,
    /// The alpha of subnet `netuid` (≥ 1).
    Alpha(u16),
}

/// The bucket named `issued`: all of an asset ever created.
pub const ISSUED: &str = "issued";

/// TAO buckets, in the order [`Chain::asset_buckets`] reports them.
pub const TAO_BUCKETS: [&str; 6] = [
    "free",
    "root_pool",
    "subnet_pools",
    "subnet_accounts",
    "burned",
    "recycled",
];

/// Alpha buckets, in the order [`Chain::asset_buckets`] reports them.
pub const ALPHA_BUCKETS: [&str; 10] = [
    "pool",
    "stakes",
    "pending_server",
    "pending_validator",
    "pending_root",
    "pending_owner_cut",
    "protocol",
    "owed_root",
    "unassigned",
    "recycled",
];

/// One asset's issuance and where it is, rao.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssetBuckets {
    /// Which asset.
    pub asset: Asset,
    /// All ever issued, from the issuance counters (not the sum of the buckets), rao.
    pub issued: u64,
    /// Where it is: `(bucket, rao)` in the order of [`TAO_BUCKETS`] or [`ALPHA_BUCKETS`].
    pub buckets: Vec<(&'static str, u64)>,
}

impl AssetBuckets {
    /// Σ buckets, rao (u128: cannot overflow).
    pub fn held(&self) -> u128 {
        self.buckets.iter().map(|(_, x)| u128::from(*x)).sum()
    }

    /// Whether `issued` equals the sum of the buckets, to the rao.
    pub fn balances(&self) -> bool {
        u128::from(self.issued) == self.held()
    }
}

/// A sum of rao amounts, saturating at `u64::MAX` (never reached: all TAO ever is 2.1·10¹⁶).
fn total(xs: impl Iterator<Item = u64>) -> u64 {
    let sum: u128 = xs.map(u128::from).sum();
    u64::try_from(sum).unwrap_or(u64::MAX)
}

fn of(map: &BTreeMap<u16, u64>, netuid: u16) -> u64 {
    map.get(&netuid).copied().unwrap_or(0)
}

impl Chain {
    /// The conservation ledger: TAO first, then the alpha of every subnet by netuid.
    ///
    /// TAO: free balances, the root pool (TAO staked on root), the subnet pools' TAO, subnet
    /// accounts (TAO moved to a subnet without reaching its pool), swap fees burned (the
    /// simulator's stand-in for the block author) and recycled TAO; issued = `TotalIssuance` +
    /// recycled. Alpha: the pool reserve, stakes, the four pending buckets, protocol alpha, root
    /// dividends owed to root stakers, alpha counted out but held by no one, and recycled alpha;
    /// issued = minted + created by payouts.
    pub fn asset_buckets(&self) -> Vec<AssetBuckets> {
        let mut out = vec![self.tao_buckets()];
        out.extend((1..self.subnets.len() as u16).map(|netuid| self.alpha_buckets(netuid)));
        out
    }

    fn tao_buckets(&self) -> AssetBuckets {
        let l = &self.ledger;
        let root_pool = self.subnets[usize::from(ROOT)].pool.tao_reserve;
        let subnet_pools = total(self.subnets.iter().skip(1).map(|s| s.pool.tao_reserve));
        let amounts = [
            total(self.balances.values().copied()),
            root_pool,
            subnet_pools,
            l.subnet_account_tao,
            l.burned_tao,
            l.recycled_tao,
        ];
        AssetBuckets {
            asset: Asset::Tao,
            issued: self.total_issuance.saturating_add(l.recycled_tao),
            buckets: TAO_BUCKETS.into_iter().zip(amounts).collect(),
        }
    }

    fn alpha_buckets(&self, netuid: u16) -> AssetBuckets {
        let l = &self.ledger;
        let s = &self.subnets[usize::from(netuid)];
        let p = &s.clock.pending;
        let amounts = [
            s.pool.alpha_reserve,
            total(s.stakes.values().map(|pool| pool.shared_value())),
            p.server,
            p.validator,
            p.root,
            p.owner_cut,
            s.protocol_alpha,
            of(&l.owed_root_alpha, netuid),
            of(&l.unassigned_alpha, netuid),
            of(&l.recycled_alpha, netuid),
        ];
        AssetBuckets {
            asset: Asset::Alpha(netuid),
            issued: of(&l.minted_alpha, netuid).saturating_add(of(&l.created_alpha, netuid)),
            buckets: ALPHA_BUCKETS.into_iter().zip(amounts).collect(),
        }
    }
}
