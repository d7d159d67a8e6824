"""The configuration lines that make HAProxy count each backend's response times into latency buckets.

HAProxy's own statistics (``show stat``) count requests and responses exactly, but give response times
only as averages over the last 1024 requests, which no percentile can be read from. So the backends
measure their requests themselves and count them into the buckets of ``vamp.core.latency_buckets``, the
bounds the Envoy adapter configures, in one stick table (measured on HAProxy 2.6.12):

* ``http-request set-var(txn.vamp_t0) date(0,us)`` when a backend takes the request;
* on the response, the microseconds since then are looked up in the bucket map (``bucket_map``: a file
  of integer ranges, one per bucket, each giving the bucket's bound in milliseconds; ``inf`` past the
  last), ``track-sc2`` tracks the key ``<backend>/<bound>`` in the table ``TABLE``, and
  ``sc-inc-gpc0(2)`` adds one to its ``gpc0``. A request therefore counts into the first bucket whose
  bound is at least its time, as Envoy's histograms count (Envoy in whole milliseconds, this in
  microseconds).

The rules are written once, in a named ``defaults`` section (``backend_defaults``) that every backend
after it inherits, not in each backend: HAProxy loads a map once per place that names it, and with a
map per backend, checking a configuration of 10,000 backends took 6.9 s instead of 0.33 s. HAProxy
refuses a section that is both named by ``from`` and inherited implicitly, so when buckets are counted
the main ``defaults`` section is named ``vamp-defaults`` (``main_defaults``) and the frontends inherit
it through an anonymous ``defaults from vamp-defaults`` (``frontend_defaults``). A TCP backend inherits
the HTTP rules too; HAProxy ignores them there.

The time runs from the moment the backend has the request to the moment the response's headers arrive:
a connection refused or a timeout, which HAProxy answers itself, has no response and no time, as on
Envoy. The table holds at most a key per backend and bucket, and its entries never expire, so its
counts run from HAProxy's start like ``show stat``'s. ``traffic`` reads it back.

Pure: every function here gives nothing (or the plain ``defaults``) when ``RenderOptions.latency_map``
is ``None``. HAProxy refuses a configuration whose map file is missing: a map in
``RenderOptions.maps_folder`` is one of ``Rendering.maps`` (``folder_maps``), which the data plane
writes with the weight maps; whoever puts it elsewhere writes ``bucket_map()`` there first.
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
MAP_NAME = "vamp-latency.map"
"""The bucket map's file name where the data plane keeps it, beside the weight maps."""
MAIN_DEFAULTS = "vamp-defaults"
BACKEND_DEFAULTS = "vamp-backends"
_START = "txn.vamp_t0"
_BUCKET = "txn.vamp_bucket"
_COUNTER = 2
"""The stick counter tracked on responses (``sc2``, the last of HAProxy 2.6's three)."""
_PATH = re.compile(r"[A-Za-z0-9_./-]+")
"""What a map file's path may hold inside a converter's arguments (no comma, parenthesis or quote)."""


def bucket_entries() -> tuple[tuple[str, str], ...]:
    """The map's entries: ``(<first µs>:<last µs>, <bound ms>)`` per bucket, the first range open below
    (a clock stepped back counts as fast, not as past the last bound)."""
    entries = []
    lower = ""
    for bound in latency_bounds()[:-1]:
        upper = round(bound * 1000)
        entries.append((f"{lower}:{upper}", f"{bound:g}"))
        lower = str(upper + 1)
    return tuple(entries)


def bucket_map() -> str:
    """The text of the map file: one ``<first µs>:<last µs> <bound ms>`` line per bucket."""
    return "".join(f"{key} {value}\n" for key, value in bucket_entries())


def folder_maps(latency_map: str | None, maps_folder: str | None) -> dict[str, tuple[tuple[str, str], ...]]:
    """The bucket map as one of ``Rendering.maps`` (file name → entries) when ``latency_map`` is in
    ``maps_folder``, which the data plane writes, checks and keeps; otherwise none."""
    if latency_map is None or maps_folder is None:
        return {}
    folder, _, name = latency_map.rpartition("/")
    return {name: bucket_entries()} if folder == maps_folder.rstrip("/") else {}


def main_defaults(latency_map: str | None) -> str:
    """The header of the main ``defaults`` section: named when the backends inherit it by name."""
    return "defaults" if latency_map is None else f"defaults {MAIN_DEFAULTS}"


def frontend_defaults(latency_map: str | None) -> list[str]:
    """The section the frontends inherit, between the main ``defaults`` and the first frontend."""
    return [] if latency_map is None else ["", f"defaults from {MAIN_DEFAULTS}"]


def backend_defaults(latency_map: str | None) -> list[str]:
    """The section every backend after it inherits: the main defaults and the rules that count response
    times into the buckets of the map file ``latency_map``.

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
    return [
        "",
        f"defaults {BACKEND_DEFAULTS} from {MAIN_DEFAULTS}",
        f"    http-request set-var({_START}) date(0,us)",
        f"    http-response set-var({_BUCKET}) date(0,us),sub({_START}),map_int({latency_map},{BEYOND})",
        f"    http-response track-sc{_COUNTER} be_name,concat(/,{_BUCKET}) table {TABLE}",
        f"    http-response sc-inc-gpc0({_COUNTER})",
    ]


def table_lines(backends: int, latency_map: str | None) -> list[str]:
    """The backend ``TABLE`` with room for every bucket of ``backends`` backends; nothing when
    ``latency_map`` is ``None``."""
    if latency_map is None:
        return []
    size = max(1, backends) * len(latency_bounds())
    return [
        "",
        f"backend {TABLE}",
        f"    stick-table type string len {KEY_LENGTH} size {size} store gpc0",
    ]
