//! `report::write_report` and `taosim report` on run, sweep and compare directories built as
//! fixtures: every linked chart exists as a real, non-blank PNG (and an SVG), the sweep's
//! retention heatmap is drawn, reports are byte-identical when made twice, and missing files
//! are errors naming the file.

use polars::prelude::*;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cli_support::TempDir;
use taosim::report::{self, Tables};
use taosim::scenario;

fn write_parquet(path: &Path, columns: Vec<Column>) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let height = columns.first().map_or(0, Column::len);
    let mut frame = DataFrame::new(height, columns).unwrap();
    let file = std::fs::File::create(path).unwrap();
    ParquetWriter::new(file).finish(&mut frame).unwrap();
}

fn write_json(path: &Path, value: &serde_json::Value) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, serde_json::to_string_pretty(value).unwrap()).unwrap();
}

/// A run directory of the embedded default scenario cut to two epochs, written by the run
/// writer (with its metrics and series).
fn run_fixture(root: &Path) -> PathBuf {
    let mut s = scenario::default_scenario();
    let tempo = u64::from(s.subnets[0].tempo);
    // 3.5 tempos: every subnet (staggered across the tempo) reaches epoch 1, the charts' first.
    s.blocks = 3 * tempo + tempo / 2;
    let record = taosim::sim::run(&s, 7, &mut |_| {}).unwrap();
    let dir = root.join("run");
    let tmp = report::prepare(&dir).unwrap();
    let manifest = taosim::api::run::manifest(&s, 7);
    let tables = Tables {
        neurons: true,
        neurons_every_epochs: 1,
        accounts: true,
    };
    let metrics = taosim::runner::run_metrics(&s, &record);
    assert!(
        !metrics.series.is_empty(),
        "the run writer has series to write"
    );
    report::write_run(tmp, &record, &metrics, &manifest, tables).unwrap();
    dir
}

/// `series.parquet` rows `(series, step, value)` repeated for every `(run, subset, replicate,
/// seed)`, the value shifted by the replicate.
fn write_series(path: &Path, runs: &[(u32, u32, u32, u64)], rows: &[(&str, u64, f64)]) {
    let mut c: (Vec<u32>, Vec<u32>, Vec<u32>, Vec<u64>) = Default::default();
    let (mut series, mut step, mut value) = (Vec::new(), Vec::new(), Vec::new());
    for &(run, subset, replicate, seed) in runs {
        for &(name, s, v) in rows {
            c.0.push(run);
            c.1.push(subset);
            c.2.push(replicate);
            c.3.push(seed);
            series.push(name.to_string());
            step.push(s);
            value.push(v + f64::from(replicate) * 0.1 + f64::from(subset));
        }
    }
    write_parquet(
        path,
        vec![
            Column::new("run".into(), c.0),
            Column::new("subset".into(), c.1),
            Column::new("replicate".into(), c.2),
            Column::new("seed".into(), c.3),
            Column::new("series".into(), series),
            Column::new("step".into(), step),
            Column::new("value".into(), value),
        ],
    );
}

const W_C: &str = "subnets.0.agents.cabal.self_weight";
const S_H: &str = "subnets.0.agents.honest.stake_share";
const W_H: &str = "subnets.0.agents.honest.weight";

/// A 3 × 2 × 3 grid sweep with 2 replicates, split over two shards, one failed run, and a
/// 0/1 `retained` metric: retained when W_H ≥ W_C + (0.6 − S_H) (minus 0.1 for replicate 1).
fn sweep_fixture(root: &Path) -> PathBuf {
    let dir = root.join("sweep");
    let axis = |path: &str, values: &[f64]| serde_json::json!({"path": path, "values": values, "mode": "grid"});
    let (wc, sh, wh) = ([0.1, 0.2, 0.3], [0.5, 0.6], [0.2, 0.4, 0.6]);
    write_json(
        &dir.join("manifest.json"),
        &serde_json::json!({
            "kind": "sweep", "scenario": "retention", "replicates": 2, "runs": 36,
            "axes": [axis(W_C, &wc), axis(S_H, &sh), axis(W_H, &wh)],
            "heatmaps": [
                {"x": W_C, "y": S_H, "metric": "retained", "minimize": W_H,
                 "title": "Minimal honest weight W_H that retains S_H"},
                {"x": W_C, "y": S_H, "metric": "honest_share", "minimize": null, "title": ""}
            ]
        }),
    );
    let mut runs = Vec::new();
    for (i, ((c, h), w)) in wc
        .iter()
        .flat_map(|c| sh.iter().map(move |h| (*c, *h)))
        .flat_map(|ch| wh.iter().map(move |w| (ch, *w)))
        .enumerate()
    {
        for r in 0..2u32 {
            runs.push((2 * i as u32 + r, i as u32, r, 100 + u64::from(r), c, h, w));
        }
    }
    for shard in 0..2usize {
        let part: Vec<_> = runs.iter().filter(|r| r.0 as usize % 2 == shard).collect();
        let place = dir.join(format!("shard-{}-of-2", shard + 1));
        write_shard(&place, &part);
    }
    dir
}

type SweepRun = (u32, u32, u32, u64, f64, f64, f64);

fn write_shard(place: &Path, runs: &[&SweepRun]) {
    let failed = |r: &SweepRun| r.0 == 5;
    let col_u32 = |name: &str, f: &dyn Fn(&SweepRun) -> u32| {
        Column::new(name.into(), runs.iter().map(|r| f(r)).collect::<Vec<u32>>())
    };
    let col_f64 = |name: &str, f: &dyn Fn(&SweepRun) -> f64| {
        Column::new(name.into(), runs.iter().map(|r| f(r)).collect::<Vec<f64>>())
    };
    let text = |name: &str, f: &dyn Fn(&SweepRun) -> &'static str| {
        Column::new(
            name.into(),
            runs.iter().map(|r| f(r)).collect::<Vec<&str>>(),
        )
    };
    write_parquet(
        &place.join("runs.parquet"),
        vec![
            col_u32("run", &|r| r.0),
            col_u32("subset", &|r| r.1),
            col_u32("replicate", &|r| r.2),
            Column::new(
                "seed".into(),
                runs.iter().map(|r| r.3).collect::<Vec<u64>>(),
            ),
            text("status", &|r| if failed(r) { "error" } else { "ok" }),
            text("error", &|r| if failed(r) { "pool drained" } else { "" }),
            col_f64(W_C, &|r| r.4),
            col_f64(S_H, &|r| r.5),
            col_f64(W_H, &|r| r.6),
        ],
    );
    let ok: Vec<&SweepRun> = runs.iter().copied().filter(|r| !failed(r)).collect();
    let rows: Vec<(&SweepRun, &str, f64)> = ok
        .iter()
        .flat_map(|r| {
            let threshold = r.4 + (0.6 - r.5) - 0.1 * f64::from(r.2);
            [
                (*r, "retained", f64::from(u8::from(r.6 >= threshold - 1e-9))),
                (*r, "honest_share", r.5 + r.6 - r.4),
            ]
        })
        .collect();
    let ids = |f: &dyn Fn(&SweepRun) -> u32| rows.iter().map(|m| f(m.0)).collect::<Vec<u32>>();
    write_parquet(
        &place.join("metrics.parquet"),
        vec![
            Column::new("run".into(), ids(&|r| r.0)),
            Column::new("subset".into(), ids(&|r| r.1)),
            Column::new("replicate".into(), ids(&|r| r.2)),
            Column::new(
                "seed".into(),
                rows.iter().map(|m| m.0.3).collect::<Vec<u64>>(),
            ),
            Column::new(
                "metric".into(),
                rows.iter().map(|m| m.1).collect::<Vec<&str>>(),
            ),
            Column::new(
                "value".into(),
                rows.iter().map(|m| m.2).collect::<Vec<f64>>(),
            ),
        ],
    );
    let ids: Vec<(u32, u32, u32, u64)> = ok.iter().map(|r| (r.0, r.1, r.2, r.3)).collect();
    let rows = [
        ("stake_share.validator:honest", 0, 0.5),
        ("stake_share.validator:honest", 1, 0.6),
    ];
    write_series(&place.join("series.parquet"), &ids, &rows);
}

/// A compare directory: `a/` and `b/` with the same seeds, and `compare.json`.
fn compare_fixture(root: &Path) -> PathBuf {
    let dir = root.join("compare");
    write_json(
        &dir.join("manifest.json"),
        &serde_json::json!({"kind": "compare", "a": "yuma", "b": "yuma3"}),
    );
    for (side, shift) in [("a", 0.0), ("b", 1.0)] {
        let runs: Vec<(u32, u32, u32, u64)> =
            (0..3).map(|r| (r, 0, r, 10 + u64::from(r))).collect();
        write_parquet(
            &dir.join(side).join("runs.parquet"),
            vec![
                Column::new("run".into(), vec![0u32, 1, 2]),
                Column::new("subset".into(), vec![0u32; 3]),
                Column::new("replicate".into(), vec![0u32, 1, 2]),
                Column::new("seed".into(), vec![10u64, 11, 12]),
                Column::new("status".into(), vec!["ok"; 3]),
                Column::new("error".into(), vec![""; 3]),
            ],
        );
        let rows = [
            ("price.sn1", 0, 1.0 + shift),
            ("price.sn1", 1, 1.5 + shift),
            ("price.sn1", 2, 1.2),
        ];
        write_series(&dir.join(side).join("series.parquet"), &runs, &rows);
    }
    let metric = |name: &str, a: f64, b: f64| serde_json::json!({"metric": name, "a_mean": a, "b_mean": b, "diff_mean": b - a, "diff_sd": 0.01, "n": 3});
    write_json(
        &dir.join("compare.json"),
        &serde_json::json!({"metrics": [
            metric("copier_share", 0.1, 0.02),
            metric("honest_apy", 0.2, 0.25),
            metric("price_sn1", 1.0, 1.0),
        ]}),
    );
    dir
}

/// A blank white chart-sized PNG, the reference for "not blank".
fn blank_png_size(dir: &Path) -> u64 {
    use plotters::prelude::*;
    let path = dir.join("blank.png");
    {
        let root = BitMapBackend::new(&path, (1000, 600)).into_drawing_area();
        root.fill(&WHITE).unwrap();
        root.present().unwrap();
    }
    std::fs::metadata(&path).unwrap().len()
}

/// The chart stems linked from `report.md` as `charts/<stem>.png`.
fn linked_charts(markdown: &str) -> Vec<String> {
    markdown
        .split("](charts/")
        .skip(1)
        .filter_map(|rest| rest.split(".png)").next())
        .filter(|stem| !stem.contains(')'))
        .map(str::to_string)
        .collect()
}

/// Every linked chart is a real PNG (magic bytes), larger than a blank one, with its SVG.
fn check_charts(dir: &Path, blank: u64) -> Vec<String> {
    let markdown = std::fs::read_to_string(dir.join("report.md")).unwrap();
    let charts = linked_charts(&markdown);
    assert!(!charts.is_empty(), "{markdown}");
    for stem in &charts {
        let png = std::fs::read(dir.join("charts").join(format!("{stem}.png"))).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{stem}.png");
        assert!(
            png.len() as u64 > 2 * blank,
            "{stem}.png looks blank ({} bytes)",
            png.len()
        );
        let svg = std::fs::read_to_string(dir.join("charts").join(format!("{stem}.svg"))).unwrap();
        assert!(
            svg.starts_with("<svg") && svg.matches("<text").count() > 5,
            "{stem}.svg"
        );
    }
    charts
}

#[test]
fn run_report_links_every_chart_and_each_is_a_real_picture() {
    let tmp = TempDir::new("run");
    let dir = run_fixture(tmp.path());
    let path = report::write_report(&dir).unwrap();
    assert_eq!(path, dir.join("report.md"));
    let charts = check_charts(&dir, blank_png_size(tmp.path()));
    for expected in [
        "emission_by_group",
        "emission_share_by_group",
        "stake_share_by_group",
        "price_by_subnet",
        "apy_alpha_validators",
        "apy_tao_validators",
        "series_price",
    ] {
        assert!(
            charts.iter().any(|c| c == expected),
            "{expected} in {charts:?}"
        );
    }
    let markdown = std::fs::read_to_string(&path).unwrap();
    assert!(
        markdown.contains("# Run report: default, seed 7"),
        "{markdown}"
    );
    assert!(markdown.contains("validator:honest"), "{markdown}");
    assert!(
        markdown.contains("assets balance to the rao"),
        "the report checks the ledger: {markdown}"
    );
}

/// Adds `delta` rao to row `index` of `ledger.parquet` in `dir`, keeping every column's type.
fn mutate_ledger(dir: &Path, index: usize, delta: u64) -> (u64, String) {
    let path = dir.join("ledger.parquet");
    let mut frame = ParquetReader::new(std::fs::File::open(&path).unwrap())
        .finish()
        .unwrap();
    let mut amounts: Vec<u64> = frame
        .column("amount_rao")
        .unwrap()
        .u64()
        .unwrap()
        .into_no_null_iter()
        .collect();
    amounts[index] += delta;
    frame
        .replace(
            "amount_rao",
            Series::new("amount_rao".into(), amounts).into(),
        )
        .unwrap();
    let block = frame
        .column("block")
        .unwrap()
        .u64()
        .unwrap()
        .get(index)
        .unwrap();
    let asset = frame
        .column("asset")
        .unwrap()
        .str()
        .unwrap()
        .get(index)
        .unwrap()
        .to_string();
    ParquetWriter::new(std::fs::File::create(&path).unwrap())
        .finish(&mut frame)
        .unwrap();
    (block, asset)
}

#[test]
fn the_report_checks_the_ledger_and_fails_on_one_mutated_row() {
    let tmp = TempDir::new("ledger");
    let dir = run_fixture(tmp.path());
    let check = report::verify_ledger(&dir.join("ledger.parquet"))
        .unwrap()
        .expect("a run directory has a ledger");
    assert!(check.blocks >= 3 && check.assets == 5, "{check}");
    let ok = Command::new(env!("CARGO_BIN_EXE_taosim"))
        .args(["report", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(ok.status.success());
    let stderr = String::from_utf8(ok.stderr).unwrap();
    assert!(stderr.contains("balance to the rao"), "{stderr}");
    // One rao more in one bucket of one (block, asset) somewhere in the middle.
    let rows = check.blocks * 5 * 7;
    let (block, asset) = mutate_ledger(&dir, rows / 2, 1);
    let e = report::write_report(&dir).unwrap_err().to_string();
    assert!(
        e.contains("ledger.parquet") && e.contains(&format!("block {block}, asset {asset}")),
        "{e}"
    );
    assert!(e.contains("(+1 rao)") || e.contains("(-1 rao)"), "{e}");
    let out = Command::new(env!("CARGO_BIN_EXE_taosim"))
        .args(["report", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

#[test]
fn sweep_report_draws_the_retention_map_from_all_shards() {
    let tmp = TempDir::new("sweep");
    let dir = sweep_fixture(tmp.path());
    report::write_report(&dir).unwrap();
    let charts = check_charts(&dir, blank_png_size(tmp.path()));
    assert!(
        charts.contains(&"heatmap_0_retained".to_string()),
        "{charts:?}"
    );
    assert!(
        charts.contains(&"heatmap_1_honest_share".to_string()),
        "{charts:?}"
    );
    let markdown = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(markdown.contains("36 runs (35 ok, 1 failed)"), "{markdown}");
    assert!(
        markdown.contains("| 5 | 2 | 1 | 101 | pool drained |"),
        "{markdown}"
    );
    assert!(
        markdown.contains("smallest `subnets.0.agents.honest.weight`"),
        "{markdown}"
    );
    assert!(
        markdown.contains("| retained | 0 or 1 | 35 |"),
        "{markdown}"
    );
}

#[test]
fn compare_report_shows_both_sides_and_the_largest_differences() {
    let tmp = TempDir::new("compare");
    let dir = compare_fixture(tmp.path());
    report::write_report(&dir).unwrap();
    let charts = check_charts(&dir, blank_png_size(tmp.path()));
    assert!(
        charts.contains(&"relative_differences".to_string()),
        "{charts:?}"
    );
    assert!(charts.contains(&"ab_0_price_sn1".to_string()), "{charts:?}");
    assert!(
        charts.contains(&"diff_0_price_sn1".to_string()),
        "{charts:?}"
    );
    let markdown = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(
        markdown.contains("| copier_share | ? | 0.1 | 0.02 | -0.08 | 0.01 | 3 |"),
        "{markdown}"
    );
    // The paired difference comes first, before the side-by-side table.
    let first = |s: &str| {
        markdown
            .find(s)
            .unwrap_or_else(|| panic!("{s}: {markdown}"))
    };
    assert!(
        first("diff_0_price_sn1") < first("| copier_share"),
        "{markdown}"
    );
    assert!(markdown.contains("mean over 3 seeds"), "{markdown}");
}

/// A single-axis zip sweep (3 values × 3 replicates) without series: metric lines by axis.
fn single_axis_fixture(root: &Path) -> PathBuf {
    let dir = root.join("single");
    let kappa = "subnets.0.hyperparameters.kappa";
    write_json(
        &dir.join("manifest.json"),
        &serde_json::json!({
            "kind": "sweep", "scenario": "kappa", "replicates": 3, "runs": 9, "heatmaps": [],
            "axes": [{"path": kappa, "values": [0.4, 0.5, 0.6], "mode": "zip"}]
        }),
    );
    let run: Vec<u32> = (0..9).collect();
    let subset: Vec<u32> = run.iter().map(|r| r / 3).collect();
    let replicate: Vec<u32> = run.iter().map(|r| r % 3).collect();
    let value: Vec<f64> = run.iter().map(|r| 0.4 + 0.1 * f64::from(r / 3)).collect();
    let ids = |extra: Vec<Column>| {
        let mut columns = vec![
            Column::new("run".into(), run.clone()),
            Column::new("subset".into(), subset.clone()),
            Column::new("replicate".into(), replicate.clone()),
            Column::new(
                "seed".into(),
                run.iter().map(|&r| u64::from(r % 3)).collect::<Vec<u64>>(),
            ),
        ];
        columns.extend(extra);
        columns
    };
    let runs = ids(vec![
        Column::new("status".into(), vec!["ok"; 9]),
        Column::new("error".into(), vec![""; 9]),
        Column::new(kappa.into(), value.clone()),
    ]);
    write_parquet(&dir.join("runs.parquet"), runs);
    let consensus: Vec<f64> = run
        .iter()
        .zip(&value)
        .map(|(r, k)| k * 2.0 + f64::from(r % 3))
        .collect();
    let metrics = ids(vec![
        Column::new("metric".into(), vec!["consensus"; 9]),
        Column::new("value".into(), consensus),
    ]);
    write_parquet(&dir.join("metrics.parquet"), metrics);
    dir
}

#[test]
fn single_axis_sweep_draws_each_metric_against_the_axis() {
    let tmp = TempDir::new("single");
    let dir = single_axis_fixture(tmp.path());
    report::write_report(&dir).unwrap();
    let charts = check_charts(&dir, blank_png_size(tmp.path()));
    assert_eq!(charts, ["metric_0_consensus"]);
    let markdown = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(markdown.contains("| 1 | 0.5 | 3 | 2 | 1 |"), "{markdown}");
}

/// Every file under `dir/charts` and `dir/report.md`, by name.
fn outputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir.join("charts"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files.push((
        "report.md".into(),
        std::fs::read(dir.join("report.md")).unwrap(),
    ));
    files
}

#[test]
fn the_same_files_give_byte_identical_reports() {
    let tmp = TempDir::new("twice");
    let dirs = [
        run_fixture(tmp.path()),
        sweep_fixture(tmp.path()),
        single_axis_fixture(tmp.path()),
        compare_fixture(tmp.path()),
    ];
    for dir in dirs {
        report::write_report(&dir).unwrap();
        let first = outputs(&dir);
        report::write_report(&dir).unwrap();
        assert_eq!(first, outputs(&dir), "{}", dir.display());
    }
}

#[test]
fn a_missing_manifest_is_an_error_naming_it() {
    let tmp = TempDir::new("missing");
    let e = report::write_report(tmp.path()).unwrap_err().to_string();
    assert!(e.contains("manifest.json"), "{e}");
    let out = Command::new(env!("CARGO_BIN_EXE_taosim"))
        .args(["report", tmp.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("manifest.json"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn a_broken_table_is_an_error_naming_it() {
    let tmp = TempDir::new("broken");
    let dir = sweep_fixture(tmp.path());
    let bad = dir.join("shard-1-of-2").join("metrics.parquet");
    std::fs::write(&bad, b"not parquet").unwrap();
    let e = report::write_report(&dir).unwrap_err().to_string();
    assert!(
        e.contains("shard-1-of-2") && e.contains("metrics.parquet"),
        "{e}"
    );
}

/// `taosim report DIR`: (exit code, stderr, report.md if written).
fn report_cli(dir: &Path) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_taosim"))
        .args(["report", dir.to_str().unwrap()])
        .output()
        .unwrap();
    let markdown = std::fs::read_to_string(dir.join("report.md")).unwrap_or_default();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        markdown,
    )
}

/// Issue 12: a sweep missing one of its shards says which shard and how many runs, on stderr
/// and in `report.md`, and counts the runs against the manifest's plan.
#[test]
fn a_missing_shard_and_its_runs_are_named_with_counts() {
    let tmp = TempDir::new("missing-shard");
    let dir = sweep_fixture(tmp.path());
    let (code, stderr, _) = report_cli(&dir);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
    std::fs::remove_dir_all(dir.join("shard-2-of-2")).unwrap();
    let (code, stderr, markdown) = report_cli(&dir);
    assert_eq!(code, Some(0), "{stderr}");
    let shard = "1 of 2 shards missing: shard-2-of-2";
    let runs = "18 of 36 planned runs missing (runs 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, …)";
    for line in [shard, runs] {
        assert!(stderr.contains(&format!("warning: {line}")), "{stderr}");
        assert!(markdown.contains(line), "{markdown}");
    }
    assert!(markdown.contains("## Missing inputs"), "{markdown}");
    assert!(
        markdown.contains(
            "18 runs (18 ok, 0 failed); 18 of 36 planned runs found, over 18 of 18 sweep points"
        ),
        "{markdown}"
    );
}

/// Issue 12: what a report leaves out is listed with the reason.
#[test]
fn what_a_report_leaves_out_is_listed_with_the_reason() {
    let tmp = TempDir::new("left-out");
    let dir = sweep_fixture(tmp.path());
    let path = dir.join("manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let heatmap = serde_json::json!({"x": W_C, "y": S_H, "metric": "absent", "title": ""});
    manifest["heatmaps"].as_array_mut().unwrap().push(heatmap);
    write_json(&path, &manifest);
    let (code, stderr, markdown) = report_cli(&dir);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("1 metrics or charts left out of the report"),
        "{stderr}"
    );
    let section = markdown
        .split("## Left out")
        .nth(1)
        .expect("a Left out section");
    assert!(
        section.contains("heatmap 2 of `absent`: no successful run has this metric"),
        "{section}"
    );
}

/// Issue 12: malformed `summary.json` and `manifest.json` are errors naming the file.
#[test]
fn malformed_summary_and_manifest_are_errors_naming_the_file() {
    let tmp = TempDir::new("malformed");
    let run = tmp.path().join("run");
    write_json(
        &run.join("manifest.json"),
        &serde_json::json!({"kind": "run"}),
    );
    let cases = [
        (
            "summary.json",
            serde_json::json!([]),
            "expected a JSON object",
        ),
        (
            "summary.json",
            serde_json::json!({"metrics": [1]}),
            "`metrics`",
        ),
        (
            "summary.json",
            serde_json::json!({"metrics": {"m": "x"}}),
            "`metrics.m`",
        ),
        ("manifest.json", serde_json::json!([]), "not a JSON object"),
    ];
    for (file, value, needle) in cases {
        write_json(&run.join(file), &value);
        let (code, stderr, markdown) = report_cli(&run);
        assert_eq!(code, Some(2), "{file}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(file) && stderr.contains(needle), "{stderr}");
        assert!(markdown.is_empty(), "nothing written");
    }
    let dir = sweep_fixture(tmp.path());
    let path = dir.join("manifest.json");
    let original: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let cases = [
        ("runs", serde_json::json!("many")),
        ("shard", serde_json::json!({"index": 3, "count": 2})),
    ];
    for (field, value) in cases {
        let mut manifest = original.clone();
        manifest[field] = value;
        write_json(&path, &manifest);
        let (code, stderr, _) = report_cli(&dir);
        assert_eq!(code, Some(2), "{stderr}");
        assert!(
            stderr.contains("manifest.json") && stderr.contains(&format!("`{field}`")),
            "{stderr}"
        );
    }
}

/// A run streamed into its directory as it goes (`run_dir::write_run`) writes the same bytes
/// and computes the same metrics as the same run held in memory and written whole; its neuron
/// table (more rows than one row group holds) is cut into bounded row groups and reads back
/// whole.
#[test]
fn a_streamed_run_equals_the_run_held_in_memory() {
    let tmp = TempDir::new("streamed");
    let mut s = scenario::default_scenario();
    s.blocks = 3 * u64::from(s.subnets[0].tempo);
    let manifest = taosim::api::run::manifest(&s, 7);
    let streamed_dir = tmp.path().join("streamed");
    std::fs::create_dir_all(&streamed_dir).unwrap();
    let (_, streamed) =
        taosim::run_dir::write_run(&s, 7, &streamed_dir, &manifest, &mut |_| {}).unwrap();
    let record = taosim::sim::run(&s, 7, &mut |_| {}).unwrap();
    let in_memory = taosim::runner::run_metrics(&s, &record);
    assert_eq!(streamed, in_memory, "streamed and in-memory metrics differ");
    let whole_dir = tmp.path().join("whole");
    std::fs::create_dir_all(&whole_dir).unwrap();
    let tables = Tables {
        neurons: true,
        neurons_every_epochs: 1,
        accounts: true,
    };
    report::write_files(&whole_dir, &record, &in_memory, &manifest, tables).unwrap();
    for file in [
        "neurons.parquet",
        "subnets.parquet",
        "accounts.parquet",
        "ledger.parquet",
        "series.parquet",
        "summary.json",
        "manifest.json",
    ] {
        let a = std::fs::read(streamed_dir.join(file)).unwrap();
        let b = std::fs::read(whole_dir.join(file)).unwrap();
        assert!(
            a == b,
            "{file} differs between the streamed and the whole run"
        );
    }
    let path = streamed_dir.join("neurons.parquet");
    let rows = ParquetReader::new(std::fs::File::open(&path).unwrap()).num_rows();
    assert_eq!(rows.unwrap(), record.neurons.len());
}

/// `record.neurons_every_epochs: k` writes the neuron rows of every k-th epoch only, while the
/// metrics still read every epoch.
#[test]
fn neuron_rows_can_be_written_every_k_epochs() {
    let tmp = TempDir::new("every-k");
    let mut s = scenario::default_scenario();
    s.blocks = 5 * u64::from(s.subnets[0].tempo);
    s.record_neurons_every = 2;
    let manifest = taosim::api::run::manifest(&s, 7);
    let (_, streamed) =
        taosim::run_dir::write_run(&s, 7, tmp.path(), &manifest, &mut |_| {}).unwrap();
    let record = taosim::sim::run(&s, 7, &mut |_| {}).unwrap();
    assert_eq!(streamed, taosim::runner::run_metrics(&s, &record));
    let file = std::fs::File::open(tmp.path().join("neurons.parquet")).unwrap();
    let frame = ParquetReader::new(file).finish().unwrap();
    let epochs = frame.column("epoch").unwrap().u64().unwrap();
    let written: std::collections::BTreeSet<u64> = epochs.iter().flatten().collect();
    let all: std::collections::BTreeSet<u64> = record.neurons.iter().map(|r| r.epoch).collect();
    assert!(all.len() >= 4, "{all:?}");
    let even: std::collections::BTreeSet<u64> =
        all.iter().copied().filter(|e| e % 2 == 0).collect();
    assert_eq!(written, even);
    let expected = record.neurons.iter().filter(|r| r.epoch % 2 == 0).count();
    assert_eq!(frame.height(), expected);
}

/// Issue 15: `value_by_role` gives the change in TAO and, only where a role started with
/// something, as a fraction (owners start with nothing and earn the owner cut); the report's
/// metrics table gives every metric a unit and a definition.
#[test]
fn value_changes_and_metric_units_are_stated_for_every_role_and_metric() {
    let tmp = TempDir::new("units");
    let mut s = scenario::default_scenario();
    s.blocks = 3 * u64::from(s.subnets[0].tempo);
    let manifest = taosim::api::run::manifest(&s, 7);
    taosim::run_dir::write_run(&s, 7, tmp.path(), &manifest, &mut |_| {}).unwrap();
    let text = std::fs::read_to_string(tmp.path().join("summary.json")).unwrap();
    let summary: serde_json::Value = serde_json::from_str(&text).unwrap();
    let roles = summary["value_by_role"].as_object().unwrap();
    let owner = &roles["owner"];
    assert_eq!(owner["start_tao"].as_f64(), Some(0.0), "{owner}");
    assert!(owner["end_tao"].as_f64().unwrap() > 0.0, "{owner}");
    for (role, v) in roles {
        let (start, end) = (
            v["start_tao"].as_f64().unwrap(),
            v["end_tao"].as_f64().unwrap(),
        );
        assert!(
            (v["change_tao"].as_f64().unwrap() - (end - start)).abs() < 1e-6,
            "{role}"
        );
        match v["change_fraction"].as_f64() {
            Some(f) => assert!((f - (end / start - 1.0)).abs() < 1e-12, "{role}"),
            None => assert_eq!(start, 0.0, "{role}: a fraction is missing"),
        }
    }
    report::write_report(tmp.path()).unwrap();
    let md = std::fs::read_to_string(tmp.path().join("report.md")).unwrap();
    let section = md.split("## Metrics").nth(1).unwrap();
    let metric_rows: Vec<&str> = (section.lines())
        .skip_while(|l| !l.starts_with("| metric"))
        .skip(2)
        .take_while(|l| l.starts_with("| "))
        .collect();
    assert!(metric_rows.len() > 10, "{section}");
    for row in metric_rows {
        let cells: Vec<&str> = row.split(" | ").collect();
        assert_eq!(cells.len(), 4, "{row}");
        assert!(!cells[2].trim().is_empty(), "no unit: {row}");
        assert!(cells[3].trim().len() > 3, "no definition: {row}");
    }
}
