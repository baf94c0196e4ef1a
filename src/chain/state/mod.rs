//! `Chain`: the storage of every subnet (root included) as plain Rust data, and
//! [`Chain::step_block`], one block of the chain in its own order (spec §1): burn prices decay,
//! TAO is minted, the coinbase injects, emits and drains, due epochs run and pay out, moving
//! prices update.
//!
//! Accounts (coldkeys and hotkeys alike, as on chain) are [`AccountId`]s chosen by the caller;
//! every map is a `BTreeMap`, so iteration is by id and deterministic. The chain orders
//! accounts by their 32-byte ids; here the caller's ids stand in for those.
//!
//! Stake moves between hotkeys, coldkeys and subnets in `moves`; root dividends are claimed
//! (by hand or by the per-block auto-claim) in `claims`.
//!
//! Money is never created or lost silently: every TAO rao is in a free balance, a pool, a
//! subnet account, the block author's or the burn account, or was recycled (issuance reduced);
//! every alpha rao is in a pool, a stake, a pending bucket, the protocol's holdings, owed to
//! root stakers, or counted as burned. [`Chain::tao_accounts`] and [`Chain::alpha_accounts`]
//! add these up so that tests can check conservation to the rao; [`Chain::asset_buckets`]
//! (in `buckets`) names every bucket for the run's `ledger.parquet`.
//!
//! May depend on: everything in `chain`.

mod block;
mod buckets;
mod children;
mod claims;
mod moves;
mod ops;
mod payout;

pub use buckets::{ALPHA_BUCKETS, Asset, AssetBuckets, ISSUED, TAO_BUCKETS};
pub use children::{
    ChildKeyError, ChildKeys, DEFAULT_PENDING_CHILDKEY_COOLDOWN, KeyList, MAX_CHILDREN,
    PendingChildren, inherited_stake, validate_children,
};
pub use claims::{StakingIndex, parent_hash_stand_in};
pub use moves::same_subnet_value;
pub use ops::OpError;

use super::coinbase::flow::{
    DEFAULT_FLOW_EMA_SMOOTHING_FACTOR, DEFAULT_FLOW_NORM_EXPONENT, DEFAULT_TAO_FLOW_CUTOFF,
    EmissionRule, FlowParams,
};
use super::coinbase::scheduler::{PendingBuckets, SchedulerRegime, SubnetClock};
use super::epoch::{EpochOutput, EpochParams};
use super::fixed::{I64F64, I96F32, U96F32};
use super::registration::{BurnParams, NEW_SUBNET_BURN};
use super::root_claim::DEFAULT_NUM_ROOT_CLAIM;
use super::root_claim::RootClaims;
use super::staking::{
    DelegateTakeBounds, MAINNET_NOMINATOR_MIN_REQUIRED_STAKE, MAX_CHILDKEY_TAKE, MIN_CHILDKEY_TAKE,
    SharePool,
};
use super::swap::{
    DEFAULT_EMA_PRICE_HALVING_BLOCKS, DEFAULT_MOVING_ALPHA, Mechanism, Pool, SwapParams,
};
use super::types::SparseU16Matrix;
use std::collections::BTreeMap;

/// An account id (a coldkey or a hotkey). The caller assigns them.
pub type AccountId = u32;

/// The root subnet's netuid.
pub const ROOT: u16 = 0;

/// Chain-wide parameters. `Default` is the runtime at subtensor HEAD (spec §13).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainParams {
    /// `TaoWeight`, a fraction of `u64::MAX`. Default: the runtime's initial value
    /// 971_718_665_099_567_868 (≈ 0.0527; mainnet ≈ 0.18).
    pub tao_weight: u64,
    /// `SubnetOwnerCut`, u16 proportion. Default 11_796 (≈ 18 %).
    pub subnet_owner_cut: u16,
    /// `MaxEpochsPerBlock`. Default 2.
    pub max_epochs_per_block: u32,
    /// The epoch scheduler. Default: dynamic tempo (HEAD).
    pub scheduler: SchedulerRegime,
    /// The emission share rule. Default: price EMA with miner-burn weighting (HEAD).
    pub emission_rule: EmissionRule,
    /// `TaoFlowCutoff` and `FlowNormExponent` (for [`EmissionRule::TaoFlow`]).
    pub flow: FlowParams,
    /// `FlowEmaSmoothingFactor` (a fraction of `i64::MAX`).
    pub flow_smoothing: u64,
    /// Swap fee rate and minimum reserve.
    pub swap: SwapParams,
    /// `SubnetMovingAlpha`. Default 0.000003 (exactly 12885·2⁻³²).
    pub moving_alpha: I96F32,
    /// `EMAPriceHalvingBlocks`. Default 201_600.
    pub ema_price_halving_blocks: u64,
    /// `DefaultMinStake`, rao. Default 2_000_000.
    pub default_min_stake: u64,
    /// `MinDelegateTake` / `MaxDelegateTake`. Default: the runtime's [0, 11_796].
    pub take_bounds: DelegateTakeBounds,
    /// `CKBurn`, a fraction of `u64::MAX`. Default 0.
    pub ck_burn: u64,
    /// `RootClaimableThreshold`, alpha rao. Default 500_000.
    pub root_claimable_threshold: u64,
    /// `StakeThreshold`, TAO rao (chain-wide). Default 0. The epoch's stake filter reads this
    /// value (it replaces every subnet's `EpochParams::stake_threshold`), as do child-key
    /// scheduling and `remove_stake`.
    pub stake_threshold: u64,
    /// `PendingChildKeyCooldown`, blocks. Default 7_200.
    pub pending_childkey_cooldown: u64,
    /// `MinChildkeyTake`, u16 proportion. Default 0.
    pub min_childkey_take: u16,
    /// `MaxChildkeyTake`, u16 proportion. Default 11_796.
    pub max_childkey_take: u16,
    /// `NominatorMinRequiredStake`: the nominator minimum as parts per million of
    /// `DefaultMinStake` (spec §10.6). Default 10_000_000 (→ 0.02 TAO), the value mainnet's
    /// migration set and mainnet runs with; the storage default of a fresh chain is 0 (no
    /// minimum, so no small nomination is ever cleared).
    pub nominator_min_required_stake: u64,
    /// `NumRootClaim`: coldkeys auto-claimed per block (at most). Default 5.
    pub num_root_claim: u64,
    /// Whether `run_auto_claim_root_divs` runs at the end of every block (step 8 of spec §1).
    /// Default true, as on chain; false leaves root dividends to manual claims.
    pub auto_claim_root_divs: bool,
}

impl Default for ChainParams {
    fn default() -> Self {
        ChainParams {
            tao_weight: 971_718_665_099_567_868,
            subnet_owner_cut: 11_796,
            max_epochs_per_block: 2,
            scheduler: SchedulerRegime::default(),
            emission_rule: EmissionRule::default(),
            flow: FlowParams {
                cutoff: DEFAULT_TAO_FLOW_CUTOFF,
                exponent: DEFAULT_FLOW_NORM_EXPONENT,
            },
            flow_smoothing: DEFAULT_FLOW_EMA_SMOOTHING_FACTOR,
            swap: SwapParams::default(),
            moving_alpha: DEFAULT_MOVING_ALPHA,
            ema_price_halving_blocks: DEFAULT_EMA_PRICE_HALVING_BLOCKS,
            default_min_stake: 2_000_000,
            take_bounds: DelegateTakeBounds::RUNTIME,
            ck_burn: 0,
            root_claimable_threshold: 500_000,
            stake_threshold: 0,
            pending_childkey_cooldown: children::DEFAULT_PENDING_CHILDKEY_COOLDOWN,
            min_childkey_take: MIN_CHILDKEY_TAKE,
            max_childkey_take: MAX_CHILDKEY_TAKE,
            nominator_min_required_stake: MAINNET_NOMINATOR_MIN_REQUIRED_STAKE,
            num_root_claim: DEFAULT_NUM_ROOT_CLAIM,
            auto_claim_root_divs: true,
        }
    }
}

/// A hotkey's registration-independent data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hotkey {
    /// `Owner(hotkey)`: the coldkey that controls it.
    pub owner: AccountId,
    /// `Delegates(hotkey)`: the delegate take, u16 proportion. Default 11_796.
    pub take: u16,
}

/// The neurons of a subnet (one mechanism), by uid.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Neurons {
    /// `Keys`: the hotkey at each uid.
    pub hotkeys: Vec<AccountId>,
    /// `BlockAtRegistration`.
    pub registered_at: Vec<u64>,
    /// `LastUpdate`.
    pub last_update: Vec<u64>,
    /// `Weights`: stored u16 rows in submission order.
    pub weights: SparseU16Matrix,
    /// `Bonds`.
    pub bonds: SparseU16Matrix,
    /// `ValidatorPermit` (from the last epoch).
    pub validator_permit: Vec<bool>,
}

impl Neurons {
    /// Number of uids.
    pub fn len(&self) -> usize {
        self.hotkeys.len()
    }

    /// Whether the subnet has no neurons.
    pub fn is_empty(&self) -> bool {
        self.hotkeys.is_empty()
    }

    /// The uid of `hotkey`, if registered.
    pub fn uid_of(&self, hotkey: AccountId) -> Option<u16> {
        self.hotkeys
            .iter()
            .position(|h| *h == hotkey)
            .map(|u| u as u16)
    }
}

/// One subnet's storage (netuid = its index in [`Chain::subnets`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Subnet {
    /// `SubnetTAO`, `SubnetAlphaIn` and the pool weights (stable for root).
    pub pool: Pool,
    /// `SubnetAlphaOut`: alpha outside the pool (staked, pending, owed, protocol, burned).
    pub alpha_out: u64,
    /// `SubnetProtocolAlpha`: alpha the chain bought with excess TAO.
    pub protocol_alpha: u64,
    /// `SubnetRootSellTao`: TAO root claims sold this subnet's alpha for since the coinbase of
    /// the current block cleared it, rao (a display; nothing reads it).
    pub root_sell_tao: u64,
    /// `SubnetMovingPrice`.
    pub moving_price: I96F32,
    /// `FirstEmissionBlockNumber` (set by the owner's start call).
    pub first_emission_block: Option<u64>,
    /// `SubtokenEnabled`.
    pub subtoken_enabled: bool,
    /// `NetworkRegistrationAllowed`.
    pub registration_allowed: bool,
    /// `SubnetEmissionEnabled`.
    pub emission_enabled: bool,
    /// `OwnerCutEnabled`.
    pub owner_cut_enabled: bool,
    /// `MinerBurned`: the share of the last miner incentive withheld from owner hotkeys.
    pub miner_burned: U96F32,
    /// `SubnetEmaTaoFlow`: the EMA of net TAO staked in (for the TAO-flow emission rule), rao.
    pub flow_ema: I64F64,
    /// Net TAO staked into the subnet since the last block (in − out), rao.
    pub tao_flow: i64,
    /// The epoch clock and pending buckets.
    pub clock: SubnetClock,
    /// The epoch's hyperparameters (`tao_weight` and `stake_threshold` are overwritten by the
    /// chain-wide `TaoWeight` and `StakeThreshold` of [`ChainParams`]).
    pub epoch: EpochParams,
    /// `SubnetOwner` (coldkey).
    pub owner: Option<AccountId>,
    /// `SubnetOwnerHotkey`.
    pub owner_hotkey: Option<AccountId>,
    /// The neurons.
    pub neurons: Neurons,
    /// `TotalHotkeyAlpha` and the per-coldkey shares, per hotkey (alpha rao; TAO on root).
    pub stakes: BTreeMap<AccountId, SharePool<AccountId>>,
    /// Child keys, parent keys, childkey takes and pending children.
    pub child_keys: ChildKeys,
    /// `Burn`: the current registration price, rao.
    pub burn: u64,
    /// Burn dynamics.
    pub burn_params: BurnParams,
    /// `MaxAllowedUids`.
    pub max_allowed_uids: u16,
    /// `ImmunityPeriod`, blocks.
    pub immunity_period: u16,
    /// `MinNonImmuneUids`.
    pub min_non_immune_uids: u16,
    /// `ImmuneOwnerUidsLimit`.
    pub immune_owner_uids_limit: u16,
    /// The last epoch's output (for observers; the chain keeps these as per-uid vectors).
    pub last_epoch: Option<EpochOutput>,
    /// The buckets the last epoch drained (for observers).
    pub last_drain: PendingBuckets,
    /// Running totals of the coinbase's injections and emission (for observers).
    pub totals: EmissionTotals,
}

/// Running totals of what the coinbase put into a subnet since genesis (rao, saturating).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EmissionTotals {
    /// TAO injected into the pool (`SubnetTaoInEmission` summed).
    pub tao_in: u64,
    /// Alpha injected into the pool (`SubnetAlphaInEmission` summed).
    pub alpha_in: u64,
    /// Alpha emitted out (`SubnetAlphaOutEmission` summed).
    pub alpha_out: u64,
}

impl Subnet {
    /// A subnet as `init_new_network` leaves it, with a pool of `tao` TAO and `alpha` alpha
    /// (rao), emitting from `start_block` on (its start call) and the given tempo.
    pub fn new(tao: u64, alpha: u64, tempo: u16, start_block: u64) -> Subnet {
        Subnet {
            pool: Pool::new(tao, alpha),
            alpha_out: 0,
            protocol_alpha: 0,
            root_sell_tao: 0,
            moving_price: I96F32::from_num(0),
            first_emission_block: Some(start_block),
            subtoken_enabled: true,
            registration_allowed: true,
            emission_enabled: true,
            owner_cut_enabled: true,
            miner_burned: U96F32::from_num(0),
            flow_ema: I64F64::from_num(0),
            tao_flow: 0,
            clock: SubnetClock {
                tempo,
                ..SubnetClock::default()
            },
            epoch: EpochParams::default(),
            owner: None,
            owner_hotkey: None,
            neurons: Neurons::default(),
            stakes: BTreeMap::new(),
            child_keys: ChildKeys::default(),
            burn: NEW_SUBNET_BURN,
            burn_params: BurnParams::default(),
            max_allowed_uids: 256,
            immunity_period: 5000,
            min_non_immune_uids: 10,
            immune_owner_uids_limit: 1,
            last_epoch: None,
            last_drain: PendingBuckets::default(),
            totals: EmissionTotals::default(),
        }
    }

    /// The root subnet: stable (1 TAO = 1 root "alpha"), no emission of its own.
    pub fn root() -> Subnet {
        let mut root = Subnet::new(0, 0, 0, 0);
        root.pool.mechanism = Mechanism::Stable;
        root.first_emission_block = None;
        root
    }

    /// `SubnetAlphaIn + SubnetAlphaOut`: the subnet's alpha issuance (rao).
    pub fn alpha_issuance(&self) -> u64 {
        self.pool.alpha_reserve.saturating_add(self.alpha_out)
    }

    /// `TotalHotkeyAlpha(hotkey)` on this subnet (rao).
    pub fn hotkey_stake(&self, hotkey: AccountId) -> u64 {
        self.stakes.get(&hotkey).map_or(0, SharePool::shared_value)
    }

    /// The stake `coldkey` holds on `hotkey` here (rao).
    pub fn stake_of(&self, hotkey: AccountId, coldkey: AccountId) -> u64 {
        self.stakes
            .get(&hotkey)
            .map_or(0, |pool| pool.get_value(coldkey))
    }
}

/// Where TAO and alpha went that no account holds (kept so conservation can be checked).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ledger {
    /// TAO recycled (taken out of `TotalIssuance`).
    pub recycled_tao: u64,
    /// TAO the chain moved into subnet accounts without adding it to a pool (failed chain buys,
    /// registration swap fees).
    pub subnet_account_tao: u64,
    /// Swap fees paid to the block author (the simulator has no author account: `burn_tao`).
    pub burned_tao: u64,
    /// Alpha per subnet counted in `SubnetAlphaOut` but held by no one: burned owner incentive,
    /// undistributed remainders, the alpha side of burned fees (rao).
    pub unassigned_alpha: BTreeMap<u16, u64>,
    /// Alpha per subnet taken out of `SubnetAlphaOut` (recycled root share, recycled owner
    /// incentive, registration burns, CKBurn).
    pub recycled_alpha: BTreeMap<u16, u64>,
    /// Alpha per subnet ever minted (emission and injection).
    pub minted_alpha: BTreeMap<u16, u64>,
    /// Alpha per subnet staked by payouts beyond the drained buckets: the epoch's server share
    /// I/ΣE can exceed ½ by truncation, and incentives are paid as absolute amounts (spec
    /// §7.3), so stakes can grow by a few rao more than `SubnetAlphaOut` did. Root claims
    /// beyond what was credited (each root-stake adjustment can add under a rao to an owed
    /// amount) are booked here too.
    pub created_alpha: BTreeMap<u16, u64>,
    /// Alpha per subnet credited to root stakers (`RootClaimable`) and not yet claimed. Owed
    /// amounts that removed root stake forfeits (`RootClaimed` saturating at 0) stay in it:
    /// that alpha is counted in `SubnetAlphaOut` and no one can claim it.
    pub owed_root_alpha: BTreeMap<u16, u64>,
}

/// The whole chain.
#[derive(Clone, Debug, PartialEq)]
pub struct Chain {
    /// The current block: the next [`Chain::step_block`] runs block `block + 1`.
    pub block: u64,
    /// Chain-wide parameters.
    pub params: ChainParams,
    /// `TotalIssuance` of TAO, rao.
    pub total_issuance: u64,
    /// `TotalStake`, rao.
    pub total_stake: u64,
    /// Free TAO balances, rao.
    pub balances: BTreeMap<AccountId, u64>,
    /// Hotkeys: owner and take.
    pub hotkeys: BTreeMap<AccountId, Hotkey>,
    /// Subnets by netuid; `subnets[0]` is root.
    pub subnets: Vec<Subnet>,
    /// Root dividends owed to root stakers.
    pub root_claims: RootClaims<AccountId, AccountId>,
    /// `StakingHotkeys` and `StakingColdkeysByIndex`: who staked where, in order of first stake.
    pub staking_index: StakingIndex,
    /// Where unheld TAO and alpha went.
    pub ledger: Ledger,
}

impl Chain {
    /// A chain at `block` with only the root subnet and `issuance` TAO issued but held by no
    /// one yet (give it out with [`Chain::fund`]).
    pub fn new(block: u64, params: ChainParams) -> Chain {
        Chain {
            block,
            params,
            total_issuance: 0,
            total_stake: 0,
            balances: BTreeMap::new(),
            hotkeys: BTreeMap::new(),
            subnets: vec![Subnet::root()],
            root_claims: RootClaims::default(),
            staking_index: StakingIndex::default(),
            ledger: Ledger::default(),
        }
    }

    /// Genesis: mints `amount` TAO into `coldkey`'s free balance (issuance grows with it).
    pub fn fund(&mut self, coldkey: AccountId, amount: u64) {
        let balance = self.balances.entry(coldkey).or_insert(0);
        *balance = balance.saturating_add(amount);
        self.total_issuance = self.total_issuance.saturating_add(amount);
    }

    /// Genesis: adds a subnet whose pool holds `subnet.pool` reserves; the pool's TAO is minted
    /// (issuance and `TotalStake` grow by it), as is its alpha. Returns the netuid.
    pub fn add_subnet(&mut self, mut subnet: Subnet) -> u16 {
        let netuid = self.subnets.len() as u16;
        subnet.clock.netuid = netuid;
        self.total_issuance = self.total_issuance.saturating_add(subnet.pool.tao_reserve);
        self.total_stake = self.total_stake.saturating_add(subnet.pool.tao_reserve);
        let minted = subnet.alpha_issuance();
        *self.ledger.minted_alpha.entry(netuid).or_insert(0) += minted;
        self.subnets.push(subnet);
        netuid
    }

    /// Creates (or updates) a hotkey owned by `owner` with the default take. A new hotkey is
    /// appended to `StakingHotkeys(owner)`, as `create_account_if_non_existent` does.
    pub fn create_hotkey(&mut self, hotkey: AccountId, owner: AccountId) {
        let take = super::staking::DEFAULT_DELEGATE_TAKE;
        if !self.hotkeys.contains_key(&hotkey) {
            self.staking_index.add_staking_hotkey(owner, hotkey);
        }
        self.hotkeys
            .entry(hotkey)
            .or_insert(Hotkey { owner, take })
            .owner = owner;
    }

    /// The free balance of `coldkey`, rao.
    pub fn balance(&self, coldkey: AccountId) -> u64 {
        self.balances.get(&coldkey).copied().unwrap_or(0)
    }

    /// `(TotalIssuance, what holds it)`: free balances + pools + subnet accounts + burned.
    /// Equal when TAO is conserved.
    pub fn tao_accounts(&self) -> (u64, u128) {
        let balances: u128 = self.balances.values().map(|b| u128::from(*b)).sum();
        let pools: u128 = self
            .subnets
            .iter()
            .map(|s| u128::from(s.pool.tao_reserve))
            .sum();
        let held = balances
            + pools
            + u128::from(self.ledger.subnet_account_tao)
            + u128::from(self.ledger.burned_tao);
        (self.total_issuance, held)
    }

    /// For subnet `netuid`: `(minted − recycled, alpha issuance, SubnetAlphaOut + alpha created
    /// by payouts, what holds it)`. The first two are equal when no alpha appears or vanishes,
    /// the last two when every rao outside the pool is accounted for.
    pub fn alpha_accounts(&self, netuid: u16) -> (u128, u128, u128, u128) {
        let s = &self.subnets[usize::from(netuid)];
        let get = |m: &BTreeMap<u16, u64>| u128::from(m.get(&netuid).copied().unwrap_or(0));
        let net_minted = get(&self.ledger.minted_alpha) - get(&self.ledger.recycled_alpha);
        let staked: u128 = s
            .stakes
            .values()
            .map(|p| u128::from(p.shared_value()))
            .sum();
        let pending = &s.clock.pending;
        let pending: u128 = [
            pending.server,
            pending.validator,
            pending.root,
            pending.owner_cut,
        ]
        .iter()
        .map(|x| u128::from(*x))
        .sum();
        let owed = get(&self.ledger.owed_root_alpha);
        let held = staked
            + pending
            + u128::from(s.protocol_alpha)
            + owed
            + get(&self.ledger.unassigned_alpha);
        let out = u128::from(s.alpha_out) + get(&self.ledger.created_alpha);
        (net_minted, u128::from(s.alpha_issuance()), out, held)
    }
}
