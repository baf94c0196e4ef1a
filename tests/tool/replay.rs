//! `taosim replay`: the snapshot format and its schema, bad input, the chain variants against
//! `taosim epoch` chained by hand, the research variants against yuma-simulation's own data on
//! its 22 cases (`tests/data/yuma-simulation/`), and the chain variants next to the peer.

use crate::cli_support;

use crate::cli_support::{TempDir, taosim};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use taosim::chain::fixed::I32F32;
use taosim::record::ReplayRow;
use taosim::replay::{self, Options};
use taosim::research::{self, ConsensusMode, Knobs, LiquidAlpha};

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

const SN15: &str = "examples/metagraph-sn15-block4769998.json";

fn write_json(dir: &TempDir, name: &str, value: &Value) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, serde_json::to_string_pretty(value).unwrap()).unwrap();
    path
}

fn replay_rows(series: &replay::Series, options: &Options) -> Vec<ReplayRow> {
    let plan = replay::plan(series, options).expect("a valid replay");
    replay::run(series, &plan).rows
}

// ---------------------------------------------------------------------------------------
// The format and its schema.

/// A minimal JSON Schema check for the keywords `schemas/snapshot.schema.json` uses.
fn schema_errors(schema: &Value, root: &Value, value: &Value, at: &str, out: &mut Vec<String>) {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches("#/$defs/");
        return schema_errors(&root["$defs"][name], root, value, at, out);
    }
    if let Some(types) = schema.get("type") {
        let names: Vec<&str> = match types {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let ok = names.iter().any(|t| match *t {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "boolean" => value.is_boolean(),
            "null" => value.is_null(),
            "number" => value.is_number(),
            "integer" => value.is_i64() || value.is_u64(),
            _ => false,
        });
        if !ok {
            return out.push(format!("{at}: not of type {types}"));
        }
    }
    if let (Some(min), Some(x)) = (
        schema.get("minimum").and_then(Value::as_f64),
        value.as_f64(),
    ) && x < min
    {
        out.push(format!("{at}: {x} < {min}"));
    }
    if let (Some(max), Some(x)) = (
        schema.get("maximum").and_then(Value::as_f64),
        value.as_f64(),
    ) && x > max
    {
        out.push(format!("{at}: {x} > {max}"));
    }
    if let (Some(required), Some(object)) = (schema.get("required"), value.as_object()) {
        for key in required.as_array().unwrap() {
            if !object.contains_key(key.as_str().unwrap()) {
                out.push(format!("{at}: missing {key}"));
            }
        }
    }
    for (keyword, need) in [("oneOf", 1usize), ("anyOf", 0)] {
        if let Some(options) = schema.get(keyword).and_then(Value::as_array) {
            let passing = options
                .iter()
                .filter(|s| {
                    let mut e = Vec::new();
                    schema_errors(s, root, value, at, &mut e);
                    e.is_empty()
                })
                .count();
            if (need == 1 && passing != 1) || passing == 0 {
                out.push(format!(
                    "{at}: {passing} of the {keyword} alternatives match"
                ));
            }
        }
    }
    if let (Some(props), Some(object)) = (schema.get("properties"), value.as_object()) {
        for (key, sub) in props.as_object().unwrap() {
            if let Some(v) = object.get(key) {
                schema_errors(sub, root, v, &format!("{at}.{key}"), out);
            }
        }
    }
    if let Some(items) = value.as_array() {
        let len = items.len() as u64;
        if schema
            .get("minItems")
            .and_then(Value::as_u64)
            .is_some_and(|m| len < m)
        {
            out.push(format!("{at}: too few items"));
        }
        if schema
            .get("maxItems")
            .and_then(Value::as_u64)
            .is_some_and(|m| len > m)
        {
            out.push(format!("{at}: too many items"));
        }
        let prefix = schema.get("prefixItems").and_then(Value::as_array);
        for (k, item) in items.iter().enumerate() {
            let sub = prefix.and_then(|p| p.get(k)).or(schema.get("items"));
            if let Some(sub) =
                sub.filter(|_| prefix.is_none() || prefix.is_some_and(|p| k < p.len()))
            {
                schema_errors(sub, root, item, &format!("{at}[{k}]"), out);
            }
        }
    }
}

fn validate(value: &Value) -> Vec<String> {
    let text = std::fs::read_to_string(repo("schemas/snapshot.schema.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    let mut errors = Vec::new();
    schema_errors(&schema, &schema, value, "$", &mut errors);
    errors
}

#[test]
fn the_sn15_snapshot_loads_as_it_is_and_passes_the_schema() {
    let text = std::fs::read_to_string(repo(SN15)).unwrap();
    let value: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(validate(&value), Vec::<String>::new());
    let series = replay::load(&[&repo(SN15)]).expect("sn15 loads");
    assert_eq!(series.netuid, 15);
    assert_eq!(series.snapshots.len(), 1);
    let snapshot = &series.snapshots[0];
    assert_eq!((snapshot.block, snapshot.neurons.len()), (4_769_998, 256));
    // The file's rows are stored u16 values: loading keeps them exactly (the epoch input
    // built from the same snapshot, `examples/sn15-block4769998.json`, has the same rows).
    let epoch_text = std::fs::read_to_string(repo("examples/sn15-block4769998.json")).unwrap();
    let epoch_input: Value = serde_json::from_str(&epoch_text).unwrap();
    for (uid, neuron) in snapshot.neurons.iter().enumerate() {
        let expected: Vec<(u16, u16)> =
            serde_json::from_value(epoch_input["neurons"][uid]["weights"].clone()).unwrap();
        assert_eq!(neuron.weights, expected, "uid {uid}");
        assert_eq!(
            neuron.stake_rao,
            epoch_input["neurons"][uid]["alpha_stake"].as_u64().unwrap()
        );
    }
}

#[test]
fn the_schema_refuses_what_the_loader_refuses() {
    let bad = [
        json!({"netuid": 1, "block": 5, "neurons": [{"uid": 0, "stake_tao": -1.0}]}),
        json!({"netuid": 1, "block": 5, "neurons": [{"uid": 0}]}),
        json!({"netuid": 1, "neurons": [{"uid": 0, "stake_tao": 1.0}]}),
        json!({"netuid": 1, "block": 5, "neurons": [{"uid": 0, "stake_rao": 1, "weights": [[0, -2]]}]}),
    ];
    let dir = TempDir::new("schema-bad");
    for (k, value) in bad.iter().enumerate() {
        assert!(!validate(value).is_empty(), "schema accepts {value}");
        let path = write_json(&dir, &format!("bad{k}.json"), value);
        assert!(replay::load(&[&path]).is_err(), "loader accepts {value}");
    }
}

/// `scripts/export_metagraph.py`'s writer (without the network) produces what the schema and
/// the loader accept. Skipped, with a note, where Python 3 is missing.
#[test]
fn the_export_script_writes_the_schema_format() {
    let dir = TempDir::new("export");
    let out = dir.path().join("exported.json");
    let code = format!(
        "import importlib.util, sys\n\
         spec = importlib.util.spec_from_file_location('export', {script:?})\n\
         m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n\
         series = m.series_document(7, [m.snapshot_document(7, 100, ['a', 'b', 'c'], [10.5, 0.0, 2.0],\n\
             [[0.0, 0.25, 0.75], [0.0, 0.0, 0.0], [0.0, 1.0, 0.0]], [True, False, True],\n\
             [[0, 65535, 0], [0, 0, 0], [0, 0, 0]])])\n\
         m.write_json(series, {out:?})\n",
        script = repo("scripts/export_metagraph.py").display().to_string(),
        out = out.display().to_string(),
    );
    let Ok(status) = std::process::Command::new("python3")
        .args(["-c", &code])
        .status()
    else {
        eprintln!("python3 not available: the export script's writer not checked");
        return;
    };
    assert!(status.success());
    let value: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(validate(&value), Vec::<String>::new());
    let series = replay::load(&[&out]).expect("the loader reads the export");
    assert_eq!(
        series.snapshots[0].neurons[0].weights,
        vec![(1, 21_845), (2, 65_535)]
    );
    assert_eq!(series.snapshots[0].neurons[0].stake_rao, 10_500_000_000);
}

// ---------------------------------------------------------------------------------------
// Bad input: one line naming the file, snapshot index and field; exit 2; nothing written.

fn snapshot(netuid: u16, block: u64, weights_of_0: Value) -> Value {
    json!({"netuid": netuid, "block": block, "neurons": [
        {"uid": 0, "stake_tao": 100.0, "weights": weights_of_0},
        {"uid": 1, "stake_tao": 50.0, "weights": [[2, 1.0]]},
        {"uid": 2, "stake_tao": 0.0},
        {"uid": 3, "stake_tao": 0.0}
    ]})
}

fn refused(files: &[&PathBuf], extra: &[&str], expect: &[&str]) {
    let out = TempDir::new("refused");
    let mut args: Vec<String> = vec!["replay".into()];
    args.extend(files.iter().map(|f| f.display().to_string()));
    args.extend(["--out".into(), out.str().to_string()]);
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = taosim(&args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    for part in expect {
        assert!(stderr.contains(part), "`{part}` not in: {stderr}");
    }
    assert!(output.stdout.is_empty());
    assert_eq!(
        cli_support::entries_of(out.path()),
        Vec::<String>::new(),
        "nothing written"
    );
}

#[test]
fn bad_snapshots_are_one_line_naming_file_snapshot_and_field() {
    let dir = TempDir::new("bad");
    let good = snapshot(3, 100, json!([[2, 1.0], [3, 0.5]]));
    let a = write_json(&dir, "a.json", &good);
    let missing_uid = write_json(&dir, "b.json", &snapshot(3, 200, json!([[9, 1.0]])));
    refused(
        &[&a, &missing_uid],
        &[],
        &["b.json", "snapshot 1", "neurons[0].weights[0]", "uid 9"],
    );
    let mut negative = snapshot(3, 200, json!([]));
    negative["neurons"][1]["stake_tao"] = json!(-5.0);
    let negative = write_json(&dir, "c.json", &negative);
    refused(
        &[&a, &negative],
        &[],
        &["c.json", "snapshot 1", "neurons[1].stake_tao"],
    );
    let other_netuid = write_json(&dir, "d.json", &snapshot(4, 200, json!([])));
    refused(
        &[&a, &other_netuid],
        &[],
        &["d.json", "snapshot 1", "netuid"],
    );
    let series = write_json(
        &dir,
        "s.json",
        &json!({"netuid": 3, "snapshots": [good, snapshot(3, 50, json!([]))]}),
    );
    refused(&[&series], &[], &["s.json", "snapshot 1", "block"]);
}

#[test]
fn bad_options_are_one_line_naming_the_option() {
    let dir = TempDir::new("bad-options");
    let a = write_json(&dir, "a.json", &snapshot(3, 100, json!([[2, 1.0]])));
    refused(
        &[&a],
        &["--yuma", "yuma2,yuma9"],
        &["--yuma", "yuma9", "unknown variant"],
    );
    refused(
        &[&a],
        &["--set", "kapa=3"],
        &["--set", "kapa", "unknown key"],
    );
    refused(&[&a], &["--set", "kappa=-3"], &["--set", "kappa"]);
    refused(
        &[&a],
        &["--shift", "2=1"],
        &["--shift", "2=1", "not a validator"],
    );
    refused(&[&a], &["--copier", "0"], &["--copier"]);
    let with_params = write_json(
        &dir,
        "p.json",
        &json!({"params": {"kappa": "x"}, "snapshots": [snapshot(3, 100, json!([]))]}),
    );
    refused(&[&with_params], &[], &["p.json", "params.kappa"]);
    refused(
        &[&a],
        &["--set", "winner_takes_all=true"],
        &["winner_takes_all", "not a chain rule"],
    );
}

// ---------------------------------------------------------------------------------------
// The chain variants are `taosim epoch`, chained by hand.

/// Three snapshots: weights move from server 3 to server 4, validator 2 splits.
fn moving_series() -> Value {
    let snap = |block: u64, w0: Value, w1: Value, w2: Value, permits: bool| {
        let mut neurons = vec![
            json!({"uid": 0, "stake_rao": 800_000_000_000u64, "weights": w0}),
            json!({"uid": 1, "stake_rao": 150_000_000_000u64, "weights": w1}),
            json!({"uid": 2, "stake_rao": 50_000_000_000u64, "weights": w2}),
            json!({"uid": 3, "stake_rao": 0}),
            json!({"uid": 4, "stake_rao": 0}),
        ];
        if permits {
            for (i, n) in neurons.iter_mut().enumerate() {
                n["validator_permit"] = json!(i < 3);
            }
        }
        json!({"netuid": 2, "block": block, "neurons": neurons})
    };
    json!({"snapshots": [
        snap(1000, json!([[3, 65535]]), json!([[3, 65535]]), json!([[3, 65535], [4, 20000]]), true),
        snap(1360, json!([[3, 65535]]), json!([[4, 65535]]), json!([[3, 30000], [4, 65535]]), false),
        snap(1720, json!([[4, 65535], [3, 1000]]), json!([[4, 65535]]), json!([[4, 65535]]), false)
    ]})
}

/// `taosim epoch --trace` on `input`: (output, trace).
fn epoch_cli(dir: &TempDir, input: &Value) -> Value {
    let path = write_json(dir, "epoch.json", input);
    let output = taosim(&["epoch", path.to_str().unwrap(), "--trace"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// A trace vector: each value is the fixed type's shortest round-tripping decimal, read back
/// into the exact I32F32 and converted as the replay converts it.
fn numbers(v: &Value) -> Vec<f64> {
    use std::str::FromStr;
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| I32F32::from_str(&x.to_string()).unwrap().to_num::<f64>())
        .collect()
}

/// A replay column of a row.
type Field = fn(&ReplayRow) -> f64;

fn chained_by_hand(series: &Value, params: Value) -> Vec<Value> {
    let dir = TempDir::new("chain");
    let mut bonds = vec![json!([]); 5];
    let mut permits: Vec<Value> = vec![];
    let mut last = 0u64;
    let mut outs = Vec::new();
    for snap in series["snapshots"].as_array().unwrap() {
        let block = snap["block"].as_u64().unwrap();
        let neurons: Vec<Value> = snap["neurons"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let permit = n.get("validator_permit").cloned().unwrap_or_else(|| permits[i].clone());
                json!({"alpha_stake": n["stake_rao"], "registered_at": 0, "last_update": block,
                       "validator_permit": permit, "weights": n.get("weights").cloned().unwrap_or(json!([])),
                       "bonds": bonds[i]})
            })
            .collect();
        let input = json!({"block": block, "tempo": 360, "emission": 1_000_000_000u64,
                           "last_step_block": last, "params": params, "neurons": neurons});
        let out = epoch_cli(&dir, &input);
        bonds = out["neurons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["bonds"].clone())
            .collect();
        permits = out["neurons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["validator_permit"].clone())
            .collect();
        last = block;
        outs.push(out);
    }
    outs
}

#[test]
fn chain_variants_equal_taosim_epoch_chained_by_hand() {
    let dir = TempDir::new("chain-series");
    let document = moving_series();
    let path = write_json(&dir, "moving.json", &document);
    let series = replay::load(&[&path]).unwrap();
    for (variant, liquid) in [("yuma2", false), ("yuma3", false), ("yuma3", true)] {
        let options = Options {
            variants: vec![variant.into()],
            set: vec![("liquid_alpha".into(), json!(liquid))],
            ..Options::default()
        };
        let rows = replay_rows(&series, &options);
        let params = json!({"yuma3": variant == "yuma3", "liquid_alpha": liquid});
        let by_hand = chained_by_hand(&document, params);
        for (t, out) in by_hand.iter().enumerate() {
            let trace = &out["trace"];
            let mine: Vec<&ReplayRow> = rows.iter().filter(|r| r.snapshot == t as u64).collect();
            let fields: [(&str, Field); 6] = [
                ("stake", |r| r.stake_weight),
                ("consensus", |r| r.consensus),
                ("incentive", |r| r.incentive),
                ("dividends", |r| r.dividends),
                ("validator_trust", |r| r.validator_trust),
                ("normalized_combined_emission", |r| r.emission_share),
            ];
            for (name, get) in fields {
                let expected = numbers(&trace[name]);
                let got: Vec<f64> = mine.iter().map(|r| get(r)).collect();
                assert_eq!(
                    got, expected,
                    "{variant} (liquid alpha {liquid}) epoch {t}: {name}"
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// The peer's 22 cases.

/// Per case: per epoch, the stakes and the validator × server weights.
type Case = Vec<(Vec<f64>, Vec<Vec<f64>>)>;

fn peer_cases() -> BTreeMap<u32, Case> {
    let text = std::fs::read_to_string(repo("tests/data/yuma-simulation/inputs.csv")).unwrap();
    let mut cases: BTreeMap<u32, Case> = BTreeMap::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let case: u32 = f[0].trim_start_matches("Case ").parse().unwrap();
        let epoch: usize = f[1].parse().unwrap();
        let row: usize = f[3].parse().unwrap();
        let value: f64 = f[5].parse().unwrap();
        let epochs = cases.entry(case).or_default();
        if epochs.len() <= epoch {
            epochs.resize(epoch + 1, (vec![], vec![]));
        }
        let (stakes, weights) = &mut epochs[epoch];
        match f[2] {
            "S" => {
                stakes.resize(stakes.len().max(row + 1), 0.0);
                stakes[row] = value;
            }
            _ => {
                let col: usize = f[4].parse().unwrap();
                weights.resize(weights.len().max(row + 1), vec![]);
                let len = weights[row].len().max(col + 1);
                weights[row].resize(len, 0.0);
                weights[row][col] = value;
            }
        }
    }
    cases
}

/// `(case, version) → per epoch the three validators' dividend shares`.
fn peer_dividends() -> BTreeMap<(u32, String), Vec<[f64; 3]>> {
    let text = std::fs::read_to_string(repo("tests/data/yuma-simulation/dividends.csv")).unwrap();
    let mut out: BTreeMap<(u32, String), Vec<[f64; 3]>> = BTreeMap::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let case: u32 = f[0].trim_start_matches("Case ").parse().unwrap();
        let (epoch, v): (usize, usize) = (f[2].parse().unwrap(), f[3].parse().unwrap());
        let epochs = out.entry((case, f[1].to_string())).or_default();
        epochs.resize(epochs.len().max(epoch + 1), [0.0; 3]);
        epochs[epoch][v] = f[4].parse().unwrap();
    }
    out
}

/// A case as a series in the peer's full-matrix layout: validators are uids 0..V, servers after
/// them; stakes in TAO; weights raw (zeros kept); 360 blocks apart.
fn case_series(case: &Case, params: Value) -> Value {
    let snapshots: Vec<Value> = case
        .iter()
        .enumerate()
        .map(|(e, (stakes, weights))| {
            let v = stakes.len();
            let servers = weights[0].len();
            let neurons: Vec<Value> = (0..v + servers)
                .map(|uid| {
                    if uid < v {
                        let row: Vec<Value> = weights[uid]
                            .iter()
                            .enumerate()
                            .map(|(s, w)| json!([v + s, w]))
                            .collect();
                        json!({"uid": uid, "stake_tao": stakes[uid], "weights": row})
                    } else {
                        json!({"uid": uid, "stake_tao": 0.0})
                    }
                })
                .collect();
            json!({"netuid": 1, "block": 360 * (e as u64 + 1), "neurons": neurons})
        })
        .collect();
    json!({"netuid": 1, "params": params, "snapshots": snapshots})
}

fn load_value(name: &str, value: &Value) -> replay::Series {
    let dir = TempDir::new(name);
    let path = write_json(&dir, &format!("{name}.json"), value);
    replay::load(&[&path]).unwrap()
}

/// The three validators' shares of the validators' dividends, per epoch, for `variant`.
fn shares(rows: &[ReplayRow], variant: &str, epochs: usize) -> Vec<[f64; 3]> {
    let mut out = vec![[0.0; 3]; epochs];
    for r in rows.iter().filter(|r| r.variant == variant && r.uid < 3) {
        out[r.snapshot as usize][usize::from(r.uid)] = r.dividends;
    }
    for e in &mut out {
        let total: f64 = e.iter().sum();
        e.iter_mut()
            .for_each(|x| *x = if total > 0.0 { *x / total } else { 0.0 });
    }
    out
}

fn max_gap(a: &[[f64; 3]], b: &[[f64; 3]]) -> (f64, usize) {
    let mut worst = (0.0, 0);
    for (e, (x, y)) in a.iter().zip(b).enumerate() {
        for v in 0..3 {
            let d = (x[v] - y[v]).abs();
            if d > worst.0 {
                worst = (d, e);
            }
        }
    }
    worst
}

const RESEARCH: [(&str, &str); 5] = [
    ("yuma1", "Yuma 1"),
    ("yuma2b", "Yuma 2B (Adrian-Fish)"),
    ("yuma2c", "Yuma 2C (Rhef+reset)"),
    ("peer-yuma2", "Yuma 2 (subtensor)"),
    ("peer-yuma3", "Yuma 3 (Rhef+relative bonds)"),
];

/// Through `taosim replay`'s own path (snapshot series, chain-named params, research knobs at
/// their defaults), the research variants give the peer's per-epoch dividend shares on all 22
/// cases × 40 epochs within 1e-5 (docs/yuma-variants.md §8: a float64 model reaches 2.83e-6,
/// the residual being the package's float32 truncation of consensus in Case 11).
#[test]
fn research_variants_reproduce_the_peer_on_its_22_cases() {
    let cases = peer_cases();
    let peer = peer_dividends();
    assert_eq!(cases.len(), 22);
    let mut worst: BTreeMap<&str, (f64, u32, usize)> = BTreeMap::new();
    for (number, case) in &cases {
        let params = json!({"winner_takes_all": *number >= 20});
        let series = load_value(&format!("case{number}"), &case_series(case, params));
        let options = Options {
            variants: RESEARCH.iter().map(|v| v.0.to_string()).collect(),
            ..Options::default()
        };
        let rows = replay_rows(&series, &options);
        for (variant, version) in RESEARCH {
            let (gap, epoch) = max_gap(
                &shares(&rows, variant, case.len()),
                &peer[&(*number, version.to_string())],
            );
            let entry = worst.entry(variant).or_default();
            if gap >= entry.0 {
                *entry = (gap, *number, epoch);
            }
        }
    }
    eprintln!("largest gap to the peer per variant: {worst:?}");
    for (variant, (gap, case, epoch)) in worst {
        assert!(
            gap <= 1e-5,
            "{variant}: {gap:e} in Case {case} epoch {epoch}"
        );
    }
}

/// The two liquid-alpha versions of the peer's data, through the research API with the
/// package's full-matrix liquid-alpha block (rows 0..3, server columns).
#[test]
fn research_liquid_alpha_reproduces_the_peer() {
    let peer = peer_dividends();
    let mut worst = 0.0f64;
    for (number, case) in &peer_cases() {
        for (variant, version) in [
            (
                research::Variant::Yuma2,
                "Yuma 2 (subtensor) - liquid alpha on",
            ),
            (
                research::Variant::Yuma3,
                "Yuma 3 (Rhef+relative bonds) - liquid alpha on",
            ),
        ] {
            let knobs = Knobs {
                liquid_alpha: Some(LiquidAlpha {
                    low: 45_875.0 / 65_535.0,
                    high: 58_982.0 / 65_535.0,
                    steepness: 10.0,
                    mode: ConsensusMode::Current,
                }),
                winner_takes_all: *number >= 20,
                liquid_alpha_validators: Some(3),
                ..Knobs::default()
            };
            let mut state = research::State::default();
            let mut got = Vec::new();
            for (stakes, weights) in case {
                let n = 3 + weights[0].len();
                let mut w = vec![vec![0.0; n]; n];
                let mut s = vec![0.0; n];
                for v in 0..3 {
                    s[v] = stakes[v];
                    for (j, x) in weights[v].iter().enumerate() {
                        w[v][3 + j] = *x;
                    }
                }
                let out = research::epoch(variant, &w, &s, &knobs, &mut state);
                let d = [out.dividends[0], out.dividends[1], out.dividends[2]];
                let total: f64 = d.iter().sum();
                got.push(d.map(|x| if total > 0.0 { x / total } else { 0.0 }));
            }
            let (gap, epoch) = max_gap(&got, &peer[&(*number, version.to_string())]);
            assert!(
                gap <= 1e-5,
                "{version}: {gap:e} in Case {number} epoch {epoch}"
            );
            worst = worst.max(gap);
        }
    }
    eprintln!("liquid alpha: largest gap {worst:e}");
}

/// Which documented rule differences (docs/yuma-variants.md §9) touch each case for the
/// chain's original Yuma (`yuma2`) and Yuma 3 (`yuma3`).
fn rule_differences(case: u32, yuma3: bool) -> Vec<&'static str> {
    let mut rules = Vec::new();
    if [11, 15, 16, 17, 18, 22].contains(&case) {
        rules.push("raw_consensus");
    }
    if case == 21 {
        rules.push("0/0");
    }
    if (20..=22).contains(&case) {
        rules.push("wta");
    }
    if case == 9 {
        rules.push("permits");
    }
    if !yuma3 && [1, 2, 5, 6, 7, 8, 9, 10, 15, 16, 17, 18, 19, 21].contains(&case) {
        rules.push("renorm");
    }
    rules
}

/// The largest |chain − peer| share over a case: `(gap, epoch, validator, chain, peer)`.
fn worst_point(chain: &[[f64; 3]], peer: &[[f64; 3]]) -> (f64, usize, usize, f64, f64) {
    let mut worst = (0.0, 0, 0, 0.0, 0.0);
    for (e, (x, y)) in chain.iter().zip(peer).enumerate() {
        for v in 0..3 {
            if (x[v] - y[v]).abs() > worst.0 {
                worst = ((x[v] - y[v]).abs(), e, v, x[v], y[v]);
            }
        }
    }
    worst
}

/// Arithmetic alone (u16 weights and bonds, fixed point) moves shares by at most this much
/// (docs/yuma-variants.md §9.10 measures ≤ 3.7e-4).
const ARITHMETIC: f64 = 4e-4;

/// One case under one chain setting: its worst point, as a README table cell.
fn chain_cell(
    series: &replay::Series,
    variant: &str,
    penalty: u16,
    peer: &[[f64; 3]],
) -> (f64, String) {
    let options = Options {
        variants: vec![variant.into()],
        set: vec![("bonds_penalty".into(), json!(penalty))],
        ..Options::default()
    };
    let rows = replay_rows(series, &options);
    let (gap, e, v, chain, peer) = worst_point(&shares(&rows, variant, peer.len()), peer);
    (
        gap,
        format!("{gap:.1e} (e{e} V{v}: {chain:.4} vs {peer:.4})"),
    )
}

/// The chain's `yuma2`/`yuma3` next to the peer's "Yuma 2 (subtensor)" / "Yuma 3": where no
/// documented rule difference applies, the gap is arithmetic only. Yuma 3's bonds-penalty
/// difference (§9.3) is measured rather than assumed: with `bonds_penalty = 0` the chain buys
/// bonds with unclipped weights as the peer does, and the remaining gap must then be
/// arithmetic or another listed rule. Prints the README's table (`--nocapture`).
#[test]
fn chain_variants_next_to_the_peer() {
    let peer = peer_dividends();
    let mut table = Vec::new();
    for (number, case) in &peer_cases() {
        let series = load_value(&format!("chain{number}"), &case_series(case, json!({})));
        let peer2 = &peer[&(*number, "Yuma 2 (subtensor)".to_string())];
        let peer3 = &peer[&(*number, "Yuma 3 (Rhef+relative bonds)".to_string())];
        let (gap2, cell2) = chain_cell(&series, "yuma2", 65_535, peer2);
        let (gap3, cell3) = chain_cell(&series, "yuma3", 65_535, peer3);
        let (gap0, cell0) = chain_cell(&series, "yuma3", 0, peer3);
        let rules2 = rule_differences(*number, false);
        let rules0 = rule_differences(*number, true);
        // β = 1: the rules that still show at β = 0, and the bonds penalty if β = 0 narrows
        // the gap beyond arithmetic.
        let mut rules3 = if gap0 > ARITHMETIC {
            rules0.clone()
        } else {
            Vec::new()
        };
        if gap3 > ARITHMETIC && gap3 - gap0 > ARITHMETIC {
            rules3.push("bonds_penalty");
        }
        let checks = [
            (gap2, &rules2, "yuma2"),
            (gap3, &rules3, "yuma3"),
            (gap0, &rules0, "yuma3 β=0"),
        ];
        for (gap, rules, what) in checks {
            assert!(
                gap <= ARITHMETIC || !rules.is_empty(),
                "Case {number} {what}: {gap:e} without a documented rule difference"
            );
        }
        // The rules that explain a gap beyond arithmetic.
        let explain = |gap: f64, r: &[&str]| match gap <= ARITHMETIC {
            true => "arithmetic".to_string(),
            false => r.join(", "),
        };
        table.push(format!(
            "| {number} | {cell2} | {} | {cell3} | {} | {cell0} | {} |",
            explain(gap2, &rules2),
            explain(gap3, &rules3),
            explain(gap0, &rules0)
        ));
    }
    eprintln!(
        "| case | yuma2 vs peer | explained by | yuma3 vs peer | explained by | yuma3, bonds_penalty 0 | explained by |\n|---|---|---|---|---|---|---|\n{}",
        table.join("\n")
    );
}

// ---------------------------------------------------------------------------------------
// The command end to end.

#[test]
fn replay_writes_a_tidy_table_manifest_summary_and_report() {
    let dir = TempDir::new("e2e");
    let path = write_json(&dir, "moving.json", &moving_series());
    let out = dir.path().join("out");
    let output = taosim(&[
        "replay",
        path.to_str().unwrap(),
        "--yuma",
        "yuma2,yuma3,yuma2c",
        "--repeat",
        "3",
        "--copier",
        "1",
        "--shift",
        "1=1",
        "--set",
        "kappa=39321",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let run = out.join("moving");
    for file in [
        "replay.parquet",
        "manifest.json",
        "summary.json",
        "report.md",
    ] {
        assert!(run.join(file).exists(), "{file}");
    }
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("summary.json")).unwrap()).unwrap();
    for variant in ["yuma2", "yuma3", "yuma2c"] {
        let g = summary["copier_g"][variant]
            .as_f64()
            .expect("G per variant");
        assert!(g.is_finite() && g >= 0.0, "{variant}: {g}");
    }
    let file = std::fs::File::open(run.join("replay.parquet")).unwrap();
    use polars::prelude::{ParquetReader, SerReader};
    let frame = ParquetReader::new(file).finish().unwrap();
    let names: Vec<String> = frame
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    for column in [
        "variant",
        "snapshot",
        "block",
        "netuid",
        "uid",
        "stake_weight",
        "consensus",
        "incentive",
        "dividends",
        "validator_trust",
        "emission_share",
    ] {
        assert!(names.iter().any(|n| n == column), "{column} in {names:?}");
    }
    // 3 variants × (3 snapshots + 3 repeats) × (5 uids + the copier).
    assert_eq!(frame.height(), 3 * 6 * 6);
    let report = std::fs::read_to_string(run.join("report.md")).unwrap();
    assert!(report.contains("charts/dividends_yuma2.png"));
    assert!(report.contains("relative_yuma3_vs_yuma2"));
}

/// The copier's G from the replay equals G computed from the rows it wrote: the copier's D/S
/// over the median honest D/S at the last epoch (sn15 repeated, copying one epoch late).
#[test]
fn copier_g_is_the_copiers_rate_over_the_honest_median() {
    let series = replay::load(&[&repo(SN15)]).unwrap();
    let options = Options {
        variants: vec!["yuma2".into()],
        repeat: 5,
        copier: Some(1),
        ..Options::default()
    };
    let plan = replay::plan(&series, &options).unwrap();
    let result = replay::run(&series, &plan);
    let copier = result.copier_uid.unwrap();
    assert_eq!(copier, 256);
    let last: Vec<&ReplayRow> = result.rows.iter().filter(|r| r.snapshot == 5).collect();
    let rate = |r: &ReplayRow| r.dividends / r.stake_weight;
    let validators: Vec<u16> = series.snapshots[0]
        .neurons
        .iter()
        .enumerate()
        .filter(|(_, n)| !n.weights.is_empty() && n.stake_rao > 0)
        .map(|(i, _)| i as u16)
        .collect();
    let mut honest: Vec<f64> = last
        .iter()
        .filter(|r| validators.contains(&r.uid) && r.stake_weight > 0.0)
        .map(|r| rate(r))
        .collect();
    honest.sort_by(f64::total_cmp);
    let m = honest.len() / 2;
    let median = if honest.len() % 2 == 1 {
        honest[m]
    } else {
        (honest[m - 1] + honest[m]) / 2.0
    };
    let g = rate(last.iter().find(|r| r.uid == copier).unwrap()) / median;
    let reported = result.copier_g[0].1.unwrap();
    assert!((reported - g).abs() < 1e-12, "{reported} vs {g}");
    eprintln!("sn15 yuma2 copier G (K = 1, 5 repeats): {g}");
}

/// `--repeat` and `--shift` are what-ifs on the input only: the same as a series edited by hand
/// (the last snapshot appended `tempo` blocks apart; validator 1's weight rows moved one epoch
/// later, the first kept).
#[test]
fn repeat_and_shift_equal_the_series_edited_by_hand() {
    let document = moving_series();
    let series = load_value("what-if", &document);
    let options = Options {
        variants: vec!["yuma2".into(), "yuma3".into(), "yuma2b".into()],
        repeat: 2,
        shifts: vec![(1, 1)],
        ..Options::default()
    };
    let rows = replay_rows(&series, &options);
    let mut edited = document.clone();
    let snapshots = edited["snapshots"].as_array_mut().unwrap();
    let rows_of_1: Vec<Value> = snapshots
        .iter()
        .map(|s| s["neurons"][1]["weights"].clone())
        .collect();
    for (k, snapshot) in snapshots.iter_mut().enumerate() {
        snapshot["neurons"][1]["weights"] = rows_of_1[k.saturating_sub(1)].clone();
    }
    for r in 1..=2u64 {
        let mut last = snapshots[2].clone();
        last["block"] = json!(1720 + 360 * r);
        last["neurons"][1]["weights"] = rows_of_1[2].clone();
        snapshots.push(last);
    }
    let by_hand = replay_rows(
        &load_value("edited", &edited),
        &Options {
            variants: options.variants.clone(),
            ..Options::default()
        },
    );
    assert_eq!(rows.len(), 3 * 5 * 5);
    assert_eq!(rows, by_hand);
}

// ---------------------------------------------------------------------------------------
// A snapshot as a scenario subnet's genesis (`genesis: {snapshot: FILE}`).

/// A scenario whose only subnet starts from `snapshot`, with `agents` (YAML list items).
fn genesis_scenario(snapshot: &str, max_uids: u16, agents: &str) -> String {
    format!(
        "name: g\nseed: 3\nduration: {{epochs: 2}}\nsubnets:\n  - name: sn\n    tempo: 360\n    \
         pool: {{tao: 50000, alpha: 5000000}}\n    max_allowed_uids: {max_uids}\n    \
         genesis: {{snapshot: {snapshot}}}\n    agents: [{agents}]\n\
         record: {{every_blocks: 360, neurons: true, accounts: false}}\n"
    )
}

/// The first epoch's neuron rows of a scenario whose only subnet starts from `snapshot` with
/// no agent attached, each checked against the replay's chain variant with the scenario's
/// epoch hyperparameters: the same consensus, incentive and dividends. The simulation's rows
/// hold u16 proportions, the chain's own quantisation (`fixed_proportion_to_u16`) of the
/// fixed-point values the replay reports; the emission amount differs (the replay's is 1 TAO)
/// but these three vectors do not depend on it. Stakes are the snapshot's as alpha stake with
/// no root stake, so `tao_weight` plays no part.
fn first_epoch_equals_the_replay(snapshot: &Path, n: usize) -> Vec<taosim::record::NeuronRow> {
    let yaml = genesis_scenario(&snapshot.display().to_string(), n as u16, "");
    let s = taosim::scenario::parse(&yaml, "g.yaml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.agents.len(), n, "one snapshot agent per uid");
    let record = taosim::sim::run(&s, s.seed, &mut |_| {}).unwrap();
    let first: Vec<_> = record
        .neurons
        .iter()
        .filter(|r| r.epoch == 0)
        .cloned()
        .collect();
    assert_eq!(first.len(), n);
    let p = &s.subnets[0].epoch;
    let set: Vec<(String, Value)> = [
        ("kappa", json!(p.kappa)),
        ("bonds_penalty", json!(p.bonds_penalty)),
        ("bonds_moving_average", json!(p.bonds_moving_average)),
        ("liquid_alpha", json!(p.liquid_alpha)),
        ("alpha_low", json!(p.alpha_low)),
        ("alpha_high", json!(p.alpha_high)),
        ("alpha_sigmoid_steepness", json!(p.alpha_sigmoid_steepness)),
        ("max_allowed_validators", json!(p.max_allowed_validators)),
        (
            "activity_cutoff_factor_milli",
            json!(p.activity_cutoff_factor_milli),
        ),
        ("stake_threshold", json!(p.stake_threshold)),
        ("tempo", json!(s.subnets[0].tempo)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let variant = if p.yuma3 { "yuma3" } else { "yuma2" };
    let options = Options {
        variants: vec![variant.into()],
        set,
        ..Options::default()
    };
    let series = replay::load(&[snapshot]).unwrap();
    let replayed = replay_rows(&series, &options);
    let q = |x: f64| taosim::chain::fixed::fixed_proportion_to_u16(I32F32::from_num(x));
    for r in &first {
        let e = &replayed[usize::from(r.uid)];
        assert_eq!(e.uid, r.uid);
        let expected = (q(e.consensus), q(e.incentive), q(e.dividends));
        assert_eq!(
            (r.consensus, r.incentive, r.dividends),
            expected,
            "uid {}",
            r.uid
        );
        let agent = record.agent_name(r.agent.expect("every uid is an agent"));
        assert_eq!(agent, format!("sn-snapshot-{}", r.uid));
        assert_eq!(r.strategy, "snapshot");
    }
    first
}

fn paid(rows: &[taosim::record::NeuronRow], f: fn(&taosim::record::NeuronRow) -> u16) -> usize {
    rows.iter().filter(|r| f(r) > 0).count()
}

/// The claim of the feature, on the real subnet-15 snapshot (no bonds, no permits recorded:
/// the genesis permit rule against the replay's).
#[test]
fn a_genesis_scenarios_first_epoch_is_the_replays_first_epoch() {
    let first = first_epoch_equals_the_replay(&repo(SN15), 256);
    assert!(paid(&first, |r| r.incentive) >= 10, "miners earn incentive");
    assert!(
        paid(&first, |r| r.dividends) >= 5,
        "validators earn dividends"
    );
    assert_eq!(first.iter().filter(|r| r.role == "validator").count(), 20);
}

/// The same with recorded bonds, permits and hyperparameters (Yuma 3, kappa, bonds moving
/// average): the snapshot's bonds and permits are the chain's at genesis and its
/// hyperparameters the subnet's.
#[test]
fn a_genesis_with_bonds_permits_and_hyperparameters_is_the_replays_first_epoch() {
    let dir = TempDir::new("bonded");
    let snapshot = json!({"netuid": 4, "block": 10_000,
    "hyperparameters": {"kappa": 40_000, "yuma3": true, "bonds_moving_average": 500_000},
    "neurons": [
        {"uid": 0, "stake_tao": 1000.0, "validator_permit": true,
         "weights": [[2, 1.0], [3, 0.5], [4, 0.2]], "bonds": [[2, 30_000], [3, 10_000]]},
        {"uid": 1, "stake_tao": 600.0, "validator_permit": true,
         "weights": [[3, 1.0], [5, 0.4]], "bonds": [[3, 20_000], [5, 5_000], [2, 40_000]]},
        {"uid": 2, "stake_tao": 5.0, "validator_permit": false},
        {"uid": 3, "stake_tao": 0.0, "validator_permit": false},
        {"uid": 4, "stake_tao": 0.0, "validator_permit": false},
        {"uid": 5, "stake_tao": 0.0, "validator_permit": false}
    ]});
    let path = write_json(&dir, "bonded.json", &snapshot);
    let first = first_epoch_equals_the_replay(&path, 6);
    assert_eq!(paid(&first, |r| r.dividends), 2);
    assert!(paid(&first, |r| r.incentive) >= 3);
    let yaml = genesis_scenario(&path.display().to_string(), 6, "");
    let s = taosim::scenario::parse(&yaml, "g.yaml").unwrap();
    let p = &s.subnets[0].epoch;
    assert_eq!(
        (p.kappa, p.yuma3, p.bonds_moving_average),
        (40_000, true, 500_000)
    );
    let set = yaml.replace(
        "max_allowed_uids: 6",
        "max_allowed_uids: 6\n    hyperparameters: {kappa: 0.5}",
    );
    let s = taosim::scenario::parse(&set, "g.yaml").unwrap();
    assert_eq!(
        s.subnets[0].epoch.kappa, 32_768,
        "the scenario's value wins"
    );
}

/// Bad genesis input through `taosim run`: one line naming the file or field, exit 2, nothing
/// written. The snapshot path is relative to the scenario file's directory (the test runs from
/// the repository root), which the accepted case checks too.
#[test]
fn bad_genesis_input_is_one_line_naming_the_field() {
    let dir = TempDir::new("genesis");
    write_json(
        &dir,
        "snap.json",
        &snapshot(3, 100, json!([[2, 1.0], [3, 0.5]])),
    );
    let mut gap = snapshot(3, 100, json!([]));
    gap["neurons"][3]["uid"] = json!(4);
    write_json(&dir, "gap.json", &gap);
    let validator = |uid: &str| {
        format!("{{name: v, role: validator, {uid}strategy: {{honest: {{noise: 0.1}}}}}}")
    };
    let plain =
        genesis_scenario("snap.json", 8, "").replace("    genesis: {snapshot: snap.json}\n", "");
    let mixed =
        "events: [{at: {epoch: 1}, set_strategy: {agents: sn-snapshot, strategy: {honest: {}}}}]\n";
    let cases: [(&str, String, &[&str]); 8] = [
        (
            "missing",
            genesis_scenario("nope.json", 8, ""),
            &["subnets[0].genesis.snapshot", "nope.json"],
        ),
        (
            "gap",
            genesis_scenario("gap.json", 8, ""),
            &["gap.json", "neurons[3].uid", "out of range"],
        ),
        (
            "small",
            genesis_scenario("snap.json", 3, ""),
            &["genesis.snapshot", "max_allowed_uids 3"],
        ),
        (
            "no-genesis",
            plain.replace(
                "agents: []",
                &format!("agents: [{}]", validator("uid: 1, ")),
            ),
            &["subnets[0].agents[0].uid", "genesis"],
        ),
        (
            "not-in-snapshot",
            genesis_scenario("snap.json", 8, &validator("uid: 9, ")),
            &["subnets[0].agents[0].uid", "uid 9 is not in the snapshot"],
        ),
        (
            "twice",
            genesis_scenario(
                "snap.json",
                8,
                &format!(
                    "{}, {}",
                    validator("uid: 1, "),
                    validator("uid: 1, ").replace("name: v", "name: w")
                ),
            ),
            &["subnets[0].agents[1].uid", "uid 1 is already taken"],
        ),
        (
            "hash",
            genesis_scenario("snap.json", 8, "").replace(
                "{snapshot: snap.json}",
                "{snapshot: snap.json, snapshot_hash: 'fnv1a64:0'}",
            ),
            &["genesis.snapshot_hash", "the file changed"],
        ),
        (
            "mixed-roles",
            genesis_scenario("snap.json", 8, "") + mixed,
            &["events[0].set_strategy.agents", "several roles"],
        ),
    ];
    let out = TempDir::new("genesis-out");
    for (name, yaml, fragments) in cases {
        let file = dir.path().join(format!("{name}.yaml"));
        std::fs::write(&file, yaml).unwrap();
        let output = taosim(&["run", file.to_str().unwrap(), "--out", out.str(), "--quiet"]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{name}: {stderr}");
        for part in fragments {
            assert!(stderr.contains(part), "{name}: `{part}` not in: {stderr}");
        }
        assert!(
            cli_support::entries_of(out.path()).is_empty(),
            "{name}: nothing written"
        );
    }
    let ok = dir.path().join("ok.yaml");
    std::fs::write(
        &ok,
        genesis_scenario("snap.json", 8, &validator("uid: 1, ")),
    )
    .unwrap();
    let output = taosim(&[
        "run",
        ok.to_str().unwrap(),
        "--out",
        out.str(),
        "--quiet",
        "--no-report",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
}
