"""Bounded time series of an agent's counters, and what they add up to over a window (pure).

Each series holds the samples of one gateway (or route) as one agent reported it, oldest first, up to a
fixed number, so memory stays bounded however long the server runs; a sample keeps its latency counts in
an array and shares its bucket bounds with the sample before (``bench/metrics_size.py`` measures what a
sample costs). What was served in a window is
summed sample to sample, so a data plane restart in the middle (its counters went down) loses only the
requests between the last sample before it and the restart. The base of a window is the newest sample at
or before its start, or the oldest sample kept when the series is younger than the window; a series whose
newest sample is older than the window start has nothing to say about it.

Several agents serving one gateway add up: requests, responses and histograms are summed (the Envoy
adapter's ``traffic.merge``, as one agent adds up its routes), and so are their rates, each over its own
samples' span. This module has no clock: times are passed in.
"""

from __future__ import annotations

import array
import dataclasses
import itertools
from collections import Counter, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from vamp.adapters.envoy import stats, traffic
from vamp.ports import metrics


@dataclass(frozen=True, slots=True)
class Sample:
    """An agent's counters of one gateway or route at one poll, stored compactly: the cumulative latency
    counts as one array of 64-bit integers, the bounds shared with the sample before when they are equal."""

    at: float
    """Seconds on the collector's monotonic clock."""
    completed: int
    classes: Mapping[str, int]
    bounds: tuple[float, ...]
    latency: array.array[int]
    sum_ms: float

    @property
    def counts(self) -> stats.ClusterStats:
        return stats.ClusterStats(
            self.completed, self.classes, stats.Histogram(self.bounds, tuple(self.latency), self.sum_ms)
        )


@dataclass(frozen=True, slots=True)
class Served:
    """What one agent served in a window: the counts, and the seconds its samples span."""

    counts: stats.ClusterStats
    seconds: float

    @property
    def per_second(self) -> float:
        return self.counts.completed / self.seconds if self.seconds > 0 else 0.0


class Series:
    """The newest ``capacity`` samples of one gateway or route of one agent."""

    def __init__(self, capacity: int) -> None:
        self._samples: deque[Sample] = deque(maxlen=capacity)

    def add(self, at: float, counts: stats.ClusterStats) -> None:
        latency = counts.latency
        bounds = latency.bounds
        if self._samples and self._samples[-1].bounds == bounds:
            bounds = self._samples[-1].bounds
        self._samples.append(
            Sample(
                at, counts.completed, counts.classes, bounds, array.array("q", latency.counts), latency.sum_ms
            )
        )

    @property
    def newest(self) -> float | None:
        """When the newest sample was taken; ``None`` for an empty series."""
        return self._samples[-1].at if self._samples else None

    def since(self, start: float) -> Served | None:
        """What was served from ``start`` on; ``None`` when no sample was taken from then on."""
        return self.between(start, None)

    def between(self, start: float, end: float | None) -> Served | None:
        """What was served from ``start`` to ``end`` (the newest sample when ``None``): from the newest
        sample at or before ``start`` (the oldest kept, if none) to the newest at or before ``end``.

        ``None`` when no sample was taken from ``start`` on, or none by ``end``.
        """
        if not self._samples or self._samples[-1].at < start:
            return None
        last = len(self._samples) - 1 if end is None else self._newest_by(end)
        if last is None:
            return None
        base = min(self._newest_by(start) or 0, last)
        window = list(itertools.islice(self._samples, base, last + 1))
        steps = itertools.pairwise(window) if len(window) > 1 else [(window[0], window[0])]
        counts = total(after.counts.since(before.counts) for before, after in steps)
        return Served(counts, window[-1].at - window[0].at)

    def _newest_by(self, moment: float) -> int | None:
        """The index of the newest sample taken at or before ``moment``."""
        return next(
            (index for index in range(len(self._samples) - 1, -1, -1) if self._samples[index].at <= moment),
            None,
        )


def summary(gateway: str, route: str | None, served: Iterable[Served]) -> metrics.TrafficSummary:
    """The traffic summary of what several agents served of one gateway or route."""
    served = list(served)
    counts = total(one.counts for one in served)
    latency = counts.latency
    codes = {code: counts.classes.get(code, 0) for code in stats.STATUS_CLASSES}
    requests = counts.completed
    return metrics.TrafficSummary(
        gateway=gateway,
        route=route,
        requests=requests,
        rate=round(sum(one.per_second for one in served), 3),
        codes=codes,
        mean=latency.mean_ms,
        p50=latency.quantile(0.50),
        p95=latency.quantile(0.95),
        p99=latency.quantile(0.99),
        health=1.0 - codes["5xx"] / requests if requests else 1.0,
    )


def served(parts: Iterable[Served]) -> metrics.Served:
    """What several agents served of one gateway or route in one window, added up; its seconds are
    the longest span of any agent's samples."""
    parts = list(parts)
    counts = total(one.counts for one in parts)
    codes = {code: counts.classes.get(code, 0) for code in stats.STATUS_CLASSES}
    return metrics.Served(
        requests=counts.completed,
        errors=codes["5xx"],
        codes=codes,
        bounds=counts.latency.bounds,
        counts=counts.latency.counts,
        seconds=max((one.seconds for one in parts), default=0.0),
    )


def total(parts: Iterable[stats.ClusterStats]) -> stats.ClusterStats:
    """``parts`` added up by ``traffic.merge``.

    Agents of different versions may bucket latency differently, and such histograms cannot be added: the
    latency is then that of the histograms bucketed like the most observations; the counts are everyone's.
    """
    parts = list(parts)
    observed: Counter[tuple[float, ...]] = Counter()
    for part in parts:
        if part.latency.bounds:
            observed[part.latency.bounds] += part.latency.count
    if len(observed) > 1:
        kept = max(observed, key=observed.__getitem__)
        parts = [
            part
            if part.latency.bounds in ((), kept)
            else dataclasses.replace(part, latency=stats.Histogram())
            for part in parts
        ]
    return traffic.merge(parts)
