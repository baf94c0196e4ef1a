//! Compact per-step storage for the series: [`StepMap`], a map from step to value kept as a
//! vector sorted by step (points arrive mostly in step order, so an insert is usually a push),
//! and [`SeriesStore`], every series of a run with its name interned to a small code. A point
//! costs 16 bytes (8 for the step, 8 for the value) instead of a string-keyed map entry, so a
//! year-long run's series stay a few MB.
//!
//! May depend on: nothing but std and the plain [`super::SeriesPoint`].

use super::SeriesPoint;
use std::collections::BTreeMap;

/// A map from step to `T`, as a vector sorted by step (unique steps).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StepMap<T> {
    entries: Vec<(u64, T)>,
}

impl<T> StepMap<T> {
    /// Where `step` is, or where it would go.
    fn find(&self, step: u64) -> Result<usize, usize> {
        match self.entries.last() {
            Some((last, _)) if *last < step => Err(self.entries.len()),
            _ => self.entries.binary_search_by_key(&step, |(s, _)| *s),
        }
    }

    /// Sets the value at `step` (replacing any earlier one, as a map insert does).
    pub fn insert(&mut self, step: u64, value: T) {
        match self.find(step) {
            Ok(i) => self.entries[i].1 = value,
            Err(i) => self.entries.insert(i, (step, value)),
        }
    }

    /// The value at `step`, if any.
    pub fn get(&self, step: u64) -> Option<&T> {
        self.find(step).ok().map(|i| &self.entries[i].1)
    }

    /// The entries, by step.
    #[cfg(test)]
    pub fn iter(&self) -> impl Iterator<Item = (u64, &T)> {
        self.entries.iter().map(|(s, v)| (*s, v))
    }

    /// Number of steps held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }
}

impl<T: Default> StepMap<T> {
    /// The value at `step`, inserted as `T::default()` if absent.
    pub fn entry(&mut self, step: u64) -> &mut T {
        let i = match self.find(step) {
            Ok(i) => i,
            Err(i) => {
                self.entries.insert(i, (step, T::default()));
                i
            }
        };
        &mut self.entries[i].1
    }
}

impl<T> IntoIterator for StepMap<T> {
    type Item = (u64, T);
    type IntoIter = std::vec::IntoIter<(u64, T)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

/// Every series of a run: names interned to codes, each series' points by step.
#[derive(Debug, Default)]
pub struct SeriesStore {
    codes: BTreeMap<String, u32>,
    names: Vec<String>,
    points: Vec<StepMap<f64>>,
}

impl SeriesStore {
    /// The code of series `name` (a new one the first time).
    fn code(&mut self, name: &str) -> usize {
        if let Some(code) = self.codes.get(name) {
            return *code as usize;
        }
        let code = self.names.len();
        self.codes.insert(name.to_string(), code as u32);
        self.names.push(name.to_string());
        self.points.push(StepMap::default());
        code
    }

    /// Sets the point of series `name` at `step` (replacing any earlier one).
    pub fn insert(&mut self, name: &str, step: u64, value: f64) {
        let code = self.code(name);
        self.points[code].insert(step, value);
    }

    /// Number of points held.
    pub fn len(&self) -> usize {
        self.points.iter().map(StepMap::len).sum()
    }

    /// The points, sorted by (series, step).
    pub fn into_points(mut self) -> Vec<SeriesPoint> {
        let mut out = Vec::with_capacity(self.len());
        for (name, code) in &self.codes {
            let points = std::mem::take(&mut self.points[*code as usize]);
            out.extend(points.into_iter().map(|(step, value)| SeriesPoint {
                series: name.clone(),
                step,
                value,
            }));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The store gives the rows a string-keyed map of (series, step) would: sorted by
    /// (series, step), a later insert at the same point replacing the earlier one, whatever
    /// order the points came in.
    #[test]
    fn the_store_gives_the_rows_of_a_sorted_map() {
        let names = [
            "price.sn2",
            "emission.validator:honest",
            "price.sn10",
            "apy_tao.x",
        ];
        let mut store = SeriesStore::default();
        let mut map: BTreeMap<(String, u64), f64> = BTreeMap::new();
        let mut seed = 7u64;
        for i in 0..5_000u64 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let name = names[(seed % 4) as usize];
            // Mostly increasing steps, with some going back and some repeated.
            let step = (i / 3).saturating_sub(seed % 5);
            let value = (seed % 1_000) as f64 / 7.0;
            store.insert(name, step, value);
            map.insert((name.to_string(), step), value);
        }
        assert_eq!(store.len(), map.len());
        let expected: Vec<SeriesPoint> = map
            .into_iter()
            .map(|((series, step), value)| SeriesPoint {
                series,
                step,
                value,
            })
            .collect();
        assert_eq!(store.into_points(), expected);
    }

    /// `entry` and `get` find what was put, in step order.
    #[test]
    fn a_step_map_keeps_steps_sorted() {
        let mut m: StepMap<f64> = StepMap::default();
        for step in [5, 1, 9, 5, 3, 9, 10] {
            *m.entry(step) += 1.0;
        }
        let got: Vec<(u64, f64)> = m.iter().map(|(s, v)| (s, *v)).collect();
        assert_eq!(got, [(1, 1.0), (3, 1.0), (5, 2.0), (9, 2.0), (10, 1.0)]);
        assert_eq!(m.get(9), Some(&2.0));
        assert_eq!(m.get(4), None);
    }
}
