//! The metagraph snapshot and series format (`schemas/snapshot.schema.json`): JSON files in,
//! a validated [`Series`] out, or one [`LoadError`] line naming the file, the snapshot index
//! and the field.
//!
//! A snapshot is `{"netuid", "block", "neurons": [{"uid", "hotkey"?, "stake_tao" | "stake_rao",
//! "weights"?: [[uid, value], ...], "validator_permit"?, "bonds"?: [[uid, u16], ...]}],
//! "hyperparameters"?}`; other fields are descriptive and ignored. A series is one file
//! `{"netuid"?, "params"?, "snapshots": [snapshot, ...]}` or several snapshot files in block
//! order. Weight values are any non-negative numbers: each row is kept raw (the research
//! variants read it, as the peer does) and as the chain stores it — scaled by the SDK's
//! `round(w / max · 65535)`, zeros dropped, then the chain's `vec_u16_max_upscale_to_u16`.
//!
//! Scenarios read it too: a subnet's `genesis: {snapshot: FILE}` is one snapshot file
//! ([`load_one`]), validated by the same code.
//!
//! May depend on: `chain::math` (the weight upscale), `echo`, serde, serde_json,
//! serde_path_to_error.

use crate::chain::math::vec_u16_max_upscale_to_u16;
use crate::echo::{echo, one_line};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::path::Path;

/// Largest snapshot or series file read, bytes (1 GiB, as `taosim epoch`).
pub const MAX_FILE_BYTES: u64 = crate::epoch_json::MAX_INPUT_BYTES;

/// A rejected input: `file: snapshot k: field: message` (the snapshot part when there is one).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {}{field}: {message}", .snapshot.map(|k| format!("snapshot {k}: ")).unwrap_or_default())]
pub struct LoadError {
    /// The file (echoed), or the command-line option at fault.
    pub file: String,
    /// The 0-based snapshot index in the series, if the error is inside one.
    pub snapshot: Option<usize>,
    /// The field path inside the snapshot (`neurons[3].weights[0]`) or the file.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl LoadError {
    /// An error in `file` (echoed) at `field` of snapshot `snapshot`.
    pub fn new(
        file: &str,
        snapshot: Option<usize>,
        field: &str,
        message: impl Into<String>,
    ) -> Self {
        LoadError {
            file: echo(file),
            snapshot,
            field: echo(field),
            message: one_line(&message.into()),
        }
    }
}

/// One uid of a snapshot.
#[derive(Clone, Debug, PartialEq)]
pub struct Neuron {
    /// The hotkey, when known.
    pub hotkey: Option<String>,
    /// Stake, rao (`stake_rao`, else `stake_tao` · 10⁹ rounded).
    pub stake_rao: u64,
    /// Stake in TAO as given (`stake_tao`, else `stake_rao` / 10⁹): what the research variants
    /// normalise.
    pub stake_raw: f64,
    /// The weight row as given, `(uid, value ≥ 0)`, zeros kept.
    pub weights_raw: Vec<(u16, f64)>,
    /// The weight row as the chain stores it (u16, row maximum 65535, zeros dropped), in the
    /// given order.
    pub weights: Vec<(u16, u16)>,
    /// `validator_permit`, when the snapshot records it.
    pub validator_permit: Option<bool>,
    /// Stored bonds, when the snapshot records them (chain storage, u16).
    pub bonds: Option<Vec<(u16, u16)>>,
}

/// One metagraph at one block: neurons indexed by uid (0..n).
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    /// The subnet.
    pub netuid: u16,
    /// The block of the snapshot.
    pub block: u64,
    /// Neurons by uid.
    pub neurons: Vec<Neuron>,
    /// The snapshot's recorded hyperparameters (an object; empty when absent or null).
    pub hyperparameters: Map<String, Value>,
}

/// Snapshots of one subnet in block order, with the series' `params`.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// The series' name: the file stem of its (first) file.
    pub name: String,
    /// The subnet.
    pub netuid: u16,
    /// `params` of a series file (empty otherwise).
    pub params: Map<String, Value>,
    /// The snapshots; at least one.
    pub snapshots: Vec<Snapshot>,
    /// For each snapshot, the file it came from (for messages).
    pub files: Vec<String>,
}

#[derive(Deserialize)]
struct RawSnapshot {
    netuid: u16,
    block: u64,
    neurons: Vec<RawNeuron>,
    #[serde(default)]
    hyperparameters: Option<Map<String, Value>>,
}

#[derive(Deserialize)]
struct RawNeuron {
    uid: u16,
    #[serde(default)]
    hotkey: Option<String>,
    #[serde(default)]
    stake_tao: Option<f64>,
    #[serde(default)]
    stake_rao: Option<Value>,
    #[serde(default)]
    weights: Vec<(u16, f64)>,
    #[serde(default)]
    validator_permit: Option<bool>,
    #[serde(default)]
    bonds: Option<Vec<(u16, u16)>>,
}

/// Loads a series from one series file or several snapshot files (in block order).
pub fn load<P: AsRef<Path>>(paths: &[P]) -> Result<Series, LoadError> {
    let first = paths
        .first()
        .map(AsRef::as_ref)
        .ok_or_else(|| LoadError::new("SERIES", None, "files", "no file given"))?;
    let name = first
        .file_stem()
        .map_or("series".into(), |s| s.to_string_lossy().into_owned());
    let mut series = Series {
        name,
        netuid: 0,
        params: Map::new(),
        snapshots: Vec::new(),
        files: Vec::new(),
    };
    let mut netuid: Option<(u16, String)> = None;
    for path in paths.iter().map(AsRef::as_ref) {
        let file = path.display().to_string();
        let value = read_json(path)?;
        let raws = split_series(&value, &file, paths.len(), &mut series.params, &mut netuid)?;
        for raw in raws {
            let k = series.snapshots.len();
            let snapshot = parse_snapshot(raw, &file, k)?;
            check_order(&series, &snapshot, &file, k, &mut netuid)?;
            series.snapshots.push(snapshot);
            series.files.push(file.clone());
        }
    }
    if series.snapshots.is_empty() {
        return Err(LoadError::new(
            &first.display().to_string(),
            None,
            "snapshots",
            "empty",
        ));
    }
    series.netuid = series.snapshots[0].netuid;
    Ok(series)
}

/// Loads one snapshot file (a scenario subnet's genesis), with the FNV-1a hash of its bytes
/// (`fnv1a64:` and 16 hex digits). A series file must hold exactly one snapshot.
pub fn load_one(path: &Path) -> Result<(Snapshot, String), LoadError> {
    let file = path.display().to_string();
    let text = read_text(path)?;
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| LoadError::new(&file, None, "file", e.to_string()))?;
    let (mut params, mut netuid) = (Map::new(), None);
    let raws = split_series(&value, &file, 1, &mut params, &mut netuid)?;
    if raws.len() != 1 {
        let message = format!("{} snapshots: a genesis needs exactly one", raws.len());
        return Err(LoadError::new(&file, None, "snapshots", message));
    }
    let snapshot = parse_snapshot(raws[0], &file, 0)?;
    Ok((snapshot, content_hash(text.as_bytes())))
}

/// FNV-1a (64-bit) of `bytes` as `fnv1a64:` and 16 hex digits: a change detector, stable
/// across platforms (not a security hash), as the scenario hash of `taosim check`.
pub fn content_hash(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("fnv1a64:{h:016x}")
}

fn read_json(path: &Path) -> Result<Value, LoadError> {
    let file = path.display().to_string();
    let text = read_text(path)?;
    serde_json::from_str(&text).map_err(|e| LoadError::new(&file, None, "file", e.to_string()))
}

/// The file's text, refused beyond [`MAX_FILE_BYTES`].
fn read_text(path: &Path) -> Result<String, LoadError> {
    use std::io::Read;
    let file = path.display().to_string();
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_string(&mut text))
        .map_err(|e| LoadError::new(&file, None, "file", e.to_string()))?;
    if text.len() as u64 > MAX_FILE_BYTES {
        let message = format!("more than {MAX_FILE_BYTES} bytes");
        return Err(LoadError::new(&file, None, "file", message));
    }
    Ok(text)
}

/// A series file's snapshots (taking its `params` and `netuid`), or the file as one snapshot.
fn split_series<'v>(
    value: &'v Value,
    file: &str,
    files: usize,
    params: &mut Map<String, Value>,
    netuid: &mut Option<(u16, String)>,
) -> Result<Vec<&'v Value>, LoadError> {
    let Some(object) = value.as_object() else {
        return Err(LoadError::new(file, None, "file", "expected a JSON object"));
    };
    let Some(snapshots) = object.get("snapshots") else {
        return Ok(vec![value]);
    };
    if files > 1 {
        let message = "a series file must be the only file (give snapshot files, or one series)";
        return Err(LoadError::new(file, None, "snapshots", message));
    }
    let list = snapshots
        .as_array()
        .ok_or_else(|| LoadError::new(file, None, "snapshots", "expected an array"))?;
    match object.get("params") {
        None | Some(Value::Null) => {}
        Some(Value::Object(p)) => params.clone_from(p),
        Some(_) => return Err(LoadError::new(file, None, "params", "expected an object")),
    }
    match object.get("netuid") {
        None | Some(Value::Null) => {}
        Some(v) => {
            let id = v
                .as_u64()
                .and_then(|x| u16::try_from(x).ok())
                .ok_or_else(|| {
                    LoadError::new(
                        file,
                        None,
                        "netuid",
                        format!("expected a netuid (u16), got {v}"),
                    )
                })?;
            *netuid = Some((id, "the series".into()));
        }
    }
    Ok(list.iter().collect())
}

/// Same netuid throughout, blocks strictly increasing.
fn check_order(
    series: &Series,
    snapshot: &Snapshot,
    file: &str,
    k: usize,
    netuid: &mut Option<(u16, String)>,
) -> Result<(), LoadError> {
    match netuid {
        Some((id, source)) if *id != snapshot.netuid => {
            let message = format!("{} differs from {source}'s netuid {id}", snapshot.netuid);
            return Err(LoadError::new(file, Some(k), "netuid", message));
        }
        Some(_) => {}
        None => *netuid = Some((snapshot.netuid, format!("snapshot {k}"))),
    }
    if let Some(previous) = series.snapshots.last()
        && snapshot.block <= previous.block
    {
        let message = format!(
            "block {} is not after snapshot {}'s block {} (snapshots go in block order)",
            snapshot.block,
            k - 1,
            previous.block
        );
        return Err(LoadError::new(file, Some(k), "block", message));
    }
    Ok(())
}

/// Parses and validates snapshot `k` of `file`.
fn parse_snapshot(value: &Value, file: &str, k: usize) -> Result<Snapshot, LoadError> {
    if !value.is_object() {
        return Err(LoadError::new(
            file,
            Some(k),
            "snapshot",
            "expected a JSON object",
        ));
    }
    let raw: RawSnapshot = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let path = if matches!(path.as_str(), "" | "." | "?") {
            "snapshot".into()
        } else {
            path
        };
        LoadError::new(file, Some(k), &path, e.inner().to_string())
    })?;
    let n = raw.neurons.len();
    if n == 0 {
        return Err(LoadError::new(
            file,
            Some(k),
            "neurons",
            "must not be empty",
        ));
    }
    let limit = usize::from(crate::chain::epoch::MAX_UIDS_PER_SUBNET);
    if n > limit {
        let message = format!("at most {limit} neurons, got {n}");
        return Err(LoadError::new(file, Some(k), "neurons", message));
    }
    let mut slots: Vec<Option<Neuron>> = vec![None; n];
    for (i, neuron) in raw.neurons.into_iter().enumerate() {
        let at = |field: &str| format!("neurons[{i}]{field}");
        let uid = usize::from(neuron.uid);
        if uid >= n {
            let message = format!("uid {uid} out of range: uids are 0..{n} (one per neuron)");
            return Err(LoadError::new(file, Some(k), &at(".uid"), message));
        }
        if slots[uid].is_some() {
            let message = format!("uid {uid} appears twice");
            return Err(LoadError::new(file, Some(k), &at(".uid"), message));
        }
        let parsed =
            parse_neuron(neuron, n).map_err(|(f, m)| LoadError::new(file, Some(k), &at(&f), m))?;
        slots[uid] = Some(parsed);
    }
    let neurons: Vec<Neuron> = slots.into_iter().flatten().collect();
    check_supply(&neurons).map_err(|m| LoadError::new(file, Some(k), "neurons", m))?;
    Ok(Snapshot {
        netuid: raw.netuid,
        block: raw.block,
        neurons,
        hyperparameters: raw.hyperparameters.unwrap_or_default(),
    })
}

/// One neuron; an error is `(field suffix, message)`.
fn parse_neuron(raw: RawNeuron, n: usize) -> Result<Neuron, (String, String)> {
    let (stake_rao, stake_raw) = stake(&raw)?;
    check_row(&raw.weights, n, ".weights", |v| {
        (v.is_finite() && v >= 0.0)
            .then_some(())
            .ok_or_else(|| format!("weight {v} is not a non-negative number"))
    })?;
    if let Some(bonds) = &raw.bonds {
        check_row(bonds, n, ".bonds", |_| Ok(()))?;
    }
    Ok(Neuron {
        hotkey: raw.hotkey,
        stake_rao,
        stake_raw,
        weights: stored_weights(&raw.weights),
        weights_raw: raw.weights,
        validator_permit: raw.validator_permit,
        bonds: raw.bonds,
    })
}

/// `stake_rao` (a whole number ≥ 0) wins over `stake_tao` (a number ≥ 0); one is required.
fn stake(raw: &RawNeuron) -> Result<(u64, f64), (String, String)> {
    let rao = match &raw.stake_rao {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.as_u64().ok_or_else(|| {
            (
                ".stake_rao".to_string(),
                format!("expected a whole number of rao ≥ 0, got {v}"),
            )
        })?),
    };
    if let Some(tao) = raw.stake_tao
        && !(tao.is_finite() && tao >= 0.0)
    {
        return Err((
            ".stake_tao".into(),
            format!("stake must not be negative, got {tao}"),
        ));
    }
    match (rao, raw.stake_tao) {
        (Some(rao), tao) => Ok((rao, tao.unwrap_or(rao as f64 / 1e9))),
        (None, Some(tao)) if tao * 1e9 <= u64::MAX as f64 => Ok(((tao * 1e9).round() as u64, tao)),
        (None, Some(tao)) => Err((".stake_tao".into(), format!("{tao} TAO is too large"))),
        (None, None) => Err(("".into(), "needs `stake_tao` or `stake_rao`".into())),
    }
}

/// Every entry's uid exists (< n) and appears once; every value passes `check`.
fn check_row<T: Copy>(
    row: &[(u16, T)],
    n: usize,
    field: &str,
    check: impl Fn(T) -> Result<(), String>,
) -> Result<(), (String, String)> {
    let mut seen = BTreeSet::new();
    for (e, (uid, value)) in row.iter().enumerate() {
        let at = format!("{field}[{e}]");
        if usize::from(*uid) >= n {
            return Err((at, format!("uid {uid} does not exist (n = {n})")));
        }
        if !seen.insert(*uid) {
            return Err((at, format!("uid {uid} appears twice in the row")));
        }
        check(*value).map_err(|m| (at.clone(), m))?;
    }
    Ok(())
}

/// Stakes add up to at most the TAO supply (the chain's arithmetic assumes it).
fn check_supply(neurons: &[Neuron]) -> Result<(), String> {
    let total = neurons
        .iter()
        .try_fold(0u64, |sum, x| sum.checked_add(x.stake_rao))
        .unwrap_or(u64::MAX);
    match total > crate::epoch_json::TOTAL_SUPPLY {
        true => Err(format!(
            "stakes add up to more than the {} rao supply",
            crate::epoch_json::TOTAL_SUPPLY
        )),
        false => Ok(()),
    }
}

/// A raw row as the chain stores it: the SDK's `round(w / max · 65535)` with zeros dropped
/// (`convert_weights_and_uids_for_emit`), then the chain's max-upscale on `set_weights`.
pub fn stored_weights(row: &[(u16, f64)]) -> Vec<(u16, u16)> {
    let max = row.iter().map(|e| e.1).fold(0.0, f64::max);
    if max <= 0.0 {
        return Vec::new();
    }
    let kept: Vec<(u16, u16)> = row
        .iter()
        .map(|(uid, w)| (*uid, (w / max * 65_535.0).round() as u16))
        .filter(|e| e.1 > 0)
        .collect();
    let values: Vec<u16> = kept.iter().map(|e| e.1).collect();
    let upscaled = vec_u16_max_upscale_to_u16(&values);
    kept.iter().zip(upscaled).map(|(e, v)| (e.0, v)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_weights_follow_the_sdk_and_drop_zeros() {
        let row = [(3, 0.5), (1, 0.25), (2, 0.0), (4, 0.000001)];
        assert_eq!(stored_weights(&row), vec![(3, 65_535), (1, 32_768)]);
        assert_eq!(stored_weights(&[(0, 0.0)]), Vec::new());
    }

    #[test]
    fn the_content_hash_is_fnv1a() {
        assert_eq!(content_hash(b""), "fnv1a64:cbf29ce484222325");
        assert_eq!(content_hash(b"a"), "fnv1a64:af63dc4c8601ec8c");
    }

    #[test]
    fn an_error_names_file_snapshot_and_field() {
        let e = LoadError::new("a.json", Some(2), "neurons[1].stake_tao", "negative");
        assert_eq!(
            e.to_string(),
            "a.json: snapshot 2: neurons[1].stake_tao: negative"
        );
    }
}
