"""The files of one HAProxy data plane: where they live, writing them atomically, checking a candidate.

Layout under ``root`` (0700, every file 0600)::

    haproxy.cfg       the configuration HAProxy runs (read at every start and reload)
    maps/<fe>.map     the weight map of each frontend (``Rendering.maps``), read at every start and reload
    candidate/        a new configuration and its maps while ``haproxy -c`` checks them
    staging/          files being written, renamed into place when complete
    runtime.sock      the runtime API (the configuration's stats socket)
    master.sock       the master CLI
    haproxy.log       what HAProxy says

The configuration and maps in place are always what HAProxy runs, or is about to after a change that
succeeds: ``install`` renames each file into place whole, and ``restore`` puts back what ``save`` read
when a change fails, so a restart or a reload serves the last good plan. A candidate is checked in
``candidate/`` with its map paths pointing there, so nothing in place changes before HAProxy approved it.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from vamp import errors
from vamp.adapters import private_files

Maps = Mapping[str, tuple[tuple[str, str], ...]]
"""Weight maps by file name: their ``(key, backend)`` entries in order."""
_CHECK_TIMEOUT_SECONDS = 120.0


@dataclass(frozen=True, slots=True)
class Layout:
    """The files of one HAProxy, all under ``root`` (an absolute path)."""

    root: Path

    @property
    def config(self) -> Path:
        return self.root / "haproxy.cfg"

    @property
    def maps(self) -> Path:
        return self.root / "maps"

    @property
    def candidate(self) -> Path:
        return self.root / "candidate"

    @property
    def staging(self) -> Path:
        return self.root / "staging"

    @property
    def runtime_socket(self) -> Path:
        return self.root / "runtime.sock"

    def map(self, name: str) -> Path:
        """The weight map file ``name`` (``Rendering.maps``' key)."""
        return self.maps / name

    def make(self) -> None:
        """Create the folders (0700).

        Raises:
            errors.DataPlaneError: a folder cannot be made.
        """
        for folder in (self.root, self.maps, self.candidate, self.staging):
            try:
                private_files.folder(folder)
            except OSError as exc:
                raise errors.DataPlaneError(
                    f"Cannot make HAProxy's folder {folder}: {exc.strerror}."
                ) from exc


@dataclass(frozen=True, slots=True)
class Saved:
    """The configuration and maps in place at one moment, to put back if a change fails."""

    files: Mapping[Path, bytes]


def map_text(entries: tuple[tuple[str, str], ...]) -> str:
    """A map file: one ``key value`` line per entry."""
    return "".join(f"{key} {value}\n" for key, value in entries)


def save(layout: Layout) -> Saved:
    """What is in place now."""
    paths = [layout.config, *sorted(layout.maps.glob("*.map"))]
    return Saved({path: path.read_bytes() for path in paths if path.exists()})


def install(layout: Layout, text: str, maps: Maps) -> None:
    """Put ``text`` and ``maps`` in place, each file in one rename; delete maps no longer named."""
    for name, entries in maps.items():
        _write(layout, layout.map(name), map_text(entries).encode())
    _write(layout, layout.config, text.encode())
    for stale in layout.maps.glob("*.map"):
        if stale.name not in maps:
            stale.unlink(missing_ok=True)


def restore(layout: Layout, saved: Saved) -> None:
    """Put back what ``saved`` holds, and delete maps it did not have."""
    for stale in layout.maps.glob("*.map"):
        if stale not in saved.files:
            stale.unlink(missing_ok=True)
    for path, content in saved.files.items():
        if not path.exists() or path.read_bytes() != content:
            _write(layout, path, content)


async def check(executable: str, layout: Layout, text: str, maps: Maps) -> str | None:
    """HAProxy's objections to ``text`` with ``maps`` (``haproxy -c``), or ``None`` if it finds it valid.

    The candidate is written to ``candidate/haproxy.cfg`` with the maps folder in its text pointing to
    ``candidate/``; line numbers in the objections are those of ``text``.

    Raises:
        errors.DataPlaneError: HAProxy cannot be run, or did not answer within two minutes.
    """
    for stale in layout.candidate.glob("*"):
        stale.unlink()
    for name, entries in maps.items():
        _write(layout, layout.candidate / name, map_text(entries).encode())
    candidate = layout.candidate / "haproxy.cfg"
    _write(layout, candidate, text.replace(f"{layout.maps}/", f"{layout.candidate}/").encode())
    try:
        process = await asyncio.create_subprocess_exec(
            executable,
            "-c",
            "-f",
            str(candidate),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
    except OSError as exc:
        raise errors.DataPlaneError(f"Cannot run {executable} -c: {exc}") from exc
    try:
        async with asyncio.timeout(_CHECK_TIMEOUT_SECONDS):
            output, _ = await process.communicate()
    except TimeoutError as exc:
        process.kill()
        await process.wait()
        raise errors.DataPlaneError(
            f"{executable} -c did not finish checking {candidate} within {_CHECK_TIMEOUT_SECONDS:g} s."
        ) from exc
    return None if process.returncode == 0 else output.decode(errors="replace")


def _write(layout: Layout, path: Path, content: bytes) -> None:
    """Put ``content`` at ``path`` in one rename from ``staging`` (0600, synced), so a reader never sees
    part of a file and a crash leaves the old file or the new one."""
    descriptor, temporary = tempfile.mkstemp(dir=layout.staging)
    with os.fdopen(descriptor, "wb") as stream:
        stream.write(content)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(temporary, path)
