"""Bounded time series of an agent's counters, and what they add up to over a window (pure).

Each series holds the samples of one gateway (or route) as one agent reported it, oldest first, up to a
fixed number, so memory stays bounded however long the server runs. What was served in a window is
summed sample to sample, so a data plane restart in the middle (its counters went down) loses only the
requests between the last sample before it and the restart. The base of a window is the newest sample at
or before its start, or the oldest sample kept when the series is younger than the window; a series whose
newest sample is older than the window start has nothing to say about it.

Several agents serving one gateway add up: requests, responses and histograms are summed (the Envoy
adapter's ``traffic.merge``, as one agent adds up its routes), and so are their rates, each over its own
samples' span. This module has no clock: times are passed in.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass

from vamp.adapters.envoy import stats, traffic
from vamp.ports import metrics


@dataclass(frozen=True, slots=True)
class Sample:
    at: float
    """Seconds on the collector's monotonic clock."""
    counts: stats.ClusterStats


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
        self._samples.append(Sample(at, counts))

    @property
    def newest(self) -> float | None:
        """When the newest sample was taken; ``None`` for an empty series."""
        return self._samples[-1].at if self._samples else None

    def since(self, start: float) -> Served | None:
        """What was served from ``start`` on; ``None`` when no sample was taken from then on."""
        if not self._samples or self._samples[-1].at < start:
            return None
        base = next(
            (index for index in range(len(self._samples) - 1, -1, -1) if self._samples[index].at <= start), 0
        )
        window = list(itertools.islice(self._samples, base, None))
        counts = total(after.counts.since(before.counts) for before, after in itertools.pairwise(window))
        return Served(counts, window[-1].at - window[0].at)


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
