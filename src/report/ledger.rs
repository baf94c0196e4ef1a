//! Checks a run's `ledger.parquet`: for every (block, asset) the bucket `issued` equals the sum
//! of every other bucket, to the rao (amounts are UInt64, summed in u128).
//!
//! May depend on: `read`.

use super::ReportError;
use super::read::{Table, read_error};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A ledger that balances.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LedgerCheck {
    /// Distinct sample blocks.
    pub blocks: usize,
    /// Distinct assets (TAO and each subnet's alpha).
    pub assets: usize,
}

impl std::fmt::Display for LedgerCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ledger: {} blocks × {} assets balance to the rao",
            self.blocks, self.assets
        )
    }
}

/// Per (block, asset): (issued, Σ other buckets, whether `issued` was seen).
type Sums = BTreeMap<(u64, String), (u128, u128, bool)>;

/// Verifies `path`; `Ok(None)` if the file does not exist. The first (block, asset) that does
/// not balance, by block then asset, is a `ReportError::Read` naming both and the difference.
pub fn verify(path: &Path) -> Result<Option<LedgerCheck>, ReportError> {
    let columns = ["block", "asset", "bucket", "amount_rao"];
    let Some(t) = Table::read_if_exists(path, &columns)? else {
        return Ok(None);
    };
    let (block, asset) = (t.u64("block")?, t.text("asset")?);
    let (bucket, amount) = (t.text("bucket")?, t.exact_u64("amount_rao")?);
    let mut sums = Sums::new();
    for i in 0..t.len() {
        let entry = sums.entry((block[i], asset[i].clone())).or_default();
        if bucket[i] == "issued" {
            entry.0 += u128::from(amount[i]);
            entry.2 = true;
        } else {
            entry.1 += u128::from(amount[i]);
        }
    }
    for ((block, asset), (issued, held, seen)) in &sums {
        if !seen {
            let message = format!("block {block}, asset {asset}: no `issued` row");
            return Err(read_error(path, message));
        }
        if issued != held {
            let diff = *held as i128 - *issued as i128;
            let message = format!(
                "block {block}, asset {asset}: issued {issued} rao but the buckets hold {held} \
                 ({diff:+} rao)"
            );
            return Err(read_error(path, message));
        }
    }
    let blocks: BTreeSet<u64> = sums.keys().map(|(b, _)| *b).collect();
    let assets: BTreeSet<&str> = sums.keys().map(|(_, a)| a.as_str()).collect();
    Ok(Some(LedgerCheck {
        blocks: blocks.len(),
        assets: assets.len(),
    }))
}
