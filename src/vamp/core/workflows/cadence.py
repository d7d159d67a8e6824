"""When the runs of a workflow start: a daemon's restart back-off and a time schedule's ticks.

Pure arithmetic over the times a runtime reads from its clock, so that both runtimes (and their tests) agree
on it without processes or sleeps. A daemon (period 0) whose run exits is started again after
``restart_delay``: 1 s, doubling with every short run in a row, up to a limit; a run of ``STABLE_SECONDS``
or more resets the count. A time schedule runs at ``timing.start + k·timing.period`` for ``k`` from 0,
``timing.repeat`` times or forever; ``next_tick`` says which tick is next and when, given the last one that
was handled, so a runtime started again after a crash resumes counting instead of starting over.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from vamp.core.workflows import runs

FIRST_RESTART_DELAY = 1.0
"""Seconds before a daemon that exited is started again the first time."""
STABLE_SECONDS = 10.0
"""A daemon run at least this long resets the back-off."""


def restart_delay(short_runs: int, maximum: float) -> float:
    """Seconds to wait before starting a daemon again after ``short_runs`` short runs in a row (≥ 1)."""
    return min(maximum, FIRST_RESTART_DELAY * 2.0 ** max(short_runs - 1, 0))


@dataclass(frozen=True, slots=True)
class Tick:
    """Tick ``index`` of a time schedule, due at ``due``."""

    index: int
    due: datetime


def next_tick(timing: runs.Timing, last: int | None, now: datetime) -> Tick | None:
    """The tick to run next, after tick ``last`` (``None``: none yet); ``None`` when the repeats are done.

    A tick already past is run at once, but only the latest one past: ticks missed while nothing ran (a
    server that was down) are lost, not caught up one after another. Times without a zone are UTC.
    """
    start = _aware(timing.start)
    index = 0 if last is None else last + 1
    if timing.period > 0:
        elapsed = (_aware(now) - start).total_seconds()
        index = max(index, math.floor(elapsed / timing.period))
    elif last is not None:
        return None  # a period of 0 runs once
    if timing.repeat is not None and index >= timing.repeat:
        return None
    return Tick(index, start + timedelta(seconds=index * timing.period))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
