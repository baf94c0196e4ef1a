"""The Python API against the command line: the same published files for the same scenario and
seed, the same one-line errors, Ctrl-C and a failing progress callback stopping a run with
nothing published, merge naming a missing shard, and the Ray sweep equal to the CLI sweep.

TAOSIM names the CLI binary to compare with (default target/release/taosim, else
target/debug/taosim, relative to the repository root)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import polars as pl
import pytest

import taosim

ROOT = Path(__file__).resolve().parents[2]

CONSENSUS = """name: cg
seed: 1
consensus: {neurons: 96, validators: 12, honest_stake: 0.75, honest_weight: 0.9, cabal_weight: 0.5, weight_sd: 0.2}
record: {neurons: false}
sweep:
  replicates: 2
  grid:
    consensus.honest_stake: [0.55, 0.75]
    consensus.honest_weight: {from: 0, to: 1, step: 0.25}
"""

SMALL = """name: small
seed: 3
duration: {epochs: 4}
subnets:
  - name: a
    tempo: 30
    pool: {tao: 1000, alpha: 10000}
    max_allowed_uids: 16
    agents:
      - {name: val, role: validator, count: 3, stake: {uniform: {low: 1000, high: 5000}}, strategy: {honest: {noise: 0.1}}}
      - {name: miner, role: miner, count: 6, strategy: {serve: {quality: {uniform: {low: 0.1, high: 1.0}}, noise: 0.05}}}
"""


def binary() -> str:
    given = os.environ.get("TAOSIM")
    if given:
        return str((ROOT / given).resolve()) if not os.path.isabs(given) else given
    for profile in ("release", "debug"):
        path = ROOT / "target" / profile / "taosim"
        if path.is_file():
            return str(path)
    pytest.skip("no taosim binary (set TAOSIM)")


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([binary(), *args], capture_output=True, text=True, cwd=ROOT)


def files(dir: Path) -> dict[str, bytes]:
    return {
        p.relative_to(dir).as_posix(): p.read_bytes()
        for p in sorted(dir.rglob("*"))
        if p.is_file()
    }


def assert_same_tree(a: Path, b: Path) -> None:
    fa, fb = files(a), files(b)
    assert sorted(fa) == sorted(fb)
    different = [name for name in fa if fa[name] != fb[name]]
    assert not different, f"files differ between {a} and {b}: {different}"


def test_epoch_equals_the_cli():
    doc = json.loads((ROOT / "examples/epoch.json").read_text())
    out = cli("epoch", "examples/epoch.json")
    assert out.returncode == 0, out.stderr
    assert taosim.epoch(doc) == json.loads(out.stdout)
    traced = taosim.epoch(doc, trace=True)
    assert "trace" in traced and traced["neurons"] == json.loads(out.stdout)["neurons"]


def test_epoch_errors_are_the_clis_line(tmp_path):
    bad = json.loads((ROOT / "examples/epoch.json").read_text())
    bad["tempo"] = "soon"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    out = cli("epoch", str(path))
    assert out.returncode == 2
    with pytest.raises(taosim.InputError) as e:
        taosim.epoch(bad)
    assert out.stderr.strip() == f"error: {e.value}"
    assert "tempo" in str(e.value)
    with pytest.raises(TypeError):
        taosim.epoch("not a dict")


def test_the_default_run_equals_the_cli(tmp_path):
    run = taosim.run(out=tmp_path / "py", progress=False)
    out = cli("run", "--out", str(tmp_path / "cli"), "--quiet")
    assert out.returncode == 0, out.stderr
    assert Path(out.stdout.strip()) == tmp_path / "cli" / run.dir.relative_to(tmp_path / "py")
    assert_same_tree(run.dir, Path(out.stdout.strip()))
    assert isinstance(run.neurons, pl.DataFrame) and run.neurons.height > 0
    assert run.subnets.height > 0 and run.ledger.height > 0 and run.series.height > 0
    assert run.summary["seed"] == run.manifest["seed"]
    assert taosim.Run(run.dir).dir == run.dir


def test_yaml_text_a_dict_a_seed_and_threads(tmp_path):
    from_text = taosim.run(
        SMALL, seed=9, out=tmp_path / "text", report=False, progress=False, jobs=1)
    assert from_text.dir.name == "seed-9"
    as_dict = {"name": "small", "seed": 9, "duration": {"epochs": 4}, "subnets": [
        {"name": "a", "tempo": 30, "pool": {"tao": 1000, "alpha": 10000}, "max_allowed_uids": 16,
         "agents": [
             {"name": "val", "role": "validator", "count": 3,
              "stake": {"uniform": {"low": 1000, "high": 5000}}, "strategy": {"honest": {"noise": 0.1}}},
             {"name": "miner", "role": "miner", "count": 6,
              "strategy": {"serve": {"quality": {"uniform": {"low": 0.1, "high": 1.0}}, "noise": 0.05}}},
         ]}]}
    from_dict = taosim.run(as_dict, out=tmp_path / "dict", report=False, progress=False, jobs=2)
    text_files, dict_files = files(from_text.dir), files(from_dict.dir)
    for name in ("neurons.parquet", "accounts.parquet", "series.parquet", "summary.json"):
        assert text_files[name] == dict_files[name], name


def test_a_sweep_equals_the_cli(tmp_path):
    file = tmp_path / "cg.yaml"
    file.write_text(CONSENSUS)
    sweep = taosim.sweep(file, out=tmp_path / "py", jobs=2, progress=False)
    out = cli("sweep", str(file), "--out", str(tmp_path / "cli"), "--quiet")
    assert out.returncode == 0, out.stderr
    assert_same_tree(sweep.dir, Path(out.stdout.strip()))
    assert sweep.runs.height == 20 and set(sweep.runs["status"]) == {"ok"}
    assert sweep.metrics.height > 0


def test_scenario_errors_are_the_clis_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(SMALL.replace("tempo: 30", "tempo: -3"))
    out = cli("run", str(bad), "--out", str(tmp_path / "o"))
    assert out.returncode == 2
    with pytest.raises(taosim.InputError) as e:
        taosim.run(bad, out=tmp_path / "o", progress=False)
    assert out.stderr.strip() == f"error: {e.value}"
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").rglob("*.parquet"))
    with pytest.raises(taosim.InputError, match="jobs: must be at least 1"):
        taosim.sweep(bad, jobs=0, progress=False)
    with pytest.raises(taosim.InputError, match="jobs: must be at least 1"):
        taosim.run(SMALL, jobs=0, progress=False)
    with pytest.raises(taosim.InputError, match="shard"):
        taosim.sweep(bad, shard=(3, 2), progress=False)
    with pytest.raises(TypeError):
        taosim.run(SMALL, sede=3)  # an unknown keyword
    with pytest.raises(TypeError):
        taosim.run(SMALL, seed="three", progress=False)
    with pytest.raises(taosim.InputError, match="manifest.json"):
        taosim.Run(tmp_path / "missing")


def test_an_interruption_publishes_nothing(tmp_path):
    calls = []

    def interrupt(event, *args):
        calls.append(event)
        if event == "set":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        taosim._native.run(None, SMALL.replace("epochs: 4", "epochs: 400"), None,
                           str(tmp_path), None, False, interrupt)
    assert calls[0] == "start" and "set" in calls
    assert not (tmp_path / "small").exists() or not any((tmp_path / "small").iterdir())

    def broken(event, *args):
        if event == "set":
            raise ValueError("callback broke")

    with pytest.raises(ValueError, match="callback broke"):
        taosim._native.run(None, SMALL, None, str(tmp_path), None, False, broken)


def test_merge_names_a_missing_shard(tmp_path):
    file = tmp_path / "cg.yaml"
    file.write_text(CONSENSUS)
    for k in (1, 3):
        taosim.sweep(file, out=tmp_path, shard=(k, 3), report=False, progress=False)
    with pytest.raises(RuntimeError, match="shard-2-of-3"):
        taosim.merge(tmp_path / "cg" / "sweep", progress=False)
    taosim.sweep(file, out=tmp_path, shard=(2, 3), report=False, progress=False)
    merged = taosim.merge(tmp_path / "cg" / "sweep", report=False, progress=False)
    whole = taosim.sweep(file, out=tmp_path / "whole", report=False, progress=False)
    for table in ("runs.parquet", "metrics.parquet", "series.parquet", "manifest.json"):
        assert (merged.dir / table).read_bytes() == (whole.dir / table).read_bytes(), table


def test_the_ray_sweep_equals_the_cli_sweep(tmp_path):
    ray = pytest.importorskip("ray")
    import taosim.ray as taosim_ray

    file = tmp_path / "cg.yaml"
    file.write_text(CONSENSUS)
    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR")
    try:
        merged = taosim_ray.sweep(file, shards=3, out=tmp_path / "ray", progress=False)
    finally:
        ray.shutdown()
    out = cli("sweep", str(file), "--out", str(tmp_path / "cli"), "--quiet")
    assert out.returncode == 0, out.stderr
    whole = Path(out.stdout.strip())
    for name in ("runs.parquet", "metrics.parquet", "series.parquet", "manifest.json"):
        assert (merged.dir / name).read_bytes() == (whole / name).read_bytes(), name
    assert merged.runs.height == 20


def test_the_readme_python_example_runs(monkeypatch, capsys):
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## From Python"):]
    start = section.index("```python\n") + len("```python\n")
    code = section[start:section.index("```", start)]
    assert "taosim.run()" in code and "taosim.replay(" in code
    monkeypatch.chdir(ROOT)
    exec(compile(code, "README.md (From Python)", "exec"), {})
    printed = capsys.readouterr().out
    assert "reports/default/seed-42" in printed and "True" in printed
