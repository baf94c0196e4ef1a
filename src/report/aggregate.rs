//! Pure aggregation for reports: summary statistics, lines with replicate bands, heatmap
//! cells (mean, or the retention map's minimal value) and histogram bins. Plain vectors and
//! `BTreeMap`s, so every result is ordered and deterministic.
//!
//! May depend on: nothing.

use crate::metrics::stats;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// One value of a sweep axis: a number or a text (e.g. a strategy name). Numbers sort
/// before texts, numbers by value (`total_cmp`), texts lexically.
#[derive(Clone, Debug)]
pub enum Level {
    /// A numeric axis value.
    Num(f64),
    /// A textual axis value.
    Text(String),
}

impl Level {
    /// The value as a number, if it is one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Level::Num(v) => Some(*v),
            Level::Text(_) => None,
        }
    }
}

impl Ord for Level {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Level::Num(a), Level::Num(b)) => a.total_cmp(b),
            (Level::Num(_), Level::Text(_)) => Ordering::Less,
            (Level::Text(_), Level::Num(_)) => Ordering::Greater,
            (Level::Text(a), Level::Text(b)) => a.cmp(b),
        }
    }
}

impl PartialOrd for Level {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Level {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Level {}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Level::Num(v) => write!(f, "{v}"),
            Level::Text(s) => f.write_str(s),
        }
    }
}

/// Count, mean, sample standard deviation (0 for one value), min and max of the finite
/// values of a sample.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stats {
    /// Number of finite values.
    pub n: usize,
    /// Arithmetic mean.
    pub mean: f64,
    /// Sample standard deviation (n − 1 in the denominator; 0 when n = 1).
    pub sd: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
}

impl Stats {
    /// The statistics of the finite values, or `None` if there are none.
    pub fn of(values: &[f64]) -> Option<Stats> {
        let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        Some(Stats {
            n: finite.len(),
            mean: stats::mean(&finite)?,
            sd: stats::sd(&finite)?,
            min: finite.iter().copied().fold(f64::INFINITY, f64::min),
            max: finite.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        })
    }
}

impl Stats {
    /// Half-width of the two-sided 95 % confidence interval of the mean (Student t with
    /// n − 1 degrees of freedom), or `None` below two values.
    pub fn interval_95(&self) -> Option<f64> {
        (self.n >= 2).then(|| t_975(self.n - 1) * self.sd / (self.n as f64).sqrt())
    }
}

/// The 0.975 quantile of Student's t with `df` degrees of freedom (`df` ≥ 1): the table
/// value to 3 decimals up to 30, then 40, 60, 120 and the normal 1.960 beyond, each used from
/// its own df on (conservative between table rows).
/// Source: standard t tables (e.g. NIST/SEMATECH e-Handbook of Statistical Methods, 1.3.6.7.2).
pub fn t_975(df: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        0 => f64::INFINITY,
        1..=30 => TABLE[df - 1],
        31..=39 => 2.042,
        40..=59 => 2.021,
        60..=119 => 2.000,
        120..=999 => 1.980,
        _ => 1.960,
    }
}

/// Paired differences B − A per x: the values of the same run (same seed) at the same x on
/// both sides are subtracted; `(x, stats of the differences)`, sorted by x. Points present on
/// one side only are left out.
pub fn paired_band(a: &[(u32, f64, f64)], b: &[(u32, f64, f64)]) -> Vec<(f64, Stats)> {
    let key = |run: u32, x: f64| (run, Level::Num(x));
    let a: BTreeMap<(u32, Level), f64> = a.iter().map(|&(r, x, v)| (key(r, x), v)).collect();
    let diffs = b
        .iter()
        .filter_map(|&(r, x, v)| Some((x, v - a.get(&key(r, x))?)));
    band(diffs)
}

/// A mean line with its min–max band: `(x, stats of the values at x)`, sorted by x.
pub fn band(points: impl IntoIterator<Item = (f64, f64)>) -> Vec<(f64, Stats)> {
    let mut at: BTreeMap<Level, Vec<f64>> = BTreeMap::new();
    for (x, v) in points {
        at.entry(Level::Num(x)).or_default().push(v);
    }
    at.into_iter()
        .filter_map(|(x, values)| Some((x.as_f64()?, Stats::of(&values)?)))
        .collect()
}

/// Mean of the values in each (x, y) cell (over every other axis and replicate).
pub fn mean_cells(points: &[(Level, Level, f64)]) -> BTreeMap<(Level, Level), Option<f64>> {
    let mut cells: BTreeMap<(Level, Level), Vec<f64>> = BTreeMap::new();
    for (x, y, v) in points {
        cells.entry((x.clone(), y.clone())).or_default().push(*v);
    }
    cells
        .into_iter()
        .map(|(k, values)| (k, Stats::of(&values).map(|s| s.mean)))
        .collect()
}

/// Heatmap cells as a dense grid: the sorted x levels, the sorted y levels, and `grid[y][x]`
/// (`None` where a cell has no value or no runs).
pub type Grid = (Vec<Level>, Vec<Level>, Vec<Vec<Option<f64>>>);

/// The dense grid of sparse heatmap cells.
pub fn grid(cells: &BTreeMap<(Level, Level), Option<f64>>) -> Grid {
    let xs: BTreeSet<&Level> = cells.keys().map(|(x, _)| x).collect();
    let ys: BTreeSet<&Level> = cells.keys().map(|(_, y)| y).collect();
    let rows = ys
        .iter()
        .map(|&y| {
            let row = xs
                .iter()
                .map(|&x| cells.get(&(x.clone(), y.clone())).copied());
            row.map(Option::flatten).collect()
        })
        .collect();
    (
        xs.into_iter().cloned().collect(),
        ys.into_iter().cloned().collect(),
        rows,
    )
}

/// One run seen by the retention map.
#[derive(Clone, Debug)]
pub struct RetentionPoint {
    /// The heatmap's x value.
    pub x: Level,
    /// The heatmap's y value.
    pub y: Level,
    /// Everything else that tells runs apart except the minimised axis: the other axes' values
    /// and the replicate.
    pub rest: Vec<Level>,
    /// The value of the minimised axis.
    pub m: f64,
    /// The 0/1 metric (retained when ≥ 0.5).
    pub metric: f64,
}

/// The retention map: per (x, y) cell, the smallest value of the minimised axis at which the
/// metric is ≥ 0.5, found separately for every `rest` (replicate, other axes) and averaged
/// over those that retain at some value; `None` when none ever does.
pub fn retention_cells(points: &[RetentionPoint]) -> BTreeMap<(Level, Level), Option<f64>> {
    /// Per `rest`: the smallest retaining value so far.
    type Minima<'a> = BTreeMap<&'a [Level], Option<f64>>;
    let mut minima: BTreeMap<(Level, Level), Minima> = BTreeMap::new();
    for p in points {
        let slot = minima
            .entry((p.x.clone(), p.y.clone()))
            .or_default()
            .entry(&p.rest)
            .or_insert(None);
        if p.metric >= 0.5 && p.m.is_finite() {
            *slot = Some(slot.map_or(p.m, |m: f64| m.min(p.m)));
        }
    }
    minima
        .into_iter()
        .map(|(cell, groups)| {
            let found: Vec<f64> = groups.into_values().flatten().collect();
            (cell, Stats::of(&found).map(|s| s.mean))
        })
        .collect()
}

/// `bins` equal-width bins over [min, max] of the finite values: `(low edge, width, counts)`.
pub fn histogram(values: &[f64], bins: usize) -> Option<(f64, f64, Vec<u64>)> {
    let stats = Stats::of(values)?;
    let bins = bins.max(1);
    let span = stats.max - stats.min;
    let width = if span > 0.0 { span / bins as f64 } else { 1.0 };
    let low = if span > 0.0 {
        stats.min
    } else {
        stats.min - 0.5
    };
    let mut counts = vec![0u64; bins];
    for v in values.iter().filter(|v| v.is_finite()) {
        let i = (((v - low) / width) as usize).min(bins - 1);
        counts[i] += 1;
    }
    Some((low, width, counts))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(x: f64, y: f64, replicate: u32, m: f64, metric: f64) -> RetentionPoint {
        RetentionPoint {
            x: Level::Num(x),
            y: Level::Num(y),
            rest: vec![Level::Num(f64::from(replicate))],
            m,
            metric,
        }
    }

    #[test]
    fn stats_use_the_sample_standard_deviation_and_skip_nan() {
        let s = Stats::of(&[1.0, 2.0, 3.0, f64::NAN]).unwrap();
        assert_eq!((s.n, s.mean, s.sd, s.min, s.max), (3, 2.0, 1.0, 1.0, 3.0));
        assert_eq!(Stats::of(&[5.0]).unwrap().sd, 0.0);
        assert!(Stats::of(&[f64::NAN]).is_none());
    }

    #[test]
    fn paired_differences_subtract_the_same_run_and_give_a_t_interval() {
        // Two seeds whose levels differ by 100 while B − A is 1 and 3: the pairing removes
        // the seeds' spread.
        let a = [(0, 1.0, 100.0), (1, 1.0, 200.0), (2, 1.0, 7.0)];
        let b = [(0, 1.0, 101.0), (1, 1.0, 203.0), (0, 2.0, 5.0)];
        let d = paired_band(&a, &b);
        assert_eq!(d.len(), 1, "x = 2 has no A value, run 2 no B value: {d:?}");
        let s = d[0].1;
        assert_eq!((d[0].0, s.n, s.mean), (1.0, 2, 2.0));
        let half = s.interval_95().unwrap();
        assert!((half - 12.706 * s.sd / 2f64.sqrt()).abs() < 1e-12);
        assert_eq!(Stats::of(&[1.0]).unwrap().interval_95(), None);
        assert!(t_975(4) > t_975(30) && t_975(30) > t_975(1000));
    }

    #[test]
    fn band_groups_by_x_in_order() {
        let b = band([(2.0, 4.0), (1.0, 1.0), (2.0, 6.0), (1.0, 3.0)]);
        assert_eq!(b.len(), 2);
        assert_eq!(
            (b[0].0, b[0].1.mean, b[0].1.min, b[0].1.max),
            (1.0, 2.0, 1.0, 3.0)
        );
        assert_eq!(
            (b[1].0, b[1].1.mean, b[1].1.min, b[1].1.max),
            (2.0, 5.0, 4.0, 6.0)
        );
    }

    #[test]
    fn mean_cells_average_over_the_other_axes() {
        let n = Level::Num;
        let cells = mean_cells(&[
            (n(0.1), n(0.5), 1.0),
            (n(0.1), n(0.5), 3.0),
            (n(0.2), n(0.5), 7.0),
        ]);
        assert_eq!(cells[&(n(0.1), n(0.5))], Some(2.0));
        assert_eq!(cells[&(n(0.2), n(0.5))], Some(7.0));
    }

    #[test]
    fn retention_map_takes_the_smallest_retaining_value_per_replicate_then_the_mean() {
        let points = [
            // replicate 0: retained from m = 0.3 on (0.2 fails, 0.5 also retains)
            point(0.1, 0.6, 0, 0.2, 0.0),
            point(0.1, 0.6, 0, 0.3, 1.0),
            point(0.1, 0.6, 0, 0.5, 1.0),
            // replicate 1: retained only from m = 0.5
            point(0.1, 0.6, 1, 0.3, 0.0),
            point(0.1, 0.6, 1, 0.5, 1.0),
            // another cell: never retained → blank
            point(0.2, 0.6, 0, 0.3, 0.0),
            point(0.2, 0.6, 0, 0.5, 0.4),
        ];
        let cells = retention_cells(&points);
        let got = cells[&(Level::Num(0.1), Level::Num(0.6))].unwrap();
        assert!((got - 0.4).abs() < 1e-12, "{got}");
        assert_eq!(cells[&(Level::Num(0.2), Level::Num(0.6))], None);
    }

    #[test]
    fn retention_map_ignores_replicates_that_never_retain() {
        let points = [point(0.1, 0.6, 0, 0.3, 1.0), point(0.1, 0.6, 1, 0.3, 0.0)];
        let cells = retention_cells(&points);
        assert_eq!(cells[&(Level::Num(0.1), Level::Num(0.6))], Some(0.3));
    }

    #[test]
    fn grid_fills_missing_cells_with_none() {
        let n = Level::Num;
        let cells = BTreeMap::from([((n(2.0), n(0.0)), Some(1.0)), ((n(1.0), n(5.0)), None)]);
        let (xs, ys, rows) = grid(&cells);
        assert_eq!((xs, ys), (vec![n(1.0), n(2.0)], vec![n(0.0), n(5.0)]));
        assert_eq!(rows, vec![vec![None, Some(1.0)], vec![None, None]]);
    }

    #[test]
    fn histogram_puts_the_maximum_in_the_last_bin() {
        let (low, width, counts) = histogram(&[0.0, 1.0, 2.0, 4.0], 4).unwrap();
        assert_eq!((low, width), (0.0, 1.0));
        assert_eq!(counts, vec![1, 1, 1, 1]);
        let (_, _, single) = histogram(&[3.0, 3.0], 3).unwrap();
        assert_eq!(single.iter().sum::<u64>(), 2);
    }

    #[test]
    fn levels_sort_numbers_before_texts() {
        let mut levels = [
            Level::Text("b".into()),
            Level::Num(2.0),
            Level::Text("a".into()),
            Level::Num(-1.0),
        ];
        levels.sort();
        let shown: Vec<String> = levels.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["-1", "2", "a", "b"]);
    }
}
