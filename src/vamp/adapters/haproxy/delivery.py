"""What it takes to go from one rendered plan to the next: the runtime API alone, or a reload (pure).

HAProxy's runtime API can change two things of a running worker at once and for good (the data plane
writes the same into the files, so a reload or a restart serves the same):

* a weight map's entries (``prepare map`` … ``commit map``): the weights of every route;
* the servers of a backend (``add server``, ``del server``): a target cluster's instances, when the server
  line is a bare ``server NAME ADDRESS`` (a line with options is structure).

Everything else is structure: a new or removed gateway, frontend or backend, a changed condition,
timeout, balance algorithm or port, a new map file. ``change`` compares the two texts with the server
lines and the version taken out; if what is left differs (or there was nothing before), the change needs
a reload. ``binds`` gives the addresses a configuration listens on, for the port check before a delivery.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from vamp.adapters.haproxy.render import VERSION_VARIABLE

Maps = Mapping[str, tuple[tuple[str, str], ...]]


class Rendered(Protocol):
    """What ``change`` reads of a rendering (``render.Rendering``)."""

    @property
    def text(self) -> str: ...

    @property
    def maps(self) -> Maps: ...


@dataclass(frozen=True, slots=True, order=True)
class Server:
    """A bare server line of a backend."""

    backend: str
    name: str
    address: str


@dataclass(frozen=True, slots=True)
class Change:
    """How to deliver a rendering over the one running.

    ``reload`` says whether the structure changed (then the rest is moot: the reload loads everything);
    otherwise ``maps`` holds the maps whose entries changed, and ``removed`` and ``added`` the servers to
    delete and to add (a server whose address changed is in both).
    """

    reload: bool
    maps: Maps = field(default_factory=dict)
    added: tuple[Server, ...] = ()
    removed: tuple[Server, ...] = ()

    @property
    def nothing(self) -> bool:
        """Whether the running worker serves the new rendering already."""
        return not (self.reload or self.maps or self.added or self.removed)


def change(before: Rendered | None, after: Rendered) -> Change:
    """What delivering ``after`` over ``before`` (what runs; ``None`` for nothing known) takes."""
    if before is None:
        return Change(reload=True)
    old_structure, old_servers = _split(before.text)
    new_structure, new_servers = _split(after.text)
    # Files beside the text (TLS certificates) are structure too: a reload reads them.
    if (
        old_structure != new_structure
        or set(before.maps) != set(after.maps)
        or getattr(before, "files", None) != getattr(after, "files", None)
    ):
        return Change(reload=True)
    maps = {name: entries for name, entries in after.maps.items() if before.maps[name] != entries}
    return Change(
        reload=False,
        maps=maps,
        added=tuple(sorted(new_servers - old_servers)),
        removed=tuple(sorted(old_servers - new_servers)),
    )


def binds(text: str) -> set[tuple[str, int]]:
    """The ``(host, port)`` of every ``bind`` line of a configuration (``[::1]:80`` → ``("::1", 80)``)."""
    found = set()
    for line in text.splitlines():
        words = line.split()
        if len(words) >= 2 and words[0] == "bind":
            host, _, port = words[1].rpartition(":")
            if port.isdigit() and host:
                found.add((host.removeprefix("[").removesuffix("]"), int(port)))
    return found


def _split(text: str) -> tuple[list[str], set[Server]]:
    """A configuration's structure (its lines without bare server lines and the version) and its servers."""
    structure: list[str] = []
    servers: set[Server] = set()
    backend: str | None = None
    for line in text.splitlines():
        words = line.split()
        if line and not line[0].isspace():
            backend = words[1] if words[0] == "backend" and len(words) == 2 else None
        if line.startswith("#") or _is_version(words):
            continue
        if backend is not None and len(words) == 3 and words[0] == "server":
            servers.add(Server(backend, words[1], words[2]))
            continue
        structure.append(line)
    return structure, servers


def _is_version(words: Iterable[str]) -> bool:
    listed = list(words)
    return len(listed) == 3 and listed[0] == "setenv" and listed[1] == VERSION_VARIABLE
