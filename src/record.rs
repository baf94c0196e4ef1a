//! Plain row structs shared by `sim` (which fills them) and `report` (which writes them): one
//! struct per output table, one field per column. No logic and no polars here.
//!
//! Every table is tidy and long, with the bookkeeping columns researchers know from cadCAD and
//! radCAD: `scenario`, `subset`, `replicate` and `seed` identify the run (they live in
//! [`RunId`], written into every row by `report`), and `block`, `epoch`, `netuid`, `uid` locate
//! the row inside it. Amounts are integer rao (TAO or the subnet's alpha, 10⁻⁹), as on chain,
//! written to columns ending in `_rao`; u16 proportions are kept as the chain stores them
//! (columns ending in `_u16`; divide by 65 535 for a fraction); prices and derived ratios are
//! `f64` for analysis. The README's schema table lists every column with its unit.
//!
//! May depend on: nothing.

/// Which run the rows belong to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunId {
    /// The scenario's name.
    pub scenario: String,
    /// The sweep point (0 for a single run).
    pub subset: u32,
    /// The Monte Carlo replicate (0 for a single run).
    pub replicate: u32,
    /// The master seed of the run.
    pub seed: u64,
}

/// One row of `neurons.parquet`: one uid of one subnet after one of its epochs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NeuronRow {
    /// The block in which the epoch ran.
    pub block: u64,
    /// The subnet's epoch counter (0 for its first epoch in the run).
    pub epoch: u64,
    /// The subnet.
    pub netuid: u16,
    /// The uid.
    pub uid: u16,
    /// The hotkey's account id.
    pub hotkey: u32,
    /// The hotkey owner's (coldkey's) account id.
    pub coldkey: u32,
    /// The scenario agent's index into [`RunRecord::agents`] (its name is written), `None` if
    /// no agent owns the hotkey.
    pub agent: Option<u32>,
    /// The agent's role: `miner`, `validator`, `owner`, or empty.
    pub role: &'static str,
    /// The agent's strategy kind (e.g. `honest`, `copier`), or empty.
    pub strategy: &'static str,
    /// The hotkey's own alpha stake on the subnet after the payout, rao.
    pub alpha_stake: u64,
    /// The hotkey's own root (TAO) stake, rao.
    pub root_stake: u64,
    /// Normalised stake weight the epoch used (u16 proportion, `StakeWeight`).
    pub stake_weight: u16,
    /// Consensus (u16 proportion).
    pub consensus: u16,
    /// Incentive (u16 proportion).
    pub incentive: u16,
    /// Dividends (u16 proportion).
    pub dividends: u16,
    /// Validator trust (u16 proportion).
    pub validator_trust: u16,
    /// The epoch's emission to this uid (server + validator), alpha rao.
    pub emission: u64,
    /// The validator permit after the epoch.
    pub permit: bool,
    /// Whether the uid was active in the epoch.
    pub active: bool,
}

/// One row of `subnets.parquet`: one subnet after one of its epochs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SubnetRow {
    /// The block in which the epoch ran.
    pub block: u64,
    /// The subnet's epoch counter.
    pub epoch: u64,
    /// The subnet.
    pub netuid: u16,
    /// Number of uids.
    pub n: u16,
    /// `SubnetTAO`, rao.
    pub tao_reserve: u64,
    /// `SubnetAlphaIn`, rao.
    pub alpha_reserve: u64,
    /// `SubnetAlphaOut`, rao.
    pub alpha_out: u64,
    /// Spot price, TAO per alpha.
    pub price: f64,
    /// `SubnetMovingPrice`, TAO per alpha.
    pub moving_price: f64,
    /// TAO injected into the pool since the previous epoch, rao.
    pub tao_in: u64,
    /// Alpha injected into the pool since the previous epoch, rao.
    pub alpha_in: u64,
    /// Alpha emitted as alpha out since the previous epoch, rao.
    pub alpha_emitted: u64,
    /// Root proportion at the epoch (`τ·root TAO / (τ·root TAO + alpha issuance)`).
    pub root_proportion: f64,
    /// The drained owner cut, rao.
    pub owner_cut: u64,
    /// The drained miner (server) bucket, rao.
    pub server_emission: u64,
    /// The drained validator bucket, rao.
    pub validator_emission: u64,
    /// The drained root-dividend bucket, rao.
    pub root_emission: u64,
    /// Registration burn price, rao.
    pub burn: u64,
}

/// One row of `accounts.parquet`: one coldkey's holding on one subnet at a sample block.
///
/// Accounts are sampled every `record.every_blocks` blocks (default: 360, one tempo); `epoch`
/// counts those samples. Each coldkey has one row per subnet where it holds stake and always
/// one row for netuid 0 (root), so its free balance appears even without stake.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AccountRow {
    /// The sample block.
    pub block: u64,
    /// The sample counter.
    pub epoch: u64,
    /// The subnet (0 = root).
    pub netuid: u16,
    /// The coldkey.
    pub coldkey: u32,
    /// The scenario agent's index into [`RunRecord::agents`] (its name is written).
    pub agent: u32,
    /// The agent's role (`validator`, `miner`, `nominator`, `owner`, `trader`).
    pub role: &'static str,
    /// The coldkey's free TAO balance, TAO rao (the same on every row of one coldkey and
    /// block).
    pub free_balance_rao: u64,
    /// Stake held on this subnet over all hotkeys, rao of the subnet's token (TAO on root).
    pub stake_rao: u64,
    /// That stake valued at the spot price, TAO rao (floored).
    pub stake_value_rao: u64,
    /// Free TAO plus the spot value of all the coldkey's stakes, TAO rao (same on every row of
    /// one coldkey and block).
    pub total_value_rao: u64,
}

/// One row of `ledger.parquet`: one bucket of one asset at a sample block (the chain's
/// conservation ledger, `Chain::asset_buckets`). For each (block, asset) the bucket `issued`
/// equals the sum of the others, to the rao.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LedgerRow {
    /// The sample block: genesis, every `record.every_blocks` blocks and the last block.
    pub block: u64,
    /// `None` for TAO, `Some(netuid)` for that subnet's alpha (written as `tao` /
    /// `alpha:<netuid>`).
    pub netuid: Option<u16>,
    /// The bucket: `issued` or one of the chain's holder buckets (`free`, `stakes`, ...).
    pub bucket: &'static str,
    /// The amount, rao of the asset.
    pub amount_rao: u64,
}

/// Where a run's rows go as the run goes: the Parquet writer, the metrics, the summary, or
/// memory ([`RunRecord`]). A run hands each batch once, in block order, then drops it, so a
/// sink that keeps only what it needs runs in memory that does not grow with the duration.
pub trait RowSink {
    /// Before any row: the agents' names by agent index (the rows' `agent` values).
    fn begin(&mut self, _agents: &[String]) {}
    /// One subnet epoch: its subnet row (`None` for an experiment without a chain) and its
    /// neuron rows, in uid order.
    fn epoch(&mut self, subnet: Option<&SubnetRow>, neurons: &[NeuronRow]);
    /// One account sample (every coldkey's rows at one block).
    fn accounts(&mut self, rows: &[AccountRow]);
    /// One ledger sample (every asset's buckets at one block).
    fn ledger(&mut self, rows: &[LedgerRow]);
    /// Whether the sink has failed (e.g. a full disk), so the run can stop early.
    fn stopped(&self) -> bool {
        false
    }
}

/// Several sinks fed the same rows, in order.
pub struct Tee<'a>(pub Vec<&'a mut dyn RowSink>);

impl RowSink for Tee<'_> {
    fn begin(&mut self, agents: &[String]) {
        for sink in &mut self.0 {
            sink.begin(agents);
        }
    }

    fn epoch(&mut self, subnet: Option<&SubnetRow>, neurons: &[NeuronRow]) {
        for sink in &mut self.0 {
            sink.epoch(subnet, neurons);
        }
    }

    fn accounts(&mut self, rows: &[AccountRow]) {
        for sink in &mut self.0 {
            sink.accounts(rows);
        }
    }

    fn ledger(&mut self, rows: &[LedgerRow]) {
        for sink in &mut self.0 {
            sink.ledger(rows);
        }
    }

    fn stopped(&self) -> bool {
        self.0.iter().any(|s| s.stopped())
    }
}

/// A sink that drops every row (a run measured only by its outcomes).
pub struct Discard;

impl RowSink for Discard {
    fn epoch(&mut self, _: Option<&SubnetRow>, _: &[NeuronRow]) {}
    fn accounts(&mut self, _: &[AccountRow]) {}
    fn ledger(&mut self, _: &[LedgerRow]) {}
}

/// Everything one run produced. As a [`RowSink`] it keeps every row in memory (tests, small
/// runs); a streamed run leaves its row vectors empty.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunRecord {
    /// Which run.
    pub run: RunId,
    /// Agent names by agent index (the scenario's agents, in order), for the `agent` columns.
    pub agents: Vec<String>,
    /// `neurons.parquet`.
    pub neurons: Vec<NeuronRow>,
    /// `subnets.parquet`.
    pub subnets: Vec<SubnetRow>,
    /// `accounts.parquet`.
    pub accounts: Vec<AccountRow>,
    /// `ledger.parquet`.
    pub ledger: Vec<LedgerRow>,
    /// Blocks simulated.
    pub blocks: u64,
    /// Epochs run, over all subnets.
    pub epochs: u64,
    /// Total TAO issuance at the end, rao.
    pub final_issuance: u64,
    /// Operations the chain rejected, by kind, with their counts.
    pub rejected_ops: Vec<(String, u64)>,
    /// Headline numbers an experiment computes itself (e.g. the consensus experiment's
    /// `honest_emission_share`), by name; they join the run's metrics.
    pub outcomes: Vec<(String, f64)>,
    /// Each serving miner's true quality as drawn at genesis from its `serve` strategy, by
    /// hotkey, in agent order (the truth miners are ranked against; not written as a table).
    pub miner_quality: Vec<(u32, f64)>,
}

impl RowSink for RunRecord {
    fn begin(&mut self, agents: &[String]) {
        self.agents = agents.to_vec();
    }

    fn epoch(&mut self, subnet: Option<&SubnetRow>, neurons: &[NeuronRow]) {
        self.neurons.extend_from_slice(neurons);
        self.subnets.extend(subnet.cloned());
    }

    fn accounts(&mut self, rows: &[AccountRow]) {
        self.accounts.extend_from_slice(rows);
    }

    fn ledger(&mut self, rows: &[LedgerRow]) {
        self.ledger.extend_from_slice(rows);
    }
}

impl RunRecord {
    /// The name of agent `index` (empty if unknown).
    pub fn agent_name(&self, index: u32) -> &str {
        self.agents.get(index as usize).map_or("", String::as_str)
    }
}

/// One row of a replay's `replay.parquet`: one uid after one snapshot's epoch under one
/// variant. Fractions are `f64` in [0, 1] (research variants: as the variant computes them).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReplayRow {
    /// The variant's `--yuma` name.
    pub variant: String,
    /// The epoch's index in the replay (0-based; `--repeat` epochs follow the snapshots).
    pub snapshot: u64,
    /// The snapshot's block (repeats: the last block + k · tempo).
    pub block: u64,
    /// The subnet.
    pub netuid: u16,
    /// The uid.
    pub uid: u16,
    /// The hotkey (empty when the snapshot has none; `copier` for `--copier`'s validator).
    pub hotkey: String,
    /// Normalised stake S.
    pub stake_weight: f64,
    /// Consensus C.
    pub consensus: f64,
    /// Incentive I.
    pub incentive: f64,
    /// Dividends D (share of the epoch's dividends).
    pub dividends: f64,
    /// Validator trust.
    pub validator_trust: f64,
    /// Share of the epoch's emission (incentive and dividends together).
    pub emission_share: f64,
}
