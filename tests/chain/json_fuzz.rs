//! Fuzzing the `taosim epoch` JSON contract through the library: `parse_input`, then `epoch`,
//! `epoch_traced` and `write_output` on whatever it accepts.
//!
//! Inputs are (a) structurally valid documents with random and extreme values, (b) random
//! edits of such documents, (c) random text, and (d) valid documents with one targeted defect.
//! Invariants: nothing panics; an error is one line naming a field; an accepted document gives
//! vectors of length n, Σ emission ≤ input emission (floor shares, no slack), and an output
//! document that is JSON carrying exactly the values the epoch produced.

use crate::common;

use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Map, Value, json};
use taosim::chain::epoch::{EpochOutput, EpochTrace, epoch, epoch_traced};

use taosim::epoch_json::{InputError, TOTAL_SUPPLY, parse_input, write_output};

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Valid documents
// ---------------------------------------------------------------------------------------------

fn u64_value() -> impl Strategy<Value = u64> {
    prop_oneof![
        4 => 0u64..20_000,
        1 => Just(0),
        1 => Just(u64::MAX),
        1 => any::<u64>(),
    ]
}

fn u16_value() -> impl Strategy<Value = u16> {
    prop_oneof![
        Just(0u16),
        Just(1),
        Just(32_767),
        Just(u16::MAX),
        any::<u16>()
    ]
}

/// How a document's stakes are drawn: ordinary amounts; extremes (u64::MAX, any u64: stakes
/// beyond the 21e15 rao supply must be rejected naming the stake); or all zero.
#[derive(Clone, Copy, Debug)]
enum Stakes {
    Ordinary,
    Extreme,
    Zero,
}

fn stakes() -> impl Strategy<Value = Stakes> {
    prop_oneof![
        7 => Just(Stakes::Ordinary),
        2 => Just(Stakes::Extreme),
        1 => Just(Stakes::Zero),
    ]
}

/// An (ordinary, extreme) pair; the document's [`Stakes`] picks one.
fn stake_value() -> impl Strategy<Value = (u64, u64)> {
    let ordinary = prop_oneof![4 => 0u64..2_000_000_000_000, 1 => Just(0)];
    let extreme = prop_oneof![Just(u64::MAX), any::<u64>(), 0u64..2_000_000_000_000];
    (ordinary, extreme)
}

fn pick((ordinary, extreme): (u64, u64), mode: Stakes) -> u64 {
    match mode {
        Stakes::Ordinary => ordinary,
        Stakes::Extreme => extreme,
        Stakes::Zero => 0,
    }
}

/// A block number: `Ago(d)` is d blocks before the document's block (saturating), `At(b)` is
/// absolute. Relative blocks keep neurons active and weights current often enough.
#[derive(Clone, Copy, Debug)]
enum Block {
    Ago(u64),
    At(u64),
}

impl Block {
    fn resolve(self, block: u64) -> u64 {
        match self {
            Block::Ago(d) => block.saturating_sub(d),
            Block::At(b) => b,
        }
    }
}

fn block_ago(recent: std::ops::Range<u64>) -> impl Strategy<Value = Block> {
    prop_oneof![
        3 => recent.prop_map(Block::Ago),
        1 => u64_value().prop_map(Block::At),
    ]
}

/// Adds `key: value` to `object` when `value` is present.
fn put<T: Into<Value>>(object: &mut Map<String, Value>, key: &str, value: Option<T>) {
    if let Some(value) = value {
        object.insert(key.to_string(), value.into());
    }
}

/// An optional field: absent about a third of the time.
fn maybe<S: Strategy>(s: S) -> impl Strategy<Value = Option<S::Value>> {
    prop::option::weighted(0.7, s)
}

/// `params` with every field optional, extremes included (alpha_low > alpha_high, negative
/// steepness, moving average > 10⁶, no validators allowed, …).
fn params() -> impl Strategy<Value = Value> {
    let moving_average = prop_oneof![
        Just(0u64),
        0u64..=1_000_000,
        1_000_001u64..10_000_000,
        Just(u64::MAX),
        any::<u64>()
    ];
    let steepness = prop_oneof![
        Just(i16::MIN),
        Just(-1000i16),
        Just(0),
        Just(i16::MAX),
        any::<i16>()
    ];
    let max_validators = prop_oneof![Just(0u16), 0u16..16, any::<u16>()];
    let cutoff = prop_oneof![Just(0u32), Just(u32::MAX), 0u32..20_000, any::<u32>()];
    let threshold = prop_oneof![Just(0u64), 0u64..2_000_000_000_000, Just(u64::MAX)];
    (
        (
            maybe(prop_oneof![3 => 16_384u16..49_152, 1 => u16_value()]),
            maybe(u16_value()),
            maybe(moving_average),
            maybe(any::<bool>()),
            maybe(any::<bool>()),
            maybe(u16_value()),
            maybe(u16_value()),
        ),
        (
            maybe(steepness),
            maybe(max_validators),
            maybe(cutoff),
            maybe(threshold),
            maybe(u64_value()),
            maybe(any::<bool>()),
        ),
    )
        .prop_map(|((kappa, penalty, ema, y3, liquid, low, high), rest)| {
            let (steepness, max_validators, cutoff, threshold, tao, commit) = rest;
            let mut p = Map::new();
            put(&mut p, "kappa", kappa);
            put(&mut p, "bonds_penalty", penalty);
            put(&mut p, "bonds_moving_average", ema);
            put(&mut p, "yuma3", y3);
            put(&mut p, "liquid_alpha", liquid);
            put(&mut p, "alpha_low", low);
            put(&mut p, "alpha_high", high);
            put(&mut p, "alpha_sigmoid_steepness", steepness);
            put(&mut p, "max_allowed_validators", max_validators);
            put(&mut p, "activity_cutoff_factor_milli", cutoff);
            put(&mut p, "stake_threshold", threshold);
            put(&mut p, "tao_weight", tao);
            put(&mut p, "commit_reveal", commit);
            Value::Object(p)
        })
}

/// A weight or bond row with raw uids; [`fold_row`] brings them into range.
type RawRow = Vec<(u16, u16)>;

fn raw_row() -> impl Strategy<Value = RawRow> {
    prop::collection::vec((any::<u16>(), u16_value()), 0..16)
}

/// Uids modulo n, duplicates dropped, submission order (often non-ascending) kept.
fn fold_row(row: &RawRow, n: usize) -> Value {
    let mut seen = vec![false; n];
    let entries: Vec<Value> = row
        .iter()
        .map(|(uid, value)| (usize::from(*uid) % n, *value))
        .filter(|(uid, _)| !std::mem::replace(&mut seen[*uid], true))
        .map(|(uid, value)| json!([uid, value]))
        .collect();
    Value::Array(entries)
}

/// One neuron's fields before its rows are folded: (alpha, root, registered_at, last_update,
/// permit, weights, bonds, commit_block — absent, null or a block).
type RawNeuron = (
    (u64, u64),
    Option<(u64, u64)>,
    Block,
    Block,
    bool,
    Option<RawRow>,
    Option<RawRow>,
    Option<Option<Block>>,
);

fn raw_neuron() -> impl Strategy<Value = RawNeuron> {
    (
        stake_value(),
        maybe(stake_value()),
        block_ago(100..20_000),
        block_ago(0..300),
        prop::bool::weighted(0.7),
        maybe(raw_row()),
        maybe(raw_row()),
        maybe(maybe(block_ago(0..20_000))),
    )
}

fn neuron_json(raw: &RawNeuron, n: usize, block: u64, mode: Stakes) -> Value {
    let (alpha, root, registered_at, last_update, permit, weights, bonds, commit) = raw;
    let mut x = Map::new();
    x.insert("alpha_stake".into(), json!(pick(*alpha, mode)));
    put(&mut x, "root_stake", root.map(|r| pick(r, mode)));
    x.insert("registered_at".into(), json!(registered_at.resolve(block)));
    x.insert("last_update".into(), json!(last_update.resolve(block)));
    x.insert("validator_permit".into(), json!(permit));
    put(&mut x, "weights", weights.as_ref().map(|r| fold_row(r, n)));
    put(&mut x, "bonds", bonds.as_ref().map(|r| fold_row(r, n)));
    let commit = commit.map(|c| json!(c.map(|b| b.resolve(block))));
    put(&mut x, "commit_block", commit);
    Value::Object(x)
}

/// A structurally valid input document with `1..=max_n` neurons.
fn document(max_n: usize) -> impl Strategy<Value = Value> {
    let block = prop_oneof![
        4 => 0u64..30_000,
        1 => Just(0u64),
        1 => Just(u64::MAX),
        1 => any::<u64>(),
    ];
    let tempo = prop_oneof![Just(0u16), Just(u16::MAX), 1u16..400, any::<u16>()];
    let emission = prop_oneof![
        Just(0u64),
        Just(u64::MAX),
        0u64..10_000_000_000,
        any::<u64>()
    ];
    (
        (block, tempo, emission, maybe(block_ago(0..1_000))),
        maybe(maybe(any::<u16>())),
        maybe(params()),
        prop::collection::vec(raw_neuron(), 1..=max_n),
        stakes(),
    )
        .prop_map(|(head, owner, params, neurons, mode)| {
            let (block, tempo, emission, last_step) = head;
            let n = neurons.len();
            let mut doc = Map::new();
            doc.insert("block".into(), json!(block));
            doc.insert("tempo".into(), json!(tempo));
            doc.insert("emission".into(), json!(emission));
            put(
                &mut doc,
                "last_step_block",
                last_step.map(|b| b.resolve(block)),
            );
            let owner = owner.map(|o| o.map(|uid| usize::from(uid) % n));
            put(&mut doc, "owner_uid", owner.map(|o| json!(o)));
            put(&mut doc, "params", params);
            let neurons = neurons.iter().map(|x| neuron_json(x, n, block, mode));
            doc.insert("neurons".into(), Value::Array(neurons.collect()));
            Value::Object(doc)
        })
}

/// A valid document as text, compact or pretty.
fn document_text(max_n: usize) -> impl Strategy<Value = String> {
    (document(max_n), any::<bool>()).prop_map(|(doc, pretty)| {
        if pretty {
            serde_json::to_string_pretty(&doc).unwrap()
        } else {
            doc.to_string()
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

/// Longest error line (`one_line`'s cap plus an echoed path of at most 100 characters).
const ERROR_BOUND: usize = 1_000 + 102;

fn check_error(error: &InputError) -> Result<(), TestCaseError> {
    let line = error.to_string();
    prop_assert!(
        !line.chars().any(char::is_control),
        "error spans lines: {line:?}"
    );
    prop_assert!(error.path.chars().count() <= 100, "path not cut: {line:?}");
    prop_assert!(
        line.chars().count() <= ERROR_BOUND,
        "{} chars",
        line.chars().count()
    );
    // An unknown empty key is the one field whose name is empty.
    let empty_key = error.message.starts_with("unknown field ``");
    prop_assert!(
        !error.path.is_empty() || empty_key,
        "error names no field: {line:?}"
    );
    prop_assert!(!error.message.is_empty(), "error says nothing: {line:?}");
    Ok(())
}

/// Whether the document's alpha or root stakes add up to more than the supply cap.
fn exceeds_supply(text: &str) -> bool {
    let Ok(doc) = serde_json::from_str::<Value>(text) else {
        return false;
    };
    let total = |field: &str| -> u128 {
        doc["neurons"]
            .as_array()
            .map(|ns| {
                ns.iter()
                    .map(|x| u128::from(x[field].as_u64().unwrap_or(0)))
                    .sum()
            })
            .unwrap_or(0)
    };
    let supply = u128::from(TOTAL_SUPPLY);
    total("alpha_stake") > supply || total("root_stake") > supply
}

fn check_lengths(out: &EpochOutput, n: usize) -> Result<(), TestCaseError> {
    for (name, len) in common::output_lengths(out) {
        prop_assert_eq!(len, n, "output.{}", name);
    }
    Ok(())
}

fn check_trace_lengths(t: &EpochTrace, n: usize, yuma3: bool) -> Result<(), TestCaseError> {
    prop_assert_eq!(usize::from(t.n), n);
    let vectors = [
        ("inactive", t.inactive.len()),
        ("total_stake", t.total_stake.len()),
        ("filtered_stake", t.filtered_stake.len()),
        ("stake", t.stake.len()),
        ("validator_permits", t.validator_permits.len()),
        ("new_validator_permits", t.new_validator_permits.len()),
        ("active_stake", t.active_stake.len()),
        ("consensus", t.consensus.len()),
        ("validator_trust", t.validator_trust.len()),
        ("ranks", t.ranks.len()),
        ("incentive", t.incentive.len()),
        ("dividends", t.dividends.len()),
        ("combined_emission", t.combined_emission.len()),
        ("normalized_server", t.normalized_server_emission.len()),
        (
            "normalized_validator",
            t.normalized_validator_emission.len(),
        ),
        ("normalized_combined", t.normalized_combined_emission.len()),
        ("weights_loaded", t.weights_loaded.len()),
        ("weights_permit_masked", t.weights_permit_masked.len()),
        ("weights_diag_masked", t.weights_diag_masked.len()),
        ("weights_outdated_masked", t.weights_outdated_masked.len()),
        ("weights_commit_masked", t.weights_commit_masked.len()),
        ("weights", t.weights.len()),
        ("clipped_weights", t.clipped_weights.len()),
        ("weights_for_bonds", t.weights_for_bonds.len()),
        ("bonds_loaded", t.bonds_loaded.len()),
        ("bonds", t.bonds.len()),
        ("ema_bonds", t.ema_bonds.len()),
        ("ema_bonds_normalized", t.ema_bonds_normalized.len()),
    ];
    for (name, len) in vectors {
        prop_assert_eq!(len, n, "trace.{}", name);
    }
    // ΔB exists only in original Yuma.
    prop_assert_eq!(t.bonds_delta.len(), if yuma3 { 0 } else { n });
    Ok(())
}

fn sum(values: &[u64]) -> u128 {
    values.iter().map(|v| u128::from(*v)).sum()
}

fn check_emission(out: &EpochOutput, emission: u64) -> Result<(), TestCaseError> {
    let total = sum(&out.emission);
    prop_assert!(
        total <= u128::from(emission),
        "Σ emission {total} > {emission}"
    );
    let split = sum(&out.server_emission) + sum(&out.validator_emission);
    prop_assert!(
        split <= u128::from(emission),
        "Σ server + validator {split} > {emission}"
    );
    Ok(())
}

/// The written document is JSON and carries exactly the produced values.
fn check_written(out: &EpochOutput, trace: Option<&EpochTrace>) -> Result<(), TestCaseError> {
    let text = write_output(out, trace);
    let doc: Value = serde_json::from_str(&text)
        .map_err(|e| TestCaseError::fail(format!("output is not JSON ({e}): {text}")))?;
    let neurons = doc["neurons"].as_array().expect("neurons array");
    prop_assert_eq!(neurons.len(), out.emission.len());
    for (i, x) in neurons.iter().enumerate() {
        prop_assert_eq!(x.as_object().map(Map::len), Some(11), "neuron {}", i);
        prop_assert_eq!(x["active"].as_bool(), Some(out.active[i]));
        prop_assert_eq!(
            x["validator_permit"].as_bool(),
            Some(out.validator_permit[i])
        );
        let words = [
            ("stake_weight", out.stake_weight[i]),
            ("consensus", out.consensus[i]),
            ("incentive", out.incentive[i]),
            ("dividends", out.dividends[i]),
            ("validator_trust", out.validator_trust[i]),
        ];
        for (name, value) in words {
            prop_assert_eq!(x[name].as_u64(), Some(u64::from(value)), "{}[{}]", name, i);
        }
        let amounts = [
            ("server_emission", out.server_emission[i]),
            ("validator_emission", out.validator_emission[i]),
            ("emission", out.emission[i]),
        ];
        for (name, value) in amounts {
            prop_assert_eq!(x[name].as_u64(), Some(value), "{}[{}]", name, i);
        }
        let bonds: Vec<(u16, u16)> = serde_json::from_value(x["bonds"].clone())
            .map_err(|e| TestCaseError::fail(format!("bonds[{i}]: {e}")))?;
        prop_assert_eq!(&bonds, &out.bonds[i]);
    }
    match trace {
        Some(t) => {
            let written = doc["trace"].as_object().expect("trace object");
            prop_assert_eq!(written["n"].as_u64(), Some(u64::from(t.n)));
        }
        None => prop_assert!(doc.get("trace").is_none()),
    }
    Ok(())
}

/// Runs the whole contract on `text` and checks every invariant.
fn check_document(text: &str) -> Result<(), TestCaseError> {
    let (input, params) = match parse_input(text) {
        Ok(parsed) => parsed,
        Err(error) => return check_error(&error),
    };
    let n = input.subnet.alpha_stake.len();
    let out = epoch(&input, &params);
    let (traced, trace) = epoch_traced(&input, &params);
    prop_assert_eq!(&out, &traced, "tracing changed the result");
    check_lengths(&out, n)?;
    check_trace_lengths(&trace, n, params.yuma3)?;
    check_emission(&out, input.emission)?;
    check_written(&out, None)?;
    check_written(&traced, Some(&trace))
}

// ---------------------------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------------------------

/// Characters inserted by edits, backslashes included: escapes that put a line break or a
/// terminal escape into a key must still give one line (issue 12).
fn edit_char() -> impl Strategy<Value = char> {
    let json_chars: Vec<char> = "{}[],:\" 0123456789-+.eEtrufalsn_xyz\t\n\\"
        .chars()
        .collect();
    prop_oneof![
        3 => prop::sample::select(json_chars),
        1 => any::<char>(),
    ]
}

#[derive(Clone, Debug)]
enum Edit {
    Delete(Index),
    Insert(Index, char),
    Replace(Index, char),
    /// Random bytes, decoded lossily.
    Bytes(Index, Vec<u8>),
    /// Delete a span.
    Cut(Index, usize),
    /// Copy a span to another place.
    Copy(Index, usize, Index),
    Truncate(Index),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        3 => (any::<Index>()).prop_map(Edit::Delete),
        3 => (any::<Index>(), edit_char()).prop_map(|(i, c)| Edit::Insert(i, c)),
        3 => (any::<Index>(), edit_char()).prop_map(|(i, c)| Edit::Replace(i, c)),
        1 => (any::<Index>(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(i, b)| Edit::Bytes(i, b)),
        1 => (any::<Index>(), 1usize..40).prop_map(|(i, k)| Edit::Cut(i, k)),
        1 => (any::<Index>(), 1usize..40, any::<Index>()).prop_map(|(i, k, j)| Edit::Copy(i, k, j)),
        1 => any::<Index>().prop_map(Edit::Truncate),
    ]
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for edit in edits {
        let len = chars.len();
        let at = |i: &Index| if len == 0 { 0 } else { i.index(len) };
        let end = |i: &Index, k: usize| (at(i) + k).min(len);
        match edit {
            Edit::Delete(i) if len > 0 => {
                chars.remove(at(i));
            }
            Edit::Insert(i, c) => chars.insert(at(i), *c),
            Edit::Replace(i, c) if len > 0 => chars[at(i)] = *c,
            Edit::Bytes(i, bytes) => {
                let decoded = String::from_utf8_lossy(bytes).into_owned();
                let p = at(i);
                chars.splice(p..p, decoded.chars());
            }
            Edit::Cut(i, k) => {
                chars.drain(at(i)..end(i, *k));
            }
            Edit::Copy(i, k, j) => {
                let span: Vec<char> = chars[at(i)..end(i, *k)].to_vec();
                let p = at(j);
                chars.splice(p..p, span);
            }
            Edit::Truncate(i) => chars.truncate(at(i)),
            _ => {}
        }
    }
    chars.into_iter().collect()
}

// ---------------------------------------------------------------------------------------------
// Targeted defects
// ---------------------------------------------------------------------------------------------

const TOP_REQUIRED: [&str; 4] = ["block", "tempo", "emission", "neurons"];
const NEURON_REQUIRED: [&str; 4] = [
    "alpha_stake",
    "registered_at",
    "last_update",
    "validator_permit",
];
const TOP_U16: [&str; 1] = ["tempo"];
const PARAMS_U16: [&str; 6] = [
    "kappa",
    "bonds_penalty",
    "alpha_low",
    "alpha_high",
    "max_allowed_validators",
    "alpha_sigmoid_steepness",
];

/// The fragments of the row-length refusal (a row with more entries than uids is refused before
/// its entries are read).
fn too_long(i: usize, row: &str, k: usize, n: usize) -> Vec<String> {
    vec![
        format!("neurons[{i}].{row}: {} entries", k + 1),
        format!("more than the n = {n} uids"),
    ]
}

/// One defect injected into a valid document, with the fragments its error must contain.
#[derive(Clone, Debug)]
enum Defect {
    /// An unknown key at the top (None), in params (Some(None)) or in neuron i.
    UnknownKey(Option<Option<Index>>, String),
    /// A required field removed from the top (None) or from neuron i.
    Missing(Option<Index>, Index),
    /// A weight (or bond) uid ≥ n appended to neuron i's row.
    UidOutOfRange(Index, bool, u16),
    /// A duplicate of the row's first uid appended to neuron i's row.
    DuplicateUid(Index, bool),
    /// A u16 field (or i16 steepness) set out of range.
    OutOfRange(Index, i64),
    /// `owner_uid` ≥ n.
    Owner(u16),
    /// No neurons.
    Empty,
}

fn defect() -> impl Strategy<Value = Defect> {
    let scope = prop_oneof![
        Just(None),
        Just(Some(None)),
        any::<Index>().prop_map(|i| Some(Some(i)))
    ];
    let out_of_range = prop_oneof![65_536i64..1_000_000, Just(-1), Just(-40_000)];
    prop_oneof![
        (scope, "[a-z_]{1,12}").prop_map(|(s, k)| Defect::UnknownKey(s, k)),
        (maybe(any::<Index>()), any::<Index>()).prop_map(|(s, f)| Defect::Missing(s, f)),
        (any::<Index>(), any::<bool>(), any::<u16>())
            .prop_map(|(i, b, u)| Defect::UidOutOfRange(i, b, u)),
        (any::<Index>(), any::<bool>()).prop_map(|(i, b)| Defect::DuplicateUid(i, b)),
        (any::<Index>(), out_of_range).prop_map(|(f, v)| Defect::OutOfRange(f, v)),
        any::<u16>().prop_map(Defect::Owner),
        Just(Defect::Empty),
    ]
}

/// Injects `defect` into `doc`; returns the fragments the error line must contain, or None
/// when the defect does not apply to this document (e.g. an unknown key that is a real one).
fn inject(doc: &mut Value, defect: &Defect) -> Option<Vec<String>> {
    let n = doc["neurons"].as_array().map_or(0, Vec::len);
    match defect {
        Defect::UnknownKey(scope, key) => {
            let (target, path) = match scope {
                None => (doc.as_object_mut()?, key.clone()),
                Some(None) => {
                    if doc.get("params").is_none() {
                        doc["params"] = json!({});
                    }
                    (doc["params"].as_object_mut()?, format!("params.{key}"))
                }
                Some(Some(i)) => {
                    let i = i.index(n);
                    let target = doc["neurons"][i].as_object_mut()?;
                    (target, format!("neurons[{i}].{key}"))
                }
            };
            if target.contains_key(key) || is_known_key(key) {
                return None;
            }
            target.insert(key.clone(), json!(1));
            Some(vec![path, "unknown field".into()])
        }
        Defect::Missing(None, f) => {
            let field = f.get(&TOP_REQUIRED);
            doc.as_object_mut()?.remove(*field);
            Some(vec!["input".into(), format!("`{field}`")])
        }
        Defect::Missing(Some(i), f) => {
            let (i, field) = (i.index(n), f.get(&NEURON_REQUIRED));
            doc["neurons"][i].as_object_mut()?.remove(*field);
            Some(vec![format!("neurons[{i}]"), format!("`{field}`")])
        }
        Defect::UidOutOfRange(i, bonds, uid) => {
            let uid = usize::from(*uid).max(n);
            if uid > usize::from(u16::MAX) {
                return None;
            }
            let (i, row) = (i.index(n), if *bonds { "bonds" } else { "weights" });
            let k = push_entry(&mut doc["neurons"][i], row, uid);
            if k >= n {
                return Some(too_long(i, row, k, n));
            }
            Some(vec![
                format!("neurons[{i}].{row}[{k}]"),
                format!("uid {uid} out of range (n = {n})"),
            ])
        }
        Defect::DuplicateUid(i, bonds) => {
            let (i, row) = (i.index(n), if *bonds { "bonds" } else { "weights" });
            let first = doc["neurons"][i][row][0][0].as_u64()?;
            let k = push_entry(&mut doc["neurons"][i], row, first as usize);
            if k >= n {
                return Some(too_long(i, row, k, n));
            }
            Some(vec![
                format!("neurons[{i}].{row}[{k}]"),
                format!("duplicate uid {first}"),
            ])
        }
        Defect::OutOfRange(f, value) => {
            let k = f.index(TOP_U16.len() + PARAMS_U16.len());
            if k < TOP_U16.len() {
                doc[TOP_U16[k]] = json!(value);
                return Some(vec![TOP_U16[k].into()]);
            }
            let field = PARAMS_U16[k - TOP_U16.len()];
            if field == "alpha_sigmoid_steepness" && i16::try_from(*value).is_ok() {
                return None;
            }
            if doc.get("params").is_none() {
                doc["params"] = json!({});
            }
            doc["params"][field] = json!(value);
            Some(vec![format!("params.{field}")])
        }
        Defect::Owner(uid) => {
            let uid = usize::from(*uid).max(n);
            doc["owner_uid"] = json!(uid);
            Some(vec!["owner_uid".into(), format!("uid {uid} out of range")])
        }
        Defect::Empty => {
            doc["neurons"] = json!([]);
            Some(vec!["neurons".into()])
        }
    }
}

fn is_known_key(key: &str) -> bool {
    let params = [
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
    let top = ["last_step_block", "owner_uid", "params"];
    let neuron = ["root_stake", "weights", "bonds", "commit_block"];
    TOP_REQUIRED
        .iter()
        .chain(&NEURON_REQUIRED)
        .chain(&params)
        .chain(&top)
        .chain(&neuron)
        .any(|k| *k == key)
}

/// Appends `[uid, 1]` to the neuron's row (creating it); returns the entry's index.
fn push_entry(neuron: &mut Value, row: &str, uid: usize) -> usize {
    if neuron.get(row).is_none() {
        neuron[row] = json!([]);
    }
    let entries = neuron[row].as_array_mut().expect("row array");
    entries.push(json!([uid, 1]));
    entries.len() - 1
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn valid_documents_run_within_the_contract(text in document_text(12)) {
        match parse_input(&text) {
            Err(e) if exceeds_supply(&text) => prop_assert!(e.message.contains("supply"), "{}", e),
            parsed => prop_assert!(parsed.is_ok(), "valid document rejected: {}", text),
        }
        check_document(&text)?;
    }

    #[test]
    fn edited_documents_never_panic(
        text in document_text(6),
        edits in prop::collection::vec(edit(), 1..4),
    ) {
        check_document(&apply(&text, &edits))?;
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn random_text_never_panics(text in any::<String>()) {
        check_document(&text)?;
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        check_document(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn targeted_defects_are_rejected_naming_the_field(
        mut doc in document(8),
        defect in defect(),
    ) {
        let Some(fragments) = inject(&mut doc, &defect) else {
            return Ok(());
        };
        let text = doc.to_string();
        if exceeds_supply(&text) {
            return Ok(());
        }
        let error = match parse_input(&text) {
            Ok(_) => return Err(TestCaseError::fail(format!("accepted {defect:?}: {text}"))),
            Err(error) => error,
        };
        check_error(&error)?;
        let line = error.to_string();
        for fragment in &fragments {
            prop_assert!(line.contains(fragment.as_str()), "{:?} not in {:?}", fragment, line);
        }
    }
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn large_documents_run_within_the_contract(text in document_text(64)) {
        check_document(&text)?;
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]

    fn unknown_keys_give_one_line_errors(key in key_with_line_break(), scope in 0usize..3) {
        let mut doc = json!({"block": 1, "tempo": 1, "emission": 1, "params": {}, "neurons": [
            {"alpha_stake": 1, "registered_at": 0, "last_update": 0, "validator_permit": true}
        ]});
        let target = match scope {
            0 => &mut doc,
            1 => &mut doc["params"],
            _ => &mut doc["neurons"][0],
        };
        if is_known_key(&key) || target.get(&key).is_some() {
            return Ok(());
        }
        target[&key] = json!(1);
        let result = parse_input(&doc.to_string());
        prop_assert!(result.is_err(), "unknown key {:?} accepted", key);
        if let Err(error) = result {
            check_error(&error)?;
        }
    }

    #[test]

    fn text_after_the_document_is_rejected(text in document_text(4), tail in "[^ \t\r\n]\\PC{0,8}") {
        let text = format!("{text}{tail}");
        prop_assert!(parse_input(&text).is_err(), "accepted trailing {:?}", tail);
    }
}

/// Any key, often with a line break inside.
fn key_with_line_break() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), "[a-z]{0,4}[\n\r][a-z]{0,4}"]
}

/// Stakes beyond the supply cap (here two u64::MAX stakes, whose I64F64 sum would saturate and
/// let the stake-fallback emission exceed the input) are rejected, naming the first stake that
/// crosses the cap.
#[test]
fn stakes_beyond_the_supply_are_rejected() {
    let text = r#"{"block": 100000, "tempo": 1, "emission": 1000, "neurons": [
        {"alpha_stake": 18446744073709551615, "registered_at": 0, "last_update": 0,
         "validator_permit": true},
        {"alpha_stake": 18446744073709551615, "registered_at": 0, "last_update": 0,
         "validator_permit": true}
    ]}"#;
    let Err(error) = parse_input(text) else {
        panic!("a stake beyond the supply must be rejected");
    };
    assert_eq!(error.path, "neurons[0].alpha_stake");
    assert!(error.message.contains("supply"), "{error}");
}

// ---------------------------------------------------------------------------------------------
// Chain limits and hostile keys (issue 12 part 5)
// ---------------------------------------------------------------------------------------------

fn neurons_document(n: usize) -> String {
    let neuron = json!({"alpha_stake": 1, "registered_at": 0, "last_update": 0,
        "validator_permit": true});
    json!({"block": 1, "tempo": 1, "emission": 1, "neurons": vec![neuron; n]}).to_string()
}

/// A subnet holds at most 4 096 uids (`MAX_UIDS_PER_SUBNET`): beyond it the input is refused
/// before the epoch allocates its (permitted uids × n) median buffer.
#[test]
fn uids_beyond_a_subnet_are_refused_at_the_limit() {
    assert!(parse_input(&neurons_document(4_096)).is_ok());
    let Err(error) = parse_input(&neurons_document(4_097)) else {
        panic!("4 097 neurons accepted");
    };
    assert_eq!(error.path, "neurons");
    assert!(error.message.contains("at most 4096"), "{error}");
}

/// The chain refuses a weight row longer than the subnet (`check_len_uids_within_allowed`);
/// the count is checked before the row's uids.
#[test]
fn rows_longer_than_n_are_refused() {
    let mut doc: Value = serde_json::from_str(&neurons_document(2)).unwrap();
    doc["neurons"][0]["weights"] = json!([[0, 1], [1, 1], [0, 1]]);
    let Err(error) = parse_input(&doc.to_string()) else {
        panic!("a row of 3 entries accepted with n = 2");
    };
    assert_eq!(error.path, "neurons[0].weights");
    assert!(error.message.contains("3 entries"), "{error}");
}

/// Keys and values of any length and content: the error echoes them one line, cut.
fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        (
            "\\PC{0,3}",
            "[\n\r\u{1b}\u{2028}\u{202e}`\"]{1,3}",
            1usize..5_000
        )
            .prop_map(|(a, b, k)| format!("{a}{b}").repeat(k)),
    ]
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn hostile_keys_and_values_give_one_short_line(
        text in hostile_text(),
        as_key in any::<bool>(),
        scope in 0usize..3,
    ) {
        let mut doc: Value = serde_json::from_str(&neurons_document(1)).unwrap();
        let target = match scope {
            0 => &mut doc,
            1 => &mut doc["neurons"][0],
            _ => &mut doc["block"],
        };
        match (as_key, target.as_object_mut()) {
            (true, Some(object)) if !is_known_key(&text) => {
                object.insert(text, json!(1));
            }
            _ => *target = json!(text),
        }
        if let Err(error) = parse_input(&doc.to_string()) {
            check_error(&error)?;
        }
    }
}
