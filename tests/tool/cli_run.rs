//! `taosim run` and `taosim scenarios` through the built binary: the run directory and its
//! files, byte-identical outputs for one seed, and bad input (exit code 2, one line naming the
//! YAML path or the output directory, no run directory left behind).

use crate::cli_support::{TempDir, entries_of, files_of, killed, taosim, taosim_env};
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

const FILES: [&str; 9] = [
    "accounts.parquet",
    "charts",
    "ledger.parquet",
    "manifest.json",
    "neurons.parquet",
    "report.md",
    "series.parquet",
    "subnets.parquet",
    "summary.json",
];

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
fn same_seed_gives_byte_identical_files_whatever_the_jobs_and_another_seed_does_not() {
    let dir = TempDir::new("determinism");
    let scenario = write_scenario(&dir, SMALL);
    let run_on = |out: &str, seed: &str, jobs: &str| {
        let output = taosim(&[
            "run", &scenario, "--out", out, "--seed", seed, "--quiet", "--jobs", jobs,
        ]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        files_of(&Path::new(out).join("small").join(format!("seed-{seed}")))
    };
    let run = |out: &str, seed: &str| run_on(out, seed, "1");
    let a = run(dir.path().join("a").to_str().unwrap(), "9");
    let b = run(dir.path().join("b").to_str().unwrap(), "9");
    assert_eq!(a, b);
    // The validators' decisions of a block on 3 threads: the same files.
    let threads = run_on(dir.path().join("t").to_str().unwrap(), "9", "3");
    assert_eq!(a, threads);
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
    // A consensus experiment is described by its epoch and its grid, not as an empty network.
    let grid = stdout
        .lines()
        .find(|l| l.contains("guarantee.yaml"))
        .unwrap();
    assert!(grid.contains("512 uids consensus epoch"), "{grid}");
    assert!(grid.contains("sweep 28611 points × 1 replicates"), "{grid}");
    let bad = TempDir::new("scenarios");
    std::fs::write(bad.path().join("broken.yaml"), "name: x\n").unwrap();
    let output = taosim(&["scenarios", bad.str()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stdout).contains("broken.yaml"));
}

/// Issue 12: the same run directory as SMALL's (same name and seed), other bytes.
fn small_changed() -> String {
    let changed = SMALL.replace("{honest: {noise: 0.1}}", "{honest: {noise: 0.3}}");
    assert_ne!(changed, SMALL);
    changed
}

/// Runs `scenario` into `out` with the test hook's environment.
fn run_into(scenario: &str, out: &Path, env: &[(&str, &str)]) -> Output {
    let args = ["run", scenario, "--out", out.to_str().unwrap(), "--quiet"];
    taosim_env(&args, env)
}

/// Old and new complete run directories of the same target, and where the reruns go.
struct Rerun {
    _dir: TempDir,
    old_file: String,
    new_file: String,
    out: std::path::PathBuf,
    old: Vec<(String, Vec<u8>)>,
    new: Vec<(String, Vec<u8>)>,
}

impl Rerun {
    fn new(name: &str) -> Rerun {
        let dir = TempDir::new(name);
        let old_file = write_scenario(&dir, SMALL);
        let new_file = dir.path().join("changed.yaml");
        std::fs::write(&new_file, small_changed()).unwrap();
        let new_file = new_file.to_str().unwrap().to_string();
        let (out, reference) = (dir.path().join("r"), dir.path().join("ref"));
        assert!(run_into(&old_file, &out, &[]).status.success());
        assert!(run_into(&new_file, &reference, &[]).status.success());
        let old = files_of(&out.join("small/seed-3"));
        let new = files_of(&reference.join("small/seed-3"));
        assert_ne!(old, new);
        Rerun {
            _dir: dir,
            old_file,
            new_file,
            out,
            old,
            new,
        }
    }

    fn target(&self) -> Vec<(String, Vec<u8>)> {
        files_of(&self.out.join("small/seed-3"))
    }
}

#[test]
fn a_rerun_killed_at_each_publication_step_leaves_the_old_or_the_new_directory() {
    let rerun = Rerun::new("kill-steps");
    // Steps in publication order: before the exchange the old directory stands, after it the
    // new one does.
    let steps = [
        ("tables", false),
        ("chart", false),
        ("report", false),
        ("publish", false),
        ("exchanged", true),
    ];
    for (step, new) in steps {
        let output = run_into(
            &rerun.new_file,
            &rerun.out,
            &[("TAOSIM_TEST_KILL_AT", step)],
        );
        assert!(killed(&output), "{step}: {output:?}");
        let expected = if new { &rerun.new } else { &rerun.old };
        assert!(
            rerun.target() == *expected,
            "{step}: neither complete directory"
        );
        // The killed run left its temporary directory.
        assert_eq!(entries_of(&rerun.out.join("small")).len(), 2, "{step}");
    }
    // The next run removes the leftover, says so, and publishes.
    let output = run_into(&rerun.new_file, &rerun.out, &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("note: removed") && stderr.contains(".seed-3.tmp-"),
        "{stderr}"
    );
    assert_eq!(entries_of(&rerun.out.join("small")), ["seed-3"]);
    assert!(rerun.target() == rerun.new);
}

#[test]
fn a_rerun_killed_at_any_moment_leaves_the_old_or_the_new_directory() {
    let rerun = Rerun::new("kill-timed");
    let start = std::time::Instant::now();
    assert!(run_into(&rerun.new_file, &rerun.out, &[]).status.success());
    let whole = start.elapsed();
    // Kills spread over a run's duration, each on top of the previous leftovers, each from
    // the old directory.
    for k in 1..=5u32 {
        if rerun.target() != rerun.old {
            assert!(run_into(&rerun.old_file, &rerun.out, &[]).status.success());
        }
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_taosim"))
            .args([
                "run",
                &rerun.new_file,
                "--out",
                rerun.out.to_str().unwrap(),
                "--quiet",
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(whole * k / 5);
        let _ = child.kill();
        child.wait().unwrap();
        let now = rerun.target();
        assert!(
            now == rerun.old || now == rerun.new,
            "kill {k}: neither complete directory"
        );
    }
}

#[test]
fn a_failed_write_keeps_the_previous_directory_and_leaves_nothing() {
    let rerun = Rerun::new("full-disk");
    for step in ["tables", "chart", "report", "publish"] {
        let output = run_into(
            &rerun.new_file,
            &rerun.out,
            &[("TAOSIM_TEST_FAIL_AT", step)],
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{step}: {stderr}");
        assert!(stderr.contains("no space left"), "{step}: {stderr}");
        let errors = stderr.lines().filter(|l| l.starts_with("error:")).count();
        assert_eq!(errors, 1, "{stderr}");
        assert!(output.stdout.is_empty());
        assert!(rerun.target() == rerun.old, "{step}");
        assert_eq!(entries_of(&rerun.out.join("small")), ["seed-3"], "{step}");
    }
}

/// A small tmpfs mounted for a test (needs the right to mount; `None` where it is not granted).
struct Tmpfs(std::path::PathBuf);

impl Tmpfs {
    fn mount(at: &Path, bytes: u64) -> Option<Tmpfs> {
        std::fs::create_dir_all(at).ok()?;
        let size = format!("size={}k", bytes.div_ceil(4096) * 4);
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &size, "tmpfs", at.to_str()?])
            .stderr(std::process::Stdio::null())
            .status()
            .ok()?;
        status.success().then(|| Tmpfs(at.to_path_buf()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_keeps_the_previous_directory_and_leaves_nothing() {
    let rerun = Rerun::new("tmpfs");
    let size: u64 = rerun.old.iter().map(|(_, b)| b.len() as u64).sum();
    // Room for one run directory and a half: the rerun's staging copy cannot complete.
    let Some(disk) = Tmpfs::mount(&rerun.out.with_file_name("disk"), size * 3 / 2) else {
        eprintln!("skipped: cannot mount a tmpfs here (the injected write error is tested)");
        return;
    };
    assert!(run_into(&rerun.old_file, &disk.0, &[]).status.success());
    let target = disk.0.join("small/seed-3");
    assert!(files_of(&target) == rerun.old);
    let output = run_into(&rerun.new_file, &disk.0, &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(files_of(&target) == rerun.old);
    assert_eq!(entries_of(&disk.0.join("small")), ["seed-3"]);
}

#[test]
fn a_file_where_the_run_directory_goes_is_refused() {
    let dir = TempDir::new("target-file");
    let scenario = write_scenario(&dir, SMALL);
    let out = dir.path().join("r");
    std::fs::create_dir_all(out.join("small")).unwrap();
    std::fs::write(out.join("small/seed-3"), "mine").unwrap();
    let output = run_into(&scenario, &out, &[]);
    assert_bad_input(&output, "seed-3");
    assert_eq!(
        std::fs::read_to_string(out.join("small/seed-3")).unwrap(),
        "mine"
    );
    assert_eq!(entries_of(&out.join("small")), ["seed-3"]);
}

#[test]
fn report_redraws_whole_or_not_at_all() {
    let rerun = Rerun::new("report-kill");
    let run_dir = rerun.out.join("small/seed-3");
    let args = ["report", run_dir.to_str().unwrap()];
    for step in ["chart", "report", "exchanged"] {
        let output = taosim_env(&args, &[("TAOSIM_TEST_KILL_AT", step)]);
        assert!(killed(&output), "{step}");
        // Charts are drawn from the same files: old and new are the same bytes.
        assert!(rerun.target() == rerun.old, "{step}");
    }
    // A failing redraw still clears the leftovers (and says so), and keeps the directory.
    let output = taosim_env(&args, &[("TAOSIM_TEST_FAIL_AT", "chart")]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("note: removed"), "{stderr}");
    assert_eq!(entries_of(&rerun.out.join("small")), ["seed-3"]);
    assert!(rerun.target() == rerun.old);
    assert!(taosim(&args).status.success());
    assert!(rerun.target() == rerun.old);
}

/// Every `taosim …` command line the README shows (inline code and code blocks): its
/// subcommand exists, each `--flag` is one that subcommand's `--help` lists, and each file
/// under `scenarios/` or `examples/` it names exists.
#[test]
fn every_command_line_in_the_readme_is_accepted() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let lines = readme_commands(&readme);
    assert!(lines.len() >= 20, "{lines:?}");
    let mut help: std::collections::BTreeMap<String, String> = Default::default();
    for line in &lines {
        let words: Vec<&str> = line.split_whitespace().collect();
        let Some(sub) = words.get(1).filter(|w| !w.starts_with('-')) else {
            continue;
        };
        let text = help.entry(sub.to_string()).or_insert_with(|| {
            let out = taosim(&[sub, "--help"]);
            assert!(out.status.success(), "`taosim {sub} --help` fails: {line}");
            String::from_utf8_lossy(&out.stdout).into_owned()
        });
        let flags = words.iter().map(|w| w.trim_start_matches('['));
        for flag in flags.filter(|w| w.starts_with("--")) {
            let flag = flag.split(['=', '[', ']']).next().unwrap();
            assert!(
                text.contains(flag),
                "`{line}`: {flag} is not an option of {sub}"
            );
        }
        for file in words
            .iter()
            .filter(|w| w.starts_with("scenarios/") || w.starts_with("examples/"))
        {
            assert!(root.join(file).exists(), "`{line}`: {file} does not exist");
        }
    }
}

/// The `taosim …` command lines of a Markdown text: inline code spans and the lines of
/// fenced code blocks that start with `taosim ` (continuations joined, comments cut).
fn readme_commands(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut fenced = false;
    let mut pending = String::new();
    for line in text.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            let line = line.split(" #").next().unwrap_or(line).trim_end();
            if pending.is_empty() && !line.starts_with("taosim ") {
                continue;
            }
            pending.push_str(line.trim_end_matches('\\'));
            pending.push(' ');
            if !line.ends_with('\\') {
                out.push(std::mem::take(&mut pending).trim().to_string());
            }
            continue;
        }
        for span in line.split('`').skip(1).step_by(2) {
            if span.starts_with("taosim ") {
                out.push(span.to_string());
            }
        }
    }
    out
}
