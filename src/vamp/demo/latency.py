"""The demo's latency, changeable while it runs: ``--latency``, or what ``--latency-file`` says now.

With a latency file, every answer reads the milliseconds in it: the file is looked at (one ``stat``) on
every request and read again when it changed, so ``echo 300 > FILE`` slows the demo down at once and
``echo 0 > FILE`` (or removing the file, or emptying it) gives back ``--latency``. A file that does not
hold a number of milliseconds (0 or more) counts as ``--latency`` too, with one line on standard error
naming the file and what it holds.
"""

from __future__ import annotations

import math
import sys
import threading
from pathlib import Path


class Latency:
    """Milliseconds to add to an answer: ``default_ms``, or what ``path`` holds when it holds a number."""

    def __init__(self, default_ms: float, path: str | None = None) -> None:
        self._default = default_ms
        self._path = None if path is None else Path(path)
        self._lock = threading.Lock()
        self._seen: tuple[int, int] | None = None
        self._current = default_ms

    def milliseconds(self) -> float:
        """The latency now."""
        if self._path is None:
            return self._default
        try:
            found = self._path.stat()
        except OSError:
            return self._default
        stamp = (found.st_mtime_ns, found.st_size)
        with self._lock:
            if stamp != self._seen:
                self._seen = stamp
                self._current = self._read(self._path)
            return self._current

    def _read(self, path: Path) -> float:
        try:
            text = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            return self._default
        if not text:
            return self._default
        try:
            value = float(text)
        except ValueError:
            value = -1.0
        if not 0.0 <= value < math.inf:
            print(
                f"vamp demo: {path} holds {text[:40]!r}, not milliseconds (0 or more, e.g. 150); "
                f"using --latency ({self._default:g} ms)",
                file=sys.stderr,
                flush=True,
            )
            return self._default
        return value
