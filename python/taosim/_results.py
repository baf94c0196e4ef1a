"""What the calls return: a published directory and its files, read on first access (tables as
polars DataFrames, JSON files as dicts). The objects hold only the path, so they can be made
for any existing directory: ``taosim.Run("reports/default/seed-1")``."""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path
from typing import Any

import polars as pl

from . import _native


def _table_property(name: str, doc: str) -> cached_property:
    """A property reading the directory's table `name` on first access."""

    def read(self: "_Directory") -> pl.DataFrame:
        return self._table(name)

    read.__doc__ = doc
    return cached_property(read)


class _Directory:
    """A published output directory of one kind (its ``manifest.json``'s ``kind``)."""

    KIND = ""

    def __init__(self, dir: str | Path, *, check: bool = True) -> None:
        self.dir = Path(dir)
        if not check:
            return
        kind = _native.manifest_kind(str(self.dir))
        if kind != self.KIND:
            raise _native.InputError(
                f"{self.dir / 'manifest.json'}: a {kind or 'unknown'} directory, "
                f"not a {self.KIND} directory"
            )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.dir)!r})"

    def __fspath__(self) -> str:
        return str(self.dir)

    def _json(self, name: str) -> dict[str, Any]:
        with open(self.dir / name, encoding="utf-8") as f:
            return json.load(f)

    def _table(self, name: str) -> pl.DataFrame:
        path = self.dir / name
        if not path.is_file():
            raise FileNotFoundError(
                f"{path}: not written (see the scenario's `record:` section)"
            )
        return pl.read_parquet(path)

    @cached_property
    def manifest(self) -> dict[str, Any]:
        """``manifest.json``: what produced the directory."""
        return self._json("manifest.json")

    @property
    def report(self) -> Path:
        """The path of ``report.md`` (absent when run with ``report=False``)."""
        return self.dir / "report.md"


class Run(_Directory):
    """A run directory (``taosim run``): ``<out>/<scenario>/seed-<seed>/``."""

    KIND = "run"

    @cached_property
    def summary(self) -> dict[str, Any]:
        """``summary.json``: totals, metrics and the conservation check."""
        return self._json("summary.json")

    neurons = _table_property(
        "neurons.parquet", "``neurons.parquet``: one row per uid per recorded subnet epoch."
    )

    subnets = _table_property(
        "subnets.parquet", "``subnets.parquet``: one row per subnet epoch."
    )

    accounts = _table_property(
        "accounts.parquet", "``accounts.parquet``: every coldkey's holdings at each sample block."
    )

    ledger = _table_property(
        "ledger.parquet", "``ledger.parquet``: every asset's conservation buckets at each sample block (rao)."
    )

    series = _table_property(
        "series.parquet", "``series.parquet``: the metrics' per-epoch series (tidy: series, step, value)."
    )


class Sweep(_Directory):
    """A sweep directory (``taosim sweep``, ``taosim merge``): ``<out>/<scenario>/sweep/``
    (or one ``shard-K-of-N/``)."""

    KIND = "sweep"

    runs = _table_property(
        "runs.parquet", "``runs.parquet``: one row per run (its point, replicate, seed, swept values, status)."
    )

    metrics = _table_property(
        "metrics.parquet", "``metrics.parquet``: tidy, run x metric."
    )

    series = _table_property(
        "series.parquet", "``series.parquet``: tidy, run x series x step."
    )


class Compare(_Directory):
    """An A/B compare directory (``taosim run A --compare B``): ``<out>/<A>-vs-<B>/``."""

    KIND = "compare"

    @cached_property
    def table(self) -> pl.DataFrame:
        """``compare.json``'s rows: per metric, both means and the paired difference B - A."""
        return pl.DataFrame(self._json("compare.json")["metrics"])

    @property
    def a(self) -> Sweep:
        """Side A's replicates, as a sweep (its tables; the manifest is the compare's)."""
        return Sweep(self.dir / "a", check=False)

    @property
    def b(self) -> Sweep:
        """Side B's replicates, as a sweep (its tables; the manifest is the compare's)."""
        return Sweep(self.dir / "b", check=False)


class Replay(_Directory):
    """A replay directory (``taosim replay``): ``<out>/<series>/``."""

    KIND = "replay"

    @cached_property
    def summary(self) -> dict[str, Any]:
        """``summary.json``: per variant, totals (and the copier's G)."""
        return self._json("summary.json")

    table = _table_property(
        "replay.parquet", "``replay.parquet``: one row per variant x epoch x uid."
    )


class CheckResult:
    """The outcome of :func:`taosim.check`: truthy when it passed."""

    def __init__(self, passed: bool, text: str, scenarios: list[Any]) -> None:
        self.passed = passed
        #: What ``taosim check`` prints.
        self.text = text
        #: Per scenario: name, failed, the problem (no baseline…) and its compared metrics.
        self.scenarios = [
            {
                "name": name,
                "failed": failed,
                "problem": problem,
                "rows": [
                    {"metric": m, "baseline": b, "now": n, "status": s}
                    for (m, b, n, s) in rows
                ],
            }
            for (name, failed, problem, rows) in scenarios
        ]

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return f"CheckResult(passed={self.passed}, scenarios={len(self.scenarios)})"
