"""Sweeps on Ray: ``taosim.ray.sweep(scenario, shards=N)`` runs the N shards of a sweep as Ray
tasks — on this machine when no cluster address is given, on a cluster otherwise — then merges
them into one sweep directory whose tables are the very files ``taosim sweep`` writes for the
same scenario (same rows, same order, same bytes).

Each task runs ``taosim.sweep(..., shard=(K, N))`` into a temporary directory on its node and
returns the shard's files to the driver, which writes them under
``<out>/<scenario>/sweep/shard-K-of-N/`` and runs :func:`taosim.merge`: no shared filesystem is
needed. Every node needs taosim installed (the same version: a shard's manifest must match the
sweep's, which :func:`taosim.merge` checks); a scenario given as a file path must be readable
at that path on every node (else pass its YAML text or a dict).

Ray is optional: ``pip install "taosim[ray]"``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["sweep"]


def _run_shard(
    path: str | None, text: str | None, seed: int | None, k: int, n: int, jobs: int | None
) -> tuple[bytes, dict[str, bytes]]:
    """One shard on a worker: the sweep's manifest and the shard's files."""
    import taosim

    scenario: Any = Path(path) if path is not None else text
    with tempfile.TemporaryDirectory(prefix="taosim-ray-") as tmp:
        shard = taosim.sweep(
            scenario, seed=seed, out=tmp, jobs=jobs, shard=(k, n), report=False, progress=False
        )
        files = {
            p.relative_to(shard.dir).as_posix(): p.read_bytes()
            for p in sorted(shard.dir.rglob("*"))
            if p.is_file()
        }
        return (shard.dir.parent / "manifest.json").read_bytes(), files


def sweep(
    scenario: Any,
    *,
    shards: int,
    out: str | os.PathLike[str] = "reports",
    seed: int | None = None,
    address: str | None = None,
    jobs_per_shard: int | None = 1,
    report: bool = True,
    progress: bool = True,
):
    """Run the sweep of ``scenario`` as ``shards`` Ray tasks and merge them (see the module's
    doc). ``address`` is a Ray cluster's address (``"auto"``, ``"ray://host:10001"``); without
    one, a Ray already started in this process is used, else a local one is started.
    ``jobs_per_shard`` is each task's threads (one CPU is asked of Ray per thread).
    Returns the merged :class:`taosim.Sweep`."""
    import ray

    import taosim

    if not isinstance(shards, int) or isinstance(shards, bool) or shards < 1:
        raise taosim.InputError(f"shards: expected a whole number ≥ 1, got {shards!r}")
    path, text = taosim._scenario(scenario)
    if path is not None:
        path = os.path.abspath(path)
    name = _name(path, text, seed)
    if not ray.is_initialized():
        ray.init(address=address, include_dashboard=False, logging_level="ERROR")
    cpus = jobs_per_shard or 1
    task = ray.remote(num_cpus=cpus)(_run_shard)
    pending = [task.remote(path, text, seed, k, shards, jobs_per_shard) for k in range(1, shards + 1)]
    results = _gather(ray, pending, name, progress)
    root = Path(out) / name / "sweep"
    _write_shards(root, shards, results)
    return taosim.merge(root, report=report, progress=progress)


def _name(path: str | None, text: str | None, seed: int | None) -> str:
    """The scenario's name (it names the output directory), its sweep validated on the driver
    so that a bad scenario fails before any task starts."""
    from . import _native

    name, _runs = _native.plan(path, text, seed)
    return name


def _gather(ray: Any, pending: list[Any], name: str, progress: bool) -> dict[int, Any]:
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(pending), desc=f"{name} (Ray)", unit="shard")
    index = {ref: k for k, ref in enumerate(pending, start=1)}
    results: dict[int, Any] = {}
    try:
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            for ref in done:
                results[index[ref]] = ray.get(ref)
                if bar is not None:
                    bar.update(1)
    except BaseException:
        for ref in pending:
            ray.cancel(ref, force=True)
        raise
    finally:
        if bar is not None:
            bar.close()
    return results


def _write_shards(root: Path, n: int, results: dict[int, Any]) -> None:
    """The shards under ``root`` (replacing shards of an earlier split), with the sweep's
    manifest."""
    root.mkdir(parents=True, exist_ok=True)
    for old in root.glob("shard-*-of-*"):
        if old.is_dir():
            shutil.rmtree(old)
    manifest = results[1][0]
    (root / "manifest.json").write_bytes(manifest)
    for k, (_, files) in sorted(results.items()):
        shard = root / f"shard-{k}-of-{n}"
        for rel, data in files.items():
            target = shard / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
