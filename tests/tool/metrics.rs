//! Metrics of a real run: the weight-copying scenario (catalogue §4), shortened, yields the
//! copier ratio and APYs as finite numbers, the same ones for the same seed, and summary.json
//! carries them.

use crate::scenario_support::{all_scenarios, shortened};
use std::path::Path;
use taosim::metrics::{self, RunMetrics, catalog};
use taosim::scenario::{self, Scenario};

fn weight_copying() -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/attacks/weight-copying.yaml");
    shortened(scenario::load(&path).unwrap_or_else(|e| panic!("{e}")), 6)
}

fn metrics_of(s: &Scenario, seed: u64) -> (taosim::record::RunRecord, RunMetrics) {
    let record = taosim::sim::run(s, seed, &mut |_| {}).expect("the scenario runs");
    let m = metrics::compute(s, &record);
    (record, m)
}

#[test]
fn weight_copying_yields_a_finite_copier_ratio_and_apys() {
    let s = weight_copying();
    let (record, m) = metrics_of(&s, s.seed);
    for name in [
        "copier_g.last",
        "copier_g.mean",
        "apy_alpha.validator:honest.median",
        "apy_alpha.validator:honest.mean",
        "apy_alpha.validator:copier.median",
        "apy_tao.validator:honest.median",
        "relative_dividends.validator:copier",
        "dividends_per_1000.validator:honest",
        "miner.rank_correlation",
        "gini.stake",
        "nakamoto.stake",
        "price.final.sn1",
    ] {
        let v = m
            .get(name)
            .unwrap_or_else(|| panic!("{name} missing: {:?}", m.metrics));
        assert!(v.is_finite(), "{name} = {v}");
    }
    let honest = m.get("apy_alpha.validator:honest.median").unwrap();
    assert!(honest > 0.0, "honest validators earn: {honest}");
    let g = m.get("copier_g.last").unwrap();
    assert!(g > 0.0 && g < 10.0, "G = {g}");
    let rho = m.get("miner.rank_correlation").unwrap();
    assert!(rho > 0.0, "honest validators reward better miners: {rho}");
    assert_eq!(
        m.get("cabal.emission_share"),
        None,
        "no cabal in this scenario"
    );
    assert!(m.series.iter().any(|p| p.series == "emission.miner:serve"));
    let summary = taosim::report::summary(&record, &m);
    assert_eq!(summary["metrics"]["copier_g.last"].as_f64(), Some(g));
}

/// `dividends_per_1000.<group>` recomputed from the pools' growth: without nominators or
/// stake moves, a validator's pool grows between two epochs by exactly what the epoch paid it.
fn observed_per_1000(record: &taosim::record::RunRecord, strategy: &str) -> f64 {
    let mut previous = std::collections::BTreeMap::new();
    let mut sums: std::collections::BTreeMap<u64, (f64, f64)> = Default::default();
    for r in record
        .neurons
        .iter()
        .filter(|r| r.role == "validator" && r.strategy == strategy)
    {
        if let Some(before) = previous.insert(r.hotkey, r.alpha_stake) {
            let s = sums.entry(r.epoch).or_default();
            s.0 += r.alpha_stake as f64 - before as f64;
            s.1 += before as f64;
        }
    }
    let per_epoch: Vec<f64> = sums.values().map(|(g, b)| 1_000.0 * g / b).collect();
    per_epoch.iter().sum::<f64>() / per_epoch.len() as f64
}

#[test]
fn estimated_dividends_match_the_pools_growth_with_and_without_root_stake() {
    let mut s = weight_copying();
    for rooted in [false, true] {
        if rooted {
            // τ·root ≈ a third of their alpha: about a quarter of their dividends go to root
            // stakers (ρ is estimated from the stake after the payout: agreement to ~10⁻⁴).
            for a in s.agents.iter_mut().filter(|a| a.population == "honest") {
                a.root_stake = 200_000_000_000_000;
            }
        }
        let (record, m) = metrics_of(&s, s.seed);
        for strategy in ["honest", "copier"] {
            let estimated = m
                .get(&format!("dividends_per_1000.validator:{strategy}"))
                .unwrap();
            let observed = observed_per_1000(&record, strategy);
            assert!(
                (estimated / observed - 1.0).abs() < 1e-4,
                "root stake {rooted}, {strategy}: estimated {estimated}, observed {observed}"
            );
        }
    }
}

#[test]
fn same_seed_same_metrics() {
    let s = weight_copying();
    let (_, a) = metrics_of(&s, 11);
    let (_, b) = metrics_of(&s, 11);
    assert_eq!(a, b);
    let (_, c) = metrics_of(&s, 12);
    assert_ne!(a.metrics, c.metrics);
}

#[test]
fn every_shipped_scenario_gives_finite_sorted_metrics() {
    for path in all_scenarios() {
        let s = scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
        let at = path.display();
        let m = if s.consensus.is_some() {
            // A one-epoch experiment: its own outcomes are its metrics.
            let record = taosim::sim::run(&s, s.seed, &mut |_| {}).expect("the experiment runs");
            let m = taosim::runner::run_metrics(&s, &record);
            assert!(m.get("retained").is_some(), "{at}");
            m
        } else {
            let s = shortened(s, 4);
            let m = metrics_of(&s, s.seed).1;
            assert!(m.get("issuance.final_tao").is_some(), "{at}");
            m
        };
        assert!(m.metrics.iter().all(|x| x.value.is_finite()), "{at}");
        assert!(m.series.iter().all(|p| p.value.is_finite()), "{at}");
        assert!(m.metrics.windows(2).all(|w| w[0].name < w[1].name), "{at}");
        let key = |p: &metrics::SeriesPoint| (p.series.clone(), p.step);
        assert!(m.series.windows(2).all(|w| key(&w[0]) < key(&w[1])), "{at}");
        // The report states a unit and a definition for each: all are catalogued.
        for x in &m.metrics {
            assert!(
                catalog::metric(&x.name).is_some(),
                "{at}: {} uncatalogued",
                x.name
            );
        }
        for p in &m.series {
            assert!(
                catalog::series(&p.series).is_some(),
                "{at}: {} uncatalogued",
                p.series
            );
        }
    }
}
