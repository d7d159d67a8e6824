"""The configuration lines that make HAProxy count each backend's response times into latency buckets.

HAProxy's own statistics (``show stat``) count requests and responses exactly, but give response times
only as averages over the last 1024 requests, which no percentile can be read from. So each backend
measures its requests itself and counts them into the buckets of ``vamp.core.latency_buckets``, the same
bounds the Envoy adapter configures, in one stick table (measured on HAProxy 2.6.12):

* ``http-request set-var(txn.vamp_t0) date(0,us)`` when the backend takes the request;
* on the response, the microseconds since then are looked up in the bucket map (``bucket_map``: a file
  of integer ranges, one per bucket, each giving the bucket's bound in milliseconds; ``inf`` past the
  last), and ``track-sc2`` tracks the key ``<bound>/<backend>`` in the table ``TABLE``, whose ``gpc0``
  ``sc-inc-gpc0(2)`` then adds one to. A request therefore counts into the first bucket whose bound is at
  least its time, as Envoy's histograms count (Envoy in whole milliseconds, this in microseconds).

The time runs from the moment the backend has the request to the moment the response's headers arrive:
a connection refused or a timeout, which HAProxy answers itself, has no response and no time, as on
Envoy. The table holds at most a key per backend and bucket, and its entries never expire, so its
counts run from HAProxy's start like ``show stat``'s. ``traffic`` reads it back.

Pure: the renderer adds ``backend_lines`` to each backend and ``table_lines`` once when
``RenderOptions.latency_map`` names the map file; whoever writes the configuration writes
``bucket_map()`` to that path first (HAProxy refuses a configuration whose map file is missing).
"""

from __future__ import annotations

import re

from vamp import errors
from vamp.core.latency_buckets import latency_bounds

TABLE = "vamp-latency"
"""The backend holding the stick table of counts (no plan name gives it: plan names end in a hash)."""
BEYOND = "inf"
"""The bound of the last bucket, for every time past the last finite bound."""
KEY_LENGTH = 96
"""The longest key the table keeps: an HAProxy backend name (at most 71 characters) and a bound."""
_START = "txn.vamp_t0"
_COUNTER = 2
"""The stick counter tracked on responses (``sc2``, the last of HAProxy 2.6's three)."""
_PATH = re.compile(r"[A-Za-z0-9_./-]+")
"""What a map file's path may hold inside a converter's arguments (no comma, parenthesis or quote)."""


def bucket_map() -> str:
    """The text of the map file: ``<first µs>:<last µs> <bound ms>`` per bucket, the first range open
    below (a clock stepped back counts as fast, not as past the last bound)."""
    lines = []
    lower = ""
    for bound in latency_bounds()[:-1]:
        upper = round(bound * 1000)
        lines.append(f"{lower}:{upper} {bound:g}")
        lower = str(upper + 1)
    return "\n".join(lines) + "\n"


def backend_lines(backend: str, latency_map: str | None) -> list[str]:
    """The rules of ``backend`` (indented, to follow its other lines) that count its response times
    into the buckets of the map file ``latency_map``; none when ``latency_map`` is ``None``.

    Raises:
        errors.RoutingError: ``latency_map`` is not a plain path (letters, digits and ``_./-``).
    """
    if latency_map is None:
        return []
    if not _PATH.fullmatch(latency_map):
        raise errors.RoutingError(
            [
                f"the latency bucket map path {latency_map!r} must hold only letters, digits and '_./-' "
                "(HAProxy reads it inside a converter's arguments)"
            ]
        )
    bucket = f"date(0,us),sub({_START}),map_int({latency_map},{BEYOND})"
    return [
        f"    http-request set-var({_START}) date(0,us)",
        f"    http-response track-sc{_COUNTER} {bucket},concat(/{backend}) table {TABLE}",
        f"    http-response sc-inc-gpc0({_COUNTER})",
    ]


def table_lines(backends: int, latency_map: str | None) -> list[str]:
    """The backend ``TABLE`` with room for every bucket of ``backends`` backends; nothing when
    ``latency_map`` is ``None`` (no backend counts)."""
    if latency_map is None:
        return []
    size = max(1, backends) * len(latency_bounds())
    return [
        "",
        f"backend {TABLE}",
        f"    stick-table type string len {KEY_LENGTH} size {size} store gpc0",
    ]
