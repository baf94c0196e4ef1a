//! `report.md` and its charts for a run, sweep or compare directory, drawn only from the files
//! in that directory. [`write_report`] reads `manifest.json`'s `kind` and hands over to the
//! matching view; this module holds the Markdown builder they share.
//!
//! Deterministic: the same files give byte-identical `report.md` and charts (no timestamps,
//! ordered maps, fixed chart sizes).
//!
//! May depend on: the rest of `report`.

use super::charts::{self, Chart};
use super::read::{self, read_error};
use super::{ReportError, compare_view, run_view, sweep_view};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Writes `dir/charts/*.png|svg` and `dir/report.md` for the run, sweep or compare directory
/// `dir` and returns the path of `report.md`. The kind comes from `manifest.json`'s `"kind"`
/// (`run` when absent).
pub fn write_report(dir: &Path) -> Result<PathBuf, ReportError> {
    let manifest_path = dir.join("manifest.json");
    let manifest = read::json(&manifest_path)?;
    let kind = match manifest.get("kind") {
        None => "run",
        Some(kind) => kind
            .as_str()
            .ok_or_else(|| read_error(&manifest_path, "`kind` is not a string"))?,
    };
    let report = match kind {
        "run" => run_view::report(dir, &manifest)?,
        "sweep" => sweep_view::report(dir, &manifest)?,
        "compare" => compare_view::report(dir, &manifest)?,
        other => {
            return Err(read_error(
                &manifest_path,
                format!("unknown kind `{other}` (expected run, sweep or compare)"),
            ));
        }
    };
    let charts_dir = dir.join("charts");
    clear_charts(&charts_dir)?;
    for chart in &report.charts {
        charts::write(&charts_dir, chart)?;
    }
    let path = dir.join("report.md");
    std::fs::write(&path, report.doc.text).map_err(|e| ReportError::Write {
        path: path.clone(),
        message: e.to_string(),
    })?;
    Ok(path)
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

/// A report: its Markdown and the charts it links to.
#[derive(Default)]
pub struct Report {
    /// The Markdown.
    pub doc: Doc,
    /// The charts, written under `charts/`.
    pub charts: Vec<Chart>,
}

impl Report {
    /// Adds `chart` and its image (with `caption` below it) to the document.
    pub fn chart(&mut self, chart: Chart, caption: &str) {
        let name = &chart.name;
        self.doc.line(&format!(
            "![{}](charts/{name}.png)",
            chart.title.replace(['[', ']', '\n'], "")
        ));
        self.doc.line("");
        if !caption.is_empty() {
            self.doc
                .line(&format!("*{}* ([SVG](charts/{name}.svg))", caption));
            self.doc.line("");
        }
        self.charts.push(chart);
    }
}

/// A Markdown document under construction.
#[derive(Default)]
pub struct Doc {
    /// The text so far.
    pub text: String,
}

impl Doc {
    /// One line.
    pub fn line(&mut self, line: &str) {
        self.text.push_str(line);
        self.text.push('\n');
    }

    /// A heading of `level` (1–6) followed by a blank line.
    pub fn heading(&mut self, level: usize, text: &str) {
        self.line(&format!("{} {text}", "#".repeat(level.clamp(1, 6))));
        self.line("");
    }

    /// A paragraph followed by a blank line.
    pub fn paragraph(&mut self, text: &str) {
        self.line(text);
        self.line("");
    }

    /// A table with a header row, followed by a blank line.
    pub fn table(&mut self, headers: &[&str], rows: &[Vec<String>]) {
        let header: Vec<String> = headers.iter().map(|h| escape(h)).collect();
        self.line(&format!("| {} |", header.join(" | ")));
        let rule: Vec<&str> = headers.iter().map(|_| "---").collect();
        self.line(&format!("|{}|", rule.join("|")));
        for row in rows {
            let cells: Vec<String> = row.iter().map(|c| escape(c)).collect();
            let _ = writeln!(self.text, "| {} |", cells.join(" | "));
        }
        self.line("");
    }
}

/// A table cell: pipes escaped, newlines as spaces.
pub fn escape(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// A number for a table: up to 6 significant digits, scientific outside [1e-4, 1e9); "–" for
/// a non-finite value.
pub fn number(v: f64) -> String {
    if v.is_finite() {
        significant(v, 6, 1e-4, 1e9)
    } else {
        "–".into()
    }
}

/// `v` with up to `digits` significant digits and trailing zeros trimmed; scientific with
/// `digits − 2` decimals when |v| is outside `[lo, hi)`.
pub fn significant(v: f64, digits: i32, lo: f64, hi: f64) -> String {
    let a = v.abs();
    if v == 0.0 {
        return "0".into();
    }
    if !(lo..hi).contains(&a) {
        let precision = (digits - 2).max(0) as usize;
        return format!("{v:.precision$e}");
    }
    let most = digits - 1 - lo.log10().round() as i32;
    let decimals = (digits - 1 - a.log10().floor() as i32).clamp(0, most) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A JSON scalar as table text.
pub fn json_cell(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Number(n) => n.as_f64().map_or_else(|| n.to_string(), number),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "–".into(),
        other => other.to_string(),
    }
}

/// A file-name-safe stem: ASCII letters and digits kept, everything else `_`.
pub fn stem(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_six_significant_digits() {
        assert_eq!(number(1.5), "1.5");
        assert_eq!(number(1234.56789), "1234.57");
        assert_eq!(number(0.000123456), "0.000123456");
        assert_eq!(number(-2e10), "-2.0000e10");
        assert_eq!(number(f64::NAN), "–");
    }

    #[test]
    fn tables_escape_pipes() {
        let mut doc = Doc::default();
        doc.table(&["a", "b"], &[vec!["x|y".into(), "1".into()]]);
        assert_eq!(doc.text, "| a | b |\n|---|---|\n| x\\|y | 1 |\n\n");
    }
}
