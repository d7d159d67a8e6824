"""HAProxy's counters as traffic per gateway and per route: requests, status classes, latency buckets.

One reading is one command line on one connection, so one worker answers all of it (``read``,
``reading_command``): ``show info`` for the worker's PID, ``show stat`` for each backend's requests
(``req_tot``) and responses by status class (``hrsp_1xx`` … ``hrsp_5xx``), which HAProxy counts exactly,
and ``show table vamp-latency`` for the latency buckets each backend counted its response times into
(``render_latency``). The parsing functions and ``traffic`` are pure.

Each backend becomes the same per-cluster reading the Envoy adapter makes (``vamp.adapters.envoy.stats``:
counts, classes and a cumulative histogram over ``vamp.core.latency_buckets``), and
``vamp.adapters.envoy.traffic`` adds them up per route and gateway and computes the percentiles, so
both data planes report latency the same way, from the same code. HAProxy keeps no sum of response
times (2.6 can only add one to a counter), so ``sum_ms`` is estimated from the buckets: each request at
the middle of its bucket (within 5 % of the truth, the buckets being 10 % apart), a request past the
last bound at that bound.

HAProxy's own counters run from its worker's start: a reload starts a new worker, at zero. So that a
route's counts run from the data plane's start across reloads, as Envoy's do across plan changes, the
data plane reads the old worker's counts per backend as late as it answers (``carried_counts``) and
carries them over (``carried_over``): the new worker's readings are added to them (``traffic``'s
``carried``). A
backend keeps its counts only if the next rendering has it for the same gateway and route; a removed
route's counts go with it. A real restart (HAProxy killed) counts from zero again. Backends the rendering
does not name (left over from an earlier plan) are ignored.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from vamp import errors
from vamp.adapters.envoy import stats as cluster_stats
from vamp.adapters.envoy import traffic as cluster_traffic
from vamp.adapters.haproxy import render_latency
from vamp.adapters.haproxy.runtime import ProxyType, Runtime, StatRow, parse_info, parse_stat
from vamp.core.latency_buckets import latency_bounds
from vamp.core.routing.plan import Origin
from vamp.ports import gateway_agent

_ENTRY = re.compile(r"0x[0-9a-fA-F]+: key=(?P<key>\S+) (?:\S+ )*?gpc0=(?P<count>\d+)")
_NO_TABLE = "No such table"
_ENTRY_BYTES = 64
"""What a line of ``show table`` holds besides its key: ``0x…: key=`` and `` use=0 exp=0 gpc0=…``."""
_BOUNDS = latency_bounds()
_BUCKET = {render_latency.BEYOND: len(_BOUNDS) - 1} | {
    f"{bound:g}": index for index, bound in enumerate(_BOUNDS[:-1])
}


Counts = Mapping[str, cluster_stats.ClusterStats]
"""Each backend's requests, responses by status class and latency histogram, by HAProxy backend name."""
_READING = ("show info", "show stat -1 2 -1", f"show table {render_latency.TABLE}")
"""One reading: the worker's PID, the backends' rows of ``show stat`` (not the frontends' nor the
servers', which would double its length) and the latency table."""
_PID = re.compile(r"^Pid: (\d+)$", re.MULTILINE)
_COUNT = re.compile(r" gpc0=(\d+)")


@dataclass(frozen=True, slots=True)
class Reading:
    """One worker's counts at one moment."""

    worker: int
    """The worker's PID."""
    counts: dict[str, cluster_stats.ClusterStats]


async def read(
    runtime: Runtime, backends: Mapping[str, Origin], carried: Counts | None = None
) -> tuple[gateway_agent.Traffic, ...]:
    """What each gateway and route of a rendering (``Rendering.backends``) has served, read now, with the
    counts ``carried`` over from the workers before this one added.

    Raises:
        errors.DataPlaneError: the runtime API cannot be reached, or its answers cannot be read.
    """
    answer = await read_answer(runtime, backends)
    # Parsing takes about half a second at 1,000 gateways × 10 routes: off the event loop, so the agent's
    # deliveries and its endpoint never wait for a metrics reading.
    return await asyncio.to_thread(_traffic_of, answer, backends, carried or {})


def _traffic_of(
    answer: str, backends: Mapping[str, Origin], carried: Counts
) -> tuple[gateway_agent.Traffic, ...]:
    return cluster_traffic.traffic(backends, _with(carried, parse_reading(answer, backends).counts))


async def read_answer(runtime: Runtime, backends: Mapping[str, Origin]) -> str:
    """The serving worker's answer to ``reading_command``, unparsed (``parse_reading``, ``worker_of``).

    Raises:
        errors.DataPlaneError: the runtime API cannot be reached.
    """
    # The table can outgrow ``show stat`` by far (a line per backend and bucket in use): its answer is
    # bounded by what the table can hold, on top of the runtime's usual bound.
    largest = len(backends) * len(_BOUNDS) * (render_latency.KEY_LENGTH + _ENTRY_BYTES)
    table = Runtime(runtime.socket, timeout=runtime.timeout, max_bytes=runtime.max_bytes + largest)
    return await table.command(reading_command())


def reading_command(worker: int | None = None) -> str:
    """The command line of one reading: ``show info`` (the worker's PID), ``show stat`` and the latency
    table, answered by one worker over one connection; with ``worker``, each prefixed ``@!<worker>`` for
    the master CLI, which reaches a worker that is leaving after a reload."""
    prefix = "" if worker is None else f"@!{worker} "
    return ";".join(f"{prefix}{command}" for command in _READING)


def parse_reading(text: str, backends: Mapping[str, Origin]) -> Reading:
    """The worker's PID and each of ``backends``' counts (``counts``) in the answer to
    ``reading_command``: ``show info``, ``show stat`` and ``show table``, each ending in a blank line.

    Raises:
        errors.DataPlaneError: the answer is not those three (the worker is gone, or never was).
    """
    info, header, rest = text.partition("\n\n# pxname,")
    stat, _, table = rest.partition("\n\n")
    pid = parse_info(info).get("Pid", "")
    if not header or not pid.isdigit():
        raise errors.DataPlaneError(
            f"HAProxy's answer to {reading_command()!r} is not show info, show stat and show table: "
            f"{text[:120]!r}"
        )
    return Reading(int(pid), counts(backends, parse_stat(f"# pxname,{stat}\n"), parse_table(table)))


def worker_of(text: str) -> int:
    """The PID of the worker that gave ``text``, an answer to ``reading_command`` (read without parsing
    the rest: a reading of 10,000 backends takes half a second to parse).

    Raises:
        errors.DataPlaneError: the answer is not a reading (the worker is gone, or never was).
    """
    found = _PID.search(text, 0, text.find("\n\n"))
    if found is None or "\n\n# pxname," not in text:
        raise errors.DataPlaneError(
            f"HAProxy's answer to {reading_command()!r} is not show info, show stat and show table: "
            f"{text[:120]!r}"
        )
    return int(found[1])


def timed(text: str) -> int:
    """How many responses the latency table of ``text`` (an answer to ``reading_command``) counted."""
    start = text.find("\n\n# table: ")
    return sum(int(count) for count in _COUNT.findall(text, start)) if start >= 0 else 0


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
    carried: Counts | None = None,
) -> tuple[gateway_agent.Traffic, ...]:
    """Each gateway's traffic, followed by each of its routes', in name order (``envoy.traffic.traffic``).

    Args:
        backends: HAProxy backend name → the gateway and route it serves (``Rendering.backends``).
        rows: one reading of ``show stat``.
        histograms: each backend's latency buckets (``parse_table``); a backend missing there has
            counted nothing yet. ``None`` if nothing is measured: every latency is then empty.
        carried: each backend's counts in the workers before this one (``carried_over``), added to it.
    """
    return cluster_traffic.traffic(backends, _with(carried or {}, counts(backends, rows, histograms)))


def counts(
    backends: Mapping[str, Origin],
    rows: Iterable[StatRow],
    histograms: Mapping[str, cluster_stats.Histogram] | None,
) -> dict[str, cluster_stats.ClusterStats]:
    """Each backend of ``backends``' counts in one reading of ``show stat`` and the latency table (see
    ``traffic``); a backend missing from the reading has counted nothing."""
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
    return readings


def carried_over(
    carried: Counts, last: Counts, before: Mapping[str, Origin], after: Mapping[str, Origin]
) -> dict[str, cluster_stats.ClusterStats]:
    """What a new worker starts from: the counts ``carried`` into the old worker plus the ``last``
    reading of the old worker, for each backend that serves the same gateway and route ``before`` and
    ``after`` the reload (``Rendering.backends``); the other backends' counts are dropped.
    """
    kept = {name for name, origin in after.items() if before.get(name) == origin}
    return {
        name: cluster_traffic.merge([carried.get(name, cluster_stats.ClusterStats()), last[name]])
        if name in last
        else carried[name]
        for name in sorted(kept & (carried.keys() | last.keys()))
    }


def later(earlier: Counts, reading: Counts) -> dict[str, cluster_stats.ClusterStats]:
    """A worker's counts after a ``reading`` taken after ``earlier``, one of the same worker.

    ``show stat``'s counters only grow, but a worker told to leave (a reload) empties its latency table
    (measured on 2.6.12: ``used:0`` while the requests stay counted), and counts into it from zero again
    while it drains. So a backend keeps the ``earlier`` histogram when the reading's holds fewer
    responses: the latency of what a leaving worker serves after that is lost, its requests are not.
    """
    result = {}
    for name, now in reading.items():
        then = earlier.get(name)
        if then is not None and now.latency.count < then.latency.count:
            now = cluster_stats.ClusterStats(now.completed, now.classes, then.latency)
        result[name] = now
    return result


def _with(carried: Counts, reading: Counts) -> dict[str, cluster_stats.ClusterStats]:
    """``reading`` with the ``carried`` counts of its backends added."""
    return {
        name: cluster_traffic.merge([carried[name], stats]) if name in carried else stats
        for name, stats in reading.items()
    }
