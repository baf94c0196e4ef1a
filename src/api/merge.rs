//! `taosim merge SWEEP_DIR`: the shards of a sweep — `shard-K-of-N/` directories that
//! `taosim sweep --shard K/N` wrote on any machines and that were copied under the sweep
//! directory — merged into the tables of the unsharded sweep (same rows, same order, same
//! bytes), with its report, published whole. The shards stay, as hard links, beside the merged
//! tables (which the report then reads instead of them).
//!
//! Before anything is written, every run the manifest plans must be in exactly one shard:
//! otherwise the missing or doubled runs (and the missing shards) are named and nothing changes.
//!
//! May depend on: `report`, `echo`, the api's leaf files and `run` (staging).

use super::run::{finish, staged_error, tables_written};
use super::{Error, Progress};
use crate::echo::echo_path;
use crate::report::{self, ReportError, Staging};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Run ids or shard names listed in a message at most.
const EXAMPLES: usize = 10;

/// Checks that the shards under `dir` hold every planned run exactly once, merges their tables
/// into `dir` and (with `with_report`) draws the report. Returns `dir`.
pub fn merge(dir: &Path, with_report: bool, progress: &mut dyn Progress) -> Result<PathBuf, Error> {
    let manifest = read_manifest(dir)?;
    let planned = planned_runs(dir, &manifest)?;
    let shards = shards(dir, &manifest)?;
    coverage(dir, &shards, planned)?;
    let dirs: Vec<PathBuf> = shards.iter().map(|s| s.dir.clone()).collect();
    let staging = Staging::copy_of(dir, &|p| !kept(p)).map_err(input)?;
    for note in staging.notes() {
        progress.note(&format!("note: {note}"));
    }
    report::merge_sweep_tables(&dirs, staging.path())
        .and_then(|()| tables_written(staging.path()))
        .map_err(|e| staged_error(&staging, e))?;
    finish(staging, with_report, progress)?;
    Ok(dir.to_path_buf())
}

/// What a merge keeps of the directory: the sweep's manifest and the shards.
fn kept(relative: &Path) -> bool {
    let Some(first) = relative.components().next() else {
        return true;
    };
    let first = first.as_os_str().to_string_lossy();
    first == "manifest.json" || report::parse_shard(&first).is_some()
}

/// One shard directory.
struct Shard {
    dir: PathBuf,
    k: u32,
    n: u32,
}

fn input(e: ReportError) -> Error {
    Error::Input(e.to_string())
}

/// The sweep's `manifest.json` (kind `sweep`, not a shard's).
fn read_manifest(dir: &Path) -> Result<Value, Error> {
    let path = dir.join("manifest.json");
    let manifest = report::read_json(&path).map_err(input)?;
    let bad = |what: &str| Error::Input(format!("{}: {what}", echo_path(&path)));
    if manifest.get("kind").and_then(Value::as_str) != Some("sweep") {
        return Err(bad("not a sweep's manifest (`kind` is not \"sweep\")"));
    }
    if manifest.get("shard").is_some_and(|s| !s.is_null()) {
        return Err(bad(
            "a shard's manifest: give the directory that holds the shard-K-of-N directories",
        ));
    }
    Ok(manifest)
}

fn planned_runs(dir: &Path, manifest: &Value) -> Result<u64, Error> {
    manifest.get("runs").and_then(Value::as_u64).ok_or_else(|| {
        Error::Input(format!(
            "{}: `runs`: expected a whole number ≥ 0",
            echo_path(&dir.join("manifest.json"))
        ))
    })
}

/// The `shard-K-of-N` directories of `dir`, by K; all of one N, each with the sweep's
/// resolved scenario.
fn shards(dir: &Path, manifest: &Value) -> Result<Vec<Shard>, Error> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| Error::Input(format!("{}: {e}", echo_path(dir))))?;
    let mut shards = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some((k, n)) = report::parse_shard(&name).filter(|_| entry.path().is_dir()) {
            shards.push(Shard {
                dir: entry.path(),
                k,
                n,
            });
        }
    }
    shards.sort_by_key(|s| (s.n, s.k));
    let Some(first) = shards.first() else {
        return Err(Error::Input(format!(
            "{}: no shard-K-of-N directories to merge",
            echo_path(dir)
        )));
    };
    if let Some(other) = shards.iter().find(|s| s.n != first.n) {
        return Err(Error::Input(format!(
            "{}: shards of different splits side by side (of-{} and of-{})",
            echo_path(dir),
            first.n,
            other.n
        )));
    }
    for s in &shards {
        same_scenario(s, manifest)?;
    }
    Ok(shards)
}

/// A shard's manifest must be the sweep's, for shard K of N.
fn same_scenario(shard: &Shard, manifest: &Value) -> Result<(), Error> {
    let path = shard.dir.join("manifest.json");
    let own = report::read_json(&path).map_err(input)?;
    let bad = |what: &str| Error::Input(format!("{}: {what}", echo_path(&path)));
    if own.get("resolved_scenario") != manifest.get("resolved_scenario") {
        return Err(bad("another scenario than the sweep's manifest"));
    }
    let index = own.pointer("/shard/index").and_then(Value::as_u64);
    let count = own.pointer("/shard/count").and_then(Value::as_u64);
    if index != Some(u64::from(shard.k)) || count != Some(u64::from(shard.n)) {
        return Err(bad(&format!(
            "`shard` is not {{\"index\": {}, \"count\": {}}}",
            shard.k, shard.n
        )));
    }
    Ok(())
}

/// Every planned run in exactly one shard; else names what is missing or doubled (exit 1).
fn coverage(dir: &Path, shards: &[Shard], planned: u64) -> Result<(), Error> {
    let mut seen = vec![0u32; planned as usize];
    let mut unplanned = Vec::new();
    for s in shards {
        for run in report::run_ids(&s.dir).map_err(input)? {
            match seen.get_mut(run as usize) {
                Some(count) => *count += 1,
                None => unplanned.push(u64::from(run)),
            }
        }
    }
    let ids = |want: &dyn Fn(u32) -> bool| -> Vec<u64> {
        (0..planned).filter(|&r| want(seen[r as usize])).collect()
    };
    let (missing, doubled) = (ids(&|c| c == 0), ids(&|c| c > 1));
    let mut problems = Vec::new();
    let n = shards[0].n;
    let absent: Vec<String> = (1..=n)
        .filter(|k| !shards.iter().any(|s| s.k == *k))
        .map(|k| format!("shard-{k}-of-{n}"))
        .collect();
    if !absent.is_empty() {
        problems.push(format!(
            "{} of {n} shards missing: {}",
            absent.len(),
            names(&absent)
        ));
    }
    for (what, list) in [("missing", &missing), ("found more than once", &doubled)] {
        if !list.is_empty() {
            problems.push(format!(
                "{} of {planned} runs {what}: runs {}",
                list.len(),
                numbers(list)
            ));
        }
    }
    if !unplanned.is_empty() {
        problems.push(format!(
            "{} runs not planned: runs {}",
            unplanned.len(),
            numbers(&unplanned)
        ));
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(Error::other(format!(
        "{}: cannot merge: {}",
        echo_path(dir),
        problems.join("; ")
    )))
}

fn names(list: &[String]) -> String {
    let more = if list.len() > EXAMPLES { ", …" } else { "" };
    format!("{}{more}", list[..list.len().min(EXAMPLES)].join(", "))
}

fn numbers(list: &[u64]) -> String {
    let text: Vec<String> = list.iter().map(u64::to_string).collect();
    names(&text)
}
