//! End-to-end simulation benchmarks (a plain timing harness: one iteration takes seconds to
//! minutes, too long for criterion's sampling).
//!
//! * `default`: the embedded default scenario (4 subnets × 64 uids, 30 days) — parse,
//!   simulate, write the run directory; best and median of 3.
//! * `large`: `benches/large.yaml`, 64 subnets × 256 uids, for `TAOSIM_LARGE_DAYS` days
//!   (default 30; the result is also given per simulated day); one run.
//!
//! `cargo bench --bench sim [default|large]`.

use std::path::Path;
use std::time::{Duration, Instant};
use taosim::scenario::{self, Scenario};

fn end_to_end(scenario: &Scenario, out: &Path) -> Duration {
    let start = Instant::now();
    let record = taosim::sim::run(scenario, scenario.seed, &mut |_| {}).expect("runs");
    let run_dir = taosim::cli_run::run_directory(out, scenario, scenario.seed);
    let tmp = taosim::report::prepare(&run_dir).expect("writable");
    let tables = taosim::report::Tables {
        neurons: scenario.record_neurons,
        accounts: scenario.record_accounts,
    };
    let manifest = taosim::cli_run::manifest(scenario, scenario.seed);
    let metrics = taosim::runner::run_metrics(scenario, &record);
    taosim::report::write_run(tmp, &record, &metrics, &manifest, tables).expect("written");
    start.elapsed()
}

fn main() {
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wanted = |name: &str| filter.is_empty() || filter.iter().any(|f| name.contains(f.as_str()));
    let out = std::env::temp_dir().join(format!("taosim-bench-{}", std::process::id()));
    if wanted("default") {
        let scenario = scenario::default_scenario();
        let mut times: Vec<Duration> = (0..3).map(|_| end_to_end(&scenario, &out)).collect();
        times.sort();
        println!(
            "sim/default (4 subnets x 64 uids, 30 days, end to end): best {:.2?}, median {:.2?}",
            times[0], times[1]
        );
    }
    if wanted("large") {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/large.yaml");
        let mut scenario = scenario::load(&path).expect("benches/large.yaml is valid");
        let days: u64 = std::env::var("TAOSIM_LARGE_DAYS")
            .ok()
            .and_then(|d| d.parse().ok())
            .unwrap_or(30);
        scenario.blocks = days * 7_200;
        let t = end_to_end(&scenario, &out);
        println!(
            "sim/large (64 subnets x 256 uids, {days} days, end to end): {:.2?} ({:.2?} per day)",
            t,
            t / days as u32
        );
    }
    let _ = std::fs::remove_dir_all(&out);
}
