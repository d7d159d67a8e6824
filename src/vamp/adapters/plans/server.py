"""Routing plans from the Vamp server's long-poll API.

The agent asks ``GET {url}/api/v1/vga/plan?version=<the version it has>&wait=<seconds>``. The server
answers at once with the plan (200, JSON) when its version differs, and otherwise holds the request up to
``wait`` seconds and answers 304 Not Modified; the agent then asks again. So a new plan reaches the agent
as soon as the server has it, with one request in flight per agent.

The agent sends its token (``Authorization: Bearer``); a 401 or 403 is reported like any other refusal.
When the server cannot be reached, or answers anything else, the source reports it as ``Unavailable``
and asks again after a capped exponential backoff (0.5 s doubling up to 30 s by default); the first
good answer resets the backoff. The agent keeps serving its last good plan meanwhile.

A plan as the Vamp server writes it (``RoutingPlan.to_text``: canonical JSON, its version the last key)
is handed to the agent as its text (``OfferedJson``), the version to ask with next read from its last
bytes: the agent decodes only what changed since the last plan, and reports a text that is not JSON as
this source's. Any other answer is decoded here (``Offered``), to learn its version.

An agent that serves several namespaces adds ``&namespace=N`` for each, or ``&all_namespaces=true``; the
server then answers one plan combining theirs. Without either it serves the server's default namespace.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

import httpx

from vamp import errors
from vamp.ports import gateway_agent

PATH = "/api/v1/vga/plan"
_VERSION_LAST = re.compile(rb',"version":"([0-9a-f]{1,64})"\}\Z')
"""The end of a plan ``RoutingPlan.to_text`` wrote: in JSON text, the value of the last key of the
outermost object (what ``json.loads`` keeps of a key given twice)."""


class PlanServer:
    """The plans the server at ``url`` publishes for gateway agents.

    Args:
        namespaces: the namespaces whose plans to serve, combined into one (none: the server's default).
        all_namespaces: serve every namespace the server holds plans for, combined into one.
        wait: how long the server may hold a request when nothing changed, in seconds.
        backoff: the first and the longest wait before asking again after a failure, in seconds.
        token: the agent's token, sent as ``Authorization: Bearer``; a server refuses agents without one.
        transport: an ``httpx`` transport to use instead of the network.
        sleep: how the source waits out a backoff (``asyncio.sleep``; a test passes a fake clock's).
    """

    def __init__(
        self,
        url: str,
        *,
        namespaces: Sequence[str] = (),
        all_namespaces: bool = False,
        wait: int = 30,
        backoff: tuple[float, float] = (0.5, 30.0),
        token: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.url = url.rstrip("/")
        self.endpoint = self.url + PATH
        self._wait = wait
        self._scope: list[tuple[str, str]] = [("namespace", namespace) for namespace in namespaces]
        if all_namespaces:
            self._scope.append(("all_namespaces", "true"))
        self._backoff = backoff
        self._transport = transport
        self._sleep = sleep
        self._headers = {"accept": "application/json"}
        if token:
            self._headers["authorization"] = f"Bearer {token}"

    def check(self) -> None:
        """Make sure the URL can be asked at all (the server may still be down).

        Raises:
            errors.PlanSourceError: it is not an ``http://`` or ``https://`` URL with a host.
        """
        try:
            parsed = httpx.URL(self.url)
        except httpx.InvalidURL as exc:
            raise errors.PlanSourceError(f"The server URL {self.url!r} is not valid: {exc}.") from exc
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise errors.PlanSourceError(
                f"The server URL {self.url!r} is not valid: use http://HOST[:PORT] or https://HOST[:PORT]."
            )

    async def watch(self, since: str) -> AsyncIterator[gateway_agent.Received]:
        """Every new plan the server publishes after version ``since``, and every failure to ask."""
        version = since
        failures = 0
        timeout = httpx.Timeout(self._wait + 10.0, connect=5.0)
        async with httpx.AsyncClient(timeout=timeout, transport=self._transport) as client:
            while True:
                received = await self._ask(client, version)
                if received is None:  # nothing new
                    failures = 0
                    continue
                yield received
                new_version = _version(received)
                if new_version is not None and new_version != version:
                    version, failures = new_version, 0
                    continue
                # A failure, or an answer that gives no new version to wait on: do not ask again at once.
                failures += 1
                await self._sleep(self._delay(failures))

    async def _ask(self, client: httpx.AsyncClient, version: str) -> gateway_agent.Received | None:
        try:
            response = await client.get(
                self.endpoint,
                params=[("version", version), ("wait", str(self._wait)), *self._scope],
                headers=self._headers,
            )
        except httpx.HTTPError as exc:
            return gateway_agent.Unavailable(
                f"The Vamp server at {self.url} cannot be reached: {str(exc) or type(exc).__name__}; "
                "the agent keeps serving its current plan."
            )
        if response.status_code == httpx.codes.NOT_MODIFIED:
            return None
        if response.status_code != httpx.codes.OK:
            return gateway_agent.Unavailable(
                f"The Vamp server answered {response.status_code} to GET {self.endpoint}: "
                f"{' '.join(response.text[:300].split())}"
            )
        not_json = f"The Vamp server sent a plan that is not JSON from GET {self.endpoint}"
        if _VERSION_LAST.search(response.content, len(response.content) - 90) is not None:
            return gateway_agent.OfferedJson(response.content, self.endpoint, not_json)
        try:
            data = response.json()
        except ValueError as exc:
            return gateway_agent.Unavailable(f"{not_json}: {exc}.")
        return gateway_agent.Offered(data, self.endpoint)

    def _delay(self, failures: int) -> float:
        first, longest = self._backoff
        return float(min(longest, first * 2 ** min(failures - 1, 30)))


def _version(received: gateway_agent.Received) -> str | None:
    if isinstance(received, gateway_agent.OfferedJson):
        found = _VERSION_LAST.search(received.text, len(received.text) - 90)
        return found.group(1).decode() if found is not None else None
    if isinstance(received, gateway_agent.Offered) and isinstance(received.data, dict):
        version = received.data.get("version")
        return version if isinstance(version, str) and version else None
    return None
