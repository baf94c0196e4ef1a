//! The catalogue of metric and series names: for each name pattern, one line of meaning and
//! its unit. It is the one source the report's tables and chart captions read; the module
//! doc of `metrics` prints the same tables (a test keeps the two equal), and a test over every
//! shipped scenario checks that every metric and series a run produces is catalogued.
//!
//! A pattern is a dotted name whose segments are literal or hold one placeholder:
//! `<group>` (any segment, e.g. `validator:honest`), `<agent>` (last: the rest of the name, a
//! scenario agent's) or
//! `sn<netuid>` (`sn` followed by a subnet number). Literal patterns win over placeholders.
//!
//! May depend on: nothing but std.

/// One catalogued name pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The name pattern, e.g. `apy_alpha.<group>.median`.
    pub pattern: &'static str,
    /// What it measures, in one line.
    pub meaning: &'static str,
    /// Its unit.
    pub unit: &'static str,
}

const fn e(pattern: &'static str, meaning: &'static str, unit: &'static str) -> Entry {
    Entry {
        pattern,
        meaning,
        unit,
    }
}

const APY: &str = "fraction per year";

/// Every headline metric of a run, a consensus experiment and `taosim check`.
pub const METRICS: &[Entry] = &[
    e(
        "apy_alpha.<group>.median",
        "median over the group's validator hotkeys of their APY in alpha",
        APY,
    ),
    e(
        "apy_alpha.<group>.mean",
        "mean over the group's validator hotkeys of their APY in alpha",
        APY,
    ),
    e(
        "apy_tao.<group>.median",
        "median over the group's validator hotkeys of their APY valued in TAO (price moves included)",
        APY,
    ),
    e(
        "apy_tao.<group>.mean",
        "mean over the group's validator hotkeys of their APY valued in TAO (price moves included)",
        APY,
    ),
    e(
        "apy_alpha.nominator.median",
        "median APY in alpha over genesis nominations: each nominator counts its validator's APY once (weight = number of nominators delegating to it at genesis)",
        APY,
    ),
    e(
        "apy_tao.nominator.median",
        "median APY valued in TAO over genesis nominations (weighted as `apy_alpha.nominator.median`)",
        APY,
    ),
    e(
        "apy_tao.root.median",
        "median over (subnet, validator hotkey) with root stake of the root stakers' APY in TAO",
        APY,
    ),
    e(
        "apy_tao.root.mean",
        "mean over (subnet, validator hotkey) with root stake of the root stakers' APY in TAO",
        APY,
    ),
    e(
        "relative_dividends.<group>",
        "group's dividend share − its stake share among validator rows, per subnet epoch, mean over subnet epochs",
        "fraction",
    ),
    e(
        "dividends_per_1000.<group>",
        "alpha dividends per 1 000 alpha staked (b_h), per subnet epoch, mean over subnet epochs after the warm-up",
        "alpha per epoch",
    ),
    e(
        "copier_g.last",
        "G = mean over copiers of D/S ÷ median over honest validators of D/S at each subnet's last epoch, mean over subnets (catalogue §4)",
        "ratio",
    ),
    e(
        "copier_g.mean",
        "G (as `copier_g.last`) averaged over each subnet's last 10 epochs",
        "ratio",
    ),
    e(
        "cabal.emission_share",
        "emission share of cabal validators plus the miners they favour (their `members`), per subnet epoch on subnets with cabal validators, mean",
        "fraction",
    ),
    e(
        "cabal.stake_share",
        "share of the epoch's stake weight held by cabal validators, per subnet epoch on subnets with cabal validators, mean",
        "fraction",
    ),
    e(
        "honest.emission_share",
        "emission share of validators and miners that are neither cabal (validators or favoured miners) nor copiers, on subnets with cabal or copier validators, mean over subnet epochs",
        "fraction",
    ),
    e(
        "gini.stake",
        "Gini of validator alpha stake valued in TAO (spot price) at each subnet's last epoch, over all subnets' validator hotkeys",
        "0–1",
    ),
    e(
        "gini.emission",
        "Gini of whole-run emission per hotkey (all hotkeys), valued in TAO at each epoch's spot price",
        "0–1",
    ),
    e(
        "nakamoto.stake",
        "fewest validator hotkeys holding > 50 % of the stake `gini.stake` measures",
        "hotkeys",
    ),
    e(
        "nakamoto.emission",
        "fewest hotkeys receiving > 50 % of the emission `gini.emission` measures",
        "hotkeys",
    ),
    e(
        "miner.rank_correlation",
        "Spearman correlation of miners' mean incentive over the run with their true quality (the genesis draw of their `serve` strategy), per subnet, mean over subnets",
        "−1–1",
    ),
    e(
        "validator.churn",
        "fraction of a subnet's epoch transitions in which the set of permit holders changed, mean over subnets",
        "fraction",
    ),
    e(
        "miner.churn",
        "fraction of a subnet's epoch transitions in which some uid changed hotkey (a registration replaced a neuron), mean over subnets",
        "fraction",
    ),
    e(
        "price.final.sn<netuid>",
        "spot price after the subnet's last epoch",
        "TAO per alpha",
    ),
    e(
        "price.mean.sn<netuid>",
        "mean spot price over the subnet's epochs",
        "TAO per alpha",
    ),
    e("issuance.final_tao", "total TAO issuance at the end", "TAO"),
    e(
        "honest_emission_share",
        "consensus experiment: E_H, the honest validators' and servers' share of the epoch's emission",
        "fraction",
    ),
    e(
        "honest_stake_share",
        "consensus experiment: S_H, the honest side's share of validator stake",
        "fraction",
    ),
    e(
        "retained",
        "consensus experiment: 1 if E_H ≥ S_H, else 0",
        "0 or 1",
    ),
    e(
        "honest_emission_share_baseline",
        "consensus experiment with `baseline`: E_H when the cabal mirrors the honest row",
        "fraction",
    ),
    e(
        "cabal_gain",
        "consensus experiment with `baseline`: E_H(baseline) − E_H, what deviating earns the cabal",
        "fraction",
    ),
    e(
        "agent_emission.<agent>",
        "`taosim check` only: the agent's emission over the run, all its subnets",
        "alpha",
    ),
];

/// Every per-epoch series of a run (step = the subnet epoch counter; values aggregate all
/// subnets' epoch `step`).
pub const SERIES: &[Entry] = &[
    e(
        "emission.<group>",
        "emission to the group's hotkeys",
        "alpha",
    ),
    e(
        "dividends_share.<group>",
        "validator groups: Σ dividends of the group ÷ Σ dividends of all validators",
        "fraction",
    ),
    e(
        "stake_share.<group>",
        "validator groups: Σ stake weight of the group ÷ Σ stake weight of all validators",
        "fraction",
    ),
    e("price.sn<netuid>", "spot price", "TAO per alpha"),
    e(
        "apy_alpha.<group>",
        "APY in alpha of the group's validators' yields in the epoch",
        APY,
    ),
    e(
        "apy_tao.<group>",
        "APY valued in TAO of the group's validators' yields in the epoch",
        APY,
    ),
];

/// The catalogue entry of metric `name`, if catalogued.
pub fn metric(name: &str) -> Option<&'static Entry> {
    find(METRICS, name)
}

/// The unit of metric `name`, or "?" where it is not catalogued (tables show it as such).
pub fn metric_unit(name: &str) -> &'static str {
    metric(name).map_or("?", |e| e.unit)
}

/// The catalogue entry of series `name`, if catalogued.
pub fn series(name: &str) -> Option<&'static Entry> {
    find(SERIES, name)
}

/// The unit of a series family (the series name up to the first `.`), for chart captions.
pub fn series_unit(family: &str) -> &'static str {
    SERIES
        .iter()
        .find(|e| e.pattern.split('.').next() == Some(family))
        .map_or("unit not catalogued", |e| e.unit)
}

/// A literal pattern equal to `name`, else the first pattern with placeholders that matches.
fn find(entries: &'static [Entry], name: &str) -> Option<&'static Entry> {
    let literal = |e: &&Entry| !e.pattern.contains('<');
    (entries.iter().filter(literal))
        .find(|e| e.pattern == name)
        .or_else(|| entries.iter().find(|e| matches(e.pattern, name)))
}

/// Whether `name` has the pattern's segments (see the module doc). A final `<agent>` takes
/// the rest of the name (agent names may hold dots).
fn matches(pattern: &str, name: &str) -> bool {
    if let Some(prefix) = pattern.strip_suffix("<agent>") {
        return name
            .strip_prefix(prefix)
            .is_some_and(|rest| !rest.is_empty());
    }
    let (p, n): (Vec<&str>, Vec<&str>) = (pattern.split('.').collect(), name.split('.').collect());
    p.len() == n.len() && p.iter().zip(&n).all(|(p, n)| segment_matches(p, n))
}

fn segment_matches(pattern: &str, name: &str) -> bool {
    match pattern {
        "<group>" => !name.is_empty(),
        "sn<netuid>" => name
            .strip_prefix("sn")
            .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())),
        _ => pattern == name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rows `| `pattern` | meaning | unit |` of the module doc's table under `heading`.
    fn doc_table(heading: &str) -> Vec<(String, String, String)> {
        let doc = include_str!("mod.rs");
        let section = doc
            .split(heading)
            .nth(1)
            .expect("heading in the module doc");
        (section.lines())
            .skip_while(|l| !l.starts_with("//! | `"))
            .take_while(|l| l.starts_with("//! | `"))
            .map(|l| {
                let cells: Vec<&str> = l.trim_start_matches("//! |").split(" | ").collect();
                let strip = |s: &str| s.trim().trim_matches('|').trim().to_string();
                let pattern = strip(cells[0]).trim_matches('`').to_string();
                (pattern, strip(cells[1]), strip(cells[2]))
            })
            .collect()
    }

    fn rows(entries: &[Entry]) -> Vec<(String, String, String)> {
        (entries.iter())
            .map(|e| (e.pattern.into(), e.meaning.into(), e.unit.into()))
            .collect()
    }

    #[test]
    fn the_module_doc_prints_the_catalogue() {
        assert_eq!(doc_table("//! # Metrics\n"), rows(METRICS));
        assert_eq!(doc_table("//! # Series\n"), rows(SERIES));
    }

    #[test]
    fn names_find_their_pattern() {
        let pattern = |name| metric(name).map(|e| e.pattern);
        assert_eq!(pattern("apy_tao.root.median"), Some("apy_tao.root.median"));
        assert_eq!(
            pattern("apy_tao.validator:honest.median"),
            Some("apy_tao.<group>.median")
        );
        assert_eq!(pattern("price.final.sn12"), Some("price.final.sn<netuid>"));
        assert_eq!(pattern("price.final.snx"), None);
        assert_eq!(pattern("price.final"), None);
        assert_eq!(
            pattern("agent_emission.whale.2"),
            Some("agent_emission.<agent>")
        );
        assert_eq!(pattern("agent_emission."), None);
        assert_eq!(series("price.sn3").map(|e| e.unit), Some("TAO per alpha"));
        assert_eq!(series_unit("apy_tao"), APY);
        assert_eq!(series_unit("nothing"), "unit not catalogued");
    }
}
