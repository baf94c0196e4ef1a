//! Many runs in parallel: the runs of a sweep on a rayon pool, one World per run, results
//! handed on in run order.
//!
//! At most [`WINDOW_PER_THREAD`] × jobs runs are in flight or waiting to be handed on, so a
//! sweep's memory does not grow with its number of runs. A run that fails (an invalid sweep
//! point, a simulation error, a panic) becomes an error result and the sweep goes on. Results
//! depend only on (scenario, run), never on the thread that computed them or when it finished.
//!
//! May depend on: `sim`, `scenario`, `metrics`, `record`, rayon.

use crate::metrics::{self, Metric, Metrics, RunMetrics};
use crate::record::{Discard, RunRecord};
use crate::scenario::Scenario;
use crate::scenario::sweep::{RunSpec, SweepPlan};
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, mpsc};

/// Runs kept in flight per thread.
pub const WINDOW_PER_THREAD: usize = 16;

/// What one run gave.
#[derive(Clone, Debug)]
pub struct RunResult {
    /// Which run.
    pub spec: RunSpec,
    /// Its metrics, or why it failed.
    pub outcome: Result<RunMetrics, String>,
}

/// A run's metrics from its rows in memory: [`metrics::compute`] (for simulations) plus the
/// experiment's own outcomes, sorted by name.
pub fn run_metrics(scenario: &Scenario, record: &RunRecord) -> RunMetrics {
    let computed = (scenario.consensus.is_none()).then(|| metrics::compute(scenario, record));
    with_outcomes(computed.unwrap_or_default(), record)
}

/// A run's metrics from the [`Metrics`] sink it streamed into (`None` for an experiment,
/// which has no chain to measure), plus its outcomes, sorted by name.
pub fn streamed_metrics(metrics: Option<Metrics>, record: &RunRecord) -> RunMetrics {
    let computed = metrics.map(|m| m.finish(record));
    with_outcomes(computed.unwrap_or_default(), record)
}

fn with_outcomes(mut m: RunMetrics, record: &RunRecord) -> RunMetrics {
    m.metrics
        .extend(record.outcomes.iter().map(|(name, value)| Metric {
            name: name.clone(),
            value: *value,
        }));
    m.metrics.sort_by(|a, b| a.name.cmp(&b.name));
    m
}

/// Plays one run of `scenario`, streaming its rows into its metrics only.
pub fn measure(scenario: &Scenario, seed: u64) -> Result<RunMetrics, String> {
    let mut metrics = scenario.consensus.is_none().then(|| Metrics::new(scenario));
    let record = match metrics.as_mut() {
        Some(m) => crate::sim::run_into(scenario, seed, &mut |_| {}, m),
        None => crate::sim::run_into(scenario, seed, &mut |_| {}, &mut Discard),
    };
    let record = record.map_err(|e| e.to_string())?;
    Ok(streamed_metrics(metrics, &record))
}

/// One run of the plan; a panic becomes an error.
pub fn execute(plan: &SweepPlan, spec: RunSpec) -> Result<RunMetrics, String> {
    let attempt = catch_unwind(AssertUnwindSafe(|| {
        let scenario = plan.scenario(spec.subset).map_err(|e| e.to_string())?;
        measure(&scenario, spec.seed)
    }));
    attempt.unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        Err(format!("panicked: {message}"))
    })
}

/// Runs `runs` on `jobs` threads and hands each result to `sink` in the order of `runs`;
/// stops at the sink's first error.
pub fn run_all<E>(
    plan: Arc<SweepPlan>,
    runs: &[RunSpec],
    jobs: usize,
    sink: &mut dyn FnMut(RunResult) -> Result<(), E>,
) -> Result<(), E> {
    let jobs = jobs.max(1);
    let pool = match rayon::ThreadPoolBuilder::new().num_threads(jobs).build() {
        Ok(pool) => pool,
        // No threads available: run in this thread.
        Err(_) => {
            for &spec in runs {
                sink(RunResult {
                    spec,
                    outcome: execute(&plan, spec),
                })?;
            }
            return Ok(());
        }
    };
    let window = jobs * WINDOW_PER_THREAD;
    let (tx, rx) = mpsc::channel::<(usize, RunResult)>();
    let mut waiting = BTreeMap::new();
    let (mut launched, mut handed) = (0, 0);
    while handed < runs.len() {
        while launched < runs.len() && launched < handed + window {
            let (tx, plan, spec, i) = (tx.clone(), Arc::clone(&plan), runs[launched], launched);
            pool.spawn(move || {
                let outcome = execute(&plan, spec);
                let _ = tx.send((i, RunResult { spec, outcome }));
            });
            launched += 1;
        }
        let Ok((i, result)) = rx.recv() else {
            break;
        };
        waiting.insert(i, result);
        while let Some(result) = waiting.remove(&handed) {
            sink(result)?;
            handed += 1;
        }
    }
    Ok(())
}
