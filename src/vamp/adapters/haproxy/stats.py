"""Per-backend and per-server traffic between two readings of HAProxy's ``show stat``: requests, rate,
responses by status class.

Pure: ``runtime.Runtime.stat`` takes the readings and the caller measures the seconds between them (this
module has no clock). A backend's row counts every request it sent, to whichever server; a server's row
counts its own. A counter that went down means HAProxy restarted (or the server was deleted and added
again) in between; the later value then counts from zero, as in ``vamp.adapters.envoy.stats``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from vamp.adapters.haproxy.runtime import ProxyType, StatRow

Key = tuple[str, str]
"""``(backend, server)``; ``server`` is ``BACKEND`` for the backend's own row."""


@dataclass(frozen=True, slots=True)
class Traffic:
    """What one backend or server handled between two readings."""

    requests: int
    per_second: float
    responses: Mapping[str, int]
    """Responses per status class (``2xx`` …); classes without a response are absent."""

    @property
    def server_errors(self) -> int:
        """Responses with status 5xx."""
        return self.responses.get("5xx", 0)


def traffic(before: Iterable[StatRow], after: Iterable[StatRow], seconds: float) -> dict[Key, Traffic]:
    """Each backend's and server's traffic between two readings ``seconds`` apart (rows in ``after`` only;
    frontends and listeners are left out)."""
    if seconds <= 0:
        raise ValueError(f"seconds between two readings must be positive, not {seconds!r}")
    earlier = {(row.proxy, row.server): row for row in before}
    result = {}
    for row in after:
        if row.type not in (ProxyType.BACKEND, ProxyType.SERVER):
            continue
        then = earlier.get((row.proxy, row.server))
        base = then if then is not None and then.requests <= row.requests else None
        requests = row.requests - (base.requests if base else 0)
        responses = {
            status: count - (base.responses.get(status, 0) if base else 0)
            for status, count in row.responses.items()
        }
        result[row.proxy, row.server] = Traffic(
            requests, requests / seconds, {status: n for status, n in responses.items() if n > 0}
        )
    return result
