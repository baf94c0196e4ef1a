//! The report of a compare directory: scenario A (`a/`) against scenario B (`b/`), both in
//! sweep format with the same seeds, and `compare.json`'s per-metric differences. A side-by-side
//! table, a bar chart of the largest relative differences, and A/B overlays of every series
//! (mean over runs with a min–max band).
//!
//! May depend on: the rest of `report`.

use super::ReportError;
use super::charts::{Chart, Line, Plot};
use super::completeness::Plan;
use super::markdown::{Report, json_cell, number, stem};
use super::read::{self, read_error};
use super::sweep_view::{SeriesData, SweepData, banded_line};
use crate::metrics::series_unit;
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
    table(&mut report, &diffs);
    report.doc.heading(2, "Charts");
    difference_chart(&mut report, &diffs);
    overlays(&mut report, (&a.series, &a_name), (&b.series, &b_name));
    Ok(report)
}

/// A side's sweep data (its own manifest if present, else no axes).
fn side(dir: &Path) -> Result<SweepData, ReportError> {
    let manifest = read::json_if_exists(&dir.join("manifest.json"))?.unwrap_or(Value::Null);
    if !dir.is_dir() {
        return Err(read_error(dir, "not found"));
    }
    SweepData::read(dir, &manifest)
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
            "A (mean)",
            "B (mean)",
            "B − A (mean)",
            "sd of B − A",
            "n",
        ],
        &rows,
    );
}

/// The largest relative differences (B − A) / |A|, as horizontal bars.
fn difference_chart(report: &mut Report, diffs: &[MetricDiff]) {
    let mut relative: Vec<(&str, f64)> = diffs
        .iter()
        .filter(|d| d.a.is_finite() && d.a != 0.0 && d.diff.is_finite())
        .map(|d| (d.metric.as_str(), d.diff / d.a.abs()))
        .collect();
    if relative.is_empty() {
        report.leave_out(
            "relative-difference chart",
            "no metric with a finite, non-zero mean on side A",
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
        "Up to {MAX_BARS} metrics with the largest |B − A| / |A| (metrics with A = 0 left out)."
    );
    report.chart(chart, &caption);
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
                x_label: "step (epoch)".into(),
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
