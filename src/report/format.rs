//! Number formatting shared by tables and chart axes: a leaf, so that the charts need not
//! import the Markdown writer.
//!
//! May depend on: nothing.

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
