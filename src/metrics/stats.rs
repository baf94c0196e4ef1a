//! Small statistics over `f64` slices: mean, standard deviation, median, Gini, Nakamoto coefficient, Spearman rank
//! correlation. Each returns `None` where the statistic is undefined (no data, zero total,
//! zero variance), so callers never emit NaN.

/// A running arithmetic mean (values added one at a time, in the order given); `None` until
/// a value is added.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Mean {
    total: f64,
    n: usize,
}

impl Mean {
    /// Adds `x`.
    pub fn add(&mut self, x: f64) {
        self.total += x;
        self.n += 1;
    }

    /// Adds every `x` of `xs`.
    pub fn extend(&mut self, xs: impl IntoIterator<Item = f64>) {
        for x in xs {
            self.add(x);
        }
    }

    /// Merges `other` into this mean.
    pub fn merge(&mut self, other: Mean) {
        self.total += other.total;
        self.n += other.n;
    }

    /// The mean so far.
    pub fn get(&self) -> Option<f64> {
        (self.n > 0).then(|| self.total / self.n as f64)
    }
}

/// Arithmetic mean; `None` for an empty slice.
pub fn mean(xs: &[f64]) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    Some(xs.iter().sum::<f64>() / xs.len() as f64)
}

/// Sample standard deviation (n − 1 in the denominator; 0 for one value); `None` for an empty
/// slice.
pub fn sd(xs: &[f64]) -> Option<f64> {
    let m = mean(xs)?;
    if xs.len() < 2 {
        return Some(0.0);
    }
    let ss: f64 = xs.iter().map(|x| (x - m) * (x - m)).sum();
    Some((ss / (xs.len() - 1) as f64).sqrt())
}

/// Median (mean of the two middle values for an even count); `None` for an empty slice.
pub fn median(xs: &[f64]) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    Some(if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    })
}

/// Gini coefficient of non-negative holdings: 0 when all are equal, (n − 1)/n when one holder
/// has everything. `None` if empty or the total is not positive.
///
/// With x sorted ascending and i = 1..n: G = 2 Σ i·xᵢ / (n Σ xᵢ) − (n + 1)/n.
pub fn gini(xs: &[f64]) -> Option<f64> {
    let total: f64 = xs.iter().sum();
    if xs.is_empty() || total <= 0.0 {
        return None;
    }
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len() as f64;
    let weighted: f64 = v.iter().enumerate().map(|(i, x)| (i + 1) as f64 * x).sum();
    Some(2.0 * weighted / (n * total) - (n + 1.0) / n)
}

/// Nakamoto coefficient: the smallest number of holders whose combined holding exceeds half of
/// the total. `None` if the total is not positive.
pub fn nakamoto(xs: &[f64]) -> Option<usize> {
    let total: f64 = xs.iter().sum();
    if total <= 0.0 {
        return None;
    }
    let mut v = xs.to_vec();
    v.sort_by(|a, b| b.total_cmp(a));
    let mut held = 0.0;
    for (k, x) in v.iter().enumerate() {
        held += x;
        if held > total / 2.0 {
            return Some(k + 1);
        }
    }
    None
}

/// Ranks 1..n, ties given the mean of the ranks they span.
pub fn ranks(xs: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..xs.len()).collect();
    order.sort_by(|a, b| xs[*a].total_cmp(&xs[*b]).then(a.cmp(b)));
    let mut out = vec![0.0; xs.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && xs[order[j + 1]] == xs[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for k in &order[i..=j] {
            out[*k] = rank;
        }
        i = j + 1;
    }
    out
}

/// Pearson correlation; `None` for fewer than 2 pairs, unequal lengths or zero variance.
pub fn pearson(xs: &[f64], ys: &[f64]) -> Option<f64> {
    if xs.len() != ys.len() || xs.len() < 2 {
        return None;
    }
    let (mx, my) = (mean(xs)?, mean(ys)?);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in xs.iter().zip(ys) {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx) * (x - mx);
        syy += (y - my) * (y - my);
    }
    if sxx <= 0.0 || syy <= 0.0 {
        return None;
    }
    Some(sxy / (sxx * syy).sqrt())
}

/// Spearman rank correlation (Pearson on tie-averaged ranks).
pub fn spearman(xs: &[f64], ys: &[f64]) -> Option<f64> {
    pearson(&ranks(xs), &ranks(ys))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn gini_of_equal_holdings_is_zero() {
        assert!(close(gini(&[5.0; 7]).unwrap(), 0.0));
    }

    #[test]
    fn gini_of_one_holder_is_n_minus_one_over_n() {
        for n in [2usize, 4, 10] {
            let mut xs = vec![0.0; n];
            xs[n / 2] = 3.0;
            assert!(
                close(gini(&xs).unwrap(), (n as f64 - 1.0) / n as f64),
                "n = {n}"
            );
        }
    }

    #[test]
    fn gini_of_a_known_distribution() {
        // Σ|xi − xj| over ordered pairs for (1, 2, 3, 4) = 20; G = 20 / (2 · 16 · 2.5) = 0.25.
        assert!(close(gini(&[4.0, 1.0, 3.0, 2.0]).unwrap(), 0.25));
    }

    #[test]
    fn gini_and_nakamoto_are_undefined_without_holdings() {
        assert_eq!(gini(&[]), None);
        assert_eq!(gini(&[0.0, 0.0]), None);
        assert_eq!(nakamoto(&[0.0]), None);
    }

    #[test]
    fn nakamoto_counts_the_smallest_majority() {
        assert_eq!(nakamoto(&[60.0, 20.0, 20.0]), Some(1));
        // Exactly half is not a majority.
        assert_eq!(nakamoto(&[50.0, 30.0, 20.0]), Some(2));
        assert_eq!(nakamoto(&[1.0; 10]), Some(6));
    }

    #[test]
    fn spearman_is_one_for_monotone_and_minus_one_for_inverse_order() {
        let q = [0.1, 0.5, 0.3, 0.9];
        let up = [1.0, 100.0, 7.0, 1000.0];
        let down = [9.0, 2.0, 5.0, 1.0];
        assert!(close(spearman(&q, &up).unwrap(), 1.0));
        assert!(close(spearman(&q, &down).unwrap(), -1.0));
        assert_eq!(spearman(&q, &[2.0; 4]), None);
    }

    #[test]
    fn ties_share_their_mean_rank() {
        assert_eq!(ranks(&[3.0, 1.0, 3.0, 2.0]), vec![3.5, 1.0, 3.5, 2.0]);
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }
}
