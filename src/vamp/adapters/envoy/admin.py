"""A small client for Envoy's admin endpoint: readiness, the config dump and the statistics.

The endpoint is a Unix domain socket in the agent's work directory (``bootstrap.pipe_address``), reached
over HTTP through httpx's ``uds`` transport. Every failure to reach it, or an answer that is not what
Envoy documents, becomes an ``errors.DataPlaneError`` naming the socket and the path asked for. What the
answers mean is for ``files`` and ``stats``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from vamp import errors

JsonObject = dict[str, Any]


class Admin:
    """The admin endpoint of one Envoy, on the Unix domain socket ``socket``."""

    def __init__(self, socket: Path, *, timeout: float = 2.0) -> None:
        self.socket = socket
        self.url = url_of(socket)
        transport = httpx.AsyncHTTPTransport(uds=str(socket))
        self._client = httpx.AsyncClient(
            transport=transport, base_url="http://envoy-admin", timeout=timeout, trust_env=False
        )

    async def __aenter__(self) -> Admin:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def ready(self) -> bool:
        """Whether Envoy says it is ``LIVE`` (initialised and serving); ``False`` if it does not answer."""
        try:
            response = await self._client.get("/ready")
        except httpx.HTTPError:
            return False
        return response.status_code == httpx.codes.OK and response.text.strip() == "LIVE"

    async def config_dump(self, *, include_eds: bool = False) -> JsonObject:
        """The whole ``/config_dump``, with the endpoints of every cluster when ``include_eds``."""
        return await self._json("/config_dump", {"include_eds": ""} if include_eds else {})

    async def stats(
        self, pattern: str = "", *, histogram_buckets: str = "cumulative", kind: str = ""
    ) -> JsonObject:
        """``/stats?format=json``, only the stats whose names match the regular expression ``pattern``.

        ``histogram_buckets`` is ``cumulative`` (each bucket counts every value up to its bound),
        ``disjoint`` or ``none`` (quantiles only). ``kind`` (Envoy's ``type``: ``Counters``, ``Gauges``,
        ``Histograms`` or ``TextReadouts``) reads stats of that kind only: Envoy then matches ``pattern``
        against them alone, not against every stat of every cluster.
        """
        params = {"format": "json", "histogram_buckets": histogram_buckets}
        if pattern:
            params["filter"] = pattern
        if kind:
            params["type"] = kind
        return await self._json("/stats", params)

    async def prometheus(self, pattern: str = "", *, used_only: bool = False) -> str:
        """``/stats/prometheus``: the stats whose names match ``pattern``, in Prometheus' text format.

        ``used_only`` leaves out the stats never written to (``usedonly``): a counter never incremented
        (it is 0), a histogram that has recorded no value.
        """
        params = {"filter": pattern} if pattern else {}
        if used_only:
            params["usedonly"] = ""
        response = await self._get("/stats/prometheus", params)
        return response.text

    async def _json(self, path: str, params: dict[str, str]) -> JsonObject:
        response = await self._get(path, params)
        try:
            document = response.json()
        except ValueError as exc:
            raise errors.DataPlaneError(
                f"Envoy's admin endpoint ({self.url}) sent invalid JSON for {path}: {exc}"
            ) from exc
        if not isinstance(document, dict):
            raise errors.DataPlaneError(
                f"Envoy's admin endpoint ({self.url}) answered {type(document).__name__} for {path}, "
                "not a JSON object."
            )
        return document

    async def _get(self, path: str, params: dict[str, str]) -> httpx.Response:
        try:
            response = await self._client.get(path, params=params)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise errors.DataPlaneError(
                f"Envoy's admin endpoint ({self.url}) did not answer {path}: {str(exc) or type(exc).__name__}"
            ) from exc
        return response


def url_of(socket: Path) -> str:
    """How logs and ``/status`` name the admin endpoint on ``socket``: ``unix:///…/admin.sock``."""
    return f"unix://{socket}"
