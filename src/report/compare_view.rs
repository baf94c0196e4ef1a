//! The report of a compare directory: scenario A (`a/`) against scenario B (`b/`), both in
//! sweep format with the same seeds, and `compare.json`'s per-metric differences. First the
//! paired difference B − A of every series with its 95 % interval, then a side-by-side table,
//! a bar chart of the largest relative differences (baselines near 0 left out), and A/B
//! overlays of every series (mean over runs with a min–max band).
//!
//! May depend on: the rest of `report`.

use super::ReportError;
use super::aggregate::{Stats, paired_band};
use super::charts::{Chart, Line, Plot};
use super::completeness::Plan;
use super::doc::{Report, json_cell, number, stem};
use super::read::{self, read_error};
use super::sweep_data::{STEP_LABEL, SeriesData, SweepData, banded_line, interval_line, zero_line};
use crate::metrics::{catalog, series_unit};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// Bars in the relative-difference chart at most.
const MAX_BARS: usize = 15;
/// Series overlays at most.
const MAX_SERIES: usize = 12;

/// One row of `compare.json`.
struct MetricDiff {
    metric: String,
    a: f64,
    b: f64,
    diff: f64,
    sd: f64,
    n: String,
}

/// The report of the compare directory `dir`.
pub fn report(dir: &Path, manifest: &Value) -> Result<Report, ReportError> {
    let name = |k: &str| manifest.get(k).map_or(k.to_uppercase(), json_cell);
    let (a_name, b_name) = (name("a"), name("b"));
    let diffs = read_diffs(&dir.join("compare.json"))?;
    let a = side(&dir.join("a"))?;
    let b = side(&dir.join("b"))?;
    let warnings = side_warnings(&dir.join("manifest.json"), manifest, [&a, &b])?;
    let mut report = Report::default();
    report
        .doc
        .heading(1, &format!("Compare report: A = {a_name}, B = {b_name}"));
    report.doc.paragraph(&format!(
        "A: {} runs in `a/`; B: {} runs in `b/` (the same seeds on both sides).",
        a.runs.len(),
        b.runs.len()
    ));
    report.missing_inputs(warnings);
    paired_charts(&mut report, &a.series, &b.series);
    table(&mut report, &diffs);
    report.doc.heading(2, "Charts");
    difference_chart(&mut report, &diffs, &a);
    overlays(&mut report, (&a.series, &a_name), (&b.series, &b_name));
    Ok(report)
}

/// A side's sweep data (its own manifest if present, else no axes).
fn side(dir: &Path) -> Result<SweepData, ReportError> {
    let manifest = read::json_if_exists(&dir.join("manifest.json"))?.unwrap_or(Value::Null);
    if !dir.is_dir() {
        return Err(read_error(dir, "not found"));
    }
    let mut data = SweepData::read(dir, &manifest)?;
    data.series.charted_steps_only();
    Ok(data)
}

/// Each side's runs against the manifest's `replicates` (runs 0 … replicates − 1), when given.
fn side_warnings(
    path: &Path,
    manifest: &Value,
    sides: [&SweepData; 2],
) -> Result<Vec<String>, ReportError> {
    let Some(replicates) = manifest.get("replicates") else {
        return Ok(Vec::new());
    };
    let runs = replicates.as_u64().filter(|r| *r > 0).ok_or_else(|| {
        read_error(
            path,
            format!("`replicates`: expected a whole number ≥ 1, got {replicates}"),
        )
    })?;
    let plan = Plan {
        runs,
        points: 1,
        shard: None,
    };
    let mut warnings = Vec::new();
    for (name, data) in ["a", "b"].into_iter().zip(sides) {
        let found = data.assess(&plan).warnings;
        warnings.extend(found.into_iter().map(|w| format!("{name}/: {w}")));
    }
    Ok(warnings)
}

fn read_diffs(path: &Path) -> Result<Vec<MetricDiff>, ReportError> {
    let doc = read::json(path)?;
    let list = doc.get("metrics").and_then(Value::as_array);
    let list = list.ok_or_else(|| read_error(path, "`metrics` is not a list"))?;
    if let Some(i) = list
        .iter()
        .position(|m| !m.get("metric").is_some_and(Value::is_string))
    {
        let message = format!("metrics[{i}]: expected an object with a `metric` name");
        return Err(read_error(path, message));
    }
    let num = |m: &Value, k: &str| m.get(k).and_then(Value::as_f64).unwrap_or(f64::NAN);
    let mut diffs: Vec<MetricDiff> = list
        .iter()
        .map(|m| MetricDiff {
            metric: m.get("metric").map_or("?".into(), json_cell),
            a: num(m, "a_mean"),
            b: num(m, "b_mean"),
            diff: num(m, "diff_mean"),
            sd: num(m, "diff_sd"),
            n: m.get("n").map_or("".into(), json_cell),
        })
        .collect();
    diffs.sort_by(|x, y| x.metric.cmp(&y.metric));
    Ok(diffs)
}

fn table(report: &mut Report, diffs: &[MetricDiff]) {
    report.doc.heading(2, "Metrics, side by side");
    let rows: Vec<Vec<String>> = diffs
        .iter()
        .map(|d| {
            vec![
                d.metric.clone(),
                catalog::metric_unit(&d.metric).into(),
                number(d.a),
                number(d.b),
                number(d.diff),
                number(d.sd),
                d.n.clone(),
            ]
        })
        .collect();
    report.doc.table(
        &[
            "metric",
            "unit",
            "A (mean)",
            "B (mean)",
            "B − A (mean)",
            "sd of B − A",
            "n",
        ],
        &rows,
    );
}

/// Whether A's mean of `metric` is too close to 0 for a relative difference to mean anything:
/// exactly 0, or within two standard deviations (over A's seeds) of 0.
fn near_zero(d: &MetricDiff, a: &SweepData) -> bool {
    let values: Vec<f64> = (a.metrics.get(&d.metric).into_iter().flatten())
        .map(|p| p.1)
        .collect();
    let sd = Stats::of(&values).map_or(0.0, |s| s.sd);
    d.a == 0.0 || d.a.abs() < 2.0 * sd
}

/// The largest relative differences (B − A) / |A|, as horizontal bars, over metrics whose A is
/// clearly away from 0 (the others are compared in absolute terms in the table).
fn difference_chart(report: &mut Report, diffs: &[MetricDiff], a: &SweepData) {
    let finite = |d: &&MetricDiff| d.a.is_finite() && d.diff.is_finite();
    let (near, away): (Vec<&MetricDiff>, Vec<&MetricDiff>) =
        diffs.iter().filter(finite).partition(|d| near_zero(d, a));
    let mut relative: Vec<(&str, f64)> = away
        .iter()
        .map(|d| (d.metric.as_str(), d.diff / d.a.abs()))
        .collect();
    if relative.is_empty() {
        report.leave_out(
            "relative-difference chart",
            "no metric whose A mean is finite and clearly away from 0",
        );
        return;
    }
    relative.sort_by(|x, y| y.1.abs().total_cmp(&x.1.abs()).then(x.0.cmp(y.0)));
    relative.truncate(MAX_BARS);
    let chart = Chart {
        name: "relative_differences".into(),
        title: "Largest relative differences, (B − A) / |A|".into(),
        plot: Plot::Bars {
            labels: relative.iter().map(|r| r.0.to_string()).collect(),
            values: relative.iter().map(|r| r.1).collect(),
            x_label: "relative difference of the means (0.1 = B is 10 % above A)".into(),
        },
    };
    let caption = format!(
        "Up to {MAX_BARS} metrics with the largest |B − A| / |A|. Left out as near 0 (A = 0 or \
         within 2 sd of 0 over A's seeds; compare them by B − A in the table): {}.",
        if near.is_empty() {
            "none".to_string()
        } else {
            near.iter()
                .map(|d| format!("`{}`", d.metric))
                .collect::<Vec<_>>()
                .join(", ")
        }
    );
    report.chart(chart, &caption);
}

/// The paired difference B − A of every series (first in the report: the number an A/B asks
/// for): per step, B's value minus A's in the run of the same seed, the mean over seeds and
/// its 95 % interval; a line at 0 for reference.
fn paired_charts(report: &mut Report, a: &SeriesData, b: &SeriesData) {
    report.doc.heading(2, "Paired differences, B − A");
    let (a_rows, b_rows) = (per_name(a), per_name(b));
    let names: Vec<&str> = a_rows
        .keys()
        .filter(|n| b_rows.contains_key(*n))
        .copied()
        .collect();
    if names.is_empty() {
        report.leave_out("paired-difference charts", "no series on both sides");
        return;
    }
    for (k, name) in names.iter().take(MAX_SERIES).enumerate() {
        let diffs = paired_band(&a_rows[name], &b_rows[name]);
        let line = interval_line("B − A, mean over seeds".into(), &diffs);
        let zero = zero_line(Some(&line));
        let seeds = diffs.iter().map(|(_, s)| s.n).max().unwrap_or(0);
        let unit = series_unit(name.split('.').next().unwrap_or(name));
        let chart = Chart {
            name: format!("diff_{k}_{}", stem(name)),
            title: format!("{name}: B − A ({unit})"),
            plot: Plot::Lines {
                lines: vec![line, zero],
                x_label: STEP_LABEL.into(),
            },
        };
        let caption = format!(
            "`{name}`: B minus A in the run of the same seed, mean over {seeds} seeds; band: \
             its 95 % interval (Student t; none with one seed)."
        );
        report.chart(chart, &caption);
    }
    if names.len() > MAX_SERIES {
        report.leave_out(
            &format!("{} paired-difference charts", names.len() - MAX_SERIES),
            &format!("only the first {MAX_SERIES} series are charted"),
        );
    }
}

/// Each series' rows `(run, step, value)`, by series name.
fn per_name(data: &SeriesData) -> BTreeMap<&str, Vec<(u32, f64, f64)>> {
    let mut out: BTreeMap<&str, Vec<(u32, f64, f64)>> = BTreeMap::new();
    for i in 0..data.name.len() {
        let name = data.names[data.name[i] as usize].as_str();
        let row = (data.run[i], data.step[i] as f64, data.value[i]);
        out.entry(name).or_default().push(row);
    }
    out
}

/// One chart per series name: A and B, each the mean over its runs with a min–max band.
fn overlays(
    report: &mut Report,
    (a, a_name): (&SeriesData, &str),
    (b, b_name): (&SeriesData, &str),
) {
    let a_lines = a.grouped(|_| ());
    let b_lines = b.grouped(|_| ());
    let mut by_name: BTreeMap<&str, [Vec<(f64, f64)>; 2]> = BTreeMap::new();
    for (side, (data, grouped)) in [(a, a_lines), (b, b_lines)].into_iter().enumerate() {
        for (code, mut points) in grouped {
            let name = data.names[code as usize].as_str();
            by_name.entry(name).or_default()[side] = points.remove(&()).unwrap_or_default();
        }
    }
    let count = by_name.len();
    for (k, (name, [pa, pb])) in by_name.into_iter().take(MAX_SERIES).enumerate() {
        let lines: Vec<Line> = vec![
            banded_line(format!("A: {a_name}"), pa),
            banded_line(format!("B: {b_name}"), pb),
        ];
        let chart = Chart {
            name: format!("ab_{k}_{}", stem(name)),
            title: format!(
                "{name}: A against B ({})",
                series_unit(name.split('.').next().unwrap_or(name))
            ),
            plot: Plot::Lines {
                lines,
                x_label: STEP_LABEL.into(),
            },
        };
        report.chart(
            chart,
            &format!("`{name}`: mean over each side's runs; band min–max (seeds)."),
        );
    }
    if count > MAX_SERIES {
        report
            .doc
            .paragraph(&format!("{MAX_SERIES} of {count} series charted."));
        report.leave_out(
            &format!("{} series", count - MAX_SERIES),
            &format!("only the first {MAX_SERIES} are charted"),
        );
    }
}
