"""Delivering a change through HAProxy's runtime API, with no reload: weight maps and servers.

``deliver`` carries out what ``delivery.change`` found a runtime change (the files in place already hold
the new configuration, so a reload or a restart would serve the same):

* each changed weight map is swapped whole: ``prepare map`` makes a new, empty version of it, ``add map
  @N`` fills it (many entries per command line), ``commit map @N`` makes it the one every request reads,
  at once; ``show map`` then must list exactly the new entries, or the change is not active. Several
  maps are swapped at a time (``swap_maps``);
* new servers are added (``add server``; they start in maintenance) and set ``ready`` before any server
  goes, so a cluster whose instances are all replaced keeps answering; a server that goes is set to
  maintenance (no new request goes to it) and deleted as soon as HAProxy lets it (once its requests in
  flight are answered); only a server still busy after ``SHUTDOWN_AFTER_SECONDS`` has its sessions shut.

Any refusal is an ``errors.DataPlaneError`` naming the command, for the data plane to fall back to a
reload.
"""

from __future__ import annotations

import asyncio
import re

from vamp import errors
from vamp.adapters.haproxy import delivery, files, runtime

_ENTRIES_PER_LINE = 40
SHUTDOWN_AFTER_SECONDS = 5.0
"""How long a server in maintenance may keep its sessions before they are shut. Shutting them at once
failed the requests in flight to it (7 of 6,000 over 10 removals under 400 requests/s, measured); once
in maintenance it gets no new request, and HAProxy let it be deleted within 12 ms in every removal."""
_POLL_SECONDS = 0.01
_VERSION = re.compile(r"New version created: (\d+)")


async def deliver(
    api: runtime.Runtime, layout: files.Layout, change: delivery.Change, *, timeout: float
) -> None:
    """Make the running worker serve ``change``'s maps and servers.

    Raises:
        errors.DataPlaneError: HAProxy refused a command, or did not let go of a server within
            ``timeout`` seconds.
    """
    replaced = {(server.backend, server.name) for server in change.removed}
    first = [server for server in change.added if (server.backend, server.name) not in replaced]
    for server in first:
        await add(api, server)
    await swap_maps(api, layout, change.maps)
    for server in change.removed:
        await remove(api, server, timeout=timeout)
    for server in change.added:
        if server not in first:
            await add(api, server)


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
    for start in range(0, len(entries), _ENTRIES_PER_LINE):
        chunk = entries[start : start + _ENTRIES_PER_LINE]
        line = "; ".join(f"add map @{version} {path} {key} {value}" for key, value in chunk)
        answer = await api.command(line)
        if answer.strip():
            raise _refused(api, f"add map @{version} {path} …", answer)
    answer = await api.command(f"commit map @{version} {path}")
    if answer.strip():
        raise _refused(api, f"commit map @{version} {path}", answer)
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
    """Add ``server`` and let it take requests."""
    await api.add_server(server.backend, server.name, server.address)
    await api.set_state(server.backend, server.name, "ready")


async def remove(api: runtime.Runtime, server: delivery.Server, *, timeout: float) -> None:
    """Take ``server`` out of service and delete it once HAProxy lets it: at once when no request is in
    flight to it; its sessions are shut only if it still holds some after ``SHUTDOWN_AFTER_SECONDS``."""
    await api.set_state(server.backend, server.name, "maint")
    loop = asyncio.get_running_loop()
    began = loop.time()
    shut = False
    while True:
        try:
            await api.del_server(server.backend, server.name)
            return
        except errors.DataPlaneError:
            waited = loop.time() - began
            if waited >= timeout:
                raise
            if not shut and waited >= min(SHUTDOWN_AFTER_SECONDS, timeout / 2):
                command = f"shutdown sessions server {server.backend}/{server.name}"
                answer = await api.command(command)
                if answer.strip():
                    raise _refused(api, command, answer) from None
                shut = True
        await asyncio.sleep(_POLL_SECONDS)


def _refused(api: runtime.Runtime, command: str, answer: str) -> errors.DataPlaneError:
    said = " ".join(answer.split()) or "nothing"
    return errors.DataPlaneError(f"HAProxy ({runtime.url_of(api.socket)}) refused {command!r}: {said}")
