//! What every validation step shares: the error context (origin, YAML path, line), the
//! account id allocator and the supply bound on amounts.
//!
//! May depend on: the scenario error type.

use super::ScenarioError;
use crate::chain::state::AccountId;

/// The total TAO supply, in TAO: no amount in a scenario may exceed it.
pub(super) const SUPPLY_TAO: f64 = 21_000_000.0;

/// Context for errors: origin, current path, current line.
pub(super) struct Ctx<'a> {
    pub(super) origin: &'a str,
    pub(super) path: String,
    pub(super) line: Option<u64>,
}

impl Ctx<'_> {
    pub(super) fn err<T>(
        &self,
        field: &str,
        message: impl Into<String>,
    ) -> Result<T, ScenarioError> {
        Err(self.error(field, message))
    }

    /// The error at `field` (under the current path).
    pub(super) fn error(&self, field: &str, message: impl Into<String>) -> ScenarioError {
        let path = match (self.path.is_empty(), field.is_empty()) {
            (true, _) => field.to_string(),
            (false, true) => self.path.clone(),
            (false, false) => format!("{}.{field}", self.path),
        };
        ScenarioError {
            origin: self.origin.to_string(),
            line: self.line,
            path,
            message: message.into(),
        }
    }

    pub(super) fn at(&self, path: String, line: Option<u64>) -> Ctx<'_> {
        Ctx {
            origin: self.origin,
            path,
            line: line.or(self.line),
        }
    }

    pub(super) fn fraction(&self, field: &str, x: f64) -> Result<f64, ScenarioError> {
        if x.is_finite() && (0.0..=1.0).contains(&x) {
            Ok(x)
        } else {
            self.err(field, format!("must be a number in [0, 1], got {x}"))
        }
    }

    pub(super) fn non_negative(&self, field: &str, x: f64) -> Result<f64, ScenarioError> {
        if x.is_finite() && x >= 0.0 {
            Ok(x)
        } else {
            self.err(field, format!("must be a finite number ≥ 0, got {x}"))
        }
    }

    /// Decimal TAO/alpha → rao, at most the total supply.
    pub(super) fn rao(&self, field: &str, x: f64) -> Result<u64, ScenarioError> {
        let x = self.non_negative(field, x)?;
        if x > SUPPLY_TAO {
            return self.err(field, format!("{x} exceeds the 21 000 000 supply"));
        }
        Ok(to_rao(x))
    }
}

/// Decimal TAO or alpha → rao (rounded), clamped to [0, supply].
pub fn to_rao(x: f64) -> u64 {
    (x.clamp(0.0, SUPPLY_TAO) * 1e9).round() as u64
}

/// Sequential account ids: 1 is the outside holder of pre-issued TAO.
pub(super) struct IdAllocator {
    next: AccountId,
}

impl Default for IdAllocator {
    fn default() -> Self {
        IdAllocator { next: 2 }
    }
}

impl IdAllocator {
    pub(super) fn take(&mut self) -> AccountId {
        let id = self.next;
        self.next += 1;
        id
    }
}
