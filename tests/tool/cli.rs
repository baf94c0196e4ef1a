//! `taosim epoch` through the built binary: the JSON contract of `epoch_json` and the exit codes
//! of `cli` (0 success; 2 bad input with one line on stderr naming the field or file and
//! nothing on stdout).

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The output fields of one neuron, in contract order.
const NEURON_FIELDS: [&str; 11] = [
    "active",
    "validator_permit",
    "stake_weight",
    "consensus",
    "incentive",
    "dividends",
    "validator_trust",
    "server_emission",
    "validator_emission",
    "emission",
    "bonds",
];

const EMISSION: u64 = 1_000_000_000;

/// Two validators (uids 0, 1) and three miners (uids 2–4).
fn small_input() -> Value {
    json!({
        "block": 1000,
        "tempo": 360,
        "emission": EMISSION,
        "params": {"kappa": 32767},
        "neurons": [
            {"alpha_stake": 1_000_000_000_000u64, "registered_at": 1, "last_update": 999,
             "validator_permit": true, "weights": [[2, 65535], [3, 30000]], "bonds": [[2, 1000]]},
            {"alpha_stake": 500_000_000_000u64, "root_stake": 10_000_000_000u64,
             "registered_at": 1, "last_update": 999, "validator_permit": true,
             "weights": [[3, 65535], [2, 100], [4, 20000]], "commit_block": null},
            {"alpha_stake": 0, "registered_at": 1, "last_update": 10, "validator_permit": false},
            {"alpha_stake": 0, "registered_at": 1, "last_update": 10, "validator_permit": false},
            {"alpha_stake": 0, "registered_at": 1, "last_update": 10, "validator_permit": false}
        ]
    })
}

/// A writable path under the system temp dir, unique per process and call.
fn temp_path(name: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let k = COUNTER.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("taosim-cli-{}-{k}-{name}", std::process::id()))
}

/// A file holding `text`, removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, text: &str) -> Self {
        let path = temp_path(name);
        std::fs::write(&path, text).expect("write temp file");
        TempFile(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Runs `taosim epoch <args>` with `stdin` piped in.
fn taosim(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_taosim"))
        .arg("epoch")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn taosim");
    let mut pipe = child.stdin.take().expect("stdin pipe");
    // The binary may exit before reading everything (e.g. a file argument): ignore EPIPE.
    let _ = pipe.write_all(stdin.as_bytes());
    drop(pipe);
    child.wait_with_output().expect("wait for taosim")
}

fn run_file(path: &Path, extra: &[&str]) -> Output {
    let mut args = vec![path.to_str().expect("utf-8 temp path")];
    args.extend_from_slice(extra);
    taosim(&args, "")
}

fn stdout_json(output: &Output) -> Value {
    assert_eq!(
        output.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.stderr.is_empty(), "stderr on success");
    serde_json::from_slice(&output.stdout).expect("stdout is JSON")
}

/// Exit 2, nothing on stdout, one `error: …` line on stderr containing every fragment.
fn assert_rejected(output: &Output, fragments: &[&str]) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    assert!(output.stdout.is_empty(), "stdout: {:?}", output.stdout);
    assert_eq!(stderr.matches('\n').count(), 1, "not one line: {stderr:?}");
    assert!(
        stderr.ends_with('\n') && !stderr.contains('\r'),
        "{stderr:?}"
    );
    assert!(stderr.starts_with("error: "), "{stderr:?}");
    for fragment in fragments {
        assert!(stderr.contains(fragment), "{fragment:?} not in {stderr:?}");
    }
}

/// Feeds `doc` on stdin and checks the rejection.
fn assert_doc_rejected(doc: &Value, fragments: &[&str]) {
    assert_rejected(&taosim(&["-"], &doc.to_string()), fragments);
}

/// `small_input()` with `edit` applied.
fn edited(edit: impl FnOnce(&mut Value)) -> Value {
    let mut doc = small_input();
    edit(&mut doc);
    doc
}

fn remove(value: &mut Value, key: &str) {
    value.as_object_mut().expect("object").remove(key);
}

/// The keys of a JSON object in document order.
struct Keys(Vec<String>);

impl<'de> Deserialize<'de> for Keys {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeysVisitor;
        impl<'de> Visitor<'de> for KeysVisitor {
            type Value = Keys;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Keys, A::Error> {
                let mut keys = Vec::new();
                while let Some((key, IgnoredAny)) = map.next_entry::<String, IgnoredAny>()? {
                    keys.push(key);
                }
                Ok(Keys(keys))
            }
        }
        deserializer.deserialize_map(KeysVisitor)
    }
}

#[derive(Deserialize)]
struct NeuronKeys {
    neurons: Vec<Keys>,
}

#[test]
fn valid_input_gives_one_contract_object_per_neuron() {
    let output = taosim(&["-"], &small_input().to_string());
    let doc = stdout_json(&output);
    let neurons = doc["neurons"].as_array().expect("neurons array");
    assert_eq!(neurons.len(), 5);
    assert_eq!(doc.as_object().map(|o| o.len()), Some(1), "only `neurons`");

    let keys: NeuronKeys = serde_json::from_slice(&output.stdout).expect("keys");
    for (i, neuron) in keys.neurons.iter().enumerate() {
        assert_eq!(neuron.0, NEURON_FIELDS, "neuron {i}");
    }

    let total: u64 = neurons
        .iter()
        .map(|x| x["emission"].as_u64().unwrap())
        .sum();
    assert!(total <= EMISSION, "Σ emission {total} > {EMISSION}");
    let split: u64 = neurons
        .iter()
        .map(|x| x["server_emission"].as_u64().unwrap() + x["validator_emission"].as_u64().unwrap())
        .sum();
    assert!(
        split <= EMISSION,
        "Σ server + validator {split} > {EMISSION}"
    );
    // Both validators voted for the miners: miners earn incentive, validators dividends.
    assert!(neurons[2]["server_emission"].as_u64().unwrap() > 0);
    assert!(neurons[0]["validator_emission"].as_u64().unwrap() > 0);
}

/// Every array of the trace (vector or matrix) has one entry per neuron, except the arrays
/// a regime does not compute (`bonds_delta` exists only in original Yuma).
fn assert_trace_has_length(doc: &Value, n: usize, skip: &[&str]) {
    let trace = doc["trace"].as_object().expect("trace object");
    assert_eq!(trace["n"].as_u64(), Some(n as u64));
    let mut arrays = 0;
    for (name, value) in trace {
        if let Some(items) = value.as_array() {
            arrays += 1;
            if skip.contains(&name.as_str()) {
                continue;
            }
            assert_eq!(items.len(), n, "trace.{name}");
        }
    }
    assert!(arrays >= 25, "only {arrays} trace arrays");
}

#[test]
fn trace_adds_vectors_of_length_n() {
    let plain = stdout_json(&taosim(&["-"], &small_input().to_string()));
    let traced = stdout_json(&taosim(&["--trace", "-"], &small_input().to_string()));
    assert_eq!(
        plain["neurons"], traced["neurons"],
        "trace changes the result"
    );
    assert_trace_has_length(&traced, 5, &["bonds_delta"]);

    let original = edited(|d| d["params"]["yuma3"] = json!(false));
    let traced = stdout_json(&taosim(&["-", "--trace"], &original.to_string()));
    assert_trace_has_length(&traced, 5, &[]);
}

#[test]
fn file_and_stdin_give_identical_bytes() {
    for extra in [&[][..], &["--trace"][..]] {
        let text = serde_json::to_string_pretty(&small_input()).unwrap();
        let file = TempFile::new("input.json", &text);
        let from_file = run_file(&file.0, extra);
        let mut dash = vec!["-"];
        dash.extend_from_slice(extra);
        let from_dash = taosim(&dash, &text);
        let from_default = taosim(extra, &text);
        stdout_json(&from_file);
        assert_eq!(from_file.stdout, from_dash.stdout, "{extra:?}");
        assert_eq!(from_file.stdout, from_default.stdout, "{extra:?}");
    }
}

#[test]
fn malformed_json_is_rejected() {
    let text = small_input().to_string();
    let truncated = &text[..text.len() / 2];
    assert_rejected(&taosim(&["-"], truncated), &["EOF while parsing", "column"]);
    assert_rejected(&taosim(&["-"], ""), &["input", "EOF"]);
    let missing_value = r#"{"block": 1, "tempo": }"#;
    assert_rejected(&taosim(&["-"], missing_value), &["tempo", "column 23"]);
    let missing_comma = r#"{"block": 1 "tempo": 2}"#;
    assert_rejected(
        &taosim(&["-"], missing_comma),
        &["expected `,`", "column 13"],
    );
    let file = TempFile::new("truncated.json", truncated);
    assert_rejected(&run_file(&file.0, &[]), &["EOF while parsing"]);
}

#[test]
fn unknown_top_level_field_is_rejected() {
    let doc = edited(|d| d["colour"] = json!(1));
    assert_doc_rejected(&doc, &["colour", "unknown field"]);
}

#[test]
fn unknown_params_field_is_rejected() {
    let doc = edited(|d| d["params"]["kapa"] = json!(1));
    assert_doc_rejected(&doc, &["params.kapa"]);
}

#[test]
fn unknown_neuron_field_is_rejected() {
    let doc = edited(|d| d["neurons"][1]["stake"] = json!(1));
    assert_doc_rejected(&doc, &["neurons[1].stake"]);
}

#[test]
fn missing_top_level_field_is_rejected() {
    for field in ["block", "tempo", "emission", "neurons"] {
        let doc = edited(|d| remove(d, field));
        assert_doc_rejected(&doc, &["missing field", &format!("`{field}`")]);
    }
}

#[test]
fn missing_neuron_field_is_rejected() {
    for field in [
        "alpha_stake",
        "registered_at",
        "last_update",
        "validator_permit",
    ] {
        let doc = edited(|d| remove(&mut d["neurons"][0], field));
        assert_doc_rejected(&doc, &["neurons[0]", &format!("`{field}`")]);
    }
}

#[test]
fn weight_uid_out_of_range_is_rejected() {
    let doc = edited(|d| d["neurons"][1]["weights"] = json!([[7, 1]]));
    assert_doc_rejected(
        &doc,
        &["neurons[1].weights[0]", "uid 7 out of range (n = 5)"],
    );
}

#[test]
fn bond_uid_out_of_range_is_rejected() {
    let doc = edited(|d| d["neurons"][0]["bonds"] = json!([[2, 1], [5, 1]]));
    assert_doc_rejected(&doc, &["neurons[0].bonds[1]", "uid 5"]);
}

#[test]
fn u16_out_of_range_is_rejected() {
    let tempo = edited(|d| d["tempo"] = json!(65536));
    assert_doc_rejected(&tempo, &["tempo"]);
    let kappa = edited(|d| d["params"]["kappa"] = json!(70000));
    assert_doc_rejected(&kappa, &["params.kappa"]);
    let negative = edited(|d| d["params"]["alpha_low"] = json!(-1));
    assert_doc_rejected(&negative, &["params.alpha_low"]);
    let weight = edited(|d| d["neurons"][0]["weights"] = json!([[2, 65536]]));
    assert_doc_rejected(&weight, &["neurons[0].weights[0]"]);
    let uid = edited(|d| d["neurons"][0]["bonds"] = json!([[65536, 1]]));
    assert_doc_rejected(&uid, &["neurons[0].bonds[0]"]);
}

#[test]
fn duplicate_uid_in_a_row_is_rejected() {
    let doc = edited(|d| d["neurons"][0]["weights"] = json!([[3, 1], [2, 5], [3, 9]]));
    assert_doc_rejected(&doc, &["neurons[0].weights[2]", "duplicate uid 3"]);
    let bonds = edited(|d| d["neurons"][1]["bonds"] = json!([[4, 1], [4, 1]]));
    assert_doc_rejected(&bonds, &["neurons[1].bonds[1]"]);
}

#[test]
fn empty_neuron_list_is_rejected() {
    let doc = edited(|d| d["neurons"] = json!([]));
    assert_doc_rejected(&doc, &["neurons"]);
}

#[test]
fn owner_uid_out_of_range_is_rejected() {
    let doc = edited(|d| d["owner_uid"] = json!(5));
    assert_doc_rejected(&doc, &["owner_uid", "uid 5 out of range (n = 5)"]);
    let in_range = edited(|d| d["owner_uid"] = json!(4));
    stdout_json(&taosim(&["-"], &in_range.to_string()));
}

#[test]
fn missing_file_is_rejected_naming_it() {
    let path = temp_path("does-not-exist.json");
    let path_text = path.to_str().expect("utf-8 temp path");
    assert_rejected(&taosim(&[path_text], ""), &[path_text]);
}

#[test]
fn unreadable_file_is_rejected_naming_it() {
    let dir = temp_path("a-directory");
    std::fs::create_dir(&dir).expect("create temp dir");
    let dir_text = dir.to_str().expect("utf-8 temp path").to_string();
    let output = taosim(&[&dir_text], "");
    let _ = std::fs::remove_dir(&dir);
    assert_rejected(&output, &[&dir_text]);
}

#[test]

fn text_after_the_document_is_rejected() {
    for tail in [" xyz", "}", "{}", "[1]"] {
        let text = format!("{}{tail}", small_input());
        assert_rejected(&taosim(&["-"], &text), &["input"]);
    }
}

#[test]

fn document_written_as_an_array_is_rejected() {
    let text = r#"[1, 1, 1000, 0, null, {}, [[5, 0, 0, 0, true, [], [], null]]]"#;
    assert_rejected(&taosim(&["-"], text), &["input"]);
}

#[test]

fn unknown_key_with_a_line_break_gives_one_line() {
    let doc = edited(|d| d["params"]["a\nb"] = json!(1));
    assert_doc_rejected(&doc, &["params."]);
}

#[test]

fn file_name_with_a_line_break_gives_one_line() {
    let path = temp_path("no\nsuch.json");
    assert_rejected(&taosim(&[path.to_str().unwrap()], ""), &["such.json"]);
}

// ---------------------------------------------------------------------------------------------
// Hostile input (issue 12 part 5, issue 11): one short line, exit 2, nothing written
// ---------------------------------------------------------------------------------------------

/// Longest error line hostile input may produce: `error: ` and a message cut at 1 000
/// characters.
const LINE_BOUND: usize = 1_007;

/// Runs the built binary with `args` (any subcommand), standard input closed.
fn taosim_command(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_taosim"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the taosim binary runs")
}

/// [`assert_rejected`], plus: no control character left in the line, at most [`LINE_BOUND`]
/// characters. Returns the line.
fn assert_one_short_line(output: &Output, fragments: &[&str]) -> String {
    assert_rejected(output, fragments);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stderr.trim_end_matches('\n').to_string();
    assert!(!line.chars().any(char::is_control), "{line:?}");
    let chars = line.chars().count();
    assert!(chars <= LINE_BOUND, "{chars} characters: {line}");
    line
}

fn permitted_neuron() -> Value {
    json!({"alpha_stake": 1, "registered_at": 0, "last_update": 0, "validator_permit": true})
}

/// 65 535 permitted neurons made the consensus median allocate 65 535² values (34 GB) and
/// abort; a subnet holds at most 4 096 uids.
#[test]
fn more_uids_than_a_subnet_holds_are_refused_before_allocating() {
    for n in [65_535usize, 4_097] {
        let doc = json!({"block": 1, "tempo": 1, "emission": 1,
            "params": {"max_allowed_validators": 65535},
            "neurons": vec![permitted_neuron(); n]});
        assert_one_short_line(
            &taosim(&["-"], &doc.to_string()),
            &["neurons", "at most 4096"],
        );
    }
}

#[test]
fn a_ten_megabyte_key_is_echoed_short() {
    let key = format!("{}END", "k".repeat(10 << 20));
    let doc = edited(|d| d["params"][key.as_str()] = json!(1));
    let line = assert_one_short_line(
        &taosim(&["-"], &doc.to_string()),
        &["params.kkk", "…", "kkkEND", "unknown field"],
    );
    // Two echoes of the key, each cut to ~100 characters, and the list of known fields.
    assert!(line.chars().count() < 700, "{line}");
}

#[test]
fn control_characters_in_keys_values_and_paths_are_escaped() {
    let doc = edited(|d| d["neurons"][0]["x\r\u{1b}[2Jy"] = json!(1));
    assert_one_short_line(&taosim(&["-"], &doc.to_string()), &["x\\r\\u{1b}[2Jy"]);
    let path = temp_path(&format!("{}\r\n.json", "p".repeat(5_000)));
    let line = assert_one_short_line(&taosim(&[path.to_str().unwrap()], ""), &["…"]);
    assert!(line.contains("\\r\\n.json"), "{line}");
}

#[test]
fn jobs_of_zero_or_beyond_the_limit_are_refused_naming_the_option() {
    let out = temp_path("jobs-out");
    let out = out.to_str().unwrap();
    let scenario = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/attacks/minimal-cabal.yaml"
    );
    let too_many = (taosim::cli::max_jobs() + 1).to_string();
    for jobs in [
        "0",
        "100000",
        too_many.as_str(),
        "many",
        "18446744073709551616",
    ] {
        let commands: [&[&str]; 3] = [
            &["sweep", scenario, "--out", out, "--jobs", jobs],
            &[
                "run",
                scenario,
                "--compare",
                scenario,
                "--out",
                out,
                "--jobs",
                jobs,
            ],
            &["check", "--baselines", out, "--jobs", jobs],
        ];
        for args in commands {
            assert_one_short_line(&taosim_command(args), &["--jobs"]);
            assert!(!Path::new(out).exists(), "{args:?} wrote {out}");
        }
    }
}

#[test]
fn jobs_limit_is_four_per_core() {
    let max = taosim::cli::max_jobs();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert_eq!(max, 4 * cores);
    assert_eq!(taosim::cli::parse_jobs(&max.to_string()), Ok(max));
    assert_eq!(taosim::cli::parse_jobs("1"), Ok(1));
    assert!(taosim::cli::parse_jobs(&(max + 1).to_string()).is_err());
    assert!(taosim::cli::parse_jobs("0").is_err());
}

#[test]
fn argument_errors_are_one_line() {
    assert_one_short_line(&taosim_command(&["run", "--colour"]), &["--colour"]);
    assert_one_short_line(&taosim_command(&["sweep"]), &["SCENARIO"]);
    assert_one_short_line(&taosim_command(&["frobnicate"]), &["frobnicate"]);
    let shard = format!("1\n/2{}", "9".repeat(10_000));
    assert_one_short_line(
        &taosim_command(&["sweep", "x.yaml", "--shard", &shard]),
        &["--shard", "1\\n/2"],
    );
    let help = taosim_command(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).contains("Usage"));
}

/// A valid scenario (from `tests/scenarios.rs`) for hostile edits.
const SCENARIO: &str = "name: t
duration: {blocks: 100}
subnets:
  - name: s
    pool: {tao: 10, alpha: 10}
    max_allowed_uids: 4
    agents:
      - {name: v, role: validator, stake: 10, strategy: {honest: {noise: 0.1}}}
      - {name: m, role: miner, count: 2, strategy: {serve: {quality: 0.5}}}
";

/// Hostile scenario files through `taosim run`, `sweep` and `check`: one short line, exit 2,
/// no output directory.
#[test]
fn hostile_scenarios_give_one_short_line_and_write_nothing() {
    let bomb = {
        let mut yaml = String::from("name: bomb\nl0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            let refs = vec![format!("*l{}", i - 1); 10].join(", ");
            yaml.push_str(&format!("l{i}: &l{i} [{refs}]\n"));
        }
        yaml
    };
    let edit = |from: &str, to: &str| SCENARIO.replace(from, to);
    let long_key = format!("\"{}\": 1\n{SCENARIO}", "k".repeat(10 << 20));
    let cases: [(&str, String, &[&str]); 6] = [
        (
            "name-newline",
            edit("name: t", "name: \"a\\nb\""),
            &["name", "'a\\nb'"],
        ),
        (
            "key-cr",
            edit("max_allowed_uids: 4", "\"ke\\ry\": 4"),
            &["ke\\ry"],
        ),
        (
            "duplicate",
            edit("max_allowed_uids: 4", "tempo: 9\n    tempo: 9"),
            &["duplicate key `tempo`"],
        ),
        (
            "uids",
            edit("max_allowed_uids: 4", "max_allowed_uids: 65535"),
            &["max_allowed_uids", "4096"],
        ),
        ("bomb", bomb, &["bomb.yaml"]),
        ("long-key", long_key, &["long-key.yaml"]),
    ];
    let out = temp_path("hostile-out");
    let out_str = out.to_str().unwrap();
    for (name, yaml, fragments) in cases {
        let file = TempFile::new(&format!("{name}.yaml"), &yaml);
        let path = file.0.to_str().unwrap();
        for args in [
            vec!["run", path, "--out", out_str],
            vec!["sweep", path, "--out", out_str],
        ] {
            let line = assert_one_short_line(&taosim_command(&args), fragments);
            assert!(
                !line.contains("DuplicateKeyPolicy") && !line.contains("Nodes {"),
                "{line}"
            );
            assert!(!out.exists(), "{name}: {args:?} wrote {out_str}");
        }
    }
}
