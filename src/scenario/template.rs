//! Subnet templates: a subnet entry with `count: N` becomes N subnets, so a mainnet-sized network
//! is a short file.
//!
//! Copy k (1…N) of a template named `sn` is named `sn<k>`, k zero-padded to the width of N
//! (`sn001` … `sn128`); each population `p` of the template becomes `sn<k>-p` in that copy, and
//! every reference to a population of the same template (`delegate_to`, cabal `members`,
//! scripted targets, scheduled moves) is renamed with it. Pool reserves and population sizes may
//! be distributions: they are drawn once per copy, from a ChaCha8 stream seeded with the
//! scenario file's `seed` and the copy's position, so the network's shape is part of the
//! scenario (`--seed` and replicates vary behaviour on the same network, never its layout). The
//! expansion happens first in validation: the resolved scenario in a run's manifest lists every
//! copy with its drawn values, and sweep paths address copies by index (`subnets.3.…`).
//!
//! May depend on: `raw`, `spec` (the per-copy draw of a [`Quantity`]), rand.

use super::ScenarioError;
use super::raw::{Amount, Count, RawAgent, RawScenario, RawStrategy, RawSubnet};
use super::spec::Quantity;
use rand::rngs::ChaCha8Rng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeSet;

/// The chain's `SubnetLimit` (subnets besides root).
pub const SUBNET_LIMIT: usize = 128;

/// One draw of an amount in its own units (`index` picks from `values`).
pub fn draw(amount: &Amount, index: u32, rng: &mut impl Rng) -> f64 {
    Quantity::from(amount).draw(index, rng)
}

/// Expands every subnet template of `raw` in place; a scenario without templates is returned
/// unchanged.
pub fn expand(mut raw: RawScenario, origin: &str) -> Result<RawScenario, ScenarioError> {
    if raw.subnets.iter().all(|s| s.value.count.is_none()) {
        return Ok(raw);
    }
    check_counts(&raw, origin)?;
    let seed = raw.seed;
    let mut subnets = Vec::new();
    for (i, entry) in raw.subnets.drain(..).enumerate() {
        let Some(count) = entry.value.count else {
            subnets.push(entry);
            continue;
        };
        for k in 1..=count {
            let mut rng = ChaCha8Rng::seed_from_u64(copy_seed(seed, i as u64, u64::from(k)));
            let mut copy = entry.clone();
            copy.value = instantiate(&entry.value, k, count, &mut rng);
            subnets.push(copy);
        }
    }
    raw.subnets = subnets;
    Ok(raw)
}

/// Counts of at least 1 and at most [`SUBNET_LIMIT`] subnets in all.
fn check_counts(raw: &RawScenario, origin: &str) -> Result<(), ScenarioError> {
    let mut total = 0usize;
    for (i, s) in raw.subnets.iter().enumerate() {
        let count = s.value.count.unwrap_or(1) as usize;
        total += count;
        let message = if count == 0 {
            "must be ≥ 1".to_string()
        } else if total > SUBNET_LIMIT {
            format!("{total} subnets in all exceed the chain's SubnetLimit {SUBNET_LIMIT}")
        } else {
            continue;
        };
        return Err(ScenarioError {
            origin: origin.to_string(),
            line: Some(s.referenced.line()),
            path: format!("subnets[{i}].count"),
            message,
        });
    }
    Ok(())
}

/// The stream of copy `k` of the template at position `entry` (SplitMix64 finaliser, so
/// neighbouring copies get unrelated streams).
fn copy_seed(seed: u64, entry: u64, k: u64) -> u64 {
    let mut z = seed ^ (entry << 32) ^ k.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Copy `k` of `count`: name, drawn pool and sizes, renamed populations and references.
fn instantiate(t: &RawSubnet, k: u32, count: u32, rng: &mut ChaCha8Rng) -> RawSubnet {
    let width = count.to_string().len();
    let name = format!("{}{k:0width$}", t.name);
    let local: BTreeSet<String> = t.agents.iter().map(|a| a.value.name.clone()).collect();
    let rename = |r: &str| rename_local(r, &local, &name);
    let mut s = t.clone();
    s.count = None;
    s.pool.tao = Amount::Fixed(round_tokens(draw(&t.pool.tao, 0, rng)));
    s.pool.alpha = Amount::Fixed(round_tokens(draw(&t.pool.alpha, 0, rng)));
    for agent in &mut s.agents {
        instantiate_agent(&mut agent.value, &rename, rng);
    }
    s.name = name;
    s
}

/// Population name, size and references of one agent population in a copy.
fn instantiate_agent(a: &mut RawAgent, rename: &impl Fn(&str) -> String, rng: &mut ChaCha8Rng) {
    a.name = rename(&a.name);
    if let Count::Dist(d) = &a.count {
        let drawn = Quantity::from(d).draw(0, rng).round().clamp(0.0, 65_535.0);
        a.count = Count::Fixed(drawn as u32);
    }
    if let Some(to) = &a.delegate_to {
        a.delegate_to = Some(rename(to));
    }
    rename_strategy(&mut a.strategy, rename);
}

fn rename_strategy(s: &mut RawStrategy, rename: &impl Fn(&str) -> String) {
    match s {
        RawStrategy::Cabal { members, .. } => {
            for m in members.iter_mut() {
                *m = rename(m);
            }
        }
        RawStrategy::Scripted { schedule } => {
            for step in schedule.iter_mut() {
                let weights = std::mem::take(&mut step.weights);
                step.weights = weights.into_iter().map(|(k, v)| (rename(&k), v)).collect();
            }
        }
        RawStrategy::Scheduled { moves } => {
            for m in moves.iter_mut() {
                m.to = rename(&m.to);
            }
        }
        _ => {}
    }
}

/// `reference` renamed into copy `copy` if it names a population of the template (`p`) or one
/// of its agents (`p-i`); other names are left as written.
fn rename_local(reference: &str, local: &BTreeSet<String>, copy: &str) -> String {
    let is_local = local.contains(reference)
        || reference.rsplit_once('-').is_some_and(|(p, i)| {
            local.contains(p) && !i.is_empty() && i.bytes().all(|b| b.is_ascii_digit())
        });
    if is_local {
        format!("{copy}-{reference}")
    } else {
        reference.to_string()
    }
}

/// Drawn reserves kept to whole rao (the resolved scenario shows what the chain got).
fn round_tokens(x: f64) -> f64 {
    (x * 1e9).round() / 1e9
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_names_and_their_agents_are_renamed_others_kept() {
        let local: BTreeSet<String> = ["val".to_string(), "miner".to_string()].into();
        assert_eq!(rename_local("val", &local, "sn07"), "sn07-val");
        assert_eq!(rename_local("val-3", &local, "sn07"), "sn07-val-3");
        assert_eq!(rename_local("val-x", &local, "sn07"), "val-x");
        assert_eq!(rename_local("other", &local, "sn07"), "other");
    }

    #[test]
    fn copy_streams_differ_between_copies_and_entries() {
        let a = copy_seed(7, 0, 1);
        assert_ne!(a, copy_seed(7, 0, 2));
        assert_ne!(a, copy_seed(7, 1, 1));
        assert_ne!(a, copy_seed(8, 0, 1));
    }
}
