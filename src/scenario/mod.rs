//! Scenarios: a YAML file → a validated [`Scenario`] the simulation can build a World from.
//!
//! [`load`] / [`parse`] read the file with serde-saphyr (unknown keys, wrong types and duplicate
//! keys are errors that name the YAML path and line), then [`validate`] checks every value a
//! type cannot (shares in [0, 1], names that must exist, uids that must fit) and resolves
//! names to account ids. The YAML crate stays behind this module.
//!
//! May depend on: `chain` (parameter types), `strategy`, serde, serde-saphyr.

pub mod consensus;
pub mod raw;
pub mod sweep;
pub mod template;
mod validate;

pub use validate::{
    AgentSpec, BLOCKS_PER_DAY, EventAction, EventSpec, OUTSIDE, Role, Scenario, StrategySpec,
    SubnetSpec, When, apply_hyper_checked, strategy_name, to_rao,
};

use raw::RawScenario;
use std::fmt;
use std::path::Path;

/// The embedded default scenario (`scenarios/default.yaml`).
pub const DEFAULT_SCENARIO: &str = include_str!("../../scenarios/default.yaml");

/// A scenario that cannot be used, located as precisely as possible.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    /// The file (or `<default>`).
    pub origin: String,
    /// 1-based line of the value or of its nearest enclosing list item, if known.
    pub line: Option<u64>,
    /// The YAML path, e.g. `subnets[0].agents[2].strategy.cabal.share`.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.origin)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if !self.path.is_empty() {
            write!(f, ": {}", self.path)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ScenarioError {}

/// Reads and validates the scenario file at `path`.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ScenarioError {
        origin: origin.clone(),
        line: None,
        path: String::new(),
        message: format!("cannot read: {e}"),
    })?;
    parse(&text, &origin)
}

/// Parses and validates scenario text; `origin` names it in errors.
pub fn parse(text: &str, origin: &str) -> Result<Scenario, ScenarioError> {
    let raw = parse_raw(text, origin)?;
    validate::validate(raw, origin)
}

/// Validates a resolved scenario given as a value tree (a sweep point); errors carry the path
/// but no line.
pub fn parse_value(tree: serde_json::Value, origin: &str) -> Result<Scenario, ScenarioError> {
    let raw = sweep::raw_from_value(tree).map_err(|(path, message)| ScenarioError {
        origin: origin.to_string(),
        line: None,
        path: clean_path(&path),
        message: first_line(&message),
    })?;
    validate::validate(raw, origin)
}

/// The embedded default scenario.
pub fn default_scenario() -> Scenario {
    match parse(DEFAULT_SCENARIO, "<default>") {
        Ok(s) => s,
        // The embedded file is tested; this cannot happen in a released build.
        Err(e) => unreachable!("embedded default scenario is invalid: {e}"),
    }
}

/// YAML → [`RawScenario`], with the path of the failing value.
fn parse_raw(text: &str, origin: &str) -> Result<RawScenario, ScenarioError> {
    let options = serde_saphyr::options! {
        strict_booleans: true,
        with_snippet: false,
    };
    let error = |line: Option<u64>, path: String, message: String| ScenarioError {
        origin: origin.to_string(),
        line,
        path,
        message,
    };
    let mut failed_path = None;
    let outcome = serde_saphyr::with_deserializer_from_str_with_options(text, options, |de| {
        serde_path_to_error::deserialize::<_, RawScenario>(de).map_err(|e| {
            failed_path = Some(clean_path(&e.path().to_string()));
            e.into_inner()
        })
    });
    outcome.map_err(|e| {
        let line = e.location().map(|l| l.line());
        error(
            line,
            failed_path.unwrap_or_default(),
            first_line(&e.to_string()),
        )
    })
}

/// serde_path_to_error writes `.` for the root and `?` for untracked segments.
fn clean_path(path: &str) -> String {
    if path == "." {
        String::new()
    } else {
        path.replace(".value", "")
    }
}

/// The message without the crate's location suffix or snippet.
fn first_line(message: &str) -> String {
    let line = message.lines().next().unwrap_or(message).trim();
    match line.find(" at line ") {
        Some(i) => line[..i].to_string(),
        None => line.to_string(),
    }
}
