//! The replay itself: each snapshot of a series as one epoch under each variant, the variant's
//! state carried from one epoch to the next, then `--repeat` epochs of the last snapshot.
//!
//! Chain variants (`yuma2`, `yuma3`) call `chain::epoch::epoch_traced` on the snapshot as the
//! chain would store it and add no arithmetic: the stored bonds and validator permits the
//! epoch writes are the next epoch's input, as when chaining `taosim epoch` by hand. Research
//! variants call `research::epoch` on the raw weights and stakes.
//!
//! What-ifs: `--shift UID=K` gives a validator the weights it had K epochs earlier (the oldest
//! known before the series starts); `--copier K` appends one validator with the median
//! validator stake whose weights are the variant's consensus of K epochs earlier (none in the
//! first K epochs), and reports G = (D/S)_copier ÷ median over honest validators of D/S at the
//! last epoch (scenario catalogue §4).
//!
//! May depend on: `chain` (the epoch), `research`, `record` (the row type), the rest of `replay`.

use super::config::{self, Settings, Variant};
use super::snapshot::{LoadError, Series, stored_weights};
use crate::chain::epoch::{
    EpochInput, EpochParams, MechanismSnapshot, SubnetSnapshot, epoch, epoch_traced,
};
use crate::record::ReplayRow;
use crate::research;
use serde_json::{Map, Value};

/// Emission of every chain epoch, rao (1 TAO; outputs are shares, so it only sets precision).
pub const EMISSION: u64 = 1_000_000_000;

/// Hotkey written for `--copier`'s validator.
pub const COPIER_HOTKEY: &str = "copier";

/// The command line's what-ifs, unvalidated.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Options {
    /// `--yuma` names (empty: `yuma2`, `yuma3`).
    pub variants: Vec<String>,
    /// `--set KEY=VALUE`, in order.
    pub set: Vec<(String, Value)>,
    /// `--repeat N`: epochs of the last snapshot after the series.
    pub repeat: usize,
    /// `--shift UID=K`.
    pub shifts: Vec<(u16, usize)>,
    /// `--copier K`.
    pub copier: Option<usize>,
}

/// A validated replay: what runs, epoch by epoch.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// `(name, variant)` in `--yuma` order.
    pub variants: Vec<(String, Variant)>,
    /// Per epoch: the snapshot it replays and its block.
    pub steps: Vec<(usize, u64)>,
    /// Per snapshot: its settings.
    pub settings: Vec<Settings>,
    /// `--shift`.
    pub shifts: Vec<(u16, usize)>,
    /// `--copier`.
    pub copier: Option<usize>,
}

/// What a replay produced.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Replay {
    /// One row per variant × epoch × uid.
    pub rows: Vec<ReplayRow>,
    /// With `--copier`: G per variant (`None` when undefined: no honest validator earns).
    pub copier_g: Vec<(String, Option<f64>)>,
    /// The copier's uid, with `--copier`.
    pub copier_uid: Option<u16>,
}

/// Checks the options against the series; every error names the file, snapshot and field or
/// the option at fault.
pub fn plan(series: &Series, options: &Options) -> Result<Plan, LoadError> {
    let variants = variants(&options.variants)?;
    let settings = snapshot_settings(series, &options.set)?;
    if let Some(name) = chain_with_wta(&variants, &settings) {
        let message = format!(
            "not a chain rule: `{name}` is the chain's epoch (use peer-yuma2 / peer-yuma3, the peer's models)"
        );
        return Err(LoadError::new("--set", None, "winner_takes_all", message));
    }
    check_shifts(series, &options.shifts)?;
    if options.copier == Some(0) {
        let message = "K must be at least 1 (the consensus of K epochs earlier)";
        return Err(LoadError::new("--copier", None, "K", message));
    }
    Ok(Plan {
        variants,
        steps: steps(series, &settings, options.repeat),
        settings,
        shifts: options.shifts.clone(),
        copier: options.copier,
    })
}

fn variants(names: &[String]) -> Result<Vec<(String, Variant)>, LoadError> {
    let names: Vec<String> = match names.is_empty() {
        true => vec!["yuma2".into(), "yuma3".into()],
        false => names.to_vec(),
    };
    let mut out: Vec<(String, Variant)> = Vec::new();
    for name in names {
        let v = config::variant(&name).map_err(|m| LoadError::new("--yuma", None, &name, m))?;
        if out.iter().any(|(n, _)| *n == name) {
            return Err(LoadError::new("--yuma", None, &name, "given twice"));
        }
        out.push((name, v));
    }
    Ok(out)
}

/// Each snapshot's settings: its `hyperparameters` (known keys; `yuma3` is the variant's),
/// then the series' `params`, then `--set`.
fn snapshot_settings(series: &Series, set: &[(String, Value)]) -> Result<Vec<Settings>, LoadError> {
    let file = &series.files[0];
    config::settings(&series.params)
        .map_err(|(k, m)| LoadError::new(file, None, &format!("params.{k}"), m))?;
    let set: Map<String, Value> = set.iter().cloned().collect();
    config::settings(&set).map_err(|(k, m)| LoadError::new("--set", None, &k, m))?;
    let mut out = Vec::new();
    for (k, snapshot) in series.snapshots.iter().enumerate() {
        let mut keys: Map<String, Value> = snapshot
            .hyperparameters
            .iter()
            .filter(|(key, _)| config::is_key(key) && *key != "yuma3")
            .map(|(key, v)| (key.clone(), v.clone()))
            .collect();
        let at = |key: &str| format!("hyperparameters.{key}");
        config::settings(&keys)
            .map_err(|(key, m)| LoadError::new(&series.files[k], Some(k), &at(&key), m))?;
        keys.extend(series.params.clone());
        keys.extend(set.clone());
        let merged = config::settings(&keys)
            .map_err(|(key, m)| LoadError::new(&series.files[k], Some(k), &key, m))?;
        out.push(merged);
    }
    Ok(out)
}

fn chain_with_wta<'a>(variants: &'a [(String, Variant)], settings: &[Settings]) -> Option<&'a str> {
    let wta = settings.iter().any(|s| s.winner_takes_all);
    variants
        .iter()
        .find(|(_, v)| wta && matches!(v, Variant::Chain { .. }))
        .map(|(n, _)| n.as_str())
}

/// A shifted uid must set weights in some snapshot (a validator), and be shifted once.
fn check_shifts(series: &Series, shifts: &[(u16, usize)]) -> Result<(), LoadError> {
    for (k, (uid, lag)) in shifts.iter().enumerate() {
        let field = format!("{uid}={lag}");
        let sets_weights = series.snapshots.iter().any(|s| {
            s.neurons
                .get(usize::from(*uid))
                .is_some_and(|x| !x.weights.is_empty())
        });
        if !sets_weights {
            let message = format!("uid {uid} sets no weights in any snapshot (not a validator)");
            return Err(LoadError::new("--shift", None, &field, message));
        }
        if shifts[..k].iter().any(|(u, _)| u == uid) {
            return Err(LoadError::new(
                "--shift",
                None,
                &field,
                format!("uid {uid} shifted twice"),
            ));
        }
    }
    Ok(())
}

/// The snapshots in order, then `repeat` epochs of the last one, `tempo` blocks apart.
fn steps(series: &Series, settings: &[Settings], repeat: usize) -> Vec<(usize, u64)> {
    let last = series.snapshots.len() - 1;
    let mut steps: Vec<(usize, u64)> = series
        .snapshots
        .iter()
        .enumerate()
        .map(|(k, s)| (k, s.block))
        .collect();
    let tempo = u64::from(settings[last].tempo);
    let block = series.snapshots[last].block;
    steps.extend((1..=repeat as u64).map(|r| (last, block.saturating_add(r * tempo))));
    steps
}

/// One epoch's input, shared by the variants (before the copier).
#[derive(Clone, Debug, Default)]
struct StepInput {
    block: u64,
    stake_rao: Vec<u64>,
    stake_raw: Vec<f64>,
    weights: Vec<Vec<(u16, u16)>>,
    weights_raw: Vec<Vec<(u16, f64)>>,
    permits: Vec<Option<bool>>,
    hotkeys: Vec<String>,
}

impl StepInput {
    fn n(&self) -> usize {
        self.stake_rao.len()
    }

    /// Validators: uids with a weight row and stake.
    fn validators(&self) -> Vec<usize> {
        (0..self.n())
            .filter(|&i| !self.weights[i].is_empty() && self.stake_rao[i] > 0)
            .collect()
    }
}

/// Epoch `t`'s input, with the shifted validators' weights of earlier epochs.
fn step_input(series: &Series, plan: &Plan, t: usize) -> StepInput {
    let (source, block) = plan.steps[t];
    let snapshot = &series.snapshots[source];
    let mut input = StepInput {
        block,
        stake_rao: snapshot.neurons.iter().map(|x| x.stake_rao).collect(),
        stake_raw: snapshot.neurons.iter().map(|x| x.stake_raw).collect(),
        weights: snapshot.neurons.iter().map(|x| x.weights.clone()).collect(),
        weights_raw: snapshot
            .neurons
            .iter()
            .map(|x| x.weights_raw.clone())
            .collect(),
        permits: snapshot
            .neurons
            .iter()
            .map(|x| x.validator_permit)
            .collect(),
        hotkeys: snapshot
            .neurons
            .iter()
            .map(|x| x.hotkey.clone().unwrap_or_default())
            .collect(),
    };
    let n = input.n();
    for (uid, lag) in &plan.shifts {
        let u = usize::from(*uid);
        let earlier = &series.snapshots[plan.steps[t.saturating_sub(*lag)].0];
        if u >= n {
            continue;
        }
        let (raw, stored) = earlier.neurons.get(u).map_or((vec![], vec![]), |x| {
            (x.weights_raw.clone(), x.weights.clone())
        });
        input.weights_raw[u] = raw.into_iter().filter(|e| usize::from(e.0) < n).collect();
        input.weights[u] = stored
            .into_iter()
            .filter(|e| usize::from(e.0) < n)
            .collect();
    }
    input
}

/// One epoch's outputs per uid, as fractions.
#[derive(Clone, Debug, Default)]
struct StepOutput {
    stake: Vec<f64>,
    consensus: Vec<f64>,
    incentive: Vec<f64>,
    dividends: Vec<f64>,
    validator_trust: Vec<f64>,
    emission_share: Vec<f64>,
}

/// What a chain variant carries between epochs: the stored bonds and permits.
#[derive(Clone, Debug, Default)]
struct ChainState {
    bonds: Vec<Vec<(u16, u16)>>,
    permits: Option<Vec<bool>>,
    hotkeys: Vec<String>,
    last_block: u64,
}

/// A variant with what it carries between epochs.
enum Runner {
    Chain {
        state: ChainState,
        yuma3: bool,
    },
    Research {
        state: research::State,
        variant: research::Variant,
    },
}

impl Runner {
    fn new(variant: Variant) -> Runner {
        match variant {
            Variant::Chain { yuma3 } => Runner::Chain {
                state: ChainState::default(),
                yuma3,
            },
            Variant::Research(variant) => Runner::Research {
                state: research::State::default(),
                variant,
            },
        }
    }
}

/// Runs the plan.
pub fn run(series: &Series, plan: &Plan) -> Replay {
    let inputs: Vec<StepInput> = (0..plan.steps.len())
        .map(|t| step_input(series, plan, t))
        .collect();
    let copier_uid = plan.copier.map(|_| {
        series
            .snapshots
            .iter()
            .map(|s| s.neurons.len())
            .max()
            .unwrap_or(0)
    });
    let mut replay = Replay {
        copier_uid: copier_uid.map(|u| u as u16),
        ..Replay::default()
    };
    for (name, variant) in &plan.variants {
        let outputs = run_variant(series, plan, *variant, &inputs, copier_uid);
        if let (Some(uid), Some((input, output))) = (copier_uid, outputs.last()) {
            let g = copier_g(input, output, uid, &plan.shifts);
            replay.copier_g.push((name.clone(), g));
        }
        for (t, (input, output)) in outputs.iter().enumerate() {
            push_rows(&mut replay.rows, name, series.netuid, t, input, output);
        }
    }
    replay
}

/// Every epoch of one variant: `(input with the copier, output)`.
fn run_variant(
    series: &Series,
    plan: &Plan,
    variant: Variant,
    inputs: &[StepInput],
    copier_uid: Option<usize>,
) -> Vec<(StepInput, StepOutput)> {
    let mut runner = Runner::new(variant);
    let mut done: Vec<(StepInput, StepOutput)> = Vec::new();
    for (t, base) in inputs.iter().enumerate() {
        let input = match (copier_uid, plan.copier) {
            (Some(uid), Some(k)) => with_copier(base, uid, t.checked_sub(k).map(|e| &done[e].1)),
            _ => base.clone(),
        };
        let settings = &plan.settings[plan.steps[t].0];
        let output = match &mut runner {
            Runner::Chain { state, yuma3 } => {
                let initial = (t == 0).then(|| &series.snapshots[0]);
                chain_epoch(state, &input, settings, *yuma3, initial)
            }
            Runner::Research { state, variant } => {
                research_epoch(state, &input, settings, *variant)
            }
        };
        done.push((input, output));
    }
    done
}

/// The input padded to `uid` uids plus the copier at `uid`: the median validator stake, and
/// the consensus of `earlier` (an epoch K before) as weights (none before it exists).
fn with_copier(base: &StepInput, uid: usize, earlier: Option<&StepOutput>) -> StepInput {
    let validators = base.validators();
    let mut input = base.clone();
    let pad = uid + 1 - base.n().min(uid + 1);
    input.stake_rao.extend(std::iter::repeat_n(0, pad));
    input.stake_raw.extend(std::iter::repeat_n(0.0, pad));
    input.weights.resize(uid + 1, Vec::new());
    input.weights_raw.resize(uid + 1, Vec::new());
    input.permits.resize(uid + 1, None);
    input.hotkeys.resize(uid + 1, String::new());
    input.stake_rao[uid] = median_u64(validators.iter().map(|&i| base.stake_rao[i]).collect());
    input.stake_raw[uid] =
        median(validators.iter().map(|&i| base.stake_raw[i]).collect()).unwrap_or(0.0);
    input.hotkeys[uid] = COPIER_HOTKEY.into();
    let row: Vec<(u16, f64)> = earlier.map_or(Vec::new(), |o| {
        o.consensus
            .iter()
            .enumerate()
            .filter(|(j, c)| *j < uid && **c > 0.0)
            .map(|(j, c)| (j as u16, *c))
            .collect()
    });
    input.weights[uid] = stored_weights(&row);
    input.weights_raw[uid] = row;
    input
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    let m = values.len() / 2;
    match values.len() {
        0 => None,
        len if len % 2 == 1 => Some(values[m]),
        _ => Some((values[m - 1] + values[m]) / 2.0),
    }
}

fn median_u64(mut values: Vec<u64>) -> u64 {
    values.sort_unstable();
    let m = values.len() / 2;
    match values.len() {
        0 => 0,
        len if len % 2 == 1 => values[m],
        _ => values[m - 1] / 2 + values[m] / 2 + (values[m - 1] % 2 + values[m] % 2) / 2,
    }
}

/// One chain epoch from `input` and the carried `state`; the stored bonds and permits it writes
/// are carried on. `initial` (the first snapshot) seeds bonds it records.
fn chain_epoch(
    state: &mut ChainState,
    input: &StepInput,
    settings: &Settings,
    yuma3: bool,
    initial: Option<&super::snapshot::Snapshot>,
) -> StepOutput {
    let n = input.n();
    if let Some(snapshot) = initial {
        state.bonds = snapshot
            .neurons
            .iter()
            .map(|x| x.bonds.clone().unwrap_or_default())
            .collect();
    }
    carry_bonds(state, &input.hotkeys, n);
    let params = EpochParams {
        yuma3,
        ..settings.chain.clone()
    };
    let permits = permits(state, input, &params);
    let epoch_input = EpochInput {
        subnet: SubnetSnapshot {
            block: input.block,
            tempo: settings.tempo,
            last_step_block: state.last_block,
            owner_uid: None,
            alpha_stake: input.stake_rao.clone(),
            root_stake: Vec::new(),
            registered_at: Vec::new(),
            validator_permit: permits,
        },
        mechanism: MechanismSnapshot {
            last_update: vec![input.block; n],
            weights: input.weights.clone(),
            bonds: state.bonds.clone(),
            commit_block: Vec::new(),
        },
        emission: EMISSION,
    };
    let (output, trace) = epoch_traced(&epoch_input, &params);
    state.bonds = output.bonds;
    state.permits = Some(output.validator_permit);
    state.hotkeys = input.hotkeys.clone();
    state.last_block = input.block;
    let f = |v: &[crate::chain::fixed::I32F32]| v.iter().map(|x| x.to_num::<f64>()).collect();
    StepOutput {
        stake: f(&trace.stake),
        consensus: f(&trace.consensus),
        incentive: f(&trace.incentive),
        dividends: f(&trace.dividends),
        validator_trust: f(&trace.validator_trust),
        emission_share: f(&trace.normalized_combined_emission),
    }
}

/// The carried bonds cut or padded to `n` uids; a uid whose hotkey changed (deregistered and
/// replaced) starts without bonds, and nobody holds bonds on it.
fn carry_bonds(state: &mut ChainState, hotkeys: &[String], n: usize) {
    let replaced: Vec<u16> = (0..n.min(state.hotkeys.len()))
        .filter(|&i| {
            !state.hotkeys[i].is_empty() && !hotkeys[i].is_empty() && state.hotkeys[i] != hotkeys[i]
        })
        .map(|i| i as u16)
        .collect();
    state.bonds.resize(n, Vec::new());
    for (i, row) in state.bonds.iter_mut().enumerate() {
        if replaced.contains(&(i as u16)) {
            row.clear();
        }
        row.retain(|(j, _)| usize::from(*j) < n && !replaced.contains(j));
    }
}

/// Permits read by the epoch: the snapshot's where it records them, else the previous epoch's
/// new permits, else (first epoch) the chain's own rule on these stakes — top-k by stake, as
/// the epoch computes it.
fn permits(state: &ChainState, input: &StepInput, params: &EpochParams) -> Vec<bool> {
    let n = input.n();
    let mut base = match &state.permits {
        Some(p) => p.clone(),
        None => {
            let probe = EpochInput {
                subnet: SubnetSnapshot {
                    block: input.block,
                    alpha_stake: input.stake_rao.clone(),
                    validator_permit: vec![true; n],
                    ..SubnetSnapshot::default()
                },
                mechanism: MechanismSnapshot::default(),
                emission: 0,
            };
            epoch(&probe, params).validator_permit
        }
    };
    base.resize(n, false);
    for (slot, given) in base.iter_mut().zip(&input.permits) {
        if let Some(p) = given {
            *slot = *p;
        }
    }
    base
}

/// One research epoch on the raw weights and stakes.
fn research_epoch(
    state: &mut research::State,
    input: &StepInput,
    settings: &Settings,
    variant: research::Variant,
) -> StepOutput {
    let n = input.n();
    state.resize(n);
    let mut weights = vec![vec![0.0; n]; n];
    for (i, row) in input.weights_raw.iter().enumerate() {
        for (j, w) in row {
            weights[i][usize::from(*j)] = *w;
        }
    }
    let out = research::epoch(
        variant,
        &weights,
        &input.stake_raw,
        &config::knobs(settings),
        state,
    );
    let combined: Vec<f64> = out
        .incentive
        .iter()
        .zip(&out.dividends)
        .map(|(i, d)| i + d)
        .collect();
    let total: f64 = combined.iter().sum();
    StepOutput {
        emission_share: combined
            .iter()
            .map(|x| if total > 0.0 { x / total } else { 0.0 })
            .collect(),
        stake: out.stake,
        consensus: out.consensus,
        incentive: out.incentive,
        dividends: out.dividends,
        validator_trust: out.validator_trust,
    }
}

/// G = (D/S)_copier ÷ median over honest validators (setting weights, with stake; not the
/// copier nor a shifted uid) of D/S.
fn copier_g(
    input: &StepInput,
    output: &StepOutput,
    copier: usize,
    shifts: &[(u16, usize)],
) -> Option<f64> {
    let ratio = |i: usize| output.dividends[i] / output.stake[i];
    let honest: Vec<f64> = input
        .validators()
        .into_iter()
        .filter(|&i| i != copier && !shifts.iter().any(|(u, _)| usize::from(*u) == i))
        .filter(|&i| output.stake[i] > 0.0)
        .map(ratio)
        .collect();
    let median = median(honest)?;
    let g = ratio(copier) / median;
    g.is_finite().then_some(g)
}

fn push_rows(
    rows: &mut Vec<ReplayRow>,
    variant: &str,
    netuid: u16,
    t: usize,
    input: &StepInput,
    o: &StepOutput,
) {
    for uid in 0..input.n() {
        rows.push(ReplayRow {
            variant: variant.to_string(),
            snapshot: t as u64,
            block: input.block,
            netuid,
            uid: uid as u16,
            hotkey: input.hotkeys[uid].clone(),
            stake_weight: o.stake[uid],
            consensus: o.consensus[uid],
            incentive: o.incentive[uid],
            dividends: o.dividends[uid],
            validator_trust: o.validator_trust[uid],
            emission_share: o.emission_share[uid],
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A uid whose hotkey changed between snapshots was replaced: its bond row is cleared and
    /// nobody keeps bonds on it; bonds beyond a shrunk n are dropped.
    #[test]
    fn a_replaced_uid_starts_without_bonds() {
        let mut state = ChainState {
            bonds: vec![vec![(1, 10), (2, 20)], vec![(0, 5)], vec![(1, 7)]],
            hotkeys: vec!["a".into(), "b".into(), "c".into()],
            ..ChainState::default()
        };
        carry_bonds(&mut state, &["a".into(), "B".into()], 2);
        assert_eq!(state.bonds, vec![vec![], vec![]]);
        let mut kept = ChainState {
            bonds: vec![vec![(1, 10)], vec![(0, 5)]],
            hotkeys: vec!["a".into(), String::new()],
            ..ChainState::default()
        };
        carry_bonds(&mut kept, &["a".into(), "b".into()], 3);
        assert_eq!(kept.bonds, vec![vec![(1, 10)], vec![(0, 5)], vec![]]);
    }

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(vec![4.0, 1.0]), Some(2.5));
        assert_eq!(median(Vec::new()), None);
        assert_eq!(median_u64(vec![u64::MAX, u64::MAX - 2]), u64::MAX - 1);
        assert_eq!(median_u64(vec![3, 4]), 3);
    }
}
