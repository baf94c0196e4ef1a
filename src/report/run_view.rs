//! The report of one run directory: headline tables from `summary.json`, the conservation
//! check of `ledger.parquet`, then charts of emission, stake and emission shares per agent
//! group (`role:strategy`, from `neurons.parquet`), the APY histograms (from `summary.json`'s
//! `validator_apy`, i.e. the metrics' one definition of APY), prices per subnet
//! (`subnets.parquet`), and the run's `series.parquet` if present.
//!
//! May depend on: the rest of `report`.

use super::ReportError;
use super::aggregate::{Stats, histogram};
use super::charts::{Chart, Line, Plot};
use super::doc::{Report, json_cell, number};
use super::ledger;
use super::read::{self, Table, read_error};
use super::sweep_data::{SeriesData, series_family_charts};
use crate::metrics::catalog;
use crate::metrics::stats::median;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Rao per token.
const RAO: f64 = 1e9;
/// Lines per chart at most (the palette stays distinguishable).
const MAX_LINES: usize = 10;

/// The report of the run directory `dir`.
pub fn report(dir: &Path, manifest: &Value) -> Result<Report, ReportError> {
    let summary = read_summary(&dir.join("summary.json"))?;
    let mut report = Report::default();
    let scenario = manifest.get("scenario").map_or("?".into(), json_cell);
    let seed = manifest.get("seed").map_or("?".into(), json_cell);
    report
        .doc
        .heading(1, &format!("Run report: {scenario}, seed {seed}"));
    headline(&mut report, &summary);
    ledger_section(&mut report, dir)?;
    report.doc.heading(2, "Charts");
    if let Some(neurons) = GroupSums::read(&dir.join("neurons.parquet"))? {
        group_charts(&mut report, &neurons);
    } else {
        report
            .doc
            .paragraph("No `neurons.parquet` in this run (not recorded): no per-group charts.");
        report.leave_out(
            "emission, emission share and stake share charts",
            "no neurons.parquet (not recorded in this run)",
        );
    }
    apy_charts(&mut report, &summary);
    price_chart(&mut report, dir)?;
    if let Some(mut series) = SeriesData::read(&dir.join("series.parquet"))? {
        // As the group charts: from epoch 1, and only steps every subnet reached.
        series.charted_steps_only();
        if series.step.is_empty() {
            report.leave_out(
                "series charts",
                "no epoch after epoch 0 that every subnet reached",
            );
        }
        for (chart, caption) in series_family_charts(&series, "run series, from epoch 1") {
            report.chart(chart, &caption);
        }
    } else {
        report.leave_out("series charts", "no series.parquet, or no rows in it");
    }
    Ok(report)
}

/// The conservation check of `ledger.parquet` (an imbalance is an error naming the first
/// block and asset that does not balance).
fn ledger_section(report: &mut Report, dir: &Path) -> Result<(), ReportError> {
    report.doc.heading(2, "Ledger");
    let text = match ledger::verify(&dir.join("ledger.parquet"))? {
        Some(check) => format!(
            "{check}: at every sample block, `issued` (from the issuance counters) equals the \
             sum of every holder bucket in `ledger.parquet`."
        ),
        None => "No `ledger.parquet` in this run directory: conservation not checked.".into(),
    };
    report.doc.paragraph(&text);
    Ok(())
}

/// `summary.json`: an object whose `metrics`, if present, maps names to numbers.
fn read_summary(path: &Path) -> Result<Value, ReportError> {
    let summary = read::json(path)?;
    let fields = summary.as_object().ok_or_else(|| {
        read_error(
            path,
            format!("expected a JSON object, got {}", kind(&summary)),
        )
    })?;
    match fields.get("metrics") {
        None => {}
        Some(Value::Object(metrics)) => {
            if let Some((name, v)) = metrics.iter().find(|(_, v)| !v.is_number()) {
                let message = format!("`metrics.{name}`: expected a number, got {}", kind(v));
                return Err(read_error(path, message));
            }
        }
        Some(other) => {
            let message = format!("`metrics`: expected an object, got {}", kind(other));
            return Err(read_error(path, message));
        }
    }
    Ok(summary)
}

/// A JSON value's kind, for messages.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// The headline table (top-level scalars), the metrics, and one table per nested object.
fn headline(report: &mut Report, summary: &Value) {
    let Some(fields) = summary.as_object() else {
        return;
    };
    let scalars: Vec<Vec<String>> = fields
        .iter()
        .filter(|(_, v)| !v.is_object() && !v.is_array())
        .map(|(k, v)| vec![k.clone(), json_cell(v)])
        .collect();
    report.doc.heading(2, "Summary");
    report.doc.table(&["quantity", "value"], &scalars);
    if let Some(metrics) = summary.get("metrics").and_then(Value::as_object) {
        report.doc.heading(2, "Metrics");
        let rows: Vec<Vec<String>> = metrics
            .iter()
            .map(|(k, v)| {
                let entry = catalog::metric(k);
                let unit = entry.map_or("", |e| e.unit);
                let meaning = entry.map_or("", |e| e.meaning);
                vec![k.clone(), json_cell(v), unit.into(), meaning.into()]
            })
            .collect();
        report.doc.paragraph(
            "Each metric's unit and definition (the README's Metrics section says more); \
             fractions are 0–1, APYs fractions per year (0.05 = 5 %).",
        );
        report
            .doc
            .table(&["metric", "value", "unit", "meaning"], &rows);
    }
    // `validator_apy` (one row per hotkey) is drawn as histograms, not tabled.
    let tabled = |k: &str| k != "metrics" && k != "validator_apy";
    for (name, value) in fields.iter().filter(|(k, _)| tabled(k)) {
        let rows: Vec<(String, &Value)> = match value {
            Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), v)).collect(),
            Value::Array(items) => items.iter().map(|v| (String::new(), v)).collect(),
            _ => continue,
        };
        object_table(report, name, &rows);
    }
}

/// A table of `(key, value)` rows: nested objects become columns (union of their keys).
fn object_table(report: &mut Report, name: &str, rows: &[(String, &Value)]) {
    let columns: BTreeSet<&str> = rows
        .iter()
        .filter_map(|(_, v)| v.as_object())
        .flat_map(|o| o.keys().map(String::as_str))
        .collect();
    let keyed = rows.iter().any(|(k, _)| !k.is_empty());
    let mut headers: Vec<&str> = Vec::new();
    if keyed {
        headers.push("key");
    }
    if columns.is_empty() {
        headers.push("value");
    }
    headers.extend(columns.iter().copied());
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|(k, v)| {
            let mut row = if keyed { vec![k.clone()] } else { vec![] };
            if columns.is_empty() {
                row.push(json_cell(v));
            }
            row.extend(
                columns
                    .iter()
                    .map(|c| v.get(*c).map_or("".into(), json_cell)),
            );
            row
        })
        .collect();
    if body.is_empty() {
        return;
    }
    report.doc.heading(3, &name.replace('_', " "));
    report.doc.table(&headers, &body);
}

/// Emission and alpha stake per group and epoch, summed over subnets, from `neurons.parquet`
/// read slice by slice (its size grows with the run; this does not).
#[derive(Default)]
struct GroupSums {
    /// (group `role:strategy`, epoch) → (emission, stake), tokens.
    by_group: BTreeMap<(String, u64), (f64, f64)>,
    /// Epoch → (emission, stake) of all uids, unowned ones included.
    totals: BTreeMap<u64, (f64, f64)>,
    /// Epoch → the subnets that reached it.
    subnets: BTreeMap<u64, BTreeSet<u32>>,
}

/// Rows of `neurons.parquet` read at a time.
const SLICE_ROWS: usize = 1 << 20;

impl GroupSums {
    fn read(path: &Path) -> Result<Option<GroupSums>, ReportError> {
        let columns = [
            "epoch",
            "netuid",
            "role",
            "strategy",
            "alpha_stake_rao",
            "emission_rao",
        ];
        let mut sums = GroupSums::default();
        let found = Table::for_each_slice(path, &columns, SLICE_ROWS, &mut |t| sums.add(t))?;
        Ok(found.then_some(sums))
    }

    /// Adds one slice of rows.
    fn add(&mut self, t: &Table) -> Result<(), ReportError> {
        let (roles, role) = t.codes("role")?;
        let (strategies, strategy) = t.codes("strategy")?;
        let (epoch, netuid) = (t.u64("epoch")?, t.u32("netuid")?);
        let (stake, emission) = (t.f64("alpha_stake_rao")?, t.f64("emission_rao")?);
        for i in 0..epoch.len() {
            let (e, s) = (emission[i] / RAO, stake[i] / RAO);
            let total = self.totals.entry(epoch[i]).or_default();
            *total = (total.0 + e, total.1 + s);
            self.subnets.entry(epoch[i]).or_default().insert(netuid[i]);
            let r = &roles[role[i] as usize];
            if !r.is_empty() {
                let g = format!("{r}:{}", strategies[strategy[i] as usize]);
                let sum = self.by_group.entry((g, epoch[i])).or_default();
                *sum = (sum.0 + e, sum.1 + s);
            }
        }
        Ok(())
    }

    /// The epoch counters every subnet reached: a subnet whose tempo ran out before the end
    /// of the run would otherwise shift the groups' sums and shares in the last epochs.
    fn complete_epochs(&self) -> BTreeSet<u64> {
        let all = self.subnets.values().map(BTreeSet::len).max().unwrap_or(0);
        (self.subnets.iter())
            .filter(|(_, s)| s.len() == all)
            .map(|(epoch, _)| *epoch)
            .collect()
    }
}

/// Emission, emission share and stake share per group over epochs.
fn group_charts(report: &mut Report, n: &GroupSums) {
    let complete = n.complete_epochs();
    let share = |part: f64, total: f64| if total > 0.0 { part / total } else { 0.0 };
    let lines = |value: &dyn Fn(u64, (f64, f64)) -> f64| -> Vec<Line> {
        let mut lines: BTreeMap<&str, Line> = BTreeMap::new();
        // Epoch 0 drains what accrued since genesis over a staggered, partial tempo (and runs
        // before any bond exists): it is left out rather than squash the scale.
        let shown = |e: &u64| *e > 0 && complete.contains(e);
        for ((g, epoch), &v) in n.by_group.iter().filter(|((_, e), _)| shown(e)) {
            let line = lines.entry(g).or_insert_with(|| Line {
                name: g.clone(),
                ..Line::default()
            });
            line.points.push((*epoch as f64, value(*epoch, v)));
        }
        lines.into_values().take(MAX_LINES).collect()
    };
    let totals = &n.totals;
    let x_label =
        "epoch (each subnet's own counter, from 1; epochs every subnet reached)".to_string();
    let charts = [
        (
            "emission_by_group",
            "Emission per epoch by group (alpha, all subnets)",
            lines(&|_, v| v.0),
            "Alpha emitted to each group's hotkeys per epoch, summed over subnets (role:strategy).",
        ),
        (
            "emission_share_by_group",
            "Emission share by group (fraction of the epoch's emission)",
            lines(&|e, v| share(v.0, totals[&e].0)),
            "Each group's share of all emission in the epoch.",
        ),
        (
            "stake_share_by_group",
            "Stake share by group (fraction of hotkey alpha stake)",
            lines(&|e, v| share(v.1, totals[&e].1)),
            "Each group's share of the alpha staked on all hotkeys after the epoch.",
        ),
    ];
    for (name, title, lines, caption) in charts {
        let chart = Chart {
            name: name.into(),
            title: title.into(),
            plot: Plot::Lines {
                lines,
                x_label: x_label.clone(),
            },
        };
        report.chart(chart, caption);
    }
}

/// The APY histograms: per validator hotkey and subnet, from `summary.json`'s `validator_apy`
/// (computed by `metrics`, the one definition of APY).
fn apy_charts(report: &mut Report, summary: &Value) {
    let rows = summary.get("validator_apy").and_then(Value::as_array);
    let values = |key: &str| -> Vec<f64> {
        rows.into_iter()
            .flatten()
            .filter_map(|r| r.get(key)?.as_f64())
            .filter(|x| x.is_finite())
            .collect()
    };
    let charts = [
        ("apy_alpha", "validator hotkeys", "in the subnet's alpha"),
        (
            "apy_tao",
            "validator hotkeys",
            "valued in TAO at spot prices, price moves included",
        ),
        (
            "apy_tao_root",
            "root-staked hotkeys",
            "of root stakers, dividends valued in TAO",
        ),
    ];
    for (key, what, denominator) in charts {
        apy_histogram(report, key, &values(key), what, denominator);
    }
}

/// One APY histogram (fractions per year, as the metrics).
fn apy_histogram(report: &mut Report, key: &str, apy: &[f64], what: &str, denominator: &str) {
    let Some((low, width, counts)) = histogram(apy, 20) else {
        report
            .doc
            .paragraph(&format!("No {what} with a defined `{key}`: no chart."));
        report.leave_out(
            &format!("{key} chart"),
            &format!("no {what} with a defined `{key}`"),
        );
        return;
    };
    let stats = Stats::of(apy).map_or(String::new(), |s| {
        format!(
            " {} {what}; median {}, mean {}, min {}, max {}.",
            s.n,
            number(median(apy).unwrap_or(f64::NAN)),
            number(s.mean),
            number(s.min),
            number(s.max)
        )
    });
    let chart = Chart {
        name: format!("{key}_validators"),
        title: format!("{key}: APY {denominator} (number of {what} per bin)"),
        plot: Plot::Histogram {
            low,
            width,
            counts,
            x_label: "APY, fraction per year (0.05 = 5 %): (1 + mean per-epoch yield)^N − 1".into(),
        },
    };
    let caption = format!(
        "`{key}` per (subnet, hotkey), the definition of the `{key}.*` metrics (README, \
         Metrics).{stats}"
    );
    report.chart(chart, &caption);
}

/// Spot price per subnet over epochs.
fn price_chart(report: &mut Report, dir: &Path) -> Result<(), ReportError> {
    let t = Table::read(&dir.join("subnets.parquet"), &["epoch", "netuid", "price"])?;
    let (epoch, netuid, price) = (t.u64("epoch")?, t.u32("netuid")?, t.f64("price")?);
    let mut lines: BTreeMap<u32, Line> = BTreeMap::new();
    for i in 0..t.len() {
        let line = lines.entry(netuid[i]).or_insert_with(|| Line {
            name: format!("sn{}", netuid[i]),
            ..Line::default()
        });
        line.points.push((epoch[i] as f64, price[i]));
    }
    for line in lines.values_mut() {
        line.points.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    let count = lines.len();
    let chart = Chart {
        name: "price_by_subnet".into(),
        title: "Spot price per subnet (TAO per alpha)".into(),
        plot: Plot::Lines {
            lines: lines.into_values().take(MAX_LINES).collect(),
            x_label: "epoch of the subnet".into(),
        },
    };
    let caption = if count > MAX_LINES {
        format!("Pool spot price after each epoch; first {MAX_LINES} of {count} subnets.")
    } else {
        "Pool spot price after each epoch.".into()
    };
    report.chart(chart, &caption);
    Ok(())
}
