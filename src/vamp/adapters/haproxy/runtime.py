"""A small client for HAProxy's runtime API on its UNIX stats socket: statistics, info, and server changes.

One command per connection: HAProxy closes a non-interactive connection after answering, so the end of
the answer is the end of the stream, with no prompt to look for in the data (the prompt mode's ``> ``
can also begin a line of an answer). The socket is local, so a connection costs tens of microseconds,
and concurrent callers share nothing. HAProxy serves at most ``maxconn`` (10 by default) connections on
a stats socket and resets the rest once its backlog is full (50 commands at once lost 29 in a
measurement), so a ``Runtime`` runs at most ``concurrency`` commands at a time and queues the others.

Every answer is read within ``timeout`` seconds and at most ``max_bytes`` long. HAProxy 2.6 marks no
error as such (``No such server.``, ``Unknown command…``): each command here knows its answer on success
(nothing for ``set server``, ``New server registered.`` …), and any other answer becomes an
``errors.DataPlaneError`` naming the socket and the command, with HAProxy's own words. Measured on
Debian's HAProxy 2.6.12: ``add server`` and ``del server`` work on a backend with a dynamic balance
algorithm (``roundrobin``, ``leastconn`` …); a new server starts in maintenance, and a server must be in
maintenance with no connections left to be deleted. What the statistics mean is for ``stats``.
"""

from __future__ import annotations

import asyncio
import csv
import enum
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from vamp import errors

MAX_WEIGHT = 256
"""The largest server weight HAProxy takes."""
_NAME = re.compile(r"^[A-Za-z0-9_.:-]+$")
_ADDRESS = re.compile(r"^[A-Za-z0-9_.:\[\]-]+$")
_KEYWORD = re.compile(r"[A-Za-z0-9-]+")
_STATUS_CLASSES = ("1xx", "2xx", "3xx", "4xx", "5xx")


class ProxyType(enum.IntEnum):
    """What a row of ``show stat`` describes (its ``type`` column)."""

    FRONTEND = 0
    BACKEND = 1
    SERVER = 2
    LISTENER = 3


@dataclass(frozen=True, slots=True)
class StatRow:
    """One row of ``show stat``: a frontend, a backend, one of its servers, or a listener.

    Counters are cumulative since HAProxy started; the response times are HAProxy's averages over the
    last 1024 requests, in milliseconds (``None`` where HAProxy leaves them empty, as for a frontend).
    """

    proxy: str
    server: str
    """``FRONTEND``, ``BACKEND``, or the server's name."""
    type: ProxyType
    status: str
    """``UP``, ``DOWN``, ``MAINT``, ``OPEN``, ``no check`` …, as HAProxy says it."""
    weight: int | None
    requests: int
    """HTTP requests (``req_tot``); sessions (``stot``) for a TCP proxy."""
    responses: Mapping[str, int]
    """HTTP responses per status class, ``1xx`` to ``5xx`` (every class present, zero or not)."""
    connection_errors: int
    response_errors: int
    queue_ms: int | None
    connect_ms: int | None
    response_ms: int | None
    total_ms: int | None
    address: str


def parse_stat(text: str) -> list[StatRow]:
    """The rows of ``show stat``'s CSV ``text`` (its header line starts ``# pxname,svname,``).

    Raises:
        errors.DataPlaneError: the text is not ``show stat``'s CSV, or a row cannot be read.
    """
    if not text.startswith("# pxname,svname,"):
        raise errors.DataPlaneError(
            f"HAProxy's statistics do not start with the CSV header '# pxname,svname,…': {text[:120]!r}"
        )
    rows = []
    for record in csv.DictReader(io.StringIO(text[2:])):
        try:
            rows.append(_row(record))
        except (KeyError, ValueError) as exc:
            raise errors.DataPlaneError(
                f"Cannot read HAProxy's statistics row {record.get('pxname')}/{record.get('svname')}: {exc}"
            ) from exc
    return rows


def parse_info(text: str) -> dict[str, str]:
    """The ``Name: value`` lines of ``show info``, by name."""
    info = {}
    for line in text.splitlines():
        name, colon, value = line.partition(":")
        if colon:
            info[name.strip()] = value.strip()
    return info


class Runtime:
    """The runtime API of one HAProxy, on the UNIX stats socket ``socket`` (``level admin`` to change)."""

    def __init__(
        self, socket: Path, *, timeout: float = 2.0, max_bytes: int = 16 * 1024 * 1024, concurrency: int = 8
    ) -> None:
        self.socket = socket
        self.timeout = timeout
        self.max_bytes = max_bytes
        self._slots = asyncio.Semaphore(concurrency)

    async def stat(self) -> list[StatRow]:
        """Every row of ``show stat``."""
        return parse_stat(await self.command("show stat"))

    async def info(self) -> dict[str, str]:
        """``show info``: ``Version``, ``Pid``, ``Uptime_sec``, ``CumReq`` …"""
        answer = await self.command("show info")
        info = parse_info(answer)
        if "Name" not in info:
            raise self._refused("show info", answer)
        return info

    async def set_weight(self, backend: str, server: str, weight: int) -> None:
        """Give ``backend/server`` the weight ``weight`` (0 to 256; 0 sends it no new requests)."""
        if not 0 <= weight <= MAX_WEIGHT:
            raise errors.DataPlaneError(
                f"Weight {weight} of HAProxy server {backend}/{server} must be from 0 to {MAX_WEIGHT}."
            )
        await self._expect(f"set server {_name(backend)}/{_name(server)} weight {weight}", "")

    async def set_state(self, backend: str, server: str, state: str) -> None:
        """Put ``backend/server`` in state ``ready``, ``drain`` or ``maint``."""
        if state not in ("ready", "drain", "maint"):
            raise errors.DataPlaneError(
                f"State {state!r} of HAProxy server {backend}/{server} must be ready, drain or maint."
            )
        await self._expect(f"set server {_name(backend)}/{_name(server)} state {state}", "")

    async def add_server(
        self, backend: str, server: str, address: str, *, weight: int = 1, checks: tuple[str, ...] = ()
    ) -> None:
        """Add ``backend/server`` at ``address`` (``host:port``); it starts in maintenance (``set_state``).

        ``checks``: health-check keywords (``check``, ``inter``, ``1000ms`` …), which a server added at run
        time does not inherit from its backend's ``default-server``; its checks start with
        ``enable_health``.
        """
        if any(not _KEYWORD.fullmatch(word) for word in checks):
            raise errors.DataPlaneError(
                f"Health-check keywords {' '.join(checks)!r} of HAProxy server {backend}/{server} must be "
                "letters, digits and '-' only."
            )
        if not _ADDRESS.match(address):
            raise errors.DataPlaneError(
                f"Address {address!r} of HAProxy server {backend}/{server} must be host:port."
            )
        if not 0 <= weight <= MAX_WEIGHT:
            raise errors.DataPlaneError(
                f"Weight {weight} of HAProxy server {backend}/{server} must be from 0 to {MAX_WEIGHT}."
            )
        command = f"add server {_name(backend)}/{_name(server)} {address} weight {weight}"
        await self._expect(" ".join([command, *checks]), "New server registered.")

    async def enable_health(self, backend: str, server: str) -> None:
        """Start the health checks of ``backend/server`` (a server added with checks has them stopped)."""
        await self._expect(f"enable health {_name(backend)}/{_name(server)}", "")

    async def del_server(self, backend: str, server: str) -> None:
        """Delete ``backend/server``, which must be in maintenance with no connections left."""
        await self._expect(f"del server {_name(backend)}/{_name(server)}", "Server deleted.")

    async def command(self, command: str) -> str:
        """HAProxy's whole answer to one ``command`` line, on a connection of its own (once one of the
        ``concurrency`` slots is free; ``timeout`` counts from then).

        Raises:
            errors.DataPlaneError: the socket does not answer within ``timeout`` seconds, or the answer is
                longer than ``max_bytes``.
        """
        async with self._slots:
            answer = await self._exchange(command)
        if len(answer) > self.max_bytes:
            raise errors.DataPlaneError(
                f"HAProxy's answer to {command!r} on {url_of(self.socket)} is longer than "
                f"{self.max_bytes} bytes."
            )
        return answer.decode(errors="replace")

    async def _exchange(self, command: str) -> bytearray:
        try:
            async with asyncio.timeout(self.timeout):
                reader, writer = await asyncio.open_unix_connection(str(self.socket))
                try:
                    writer.write(command.encode() + b"\n")
                    await writer.drain()
                    answer = bytearray()
                    while len(answer) <= self.max_bytes:
                        more = await reader.read(self.max_bytes + 1 - len(answer))
                        if not more:
                            break
                        answer += more
                finally:
                    writer.close()
        except TimeoutError as exc:
            raise errors.DataPlaneError(
                f"HAProxy's runtime API ({url_of(self.socket)}) did not answer {command!r} "
                f"within {self.timeout} s."
            ) from exc
        except OSError as exc:
            raise errors.DataPlaneError(
                f"HAProxy's runtime API ({url_of(self.socket)}) cannot be reached for {command!r}: {exc}"
            ) from exc
        return answer

    async def _expect(self, command: str, success: str) -> None:
        answer = await self.command(command)
        if answer.strip() != success:
            raise self._refused(command, answer)

    def _refused(self, command: str, answer: str) -> errors.DataPlaneError:
        said = " ".join(answer.split()) or "nothing"
        return errors.DataPlaneError(f"HAProxy ({url_of(self.socket)}) refused {command!r}: {said}")


def url_of(socket: Path) -> str:
    """How logs name the runtime API on ``socket``: ``unix:///…/haproxy.sock``."""
    return f"unix://{socket}"


def _name(name: str) -> str:
    if not _NAME.match(name):
        raise errors.DataPlaneError(
            f"HAProxy backend or server name {name!r} must be letters, digits and '_.:-' only."
        )
    return name


def _row(record: Mapping[str, str | None]) -> StatRow:
    kind = ProxyType(int(record["type"] or 0))
    requests = record.get("req_tot") or record.get("stot") or "0"
    return StatRow(
        proxy=record["pxname"] or "",
        server=record["svname"] or "",
        type=kind,
        status=record.get("status") or "",
        weight=_optional(record.get("weight")),
        requests=int(requests),
        responses={c: int(record.get(f"hrsp_{c}") or 0) for c in _STATUS_CLASSES},
        connection_errors=int(record.get("econ") or 0),
        response_errors=int(record.get("eresp") or 0),
        queue_ms=_optional(record.get("qtime")),
        connect_ms=_optional(record.get("ctime")),
        response_ms=_optional(record.get("rtime")),
        total_ms=_optional(record.get("ttime")),
        address=record.get("addr") or "",
    )


def _optional(value: str | None) -> int | None:
    return int(value) if value else None
