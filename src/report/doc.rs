//! The Markdown builder every report view shares: [`Report`] (the text, its charts, warnings
//! and what was left out), [`Doc`] (headings, paragraphs, tables) and cell formatting. A leaf
//! below the views, so they never import the dispatcher (`markdown.rs`) or one another for it.
//!
//! May depend on: `charts`, `format`.

use super::charts::Chart;
use super::format::significant;
use std::fmt::Write as _;

/// A report: its Markdown and the charts it links to.
#[derive(Default)]
pub struct Report {
    /// The Markdown.
    pub doc: Doc,
    /// The charts, written under `charts/`.
    pub charts: Vec<Chart>,
    /// Missing or inconsistent inputs (the view also writes them into `doc`).
    pub warnings: Vec<String>,
    /// What was left out and why (listed at the end of `doc`).
    pub left_out: Vec<String>,
}

impl Report {
    /// Notes that `what` is left out of the report `because`.
    pub fn leave_out(&mut self, what: &str, because: &str) {
        self.left_out.push(format!("{what}: {because}"));
    }

    /// A "Missing inputs" section listing `warnings` (nothing when there are none); they are
    /// also handed to the caller for stderr.
    pub fn missing_inputs(&mut self, warnings: Vec<String>) {
        if warnings.is_empty() {
            return;
        }
        self.doc.heading(2, "Missing inputs");
        for w in &warnings {
            self.doc.line(&format!("* **{}**", escape(w)));
        }
        self.doc.line("");
        self.warnings.extend(warnings);
    }

    /// The closing "Left out" section, if anything was.
    pub fn list_left_out(&mut self) {
        if self.left_out.is_empty() {
            return;
        }
        self.doc.heading(2, "Left out");
        for item in &self.left_out {
            self.doc.line(&format!("* {}", escape(item)));
        }
        self.doc.line("");
    }

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
