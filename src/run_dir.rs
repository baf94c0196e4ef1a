//! One run into a run directory: the simulation's rows streamed, block by block, into the
//! Parquet writer, the metrics and the summary at once ([`write_run`]), so a year-long run
//! holds no rows beyond one row group per table; what grows with the duration is only the
//! series points (16 bytes each) and the Parquet footers' metadata. Used by `taosim run` and the benchmarks; the
//! caller stages and publishes the directory (`report::publish`).
//!
//! May depend on: `sim`, `scenario`, `metrics`, `record`, `report`, `runner`, rayon (the run's
//! pool) and std threads (the table writer of a run on several threads).

use crate::metrics::{Metrics, RunMetrics};
use crate::record::{
    AccountRow, Discard, LedgerRow, NeuronRow, RowSink, RunId, RunRecord, SubnetRow, Tee,
};
use crate::report::{ReportError, RunWriter, Tables};
use crate::runner::streamed_metrics;
use crate::scenario::Scenario;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

/// Why a run into a directory failed.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The simulation could not start.
    #[error(transparent)]
    Sim(#[from] crate::sim::SimError),
    /// A file could not be written.
    #[error(transparent)]
    Write(#[from] ReportError),
    /// A thread could not be started, or failed.
    #[error("{0}")]
    Thread(String),
}

/// Plays `scenario` with `seed` and writes its run directory's files (tables, `series.parquet`,
/// `manifest.json`, `summary.json`; no charts) into `dir` as it goes, calling
/// `progress(block)` every 1 000 blocks. Returns the run's totals and metrics.
pub fn write_run(
    scenario: &Scenario,
    seed: u64,
    dir: &Path,
    manifest: &serde_json::Value,
    progress: &mut dyn FnMut(u64),
) -> Result<(RunRecord, RunMetrics), RunError> {
    write_run_stopping(scenario, seed, dir, manifest, progress, &mut Discard)
}

/// [`write_run`], with `stop` fed the rows too: the run ends early once it says
/// [`RowSink::stopped`] (an interruption; the files are then incomplete).
fn write_run_stopping(
    scenario: &Scenario,
    seed: u64,
    dir: &Path,
    manifest: &serde_json::Value,
    progress: &mut dyn FnMut(u64),
    stop: &mut dyn RowSink,
) -> Result<(RunRecord, RunMetrics), RunError> {
    let mut files = RunFiles::new(scenario, seed, dir);
    let record = crate::sim::run_into(scenario, seed, progress, &mut Tee(vec![&mut files, stop]))?;
    let metrics = files.finish(&record, manifest)?;
    Ok((record, metrics))
}

/// A run directory's tables and metrics, fed the rows as they come.
struct RunFiles {
    writer: RunWriter,
    metrics: Option<Metrics>,
}

impl RunFiles {
    fn new(scenario: &Scenario, seed: u64, dir: &Path) -> Self {
        RunFiles {
            writer: RunWriter::new(dir, run_id(scenario, seed), tables(scenario)),
            metrics: scenario.consensus.is_none().then(|| Metrics::new(scenario)),
        }
    }

    /// Closes the tables and writes `series.parquet`, `summary.json` and `manifest.json`.
    fn finish(
        self,
        record: &RunRecord,
        manifest: &serde_json::Value,
    ) -> Result<RunMetrics, RunError> {
        let metrics = streamed_metrics(self.metrics, record);
        self.writer.finish(record, &metrics, manifest)?;
        Ok(metrics)
    }
}

impl RowSink for RunFiles {
    fn begin(&mut self, agents: &[String]) {
        self.writer.begin(agents);
        if let Some(m) = self.metrics.as_mut() {
            m.begin(agents);
        }
    }
    fn epoch(&mut self, subnet: Option<&SubnetRow>, neurons: &[NeuronRow]) {
        self.writer.epoch(subnet, neurons);
        if let Some(m) = self.metrics.as_mut() {
            m.epoch(subnet, neurons);
        }
    }
    fn accounts(&mut self, rows: &[AccountRow]) {
        self.writer.accounts(rows);
        if let Some(m) = self.metrics.as_mut() {
            m.accounts(rows);
        }
    }
    fn ledger(&mut self, rows: &[LedgerRow]) {
        self.writer.ledger(rows);
        if let Some(m) = self.metrics.as_mut() {
            m.ledger(rows);
        }
    }
    fn stopped(&self) -> bool {
        self.writer.stopped()
    }
}

/// [`write_run`] on `jobs` threads, ending early once `stop` is set (an interruption).
///
/// The simulation runs on a rayon pool of `jobs` threads (its parallel steps commit in a fixed
/// order). With 2 or more, the tables and metrics are written by a thread of their own as the
/// rows arrive, in the order the simulation hands them over: the files are byte-identical for
/// every `jobs`. `progress(block)` is called from the simulation's thread.
pub fn write_run_on(
    scenario: &Scenario,
    seed: u64,
    dir: &Path,
    manifest: &serde_json::Value,
    jobs: usize,
    progress: &mut (dyn FnMut(u64) + Send),
    stop: &AtomicBool,
) -> Result<(RunRecord, RunMetrics), RunError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| RunError::Thread(e.to_string()))?;
    if jobs <= 1 {
        return pool.install(|| {
            write_run_stopping(scenario, seed, dir, manifest, progress, &mut Flag(stop))
        });
    }
    let (rows, arriving) = mpsc::sync_channel::<Rows>(ROWS_IN_FLIGHT);
    let failed = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let writing =
            scope.spawn(|| write_arriving(scenario, seed, dir, manifest, arriving, &failed));
        let played = pool.install(|| {
            let mut pipe = Pipe {
                rows,
                failed: &failed,
            };
            let mut flag = Flag(stop);
            let mut sinks = Tee(vec![&mut flag, &mut pipe]);
            let record = crate::sim::run_into(scenario, seed, progress, &mut sinks)?;
            drop(sinks);
            pipe.send(Rows::End(Box::new(record)));
            Ok::<(), RunError>(())
        });
        let written = writing.join();
        played?;
        written.map_err(|_| RunError::Thread("the table writer panicked".into()))?
    })
}

/// Messages from the simulation to the table writer at most in flight (a bound on the rows
/// held when writing falls behind).
const ROWS_IN_FLIGHT: usize = 256;

/// The rows of [`RowSink`]'s calls, owned, and the run's totals at the end.
enum Rows {
    Begin(Vec<String>),
    Epoch(Option<SubnetRow>, Vec<NeuronRow>),
    Accounts(Vec<AccountRow>),
    Ledger(Vec<LedgerRow>),
    End(Box<RunRecord>),
}

/// A sink that sends its rows to the table writer's thread; stopped once the writer failed.
struct Pipe<'a> {
    rows: mpsc::SyncSender<Rows>,
    failed: &'a AtomicBool,
}

impl Pipe<'_> {
    fn send(&mut self, rows: Rows) {
        if self.rows.send(rows).is_err() {
            self.failed.store(true, Ordering::Relaxed);
        }
    }
}

impl RowSink for Pipe<'_> {
    fn begin(&mut self, agents: &[String]) {
        self.send(Rows::Begin(agents.to_vec()));
    }
    fn epoch(&mut self, subnet: Option<&SubnetRow>, neurons: &[NeuronRow]) {
        self.send(Rows::Epoch(subnet.cloned(), neurons.to_vec()));
    }
    fn accounts(&mut self, rows: &[AccountRow]) {
        self.send(Rows::Accounts(rows.to_vec()));
    }
    fn ledger(&mut self, rows: &[LedgerRow]) {
        self.send(Rows::Ledger(rows.to_vec()));
    }
    fn stopped(&self) -> bool {
        self.failed.load(Ordering::Relaxed)
    }
}

/// The table writer's thread: the rows as they arrive into the tables and metrics, then (once
/// the run's totals arrive) the summary and manifest. The channel closes without the totals
/// only when the simulation failed, whose error the caller reports instead.
fn write_arriving(
    scenario: &Scenario,
    seed: u64,
    dir: &Path,
    manifest: &serde_json::Value,
    arriving: mpsc::Receiver<Rows>,
    failed: &AtomicBool,
) -> Result<(RunRecord, RunMetrics), RunError> {
    let mut files = RunFiles::new(scenario, seed, dir);
    for rows in arriving {
        match rows {
            Rows::Begin(agents) => files.begin(&agents),
            Rows::Epoch(subnet, neurons) => files.epoch(subnet.as_ref(), &neurons),
            Rows::Accounts(rows) => files.accounts(&rows),
            Rows::Ledger(rows) => files.ledger(&rows),
            Rows::End(record) => {
                let metrics = files.finish(&record, manifest)?;
                return Ok((*record, metrics));
            }
        }
        if files.stopped() {
            failed.store(true, Ordering::Relaxed);
        }
    }
    Err(RunError::Thread("the run ended without its totals".into()))
}

/// A sink that takes no rows and stops the run once its flag is set.
struct Flag<'a>(&'a AtomicBool);

impl RowSink for Flag<'_> {
    fn epoch(&mut self, _: Option<&SubnetRow>, _: &[NeuronRow]) {}
    fn accounts(&mut self, _: &[AccountRow]) {}
    fn ledger(&mut self, _: &[LedgerRow]) {}
    fn stopped(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// The run's bookkeeping columns.
fn run_id(scenario: &Scenario, seed: u64) -> RunId {
    RunId {
        scenario: scenario.name.clone(),
        seed,
        ..RunId::default()
    }
}

/// The tables `record:` asks for.
fn tables(scenario: &Scenario) -> Tables {
    Tables {
        neurons: scenario.record_neurons,
        neurons_every_epochs: scenario.record_neurons_every,
        accounts: scenario.record_accounts,
    }
}
