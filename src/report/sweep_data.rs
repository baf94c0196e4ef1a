//! A sweep directory's data as the reports read it: the axes, each run's place and swept values
//! ([`SweepData`], from the directory itself or — without merged tables — its `shard-K-of-N/`
//! subdirectories), the series of many runs ([`SeriesData`]) and the series charts and lines
//! the sweep, compare and run views share. A leaf below the views.
//!
//! May depend on: `aggregate`, `charts`, `completeness`, `doc`, `read`, `metrics` (units),
//! serde_json.

use super::ReportError;
use super::aggregate::{Level, Stats, band};
use super::charts::{Chart, Line, Plot};
use super::completeness::{Assessment, Plan, Source, assess, parse_shard};
use super::doc::stem;
use super::read::{Table, read_error};
use crate::metrics::series_unit;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Series charts of a family at most.
pub const MAX_SERIES: usize = 12;
/// Lines per chart at most.
pub const MAX_LINES: usize = 10;

/// The x axis of series charts (see [`SeriesData::charted_steps_only`]).
pub const STEP_LABEL: &str =
    "step (each subnet's epoch counter, from 1; steps every subnet reached)";

/// One sweep axis from the manifest.
#[derive(Clone, Debug)]
pub struct Axis {
    /// Scenario path, also the column name in `runs.parquet`.
    pub path: String,
    /// `grid` or `zip`.
    pub mode: String,
    /// The values as written in the manifest.
    pub values: Vec<Value>,
}

impl Axis {
    /// The last segment of the path (`kappa` for `subnets.0.hyperparameters.kappa`).
    pub fn short(&self) -> &str {
        self.path.rsplit('.').next().unwrap_or(&self.path)
    }
}

/// One run of `runs.parquet`.
#[derive(Clone, Debug)]
pub struct RunInfo {
    /// Sweep point.
    pub subset: u32,
    /// Replicate.
    pub replicate: u32,
    /// Master seed.
    pub seed: u64,
    /// `ok` or `error`.
    pub status: String,
    /// The error message of a failed run.
    pub error: String,
    /// The axes' values, in manifest order.
    pub levels: Vec<Level>,
}

/// A sweep directory's runs, metrics and series.
pub struct SweepData {
    /// The axes, in manifest order.
    pub axes: Vec<Axis>,
    /// Runs by run id.
    pub runs: BTreeMap<u32, RunInfo>,
    /// Per metric: `(run, value)`.
    pub metrics: BTreeMap<String, Vec<(u32, f64)>>,
    /// The concatenated series.
    pub series: SeriesData,
    /// Where the runs were read from.
    pub sources: Vec<Source>,
    /// Run ids found more than once.
    pub duplicates: BTreeSet<u64>,
    /// Subdirectories named `shard-…` that are not `shard-K-of-N` (not read).
    pub ignored: Vec<String>,
}

impl SweepData {
    /// Reads the sweep files of `dir` (and its `shard-K-of-N` subdirectories).
    pub fn read(dir: &Path, manifest: &Value) -> Result<SweepData, ReportError> {
        let axes = axes(dir, manifest)?;
        let (places, ignored) = places(dir)?;
        let mut data = SweepData {
            axes,
            runs: BTreeMap::new(),
            metrics: BTreeMap::new(),
            series: SeriesData::default(),
            sources: Vec::new(),
            duplicates: BTreeSet::new(),
            ignored,
        };
        for (place, name) in &places {
            let runs = Table::read_if_exists(&place.join("runs.parquet"), &[])?;
            let shard = parse_shard(name);
            // The directory itself need not hold runs when its shards do.
            if runs.is_some() || shard.is_some() {
                data.sources.push(Source {
                    name: name.clone(),
                    shard,
                    has_runs: runs.is_some(),
                });
            }
            if let Some(t) = runs {
                data.add_runs(&t)?;
            }
            if let Some(t) = Table::read_if_exists(&place.join("metrics.parquet"), &[])? {
                data.add_metrics(&t)?;
            }
            if let Some(s) = SeriesData::read(&place.join("series.parquet"))? {
                data.series.extend(s);
            }
        }
        if !data.sources.iter().any(|s| s.has_runs) {
            return Err(read_error(&dir.join("runs.parquet"), "not found"));
        }
        Ok(data)
    }

    /// The runs found against `plan`, and the subdirectories not read.
    pub fn assess(&self, plan: &Plan) -> Assessment {
        let present: BTreeSet<u64> = self.runs.keys().map(|r| u64::from(*r)).collect();
        let mut a = assess(plan, &self.sources, &present, &self.duplicates);
        a.warnings.extend(
            self.ignored
                .iter()
                .map(|name| format!("{name}: not a shard-K-of-N directory, not read")),
        );
        a
    }

    fn add_runs(&mut self, t: &Table) -> Result<(), ReportError> {
        let run = t.u32("run")?;
        let (subset, replicate, seed) = (t.u32("subset")?, t.u32("replicate")?, t.u64("seed")?);
        let (status, error) = (t.text("status")?, t.text("error")?);
        let mut levels: Vec<Vec<Level>> = vec![Vec::with_capacity(self.axes.len()); t.len()];
        for axis in &self.axes {
            let column: Vec<Level> = if t.is_text(&axis.path) {
                t.text(&axis.path)?.into_iter().map(Level::Text).collect()
            } else {
                t.f64(&axis.path)?.into_iter().map(Level::Num).collect()
            };
            levels.iter_mut().zip(column).for_each(|(l, v)| l.push(v));
        }
        for (i, levels) in levels.into_iter().enumerate() {
            let info = RunInfo {
                subset: subset[i],
                replicate: replicate[i],
                seed: seed[i],
                status: status[i].clone(),
                error: error[i].clone(),
                levels,
            };
            if self.runs.insert(run[i], info).is_some() {
                self.duplicates.insert(u64::from(run[i]));
            }
        }
        Ok(())
    }

    fn add_metrics(&mut self, t: &Table) -> Result<(), ReportError> {
        let run = t.u32("run")?;
        let value = t.f64("value")?;
        let (names, codes) = t.codes("metric")?;
        let mut per: Vec<Vec<(u32, f64)>> = vec![Vec::new(); names.len()];
        for i in 0..t.len() {
            per[codes[i] as usize].push((run[i], value[i]));
        }
        for (name, rows) in names.into_iter().zip(per) {
            self.metrics.entry(name).or_default().extend(rows);
        }
        Ok(())
    }

    /// A subset's label: `kappa=0.4, rho=10` (or `subset 3` without axes). Axes that show
    /// the same name and value (zip axes setting one knob on several subnets) appear once.
    pub fn subset_label(&self, subset: u32) -> String {
        let Some(run) = self.runs.values().find(|r| r.subset == subset) else {
            return format!("subset {subset}");
        };
        if self.axes.is_empty() {
            return format!("subset {subset}");
        }
        let parts: Vec<String> = self
            .axes
            .iter()
            .zip(&run.levels)
            .map(|(a, l)| format!("{}={l}", a.short()))
            .fold(Vec::new(), |mut seen, part| {
                if !seen.contains(&part) {
                    seen.push(part);
                }
                seen
            });
        parts.join(", ")
    }

    /// The first run of each subset, by subset.
    pub fn subsets(&self) -> BTreeMap<u32, &RunInfo> {
        let mut first = BTreeMap::new();
        for run in self.runs.values() {
            first.entry(run.subset).or_insert(run);
        }
        first
    }
}

/// The directory (named `.`) and its `shard-K-of-N` subdirectories, sorted by name; and the
/// other `shard-…` subdirectories, which are not read.
type Places = (Vec<(PathBuf, String)>, Vec<String>);

fn places(dir: &Path) -> Result<Places, ReportError> {
    let mut shards: Vec<(PathBuf, String)> = Vec::new();
    let mut ignored = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| read_error(dir, e))? {
        let path = entry.map_err(|e| read_error(dir, e))?.path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let Some(name) = name.filter(|n| n.starts_with("shard-") && path.is_dir()) else {
            continue;
        };
        if parse_shard(&name).is_some() {
            shards.push((path, name));
        } else {
            ignored.push(name);
        }
    }
    shards.sort();
    ignored.sort();
    // Merged tables (`taosim merge`) stand for the shards they were merged from.
    if dir.join("runs.parquet").is_file() {
        shards.clear();
    }
    shards.insert(0, (dir.to_path_buf(), ".".into()));
    Ok((shards, ignored))
}

/// The manifest's axes.
pub fn axes(dir: &Path, manifest: &Value) -> Result<Vec<Axis>, ReportError> {
    let bad = |m: &str| read_error(&dir.join("manifest.json"), m);
    let Some(list) = manifest.get("axes") else {
        return Ok(Vec::new());
    };
    let list = list.as_array().ok_or_else(|| bad("`axes` is not a list"))?;
    list.iter()
        .enumerate()
        .map(|(i, a)| {
            let path = a.get("path").and_then(Value::as_str);
            let path = path.ok_or_else(|| bad(&format!("axes[{i}].path: missing")))?;
            Ok(Axis {
                path: path.to_string(),
                mode: a
                    .get("mode")
                    .and_then(Value::as_str)
                    .unwrap_or("grid")
                    .into(),
                values: a
                    .get("values")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default(),
            })
        })
        .collect()
}

/// `series.parquet`: the series names as codes into a sorted dictionary.
#[derive(Default)]
pub struct SeriesData {
    /// Distinct series names, sorted.
    pub names: Vec<String>,
    /// Per row: the code of its series name.
    pub name: Vec<u32>,
    /// Per row: run id.
    pub run: Vec<u32>,
    /// Per row: subset.
    pub subset: Vec<u32>,
    /// Per row: step.
    pub step: Vec<u64>,
    /// Per row: value.
    pub value: Vec<f64>,
}

impl SeriesData {
    /// Reads `path` if it exists and has rows.
    pub fn read(path: &Path) -> Result<Option<SeriesData>, ReportError> {
        let columns = ["run", "subset", "series", "step", "value"];
        let Some(t) = Table::read_if_exists(path, &columns)? else {
            return Ok(None);
        };
        if t.len() == 0 {
            return Ok(None);
        }
        let (names, name) = t.codes("series")?;
        Ok(Some(SeriesData {
            names,
            name,
            run: t.u32("run")?,
            subset: t.u32("subset")?,
            step: t.u64("step")?,
            value: t.f64("value")?,
        }))
    }

    /// Appends `other`, merging the dictionaries.
    pub fn extend(&mut self, other: SeriesData) {
        let names: BTreeSet<String> = self.names.iter().chain(&other.names).cloned().collect();
        let names: Vec<String> = names.into_iter().collect();
        let recode = |old: &[String]| -> Vec<u32> {
            old.iter()
                .map(|n| names.binary_search(n).unwrap_or(0) as u32)
                .collect()
        };
        let (mine, theirs) = (recode(&self.names), recode(&other.names));
        self.name.iter_mut().for_each(|c| *c = mine[*c as usize]);
        self.name
            .extend(other.name.iter().map(|c| theirs[*c as usize]));
        self.names = names;
        self.run.extend(other.run);
        self.subset.extend(other.subset);
        self.step.extend(other.step);
        self.value.extend(other.value);
    }

    /// The steps every subnet reached, read from the `price.sn<netuid>` series (one per
    /// subnet, a point per epoch); `None` without them.
    pub fn complete_steps(&self) -> Option<BTreeSet<u64>> {
        let mut per_subnet: BTreeMap<u32, BTreeSet<u64>> = BTreeMap::new();
        for i in 0..self.name.len() {
            if self.names[self.name[i] as usize].starts_with("price.sn") {
                per_subnet
                    .entry(self.name[i])
                    .or_default()
                    .insert(self.step[i]);
            }
        }
        per_subnet.into_values().reduce(|a, b| &a & &b)
    }

    /// Keeps the steps the charts show: from epoch 1 (epoch 0 drains a partial, staggered
    /// first tempo) and only steps every subnet reached (a last, partial step would drop).
    pub fn charted_steps_only(&mut self) {
        let complete = self.complete_steps();
        self.retain_steps(|step| step > 0 && complete.as_ref().is_none_or(|c| c.contains(&step)));
    }

    /// Keeps the rows whose step passes `keep`.
    pub fn retain_steps(&mut self, keep: impl Fn(u64) -> bool) {
        let kept: Vec<usize> = (0..self.step.len())
            .filter(|&i| keep(self.step[i]))
            .collect();
        self.name = kept.iter().map(|&i| self.name[i]).collect();
        self.run = kept.iter().map(|&i| self.run[i]).collect();
        self.subset = kept.iter().map(|&i| self.subset[i]).collect();
        self.step = kept.iter().map(|&i| self.step[i]).collect();
        self.value = kept.iter().map(|&i| self.value[i]).collect();
    }

    /// Rows grouped by series name, then by `key(row)`: `(step, value)` pairs.
    pub fn grouped<K: Ord>(
        &self,
        key: impl Fn(usize) -> K,
    ) -> BTreeMap<u32, BTreeMap<K, Vec<(f64, f64)>>> {
        let mut out: BTreeMap<u32, BTreeMap<K, Vec<(f64, f64)>>> = BTreeMap::new();
        for i in 0..self.name.len() {
            out.entry(self.name[i])
                .or_default()
                .entry(key(i))
                .or_default()
                .push((self.step[i] as f64, self.value[i]));
        }
        out
    }
}

/// A mean line with a min–max band from `(x, value)` pairs.
pub fn banded_line(name: String, points: Vec<(f64, f64)>) -> Line {
    let stats = band(points);
    let with_band = stats.iter().any(|(_, s)| s.n > 1);
    Line {
        name,
        points: stats.iter().map(|(x, s)| (*x, s.mean)).collect(),
        band: if with_band {
            stats.iter().map(|(x, s)| (*x, s.min, s.max)).collect()
        } else {
            Vec::new()
        },
    }
}

/// A line of paired differences (mean per x) with its 95 % interval as the band.
pub fn interval_line(name: String, diffs: &[(f64, Stats)]) -> Line {
    let band = (diffs.iter())
        .filter_map(|(x, s)| {
            let half = s.interval_95()?;
            Some((*x, s.mean - half, s.mean + half))
        })
        .collect();
    Line {
        name,
        points: diffs.iter().map(|(x, s)| (*x, s.mean)).collect(),
        band,
    }
}

/// The reference line at 0 over the x values of `line`.
pub fn zero_line(line: Option<&Line>) -> Line {
    Line {
        name: "0 (no difference)".into(),
        points: (line.into_iter().flat_map(|l| &l.points))
            .map(|p| (p.0, 0.0))
            .collect(),
        band: Vec::new(),
    }
}

/// Charts of a run's series: one per family (the name up to the first `.`), a line per name.
pub fn series_family_charts(series: &SeriesData, what: &str) -> Vec<(Chart, String)> {
    let grouped = series.grouped(|_| ());
    let mut families: BTreeMap<&str, Vec<Line>> = BTreeMap::new();
    for (code, mut by) in grouped {
        let name = &series.names[code as usize];
        let family = name.split('.').next().unwrap_or(name);
        let points = by.remove(&()).unwrap_or_default();
        families
            .entry(family)
            .or_default()
            .push(banded_line(name.clone(), points));
    }
    families
        .into_iter()
        .take(MAX_SERIES)
        .map(|(family, lines)| {
            let count = lines.len();
            let chart = Chart {
                name: format!("series_{}", stem(family)),
                title: format!("{family} ({what}; {})", series_unit(family)),
                plot: Plot::Lines {
                    lines: lines.into_iter().take(MAX_LINES).collect(),
                    x_label: STEP_LABEL.into(),
                },
            };
            let shown = count.min(MAX_LINES);
            let caption = format!("`{family}.*` series from series.parquet ({shown} of {count}).");
            (chart, caption)
        })
        .collect()
}
