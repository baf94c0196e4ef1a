//! The report of a sweep directory: its description, failed runs, metric tables, heatmaps
//! (mean of a metric, or the retention map's minimal axis value), metric-versus-axis lines for
//! a single-axis sweep, and series overlays per subset with replicate bands.
//!
//! A sweep's files (`runs.parquet`, `metrics.parquet`, `series.parquet`) may sit in the
//! directory itself and/or in `shard-K-of-N/` subdirectories: all are read and concatenated.
//! Each column is read once and aggregated in plain `BTreeMap`s and vectors.
//!
//! May depend on: the rest of `report`.

use super::ReportError;
use super::aggregate::{
    Level, RetentionPoint, Stats, grid, mean_cells, paired_band, retention_cells,
};
use super::charts::{Chart, Line, Plot, truncate};
use super::completeness::{Assessment, Plan};
use super::doc::{Report, json_cell, number, stem};
use super::read::read_error;
use super::sweep_data::{
    MAX_LINES, MAX_SERIES, RunInfo, STEP_LABEL, SweepData, axes, banded_line, interval_line,
    zero_line,
};
use crate::metrics::{catalog, series_unit};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Metrics with a table and chart at most.
const MAX_METRICS: usize = 20;
/// Subsets shown one by one in the metric tables at most.
const MAX_SUBSET_ROWS: usize = 40;
/// Failed runs listed at most.
const MAX_FAILED: usize = 50;

/// The report of the sweep directory `dir`.
pub fn report(dir: &Path, manifest: &Value) -> Result<Report, ReportError> {
    let plan = Plan::of(&dir.join("manifest.json"), manifest)?;
    let specs = heatmap_specs(dir, manifest)?;
    let mut data = SweepData::read(dir, manifest)?;
    data.series.charted_steps_only();
    let assessment = data.assess(&plan);
    let mut report = Report::default();
    let scenario = manifest.get("scenario").map_or("?".into(), json_cell);
    report.doc.heading(1, &format!("Sweep report: {scenario}"));
    describe(&mut report, manifest, &data, &assessment);
    report.missing_inputs(assessment.warnings);
    failed_runs(&mut report, &data);
    paired_differences(&mut report, &data);
    let metrics = chosen_metrics(&mut report, &data, &specs);
    metric_tables(&mut report, &data, &metrics);
    report.doc.heading(2, "Charts");
    for (k, spec) in specs.iter().enumerate() {
        heatmap(&mut report, &data, spec, k);
    }
    if data.axes.len() == 1 {
        for (k, metric) in metrics.iter().enumerate() {
            metric_vs_axis(&mut report, &data, metric, k);
        }
    }
    series_overlays(&mut report, &data);
    Ok(report)
}

/// A one-knob sweep (one axis, or zip axes moving together) of 2 to [`MAX_LINES`] points is an
/// A/B (or A/B/C…) test: first in its report, per series, each point's paired difference to
/// point 0 — the same replicate (seed) subtracted at each step — with the mean over replicates
/// and its 95 % interval, and a line at 0.
fn paired_differences(report: &mut Report, data: &SweepData) {
    let one_knob = data.axes.len() == 1 || data.axes.iter().all(|a| a.mode == "zip");
    let subsets = data.subsets();
    if data.axes.is_empty() || !one_knob || !(2..=MAX_LINES).contains(&subsets.len()) {
        return;
    }
    report
        .doc
        .heading(2, "Paired differences to the first point");
    let rows = paired_rows(data);
    let base = *subsets.keys().next().unwrap_or(&0);
    for (k, (name, per_subset)) in rows.iter().take(MAX_SERIES).enumerate() {
        let Some(a) = per_subset.get(&base) else {
            continue;
        };
        let mut lines: Vec<Line> = (per_subset.iter())
            .filter(|(s, _)| **s != base)
            .map(|(subset, b)| {
                let name = format!(
                    "{} − {}",
                    data.subset_label(*subset),
                    data.subset_label(base)
                );
                interval_line(name, &paired_band(a, b))
            })
            .collect();
        lines.push(zero_line(lines.first()));
        let unit = series_unit(name.split('.').next().unwrap_or(name));
        let chart = Chart {
            name: format!("diff_{k}_{}", stem(name)),
            title: format!("{name}: paired difference to the first point ({unit})"),
            plot: Plot::Lines {
                lines,
                x_label: STEP_LABEL.into(),
            },
        };
        let caption = format!(
            "`{name}`: each point minus the first, replicate by replicate (same seed), mean over \
             replicates; band: its 95 % interval (Student t)."
        );
        report.chart(chart, &caption);
    }
}

/// Per series name, per subset: its rows `(replicate, step, value)`.
type PairedRows<'a> = BTreeMap<&'a str, BTreeMap<u32, Vec<(u32, f64, f64)>>>;

fn paired_rows(data: &SweepData) -> PairedRows<'_> {
    let s = &data.series;
    let mut out: PairedRows = BTreeMap::new();
    for i in 0..s.name.len() {
        let Some(run) = data.runs.get(&s.run[i]) else {
            continue;
        };
        let name = s.names[s.name[i] as usize].as_str();
        let row = (run.replicate, s.step[i] as f64, s.value[i]);
        (out.entry(name).or_default().entry(run.subset).or_default()).push(row);
    }
    out
}

/// The sweep's description: scenario, axes, replicates, run counts against the plan.
fn describe(report: &mut Report, manifest: &Value, data: &SweepData, plan: &Assessment) {
    let ok = data.runs.values().filter(|r| r.status == "ok").count();
    let replicates = manifest.get("replicates").map_or("?".into(), json_cell);
    report.doc.paragraph(&format!(
        "{} runs ({} ok, {} failed); {} of {} planned runs found, over {} of {} sweep points × \
         {replicates} replicates.",
        data.runs.len(),
        ok,
        data.runs.len() - ok,
        plan.found,
        plan.planned,
        data.subsets().len(),
        plan.points,
    ));
    if data.axes.is_empty() {
        return;
    }
    let rows: Vec<Vec<String>> = data
        .axes
        .iter()
        .map(|a| {
            let values: Vec<String> = a.values.iter().map(json_cell).collect();
            vec![
                a.path.clone(),
                a.mode.clone(),
                truncate(&values.join(", "), 200),
            ]
        })
        .collect();
    report.doc.heading(2, "Axes");
    report.doc.table(&["path", "mode", "values"], &rows);
}

fn failed_runs(report: &mut Report, data: &SweepData) {
    let failed: Vec<(&u32, &RunInfo)> =
        data.runs.iter().filter(|(_, r)| r.status != "ok").collect();
    if failed.is_empty() {
        return;
    }
    report.doc.heading(2, "Failed runs");
    let rows: Vec<Vec<String>> = failed
        .iter()
        .take(MAX_FAILED)
        .map(|(run, r)| {
            let seed = r.seed.to_string();
            vec![
                run.to_string(),
                r.subset.to_string(),
                r.replicate.to_string(),
                seed,
                r.error.clone(),
            ]
        })
        .collect();
    report
        .doc
        .table(&["run", "subset", "replicate", "seed", "error"], &rows);
    if failed.len() > MAX_FAILED {
        report
            .doc
            .paragraph(&format!("… and {} more.", failed.len() - MAX_FAILED));
    }
}

/// One heatmap of the manifest.
struct HeatmapSpec {
    x: usize,
    y: usize,
    metric: String,
    minimize: Option<usize>,
    title: String,
}

fn heatmap_specs(dir: &Path, manifest: &Value) -> Result<Vec<HeatmapSpec>, ReportError> {
    let path = dir.join("manifest.json");
    let axes = axes(dir, manifest)?;
    let index = |i: usize, field: &str, v: Option<&Value>| {
        let name = v.and_then(Value::as_str).unwrap_or("");
        axes.iter().position(|a| a.path == name).ok_or_else(|| {
            read_error(
                &path,
                format!("heatmaps[{i}].{field}: `{name}` is not an axis"),
            )
        })
    };
    let list = manifest.get("heatmaps").and_then(Value::as_array);
    list.into_iter()
        .flatten()
        .enumerate()
        .map(|(i, h)| {
            let metric = h.get("metric").and_then(Value::as_str);
            let metric = metric
                .ok_or_else(|| read_error(&path, format!("heatmaps[{i}].metric: missing")))?;
            let minimize = match h.get("minimize") {
                None | Some(Value::Null) => None,
                v => Some(index(i, "minimize", v)?),
            };
            Ok(HeatmapSpec {
                x: index(i, "x", h.get("x"))?,
                y: index(i, "y", h.get("y"))?,
                metric: metric.to_string(),
                minimize,
                title: h
                    .get("title")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
            })
        })
        .collect()
}

/// The heatmaps' metrics first, then the others by name, at most [`MAX_METRICS`] (the rest
/// noted as left out).
fn chosen_metrics(report: &mut Report, data: &SweepData, specs: &[HeatmapSpec]) -> Vec<String> {
    let mut chosen: Vec<String> = Vec::new();
    let names = specs.iter().map(|s| &s.metric).chain(data.metrics.keys());
    for name in names {
        if data.metrics.contains_key(name) && !chosen.contains(name) {
            chosen.push(name.clone());
        }
    }
    if chosen.len() > MAX_METRICS {
        let rest: Vec<String> = chosen[MAX_METRICS..]
            .iter()
            .map(|m| format!("`{m}`"))
            .collect();
        report.leave_out(
            &format!(
                "{} metrics ({})",
                rest.len(),
                truncate(&rest.join(", "), 300)
            ),
            &format!("only the first {MAX_METRICS} get a table and a chart"),
        );
    }
    chosen.truncate(MAX_METRICS);
    chosen
}

/// An overall table of the chosen metrics, then per-subset tables for small sweeps.
fn metric_tables(report: &mut Report, data: &SweepData, metrics: &[String]) {
    if metrics.is_empty() {
        report.doc.paragraph("No metrics were recorded.");
        return;
    }
    report.doc.heading(2, "Metrics");
    let total = data.metrics.len();
    if total > metrics.len() {
        report
            .doc
            .paragraph(&format!("{} of {total} metrics shown.", metrics.len()));
    }
    let mut rows: Vec<Vec<String>> = Vec::new();
    for m in metrics {
        let values: Vec<f64> = data.metrics[m].iter().map(|p| p.1).collect();
        let Some(s) = Stats::of(&values) else {
            report.leave_out(&format!("metric `{m}`"), "no finite value in any run");
            continue;
        };
        rows.push(vec![
            m.clone(),
            catalog::metric_unit(m).into(),
            s.n.to_string(),
            number(s.mean),
            number(s.sd),
            number(s.min),
            number(s.max),
        ]);
    }
    report
        .doc
        .table(&["metric", "unit", "n", "mean", "sd", "min", "max"], &rows);
    let subsets = data.subsets();
    if subsets.len() > MAX_SUBSET_ROWS {
        report.leave_out(
            "per-point metric tables",
            &format!(
                "more than {MAX_SUBSET_ROWS} sweep points ({})",
                subsets.len()
            ),
        );
    }
    if subsets.len() > MAX_SUBSET_ROWS || subsets.len() < 2 {
        return;
    }
    let mut headers = vec!["subset"];
    headers.extend(data.axes.iter().map(|a| a.path.as_str()));
    headers.extend(["n", "mean", "sd", "Δ vs point 0", "sd of Δ"]);
    for metric in metrics {
        // (subset, replicate) → value: replicates share seeds across points, so the
        // difference to point 0 is paired by replicate.
        let mut per: BTreeMap<u32, BTreeMap<u32, f64>> = BTreeMap::new();
        for &(run, v) in &data.metrics[metric] {
            if let Some(r) = data.runs.get(&run) {
                per.entry(r.subset).or_default().insert(r.replicate, v);
            }
        }
        let first = per.values().next().cloned().unwrap_or_default();
        let rows: Vec<Vec<String>> = per
            .iter()
            .filter_map(|(subset, by_replicate)| {
                let values: Vec<f64> = by_replicate.values().copied().collect();
                let s = Stats::of(&values)?;
                let diffs: Vec<f64> = by_replicate
                    .iter()
                    .filter_map(|(r, v)| first.get(r).map(|base| v - base))
                    .collect();
                let d = Stats::of(&diffs);
                let mut row = vec![subset.to_string()];
                row.extend(subsets[subset].levels.iter().map(ToString::to_string));
                row.extend([s.n.to_string(), number(s.mean), number(s.sd)]);
                row.extend(match d {
                    Some(d) => [number(d.mean), number(d.sd)],
                    None => ["–".to_string(), "–".to_string()],
                });
                Some(row)
            })
            .collect();
        report
            .doc
            .heading(3, &format!("`{metric}` per sweep point"));
        report.doc.table(&headers, &rows);
    }
}

fn heatmap(report: &mut Report, data: &SweepData, spec: &HeatmapSpec, k: usize) {
    let empty = Vec::new();
    let rows = data.metrics.get(&spec.metric).unwrap_or(&empty);
    let ok_runs = rows
        .iter()
        .filter_map(|(run, v)| Some((data.runs.get(run)?, *v)))
        .filter(|(r, _)| r.status == "ok");
    let (xa, ya) = (&data.axes[spec.x], &data.axes[spec.y]);
    let (cells, value_label, what) = match spec.minimize {
        None => {
            let points: Vec<(Level, Level, f64)> = ok_runs
                .map(|(r, v)| (r.levels[spec.x].clone(), r.levels[spec.y].clone(), v))
                .collect();
            let what = format!(
                "mean of `{}` over the other axes and replicates",
                spec.metric
            );
            (mean_cells(&points), format!("mean {}", spec.metric), what)
        }
        Some(m) => {
            let points: Vec<RetentionPoint> = ok_runs
                .map(|(r, v)| retention_point(r, spec, m, v))
                .collect();
            let ma = data.axes[m].short();
            let what = format!(
                "smallest `{}` at which `{}` ≥ 0.5, per replicate, averaged over replicates; blank (–) when never",
                data.axes[m].path, spec.metric
            );
            (retention_cells(&points), format!("min {ma}"), what)
        }
    };
    if cells.is_empty() {
        let line = format!("No successful run has `{}`: no heatmap.", spec.metric);
        report.doc.paragraph(&line);
        report.leave_out(
            &format!("heatmap {k} of `{}`", spec.metric),
            "no successful run has this metric",
        );
        return;
    }
    let (xs, ys, grid) = grid(&cells);
    let title = if spec.title.is_empty() {
        format!("{} over {} × {}", value_label, xa.short(), ya.short())
    } else {
        spec.title.clone()
    };
    let chart = Chart {
        name: format!("heatmap_{k}_{}", stem(&spec.metric)),
        title,
        plot: Plot::Heatmap {
            xs: xs.iter().map(ToString::to_string).collect(),
            ys: ys.iter().map(ToString::to_string).collect(),
            cells: grid,
            x_label: xa.short().to_string(),
            y_label: ya.short().to_string(),
            value_label,
        },
    };
    let caption = format!("x = `{}`, y = `{}`; colour = {what}.", xa.path, ya.path);
    report.chart(chart, &caption);
}

/// A run's point for the retention map: the other axes and the replicate tell runs apart.
fn retention_point(r: &RunInfo, spec: &HeatmapSpec, m: usize, v: f64) -> RetentionPoint {
    let mut rest: Vec<Level> = r
        .levels
        .iter()
        .enumerate()
        .filter(|(i, _)| ![spec.x, spec.y, m].contains(i))
        .map(|(_, l)| l.clone())
        .collect();
    rest.push(Level::Num(f64::from(r.replicate)));
    RetentionPoint {
        x: r.levels[spec.x].clone(),
        y: r.levels[spec.y].clone(),
        rest,
        m: r.levels[m].as_f64().unwrap_or(f64::NAN),
        metric: v,
    }
}

/// A single-axis sweep: the metric's mean over replicates against the axis value, with the
/// min–max band. Text axes use the value's rank as x.
fn metric_vs_axis(report: &mut Report, data: &SweepData, metric: &str, k: usize) {
    let axis = &data.axes[0];
    let levels: BTreeSet<Level> = data.runs.values().map(|r| r.levels[0].clone()).collect();
    let levels: Vec<Level> = levels.into_iter().collect();
    let numeric = levels.iter().all(|l| l.as_f64().is_some());
    let x_of = |l: &Level| match (numeric, l.as_f64()) {
        (true, Some(v)) => v,
        _ => levels.binary_search(l).unwrap_or(0) as f64,
    };
    let points: Vec<(f64, f64)> = data.metrics[metric]
        .iter()
        .filter_map(|(run, v)| Some((x_of(&data.runs.get(run)?.levels[0]), *v)))
        .collect();
    let x_label = if numeric {
        axis.path.clone()
    } else {
        let names: Vec<String> = levels
            .iter()
            .enumerate()
            .map(|(i, l)| format!("{i}={l}"))
            .collect();
        format!("{} ({})", axis.short(), truncate(&names.join(", "), 80))
    };
    let chart = Chart {
        name: format!("metric_{k}_{}", stem(metric)),
        title: format!("{metric} against {}", axis.short()),
        plot: Plot::Lines {
            lines: vec![banded_line(metric.to_string(), points)],
            x_label,
        },
    };
    let caption = format!("Mean of `{metric}` over replicates; band: min–max over replicates.");
    report.chart(chart, &caption);
}

/// At most `n` items, evenly spaced from the first to the last.
fn spread<T>(items: Vec<T>, n: usize) -> Vec<T> {
    let len = items.len();
    if len <= n || n < 2 {
        return items.into_iter().take(n).collect();
    }
    let keep: BTreeSet<usize> = (0..n).map(|k| k * (len - 1) / (n - 1)).collect();
    items
        .into_iter()
        .enumerate()
        .filter_map(|(i, item)| keep.contains(&i).then_some(item))
        .collect()
}

/// One chart per series name: a line per subset (mean over replicates, min–max band).
fn series_overlays(report: &mut Report, data: &SweepData) {
    let s = &data.series;
    let grouped = s.grouped(|i| s.subset[i]);
    for (k, (code, per_subset)) in grouped.into_iter().take(MAX_SERIES).enumerate() {
        let name = &s.names[code as usize];
        let count = per_subset.len();
        let lines: Vec<Line> = spread(per_subset.into_iter().collect(), MAX_LINES)
            .into_iter()
            .map(|(subset, points)| banded_line(data.subset_label(subset), points))
            .collect();
        let chart = Chart {
            name: format!("series_{k}_{}", stem(name)),
            title: format!(
                "{name} ({})",
                series_unit(name.split('.').next().unwrap_or(name))
            ),
            plot: Plot::Lines {
                lines,
                x_label: STEP_LABEL.into(),
            },
        };
        let shown = count.min(MAX_LINES);
        let caption = format!(
            "`{name}` per sweep point ({shown} of {count}, evenly spaced by subset): mean over replicates, band min–max."
        );
        report.chart(chart, &caption);
    }
    if s.names.len() > MAX_SERIES {
        report.doc.paragraph(&format!(
            "{} of {} series charted.",
            MAX_SERIES,
            s.names.len()
        ));
        let rest: Vec<String> = s.names[MAX_SERIES..]
            .iter()
            .map(|n| format!("`{n}`"))
            .collect();
        report.leave_out(
            &format!(
                "{} series ({})",
                rest.len(),
                truncate(&rest.join(", "), 300)
            ),
            &format!("only the first {MAX_SERIES} are charted"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_keeps_the_first_and_last_and_evenly_spaced_items() {
        assert_eq!(spread((0..100).collect(), 5), vec![0, 24, 49, 74, 99]);
        assert_eq!(spread(vec![1, 2, 3], 10), vec![1, 2, 3]);
    }
}
