"""The gateway agent's traffic meter: request counts of every gateway and route, and their rates.

``TrafficMeter`` samples the data plane's counters every ``interval`` seconds; a report gives the counters
as they are now with the requests per second between the last two samples, so a rate covers a whole
interval however often the report is asked for. A counter lower than at the sample before means the data
plane restarted and counts from zero again. The agent's endpoint serves the report (``/metrics.json``,
``/metrics``); the plan loop is ``agent``'s.

Everything outside goes through ``vamp.ports.gateway_agent``; this module never touches a file, a
socket or a process itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from vamp import errors
from vamp.ports import gateway_agent

log = logging.getLogger("vamp.agent")


@dataclass(frozen=True, slots=True)
class Measured:
    """A route's or a gateway's traffic, and its requests per second over the last interval."""

    traffic: gateway_agent.Traffic
    per_second: float


@dataclass(frozen=True, slots=True)
class TrafficReport:
    """The traffic of every gateway and route at ``at``; rates cover the ``interval`` seconds before."""

    at: datetime
    interval: float | None
    """``None`` until two samples have been taken: rates are 0 until then."""
    items: tuple[Measured, ...]


Key = tuple[str, str | None]


@dataclass(frozen=True, slots=True)
class _Sample:
    time: float
    requests: Mapping[Key, int]


class TrafficMeter:
    """Samples the data plane's request counters every ``interval`` seconds to give request rates."""

    def __init__(
        self, data_plane: gateway_agent.DataPlane, clock: gateway_agent.Clock, *, interval: float = 2.0
    ) -> None:
        self._data_plane = data_plane
        self._clock = clock
        self._interval = interval
        self._previous: _Sample | None = None
        self._latest: _Sample | None = None

    async def run(self) -> None:
        """Take a sample every ``interval`` seconds until cancelled."""
        while True:
            try:
                await self.sample()
            except errors.DataPlaneError as exc:
                log.debug("No traffic sample this time: %s", exc)
            await asyncio.sleep(self._interval)

    async def sample(self) -> None:
        """Read the counters now; rates are computed between the last two samples."""
        traffic = await self._data_plane.traffic()
        requests = {(item.gateway, item.route): item.requests for item in traffic}
        self._previous, self._latest = self._latest, _Sample(self._clock.monotonic(), requests)

    async def report(self) -> TrafficReport:
        """The counters as they are now, with the rates of the last sampled interval.

        Raises:
            errors.DataPlaneError: the data plane cannot be reached right now.
        """
        traffic = await self._data_plane.traffic()
        before, after = self._previous, self._latest
        if before is None or after is None:
            return TrafficReport(self._clock.now(), None, tuple(Measured(item, 0.0) for item in traffic))
        seconds = after.time - before.time
        items = tuple(
            Measured(item, _rate(before.requests, after.requests, (item.gateway, item.route), seconds))
            for item in traffic
        )
        return TrafficReport(self._clock.now(), seconds, items)


def _rate(before: Mapping[Key, int], after: Mapping[Key, int], key: Key, seconds: float) -> float:
    now = after.get(key, 0)
    then = before.get(key, 0)
    # Fewer requests than before: the data plane restarted and counts from zero again.
    counted = now - then if now >= then else now
    return counted / seconds if seconds > 0 else 0.0
