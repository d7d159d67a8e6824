"""HAProxy's counters as traffic per gateway and per route: requests, status classes, latency buckets.

One reading takes two runtime API commands (``read``): ``show stat`` for each backend's requests
(``req_tot``) and responses by status class (``hrsp_1xx`` … ``hrsp_5xx``), which HAProxy counts exactly,
and ``show table vamp-latency`` for the latency buckets each backend counted its response times into
(``render_latency``). ``parse_table`` and ``traffic`` are pure.

Each backend becomes the same per-cluster reading the Envoy adapter makes (``vamp.adapters.envoy.stats``:
counts, classes and a cumulative histogram over ``vamp.core.latency_buckets``), and
``vamp.adapters.envoy.traffic`` adds them up per route and gateway and computes the percentiles, so
both data planes report latency the same way, from the same code. HAProxy keeps no sum of response
times (2.6 can only add one to a counter), so ``sum_ms`` is estimated from the buckets: each request at
the middle of its bucket (within 5 % of the truth, the buckets being 10 % apart), a request past the
last bound at that bound.

Counts run from HAProxy's start: a new process (a restart, or a reload that starts new workers) counts
from zero again. Backends the rendering does not name (left over from an earlier plan) are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from vamp import errors
from vamp.adapters.envoy import stats as cluster_stats
from vamp.adapters.envoy import traffic as cluster_traffic
from vamp.adapters.haproxy import render_latency
from vamp.adapters.haproxy.runtime import ProxyType, Runtime, StatRow
from vamp.core.latency_buckets import latency_bounds
from vamp.core.routing.plan import Origin
from vamp.ports import gateway_agent

_ENTRY = re.compile(r"^0x[0-9a-fA-F]+: key=(?P<key>\S+) .*\bgpc0=(?P<count>\d+)")
_NO_TABLE = "No such table"
_BOUNDS = latency_bounds()
_BUCKET = {render_latency.BEYOND: len(_BOUNDS) - 1} | {
    f"{bound:g}": index for index, bound in enumerate(_BOUNDS[:-1])
}


async def read(runtime: Runtime, backends: Mapping[str, Origin]) -> tuple[gateway_agent.Traffic, ...]:
    """What each gateway and route of a rendering (``Rendering.backends``) has served, read now.

    Raises:
        errors.DataPlaneError: the runtime API cannot be reached, or its answers cannot be read.
    """
    rows = await runtime.stat()
    histograms = parse_table(await runtime.command(f"show table {render_latency.TABLE}"))
    return traffic(backends, rows, histograms)


def parse_table(text: str) -> dict[str, cluster_stats.Histogram] | None:
    """Each backend's latency histogram in ``show table vamp-latency``'s ``text``; ``None`` if HAProxy
    has no such table (the configuration was rendered without latency buckets).

    Raises:
        errors.DataPlaneError: the text is not that table, or an entry's key is not ``<backend>/<bound>``
            with one of ``vamp.core.latency_buckets``' bounds.
    """
    if text.startswith(_NO_TABLE):
        return None
    lines = text.splitlines()
    if not lines or not lines[0].startswith(f"# table: {render_latency.TABLE},"):
        raise errors.DataPlaneError(
            f"HAProxy's answer to 'show table {render_latency.TABLE}' is not that table: {text[:120]!r}"
        )
    buckets: dict[str, list[int]] = {}
    for line in lines[1:]:
        if not line.strip():
            continue
        entry = _ENTRY.match(line)
        backend, slash, bound = entry["key"].rpartition("/") if entry else ("", "", "")
        if entry is None or not slash or bound not in _BUCKET:
            raise errors.DataPlaneError(
                f"Cannot read the latency table entry {line!r}: each entry must be 'key=<backend>/<bound> "
                f"… gpc0=<count>', with a bound from {_BOUNDS[0]:g} to {_BOUNDS[-2]:g} ms or "
                f"{render_latency.BEYOND}."
            )
        counts = buckets.setdefault(backend, [0] * len(_BOUNDS))
        counts[_BUCKET[bound]] += int(entry["count"])
    return {backend: histogram(counts) for backend, counts in sorted(buckets.items())}


def histogram(counts: Iterable[int]) -> cluster_stats.Histogram:
    """The cumulative histogram of per-bucket ``counts`` (one per bound of ``vamp.core.latency_buckets``),
    with its sum estimated at the middle of each bucket."""
    per_bucket = list(counts)
    cumulative: list[int] = []
    total = 0
    sum_ms = 0.0
    lower = 0.0
    for bound, count in zip(_BOUNDS, per_bucket, strict=True):
        total += count
        cumulative.append(total)
        middle = lower if bound == _BOUNDS[-1] else (lower + bound) / 2
        sum_ms += count * middle
        lower = bound
    return cluster_stats.Histogram(_BOUNDS, tuple(cumulative), sum_ms)


def traffic(
    backends: Mapping[str, Origin],
    rows: Iterable[StatRow],
    histograms: Mapping[str, cluster_stats.Histogram] | None,
) -> tuple[gateway_agent.Traffic, ...]:
    """Each gateway's traffic, followed by each of its routes', in name order (``envoy.traffic.traffic``).

    Args:
        backends: HAProxy backend name → the gateway and route it serves (``Rendering.backends``).
        rows: one reading of ``show stat``.
        histograms: each backend's latency buckets (``parse_table``); a backend missing there has
            counted nothing yet. ``None`` if nothing is measured: every latency is then empty.
    """
    empty = cluster_stats.Histogram() if histograms is None else histogram([0] * len(_BOUNDS))
    readings = {
        row.proxy: cluster_stats.ClusterStats(
            row.requests,
            {code_class: count for code_class, count in row.responses.items() if count},
            (histograms or {}).get(row.proxy, empty),
        )
        for row in rows
        if row.type is ProxyType.BACKEND and row.proxy in backends
    }
    for backend in backends.keys() - readings.keys():
        readings[backend] = cluster_stats.ClusterStats(latency=empty)
    return cluster_traffic.traffic(backends, readings)
