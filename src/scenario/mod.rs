//! Scenarios: a YAML file → a validated [`Scenario`] the simulation can build a World from.
//!
//! [`load`] / [`parse`] read the file with serde-saphyr (unknown keys, wrong types and duplicate
//! keys are errors that name the YAML path and line), then [`validate`] checks every value a
//! type cannot (shares in [0, 1], names that must exist, uids that must fit) and resolves
//! names to account ids. The YAML crate stays behind this module. A subnet may start from a
//! metagraph snapshot ([`genesis`]), read relative to the scenario file's directory.
//!
//! May depend on: `chain` (parameter types), `strategy`, `replay::snapshot` and `epoch_json`
//! (genesis snapshots), `echo`, serde, serde-saphyr.

pub mod consensus;
mod ctx;
pub mod genesis;
mod raw;
mod raw_sweep;
mod spec;
pub mod sweep;
mod template;
mod validate;

pub use spec::{
    AgentSpec, Genesis, GenesisNeuron, HyperPatch, Quantity, Role, StrategySpec, SubnetSpec,
};
pub use validate::{BLOCKS_PER_DAY, EventAction, EventSpec, OUTSIDE, Scenario, When, to_rao};

use crate::echo::{echo, one_line};
use raw::RawScenario;
use std::fmt;
use std::io::Read;
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

/// `file:line: path: message` on one line: the file and the path (which holds the file's keys)
/// are echoed short, the message made one line (see [`crate::echo`]).
impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", echo(&self.origin))?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if !self.path.is_empty() {
            write!(f, ": {}", echo(&self.path))?;
        }
        write!(f, ": {}", one_line(&self.message))
    }
}

impl std::error::Error for ScenarioError {}

/// Largest scenario file read, bytes (64 MiB, the YAML parser's own cap on text values).
pub const MAX_SCENARIO_BYTES: u64 = 64 << 20;

/// Reads and validates the scenario file at `path` (its relative paths resolve against the
/// file's directory).
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let text = read(path)?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    parse_in(&text, &path.display().to_string(), dir)
}

/// The text of the scenario file at `path`, refused beyond [`MAX_SCENARIO_BYTES`].
pub fn read(path: &Path) -> Result<String, ScenarioError> {
    let error = |message: String| ScenarioError {
        origin: path.display().to_string(),
        line: None,
        path: String::new(),
        message,
    };
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_SCENARIO_BYTES + 1).read_to_string(&mut text))
        .map_err(|e| error(format!("cannot read: {e}")))?;
    if text.len() as u64 > MAX_SCENARIO_BYTES {
        return Err(error(format!(
            "more than {MAX_SCENARIO_BYTES} bytes: not a scenario"
        )));
    }
    Ok(text)
}

/// Parses and validates scenario text; `origin` names it in errors. Relative paths resolve
/// against the current directory.
pub fn parse(text: &str, origin: &str) -> Result<Scenario, ScenarioError> {
    parse_in(text, origin, Path::new("."))
}

/// Parses and validates scenario text whose relative paths resolve against `base_dir`.
pub fn parse_in(text: &str, origin: &str, base_dir: &Path) -> Result<Scenario, ScenarioError> {
    let raw = parse_raw(text, origin)?;
    validate::validate(raw, origin, base_dir)
}

/// Validates a resolved scenario given as a value tree (a sweep point), its relative paths
/// resolved against `base_dir`; errors carry the path but no line.
pub fn parse_value(
    tree: serde_json::Value,
    origin: &str,
    base_dir: &Path,
) -> Result<Scenario, ScenarioError> {
    let raw = sweep::raw_from_value(tree).map_err(|(path, message)| ScenarioError {
        origin: origin.to_string(),
        line: None,
        path: clean_path(&path),
        message: without_location(&message),
    })?;
    validate::validate(raw, origin, base_dir)
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
        error(line, failed_path.unwrap_or_default(), yaml_message(&e))
    })
}

/// The parser's error in the project's words where its own would name its internals
/// (duplicate keys, resource budgets); otherwise its message without the location.
fn yaml_message(error: &serde_saphyr::Error) -> String {
    use serde_saphyr::Error as E;
    match error {
        E::AliasError { error, .. } | E::WithSnippet { error, .. } => yaml_message(error),
        E::DuplicateMappingKey { key: Some(key), .. } => format!("duplicate key `{}`", echo(key)),
        E::DuplicateMappingKey { key: None, .. } => "duplicate key".to_string(),
        E::Budget { breach, .. } => budget_message(breach),
        E::SerdeUnknownField {
            field, expected, ..
        } => format!(
            "unknown field `{}`, expected one of {}",
            echo(field),
            expected.join(", ")
        ),
        E::SerdeUnknownVariant {
            variant, expected, ..
        } => format!(
            "unknown variant `{}`, expected one of {}",
            echo(variant),
            expected.join(", ")
        ),
        other => without_location(&other.to_string()),
    }
}

/// A breach of the YAML parser's resource budget (its defaults: [`serde_saphyr::Budget`]),
/// e.g. an alias bomb.
fn budget_message(breach: &serde_saphyr::budget::BudgetBreach) -> String {
    use serde_saphyr::budget::BudgetBreach as B;
    let limits = serde_saphyr::Budget::default();
    match breach {
        B::Nodes { .. } => format!(
            "too many YAML nodes (aliases expand beyond {})",
            limits.max_nodes
        ),
        B::Events { .. } => format!("too many YAML events (more than {})", limits.max_events),
        B::Aliases { .. } | B::AliasAnchorRatio { .. } => format!(
            "too many YAML aliases (at most {}, and {} per anchor)",
            limits.max_aliases, limits.alias_anchor_ratio_multiplier
        ),
        B::Anchors { .. } => format!("too many YAML anchors (more than {})", limits.max_anchors),
        B::Depth { .. } => format!("YAML nested deeper than {} levels", limits.max_depth),
        B::Documents { .. } => "too many YAML documents".to_string(),
        B::ScalarBytes { .. } => format!(
            "YAML values add up to more than {} bytes",
            limits.max_total_scalar_bytes
        ),
        B::MergeKeys { .. } => format!(
            "too many YAML merge keys (more than {})",
            limits.max_merge_keys
        ),
        _ => "the YAML is too large or too deeply nested".to_string(),
    }
}

/// serde_path_to_error writes `.` for the root and `?` for untracked segments.
fn clean_path(path: &str) -> String {
    if path == "." {
        String::new()
    } else {
        path.replace(".value", "")
    }
}

/// The message without the parser's location suffix (the error carries the line itself).
fn without_location(message: &str) -> String {
    let message = message.trim();
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}
