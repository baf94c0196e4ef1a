//! `taosim run` and `taosim scenarios` through the built binary: the run directory and its
//! files, byte-identical outputs for one seed, and bad input (exit code 2, one line naming the
//! YAML path or the output directory, no run directory left behind).

mod cli_support;

use cli_support::{TempDir, taosim};
use std::path::Path;
use std::process::Output;

/// A small two-subnet scenario: 6 epochs of tempo 50.
const SMALL: &str = "name: small
seed: 3
duration: {epochs: 6}
subnets:
  - name: a
    tempo: 50
    pool: {tao: 1000, alpha: 10000}
    max_allowed_uids: 12
    commit_reveal_epochs: 1
    agents:
      - {name: val, role: validator, count: 3, stake: {uniform: {low: 1000, high: 5000}}, strategy: {honest: {noise: 0.1}}}
      - {name: copy, role: validator, stake: 2000, strategy: {copier: {lag_epochs: 1}}}
      - {name: miner, role: miner, count: 8, strategy: {serve: {quality: {uniform: {low: 0.1, high: 1.0}}, noise: 0.05}}}
      - {name: nom, role: nominator, count: 4, stake: 100, delegate_to: val, strategy: {random_nominator: {every_epochs: 1, probability: 0.5}}}
      - {name: trader, role: trader, balance: 100, strategy: {random_trader: {every_blocks: 5, max_tao: 2}}}
  - name: b
    tempo: 50
    pool: {tao: 500, alpha: 10000}
    agents:
      - {name: bval, role: validator, count: 2, stake: 3000, root_stake: 100, strategy: {honest: {noise: 0.0, top_k: 2}}}
      - {name: bminer, role: miner, count: 4, strategy: {serve: {quality: 0.5, noise: 0.1}}}
record: {every_blocks: 50}
";

fn write_scenario(dir: &TempDir, text: &str) -> String {
    let path = dir.path().join("scenario.yaml");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

const FILES: [&str; 8] = [
    "accounts.parquet",
    "charts",
    "manifest.json",
    "neurons.parquet",
    "report.md",
    "series.parquet",
    "subnets.parquet",
    "summary.json",
];

/// Every file under `dir` (recursively), by path relative to `dir`, with its bytes.
fn files_of(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if path.is_dir() {
            let inner = files_of(&path);
            files.extend(inner.into_iter().map(|(n, b)| (format!("{name}/{n}"), b)));
        } else {
            files.push((name, std::fs::read(&path).unwrap()));
        }
    }
    files.sort();
    files
}

/// The names directly in `dir`, sorted.
fn entries_of(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    names
}

#[test]
fn run_writes_the_run_directory_and_prints_it() {
    let dir = TempDir::new("files");
    let scenario = write_scenario(&dir, SMALL);
    let out = dir.path().join("reports");
    let output = taosim(&["run", &scenario, "--out", out.to_str().unwrap()]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let run_dir = out.join("small").join("seed-3");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        run_dir.to_str().unwrap()
    );
    assert_eq!(entries_of(&run_dir), FILES);
    assert!(
        files_of(&run_dir)
            .iter()
            .any(|(n, _)| n.starts_with("charts/") && n.ends_with(".png"))
    );
    for (_, bytes) in files_of(&run_dir) {
        assert!(bytes.len() > 100);
    }
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run_dir.join("summary.json")).unwrap()).unwrap();
    // 300 blocks: subnet a runs 6 epochs; subnet b's clock is staggered by half a tempo, so
    // its sixth epoch would fall at block 325.
    assert_eq!(summary["epochs"], 11);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run_dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["seed"], 3);
    assert_eq!(manifest["resolved_scenario"]["subnets"][1]["tempo"], 50);
    // Only the run directory is left in the scenario's folder.
    assert_eq!(std::fs::read_dir(out.join("small")).unwrap().count(), 1);
}

#[test]
fn same_seed_gives_byte_identical_files_and_another_seed_does_not() {
    let dir = TempDir::new("determinism");
    let scenario = write_scenario(&dir, SMALL);
    let run = |out: &str, seed: &str| {
        let output = taosim(&["run", &scenario, "--out", out, "--seed", seed, "--quiet"]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        files_of(&Path::new(out).join("small").join(format!("seed-{seed}")))
    };
    let a = run(dir.path().join("a").to_str().unwrap(), "9");
    let b = run(dir.path().join("b").to_str().unwrap(), "9");
    assert_eq!(a, b);
    let c = run(dir.path().join("c").to_str().unwrap(), "10");
    let parquet = |f: &[(String, Vec<u8>)], name: &str| {
        f.iter().find(|(n, _)| n == name).map(|(_, b)| b.clone())
    };
    assert_ne!(
        parquet(&a, "neurons.parquet"),
        parquet(&c, "neurons.parquet")
    );
    assert_ne!(
        parquet(&a, "accounts.parquet"),
        parquet(&c, "accounts.parquet")
    );
}

#[test]
fn a_rerun_replaces_the_previous_run_directory() {
    let dir = TempDir::new("rerun");
    let scenario = write_scenario(&dir, SMALL);
    let out = dir.path().join("r");
    for _ in 0..2 {
        let output = taosim(&["run", &scenario, "--out", out.to_str().unwrap(), "--quiet"]);
        assert!(output.status.success());
    }
    assert_eq!(std::fs::read_dir(out.join("small")).unwrap().count(), 1);
}

fn assert_bad_input(output: &Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains(needle), "{needle} not in {stderr}");
    assert!(output.stdout.is_empty());
}

#[test]
fn bad_scenarios_exit_2_naming_the_path_and_write_nothing() {
    let dir = TempDir::new("bad");
    let out = dir.path().join("out");
    let cases = [
        ("seed: 3", "seed: 3\nwizard: true", "wizard"),
        (
            "count: 3, stake:",
            "count: 3, stake: -1, x:",
            "subnets[0].agents[0]",
        ),
        (
            "probability: 0.5",
            "probability: 1.5",
            "random_nominator.probability",
        ),
        (
            "{honest: {noise: 0.1}}",
            "{oracle: {}}",
            "subnets[0].agents[0].strategy",
        ),
        ("count: 8", "count: 20", "subnets[0].agents[2].count"),
        (
            "tempo: 50\n    pool: {tao: 1000",
            "tempo: fifty\n    pool: {tao: 1000",
            "subnets[0].tempo",
        ),
    ];
    for (from, to, needle) in cases {
        assert!(SMALL.contains(from), "{from}");
        let scenario = write_scenario(&dir, &SMALL.replacen(from, to, 1));
        let output = taosim(&["run", &scenario, "--out", out.to_str().unwrap()]);
        assert_bad_input(&output, needle);
        assert!(!out.exists(), "{to}: output written");
    }
    let output = taosim(&["run", "/nonexistent/scenario.yaml"]);
    assert_bad_input(&output, "/nonexistent/scenario.yaml");
}

#[test]
fn an_unwritable_output_directory_exits_2_before_simulating() {
    let dir = TempDir::new("unwritable");
    let scenario = write_scenario(&dir, SMALL);
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, "not a directory").unwrap();
    let output = taosim(&["run", &scenario, "--out", blocker.to_str().unwrap()]);
    assert_bad_input(&output, "file");
    assert!(blocker.is_file());
}

#[test]
fn scenarios_lists_and_validates_the_shipped_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let output = taosim(&["scenarios", dir.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.lines().count() >= 21, "{stdout}");
    assert!(stdout.lines().all(|l| l.starts_with("ok ")), "{stdout}");
    let bad = TempDir::new("scenarios");
    std::fs::write(bad.path().join("broken.yaml"), "name: x\n").unwrap();
    let output = taosim(&["scenarios", bad.str()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stdout).contains("broken.yaml"));
}
