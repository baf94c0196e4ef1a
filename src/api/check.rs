//! `taosim check`: run a suite, compare with (or bless) the baselines, render what moved.
//!
//! The CLI's exit codes: 0 every metric within tolerance; 1 drift, a missing baseline or a scenario
//! changed since its baseline was blessed (still run and compared, its table marked); 2 bad
//! input (an invalid scenario, an unreadable suite, a malformed or unusable baseline: negative
//! tolerances, duplicate metrics, an empty list, another scenario's name or seed).
//!
//! May depend on: `check`, `scenario`, `report` (JSON writing), `echo`, the api's error, rayon.

use super::Error;
use crate::check::{self, Baseline, Row, Status};
use crate::echo::echo_path;
use crate::scenario::{self, Scenario};
use rayon::prelude::*;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// One suite scenario's outcome.
#[derive(Debug)]
pub struct Checked {
    /// The scenario's name.
    pub name: String,
    /// Why it has no baseline to compare with (then `rows` is empty).
    pub problem: Option<String>,
    /// Set when the scenario changed since its baseline was blessed: `(then, now)` hashes.
    /// The rows are still compared, but the scenario fails.
    pub changed: Option<(String, String)>,
    /// Its metrics, compared.
    pub rows: Vec<Row>,
}

impl Checked {
    /// Whether this scenario fails the check.
    pub fn failed(&self) -> bool {
        self.problem.is_some()
            || self.changed.is_some()
            || self.rows.iter().any(|r| r.status == Status::Drift)
    }
}

/// Runs every scenario of `suite` (after `tweak`, which tests use to change a default on
/// purpose), compares with or (with `bless`) rewrites the baselines in `baselines`.
pub fn run_suite(
    suite: &Path,
    baselines: &Path,
    bless: bool,
    jobs: Option<usize>,
    tweak: &(dyn Fn(&mut Scenario) + Sync),
) -> Result<Vec<Checked>, Error> {
    let files = suite_files(suite)?;
    let mut loaded = Vec::new();
    for path in &files {
        let mut s = scenario::load(path).map_err(|e| Error::Input(e.to_string()))?;
        let hash = check::scenario_hash(&s);
        tweak(&mut s);
        let file = baseline_path(baselines, &s.name);
        let old = read_baseline(&file)?;
        if let Some(b) = &old {
            b.validate(&s, &hash)
                .map_err(|e| Error::Input(format!("{}: {e}", file.display())))?;
        }
        loaded.push((s, hash, old));
    }
    let measure = || -> Vec<Result<Vec<(String, f64)>, String>> {
        loaded
            .par_iter()
            .map(|(s, _, _)| check::measure(s))
            .collect()
    };
    let measured = match jobs {
        Some(j) => rayon::ThreadPoolBuilder::new()
            .num_threads(j.max(1))
            .build()
            .map_err(Error::other)?
            .install(measure),
        None => measure(),
    };
    let mut out = Vec::new();
    for ((s, hash, old), now) in loaded.into_iter().zip(measured) {
        let now = now.map_err(|e| Error::Input(format!("{}: {e}", s.name)))?;
        if bless {
            let rows = old
                .as_ref()
                .map_or_else(Vec::new, |b| check::compare(b, &now));
            let new = check::bless(&s, hash, old.as_ref(), &now);
            write_baseline(&baseline_path(baselines, &s.name), &new)?;
            out.push(Checked {
                name: s.name,
                problem: None,
                changed: None,
                rows,
            });
        } else {
            out.push(verdict(s.name, &hash, old, &now, baselines));
        }
    }
    Ok(out)
}

fn verdict(
    name: String,
    hash: &str,
    old: Option<Baseline>,
    now: &[(String, f64)],
    baselines: &Path,
) -> Checked {
    let Some(b) = old else {
        let problem = format!(
            "no baseline {}: run `taosim check --bless`",
            echo_path(&baseline_path(baselines, &name))
        );
        return Checked {
            name,
            problem: Some(problem),
            changed: None,
            rows: Vec::new(),
        };
    };
    let changed = (b.scenario_hash != hash).then(|| (b.scenario_hash.clone(), hash.to_string()));
    Checked {
        name,
        problem: None,
        changed,
        rows: check::compare(&b, now),
    }
}

/// `*.yaml` / `*.yml` directly in `suite` (or `suite` itself if it is a file), sorted.
fn suite_files(suite: &Path) -> Result<Vec<PathBuf>, Error> {
    if suite.is_file() {
        return Ok(vec![suite.to_path_buf()]);
    }
    let entries =
        std::fs::read_dir(suite).map_err(|e| Error::Input(format!("{}: {e}", echo_path(suite))))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(Error::Input(format!(
            "{}: no scenario files in the suite",
            echo_path(suite)
        )));
    }
    Ok(files)
}

fn baseline_path(dir: &Path, scenario: &str) -> PathBuf {
    dir.join(format!("{scenario}.json"))
}

fn read_baseline(path: &Path) -> Result<Option<Baseline>, Error> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::Input(format!("{}: {e}", echo_path(path)))),
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| Error::Input(format!("{}: {e}", echo_path(path))))
}

fn write_baseline(path: &Path, baseline: &Baseline) -> Result<(), Error> {
    let value = serde_json::to_value(baseline).map_err(Error::other)?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::Input(format!("{}: cannot create: {e}", echo_path(dir))))?;
    }
    crate::report::publish_json(path, &value).map_err(Error::other)
}

/// Marks the rows of a scenario changed since its baseline was blessed.
const CHANGED: &str = "scenario changed since blessed";

/// The table of what moved (every metric that is not the same; rows of a scenario changed since
/// blessing marked as such), then one line per scenario.
pub fn render(outcome: &[Checked], blessed: bool) -> String {
    let mut text = String::new();
    let moved: Vec<(&Checked, &Row)> = outcome
        .iter()
        .flat_map(|c| c.rows.iter().map(move |r| (c, r)))
        .filter(|(_, r)| r.status != Status::Same)
        .collect();
    if !moved.is_empty() {
        let _ = writeln!(
            text,
            "{:<28} {:<44} {:>14} {:>14} {:>12} {:>10}  status",
            "scenario", "metric", "baseline", "now", "change", "tolerance"
        );
        for (c, r) in moved {
            let mark = if c.changed.is_some() && !blessed {
                format!(" ({CHANGED})")
            } else {
                String::new()
            };
            let _ = writeln!(
                text,
                "{:<28} {:<44} {:>14} {:>14} {:>12} {:>10}  {}{mark}",
                c.name,
                r.metric,
                value(r.baseline),
                value(r.now),
                change(r.baseline, r.now),
                tolerance(r),
                r.status.label()
            );
        }
    }
    for c in outcome {
        let _ = writeln!(text, "{}", summary_line(c, blessed));
    }
    text
}

/// One scenario's verdict.
fn summary_line(c: &Checked, blessed: bool) -> String {
    let count = |s: Status| c.rows.iter().filter(|r| r.status == s).count();
    if let Some(p) = &c.problem {
        return format!("{}: FAILED: {p}", c.name);
    }
    if blessed {
        return format!(
            "{}: blessed ({} changed, {} new)",
            c.name,
            count(Status::Moved) + count(Status::Drift),
            count(Status::New)
        );
    }
    let verdict = match &c.changed {
        Some((then, now)) => format!(
            "FAILED: {CHANGED} ({then} ≠ {now}), compared anyway; review the change and run \
             `taosim check --bless`"
        ),
        None if c.failed() => "FAILED".into(),
        None => "ok".into(),
    };
    format!(
        "{}: {verdict} — {} metrics: {} same, {} moved within tolerance, {} drifted, {} new",
        c.name,
        c.rows.len(),
        count(Status::Same),
        count(Status::Moved),
        count(Status::Drift),
        count(Status::New)
    )
}

fn value(v: Option<f64>) -> String {
    v.map_or_else(|| "—".into(), |x| format!("{x:.6e}"))
}

fn change(baseline: Option<f64>, now: Option<f64>) -> String {
    match (baseline, now) {
        (Some(b), Some(n)) if b != 0.0 => format!("{:+.3}%", (n - b) / b.abs() * 100.0),
        (Some(b), Some(n)) => format!("{:+.3e}", n - b),
        _ => "—".into(),
    }
}

fn tolerance(r: &Row) -> String {
    let t = r.tolerance;
    let allowed = t.abs.max(t.rel * r.baseline.unwrap_or(0.0).abs());
    format!("±{allowed:.1e}")
}
