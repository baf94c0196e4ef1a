"""taosim from Python: the Bittensor economics simulator's library, in process.

Every function here is the command line's subcommand of the same name, run by the same library
code, writing the same published directory (byte for byte, for the same scenario and seed), and
returning an object that reads that directory's tables as polars DataFrames on first access:

    import taosim
    run = taosim.run()                       # the embedded default scenario
    run.summary["metrics"]                   # summary.json, as a dict
    run.neurons.filter(...)                  # neurons.parquet, as a polars DataFrame

    taosim.epoch({"weights": ..., "stake": ...})   # one Yuma epoch, dict in, dict out
    taosim.sweep("scenarios/kappa.yaml", jobs=2)   # every point x replicate
    taosim.ray.sweep("scenarios/kappa.yaml", shards=4)  # the same sweep as Ray tasks

Long calls release the GIL, show a progress bar (tqdm's, a widget in Jupyter; ``progress=False``
turns it off) and stop at Ctrl-C (``KeyboardInterrupt``; nothing is published). Bad input raises
:class:`InputError` whose message is the one line ``taosim`` prints (exit code 2); other failures
raise ``RuntimeError`` (exit code 1).

A ``scenario`` argument is a path (``str`` or ``os.PathLike``) to a YAML file, YAML text (a
``str`` with a line break), a ``dict`` (the scenario's YAML as data), or ``None`` for the
embedded default scenario. Relative paths inside YAML text or a dict (a genesis snapshot) are
taken from the current directory.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from . import _native
from ._native import DEFAULT_SCENARIO, InputError, __version__
from ._progress import callback as _callback
from ._results import CheckResult, Compare, Replay, Run, Sweep

__all__ = [
    "DEFAULT_SCENARIO",
    "CheckResult",
    "Compare",
    "InputError",
    "Replay",
    "Run",
    "Sweep",
    "__version__",
    "check",
    "epoch",
    "merge",
    "replay",
    "run",
    "sweep",
]

def _scenario(scenario: Any) -> tuple[str | None, str | None]:
    """(path, text) of a scenario argument."""
    if scenario is None:
        return None, None
    if isinstance(scenario, os.PathLike):
        return os.fspath(scenario), None
    if isinstance(scenario, Mapping):
        return None, json.dumps(scenario)
    if isinstance(scenario, str):
        return (None, scenario) if "\n" in scenario else (scenario, None)
    raise TypeError(
        "scenario: expected a path, YAML text, a dict or None, "
        f"got {type(scenario).__name__}"
    )


def _path(value: Any, name: str) -> str:
    if isinstance(value, (str, os.PathLike)):
        return os.fspath(value)
    raise TypeError(f"{name}: expected a path, got {type(value).__name__}")


def epoch(doc: Mapping[str, Any], *, trace: bool = False) -> dict[str, Any]:
    """One Yuma epoch of one subnet, the ``taosim epoch`` contract: the input document (a dict
    with ``weights``, ``stake`` and optionally ``bonds``, ``params``…, as in
    ``examples/epoch.json``) in, the output document (consensus, incentive, dividends, bonds…)
    out. ``trace=True`` adds every intermediate vector and matrix under ``"trace"``.

    Raises :class:`InputError` with the CLI's message for a bad document."""
    if not isinstance(doc, Mapping):
        raise TypeError(f"doc: expected a dict, got {type(doc).__name__}")
    return json.loads(_native.epoch(json.dumps(doc), trace))


def run(
    scenario: Any = None,
    *,
    seed: int | None = None,
    out: str | os.PathLike[str] = "reports",
    report: bool = True,
    progress: bool = True,
    compare: Any = None,
    replicates: int = 5,
    jobs: int | None = None,
) -> Run | Compare:
    """Simulate a scenario (``taosim run``) and return its :class:`Run`, whose directory is
    ``<out>/<scenario name>/seed-<seed>/``.

    The run uses ``jobs`` threads (default: all cores; its validators decide in parallel); the
    files do not depend on it. With ``compare=B`` (a second scenario), both run on the same
    ``replicates`` seeds in parallel on ``jobs`` threads, as ``taosim run A --compare B`` does,
    and a :class:`Compare` is returned (``<out>/<A>-vs-<B>/``).

    ``seed`` overrides the scenario's; ``report=False`` skips charts and ``report.md``."""
    bar = _callback(progress)
    if compare is not None:
        dir = _native.compare(
            _scenario(scenario), _scenario(compare), seed, _path(out, "out"),
            replicates, jobs, report, bar,
        )
        return Compare(Path(dir))
    path, text = _scenario(scenario)
    return Run(Path(_native.run(path, text, seed, _path(out, "out"), jobs, report, bar)))


def sweep(
    scenario: Any,
    *,
    seed: int | None = None,
    out: str | os.PathLike[str] = "reports",
    jobs: int | None = None,
    shard: tuple[int, int] | None = None,
    report: bool = True,
    progress: bool = True,
) -> Sweep:
    """Every point and replicate of the scenario's ``sweep`` section (``taosim sweep``), in
    parallel on ``jobs`` threads (default: all cores; the outputs do not depend on it), into
    ``<out>/<scenario name>/sweep/``. ``shard=(K, N)`` runs only every N-th run starting at the
    K-th (1-based) into ``shard-K-of-N/`` below it; :func:`merge` joins the shards."""
    path, text = _scenario(scenario)
    if isinstance(shard, list):
        shard = tuple(shard)
    dir = _native.sweep(path, text, seed, _path(out, "out"), jobs, shard, report, _callback(progress))
    return Sweep(Path(dir))


def merge(
    sweep_dir: str | os.PathLike[str], *, report: bool = True, progress: bool = True
) -> Sweep:
    """Merge the ``shard-K-of-N/`` directories under a sweep directory into its tables and
    report (``taosim merge``). Every planned run must be in exactly one shard, else a
    ``RuntimeError`` names the missing or doubled runs and nothing changes."""
    dir = _native.merge(_path(sweep_dir, "sweep_dir"), report, _callback(progress))
    return Sweep(Path(dir))


def replay(
    files: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    *,
    yuma: Sequence[str] = (),
    set: Mapping[str, Any] | Sequence[str] = (),
    repeat: int = 0,
    shift: Mapping[int, int] | Sequence[str] = (),
    copier: int | None = None,
    out: str | os.PathLike[str] = "reports",
    report: bool = True,
) -> Replay:
    """Replay metagraph snapshots through Yuma variants (``taosim replay``): a series file or
    snapshot files in block order. ``yuma`` lists variants (default ``yuma2``, ``yuma3``);
    ``set`` overrides parameters (``{"kappa": 0.6}`` or ``["kappa=0.6"]``); ``shift`` gives a
    validator uid the weights of K epochs earlier (``{uid: K}``); ``copier=K`` appends a weight
    copier with a lag of K epochs."""
    if isinstance(files, (str, os.PathLike)):
        files = [files]
    paths = [_path(f, "files") for f in files]
    dir = _native.replay(
        paths, [str(y) for y in yuma], _pairs(set), repeat, _pairs(shift),
        copier, _path(out, "out"), report, None,
    )
    return Replay(Path(dir))


def _pairs(m: Any) -> list[str]:
    """``KEY=VALUE`` arguments from a mapping or a list of such strings."""
    if isinstance(m, Mapping):
        return [f"{k}={v}" for k, v in m.items()]
    return [str(x) for x in m]


def check(
    suite: str | os.PathLike[str] = "scenarios/check",
    *,
    baselines: str | os.PathLike[str] = "baselines",
    bless: bool = False,
    jobs: int | None = None,
) -> CheckResult:
    """Run the regression suite and compare its metrics with the baselines (``taosim check``);
    ``bless=True`` rewrites them. The result is truthy when every metric is within tolerance;
    ``.text`` is what the CLI prints."""
    failed, text, scenarios = _native.check(
        _path(suite, "suite"), _path(baselines, "baselines"), bless, jobs
    )
    return CheckResult(passed=not failed, text=text, scenarios=scenarios)


from . import ray  # noqa: E402  (the Ray driver; Ray itself is imported only when used)
