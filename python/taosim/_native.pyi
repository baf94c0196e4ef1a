"""Type stubs of the native module (the Rust library through PyO3). Use the wrappers in
``taosim`` rather than these."""

from os import PathLike
from typing import Any, Callable

__version__: str
DEFAULT_SCENARIO: str

class InputError(ValueError):
    """Bad input: the message is the one line ``taosim`` prints (exit code 2)."""

_Progress = Callable[..., None] | None
_Path = str | PathLike[str]

def epoch(text: str, trace: bool = False) -> str: ...
def run(
    path: _Path | None, text: str | None, seed: int | None, out: _Path, jobs: int | None,
    report: bool, progress: _Progress,
) -> str: ...
def sweep(
    path: _Path | None, text: str | None, seed: int | None, out: _Path, jobs: int | None,
    shard: tuple[int, int] | None, report: bool, progress: _Progress,
) -> str: ...
def compare(
    a: tuple[_Path | None, str | None], b: tuple[_Path | None, str | None], seed: int | None,
    out: _Path, replicates: int, jobs: int | None, report: bool, progress: _Progress,
) -> str: ...
def merge(dir: _Path, report: bool, progress: _Progress) -> str: ...
def replay(
    files: list[_Path], yuma: list[str], set: list[str], repeat: int, shift: list[str],
    copier: int | None, out: _Path, report: bool, progress: _Progress,
) -> str: ...
def check(
    suite: _Path, baselines: _Path, bless: bool, jobs: int | None
) -> tuple[bool, str, list[tuple[str, bool, str | None, list[tuple[str, float | None, float | None, str]]]]]: ...
def manifest_kind(path: _Path) -> str: ...
def plan(path: _Path | None, text: str | None, seed: int | None) -> tuple[str, int]: ...
