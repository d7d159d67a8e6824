"""Release webhooks over HTTP (``ports.release_gates.ReleaseGates``): a POST of JSON, judged by its status.

A 2xx answer within the webhook's timeout lets the release go on; any other status, a timeout, or a
connection that fails is a refusal, said in one sentence with the status and the start of the body (so a
gate can explain itself in its answer). Redirects are not followed: a gate answers for itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

BODY_SHOWN = 200
"""How many characters of a refusing answer's body the reason quotes."""


class HttpGates:
    """Calls webhooks with one shared HTTP client; ``aclose`` it when done."""

    def __init__(self, client: httpx.AsyncClient | None = None) -> None:
        self._client = client or httpx.AsyncClient(follow_redirects=False)

    async def call(self, url: str, payload: Mapping[str, Any], *, timeout: float) -> str | None:
        try:
            answer = await self._client.post(url, json=dict(payload), timeout=timeout)
        except httpx.TimeoutException:
            return f"The webhook {url} did not answer within {timeout:g} s."
        except httpx.HTTPError as exc:
            return f"The webhook {url} could not be reached: {exc or type(exc).__name__}."
        if answer.is_success:
            return None
        body = answer.text.strip()[:BODY_SHOWN]
        said = f": {body}" if body else ""
        return f"The webhook {url} answered {answer.status_code}{said}."

    async def aclose(self) -> None:
        await self._client.aclose()
