"""Per-cluster traffic from Envoy's statistics: request counts by status class, latency, and rates.

``read`` takes one reading from the admin endpoint (``/stats/prometheus``, the one format that carries a
histogram's sum as well as its buckets); ``parse`` and ``rates`` are pure. Which stats, and why
(measured on Envoy 1.40, see ``docs/envoy.md`` §5):

* ``cluster.<name>.upstream_rq_completed`` counts requests that got a response, exactly (a counter is
  read live); ``upstream_rq_<1-5>xx`` split it by status class. A retried request counts once, with its
  final response (the tries are ``upstream_rq_retry``); a route timeout counts as a 504.
* ``cluster.<name>.upstream_rq_time`` is a histogram of upstream response times in whole milliseconds,
  counted into the bounds of ``vamp.core.latency_buckets`` (0.5 ms to a minute, 10 % apart, then +Inf;
  ``bootstrap.stats_config``) instead of Envoy's default ones (0.5, 1, 5, 10, 25, 50 … ms), which put
  10 ms and 12 ms in one bucket. Histograms are merged from the worker threads at each stats flush (every
  second, ``bootstrap``), so a reading may lag the counters by up to a second.

A rate needs two readings and the seconds between them, which the caller measures: this module has no
clock. A counter that went down means Envoy restarted in between; the later value then counts from zero.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from vamp import errors
from vamp.adapters.envoy import admin as admin_endpoint

STATUS_CLASSES = ("1xx", "2xx", "3xx", "4xx", "5xx")
WANTED = r"^cluster\.[^.]+\.upstream_rq_(completed|[1-5]xx|time)$"
READ = (
    "upstream_rq_completed",
    *(f"upstream_rq_{code_class}" for code_class in STATUS_CLASSES),
    "upstream_rq_time",
)
"""The last part of the name of each per-cluster stat ``read`` takes (``WANTED``): Envoy's stats matcher
(``bootstrap.stats_config``) must keep these, or the traffic of every route reads as zeros."""
_SAMPLE = re.compile(r"^(?P<metric>[a-z_]+)\{(?P<labels>[^}]*)\} (?P<value>\S+)$")
_LABEL = re.compile(r'(\w+)="([^"]*)"')


@dataclass(frozen=True, slots=True)
class Histogram:
    """A latency histogram: ``counts[i]`` values were at most ``bounds[i]`` ms (the last bound is +Inf)."""

    bounds: tuple[float, ...] = ()
    counts: tuple[int, ...] = ()
    sum_ms: float = 0.0

    @property
    def count(self) -> int:
        return self.counts[-1] if self.counts else 0

    @property
    def mean_ms(self) -> float | None:
        return self.sum_ms / self.count if self.count else None

    def quantile(self, q: float) -> float | None:
        """The ``q``-quantile (0 < q ≤ 1) in ms, interpolated linearly inside its bucket; ``None`` if empty.

        A quantile that falls in the +Inf bucket is reported as the largest finite bound.
        """
        if not self.count:
            return None
        rank = q * self.count
        lower_bound, lower_count = 0.0, 0
        for bound, count in zip(self.bounds, self.counts, strict=True):
            if count >= rank and count > lower_count:
                if math.isinf(bound):
                    return lower_bound
                return lower_bound + (bound - lower_bound) * (rank - lower_count) / (count - lower_count)
            lower_bound, lower_count = bound, count
        return lower_bound

    def since(self, earlier: Histogram) -> Histogram:
        """What was recorded after ``earlier`` (the whole of this one if Envoy restarted in between)."""
        if earlier.bounds != self.bounds or earlier.count > self.count:
            return self
        return Histogram(
            self.bounds,
            tuple(now - then for now, then in zip(self.counts, earlier.counts, strict=True)),
            self.sum_ms - earlier.sum_ms,
        )


@dataclass(frozen=True, slots=True)
class ClusterStats:
    """The counters of one cluster at one moment."""

    completed: int = 0
    classes: Mapping[str, int] = field(default_factory=dict)
    """Responses per status class (``2xx`` …); classes without a response are absent."""
    latency: Histogram = field(default_factory=Histogram)

    def since(self, earlier: ClusterStats) -> ClusterStats:
        """The traffic after ``earlier`` (all of this reading's if Envoy restarted in between)."""
        if earlier.completed > self.completed:
            return self
        return ClusterStats(
            self.completed - earlier.completed,
            {k: v - earlier.classes.get(k, 0) for k, v in self.classes.items()},
            self.latency.since(earlier.latency),
        )


@dataclass(frozen=True, slots=True)
class ClusterRates:
    """A cluster's traffic between two readings."""

    requests: int
    per_second: float
    classes: Mapping[str, int]
    latency: Histogram

    @property
    def server_errors(self) -> int:
        """Responses with status 5xx."""
        return self.classes.get("5xx", 0)

    @property
    def p50(self) -> float | None:
        return self.latency.quantile(0.50)

    @property
    def p95(self) -> float | None:
        return self.latency.quantile(0.95)

    @property
    def p99(self) -> float | None:
        return self.latency.quantile(0.99)


def parse(text: str) -> dict[str, ClusterStats]:
    """The per-cluster stats in Envoy's Prometheus exposition ``text``.

    Raises:
        errors.DataPlaneError: a sample line of a cluster stat cannot be read.
    """
    completed: dict[str, int] = {}
    classes: dict[str, dict[str, int]] = {}
    buckets: dict[str, list[tuple[float, int]]] = {}
    sums: dict[str, float] = {}
    for line in text.splitlines():
        if not line.startswith("envoy_cluster_upstream_rq_"):
            continue
        sample = _SAMPLE.match(line)
        if sample is None:
            raise errors.DataPlaneError(f"Cannot read Envoy's stat line {line!r}.")
        metric, value = sample["metric"], float(sample["value"])
        labels = dict(_LABEL.findall(sample["labels"]))
        cluster = labels.get("envoy_cluster_name", "")
        if metric == "envoy_cluster_upstream_rq_completed":
            completed[cluster] = int(value)
        elif metric == "envoy_cluster_upstream_rq_xx":
            classes.setdefault(cluster, {})[f"{labels['envoy_response_code_class']}xx"] = int(value)
        elif metric == "envoy_cluster_upstream_rq_time_bucket":
            buckets.setdefault(cluster, []).append((float(labels["le"]), int(value)))
        elif metric == "envoy_cluster_upstream_rq_time_sum":
            sums[cluster] = value
    return {
        cluster: ClusterStats(
            completed.get(cluster, 0),
            {k: v for k, v in sorted(classes.get(cluster, {}).items()) if v},
            _histogram(buckets.get(cluster, []), sums.get(cluster, 0.0)),
        )
        for cluster in sorted(completed.keys() | classes.keys() | buckets.keys())
    }


async def read(admin: admin_endpoint.Admin, *, used_only: bool = False) -> dict[str, ClusterStats]:
    """One reading of every cluster's stats from Envoy's admin endpoint.

    ``used_only`` reads only the clusters that have served a request (Envoy's ``usedonly``); the others,
    all zeros, are left out. At 10,000 clusters of which few have traffic, that is what Envoy sends and
    the agent parses every ``TrafficMeter`` interval: a reading of every cluster took Envoy's main thread,
    which also takes xDS updates, several times as long (``bench/dataplane_meter.py``).
    """
    return parse(await admin.prometheus(WANTED, used_only=used_only))


def rates(
    before: Mapping[str, ClusterStats], after: Mapping[str, ClusterStats], seconds: float
) -> dict[str, ClusterRates]:
    """Each cluster's traffic between two readings taken ``seconds`` apart (clusters in ``after`` only)."""
    if seconds <= 0:
        raise ValueError(f"seconds between two readings must be positive, not {seconds!r}")
    result = {}
    for cluster, now in after.items():
        delta = now.since(before.get(cluster, ClusterStats()))
        result[cluster] = ClusterRates(
            delta.completed,
            delta.completed / seconds,
            {k: v for k, v in delta.classes.items() if v},
            delta.latency,
        )
    return result


def _histogram(buckets: list[tuple[float, int]], sum_ms: float) -> Histogram:
    buckets.sort()
    return Histogram(tuple(b for b, _ in buckets), tuple(c for _, c in buckets), sum_ms)
