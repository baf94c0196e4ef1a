//! Helpers shared by the whole-chain tests (`chain_conservation`, `chain_children`,
//! `chain_moves`, `chain_ops`): the small three-subnet network their random runs start from, the
//! conservation identities, and the check that a rejected operation changes nothing.

// Each test binary uses a subset of these.
#![allow(dead_code)]

use taosim::chain::fixed::I96F32;
use taosim::chain::state::{AccountId, Chain, ChainParams, OpError, ROOT, Subnet};

pub const TAO: u64 = 1_000_000_000;
pub const SUBNETS: u16 = 3;
pub const NEURONS: u32 = 6;
pub const COLDKEYS: u32 = 4;

/// Hotkey of neuron `i` on subnet `netuid` (1-based), owned by coldkey [`owner`]`(i)`.
pub fn hotkey(netuid: u16, i: u32) -> AccountId {
    1000 * u32::from(netuid) + i
}

/// The coldkey owning neuron `i` of every subnet.
pub fn owner(i: u32) -> AccountId {
    i % COLDKEYS + 1
}

/// Three subnets of six neurons with `params` and `tempo`: pools of 1 000 TAO and
/// `alpha_reserve(netuid)` alpha, moving price 1/(netuid + 1), coldkey 1 owning each subnet with
/// neuron 0 as owner hotkey; neurons 0–2 staked (i + 1) × 100 alpha and half that on root;
/// every coldkey funded with 10 000 TAO.
pub fn network(params: ChainParams, tempo: u16, alpha_reserve: impl Fn(u16) -> u64) -> Chain {
    let mut chain = Chain::new(1, params);
    for coldkey in 1..=COLDKEYS {
        chain.fund(coldkey, 10_000 * TAO);
    }
    for netuid in 1..=SUBNETS {
        let mut subnet = Subnet::new(1_000 * TAO, alpha_reserve(netuid), tempo, 1);
        subnet.moving_price = I96F32::from_num(1) / I96F32::from_num(u32::from(netuid) + 1);
        subnet.owner = Some(1);
        subnet.owner_hotkey = Some(hotkey(netuid, 0));
        let netuid = chain.add_subnet(subnet);
        for i in 0..NEURONS {
            chain.genesis_neuron(netuid, hotkey(netuid, i), owner(i));
            if i < 3 {
                let stake = u64::from(i + 1) * 100 * TAO;
                chain.genesis_stake(netuid, hotkey(netuid, i), owner(i), stake);
                chain.genesis_stake(ROOT, hotkey(netuid, i), owner(i), stake / 2);
            }
        }
    }
    chain
}

/// The conservation identities, to the rao: every asset of [`Chain::asset_buckets`] balances
/// (issued = Σ buckets); the TAO issuance equals what holds it; on every subnet the alpha
/// issuance equals what was minted minus recycled, and `SubnetAlphaOut` (plus what payouts
/// created) equals what holds it.
pub fn conserved(chain: &Chain) -> Result<(), String> {
    let (issuance, held) = chain.tao_accounts();
    if u128::from(issuance) != held {
        return Err(format!(
            "TAO at block {}: issuance {issuance}, held {held}",
            chain.block
        ));
    }
    for asset in chain.asset_buckets() {
        if !asset.balances() {
            return Err(format!(
                "ledger of {:?} at block {}: issued {}, buckets {:?} hold {}",
                asset.asset,
                chain.block,
                asset.issued,
                asset.buckets,
                asset.held()
            ));
        }
    }
    for netuid in 1..chain.subnets.len() as u16 {
        let (net_minted, issued, out, held) = chain.alpha_accounts(netuid);
        if net_minted != issued || out != held {
            return Err(format!(
                "alpha of subnet {netuid} at block {}: minted {net_minted}, issued {issued}, \
                 out {out}, held {held}",
                chain.block
            ));
        }
    }
    Ok(())
}

/// `set_weights` by neuron `neuron` of `netuid` over every uid, cycling `values` (a rejection
/// is part of the random run).
pub fn set_cycled_weights(chain: &mut Chain, netuid: u16, neuron: u32, values: &[u16]) {
    let n = chain.subnets[usize::from(netuid)].neurons.len() as u16;
    let uids: Vec<u16> = (0..n).collect();
    let values: Vec<u16> = values
        .iter()
        .copied()
        .cycle()
        .take(usize::from(n))
        .collect();
    let _ = chain.set_weights(hotkey(netuid, neuron), netuid, &uids, &values);
}

/// Runs `op` and checks it fails with `expected` leaving the chain as it was.
pub fn assert_rejected<T: std::fmt::Debug + PartialEq>(
    mut chain: Chain,
    op: impl FnOnce(&mut Chain) -> Result<T, OpError>,
    expected: OpError,
) {
    let before = chain.clone();
    assert_eq!(op(&mut chain), Err(expected));
    assert!(
        chain == before,
        "a rejected operation changed the chain ({expected})"
    );
}
