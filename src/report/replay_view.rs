//! The report of a replay directory, from `replay.parquet`, `manifest.json` and
//! `summary.json`: per variant, the dividends of the leading validators over the replay's
//! epochs; per further variant, its relative difference from the first; a table of the last
//! epoch side by side; the copier's G when there is one.
//!
//! May depend on: the rest of `report`.

use super::ReportError;
use super::charts::{Chart, Line, Plot};
use super::doc::{Report, json_cell, number, stem};
use super::read::{self, Table};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// Validators charted and tabled at most (by mean dividends over all variants and epochs).
const TOP: usize = 8;

/// `(variant, uid) → [(epoch, dividends)]`, and each uid's hotkey.
struct Dividends {
    variants: Vec<String>,
    by_uid: BTreeMap<(String, u32), Vec<(f64, f64)>>,
    hotkeys: BTreeMap<u32, String>,
}

/// The report of the replay directory `dir`.
pub fn report(dir: &Path, manifest: &Value) -> Result<Report, ReportError> {
    let data = read(&dir.join("replay.parquet"), manifest)?;
    let summary = read::json_if_exists(&dir.join("summary.json"))?.unwrap_or(Value::Null);
    let mut report = Report::default();
    let series = manifest.get("series").map_or("?".into(), json_cell);
    report.doc.heading(1, &format!("Replay report: {series}"));
    report.doc.paragraph(&format!(
        "Variants: {}. Netuid {}, {} epochs ({} snapshots, then {} repeats of the last). \
         Dividends are each uid's share of the epoch's dividends.",
        data.variants.join(", "),
        manifest.get("netuid").map_or("?".into(), json_cell),
        manifest.get("epochs").map_or("?".into(), json_cell),
        manifest.get("snapshots").map_or("?".into(), json_cell),
        manifest.get("repeat").map_or("0".into(), json_cell),
    ));
    let top = top_uids(&data);
    copier_section(&mut report, &summary);
    last_epoch_table(&mut report, &data, &top);
    report.doc.heading(2, "Charts");
    for variant in &data.variants {
        dividends_chart(&mut report, &data, variant, &top);
    }
    for variant in data.variants.iter().skip(1) {
        difference_chart(&mut report, &data, variant, &top);
    }
    Ok(report)
}

fn read(path: &Path, manifest: &Value) -> Result<Dividends, ReportError> {
    let table = Table::read(path, &["variant", "snapshot", "uid", "hotkey", "dividends"])?;
    let variant = table.text("variant")?;
    let epoch = table.u64("snapshot")?;
    let uid = table.u32("uid")?;
    let hotkey = table.text("hotkey")?;
    let dividends = table.f64("dividends")?;
    let mut data = Dividends {
        variants: manifest_variants(manifest),
        by_uid: BTreeMap::new(),
        hotkeys: BTreeMap::new(),
    };
    for k in 0..table.len() {
        if !data.variants.contains(&variant[k]) {
            data.variants.push(variant[k].clone());
        }
        let points = data.by_uid.entry((variant[k].clone(), uid[k])).or_default();
        points.push((epoch[k] as f64, dividends[k]));
        data.hotkeys
            .entry(uid[k])
            .or_insert_with(|| hotkey[k].clone());
    }
    data.by_uid
        .values_mut()
        .for_each(|p| p.sort_by(|a, b| a.0.total_cmp(&b.0)));
    Ok(data)
}

/// The manifest's `variants`, in the order given.
fn manifest_variants(manifest: &Value) -> Vec<String> {
    manifest
        .get("variants")
        .and_then(Value::as_array)
        .map(|v| {
            v.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// The uids with the largest mean dividends over every variant and epoch.
fn top_uids(data: &Dividends) -> Vec<u32> {
    let mut totals: BTreeMap<u32, f64> = BTreeMap::new();
    for ((_, uid), points) in &data.by_uid {
        *totals.entry(*uid).or_default() += points.iter().map(|p| p.1).sum::<f64>();
    }
    let mut ranked: Vec<(u32, f64)> = totals.into_iter().filter(|(_, t)| *t > 0.0).collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked.into_iter().take(TOP).map(|(uid, _)| uid).collect()
}

fn label(data: &Dividends, uid: u32) -> String {
    match data.hotkeys.get(&uid).map(String::as_str) {
        Some("") | None => format!("uid {uid}"),
        Some(hotkey) => format!("uid {uid} ({})", super::charts::truncate(hotkey, 10)),
    }
}

fn last(data: &Dividends, variant: &str, uid: u32) -> f64 {
    data.by_uid
        .get(&(variant.to_string(), uid))
        .and_then(|p| p.last())
        .map_or(f64::NAN, |p| p.1)
}

fn copier_section(report: &mut Report, summary: &Value) {
    let Some(g) = summary.get("copier_g").and_then(Value::as_object) else {
        return;
    };
    report.doc.heading(2, "Weight copier");
    report.doc.paragraph(&format!(
        "G = (D/S) of the copier ÷ the median (D/S) of honest validators at the last epoch; \
         copying K = {} epochs late. G < 1: nominators leave the copier; G < 0.82: copying no \
         longer pays.",
        summary.get("copier_k").map_or("?".into(), json_cell)
    ));
    let rows: Vec<Vec<String>> = g
        .iter()
        .map(|(v, x)| vec![v.clone(), json_cell(x)])
        .collect();
    report.doc.table(&["variant", "G"], &rows);
}

fn last_epoch_table(report: &mut Report, data: &Dividends, top: &[u32]) {
    report.doc.heading(2, "Dividends at the last epoch");
    let mut headers = vec!["validator".to_string()];
    headers.extend(data.variants.iter().cloned());
    let rows: Vec<Vec<String>> = top
        .iter()
        .map(|uid| {
            let mut row = vec![label(data, *uid)];
            row.extend(data.variants.iter().map(|v| number(last(data, v, *uid))));
            row
        })
        .collect();
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    report.doc.table(&headers, &rows);
}

fn dividends_chart(report: &mut Report, data: &Dividends, variant: &str, top: &[u32]) {
    let lines: Vec<Line> = top
        .iter()
        .filter_map(|uid| {
            let points = data.by_uid.get(&(variant.to_string(), *uid))?;
            Some(Line {
                name: label(data, *uid),
                points: points.clone(),
                band: Vec::new(),
            })
        })
        .collect();
    let chart = Chart {
        name: format!("dividends_{}", stem(variant)),
        title: format!("{variant}: dividends per validator (share of the epoch's dividends)"),
        plot: Plot::Lines {
            lines,
            x_label: "epoch of the replay".into(),
        },
    };
    let caption = format!(
        "`{variant}`: the {} validators with the most dividends.",
        top.len()
    );
    report.chart(chart, &caption);
}

fn difference_chart(report: &mut Report, data: &Dividends, variant: &str, top: &[u32]) {
    let base = &data.variants[0];
    let lines: Vec<Line> = top
        .iter()
        .filter_map(|uid| {
            let a = data.by_uid.get(&(base.clone(), *uid))?;
            let b = data.by_uid.get(&(variant.to_string(), *uid))?;
            let points: Vec<(f64, f64)> = a
                .iter()
                .zip(b)
                .filter(|(p, q)| p.1 > 0.0 && p.0 == q.0)
                .map(|(p, q)| (p.0, (q.1 - p.1) / p.1))
                .collect();
            (!points.is_empty()).then(|| Line {
                name: label(data, *uid),
                points,
                band: Vec::new(),
            })
        })
        .collect();
    if lines.is_empty() {
        report.leave_out(
            &format!("{variant} against {base}"),
            "no validator earns under both",
        );
        return;
    }
    let chart = Chart {
        name: format!("relative_{}_vs_{}", stem(variant), stem(base)),
        title: format!("{variant} against {base}: relative difference of dividends (1 = 100 %)"),
        plot: Plot::Lines {
            lines,
            x_label: "epoch of the replay".into(),
        },
    };
    let caption =
        format!("(D[{variant}] − D[{base}]) / D[{base}] per validator, where D[{base}] > 0.");
    report.chart(chart, &caption);
}
