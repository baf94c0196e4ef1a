"""Progress bars for the native calls: tqdm's (``tqdm.auto``: a widget in Jupyter, text on a
terminal) fed by the native progress events, and notes written to stderr."""

from __future__ import annotations

import sys
from typing import Any, Callable

BLOCKS_PER_DAY = 7200


class _Bar:
    def __init__(self) -> None:
        self.bar: Any = None
        self.scale = 1.0

    def __call__(self, event: str, *args: Any) -> None:
        if event == "start":
            self._start(*args)
        elif event == "set" and self.bar is not None:
            done = args[0]
            self.bar.n = round(done / self.scale, 2) if self.scale != 1.0 else done
            self.bar.refresh()
        elif event == "finish" and self.bar is not None:
            self.bar.close()
            self.bar = None
        elif event == "note":
            print(args[0], file=sys.stderr)

    def _start(self, label: str, total: int, unit: str) -> None:
        from tqdm.auto import tqdm

        if unit == "blocks":
            self.scale = float(BLOCKS_PER_DAY)
            self.bar = tqdm(total=round(total / self.scale, 2), desc=label, unit="day",
                            bar_format="{l_bar}{bar}| {n:.1f}/{total:.1f} days "
                                       "[{elapsed}<{remaining}, {rate_fmt}]")
        else:
            self.scale = 1.0
            self.bar = tqdm(total=total, desc=label, unit="run")


def _notes_only(event: str, *args: Any) -> None:
    if event == "note":
        print(args[0], file=sys.stderr)


def callback(progress: bool) -> Callable[..., None]:
    """The callable for a native call: a bar, or (``progress=False``) notes only."""
    if not isinstance(progress, bool):
        raise TypeError(f"progress: expected True or False, got {type(progress).__name__}")
    return _Bar() if progress else _notes_only
