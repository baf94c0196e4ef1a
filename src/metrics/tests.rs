//! Metrics on small hand-built runs whose answers are known.

use super::*;
use crate::record::{NeuronRow, SubnetRow};
use crate::scenario::{self, Scenario};

/// A one-subnet scenario (tempo 360) with the given agents (YAML flow mappings).
fn scenario(agents: &[&str]) -> Scenario {
    let agents: String = agents.iter().map(|a| format!("      - {a}\n")).collect();
    let yaml = format!(
        "name: t\nduration: {{epochs: 10}}\nsubnets:\n  - name: a\n    tempo: 360\n    \
         pool: {{tao: 1000, alpha: 1000}}\n    agents:\n{agents}"
    );
    scenario::parse(&yaml, "<test>").unwrap_or_else(|e| panic!("{e}"))
}

fn hotkey(s: &Scenario, name: &str) -> u32 {
    s.agents.iter().find(|a| a.name == name).unwrap().hotkey
}

fn row(epoch: u64, uid: u16, hotkey: u32, role: &'static str, strategy: &'static str) -> NeuronRow {
    NeuronRow {
        epoch,
        netuid: 1,
        uid,
        hotkey,
        agent: Some(hotkey),
        role,
        strategy,
        permit: role == "validator",
        ..NeuronRow::default()
    }
}

fn subnet(epoch: u64, validator_emission: u64) -> SubnetRow {
    SubnetRow {
        epoch,
        netuid: 1,
        price: 0.5,
        validator_emission,
        ..SubnetRow::default()
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

fn metric(m: &RunMetrics, name: &str) -> f64 {
    m.get(name)
        .unwrap_or_else(|| panic!("{name} missing from {:?}", m.metrics))
}

/// Two validators with 1 000 alpha each before every payout and 0.1 alpha of dividends each per
/// epoch (y = 10⁻⁴ before take); epoch 0 pays nothing (the warm-up, ignored).
fn constant_yield_run(s: &Scenario, epochs: u64) -> RunRecord {
    let (honest, copier) = (hotkey(s, "hon"), hotkey(s, "cop"));
    let mut record = RunRecord::default();
    for e in 0..epochs {
        let paid = if e == 0 { 0 } else { 100_000_000 };
        record.subnets.push(subnet(e, 2 * paid));
        for (uid, (h, strategy)) in [(honest, "honest"), (copier, "copier")].iter().enumerate() {
            let mut r = row(e, uid as u16, *h, "validator", strategy);
            r.alpha_stake = 1_000_000_000_000 + paid;
            r.stake_weight = 32_767;
            r.dividends = if e == 0 { 0 } else { 32_767 };
            r.emission = paid;
            record.neurons.push(r);
        }
    }
    record
}

#[test]
fn apy_of_a_constant_yield_is_compounded_over_the_epochs_of_a_year() {
    let s = scenario(&[
        "{name: hon, role: validator, take: 0, strategy: {honest: {}}}",
        "{name: cop, role: validator, strategy: {copier: {}}}",
        "{name: nom, role: nominator, stake: 10, delegate_to: cop, strategy: loyal}",
    ]);
    let m = compute(&s, &constant_yield_run(&s, 6));
    let n = 2_628_000.0 / 360.0;
    let honest = (1.0f64 + 1e-4).powf(n) - 1.0;
    // Default take 11 796 / 65 535 for the copier, who names none.
    let copier = (1.0 + (1.0 - 11_796.0 / 65_535.0) * 1e-4f64).powf(n) - 1.0;
    assert!(close(
        metric(&m, "apy_alpha.validator:honest.median"),
        honest
    ));
    assert!(close(metric(&m, "apy_alpha.validator:honest.mean"), honest));
    assert!(close(
        metric(&m, "apy_alpha.validator:copier.median"),
        copier
    ));
    assert!(close(metric(&m, "apy_alpha.nominator.median"), copier));
    // 0.1 alpha per 1 000 alpha staked, per epoch.
    assert!(close(
        metric(&m, "dividends_per_1000.validator:honest"),
        0.1
    ));
    let series: Vec<&SeriesPoint> = m
        .series
        .iter()
        .filter(|p| p.series == "apy_alpha.validator:honest")
        .collect();
    assert_eq!(series.len(), 5, "one point per epoch after the warm-up");
    assert!(
        series.iter().all(|p| close(p.value, honest)),
        "{series:?} vs {honest}"
    );
}

#[test]
fn root_stake_diverts_its_share_of_dividends_away_from_the_alpha_pool() {
    let s = scenario(&[
        "{name: hon, role: validator, take: 0, strategy: {honest: {}}}",
        "{name: cop, role: validator, take: 0, strategy: {copier: {}}}",
    ]);
    let mut record = constant_yield_run(&s, 3);
    // The honest validator's τ·root equals its alpha: ρ = 1/2, so it keeps a third of the
    // alpha bucket (weights 1/2 : 1) and the copier two thirds.
    let tau = s.chain.tao_weight as f64 / u64::MAX as f64;
    for r in record.neurons.iter_mut().filter(|r| r.strategy == "honest") {
        r.root_stake = (r.alpha_stake as f64 / tau) as u64;
    }
    let m = compute(&s, &record);
    let per_1000 = |g| metric(&m, &format!("dividends_per_1000.validator:{g}"));
    // Bucket 0.2 alpha: honest 0.0667 on ≈ 1 000.03, copier 0.1333 on ≈ 999.97.
    assert!(
        (per_1000("honest") - 0.2 / 3.0).abs() < 1e-4,
        "{}",
        per_1000("honest")
    );
    assert!(
        (per_1000("copier") - 0.4 / 3.0).abs() < 1e-4,
        "{}",
        per_1000("copier")
    );
}

#[test]
fn apy_tao_adds_price_moves_to_the_alpha_yield() {
    let s = scenario(&[
        "{name: hon, role: validator, take: 0, strategy: {honest: {}}}",
        "{name: cop, role: validator, take: 0, strategy: {copier: {}}}",
    ]);
    let mut record = constant_yield_run(&s, 6);
    // The price rises 1 % per epoch: 0.5 · 1.01^e.
    for r in &mut record.subnets {
        r.price = 0.5 * 1.01f64.powi(r.epoch as i32);
    }
    let m = compute(&s, &record);
    let n = 2_628_000.0 / 360.0;
    let alpha = (1.0f64 + 1e-4).powf(n) - 1.0;
    let tao = ((1.0f64 + 1e-4) * 1.01).powf(n) - 1.0;
    assert!(close(
        metric(&m, "apy_alpha.validator:honest.median"),
        alpha
    ));
    assert!(close(metric(&m, "apy_tao.validator:honest.median"), tao));
    assert!(
        metric(&m, "apy_tao.validator:honest.mean") > metric(&m, "apy_alpha.validator:honest.mean")
    );
    assert!(
        m.metrics.iter().all(|x| !x.name.starts_with("apy.")),
        "no plain apy.*"
    );
    let hon = hotkey(&s, "hon");
    let h = m
        .apy
        .iter()
        .find(|h| h.hotkey == hon)
        .expect("per-hotkey APY");
    assert!(close(h.alpha, alpha) && close(h.tao.unwrap(), tao));
    assert_eq!(h.root_tao, None, "no root stake, no root APY");
}

/// APYs compound the geometric mean return: a price that alternately doubles and halves
/// (returns +100 %, −50 %, arithmetic mean +25 % per epoch) leaves the TAO value where the
/// alpha yield alone takes it, so `apy_tao` equals `apy_alpha` instead of exploding.
#[test]
fn apy_tao_of_a_price_that_doubles_and_halves_is_the_alpha_apy() {
    let s = scenario(&[
        "{name: hon, role: validator, take: 0, strategy: {honest: {}}}",
        "{name: cop, role: validator, take: 0, strategy: {copier: {}}}",
    ]);
    // Epoch 0 is the warm-up; epochs 1..=8 pay, so the price path 1, 2, 1, 2, ... returns
    // to its start after an even number of moves.
    let mut record = constant_yield_run(&s, 9);
    for r in &mut record.subnets {
        r.price = if r.epoch % 2 == 0 { 1.0 } else { 2.0 };
    }
    let m = compute(&s, &record);
    let alpha = metric(&m, "apy_alpha.validator:honest.median");
    let tao = metric(&m, "apy_tao.validator:honest.median");
    assert!(close(tao, alpha), "apy_tao {tao} vs apy_alpha {alpha}");
    let n = 2_628_000.0 / 360.0;
    assert!(close(alpha, (1.0f64 + 1e-4).powf(n) - 1.0));
}

#[test]
fn apy_tao_root_values_the_root_dividend_per_tao_of_root_stake() {
    let s = scenario(&[
        "{name: hon, role: validator, take: 0, strategy: {honest: {}}}",
        "{name: cop, role: validator, take: 0, strategy: {copier: {}}}",
    ]);
    let mut record = constant_yield_run(&s, 4);
    // Only the honest validator has root stake (2 000 TAO); the root bucket is 0.3 alpha per
    // epoch after the warm-up, all of it its stakers' at price 0.5: 0.15 TAO / 2 000 TAO.
    for r in record.neurons.iter_mut().filter(|r| r.strategy == "honest") {
        r.root_stake = 2_000_000_000_000;
    }
    for r in record.subnets.iter_mut().filter(|r| r.epoch > 0) {
        r.root_emission = 300_000_000;
    }
    let m = compute(&s, &record);
    let n = 2_628_000.0 / 360.0;
    let y = 0.15 / 2_000.0;
    assert!(close(
        metric(&m, "apy_tao.root.median"),
        (1.0f64 + y).powf(n) - 1.0
    ));
    let roots = m.apy.iter().filter(|h| h.root_tao.is_some()).count();
    assert_eq!(roots, 1, "one root-staked hotkey");
}

/// Three honest validators with D/S = 1.0, 1.2, 0.8 and a copier with D/S = `copier` per epoch.
fn copier_run(s: &Scenario, copier: &[f64]) -> RunRecord {
    let mut record = RunRecord::default();
    for (e, g) in copier.iter().enumerate() {
        let e = e as u64;
        record.subnets.push(subnet(e, 0));
        let ratios = [("hon-0", 1.0), ("hon-1", 1.2), ("hon-2", 0.8), ("cop", *g)];
        for (uid, (name, ratio)) in ratios.iter().enumerate() {
            let strategy = if *name == "cop" { "copier" } else { "honest" };
            let mut r = row(e, uid as u16, hotkey(s, name), "validator", strategy);
            r.stake_weight = 10_000;
            r.dividends = (10_000.0 * ratio) as u16;
            r.emission = u64::from(r.dividends);
            record.neurons.push(r);
        }
    }
    record
}

#[test]
fn copier_g_divides_the_copier_by_the_honest_median() {
    let s = scenario(&[
        "{name: hon, role: validator, count: 3, strategy: {honest: {}}}",
        "{name: cop, role: validator, strategy: {copier: {}}}",
    ]);
    let mut gs = vec![2.0; 5];
    gs.extend([0.5; 9]);
    gs.push(0.9);
    let m = compute(&s, &copier_run(&s, &gs));
    assert!(close(metric(&m, "copier_g.last"), 0.9));
    // The last 10 epochs: nine at 0.5 and the last at 0.9.
    assert!(close(metric(&m, "copier_g.mean"), 0.54));
    // Per epoch the copier holds a quarter of the stake and 10 000·g of 30 000 + 10 000·g
    // dividends (and, here, of the emission).
    let copier_share = |g: f64| g / (3.0 + g);
    let n = gs.len() as f64;
    let rel: f64 = gs.iter().map(|g| copier_share(*g) - 0.25).sum::<f64>() / n;
    let honest: f64 = gs.iter().map(|g| 1.0 - copier_share(*g)).sum::<f64>() / n;
    assert!(close(
        metric(&m, "relative_dividends.validator:copier"),
        rel
    ));
    assert!(close(
        metric(&m, "relative_dividends.validator:honest"),
        -rel
    ));
    assert!(close(metric(&m, "honest.emission_share"), honest));
    assert_eq!(m.get("cabal.emission_share"), None, "no cabal in the run");
}

#[test]
fn cabal_shares_count_its_validators_and_favoured_miners() {
    let s = scenario(&[
        "{name: cab, role: validator, strategy: {cabal: {members: [m-0], share: 0.5}}}",
        "{name: hon, role: validator, strategy: {honest: {}}}",
        "{name: m, role: miner, count: 2, strategy: {serve: {quality: 0.5}}}",
    ]);
    let mut record = RunRecord::default();
    record.subnets.push(subnet(0, 0));
    let cast = [
        ("cab", "validator", "cabal", 10, 100),
        ("hon", "validator", "honest", 30, 300),
        ("m-0", "miner", "serve", 20, 0),
        ("m-1", "miner", "serve", 40, 0),
    ];
    for (uid, (name, role, strategy, emission, stake)) in cast.into_iter().enumerate() {
        let mut r = row(0, uid as u16, hotkey(&s, name), role, strategy);
        r.emission = emission;
        r.stake_weight = stake;
        record.neurons.push(r);
    }
    let m = compute(&s, &record);
    assert!(close(metric(&m, "cabal.emission_share"), 0.3));
    assert!(close(metric(&m, "cabal.stake_share"), 0.25));
    assert!(close(metric(&m, "honest.emission_share"), 0.7));
    // Emission 10, 20, 30, 40: the two largest hold 70 %, the largest alone 40 %.
    assert_eq!(metric(&m, "nakamoto.emission"), 2.0);
    assert!(close(metric(&m, "gini.emission"), 0.25));
    // Stake is all zero alpha: no stake concentration to speak of.
    assert_eq!(m.get("gini.stake"), None);
}

/// Three miners of quality 0.1, 0.5, 0.9 with the given incentives over two epochs.
fn miner_run(s: &Scenario, incentive: [u16; 3]) -> RunRecord {
    let mut record = RunRecord::default();
    for e in 0..2 {
        record.subnets.push(subnet(e, 0));
        for (uid, i) in incentive.iter().enumerate() {
            let name = format!("m-{uid}");
            let mut r = row(e, uid as u16, hotkey(s, &name), "miner", "serve");
            r.incentive = *i + e as u16;
            record.neurons.push(r);
        }
    }
    record
}

#[test]
fn rank_correlation_is_perfect_for_incentive_in_quality_order() {
    let s = scenario(&[
        "{name: m, role: miner, count: 3, strategy: {serve: {quality: {values: [0.1, 0.5, 0.9]}}}}",
    ]);
    let up = compute(&s, &miner_run(&s, [10, 200, 3_000]));
    assert!(close(metric(&up, "miner.rank_correlation"), 1.0));
    let down = compute(&s, &miner_run(&s, [3_000, 200, 10]));
    assert!(close(metric(&down, "miner.rank_correlation"), -1.0));
    // The recorded genesis draw wins over the scenario's values.
    let mut drawn = miner_run(&s, [10, 200, 3_000]);
    drawn.miner_quality = (0..3)
        .map(|i| (hotkey(&s, &format!("m-{i}")), 1.0 - f64::from(i)))
        .collect();
    assert!(close(
        metric(&compute(&s, &drawn), "miner.rank_correlation"),
        -1.0
    ));
}

#[test]
fn churn_counts_epochs_in_which_permits_or_uids_changed() {
    let s = scenario(&["{name: v, role: validator, count: 3, strategy: {honest: {}}}"]);
    let (a, b, c) = (hotkey(&s, "v-0"), hotkey(&s, "v-1"), hotkey(&s, "v-2"));
    let mut record = RunRecord::default();
    // Permits {a, b}, {a, b}, {a, c}; uid 1 passes from b to c at epoch 2.
    for (e, second) in [(0, b), (1, b), (2, c)] {
        record.subnets.push(subnet(e, 0));
        record.neurons.push(row(e, 0, a, "validator", "honest"));
        record
            .neurons
            .push(row(e, 1, second, "validator", "honest"));
    }
    let m = compute(&s, &record);
    assert!(close(metric(&m, "validator.churn"), 0.5));
    assert!(close(metric(&m, "miner.churn"), 0.5));
}

#[test]
fn prices_issuance_and_ordering() {
    let s = scenario(&["{name: v, role: validator, strategy: {honest: {}}}"]);
    let mut record = RunRecord::default();
    for (e, p) in [(0, 1.0), (1, 2.0), (2, 6.0)] {
        record.subnets.push(SubnetRow {
            price: p,
            ..subnet(e, 0)
        });
    }
    record.final_issuance = 7_500_000_000;
    let m = compute(&s, &record);
    assert_eq!(metric(&m, "price.final.sn1"), 6.0);
    assert_eq!(metric(&m, "price.mean.sn1"), 3.0);
    assert_eq!(metric(&m, "issuance.final_tao"), 7.5);
    let names: Vec<&str> = m.metrics.iter().map(|x| x.name.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    let steps: Vec<u64> = m
        .series
        .iter()
        .filter(|p| p.series == "price.sn1")
        .map(|p| p.step)
        .collect();
    assert_eq!(steps, vec![0, 1, 2]);
    assert!(m.metrics.iter().all(|x| x.value.is_finite()));
}

#[test]
fn an_empty_run_has_no_undefined_metrics() {
    let s = scenario(&["{name: v, role: validator, strategy: {honest: {}}}"]);
    let m = compute(&s, &RunRecord::default());
    let names: Vec<&str> = m.metrics.iter().map(|x| x.name.as_str()).collect();
    assert_eq!(names, vec!["issuance.final_tao"]);
    assert!(m.series.is_empty());
}
