"""A small client for Envoy's admin endpoint: readiness, the config dump and the statistics.

Every failure to reach the endpoint, or an answer that is not what Envoy documents, becomes an
``errors.DataPlaneError`` naming the URL. What the answers mean is for ``files`` and ``stats``.
"""

from __future__ import annotations

from typing import Any

import httpx

from vamp import errors

JsonObject = dict[str, Any]


class Admin:
    """The admin endpoint of one Envoy at ``url`` (``http://127.0.0.1:<port>``)."""

    def __init__(self, url: str, *, timeout: float = 2.0) -> None:
        self.url = url
        self._client = httpx.AsyncClient(base_url=url, timeout=timeout)

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

    async def stats(self, pattern: str = "", *, histogram_buckets: str = "cumulative") -> JsonObject:
        """``/stats?format=json``, only the stats whose names match the regular expression ``pattern``.

        ``histogram_buckets`` is ``cumulative`` (each bucket counts every value up to its bound),
        ``disjoint`` or ``none`` (quantiles only).
        """
        params = {"format": "json", "histogram_buckets": histogram_buckets}
        if pattern:
            params["filter"] = pattern
        return await self._json("/stats", params)

    async def prometheus(self, pattern: str = "") -> str:
        """``/stats/prometheus``: the stats whose names match ``pattern``, in Prometheus' text format."""
        response = await self._get("/stats/prometheus", {"filter": pattern} if pattern else {})
        return response.text

    async def _json(self, path: str, params: dict[str, str]) -> JsonObject:
        response = await self._get(path, params)
        try:
            document = response.json()
        except ValueError as exc:
            raise errors.DataPlaneError(
                f"Envoy's admin endpoint {self.url}{path} sent invalid JSON: {exc}"
            ) from exc
        if not isinstance(document, dict):
            raise errors.DataPlaneError(
                f"Envoy's admin endpoint {self.url}{path} answered {type(document).__name__}, "
                "not a JSON object."
            )
        return document

    async def _get(self, path: str, params: dict[str, str]) -> httpx.Response:
        try:
            response = await self._client.get(path, params=params)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise errors.DataPlaneError(
                f"Envoy's admin endpoint {self.url}{path} did not answer: {exc}"
            ) from exc
        return response
