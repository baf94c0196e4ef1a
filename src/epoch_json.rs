//! The `taosim epoch` JSON contract: one epoch of one subnet, JSON in, JSON out.
//!
//! Raw serde structs (`deny_unknown_fields`) are parsed with the path of any error, then
//! validated into [`EpochInput`] + [`EpochParams`], which cannot be invalid. Output is one
//! object per neuron in input order; with a trace, every intermediate of the epoch is added,
//! fixed-point values written as exact decimal numbers (the fixed type's own `Display`, which
//! round-trips).
//!
//! Required fields: `block`, `tempo`, `emission`, `neurons`, and per neuron `alpha_stake`,
//! `registered_at`, `last_update`, `validator_permit`. Optional: `last_step_block` (0),
//! `owner_uid` (null), every `params` field (subtensor HEAD defaults, [`EpochParams::default`]),
//! per neuron `root_stake` (0), `weights` and `bonds` (empty), `commit_block` (null).
//!
//! Limits follow the chain and bound the epoch's memory (see [`MAX_UIDS_PER_SUBNET`]): at most
//! 4096 neurons, weight and bond rows of at most n entries, at most [`MAX_INPUT_BYTES`] of
//! text. Errors are one line, input echoed short ([`crate::echo`]).
//!
//! May depend on: `chain`, `echo`, serde, serde_json, serde_path_to_error.

use crate::chain::epoch::{
    EpochInput, EpochOutput, EpochParams, EpochTrace, MAX_UIDS_PER_SUBNET, MechanismSnapshot,
    SubnetSnapshot,
};
use crate::chain::types::SparseMatrix;
use crate::echo::{echo, one_line};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// A rejected input: the field path and what is wrong with it.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct InputError {
    /// JSON path of the offending field, e.g. `neurons[2].weights[0]`.
    pub path: String,
    /// What is wrong, e.g. `uid 7 out of range (n = 5)`.
    pub message: String,
}

impl InputError {
    /// An error at `path`: the path is echoed input (keys) and the message may quote input, so
    /// both are made one line and cut (see [`crate::echo`]).
    fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        InputError {
            path: echo(&path.into()),
            message: one_line(&message.into()),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInput {
    block: u64,
    tempo: u16,
    emission: u64,
    #[serde(default)]
    last_step_block: u64,
    #[serde(default)]
    owner_uid: Option<u16>,
    #[serde(default)]
    params: RawParams,
    neurons: Vec<RawNeuron>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawParams {
    // Keep in step with `PARAM_NAMES`.
    kappa: Option<u16>,
    bonds_penalty: Option<u16>,
    bonds_moving_average: Option<u64>,
    yuma3: Option<bool>,
    liquid_alpha: Option<bool>,
    alpha_low: Option<u16>,
    alpha_high: Option<u16>,
    alpha_sigmoid_steepness: Option<i16>,
    max_allowed_validators: Option<u16>,
    activity_cutoff_factor_milli: Option<u32>,
    stake_threshold: Option<u64>,
    tao_weight: Option<u64>,
    commit_reveal: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNeuron {
    alpha_stake: u64,
    #[serde(default)]
    root_stake: u64,
    registered_at: u64,
    last_update: u64,
    validator_permit: bool,
    #[serde(default)]
    weights: Vec<(u16, u16)>,
    #[serde(default)]
    bonds: Vec<(u16, u16)>,
    #[serde(default)]
    commit_block: Option<u64>,
}

/// The names of the `params` object, in the order of [`EpochParams`]'s fields: the chain's
/// hyperparameters an epoch reads (`taosim replay` accepts the same names).
pub const PARAM_NAMES: [&str; 13] = [
    "kappa",
    "bonds_penalty",
    "bonds_moving_average",
    "yuma3",
    "liquid_alpha",
    "alpha_low",
    "alpha_high",
    "alpha_sigmoid_steepness",
    "max_allowed_validators",
    "activity_cutoff_factor_milli",
    "stake_threshold",
    "tao_weight",
    "commit_reveal",
];

/// Parses a `params` object (a JSON object whose keys are [`PARAM_NAMES`]; missing ones take
/// [`EpochParams::default`]). An error names the key: `params.kappa: invalid type ...`.
pub fn parse_params(value: &serde_json::Value) -> Result<EpochParams, InputError> {
    if !value.is_object() {
        return Err(InputError::new("params", "expected a JSON object"));
    }
    let raw: RawParams = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let path = match path.as_str() {
            "" | "." | "?" => "params".to_string(),
            _ => format!("params.{path}"),
        };
        InputError::new(path, e.inner().to_string())
    })?;
    Ok(to_params(&raw))
}

/// Largest epoch input read, bytes (1 GiB): a subnet of [`MAX_UIDS_PER_SUBNET`] uids with
/// every weight and bond row full, written compactly, is about 440 MB.
pub const MAX_INPUT_BYTES: u64 = 1 << 30;

/// The TAO supply cap, rao: no subnet can hold more alpha, nor root more TAO.
pub const TOTAL_SUPPLY: u64 = 21_000_000_000_000_000;

/// Parses and validates an epoch input document.
pub fn parse_input(text: &str) -> Result<(EpochInput, EpochParams), InputError> {
    let deserializer = &mut serde_json::Deserializer::from_str(text);
    let raw: RawInput = serde_path_to_error::deserialize(&mut *deserializer).map_err(|e| {
        let path = e.path().to_string();
        let path = match path.as_str() {
            "" | "." | "?" => "input".to_string(),
            _ => path.replace(".?", ""),
        };
        InputError::new(path, e.inner().to_string())
    })?;
    deserializer
        .end()
        .map_err(|e| InputError::new("input", format!("{e} after the document")))?;
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| InputError::new("input", e.to_string()))?;
    require_objects(&value)?;
    validate(&raw)?;
    Ok((to_input(&raw), to_params(&raw.params)))
}

/// The document, `params` and every neuron must be JSON objects (serde would also accept a
/// struct written as an array of its fields).
fn require_objects(value: &serde_json::Value) -> Result<(), InputError> {
    let must_be_object = |v: &serde_json::Value, path: &str| match v {
        serde_json::Value::Object(_) => Ok(()),
        _ => Err(InputError::new(path, "expected a JSON object")),
    };
    must_be_object(value, "input")?;
    if let Some(params) = value.get("params") {
        must_be_object(params, "params")?;
    }
    if let Some(serde_json::Value::Array(neurons)) = value.get("neurons") {
        for (i, neuron) in neurons.iter().enumerate() {
            must_be_object(neuron, &format!("neurons[{i}]"))?;
        }
    }
    Ok(())
}

fn validate(raw: &RawInput) -> Result<(), InputError> {
    let n = raw.neurons.len();
    if n == 0 {
        return Err(InputError::new("neurons", "must not be empty"));
    }
    if n > usize::from(MAX_UIDS_PER_SUBNET) {
        return Err(InputError::new(
            "neurons",
            format!("at most {MAX_UIDS_PER_SUBNET} neurons (uids per subnet), got {n}"),
        ));
    }
    if let Some(owner) = raw.owner_uid
        && usize::from(owner) >= n
    {
        return Err(InputError::new(
            "owner_uid",
            format!("uid {owner} out of range (n = {n})"),
        ));
    }
    validate_supply(&raw.neurons, "alpha_stake", |x| x.alpha_stake)?;
    validate_supply(&raw.neurons, "root_stake", |x| x.root_stake)?;
    for (i, neuron) in raw.neurons.iter().enumerate() {
        validate_row(&neuron.weights, n, &format!("neurons[{i}].weights"))?;
        validate_row(&neuron.bonds, n, &format!("neurons[{i}].bonds"))?;
    }
    Ok(())
}

/// Stakes cannot add up to more than the supply cap (the chain's own arithmetic assumes it).
fn validate_supply(
    neurons: &[RawNeuron],
    field: &str,
    stake: impl Fn(&RawNeuron) -> u64,
) -> Result<(), InputError> {
    let mut total: u64 = 0;
    for (i, neuron) in neurons.iter().enumerate() {
        total = total.saturating_add(stake(neuron));
        if total > TOTAL_SUPPLY {
            return Err(InputError::new(
                format!("neurons[{i}].{field}"),
                format!("stakes add up to more than the {TOTAL_SUPPLY} rao supply"),
            ));
        }
    }
    Ok(())
}

/// A row holds at most n entries (the chain refuses longer weights:
/// `check_len_uids_within_allowed`), each a uid < n, none twice.
///
/// Source: subtensor pallets/subtensor/src/subnets/weights.rs::check_len_uids_within_allowed
fn validate_row(row: &[(u16, u16)], n: usize, path: &str) -> Result<(), InputError> {
    if row.len() > n {
        return Err(InputError::new(
            path,
            format!("{} entries, more than the n = {n} uids", row.len()),
        ));
    }
    let mut seen = BTreeSet::new();
    for (k, (uid, _)) in row.iter().enumerate() {
        if usize::from(*uid) >= n {
            return Err(InputError::new(
                format!("{path}[{k}]"),
                format!("uid {uid} out of range (n = {n})"),
            ));
        }
        if !seen.insert(*uid) {
            return Err(InputError::new(
                format!("{path}[{k}]"),
                format!("duplicate uid {uid} in the row"),
            ));
        }
    }
    Ok(())
}

fn to_input(raw: &RawInput) -> EpochInput {
    let neurons = &raw.neurons;
    EpochInput {
        subnet: SubnetSnapshot {
            block: raw.block,
            tempo: raw.tempo,
            last_step_block: raw.last_step_block,
            owner_uid: raw.owner_uid,
            alpha_stake: neurons.iter().map(|x| x.alpha_stake).collect(),
            root_stake: neurons.iter().map(|x| x.root_stake).collect(),
            registered_at: neurons.iter().map(|x| x.registered_at).collect(),
            validator_permit: neurons.iter().map(|x| x.validator_permit).collect(),
        },
        mechanism: MechanismSnapshot {
            last_update: neurons.iter().map(|x| x.last_update).collect(),
            weights: neurons.iter().map(|x| x.weights.clone()).collect(),
            bonds: neurons.iter().map(|x| x.bonds.clone()).collect(),
            commit_block: neurons
                .iter()
                .map(|x| x.commit_block.unwrap_or(u64::MAX))
                .collect(),
        },
        emission: raw.emission,
    }
}

fn to_params(raw: &RawParams) -> EpochParams {
    let d = EpochParams::default();
    EpochParams {
        kappa: raw.kappa.unwrap_or(d.kappa),
        bonds_penalty: raw.bonds_penalty.unwrap_or(d.bonds_penalty),
        bonds_moving_average: raw.bonds_moving_average.unwrap_or(d.bonds_moving_average),
        yuma3: raw.yuma3.unwrap_or(d.yuma3),
        liquid_alpha: raw.liquid_alpha.unwrap_or(d.liquid_alpha),
        alpha_low: raw.alpha_low.unwrap_or(d.alpha_low),
        alpha_high: raw.alpha_high.unwrap_or(d.alpha_high),
        alpha_sigmoid_steepness: raw
            .alpha_sigmoid_steepness
            .unwrap_or(d.alpha_sigmoid_steepness),
        max_allowed_validators: raw
            .max_allowed_validators
            .unwrap_or(d.max_allowed_validators),
        activity_cutoff_factor_milli: raw
            .activity_cutoff_factor_milli
            .unwrap_or(d.activity_cutoff_factor_milli),
        stake_threshold: raw.stake_threshold.unwrap_or(d.stake_threshold),
        tao_weight: raw.tao_weight.unwrap_or(d.tao_weight),
        commit_reveal: raw.commit_reveal.unwrap_or(d.commit_reveal),
    }
}

/// One neuron of the output, in the contract's field order.
#[derive(Serialize)]
struct NeuronOut<'a> {
    active: bool,
    validator_permit: bool,
    stake_weight: u16,
    consensus: u16,
    incentive: u16,
    dividends: u16,
    validator_trust: u16,
    server_emission: u64,
    validator_emission: u64,
    emission: u64,
    bonds: &'a [(u16, u16)],
}

/// Writes the output document: `{"neurons": [...]}` with one neuron per line, plus
/// `"trace": {...}` (one field per line) when a trace is given.
pub fn write_output(output: &EpochOutput, trace: Option<&EpochTrace>) -> String {
    let mut s = String::from("{\"neurons\": [\n");
    let n = output.emission.len();
    for i in 0..n {
        let neuron = NeuronOut {
            active: output.active[i],
            validator_permit: output.validator_permit[i],
            stake_weight: output.stake_weight[i],
            consensus: output.consensus[i],
            incentive: output.incentive[i],
            dividends: output.dividends[i],
            validator_trust: output.validator_trust[i],
            server_emission: output.server_emission[i],
            validator_emission: output.validator_emission[i],
            emission: output.emission[i],
            bonds: &output.bonds[i],
        };
        let line = serde_json::to_string(&neuron).unwrap_or_default();
        let sep = if i + 1 < n { "," } else { "" };
        let _ = writeln!(s, "  {line}{sep}");
    }
    s.push(']');
    if let Some(trace) = trace {
        s.push_str(",\n\"trace\": {\n");
        s.push_str(&trace_fields(trace).join(",\n"));
        s.push_str("\n}");
    }
    s.push_str("}\n");
    s
}

fn trace_fields(t: &EpochTrace) -> Vec<String> {
    let field = |name: &str, value: String| format!("  \"{name}\": {value}");
    vec![
        field("n", t.n.to_string()),
        field("activity_cutoff", t.activity_cutoff.to_string()),
        field("inactive", json_bools(&t.inactive)),
        field("total_stake", json_fixed(&t.total_stake)),
        field("filtered_stake", json_fixed(&t.filtered_stake)),
        field("stake", json_fixed(&t.stake)),
        field("validator_permits", json_bools(&t.validator_permits)),
        field(
            "new_validator_permits",
            json_bools(&t.new_validator_permits),
        ),
        field("active_stake", json_fixed(&t.active_stake)),
        field("weights_loaded", json_matrix(&t.weights_loaded)),
        field(
            "weights_permit_masked",
            json_matrix(&t.weights_permit_masked),
        ),
        field("weights_diag_masked", json_matrix(&t.weights_diag_masked)),
        field(
            "weights_outdated_masked",
            json_matrix(&t.weights_outdated_masked),
        ),
        field(
            "weights_commit_masked",
            json_matrix(&t.weights_commit_masked),
        ),
        field("weights", json_matrix(&t.weights)),
        field("consensus", json_fixed(&t.consensus)),
        field("clipped_weights", json_matrix(&t.clipped_weights)),
        field("validator_trust", json_fixed(&t.validator_trust)),
        field("ranks", json_fixed(&t.ranks)),
        field("incentive", json_fixed(&t.incentive)),
        field("weights_for_bonds", json_matrix(&t.weights_for_bonds)),
        field("last_tempo", t.last_tempo.to_string()),
        field("bonds_loaded", json_matrix(&t.bonds_loaded)),
        field("bonds", json_matrix(&t.bonds)),
        field("bonds_delta", json_matrix(&t.bonds_delta)),
        field("ema_bonds", json_matrix(&t.ema_bonds)),
        field("ema_bonds_normalized", json_matrix(&t.ema_bonds_normalized)),
        field("dividends", json_fixed(&t.dividends)),
        field("combined_emission", json_fixed(&t.combined_emission)),
        field(
            "normalized_server_emission",
            json_fixed(&t.normalized_server_emission),
        ),
        field(
            "normalized_validator_emission",
            json_fixed(&t.normalized_validator_emission),
        ),
        field(
            "normalized_combined_emission",
            json_fixed(&t.normalized_combined_emission),
        ),
    ]
}

fn json_bools(v: &[bool]) -> String {
    let items: Vec<&str> = v
        .iter()
        .map(|b| if *b { "true" } else { "false" })
        .collect();
    format!("[{}]", items.join(","))
}

/// Fixed-point values printed with their exact `Display` (a valid JSON number).
fn json_fixed<T: std::fmt::Display>(v: &[T]) -> String {
    let items: Vec<String> = v.iter().map(ToString::to_string).collect();
    format!("[{}]", items.join(","))
}

fn json_matrix(m: &SparseMatrix) -> String {
    let rows: Vec<String> = m
        .iter()
        .map(|row| {
            let entries: Vec<String> = row.iter().map(|(j, v)| format!("[{j},{v}]")).collect();
            format!("[{}]", entries.join(","))
        })
        .collect();
    format!("[{}]", rows.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every name of [`PARAM_NAMES`] is a field of the `params` object (a wrong type is a type
    /// error, not an unknown field), and other names are refused.
    #[test]
    fn param_names_are_the_params_fields() {
        for name in PARAM_NAMES {
            let e = parse_params(&serde_json::json!({ name: "x" })).unwrap_err();
            assert!(e.message.contains("invalid type"), "{name}: {e}");
        }
        let e = parse_params(&serde_json::json!({"kapa": 1})).unwrap_err();
        assert!(e.message.contains("unknown field"), "{e}");
        assert_eq!(
            parse_params(&serde_json::json!({})).unwrap(),
            EpochParams::default()
        );
    }
}
