//! End-to-end simulation benchmarks (a plain timing harness: one iteration takes seconds to
//! minutes, too long for criterion's sampling).
//!
//! * `default`: the embedded default scenario (4 subnets × 64 uids, 30 days) — parse,
//!   simulate, write the run directory; best and median of 3.
//! * `large`: `benches/large.yaml`, 64 subnets × 256 uids, for `TAOSIM_LARGE_DAYS` days
//!   (default 30; the result is also given per simulated day); one run, with its CPU time and
//!   the process's peak memory (`VmHWM`; run `large` alone for a meaningful peak).
//! * `jobs`: the same network for `TAOSIM_JOBS_DAYS` days (default 2) on 1 and on 2 threads
//!   (`taosim run --jobs`), best of 2 each, and the speed-up.
//!
//! `cargo bench --bench sim [default|large|jobs]`.

use std::path::Path;
use std::time::{Duration, Instant};
use taosim::scenario::{self, Scenario};

fn end_to_end(scenario: &Scenario, out: &Path) -> Duration {
    on_threads(scenario, out, 1)
}

/// One run end to end on `jobs` threads.
fn on_threads(scenario: &Scenario, out: &Path, jobs: usize) -> Duration {
    let start = Instant::now();
    let run_dir = taosim::api::run::run_directory(out, scenario, scenario.seed);
    let staging = taosim::report::prepare(&run_dir).expect("writable");
    let manifest = taosim::api::run::manifest(scenario, scenario.seed);
    let stop = std::sync::atomic::AtomicBool::new(false);
    taosim::run_dir::write_run_on(
        scenario,
        scenario.seed,
        staging.path(),
        &manifest,
        jobs,
        &mut |_| {},
        &stop,
    )
    .expect("runs and writes");
    staging.publish().expect("published");
    start.elapsed()
}

/// The process's resource use so far: (CPU seconds, user + system over all threads; peak
/// resident memory, kB).
fn usage() -> (f64, u64) {
    // SAFETY: getrusage only writes the struct it is given.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    (secs(u.ru_utime) + secs(u.ru_stime), u.ru_maxrss as u64)
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
    if wanted("jobs") {
        let (scenario, days) = large("TAOSIM_JOBS_DAYS", 2);
        let best = |jobs| {
            let runs = [
                on_threads(&scenario, &out, jobs),
                on_threads(&scenario, &out, jobs),
            ];
            runs[0].min(runs[1])
        };
        let (one, two) = (best(1), best(2));
        println!(
            "sim/jobs (64 subnets x 256 uids, {days} days): --jobs 1 {one:.2?}, --jobs 2 \
             {two:.2?}, speed-up {:.2}x",
            one.as_secs_f64() / two.as_secs_f64()
        );
    }
    if wanted("large") {
        let (scenario, days) = large("TAOSIM_LARGE_DAYS", 30);
        let (cpu, _) = usage();
        let t = end_to_end(&scenario, &out);
        let (cpu_after, peak_kb) = usage();
        let cpu = cpu_after - cpu;
        println!(
            "sim/large (64 subnets x 256 uids, {days} days, end to end): {:.2?} wall ({:.2?} per \
             day), {cpu:.1} CPU-s ({:.2} CPU-s per day), peak memory {} MB",
            t,
            t / days as u32,
            cpu / days as f64,
            peak_kb / 1024
        );
    }
    let _ = std::fs::remove_dir_all(&out);
}

/// `benches/large.yaml` for the days in environment variable `var` (default `days`).
fn large(var: &str, days: u64) -> (Scenario, u64) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/large.yaml");
    let mut scenario = scenario::load(&path).expect("benches/large.yaml is valid");
    let days: u64 = std::env::var(var)
        .ok()
        .and_then(|d| d.parse().ok())
        .unwrap_or(days);
    scenario.blocks = days * 7_200;
    (scenario, days)
}
