//! Sweep benchmarks (a plain timing harness; each iteration takes seconds):
//!
//! * `consensus`: `scenarios/consensus/guarantee.yaml`, the catalogue's 28 611 one-epoch runs
//!   (512 uids, 64 validators) end to end — plan, run on all cores, stream the Parquet tables.
//!   Target: ≤ 30 s on 2 cores.
//! * `default`: 4 replicates of the embedded default scenario (30 days each) as a sweep —
//!   throughput in runs per second.
//!
//! `cargo bench --bench sweep [consensus|default]`; `TAOSIM_JOBS` sets the threads.

use std::path::Path;
use std::time::Instant;
use taosim::api::sweep::{SweepOptions, sweep};
use taosim::api::{Silent, run::load};

fn main() {
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wanted = |name: &str| filter.is_empty() || filter.iter().any(|f| name.contains(f.as_str()));
    let out = std::env::temp_dir().join(format!("taosim-bench-sweep-{}", std::process::id()));
    let jobs = std::env::var("TAOSIM_JOBS")
        .ok()
        .and_then(|j| j.parse().ok());
    let options = SweepOptions {
        jobs,
        shard: None,
        report: true,
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if wanted("consensus") {
        let start = Instant::now();
        let file = root.join("scenarios/consensus/guarantee.yaml");
        let scenario = load(Some(&file), None).expect("the scenario loads");
        sweep(scenario, "guarantee.yaml", &out, options, &mut Silent).expect("the sweep runs");
        let t = start.elapsed();
        println!(
            "sweep/consensus (28 611 epochs, N = 512): {t:.2?} ({:.0} runs/s)",
            28_611.0 / t.as_secs_f64()
        );
    }
    if wanted("default") {
        let file = out.join("default-replicates.yaml");
        std::fs::create_dir_all(&out).expect("temp dir");
        let text = taosim::scenario::DEFAULT_SCENARIO.to_string() + "sweep:\n  replicates: 4\n";
        std::fs::write(&file, text).expect("written");
        let start = Instant::now();
        let scenario = load(Some(&file), None).expect("the scenario loads");
        sweep(scenario, "default", &out, options, &mut Silent).expect("the sweep runs");
        let t = start.elapsed();
        println!(
            "sweep/default (4 runs of 30 days): {t:.2?} ({:.2} runs/s)",
            4.0 / t.as_secs_f64()
        );
    }
    let _ = std::fs::remove_dir_all(&out);
}
