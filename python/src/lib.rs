//! `taosim._native`: the library's operations ([`taosim::api`]) for Python. Each call parses
//! its arguments, releases the GIL while the operation runs, reports progress to an optional
//! Python callable and stops at Ctrl-C (checked at every progress step). Bad input raises
//! `taosim.InputError` with the CLI's one-line message, an interruption `KeyboardInterrupt`,
//! anything else `RuntimeError`. The Python layer (`python/taosim/`) wraps these in the public
//! API with its result objects and progress bars.
//!
//! May depend on: taosim (`api`, `cli::epoch_document`, `echo`), pyo3, serde_json.

use pyo3::create_exception;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use std::path::PathBuf;
use taosim::api::{self, Error, Progress, Unit};
use taosim::echo::one_line;

create_exception!(
    _native,
    InputError,
    PyValueError,
    "Bad input: the message is the one line `taosim` prints (exit code 2)."
);

/// Progress sent to a Python callable as `(event, ...)`: `("start", label, total, unit)`,
/// `("set", done)`, `("finish",)`, `("note", line)`; Ctrl-C checked at every step.
struct PyProgress {
    callback: Option<Py<PyAny>>,
    interrupt: Option<PyErr>,
}

impl PyProgress {
    fn new(callback: Option<Py<PyAny>>) -> PyProgress {
        PyProgress {
            callback,
            interrupt: None,
        }
    }

    /// Checks for Ctrl-C, then hands the event to the callback (`call`), if any.
    fn send(&mut self, call: impl FnOnce(Python<'_>, &Py<PyAny>) -> PyResult<Py<PyAny>>) {
        Python::attach(|py| {
            if let Err(e) = py.check_signals() {
                self.interrupt.get_or_insert(e);
            }
            if let Some(cb) = &self.callback
                && let Err(e) = call(py, cb)
            {
                // A failing callback stops the operation like Ctrl-C, with its error.
                self.interrupt.get_or_insert(e);
            }
        });
    }
}

impl Progress for PyProgress {
    fn start(&mut self, label: &str, total: u64, unit: Unit) {
        let unit = match unit {
            Unit::Blocks => "blocks",
            Unit::Runs => "runs",
        };
        self.send(|py, cb| cb.call1(py, ("start", label, total, unit)));
    }

    fn set(&mut self, done: u64) {
        self.send(|py, cb| cb.call1(py, ("set", done)));
    }

    fn finish(&mut self) {
        self.send(|py, cb| cb.call1(py, ("finish",)));
    }

    fn note(&mut self, line: &str) {
        self.send(|py, cb| cb.call1(py, ("note", line)));
    }

    fn cancelled(&mut self) -> bool {
        self.interrupt.is_some()
    }
}

/// Runs `operation` without the GIL, then turns its error into the Python exception.
fn detached<T: Send>(
    py: Python<'_>,
    callback: Option<Py<PyAny>>,
    operation: impl FnOnce(&mut PyProgress) -> Result<T, Error> + Send,
) -> PyResult<T> {
    let (result, interrupt) = py.detach(move || {
        let mut progress = PyProgress::new(callback);
        let result = operation(&mut progress);
        (result, progress.interrupt)
    });
    match (result, interrupt) {
        (Ok(value), _) => Ok(value),
        (Err(Error::Cancelled), Some(e)) => Err(e),
        (Err(e), _) => Err(to_py(e)),
    }
}

fn to_py(e: Error) -> PyErr {
    match e {
        Error::Input(message) => InputError::new_err(one_line(&message)),
        Error::Cancelled => pyo3::exceptions::PyKeyboardInterrupt::new_err("interrupted"),
        Error::Other(e) => PyRuntimeError::new_err(one_line(&format!("{e:#}"))),
    }
}

/// The scenario of a call: a file, YAML text, or (neither) the embedded default.
fn scenario(
    path: Option<PathBuf>,
    text: Option<&str>,
    seed: Option<u64>,
) -> Result<(taosim::scenario::Scenario, String), Error> {
    match (path, text) {
        (Some(p), _) => Ok((api::run::load(Some(&p), seed)?, p.display().to_string())),
        (None, Some(t)) => Ok((
            api::run::parse(t, "scenario text", seed)?,
            "scenario text".into(),
        )),
        (None, None) => Ok((api::run::load(None, seed)?, "default scenario".into())),
    }
}

fn jobs(jobs: Option<usize>) -> PyResult<Option<usize>> {
    jobs.map(|j| api::check_jobs(j).map_err(|e| InputError::new_err(format!("jobs: {e}"))))
        .transpose()
}

/// `taosim epoch`: epoch JSON text in, output JSON text out.
#[pyfunction]
#[pyo3(signature = (text, trace=false))]
fn epoch(py: Python<'_>, text: String, trace: bool) -> PyResult<String> {
    detached(py, None, move |_| taosim::cli::epoch_document(&text, trace))
}

/// One run; returns its directory.
#[pyfunction]
#[pyo3(signature = (path, text, seed, out, jobs, report, progress))]
#[allow(clippy::too_many_arguments)]
fn run(
    py: Python<'_>,
    path: Option<PathBuf>,
    text: Option<String>,
    seed: Option<u64>,
    out: PathBuf,
    jobs: Option<usize>,
    report: bool,
    progress: Option<Py<PyAny>>,
) -> PyResult<PathBuf> {
    let jobs = self::jobs(jobs)?.unwrap_or_else(api::default_jobs);
    detached(py, progress, move |p| {
        let (s, _) = scenario(path, text.as_deref(), seed)?;
        api::run::run(&s, &out, report, jobs, p)
    })
}

/// A sweep (or one shard of it); returns its directory.
#[pyfunction]
#[pyo3(signature = (path, text, seed, out, jobs, shard, report, progress))]
#[allow(clippy::too_many_arguments)]
fn sweep(
    py: Python<'_>,
    path: Option<PathBuf>,
    text: Option<String>,
    seed: Option<u64>,
    out: PathBuf,
    jobs: Option<usize>,
    shard: Option<(u32, u32)>,
    report: bool,
    progress: Option<Py<PyAny>>,
) -> PyResult<PathBuf> {
    let jobs = self::jobs(jobs)?;
    if let Some(shard) = shard {
        api::sweep::check_shard(shard).map_err(to_py)?;
    }
    detached(py, progress, move |p| {
        let (s, origin) = scenario(path, text.as_deref(), seed)?;
        let options = api::sweep::SweepOptions {
            jobs,
            shard,
            report,
        };
        api::sweep::sweep(s, &origin, &out, options, p)
    })
}

/// An A/B compare of two scenario files on the same seeds; returns its directory.
#[pyfunction]
#[pyo3(signature = (a, b, seed, out, replicates, jobs, report, progress))]
#[allow(clippy::too_many_arguments)]
fn compare(
    py: Python<'_>,
    a: (Option<PathBuf>, Option<String>),
    b: (Option<PathBuf>, Option<String>),
    seed: Option<u64>,
    out: PathBuf,
    replicates: u32,
    jobs: Option<usize>,
    report: bool,
    progress: Option<Py<PyAny>>,
) -> PyResult<PathBuf> {
    let jobs = self::jobs(jobs)?;
    if replicates == 0 {
        return Err(InputError::new_err("replicates: must be at least 1"));
    }
    detached(py, progress, move |p| {
        let side = |(path, text): (Option<PathBuf>, Option<String>)| {
            let (scenario, origin) = scenario(path, text.as_deref(), seed)?;
            Ok::<_, Error>(api::sweep::Side { scenario, origin })
        };
        let options = api::sweep::SweepOptions {
            jobs,
            shard: None,
            report,
        };
        api::sweep::compare(side(a)?, side(b)?, &out, replicates, options, p)
    })
}

/// `taosim merge`; returns the sweep directory.
#[pyfunction]
#[pyo3(signature = (dir, report, progress))]
fn merge(
    py: Python<'_>,
    dir: PathBuf,
    report: bool,
    progress: Option<Py<PyAny>>,
) -> PyResult<PathBuf> {
    detached(py, progress, move |p| api::merge(&dir, report, p))
}

/// `taosim replay`; returns its directory.
#[pyfunction]
#[pyo3(signature = (files, yuma, set, repeat, shift, copier, out, report, progress))]
#[allow(clippy::too_many_arguments)]
fn replay(
    py: Python<'_>,
    files: Vec<PathBuf>,
    yuma: Vec<String>,
    set: Vec<String>,
    repeat: usize,
    shift: Vec<String>,
    copier: Option<usize>,
    out: PathBuf,
    report: bool,
    progress: Option<Py<PyAny>>,
) -> PyResult<PathBuf> {
    if files.is_empty() {
        return Err(InputError::new_err(
            "files: at least one series or snapshot file",
        ));
    }
    let args = api::replay::ReplayArgs {
        files,
        yuma,
        set,
        repeat,
        shift,
        copier,
        out,
        report,
    };
    detached(py, progress, move |p| api::replay::replay(&args, p))
}

/// A compared metric: `(metric, baseline, now, status)`.
type CheckRow = (String, Option<f64>, Option<f64>, String);
/// A scenario of the suite: `(name, failed, problem, rows)`.
type Checked = (String, bool, Option<String>, Vec<CheckRow>);

/// `taosim check`: `(failed, text, scenarios)`.

#[pyfunction]
#[pyo3(signature = (suite, baselines, bless, jobs))]
fn check(
    py: Python<'_>,
    suite: PathBuf,
    baselines: PathBuf,
    bless: bool,
    jobs: Option<usize>,
) -> PyResult<(bool, String, Vec<Checked>)> {
    let jobs = self::jobs(jobs)?;
    detached(py, None, move |_| {
        let outcome = api::check::run_suite(&suite, &baselines, bless, jobs, &|_| {})?;
        let text = api::check::render(&outcome, bless);
        let failed = !bless && outcome.iter().any(api::check::Checked::failed);
        let scenarios = outcome.iter().map(checked).collect();
        Ok((failed, text, scenarios))
    })
}

fn checked(c: &api::check::Checked) -> Checked {
    let rows = c
        .rows
        .iter()
        .map(|r| {
            (
                r.metric.clone(),
                r.baseline,
                r.now,
                r.status.label().to_string(),
            )
        })
        .collect();
    (c.name.clone(), c.failed(), c.problem.clone(), rows)
}

/// A sweep's plan, validated: `(scenario name, planned runs)`.
#[pyfunction]
#[pyo3(signature = (path, text, seed))]
fn plan(path: Option<PathBuf>, text: Option<String>, seed: Option<u64>) -> PyResult<(String, u64)> {
    let (s, origin) = scenario(path, text.as_deref(), seed).map_err(to_py)?;
    let plan = taosim::scenario::sweep::SweepPlan::new(s, &origin)
        .map_err(|e| InputError::new_err(one_line(&e.to_string())))?;
    Ok((
        plan.base.name.clone(),
        plan.points() * u64::from(plan.replicates),
    ))
}

/// The `kind` in `path/manifest.json` (an unreadable manifest is an `InputError`).
#[pyfunction]
fn manifest_kind(path: PathBuf) -> PyResult<String> {
    let file = path.join("manifest.json");
    let value = taosim::report::read_json(&file)
        .map_err(|e| InputError::new_err(one_line(&e.to_string())))?;
    let kind = value
        .get("kind")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("");
    Ok(kind.to_string())
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("InputError", m.py().get_type::<InputError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("DEFAULT_SCENARIO", taosim::scenario::DEFAULT_SCENARIO)?;
    for f in [
        wrap_pyfunction!(epoch, m)?,
        wrap_pyfunction!(run, m)?,
        wrap_pyfunction!(sweep, m)?,
        wrap_pyfunction!(compare, m)?,
        wrap_pyfunction!(merge, m)?,
        wrap_pyfunction!(replay, m)?,
        wrap_pyfunction!(check, m)?,
        wrap_pyfunction!(manifest_kind, m)?,
        wrap_pyfunction!(plan, m)?,
    ] {
        m.add_function(f)?;
    }
    Ok(())
}
