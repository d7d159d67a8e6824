"""Test parts that stand in for services and clients: HTTP backends and a keep-alive load generator.

``Backends`` runs small HTTP/1.1 servers on 127.0.0.1 (free ports) in a thread of their own, so the test's
event loop only drives clients. Each answers every request with its name in an ``x-backend`` header and
a JSON body echoing the method, path and headers; with ``status[name]`` set it answers with that code
instead of 200, with ``delay[name]`` set it waits that many seconds first. ``Backends.stop(name)`` closes
one, so its port refuses connections.

``load`` sends requests at a steady rate over a few keep-alive connections and counts responses per
backend, failures and reconnects: the instrument for checking that a configuration change drops nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

HOST = "127.0.0.1"


class Backends:
    """Named HTTP backends on free ports; use as a context manager."""

    def __init__(self, *names: str) -> None:
        self.ports: dict[str, int] = {}
        self.status: dict[str, int] = dict.fromkeys(names, 200)
        self.delay: dict[str, float] = dict.fromkeys(names, 0.0)
        self.requests: Counter[str] = Counter()
        self._names = names
        self._servers: dict[str, asyncio.Server] = {}
        self._writers: dict[str, set[asyncio.StreamWriter]] = {name: set() for name in names}
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="backends", daemon=True)

    def __enter__(self) -> Backends:
        self._thread.start()
        for name in self._names:
            self._call(self._serve(name))
        return self

    def __exit__(self, *exc_info: object) -> None:
        for name in list(self._servers):
            self.stop(name)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()

    def stop(self, name: str) -> None:
        """Close backend ``name`` and its connections: its port refuses from now on."""
        self._call(self._close(name))

    def _call(self, coroutine: object) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=5)  # type: ignore[arg-type]

    async def _serve(self, name: str) -> None:
        server = await asyncio.start_server(lambda r, w: self._connection(name, r, w), HOST, 0)
        self._servers[name] = server
        self.ports[name] = server.sockets[0].getsockname()[1]

    async def _close(self, name: str) -> None:
        server = self._servers.pop(name)
        server.close()
        for writer in self._writers[name]:
            writer.close()
        await server.wait_closed()

    async def _connection(
        self, name: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self._writers[name].add(writer)
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            while request := await _read_request(reader):
                method, path, headers = request
                self.requests[name] += 1
                if self.delay[name]:
                    await asyncio.sleep(self.delay[name])
                body = json.dumps({"name": name, "method": method, "path": path, "headers": headers}).encode()
                status = self.status[name]
                writer.write(
                    f"HTTP/1.1 {status} X\r\nx-backend: {name}\r\ncontent-type: application/json\r\n"
                    f"content-length: {len(body)}\r\n\r\n".encode()
                    + body
                )
                await writer.drain()
        self._writers[name].discard(writer)
        writer.close()


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, str, dict[str, str]] | None:
    head = await reader.readuntil(b"\r\n\r\n") if not reader.at_eof() else b""
    if not head:
        return None
    request_line, *lines = head.decode("latin-1").split("\r\n")
    method, path, _ = request_line.split(" ", 2)
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines if line)}
    if length := int(headers.get("content-length", "0")):
        await reader.readexactly(length)
    return method, path, headers


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def backend(self) -> str:
        return self.headers.get("x-backend", "")


class Connection:
    """One keep-alive HTTP/1.1 client connection, reopened when the server closes it."""

    def __init__(self, port: int, host: str = HOST) -> None:
        self._port = port
        self._host = host
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self.opened = 0

    async def request(
        self, path: str = "/", headers: Mapping[str, str] | None = None, method: str = "GET"
    ) -> Response:
        if self._writer is None or self._reader is None or self._reader.at_eof():
            await self.close()
            self._reader, self._writer = await asyncio.open_connection(self._host, self._port)
            self.opened += 1
        lines = "".join(f"{k}: {v}\r\n" for k, v in {"host": "test", **(headers or {})}.items())
        self._writer.write(f"{method} {path} HTTP/1.1\r\n{lines}content-length: 0\r\n\r\n".encode())
        try:
            return await _read_response(self._reader)
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(ConnectionError):
                await self._writer.wait_closed()
        self._reader = self._writer = None


async def _read_response(reader: asyncio.StreamReader) -> Response:
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    status = int(head[0].split(" ", 2)[1])
    headers: dict[str, str] = {}
    for line in head[1:]:
        if line:
            key, _, value = line.partition(":")
            key = key.strip().lower()
            headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    if headers.get("connection", "").lower() == "close":
        reader.feed_eof()
    return Response(status, headers, body)


@dataclass(slots=True)
class Load:
    """What a load run saw. ``timeline`` holds (monotonic time received, backend) per good response."""

    responses: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    connections: int = 0
    timeline: list[tuple[float, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.responses.values())


async def load(
    port: int,
    *,
    rate: float,
    connections: int = 4,
    until: Callable[[], bool],
    headers: Mapping[str, str] | None = None,
    seen: Load | None = None,
) -> Load:
    """Send about ``rate`` requests/s to ``127.0.0.1:port`` over keep-alive connections until ``until()``.

    A response other than 200, or a connection error, is a failure. Pass ``seen`` to watch it fill while
    the load runs.
    """
    seen = seen if seen is not None else Load()
    interval = connections / rate

    async def client() -> None:
        connection = Connection(port)
        next_send = time.monotonic()
        while not until():
            try:
                response = await connection.request("/", headers)
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                seen.failures.append(f"{type(exc).__name__}: {exc}")
            else:
                if response.status == 200:
                    seen.responses[response.backend] += 1
                    seen.timeline.append((time.monotonic(), response.backend))
                else:
                    seen.failures.append(f"status {response.status}: {response.body[:200]!r}")
            next_send += interval
            await asyncio.sleep(max(0.0, next_send - time.monotonic()))
        seen.connections += connection.opened
        await connection.close()

    await asyncio.gather(*(client() for _ in range(connections)))
    return seen


def shares(counts: Counter[str]) -> Iterator[tuple[str, float]]:
    """Each backend's share of ``counts``, in percent."""
    total = sum(counts.values())
    for name, count in sorted(counts.items()):
        yield name, 100.0 * count / total


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])
