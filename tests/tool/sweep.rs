//! `taosim sweep`, `taosim merge` and `taosim run --compare` through the built binary:
//! byte-identical files whatever the thread count, shards that add up to the whole sweep and
//! merge into its very files, a failing run recorded
//! while the sweep goes on, bad sweep paths rejected before any run, and an A/B comparison.

use crate::cli_support::{TempDir, entries_of, files_of, killed, taosim, taosim_env};
use std::path::Path;

/// A small consensus experiment: 2 × 5 points × 2 replicates.
const CONSENSUS: &str = "name: cg
seed: 1
consensus: {neurons: 96, validators: 12, honest_stake: 0.75, honest_weight: 0.9, cabal_weight: 0.5, weight_sd: 0.2}
record: {neurons: false}
sweep:
  replicates: 2
  grid:
    consensus.honest_stake: [0.55, 0.75]
    consensus.honest_weight: {from: 0, to: 1, step: 0.25}
";

/// A small full simulation swept over kappa and a zipped liquid-alpha range.
const SIM: &str = "name: sim
seed: 5
duration: {epochs: 3}
subnets:
  - name: a
    tempo: 30
    pool: {tao: 1000, alpha: 10000}
    max_allowed_uids: 16
    agents:
      - {name: val, role: validator, count: 3, stake: {uniform: {low: 1000, high: 5000}}, strategy: {honest: {noise: 0.1}}}
      - {name: copy, role: validator, stake: 2000, strategy: {copier: {lag_epochs: 1}}}
      - {name: miner, role: miner, count: 6, strategy: {serve: {quality: {uniform: {low: 0.1, high: 1.0}}, noise: 0.05}}}
sweep:
  replicates: 2
  grid:
    subnets.0.hyperparameters.kappa: [0.4, 0.6]
  zip:
    subnets.0.hyperparameters.alpha_low: [0.5, 0.7]
    subnets.0.hyperparameters.alpha_high: [0.8, 0.9]
";

fn write(dir: &TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

fn sweep(file: &str, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["sweep", file, "--out", out.to_str().unwrap(), "--quiet"];
    args.extend_from_slice(extra);
    let output = taosim(&args);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

const FILES: [&str; 4] = [
    "manifest.json",
    "runs.parquet",
    "metrics.parquet",
    "series.parquet",
];

fn assert_same_files(a: &Path, b: &Path) {
    for f in FILES {
        let (x, y) = (
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
        );
        assert!(!x.is_empty(), "{f} is empty");
        assert!(
            x == y,
            "{f} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

#[test]
fn outputs_do_not_depend_on_the_thread_count() {
    let dir = TempDir::new("jobs");
    for (name, text) in [("cg.yaml", CONSENSUS), ("sim.yaml", SIM)] {
        let file = write(&dir, name, text);
        let scenario = name.trim_end_matches(".yaml");
        let (one, two) = (dir.path().join("one"), dir.path().join("two"));
        sweep(&file, &one, &["--jobs", "1"]);
        sweep(&file, &two, &["--jobs", "2"]);
        let at = |root: &Path| root.join(scenario).join("sweep");
        assert_same_files(&at(&one), &at(&two));
    }
}

#[test]
fn shards_partition_the_runs() {
    let dir = TempDir::new("shards");
    let file = write(&dir, "cg.yaml", CONSENSUS);
    let whole = dir.path().join("whole");
    let parts = dir.path().join("parts");
    sweep(&file, &whole, &[]);
    sweep(&file, &parts, &["--shard", "1/3"]);
    sweep(&file, &parts, &["--shard", "3/3"]);
    sweep(&file, &parts, &["--shard", "2/3"]);
    let manifest = |p: &Path| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(p.join("manifest.json")).unwrap()).unwrap()
    };
    let root = parts.join("cg").join("sweep");
    assert_eq!(manifest(&root)["runs"], 20);
    let shard = root.join("shard-2-of-3");
    assert_eq!(manifest(&shard)["shard"]["index"], 2);
    for k in 1..=3 {
        assert!(
            root.join(format!("shard-{k}-of-3/metrics.parquet"))
                .exists()
        );
    }
    let mut from_shards: Vec<MetricRow> = (1..=3)
        .flat_map(|k| metric_rows(&root.join(format!("shard-{k}-of-3"))))
        .collect();
    from_shards.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    let whole = metric_rows(&whole.join("cg/sweep"));
    assert_eq!(whole.len(), 60);
    assert_eq!(from_shards, whole);
    let first: Vec<u32> = metric_rows(&root.join("shard-2-of-3"))
        .iter()
        .map(|r| r.0)
        .collect();
    assert_eq!(first.first(), Some(&1), "shard 2 of 3 starts at run 1");
    assert!(first.iter().all(|r| r % 3 == 1));
}

#[test]
fn merged_shards_are_the_unsharded_sweep() {
    let dir = TempDir::new("merge");
    for (name, text) in [("cg.yaml", CONSENSUS), ("sim.yaml", SIM)] {
        let file = write(&dir, name, text);
        let scenario = name.trim_end_matches(".yaml");
        let (whole, parts) = (dir.path().join("whole"), dir.path().join("parts"));
        sweep(&file, &whole, &["--no-report"]);
        for k in ["2/3", "1/3", "3/3"] {
            sweep(&file, &parts, &["--shard", k, "--no-report"]);
        }
        let root = parts.join(scenario).join("sweep");
        let merged = taosim(&["merge", root.to_str().unwrap()]);
        assert!(
            merged.status.success(),
            "{}",
            String::from_utf8_lossy(&merged.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&merged.stdout).trim(),
            root.to_str().unwrap()
        );
        assert_same_files(&whole.join(scenario).join("sweep"), &root);
        let report = std::fs::read_to_string(root.join("report.md")).unwrap();
        assert!(!report.contains("more than once"), "{report}");
        assert!(
            root.join("shard-2-of-3/runs.parquet").exists(),
            "the shards stay"
        );
    }
}

#[test]
fn a_merge_names_missing_shards_and_runs_and_changes_nothing() {
    let dir = TempDir::new("merge-missing");
    let file = write(&dir, "cg.yaml", CONSENSUS);
    let parts = dir.path().join("parts");
    for k in ["1/3", "3/3"] {
        sweep(&file, &parts, &["--shard", k, "--no-report"]);
    }
    let root = parts.join("cg/sweep");
    let before = files_of(&root);
    let out = taosim(&["merge", root.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("1 of 3 shards missing: shard-2-of-3"), "{err}");
    assert!(
        err.contains("7 of 20 runs missing: runs 1, 4, 7, 10"),
        "{err}"
    );
    assert_eq!(files_of(&root), before, "nothing changed");
    // The same shard twice (copied under the other's name) is a doubled run set.
    let copy = root.join("shard-2-of-3");
    std::fs::create_dir(&copy).unwrap();
    for (name, bytes) in files_of(&root.join("shard-1-of-3")) {
        std::fs::write(copy.join(name), bytes).unwrap();
    }
    let out = taosim(&["merge", root.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a shard's manifest names its place"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("shard-2-of-3/manifest.json: `shard` is not"),
        "{err}"
    );
    let not_sweep = taosim(&["merge", root.join("shard-1-of-3").to_str().unwrap()]);
    assert_eq!(not_sweep.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&not_sweep.stderr).contains("a shard's manifest"));
}

type MetricRow = (u32, String, u64);

/// (run, metric, value bits) of a sweep directory's `metrics.parquet`.
fn metric_rows(dir: &Path) -> Vec<MetricRow> {
    use polars::prelude::*;
    let file = std::fs::File::open(dir.join("metrics.parquet")).unwrap();
    let frame = ParquetReader::new(file).finish().unwrap();
    let run = frame.column("run").unwrap().u32().unwrap().clone();
    let metric = frame.column("metric").unwrap().str().unwrap().clone();
    let value = frame.column("value").unwrap().f64().unwrap().clone();
    (0..frame.height())
        .map(|i| {
            let v = value.get(i).unwrap();
            (
                run.get(i).unwrap(),
                metric.get(i).unwrap().to_string(),
                v.to_bits(),
            )
        })
        .collect()
}

#[test]
fn a_failing_run_is_recorded_and_the_sweep_goes_on() {
    // Each value is valid alone; 14 validators with 10 uids is not.
    let text = SIM.replace(
        "  grid:\n    subnets.0.hyperparameters.kappa: [0.4, 0.6]\n  zip:\n    subnets.0.hyperparameters.alpha_low: [0.5, 0.7]\n    subnets.0.hyperparameters.alpha_high: [0.8, 0.9]\n",
        "  grid:\n    subnets.0.agents.0.count: [3, 8]\n    subnets.0.max_allowed_uids: [16, 12]\n",
    );
    let dir = TempDir::new("failing");
    let file = write(&dir, "sim.yaml", &text);
    let output = sweep(&file, dir.path(), &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("2 of 8 runs failed"), "{stderr}");
    let runs = std::fs::read(dir.path().join("sim/sweep/runs.parquet")).unwrap();
    let text = String::from_utf8_lossy(&runs);
    assert!(
        text.contains("max_allowed_uids"),
        "the error names the field"
    );
}

#[test]
fn bad_sweeps_are_rejected_before_any_run() {
    let dir = TempDir::new("bad");
    let cases = [
        (
            "consensus.honest_stake: [0.55, 0.75]",
            "consensus.honest_stak: [0.55, 0.75]",
            "sweep.grid.consensus.honest_stak[0]",
        ),
        (
            "consensus.honest_stake: [0.55, 0.75]",
            "consensus.honest_stake: [0.55, 1.5]",
            "sweep.grid.consensus.honest_stake[1]",
        ),
        ("replicates: 2", "replicates: 0", "sweep.replicates"),
        (
            "{from: 0, to: 1, step: 0.25}",
            "{from: 1, to: 0, step: 0.25}",
            "sweep.grid.consensus.honest_weight",
        ),
    ];
    for (i, (from, to, needle)) in cases.iter().enumerate() {
        let text = CONSENSUS.replace(from, to);
        assert_ne!(text, CONSENSUS);
        let file = write(&dir, &format!("bad{i}.yaml"), &text);
        let out = dir.path().join(format!("out{i}"));
        let output = taosim(&["sweep", &file, "--out", out.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(needle), "{needle} not in {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(!out.join("cg").exists(), "nothing written for {needle}");
    }
    let output = taosim(&[
        "sweep",
        &write(&dir, "ok.yaml", CONSENSUS),
        "--shard",
        "4/3",
    ]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn compare_reports_paired_differences() {
    let dir = TempDir::new("compare");
    let a = write(&dir, "a.yaml", &CONSENSUS.replace("name: cg", "name: low"));
    let b = write(
        &dir,
        "b.yaml",
        &CONSENSUS
            .replace("name: cg", "name: high")
            .replace("honest_weight: 0.9", "honest_weight: 0.1"),
    );
    let out = dir.path().join("out");
    let output = taosim(&[
        "run",
        &a,
        "--compare",
        &b,
        "--replicates",
        "3",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let root = out.join("low-vs-high");
    let compare: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join("compare.json")).unwrap()).unwrap();
    let share = compare["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == "honest_emission_share")
        .expect("the consensus metric is compared");
    assert_eq!(share["n"], 3);
    let (a_mean, b_mean) = (
        share["a_mean"].as_f64().unwrap(),
        share["b_mean"].as_f64().unwrap(),
    );
    // Honest validators that put only 10 % of their weight on honest servers lose emission.
    assert!(b_mean < a_mean, "{a_mean} vs {b_mean}");
    let diff = share["diff_mean"].as_f64().unwrap();
    assert!((diff - (b_mean - a_mean)).abs() < 1e-12);
    for side in ["a", "b"] {
        assert!(root.join(side).join("metrics.parquet").exists());
    }
}

/// Issue 12: a sweep rerun killed before its publication leaves the previous complete sweep
/// directory, killed right after it the new one; the next run clears the leftover.
#[test]
fn a_sweep_killed_while_publishing_leaves_a_complete_directory() {
    let dir = TempDir::new("sweep-kill");
    let file = write(&dir, "cg.yaml", CONSENSUS);
    let (out, reference) = (dir.path().join("r"), dir.path().join("ref"));
    sweep(&file, &out, &[]);
    sweep(&file, &reference, &["--seed", "2"]);
    let target = out.join("cg/sweep");
    let (old, new) = (files_of(&target), files_of(&reference.join("cg/sweep")));
    assert_ne!(old, new);
    let args = [
        "sweep",
        &file,
        "--out",
        out.to_str().unwrap(),
        "--quiet",
        "--seed",
        "2",
    ];
    for (step, expected) in [
        ("tables", &old),
        ("report", &old),
        ("publish", &old),
        ("exchanged", &new),
    ] {
        let output = taosim_env(&args, &[("TAOSIM_TEST_KILL_AT", step)]);
        assert!(killed(&output), "{step}");
        assert!(
            files_of(&target) == *expected,
            "{step}: neither complete directory"
        );
    }
    let output = taosim(&args);
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("note: removed"));
    assert_eq!(entries_of(&out.join("cg")), ["sweep"]);
    assert!(files_of(&target) == new);
}
