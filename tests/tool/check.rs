//! `taosim check`: the committed suite passes on the committed baselines; a hyperparameter
//! default changed on purpose fails it; through the binary, drift exits 1 with a table, a
//! changed scenario file invalidates its baseline, a malformed baseline exits 2, and `--bless`
//! rewrites the baselines so that the next check passes.

use crate::cli_support::{TempDir, taosim};
use std::path::{Path, PathBuf};
use taosim::api::check::{render, run_suite};
use taosim::check::Status;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

#[test]
fn the_committed_suite_passes_and_a_changed_default_fails_it() {
    let (suite, baselines) = (root().join("scenarios/check"), root().join("baselines"));
    let outcome = run_suite(&suite, &baselines, false, None, &|_| {}).expect("the suite runs");
    assert_eq!(outcome.len(), 3);
    let table = render(&outcome, false);
    assert!(outcome.iter().all(|c| !c.failed()), "{table}");
    assert!(outcome.iter().all(|c| c.rows.len() > 10), "{table}");
    // Kappa's default moves from 0.5 to 0.6 on every subnet: the economy moves.
    let changed = run_suite(&suite, &baselines, false, None, &|s| {
        for subnet in &mut s.subnets {
            subnet.epoch.kappa = 39_321;
        }
    })
    .expect("the suite runs");
    let table = render(&changed, false);
    assert!(changed.iter().any(|c| c.failed()), "{table}");
    let drifted = changed
        .iter()
        .flat_map(|c| &c.rows)
        .filter(|r| r.status == Status::Drift)
        .count();
    assert!(drifted > 0, "{table}");
    assert!(
        table.contains("DRIFT") && table.contains("baseline"),
        "{table}"
    );
}

/// A one-scenario suite (the Yuma cases) and its baseline, copied into `dir`.
fn small_suite(dir: &TempDir) -> (PathBuf, PathBuf) {
    let (suite, baselines) = (dir.path().join("suite"), dir.path().join("baselines"));
    std::fs::create_dir_all(&suite).unwrap();
    std::fs::create_dir_all(&baselines).unwrap();
    let name = "check-yuma-cases";
    std::fs::copy(
        root().join("scenarios/check/yuma-cases.yaml"),
        suite.join("yuma-cases.yaml"),
    )
    .unwrap();
    std::fs::copy(
        root().join(format!("baselines/{name}.json")),
        baselines.join(format!("{name}.json")),
    )
    .unwrap();
    (suite, baselines)
}

fn check(suite: &Path, baselines: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "check",
        suite.to_str().unwrap(),
        "--baselines",
        baselines.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    taosim(&args)
}

#[test]
fn the_binary_exits_1_on_drift_and_bless_makes_it_pass_again() {
    let dir = TempDir::new("check");
    let (suite, baselines) = small_suite(&dir);
    let ok = check(&suite, &baselines, &[]);
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    // One blessed value moved by 1 %: beyond its tolerance.
    let file = baselines.join("check-yuma-cases.json");
    let text = std::fs::read_to_string(&file).unwrap();
    let mut baseline: serde_json::Value = serde_json::from_str(&text).unwrap();
    let entry = &mut baseline["metrics"][0];
    let metric = entry["metric"].as_str().unwrap().to_string();
    entry["value"] = (entry["value"].as_f64().unwrap() * 1.01).into();
    std::fs::write(&file, serde_json::to_string_pretty(&baseline).unwrap()).unwrap();
    let drift = check(&suite, &baselines, &[]);
    let stdout = String::from_utf8_lossy(&drift.stdout);
    assert_eq!(drift.status.code(), Some(1), "{stdout}");
    let line = stdout
        .lines()
        .find(|l| l.contains(&metric))
        .expect("the metric's row");
    assert!(line.contains("DRIFT") && line.contains("-0.990%"), "{line}");
    // --bless rewrites it (and says so); the next check passes.
    let blessed = check(&suite, &baselines, &["--bless"]);
    assert_eq!(blessed.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&blessed.stdout).contains("blessed (1 changed"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
    assert_eq!(check(&suite, &baselines, &[]).status.code(), Some(0));
}

/// Issue 12: the check compares what a scenario means. A comment changes nothing; a changed
/// scenario is still run and its full drift table printed, marked; a bad baseline is refused.
#[test]
fn a_changed_scenario_or_a_bad_baseline_is_reported() {
    let dir = TempDir::new("check-stale");
    let (suite, baselines) = small_suite(&dir);
    let scenario = suite.join("yuma-cases.yaml");
    let text = std::fs::read_to_string(&scenario).unwrap();
    let commented = format!(
        "# reviewed again\n{}",
        text.replace("seed: 0", "seed: 0   # fixed")
    );
    std::fs::write(&scenario, &commented).unwrap();
    let same = check(&suite, &baselines, &[]);
    let stdout = String::from_utf8_lossy(&same.stdout);
    assert_eq!(same.status.code(), Some(0), "{stdout}");
    // Another stake for the first validator: the scenario means something else.
    std::fs::write(
        &scenario,
        text.replacen("stake: 800000", "stake: 700000", 1),
    )
    .unwrap();
    let stale = check(&suite, &baselines, &[]);
    let stdout = String::from_utf8_lossy(&stale.stdout);
    assert_eq!(stale.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("FAILED: scenario changed since blessed"),
        "{stdout}"
    );
    let marked = stdout
        .lines()
        .filter(|l| l.contains("DRIFT (scenario changed since blessed)"))
        .count();
    assert!(marked > 3, "{stdout}");
    std::fs::write(&scenario, &text).unwrap();
    std::fs::write(baselines.join("check-yuma-cases.json"), "{\"metrics\": 3}").unwrap();
    let bad = check(&suite, &baselines, &[]);
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert_eq!(bad.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("check-yuma-cases.json") && stderr.trim().lines().count() == 1,
        "{stderr}"
    );
    std::fs::remove_file(baselines.join("check-yuma-cases.json")).unwrap();
    let missing = check(&suite, &baselines, &[]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stdout).contains("no baseline"));
}

/// Issue 12: baselines that cannot mean anything are refused with one line naming the field.
#[test]
fn unusable_baselines_are_refused_naming_the_field() {
    let dir = TempDir::new("check-refused");
    let (suite, baselines) = small_suite(&dir);
    let file = baselines.join("check-yuma-cases.json");
    let good: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let duplicate = good["metrics"][0].clone();
    type Edit = Box<dyn Fn(&mut serde_json::Value)>;
    let cases: [(&str, Edit); 5] = [
        (
            "metrics[1].tolerance.abs",
            Box::new(|b| b["metrics"][1]["tolerance"]["abs"] = (-1.0).into()),
        ),
        (
            "metrics: the list is empty",
            Box::new(|b| b["metrics"] = serde_json::json!([])),
        ),
        (
            "is listed twice",
            Box::new(move |b| b["metrics"].as_array_mut().unwrap().push(duplicate.clone())),
        ),
        (
            "scenario: `other`",
            Box::new(|b| b["scenario"] = "other".into()),
        ),
        ("seed: 7", Box::new(|b| b["seed"] = 7.into())),
    ];
    for (needle, edit) in cases {
        let mut bad = good.clone();
        edit(&mut bad);
        std::fs::write(&file, serde_json::to_string_pretty(&bad).unwrap()).unwrap();
        let output = check(&suite, &baselines, &[]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{needle}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains("check-yuma-cases.json") && stderr.contains(needle),
            "{stderr}"
        );
        assert!(output.stdout.is_empty(), "{needle}");
    }
}
