//! A run's files written as the run goes: a [`RowSink`] that streams each table to Parquet in
//! bounded row groups ([`parquet::TableWriter`]) and gathers what `summary.json` needs
//! ([`SummaryRows`]), so writing a year-long run takes memory bounded by one row group per
//! table, plus what a Parquet footer needs: the writer keeps every written row group's
//! column-chunk and page metadata (about 1 KB a column chunk) until the footer is written.
//! Into a directory (the run's staging directory); publication is the caller's.
//!
//! May depend on: `parquet`, `summary`, `record`, `metrics` (its plain types).

use super::parquet::{self, Owner, TableWriter};
use super::summary::{SummaryRows, streamed_summary};
use super::{ReportError, Tables, write_json};
use crate::metrics::RunMetrics;
use crate::record::{AccountRow, LedgerRow, NeuronRow, RowSink, RunId, RunRecord, SubnetRow};
use std::path::{Path, PathBuf};

/// The Parquet tables of a run.
struct Streams {
    neurons: Option<TableWriter<NeuronRow>>,
    /// Neuron rows are written for epochs that are multiples of this.
    neurons_every: u64,
    subnets: TableWriter<SubnetRow>,
    accounts: Option<TableWriter<AccountRow>>,
    ledger: TableWriter<LedgerRow>,
}

/// The tables of one run directory, streamed.
pub struct RunWriter {
    dir: PathBuf,
    run: RunId,
    agents: Vec<String>,
    tables: Streams,
    summary: SummaryRows,
    /// The first write error; later rows are dropped and the run is asked to stop.
    error: Option<ReportError>,
}

impl RunWriter {
    /// Tables of run `run` in `dir` (`neurons.parquet` and `accounts.parquet` if `tables` says
    /// so; `subnets.parquet` and `ledger.parquet` always).
    pub fn new(dir: &Path, run: RunId, tables: Tables) -> Self {
        let at = |name: &str| dir.join(name);
        RunWriter {
            dir: dir.to_path_buf(),
            run,
            agents: Vec::new(),
            tables: Streams {
                neurons: (tables.neurons)
                    .then(|| TableWriter::new(at("neurons.parquet"), parquet::neurons)),
                neurons_every: tables.neurons_every_epochs.max(1),
                subnets: TableWriter::new(at("subnets.parquet"), parquet::subnets),
                accounts: (tables.accounts)
                    .then(|| TableWriter::new(at("accounts.parquet"), parquet::accounts)),
                ledger: TableWriter::new(at("ledger.parquet"), parquet::ledger),
            },
            summary: SummaryRows::default(),
            error: None,
        }
    }

    /// Closes the tables and writes `series.parquet`, `manifest.json` and `summary.json`
    /// (`record` gives the run's totals); the first write error, if any.
    pub fn finish(
        self,
        record: &RunRecord,
        metrics: &RunMetrics,
        manifest: &serde_json::Value,
    ) -> Result<(), ReportError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let owner = Owner {
            run: &self.run,
            agents: &self.agents,
        };
        let t = self.tables;
        if let Some(neurons) = t.neurons {
            neurons.finish(owner)?;
        }
        t.subnets.finish(owner)?;
        if let Some(accounts) = t.accounts {
            accounts.finish(owner)?;
        }
        t.ledger.finish(owner)?;
        parquet::write(
            &self.dir.join("series.parquet"),
            parquet::series(&self.run, &metrics.series),
        )?;
        write_json(&self.dir.join("manifest.json"), manifest)?;
        let summary = streamed_summary(record, &self.summary, metrics);
        write_json(&self.dir.join("summary.json"), &summary)
    }

    /// Runs `write` on the tables unless a write already failed; keeps its error.
    fn write(&mut self, write: impl FnOnce(&mut Streams, Owner<'_>) -> Result<(), ReportError>) {
        if self.error.is_some() {
            return;
        }
        let owner = Owner {
            run: &self.run,
            agents: &self.agents,
        };
        if let Err(e) = write(&mut self.tables, owner) {
            self.error = Some(e);
        }
    }
}

impl RowSink for RunWriter {
    fn begin(&mut self, agents: &[String]) {
        self.agents = agents.to_vec();
    }

    fn epoch(&mut self, subnet: Option<&SubnetRow>, neurons: &[NeuronRow]) {
        self.summary.neurons(neurons);
        if let Some(s) = subnet {
            self.summary.subnet(s);
        }
        let sampled =
            (neurons.first()).is_some_and(|r| r.epoch.is_multiple_of(self.tables.neurons_every));
        self.write(|w, owner| {
            if let Some(t) = w.neurons.as_mut().filter(|_| sampled) {
                t.push(owner, neurons)?;
            }
            w.subnets
                .push(owner, subnet.map_or(&[], std::slice::from_ref))
        });
    }

    fn accounts(&mut self, rows: &[AccountRow]) {
        self.summary.accounts(rows);
        self.write(|w, owner| match w.accounts.as_mut() {
            Some(t) => t.push(owner, rows),
            None => Ok(()),
        });
    }

    fn ledger(&mut self, rows: &[LedgerRow]) {
        self.write(|w, owner| w.ledger.push(owner, rows));
    }

    fn stopped(&self) -> bool {
        self.error.is_some()
    }
}
