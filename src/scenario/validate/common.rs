//! Conversions and checks every validation step shares (proportions, names, fixed amounts).
//! A leaf of `validate`.
//!
//! May depend on: the scenario's `ctx` and `raw`.

use crate::echo::echo;
use crate::scenario::ScenarioError;
use crate::scenario::ctx::Ctx;
use crate::scenario::raw::Amount;

/// Fraction → u16 proportion (round to nearest).
pub(super) fn u16_of(x: f64) -> u16 {
    (x * 65_535.0).round() as u16
}

/// Fraction → u64 proportion of `u64::MAX`.
pub(super) fn u64_of(x: f64) -> u64 {
    (x * u64::MAX as f64) as u64
}

pub(super) fn check_name(ctx: &Ctx, field: &str, name: &str) -> Result<(), ScenarioError> {
    let ok = !name.is_empty()
        && name.len() <= 100
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
        && !name.starts_with('.');
    if ok {
        Ok(())
    } else {
        ctx.err(
            field,
            format!(
                "'{}' must be 1–100 characters of letters, digits, '_', '-', '.'",
                echo(name)
            ),
        )
    }
}

pub(super) fn is_zero(a: &Amount) -> bool {
    matches!(a, Amount::Fixed(x) if *x == 0.0)
}

/// A number where a resolved scenario needs one (pool reserves).
pub(super) fn fixed_amount(ctx: &Ctx, field: &str, amount: &Amount) -> Result<f64, ScenarioError> {
    match amount {
        Amount::Fixed(x) => Ok(*x),
        Amount::Dist(_) => ctx.err(field, TEMPLATE_ONLY),
    }
}

/// Why a distribution is refused where only a subnet template may draw one.
pub(super) const TEMPLATE_ONLY: &str =
    "a distribution is allowed here only in a subnet template (a subnet with `count`)";
