//! What a replay runs with: the variant names of `--yuma`, and each snapshot's settings merged
//! from the chain defaults, the snapshot's `hyperparameters`, the series' `params` and
//! `--set KEY=VALUE` (later wins).
//!
//! Keys are `taosim epoch`'s `params` names ([`PARAM_NAMES`]) plus `tempo` and the research
//! knobs [`RESEARCH_KEYS`]. Research knobs default to yuma-simulation's "chain-defaults"
//! profile (`docs/yuma-variants.md` §2), so a series with only the chain's params reproduces the peer.
//!
//! May depend on: `chain::epoch` (its params type), `epoch_json` (param parsing), `research`,
//! serde_json.

use crate::chain::epoch::EpochParams;
use crate::epoch_json::{PARAM_NAMES, parse_params};
use crate::research::{self, ConsensusMode, Knobs, LiquidAlpha};
use serde_json::{Map, Value};

/// A variant `--yuma` accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// The chain's epoch (`src/chain`), original Yuma (`yuma3 = false`) or Yuma 3.
    Chain {
        /// `Yuma3On`.
        yuma3: bool,
    },
    /// A yuma-simulation variant from `research`.
    Research(research::Variant),
}

/// `--yuma` names and their variants.
pub const VARIANTS: [(&str, Variant); 7] = [
    ("yuma2", Variant::Chain { yuma3: false }),
    ("yuma3", Variant::Chain { yuma3: true }),
    ("yuma1", Variant::Research(research::Variant::Yuma1)),
    ("yuma2b", Variant::Research(research::Variant::Yuma2b)),
    ("yuma2c", Variant::Research(research::Variant::Yuma2c)),
    ("peer-yuma2", Variant::Research(research::Variant::Yuma2)),
    ("peer-yuma3", Variant::Research(research::Variant::Yuma3)),
];

/// The research knobs (besides the chain's params) and `tempo`.
pub const RESEARCH_KEYS: [&str; 4] = [
    "decay_rate",
    "capacity_alpha",
    "winner_takes_all",
    "liquid_alpha_consensus_mode",
];

/// The variant called `name`.
pub fn variant(name: &str) -> Result<Variant, String> {
    VARIANTS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| *v)
        .ok_or_else(|| {
            let names: Vec<&str> = VARIANTS.iter().map(|(n, _)| *n).collect();
            format!(
                "unknown variant `{name}` (expected one of {})",
                names.join(", ")
            )
        })
}

/// One snapshot's settings.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// The chain's hyperparameters (`yuma3` is set by the variant).
    pub chain: EpochParams,
    /// Blocks between epochs (default 360): the block of each `--repeat` epoch.
    pub tempo: u16,
    /// Yuma 2C's bond decay per epoch (default 0.1).
    pub decay_rate: f64,
    /// Yuma 2C's purchase fraction of capacity (default 0.1).
    pub capacity_alpha: f64,
    /// Winner-takes-all incentive (research variants only; default false).
    pub winner_takes_all: bool,
    /// Yuma 3 liquid alpha's consensus (default `CURRENT`).
    pub consensus_mode: ConsensusMode,
}

/// An error: `(key, message)`.
pub type KeyError = (String, String);

/// Whether `key` is a settings key.
pub fn is_key(key: &str) -> bool {
    key == "tempo" || PARAM_NAMES.contains(&key) || RESEARCH_KEYS.contains(&key)
}

/// The settings from `keys` (every key known; missing ones take their defaults).
pub fn settings(keys: &Map<String, Value>) -> Result<Settings, KeyError> {
    let mut chain_keys = Map::new();
    let mut settings = Settings {
        chain: EpochParams::default(),
        tempo: 360,
        decay_rate: 0.1,
        capacity_alpha: 0.1,
        winner_takes_all: false,
        consensus_mode: ConsensusMode::Current,
    };
    for (key, value) in keys {
        let bad = |what: &str| (key.clone(), format!("expected {what}, got {value}"));
        match key.as_str() {
            "yuma3" => {
                return Err((
                    key.clone(),
                    "set by the variant (--yuma yuma2 or yuma3)".into(),
                ));
            }
            "tempo" => {
                settings.tempo = value
                    .as_u64()
                    .and_then(|t| u16::try_from(t).ok())
                    .filter(|t| *t > 0)
                    .ok_or_else(|| bad("a whole number of blocks in 1..=65535"))?;
            }
            "decay_rate" => {
                settings.decay_rate = fraction(value).ok_or_else(|| bad("a number in [0, 1]"))?
            }
            "capacity_alpha" => {
                settings.capacity_alpha =
                    fraction(value).ok_or_else(|| bad("a number in [0, 1]"))?
            }
            "winner_takes_all" => {
                settings.winner_takes_all = value.as_bool().ok_or_else(|| bad("true or false"))?
            }
            "liquid_alpha_consensus_mode" => {
                settings.consensus_mode =
                    mode(value).ok_or_else(|| bad("CURRENT, PREVIOUS or MIXED"))?
            }
            _ if PARAM_NAMES.contains(&key.as_str()) => {
                chain_keys.insert(key.clone(), value.clone());
            }
            _ => return Err((key.clone(), "unknown key".into())),
        }
    }
    settings.chain = parse_params(&Value::Object(chain_keys)).map_err(|e| {
        let key = e
            .path
            .strip_prefix("params.")
            .unwrap_or(&e.path)
            .to_string();
        (key, e.message)
    })?;
    Ok(settings)
}

fn fraction(value: &Value) -> Option<f64> {
    value.as_f64().filter(|x| (0.0..=1.0).contains(x))
}

fn mode(value: &Value) -> Option<ConsensusMode> {
    match value.as_str()? {
        "CURRENT" => Some(ConsensusMode::Current),
        "PREVIOUS" => Some(ConsensusMode::Previous),
        "MIXED" => Some(ConsensusMode::Mixed),
        _ => None,
    }
}

/// `KEY=VALUE` of `--set`: the value read as JSON (`0.6`, `true`, `"MIXED"`), else as a string.
pub fn parse_set(text: &str) -> Result<(String, Value), String> {
    let (key, value) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}`: expected KEY=VALUE"))?;
    let key = key.trim();
    if !is_key(key) {
        return Err(format!("`{key}`: unknown key"));
    }
    let value = value.trim();
    let parsed = serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.into()));
    Ok((key.to_string(), parsed))
}

/// The research knobs of `settings` (chain params as fractions: κ = kappa/65535, β =
/// bonds_penalty/65535, EMA rate = 1 − bonds_moving_average/10⁶, liquid-alpha bounds /65535,
/// steepness /100).
pub fn knobs(settings: &Settings) -> Knobs {
    let p = &settings.chain;
    let u16_fraction = |x: u16| f64::from(x) / 65_535.0;
    Knobs {
        kappa: u16_fraction(p.kappa),
        bond_penalty: u16_fraction(p.bonds_penalty),
        ema_rate: 1_000_000u64.saturating_sub(p.bonds_moving_average) as f64 / 1e6,
        liquid_alpha: p.liquid_alpha.then_some(LiquidAlpha {
            low: u16_fraction(p.alpha_low),
            high: u16_fraction(p.alpha_high),
            steepness: f64::from(p.alpha_sigmoid_steepness) / 100.0,
            mode: settings.consensus_mode,
        }),
        decay_rate: settings.decay_rate,
        capacity_alpha: settings.capacity_alpha,
        winner_takes_all: settings.winner_takes_all,
        liquid_alpha_validators: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The chain defaults give the peer's "chain-defaults" profile (`docs/yuma-variants.md` §2).
    #[test]
    fn default_knobs_are_the_peers_chain_defaults() {
        let knobs = knobs(&settings(&Map::new()).expect("defaults"));
        assert_eq!(knobs, Knobs::default());
    }

    #[test]
    fn set_reads_json_values_and_refuses_unknown_keys() {
        assert_eq!(
            parse_set("kappa=39321"),
            Ok(("kappa".into(), Value::from(39321)))
        );
        assert!(parse_set("kapa=1").is_err());
        let bad = Map::from_iter([("kappa".to_string(), Value::from(-1))]);
        assert_eq!(settings(&bad).map_err(|e| e.0), Err("kappa".into()));
    }
}
