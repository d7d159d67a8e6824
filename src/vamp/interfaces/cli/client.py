"""A small client of Vamp's REST API for the CLI: the CLI reaches the server only through it.

``Client`` speaks to ``/api/v1`` (or ``/{namespace}/api/v1``) of one server with ``httpx``: it sends
YAML or JSON, reads JSON, pages through lists, and follows the event stream. Every failure becomes one
``ApiError`` whose message a user can act on: a server that cannot be reached says how to start one; an
answer of 4xx or 5xx carries the API's own message. Every request carries the token the CLI finds
(``vamp.interfaces.credentials``). The options every command shares (``--server``,
``--namespace``, ``--output``) are defined here too, with their environment variables.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any
from urllib.parse import quote

import httpx
import typer

from vamp import errors
from vamp.interfaces import credentials
from vamp.interfaces.cli import output

DEFAULT_SERVER = "http://127.0.0.1:8080"
YAML = "application/x-yaml"
JSON = "application/json"
PER_PAGE = 30
"""The API's largest page."""

Server = Annotated[
    str,
    typer.Option(
        "--server", envvar="VAMP_HOST", metavar="URL", help="The Vamp server's address.", show_default=True
    ),
]
Namespace = Annotated[
    str | None,
    typer.Option(
        "--namespace",
        envvar="VAMP_NAMESPACE",
        metavar="NAME",
        help="The namespace (<organisation>-<environment>); the server's default when not given.",
    ),
]
Output = Annotated[
    output.Format, typer.Option("--output", "-o", help="How to print the answer.", show_default=True)
]


class ApiError(errors.VampError):
    """The server could not be reached, or answered with an error; ``status`` is 0 when unreachable."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


class Client:
    """The REST API of the server at ``server``, in ``namespace`` (``None``: the server's default).

    It sends ``token``, or else the one ``credentials.token_for`` finds for the server: ``$VAMP_TOKEN``,
    ``vamp login``'s, or the admin token of the ``vamp up`` whose home it runs in.
    """

    def __init__(
        self,
        server: str = DEFAULT_SERVER,
        namespace: str | None = None,
        *,
        timeout: float = 30.0,
        token: str | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.server = server.rstrip("/")
        secret = token if token is not None else credentials.token_for(self.server)
        auth = {"authorization": f"Bearer {secret}"} if secret else {}
        prefix = f"/{quote(namespace, safe='')}" if namespace else ""
        self._base = f"{self.server}{prefix}/api/v1"
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=5.0),
            transport=transport,
            trust_env=False,
            headers={"accept": JSON, **auth},
        )

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def get(self, path: str, **params: Any) -> Any:
        """The JSON answer to ``GET path``."""
        return self.request("GET", path, params=params)

    def everything(self, path: str, **params: Any) -> list[Any]:
        """Every item of a paged list, page after page."""
        items: list[Any] = []
        page = 1
        while True:
            response = self._send("GET", path, params={**params, "page": page, "per_page": PER_PAGE})
            found = response.json()
            items.extend(found)
            total = int(response.headers.get("x-total-count", len(items)))
            if not found or len(items) >= total:
                return items
            page += 1

    def request(
        self,
        method: str,
        path: str,
        body: str | None = None,
        *,
        content_type: str = YAML,
        params: dict[str, Any] | None = None,
    ) -> Any:
        """The JSON answer to a request (``None`` when it has no body)."""
        response = self._send(method, path, body, content_type=content_type, params=params)
        return response.json() if response.content else None

    def stream(self, path: str, **params: Any) -> Iterator[tuple[str, Any]]:
        """The events of a Server-Sent Events stream, as (event type, data), until the server ends it."""
        try:
            url, forever = self._url(path), httpx.Timeout(None, connect=5.0)
            with self._http.stream("GET", url, params=params, timeout=forever) as got:
                if got.is_error:
                    got.read()
                    raise _failure(got)
                events = _ServerSentEvents()
                for line in got.iter_lines():
                    found = events.read(line)
                    if found is not None:
                        yield found
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from exc

    async def follow(self, path: str, **params: Any) -> AsyncIterator[tuple[str, Any]]:
        """Like ``stream``, for an asyncio task: cancelling the task closes the connection at once."""
        forever = httpx.Timeout(None, connect=5.0)
        try:
            async with (
                httpx.AsyncClient(timeout=forever, trust_env=False, headers=self._http.headers) as http,
                http.stream("GET", self._url(path), params=params) as got,
            ):
                if got.is_error:
                    await got.aread()
                    raise _failure(got)
                events = _ServerSentEvents()
                async for line in got.aiter_lines():
                    found = events.read(line)
                    if found is not None:
                        yield found
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from exc

    def _send(
        self,
        method: str,
        path: str,
        body: str | None = None,
        *,
        content_type: str = YAML,
        params: dict[str, Any] | None = None,
    ) -> httpx.Response:
        headers = {"content-type": content_type} if body is not None else {}
        try:
            response = self._http.request(
                method, self._url(path), content=body, headers=headers, params=params
            )
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from exc
        if response.is_error:
            raise _failure(response)
        return response

    def _url(self, path: str) -> str:
        """The URL of ``path`` under ``/api/v1`` (``""``: ``/api/v1`` itself, without a trailing slash)."""
        return f"{self._base}/{path}" if path else self._base

    def _unreachable(self, exc: httpx.TransportError) -> ApiError:
        return ApiError(
            f"Cannot reach the Vamp server at {self.server} ({_reason(exc)}). "
            "Start it with `vamp up` or set --server."
        )


class _ServerSentEvents:
    """Lines of a Server-Sent Events stream read into (event type, data) as each event ends."""

    def __init__(self) -> None:
        self._kind, self._data = "message", ""

    def read(self, line: str) -> tuple[str, Any] | None:
        if line.startswith("event:"):
            self._kind = line.partition(":")[2].strip()
        elif line.startswith("data:"):
            self._data += line.partition(":")[2].strip()
        elif not line and self._data:
            found = (self._kind, json.loads(self._data))
            self._kind, self._data = "message", ""
            return found
        return None


def path(kind: str, name: str | None = None) -> str:
    """The API path of a kind, or of one artifact (its name encoded: gateway names hold slashes)."""
    return kind if name is None else f"{kind}/{quoted(name)}"


def quoted(name: str) -> str:
    """A name as one path segment: slashes and all encoded."""
    return quote(name, safe="")


def _failure(response: httpx.Response) -> ApiError:
    """The API's message of an error answer, or what the answer says when it has none."""
    try:
        message = response.json().get("message")
    except (ValueError, AttributeError):
        message = None
    if not isinstance(message, str) or not message:
        request = response.request
        message = (
            f"The server answered {response.status_code} {response.reason_phrase} "
            f"to {request.method} {request.url}."
        )
    return ApiError(message, response.status_code)


_ERRNO = re.compile(r"^\[Errno -?\d+\]\s*")


def _reason(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "it did not answer in time"
    text = _ERRNO.sub("", str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
    return text[:1].lower() + text[1:]
