//! Drawing charts with plotters: each [`Chart`] is written as `<name>.png` and `<name>.svg`
//! (1000 × 600 px). Text uses the embedded DejaVu Sans (no system fonts), horizontal only:
//! the y unit goes in the title. Lines, bands, heatmaps, histograms and horizontal bars;
//! the data are prepared by the callers, so drawing holds no statistics.
//!
//! May depend on: plotters, `aggregate`.

use super::ReportError;
use super::read::read_error;
use plotters::coord::Shift;
use plotters::coord::ranged1d::SegmentedCoord;
use plotters::coord::types::RangedCoordi32;
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::collections::BTreeSet;
use std::path::Path;

/// Chart size in pixels.
pub const SIZE: (u32, u32) = (1000, 600);
/// Width of the legend panel on the right.
const LEGEND_WIDTH: u32 = 230;

static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Registers the embedded font as plotters' `sans-serif` (once per process).
fn register_font() -> Result<(), String> {
    static REGISTERED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font("sans-serif", FontStyle::Normal, FONT).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err("the embedded font is invalid".into())
    }
}

/// A colour-blind-friendly palette (Okabe–Ito plus Tableau tones), cycled.
const PALETTE: [(u8, u8, u8); 10] = [
    (0, 114, 178),
    (213, 94, 0),
    (0, 158, 115),
    (204, 121, 167),
    (230, 159, 0),
    (86, 180, 233),
    (120, 120, 120),
    (240, 228, 66),
    (148, 103, 189),
    (0, 0, 0),
];

/// The `i`-th palette colour.
pub fn colour(i: usize) -> RGBColor {
    let (r, g, b) = PALETTE[i % PALETTE.len()];
    RGBColor(r, g, b)
}

/// One line of a line chart, with an optional band (`x, low, high`).
#[derive(Clone, Debug, Default)]
pub struct Line {
    /// Legend entry.
    pub name: String,
    /// The points, sorted by x.
    pub points: Vec<(f64, f64)>,
    /// The band around the line (empty: none).
    pub band: Vec<(f64, f64, f64)>,
}

/// What a chart shows.
#[derive(Clone, Debug)]
pub enum Plot {
    /// Lines (with bands) over a numeric x.
    Lines { lines: Vec<Line>, x_label: String },
    /// A histogram from precomputed bins: low edge, bin width, counts.
    Histogram {
        low: f64,
        width: f64,
        counts: Vec<u64>,
        x_label: String,
    },
    /// A heatmap over categorical x and y; `cells[y][x]`, `None` drawn blank.
    Heatmap {
        xs: Vec<String>,
        ys: Vec<String>,
        cells: Vec<Vec<Option<f64>>>,
        x_label: String,
        y_label: String,
        value_label: String,
    },
    /// Horizontal bars, one per label, top to bottom.
    Bars {
        labels: Vec<String>,
        values: Vec<f64>,
        x_label: String,
    },
}

/// A chart and its file stem.
#[derive(Clone, Debug)]
pub struct Chart {
    /// File stem under `charts/` (letters, digits, `_`, `-`, `.`).
    pub name: String,
    /// Title drawn on top (include the y unit).
    pub title: String,
    /// The content.
    pub plot: Plot,
}

type DrawResult = Result<(), Box<dyn std::error::Error>>;

/// Writes `chart` as `<dir>/<name>.png` and `<dir>/<name>.svg`.
pub fn write(dir: &Path, chart: &Chart) -> Result<(), ReportError> {
    let png = dir.join(format!("{}.png", chart.name));
    let svg = dir.join(format!("{}.svg", chart.name));
    register_font().map_err(|e| read_error(&png, e))?;
    let root = BitMapBackend::new(&png, SIZE).into_drawing_area();
    draw(&root, chart)
        .and_then(|()| root.present().map_err(Into::into))
        .map_err(|e| chart_error(&png, &*e))?;
    drop(root);
    let root = SVGBackend::new(&svg, SIZE).into_drawing_area();
    draw(&root, chart)
        .and_then(|()| root.present().map_err(Into::into))
        .map_err(|e| chart_error(&svg, &*e))
}

fn chart_error(path: &Path, e: &dyn std::error::Error) -> ReportError {
    ReportError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, chart: &Chart) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    match &chart.plot {
        Plot::Lines { lines, x_label } => draw_lines(root, &chart.title, lines, x_label),
        Plot::Histogram {
            low,
            width,
            counts,
            x_label,
        } => draw_histogram(root, &chart.title, (*low, *width, counts), x_label),
        Plot::Heatmap { .. } => draw_heatmap(root, chart),
        Plot::Bars {
            labels,
            values,
            x_label,
        } => draw_bars(root, &chart.title, labels, values, x_label),
    }
}

/// Axis tick text: up to 4 significant digits, scientific outside [1e-3, 1e6).
pub fn format_number(v: f64) -> String {
    super::format::significant(v, 4, 1e-3, 1e6)
}

/// `[lo, hi]` widened by 5 % (or ±0.5 when empty or flat).
fn padded(lo: f64, hi: f64) -> (f64, f64) {
    if !(lo.is_finite() && hi.is_finite()) {
        return (0.0, 1.0);
    }
    let span = hi - lo;
    if span <= 0.0 {
        let d = if lo == 0.0 { 0.5 } else { lo.abs() * 0.1 };
        (lo - d, hi + d)
    } else {
        (lo - 0.05 * span, hi + 0.05 * span)
    }
}

fn title_font() -> TextStyle<'static> {
    ("sans-serif", 22).into_font().into()
}

fn label_font() -> TextStyle<'static> {
    ("sans-serif", 15).into_font().into()
}

/// Draws the legend entries in the right-hand panel.
fn draw_legend<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, names: &[String]) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let mut y = 60;
    for (i, name) in names.iter().enumerate() {
        let c = colour(i);
        let (on, off) = dash(i).unwrap_or((24, 0));
        let mut x = 6;
        while x < 30 {
            let end = (x + on).min(30);
            area.draw(&PathElement::new(vec![(x, y), (end, y)], c.stroke_width(3)))?;
            x = end + off.max(1);
        }
        for part in wrap(name, LEGEND_CHARS) {
            area.draw(&Text::new(part, (36, y - 8), label_font()))?;
            y += 18;
        }
        y += 6;
    }
    Ok(())
}

/// The dash pattern of line `i` (on, off pixels): solid, dashed, dotted, in turn.
fn dash(i: usize) -> Option<(i32, i32)> {
    match i % 3 {
        0 => None,
        1 => Some((10, 7)),
        _ => Some((2, 5)),
    }
}

/// Characters of a legend line in the legend panel.
const LEGEND_CHARS: usize = 22;

/// `s` in lines of at most `n` characters, broken after a separator (`.`, `:`, `_`, `,`,
/// `=`, space) where one falls in the second half of a line, else mid-word: legends are
/// wrapped, never cut (two names that differ only at the end stay apart).
pub fn wrap(s: &str, n: usize) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    let mut lines = Vec::new();
    let mut start = 0;
    while chars.len() - start > n {
        let window = &chars[start..start + n];
        let cut = (n / 2..n)
            .rev()
            .find(|&k| matches!(window[k - 1], '.' | ':' | '_' | ',' | '=' | ' '))
            .unwrap_or(n);
        lines.push(chars[start..start + cut].iter().collect());
        start += cut;
    }
    lines.push(chars[start..].iter().collect());
    lines
}

/// `s` cut to `n` characters with an ellipsis.
pub fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let head: String = s.chars().take(n.saturating_sub(1)).collect();
        format!("{head}…")
    }
}

fn draw_lines<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    lines: &[Line],
    x_label: &str,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (plot, legend) = root.split_horizontally(SIZE.0 - LEGEND_WIDTH);
    let xs = lines.iter().flat_map(|l| l.points.iter().map(|p| p.0));
    let ys = lines.iter().flat_map(|l| {
        let points = l.points.iter().map(|p| p.1);
        points.chain(l.band.iter().flat_map(|b| [b.1, b.2]))
    });
    let (x0, x1) = bounds(xs);
    let (y0, y1) = bounds(ys.filter(|v| v.is_finite()));
    let (x0, x1) = if x1 > x0 { (x0, x1) } else { padded(x0, x1) };
    let (y0, y1) = padded(y0, y1);
    let distinct: BTreeSet<u64> = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.0.to_bits()))
        .collect();
    let mut chart = ChartBuilder::on(&plot)
        .caption(title, title_font())
        .margin(12)
        .x_label_area_size(50)
        .y_label_area_size(80)
        .build_cartesian_2d(x0..x1, y0..y1)?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .label_style(label_font())
        .axis_desc_style(label_font())
        .x_labels(distinct.len().clamp(2, 12))
        .x_label_formatter(&|v| format_number(*v))
        .y_label_formatter(&|v| format_number(*v))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()?;
    // Bands first (fainter when many overlap), then every line on top of them.
    let alpha = if lines.len() > 3 { 0.12 } else { 0.2 };
    for (i, line) in lines.iter().enumerate().filter(|(_, l)| !l.band.is_empty()) {
        let mut outline: Vec<(f64, f64)> = line.band.iter().map(|b| (b.0, b.1)).collect();
        outline.extend(line.band.iter().rev().map(|b| (b.0, b.2)));
        let style = colour(i).mix(alpha).filled();
        chart.draw_series(std::iter::once(Polygon::new(outline, style)))?;
    }
    for (i, line) in lines.iter().enumerate() {
        let c = colour(i);
        let points = line.points.iter().copied().filter(|p| p.1.is_finite());
        // Solid, dashed and dotted in turn, so that lines lying on each other stay visible.
        match dash(i) {
            Some((on, off)) => {
                let style = c.stroke_width(if on < 4 { 3 } else { 2 });
                chart.draw_series(DashedLineSeries::new(points, on, off, style))?;
            }
            None => {
                chart.draw_series(LineSeries::new(points, c.stroke_width(2)))?;
            }
        }
        // Markers where the points are few enough to tell apart (sweep values, short runs).
        if line.points.len() <= 30 {
            let markers = line.points.iter().filter(|p| p.1.is_finite());
            chart.draw_series(markers.map(|&p| Circle::new(p, 3, c.filled())))?;
        }
    }
    let names: Vec<String> = lines.iter().map(|l| l.name.clone()).collect();
    draw_legend(&legend, &names)
}

/// `(min, max)` of an iterator (`(0, 1)` when empty).
fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) }
}

fn draw_histogram<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    (low, width, counts): (f64, f64, &[u64]),
    x_label: &str,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let high = low + width * counts.len() as f64;
    let top = counts.iter().copied().max().unwrap_or(1).max(1) as f64 * 1.1;
    let mut chart = ChartBuilder::on(root)
        .caption(title, title_font())
        .margin(12)
        .x_label_area_size(50)
        .y_label_area_size(80)
        .build_cartesian_2d(low..high, 0.0..top)?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .label_style(label_font())
        .axis_desc_style(label_font())
        .y_labels((top as usize).clamp(2, 10))
        .x_label_formatter(&|v| format_number(*v))
        .y_label_formatter(&|v| format_number(*v))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()?;
    let c = colour(0);
    chart.draw_series(counts.iter().enumerate().map(|(i, &n)| {
        let x = low + width * i as f64;
        let mut bar = Rectangle::new([(x, 0.0), (x + width, n as f64)], c.mix(0.8).filled());
        bar.set_margin(0, 0, 1, 1);
        bar
    }))?;
    Ok(())
}

/// A viridis-like colour map on t ∈ [0, 1].
pub fn viridis(t: f64) -> RGBColor {
    const STOPS: [(f64, f64, f64); 6] = [
        (68.0, 1.0, 84.0),
        (65.0, 68.0, 135.0),
        (42.0, 120.0, 142.0),
        (34.0, 168.0, 132.0),
        (122.0, 209.0, 81.0),
        (253.0, 231.0, 37.0),
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let s = t * (STOPS.len() - 1) as f64;
    let i = (s.floor() as usize).min(STOPS.len() - 2);
    let f = s - i as f64;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    let mix = |p: f64, q: f64| (p + (q - p) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

fn draw_heatmap<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, chart: &Chart) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let Plot::Heatmap {
        xs,
        ys,
        cells,
        x_label,
        y_label,
        value_label,
    } = &chart.plot
    else {
        return Ok(());
    };
    let (plot, legend) = root.split_horizontally(SIZE.0 - 170);
    let scale = Scale::of(cells.iter().flatten().flatten().copied());
    // Integer ranges are inclusive as segments: 0..n − 1 gives n cells.
    let (nx, ny) = (xs.len().max(1) as i32, ys.len().max(1) as i32);
    let mut grid = ChartBuilder::on(&plot)
        .caption(&chart.title, title_font())
        .margin(12)
        .x_label_area_size(50)
        .y_label_area_size(90)
        .build_cartesian_2d((0..nx - 1).into_segmented(), (0..ny - 1).into_segmented())?;
    // At most about 12 labels per axis: every k-th level.
    // Every level plotters puts a tick at gets its label (at most 12 per axis, below).
    let label = |names: &[String], v: &SegmentValue<i32>| match v {
        SegmentValue::CenterOf(i) => (names.get(*i as usize))
            .map(|s| truncate(s, 12))
            .unwrap_or_default(),
        _ => String::new(),
    };
    grid.configure_mesh()
        .disable_mesh()
        .x_desc(x_label.as_str())
        .y_desc(y_label.as_str())
        .label_style(label_font())
        .axis_desc_style(label_font())
        .x_labels(xs.len().min(12))
        .y_labels(ys.len().min(12))
        .x_label_formatter(&|v| label(xs, v))
        .y_label_formatter(&|v| label(ys, v))
        .draw()?;
    fill_cells(&mut grid, cells, &scale)?;
    if xs.len() * ys.len() <= 120 {
        annotate_cells(&mut grid, cells, &scale)?;
    }
    draw_colour_bar(&legend, &scale, value_label)
}

/// How a heatmap's values map to colours: viridis from the minimum to the maximum, or, for
/// values of both signs, a diverging blue–white–red scale centred at 0 (the sign of a cell is
/// its hue, 0 is white) with each side stretched to its own extreme ("two-slope"), so that
/// small gains beside large losses still show.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scale {
    /// Viridis over `[lo, hi]`.
    Sequential { lo: f64, hi: f64 },
    /// Blue (`lo` < 0) – white (0) – red (`hi` > 0).
    Diverging { lo: f64, hi: f64 },
}

impl Scale {
    /// The scale of `values`: diverging when some are below 0 and some above.
    pub fn of(values: impl Iterator<Item = f64>) -> Scale {
        let (lo, hi) = bounds(values);
        if lo < 0.0 && hi > 0.0 {
            Scale::Diverging { lo, hi }
        } else {
            Scale::Sequential { lo, hi }
        }
    }

    /// The value's position on the scale, 0–1 (0.5: the middle, or 0 of a diverging scale).
    fn position(&self, v: f64) -> f64 {
        match *self {
            Scale::Sequential { lo, hi } if hi > lo => (v - lo) / (hi - lo),
            Scale::Sequential { .. } => 0.5,
            Scale::Diverging { lo, .. } if v < 0.0 => 0.5 - 0.5 * v / lo,
            Scale::Diverging { hi, .. } => 0.5 + 0.5 * v / hi,
        }
    }

    /// The colour at position `t` (0–1).
    fn colour_at(&self, t: f64) -> RGBColor {
        match self {
            Scale::Sequential { .. } => viridis(t),
            Scale::Diverging { .. } => blue_white_red(t),
        }
    }

    /// The colour of value `v`.
    fn colour(&self, v: f64) -> RGBColor {
        self.colour_at(self.position(v))
    }

    /// Text on a cell of value `v`: black on light colours, white on dark ones.
    fn text_colour(&self, v: f64) -> RGBColor {
        let t = self.position(v);
        let light = match self {
            Scale::Sequential { .. } => t > 0.6,
            Scale::Diverging { .. } => (t - 0.5).abs() < 0.3,
        };
        if light { BLACK } else { WHITE }
    }

    /// The labelled ticks of the colour bar, bottom to top: (position, value).
    fn ticks(&self) -> Vec<(f64, f64)> {
        match *self {
            Scale::Sequential { lo, hi } => vec![(0.0, lo), (1.0, hi)],
            Scale::Diverging { lo, hi } => vec![(0.0, lo), (0.5, 0.0), (1.0, hi)],
        }
    }
}

/// A diverging map (ColorBrewer RdBu ends): blue at 0, white at 0.5, red at 1.
fn blue_white_red(t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.5
    };
    let (blue, white, red) = (
        (33.0, 102.0, 172.0),
        (247.0, 247.0, 247.0),
        (178.0, 24.0, 43.0),
    );
    let (a, b, f): ((f64, f64, f64), (f64, f64, f64), f64) = if t < 0.5 {
        (blue, white, t * 2.0)
    } else {
        (white, red, t * 2.0 - 1.0)
    };
    let mix = |p: f64, q: f64| (p + (q - p) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// The heatmap's grid coordinates: one segment per level on each axis.
type GridContext<'a, DB> = ChartContext<
    'a,
    DB,
    Cartesian2d<SegmentedCoord<RangedCoordi32>, SegmentedCoord<RangedCoordi32>>,
>;

/// Colours each cell by its value (blank cells light grey).
fn fill_cells<DB: DrawingBackend>(
    grid: &mut GridContext<DB>,
    cells: &[Vec<Option<f64>>],
    scale: &Scale,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    for (j, row) in cells.iter().enumerate() {
        for (i, value) in row.iter().enumerate() {
            let style = match value {
                Some(v) => scale.colour(*v).filled(),
                None => RGBColor(245, 245, 245).filled(),
            };
            let (x, y) = (i as i32, j as i32);
            let corners = [
                (SegmentValue::Exact(x), SegmentValue::Exact(y)),
                (SegmentValue::Exact(x + 1), SegmentValue::Exact(y + 1)),
            ];
            grid.draw_series(std::iter::once(Rectangle::new(corners, style)))?;
        }
    }
    Ok(())
}

/// Writes each cell's value (or "–" for blank cells) in its centre.
fn annotate_cells<DB: DrawingBackend>(
    grid: &mut GridContext<DB>,
    cells: &[Vec<Option<f64>>],
    scale: &Scale,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    for (j, row) in cells.iter().enumerate() {
        for (i, value) in row.iter().enumerate() {
            let (text, colour) = match value {
                Some(v) => (format_number(*v), scale.text_colour(*v)),
                None => ("–".to_string(), RGBColor(150, 150, 150)),
            };
            let style = TextStyle::from(("sans-serif", 15).into_font())
                .color(&colour)
                .pos(Pos::new(HPos::Center, VPos::Center));
            let at = (
                SegmentValue::CenterOf(i as i32),
                SegmentValue::CenterOf(j as i32),
            );
            grid.draw_series(std::iter::once(Text::new(text, at, style)))?;
        }
    }
    Ok(())
}

/// A vertical colour bar with the minimum at the bottom and the maximum on top.
fn draw_colour_bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    scale: &Scale,
    label: &str,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (top, bottom, left) = (90, 520, 20);
    let steps = 90;
    let h = f64::from(bottom - top) / f64::from(steps);
    for k in 0..steps {
        let y0 = bottom - ((f64::from(k) + 1.0) * h).round() as i32;
        let y1 = bottom - (f64::from(k) * h).round() as i32;
        let c = scale.colour_at((f64::from(k) + 0.5) / f64::from(steps));
        area.draw(&Rectangle::new([(left, y0), (left + 28, y1)], c.filled()))?;
    }
    area.draw(&Rectangle::new([(left, top), (left + 28, bottom)], BLACK))?;
    let font = label_font();
    for (t, v) in scale.ticks() {
        let y = bottom - (t * f64::from(bottom - top)).round() as i32;
        area.draw(&PathElement::new(
            vec![(left + 28, y), (left + 33, y)],
            BLACK,
        ))?;
        area.draw(&Text::new(
            format_number(v),
            (left + 36, y - 8),
            font.clone(),
        ))?;
    }
    // The value's name above the bar, wrapped (never cut).
    let lines = wrap(label, 18);
    for (i, line) in lines.iter().enumerate() {
        let y = top - 30 - 18 * (lines.len() - 1 - i) as i32;
        area.draw(&Text::new(line.clone(), (left - 10, y), font.clone()))?;
    }
    area.draw(&Rectangle::new(
        [(left, bottom + 24), (left + 28, bottom + 40)],
        RGBColor(245, 245, 245).filled(),
    ))?;
    area.draw(&Text::new("none", (left + 34, bottom + 24), font))?;
    Ok(())
}

fn draw_bars<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    labels: &[String],
    values: &[f64],
    x_label: &str,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (lo, hi) = bounds(values.iter().copied().filter(|v| v.is_finite()));
    let (x0, x1) = padded(lo.min(0.0), hi.max(0.0));
    let n = labels.len() as i32;
    // A fifth of each row's height above and below its bar.
    let gap = (SIZE.1 as usize * 4 / 5 / labels.len().max(1) / 5) as u32;
    let mut chart = ChartBuilder::on(root)
        .caption(title, title_font())
        .margin(12)
        .x_label_area_size(50)
        .y_label_area_size(300)
        .build_cartesian_2d(x0..x1, (0..n.max(1) - 1).into_segmented())?;
    // Top to bottom: label i sits at row n − 1 − i.
    let name = |v: &SegmentValue<i32>| match v {
        SegmentValue::CenterOf(k) => labels
            .get((n - 1 - *k) as usize)
            .map(|s| truncate(s, 36))
            .unwrap_or_default(),
        _ => String::new(),
    };
    chart
        .configure_mesh()
        .x_desc(x_label)
        .label_style(label_font())
        .axis_desc_style(label_font())
        .y_labels(labels.len())
        .x_label_formatter(&|v| format_number(*v))
        .y_label_formatter(&name)
        .light_line_style(RGBColor(235, 235, 235))
        .draw()?;
    chart.draw_series(values.iter().enumerate().map(|(i, &v)| {
        let row = n - 1 - i as i32;
        let c = if v >= 0.0 { colour(0) } else { colour(1) };
        let v = if v.is_finite() { v } else { 0.0 };
        let mut bar = Rectangle::new(
            [
                (0.0, SegmentValue::Exact(row)),
                (v, SegmentValue::Exact(row + 1)),
            ],
            c.filled(),
        );
        bar.set_margin(gap, gap, 0, 0);
        bar
    }))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{Scale, wrap};

    #[test]
    fn signed_values_get_a_diverging_scale_centred_at_zero() {
        let scale = Scale::of([-0.2, 0.0, 0.05].into_iter());
        assert_eq!(scale, Scale::Diverging { lo: -0.2, hi: 0.05 });
        assert_eq!(scale.colour(0.0), plotters::style::RGBColor(247, 247, 247));
        assert_ne!(
            scale.colour(0.05),
            scale.colour(-0.05),
            "the sign is the hue"
        );
        assert_eq!(scale.ticks(), vec![(0.0, -0.2), (0.5, 0.0), (1.0, 0.05)]);
        // A small gain is as red as the largest loss is blue, each against its own side.
        assert_eq!(scale.position(0.05), 1.0);
        assert_eq!(scale.position(-0.2), 0.0);
        assert_eq!(scale.position(0.025), 0.75);
        let one_sided = Scale::of([0.1, 0.3].into_iter());
        assert_eq!(one_sided, Scale::Sequential { lo: 0.1, hi: 0.3 });
    }

    #[test]
    fn legends_wrap_whole_and_keep_names_apart() {
        let a = wrap("dividends_share.validator:copier", 24);
        let b = wrap("dividends_share.validator:honest", 24);
        assert_eq!(a, ["dividends_share.", "validator:copier"]);
        assert_ne!(a, b);
        for name in [
            "short",
            "x".repeat(60).as_str(),
            "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p",
        ] {
            let lines = wrap(name, 24);
            assert_eq!(lines.concat(), name);
            assert!(lines.iter().all(|l| l.chars().count() <= 24), "{lines:?}");
        }
    }
}
