//! `report.md` and its charts for a run, sweep, compare or replay directory, drawn only from the files
//! in that directory. [`draw_report`] reads `manifest.json`'s `kind` and hands over to the
//! matching view; [`publish_report`] does so whole-or-nothing for an existing directory. The
//! Markdown builder the views share is `doc.rs`, a leaf below them.
//!
//! Deterministic: the same files give byte-identical `report.md` and charts (no timestamps,
//! ordered maps, fixed chart sizes).
//!
//! May depend on: the rest of `report`.

use super::charts;
use super::publish::{Staging, checkpoint};
use super::read::{self, read_error};
use super::{ReportError, compare_view, replay_view, run_view, sweep_view};
use std::path::{Path, PathBuf};

/// What [`draw_report`] drew, and what it could not.
#[derive(Clone, Debug, Default)]
pub struct Drawn {
    /// The path of `report.md`.
    pub path: PathBuf,
    /// Inputs found missing or inconsistent (shards, runs), one line each; also in `report.md`.
    pub warnings: Vec<String>,
    /// Metrics and charts left out, each with the reason; also in `report.md`.
    pub left_out: Vec<String>,
}

/// Redraws the report of the existing run, sweep or compare directory `dir` whole-or-nothing
/// and returns the path of `report.md`. See [`publish_report`].
pub fn write_report(dir: &Path) -> Result<PathBuf, ReportError> {
    publish_report(dir, &mut |_| {}).map(|drawn| drawn.path)
}

/// Redraws the report of the existing directory `dir` whole-or-nothing: a copy of `dir` (hard
/// links, without its old charts and `report.md`) is made beside it, the new charts and
/// `report.md` are drawn into the copy, and the copy is exchanged with `dir` (see
/// [`super::publish`]). A failure or a kill leaves `dir` as it was. Errors name the files of
/// `dir`; `note` hears of each leftover of an interrupted run removed first.
pub fn publish_report(dir: &Path, note: &mut dyn FnMut(&str)) -> Result<Drawn, ReportError> {
    let staging = Staging::copy_of(dir, &old_report_file)?;
    staging.notes().iter().for_each(|n| note(n));
    let mut drawn =
        draw_report(staging.path()).map_err(|e| e.rebase(staging.path(), staging.target()))?;
    staging.publish()?;
    drawn.path = dir.join("report.md");
    Ok(drawn)
}

/// `report.md` and the charts under `charts/` (relative paths): what a redraw replaces; and
/// temporary directories of other publications (`.name.tmp-PID`), which are not the report's.
fn old_report_file(rel: &Path) -> bool {
    let chart = rel.parent() == Some(Path::new("charts"))
        && rel.extension().is_some_and(|e| e == "png" || e == "svg");
    let name = rel
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let temporary = name.starts_with('.') && (name.contains(".tmp-") || name.contains(".old-"));
    chart || temporary || rel == Path::new("report.md")
}

/// Writes `dir/charts/*.png|svg` and `dir/report.md` for the run, sweep or compare directory
/// `dir` in place (a directory being staged) and says what it drew. The kind comes from
/// `manifest.json`'s `"kind"` (`run` when absent).
pub fn draw_report(dir: &Path) -> Result<Drawn, ReportError> {
    let manifest_path = dir.join("manifest.json");
    let manifest = read::json(&manifest_path)?;
    let kind = match manifest.as_object().map(|m| m.get("kind")) {
        None => return Err(read_error(&manifest_path, "not a JSON object")),
        Some(None) => "run",
        Some(Some(kind)) => kind
            .as_str()
            .ok_or_else(|| read_error(&manifest_path, "`kind` is not a string"))?,
    };
    let mut report = match kind {
        "run" => run_view::report(dir, &manifest)?,
        "sweep" => sweep_view::report(dir, &manifest)?,
        "compare" => compare_view::report(dir, &manifest)?,
        "replay" => replay_view::report(dir, &manifest)?,
        other => {
            return Err(read_error(
                &manifest_path,
                format!("unknown kind `{other}` (expected run, sweep, compare or replay)"),
            ));
        }
    };
    report.list_left_out();
    let charts_dir = dir.join("charts");
    clear_charts(&charts_dir)?;
    for chart in &report.charts {
        charts::write(&charts_dir, chart)?;
        checkpoint("chart").map_err(|e| write_error(&charts_dir, e))?;
    }
    let path = dir.join("report.md");
    checkpoint("report").map_err(|e| write_error(&path, e))?;
    std::fs::write(&path, &report.doc.text).map_err(|e| write_error(&path, e))?;
    Ok(Drawn {
        path,
        warnings: report.warnings,
        left_out: report.left_out,
    })
}

fn write_error(path: &Path, e: impl std::fmt::Display) -> ReportError {
    ReportError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Creates `charts/` and removes the charts of an earlier report from it.
fn clear_charts(charts_dir: &Path) -> Result<(), ReportError> {
    let error = |e: std::io::Error| ReportError::Write {
        path: charts_dir.to_path_buf(),
        message: e.to_string(),
    };
    std::fs::create_dir_all(charts_dir).map_err(error)?;
    for entry in std::fs::read_dir(charts_dir).map_err(error)? {
        let path = entry.map_err(error)?.path();
        if path.extension().is_some_and(|e| e == "png" || e == "svg") {
            std::fs::remove_file(&path).map_err(error)?;
        }
    }
    Ok(())
}
