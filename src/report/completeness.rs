//! What a sweep directory holds against what its manifest planned: the runs (all of the
//! sweep's, or one shard's) against the runs found, the `shard-K-of-N` directories against N,
//! runs found twice or never planned. Each problem is one line, for stderr and `report.md`.
//!
//! May depend on: the rest of `report`, serde_json.

use super::ReportError;
use super::read::read_error;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Run ids named in a warning at most.
const EXAMPLES: usize = 10;

/// One place the runs were read from: the directory itself or a shard subdirectory.
#[derive(Clone, Debug)]
pub struct Source {
    /// `.` or the subdirectory's name.
    pub name: String,
    /// `(K, N)` of a `shard-K-of-N` subdirectory.
    pub shard: Option<(u32, u32)>,
    /// Whether it has a `runs.parquet`.
    pub has_runs: bool,
}

/// The runs a manifest plans in its directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Runs of the whole sweep (`runs`).
    pub runs: u64,
    /// Sweep points (`points`, or runs ÷ replicates).
    pub points: u64,
    /// Only shard `(K, N)`'s runs: K − 1, K − 1 + N, ….
    pub shard: Option<(u32, u32)>,
}

impl Plan {
    /// Reads `runs`, `replicates`, `points` and `shard` of a sweep manifest; errors name the
    /// file and the field.
    pub fn of(path: &Path, manifest: &Value) -> Result<Plan, ReportError> {
        let count = |field: &str| -> Result<Option<u64>, ReportError> {
            match manifest.get(field) {
                None => Ok(None),
                Some(v) => v.as_u64().map(Some).ok_or_else(|| {
                    read_error(
                        path,
                        format!("`{field}`: expected a whole number ≥ 0, got {v}"),
                    )
                }),
            }
        };
        let runs = count("runs")?
            .ok_or_else(|| read_error(path, "`runs`: missing (the number of planned runs)"))?;
        let replicates = count("replicates")?.unwrap_or(1);
        if replicates == 0 {
            return Err(read_error(path, "`replicates`: must be at least 1"));
        }
        let points = count("points")?.unwrap_or(runs / replicates);
        Ok(Plan {
            runs,
            points,
            shard: shard_of(path, manifest)?,
        })
    }

    /// Whether run `r` is planned here.
    pub fn contains(&self, r: u64) -> bool {
        r < self.runs
            && self
                .shard
                .is_none_or(|(k, n)| r % u64::from(n) == u64::from(k - 1))
    }

    /// How many runs are planned here.
    pub fn len(&self) -> u64 {
        match self.shard {
            None => self.runs,
            Some((k, n)) => {
                let first = u64::from(k - 1);
                if first >= self.runs {
                    0
                } else {
                    (self.runs - first).div_ceil(u64::from(n))
                }
            }
        }
    }

    /// The first planned run ids that are not in `present`, at most [`EXAMPLES`] (visits at
    /// most `present.len() + EXAMPLES` ids).
    fn first_missing(&self, present: &BTreeSet<u64>) -> Vec<u64> {
        let (start, step) = self
            .shard
            .map_or((0, 1), |(k, n)| (u64::from(k - 1), u64::from(n)));
        let mut out = Vec::new();
        let mut r = start;
        while r < self.runs && out.len() < EXAMPLES {
            if !present.contains(&r) {
                out.push(r);
            }
            r = r.saturating_add(step);
        }
        out
    }
}

fn shard_of(path: &Path, manifest: &Value) -> Result<Option<(u32, u32)>, ReportError> {
    let shard = match manifest.get("shard") {
        None | Some(Value::Null) => return Ok(None),
        Some(s) => s,
    };
    let field = |name: &str| shard.get(name).and_then(Value::as_u64);
    match (field("index"), field("count")) {
        (Some(k), Some(n)) if 1 <= k && k <= n && n <= u64::from(u32::MAX) => {
            Ok(Some((k as u32, n as u32)))
        }
        _ => Err(read_error(
            path,
            format!("`shard`: expected {{\"index\": K, \"count\": N}} with 1 ≤ K ≤ N, got {shard}"),
        )),
    }
}

/// Parses a `shard-K-of-N` directory name (1 ≤ K ≤ N).
pub fn parse_shard(name: &str) -> Option<(u32, u32)> {
    let (k, n) = name.strip_prefix("shard-")?.split_once("-of-")?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(k) || !digits(n) {
        return None;
    }
    let (k, n): (u32, u32) = (k.parse().ok()?, n.parse().ok()?);
    (1 <= k && k <= n).then_some((k, n))
}

/// What is missing or inconsistent: one line per problem (empty when complete), and the counts
/// for the report's description.
#[derive(Clone, Debug, Default)]
pub struct Assessment {
    /// Planned runs.
    pub planned: u64,
    /// Planned runs found.
    pub found: u64,
    /// Planned sweep points.
    pub points: u64,
    /// The problems.
    pub warnings: Vec<String>,
}

/// Compares the runs found (`present`, with the ids found more than once) with `plan` and the
/// shard directories found with their N.
pub fn assess(
    plan: &Plan,
    sources: &[Source],
    present: &BTreeSet<u64>,
    duplicates: &BTreeSet<u64>,
) -> Assessment {
    let mut warnings = shard_warnings(sources);
    let found = present.iter().filter(|r| plan.contains(**r)).count() as u64;
    let planned = plan.len();
    if found < planned {
        warnings.push(format!(
            "{} of {planned} planned runs missing (runs {}{})",
            planned - found,
            list(&plan.first_missing(present)),
            if planned - found > EXAMPLES as u64 {
                ", …"
            } else {
                ""
            }
        ));
    }
    let unplanned: Vec<u64> = present
        .iter()
        .copied()
        .filter(|r| !plan.contains(*r))
        .collect();
    if !unplanned.is_empty() {
        warnings.push(format!(
            "{} runs found that the manifest does not plan here (runs {}{})",
            unplanned.len(),
            list(&unplanned[..unplanned.len().min(EXAMPLES)]),
            if unplanned.len() > EXAMPLES {
                ", …"
            } else {
                ""
            }
        ));
    }
    if !duplicates.is_empty() {
        let first: Vec<u64> = duplicates.iter().take(EXAMPLES).copied().collect();
        warnings.push(format!(
            "{} runs found more than once, the last read kept (runs {}{})",
            duplicates.len(),
            list(&first),
            if duplicates.len() > EXAMPLES {
                ", …"
            } else {
                ""
            }
        ));
    }
    Assessment {
        planned,
        found,
        points: plan.points,
        warnings,
    }
}

fn list(ids: &[u64]) -> String {
    let ids: Vec<String> = ids.iter().map(u64::to_string).collect();
    ids.join(", ")
}

/// Shard directories against their N: missing shards, splits that disagree, shards without
/// runs.
fn shard_warnings(sources: &[Source]) -> Vec<String> {
    let mut warnings = Vec::new();
    let mut found: BTreeMap<u32, BTreeSet<u32>> = BTreeMap::new();
    for s in sources {
        if let Some((k, n)) = s.shard {
            found.entry(n).or_default().insert(k);
        }
        if !s.has_runs {
            warnings.push(format!("{}: no runs.parquet", s.name));
        }
    }
    if found.len() > 1 {
        let splits: Vec<String> = found.keys().map(|n| format!("of-{n}")).collect();
        warnings.push(format!(
            "shards of different splits side by side ({}): runs may be missing or doubled",
            splits.join(", ")
        ));
    }
    for (n, ks) in &found {
        let missing = u64::from(*n) - ks.len() as u64;
        if missing == 0 {
            continue;
        }
        let names: Vec<String> = (1..=*n)
            .filter(|k| !ks.contains(k))
            .take(EXAMPLES)
            .map(|k| format!("shard-{k}-of-{n}"))
            .collect();
        warnings.push(format!(
            "{missing} of {n} shards missing: {}{}",
            names.join(", "),
            if missing > EXAMPLES as u64 {
                ", …"
            } else {
                ""
            }
        ));
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(name: &str, has_runs: bool) -> Source {
        Source {
            name: name.into(),
            shard: parse_shard(name),
            has_runs,
        }
    }

    #[test]
    fn shard_names_are_parsed_strictly() {
        assert_eq!(parse_shard("shard-2-of-3"), Some((2, 3)));
        assert_eq!(parse_shard("shard-0-of-3"), None);
        assert_eq!(parse_shard("shard-4-of-3"), None);
        assert_eq!(parse_shard("shard-1-of-3.old-77"), None);
        assert_eq!(parse_shard("shard-+1-of-3"), None);
    }

    #[test]
    fn a_missing_shard_and_its_runs_are_named_with_counts() {
        let plan = Plan {
            runs: 9,
            points: 9,
            shard: None,
        };
        let present: BTreeSet<u64> = (0..9).filter(|r| r % 3 != 1).collect();
        let sources = [
            source(".", false),
            source("shard-1-of-3", true),
            source("shard-3-of-3", true),
        ];
        let a = assess(&plan, &sources[1..], &present, &BTreeSet::new());
        assert_eq!((a.planned, a.found), (9, 6));
        assert_eq!(
            a.warnings,
            vec![
                "1 of 3 shards missing: shard-2-of-3".to_string(),
                "3 of 9 planned runs missing (runs 1, 4, 7)".to_string(),
            ]
        );
    }

    #[test]
    fn a_shard_plans_every_nth_run_and_flags_strangers_and_doubles() {
        let plan = Plan {
            runs: 10,
            points: 5,
            shard: Some((2, 3)),
        };
        assert_eq!(plan.len(), 3);
        assert!(plan.contains(7) && !plan.contains(6) && !plan.contains(10));
        let present: BTreeSet<u64> = [1, 4, 7, 8].into();
        let a = assess(&plan, &[], &present, &[4].into());
        assert_eq!(a.found, 3);
        assert_eq!(
            a.warnings,
            vec![
                "1 runs found that the manifest does not plan here (runs 8)".to_string(),
                "1 runs found more than once, the last read kept (runs 4)".to_string(),
            ]
        );
    }

    #[test]
    fn a_manifest_without_a_run_count_is_an_error_naming_it() {
        let path = Path::new("d/manifest.json");
        let e = Plan::of(path, &serde_json::json!({"kind": "sweep"})).unwrap_err();
        assert!(e.to_string().starts_with("d/manifest.json: `runs`"), "{e}");
        let e = Plan::of(path, &serde_json::json!({"runs": -3})).unwrap_err();
        assert!(e.to_string().contains("`runs`"), "{e}");
        let e = Plan::of(path, &serde_json::json!({"runs": 3, "shard": {"index": 0}})).unwrap_err();
        assert!(e.to_string().contains("`shard`"), "{e}");
    }
}
