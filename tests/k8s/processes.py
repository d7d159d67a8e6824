"""Child processes of the test cluster: start one with its output in a log file, wait for a condition, stop.

Owns process supervision only; which programs run with which flags is ``controlplane``'s business. Every
process gets its own session, so a signal meant for the test run never reaches it, and is stopped by its own
PID: SIGTERM first, SIGKILL after a grace period.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

_POLL_INTERVAL = 0.1  # seconds between two checks of a condition


class StartupError(Exception):
    """A component of the test cluster did not start, or did not become healthy in time."""


@dataclasses.dataclass(slots=True)
class Process:
    """One running component, with its output (stdout and stderr) in ``log``."""

    name: str
    log: Path
    popen: subprocess.Popen[bytes]

    @classmethod
    def start(cls, name: str, argv: Sequence[str], *, log: Path, env: Mapping[str, str]) -> Process:
        """Start ``argv`` in its own session with stdout and stderr appended to ``log``."""
        with log.open("ab") as output:
            popen = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                env=dict(env),
                start_new_session=True,
            )
        return cls(name=name, log=log, popen=popen)

    def exit_code(self) -> int | None:
        """The exit code if the process has ended, else None."""
        return self.popen.poll()

    def stop(self, grace: float) -> None:
        """SIGTERM the process, then SIGKILL it if it is still running ``grace`` seconds later."""
        if self.popen.poll() is None:
            os.kill(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                os.kill(self.popen.pid, signal.SIGKILL)
                self.popen.wait()

    def tail(self, lines: int) -> str:
        """The last ``lines`` lines of the process's output."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def wait_until(
    description: str, condition: Callable[[], bool], *, timeout: float, watched: Sequence[Process]
) -> float:
    """Poll ``condition`` until it holds; return the seconds that took.

    Raises:
        StartupError: a watched process exited first, or ``timeout`` seconds passed.
    """
    started = time.monotonic()
    while not condition():
        for process in watched:
            code = process.exit_code()
            if code is not None:
                raise StartupError(f"{process.name} exited with code {code} while waiting for {description}")
        if time.monotonic() - started > timeout:
            raise StartupError(f"gave up waiting for {description} after {timeout:.0f} s")
        time.sleep(_POLL_INTERVAL)
    return time.monotonic() - started
