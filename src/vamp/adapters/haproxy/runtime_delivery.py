"""Delivering a change through HAProxy's runtime API, with no reload: weight maps and servers.

``deliver`` carries out what ``delivery.change`` found a runtime change (the files in place already hold
the new configuration, so a reload or a restart would serve the same):

* each changed weight map is swapped whole: ``prepare map`` makes a new, empty version of it, ``add map
  @N`` fills it (many entries per command line), ``commit map @N`` (on the line of the last entries)
  makes it the one every request reads, at once; ``show map`` then must list exactly the new entries, or
  the change is not active. Several maps are swapped at a time (``swap_maps``);
* new servers are added (``add server``; they start in maintenance) and set ``ready`` before any server
  goes, so a cluster whose instances are all replaced keeps answering; a server that goes is set to
  maintenance (no new request goes to it) and deleted as soon as HAProxy lets it (once its requests in
  flight are answered). One HAProxy holds on to longer (``DELETE_WITHIN_SECONDS``) stays in
  maintenance and is deleted by a later delivery (``delete_leftovers``) or gone with the next reload;
* such a leftover is still a server of the running worker: when a change adds it again (its instance
  moves back, as in a blue/green flip), it is set ``ready`` again if its address is the same, and
  deleted first (like a server whose address changed) if not. Adding it anew would be refused (the name
  is taken), and the fallback, a reload, would close every client's keep-alive connection.

Any refusal is an ``errors.DataPlaneError`` naming the command, for the data plane to fall back to a
reload.
"""

from __future__ import annotations

import asyncio
import re

from vamp import errors
from vamp.adapters.haproxy import delivery, files, runtime

_ENTRIES_PER_LINE = 40
DELETE_WITHIN_SECONDS = 1.0
"""How long a delivery waits for HAProxy to let a server in maintenance be deleted. It usually does within
15 ms; but HAProxy 2.6 refuses while the server holds an idle connection, and one a request in flight
returns to the pool after the server went into maintenance lasts until HAProxy purges idle connections
(up to 16 s measured). Such a server is left in maintenance (it gets no request) and deleted later."""
_POLL_SECONDS = 0.01
_VERSION = re.compile(r"New version created: (\d+)")


async def deliver(
    api: runtime.Runtime,
    layout: files.Layout,
    change: delivery.Change,
    leftovers: tuple[delivery.Server, ...] = (),
) -> tuple[delivery.Server, ...]:
    """Make the running worker serve ``change``'s maps and servers; return the servers that go but that
    HAProxy did not let be deleted yet (in maintenance: they get no request), for ``delete_leftovers``.

    ``leftovers``: the servers earlier deliveries left in maintenance (still in the worker). One that
    ``change`` adds again at the same address is set ready again; one it adds at another address is
    deleted first. The servers returned include the leftovers ``change`` does not add again.

    Raises:
        errors.DataPlaneError: HAProxy refused a command.
    """
    added = {(server.backend, server.name): server for server in change.added}
    revived = [server for server in leftovers if added.get((server.backend, server.name)) == server]
    in_the_way = [
        server for server in leftovers if (server.backend, server.name) in added and server not in revived
    ]
    kept = [server for server in leftovers if (server.backend, server.name) not in added]
    removed = (*change.removed, *in_the_way)
    replaced = {(server.backend, server.name) for server in removed}
    first = [
        server
        for server in change.added
        if (server.backend, server.name) not in replaced and server not in revived
    ]
    for server in revived:
        await api.set_state(server.backend, server.name, "ready")
    for server in first:
        await add(api, server)
    await swap_maps(api, layout, change.maps)
    left = []
    for server in removed:
        if not await remove(api, server, within=DELETE_WITHIN_SECONDS):
            if (server.backend, server.name) in added:
                raise errors.DataPlaneError(
                    f"HAProxy does not let server {server.backend}/{server.name} go within "
                    f"{DELETE_WITHIN_SECONDS:g} s, so it cannot be added again at its new address."
                )
            left.append(server)
    for server in change.added:
        if server not in first and server not in revived:
            await add(api, server)
    return (*kept, *left)


async def delete_leftovers(
    api: runtime.Runtime, servers: tuple[delivery.Server, ...]
) -> tuple[delivery.Server, ...]:
    """Try once more to delete servers an earlier delivery left in maintenance; return those still left."""
    left = []
    for server in servers:
        try:
            await api.del_server(server.backend, server.name)
        except errors.DataPlaneError:
            left.append(server)
    return tuple(left)


async def swap_maps(api: runtime.Runtime, layout: files.Layout, maps: files.Maps) -> None:
    """Swap every map of ``maps``, several at a time: each swap is a few commands in a row, and the
    runtime's slots bound how many run at once (a weight change on 1,000 gateways is 4,000 commands,
    3 s one after another; maps of different frontends never depended on each other's order).

    Raises:
        errors.DataPlaneError: HAProxy refused one of the commands (the first refusal; the other swaps
            are cancelled).
    """
    try:
        async with asyncio.TaskGroup() as swaps:
            for name, entries in maps.items():
                swaps.create_task(swap_map(api, str(layout.map(name)), entries))
    except ExceptionGroup as failed:
        refusals = [exc for exc in failed.exceptions if isinstance(exc, errors.DataPlaneError)]
        if len(refusals) != len(failed.exceptions):
            raise
        raise refusals[0] from None


async def swap_map(api: runtime.Runtime, path: str, entries: tuple[tuple[str, str], ...]) -> None:
    """Replace every entry of the map ``path`` at once, and check that HAProxy lists the new ones."""
    answer = await api.command(f"prepare map {path}")
    found = _VERSION.search(answer)
    if found is None:
        raise _refused(api, f"prepare map {path}", answer)
    version = found.group(1)
    commands = [f"add map @{version} {path} {key} {value}" for key, value in entries]
    commands.append(f"commit map @{version} {path}")
    # The commit rides with the last entries: one round trip less before the new weights apply. An
    # entry HAProxy refused would leave the map short, which ``show map`` below catches.
    for start in range(0, len(commands), _ENTRIES_PER_LINE):
        line = "; ".join(commands[start : start + _ENTRIES_PER_LINE])
        answer = await api.command(line)
        if answer.strip():
            raise _refused(api, f"{commands[start]} …", answer)
    listed = await map_entries(api, path)
    if listed != list(entries):
        raise errors.DataPlaneError(
            f"HAProxy ({runtime.url_of(api.socket)}) lists {listed} in map {path} after the commit, "
            f"not {list(entries)}."
        )


async def map_entries(api: runtime.Runtime, path: str) -> list[tuple[str, str]]:
    """The ``(key, value)`` entries of the map ``path`` as the running worker reads it (``show map``)."""
    answer = await api.command(f"show map {path}")
    listed = []
    for line in answer.splitlines():
        words = line.split()
        if len(words) == 3 and words[0].startswith("0x"):
            listed.append((words[1], words[2]))
        elif words:
            raise _refused(api, f"show map {path}", answer)
    return listed


async def add(api: runtime.Runtime, server: delivery.Server) -> None:
    """Add ``server`` (with its backend's health checks, started) and let it take requests."""
    await api.add_server(server.backend, server.name, server.address, checks=server.checks)
    if server.checks:
        await api.enable_health(server.backend, server.name)
    await api.set_state(server.backend, server.name, "ready")


async def remove(api: runtime.Runtime, server: delivery.Server, *, within: float) -> bool:
    """Take ``server`` out of service and delete it if HAProxy lets it ``within`` seconds; whether it did.

    Its sessions are not shut: that failed the requests in flight to it (7 of 6,000 over 10 removals
    under 400 requests/s, measured), and in maintenance it gets no new request anyway.
    """
    await api.set_state(server.backend, server.name, "maint")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        try:
            await api.del_server(server.backend, server.name)
            return True
        except errors.DataPlaneError:
            if loop.time() >= deadline:
                return False
        await asyncio.sleep(_POLL_SECONDS)


def _refused(api: runtime.Runtime, command: str, answer: str) -> errors.DataPlaneError:
    said = " ".join(answer.split()) or "nothing"
    return errors.DataPlaneError(f"HAProxy ({runtime.url_of(api.socket)}) refused {command!r}: {said}")
