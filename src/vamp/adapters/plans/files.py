"""Routing plans from a file, or from the newest plan file in a directory, read again when they change.

``PlanFiles`` polls the file's status (``os.stat``: modification time, size, inode) every ``interval``
seconds, which costs one system call and needs no dependency; the file is read only when its status
changed. A directory means "the newest plan file in it" (``*.json``, ``*.yaml``, ``*.yml``, by
modification time, then name), so a tool can drop each new plan beside the old ones. Names starting
with a dot are ignored: write a plan under such a name and rename it into place, and the agent never
reads half a plan.

A ``.json`` file is handed to the agent as its text (``OfferedJson``), which the agent decodes, and
reports as the file's if it is not JSON; anything else is read as YAML here. A file that cannot be read
or parsed, or disappears, is reported as ``Unavailable``; the agent keeps serving what it serves.
"""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from vamp import errors
from vamp.ports import gateway_agent

SUFFIXES = (".json", ".yaml", ".yml")
_LOADER = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader


@dataclass(frozen=True, slots=True)
class _Seen:
    """A file as it was when last looked at."""

    path: Path
    modified_ns: int
    size: int
    inode: int


class PlanFiles:
    """The plan in the file ``path``, or in the newest plan file of the directory ``path``."""

    def __init__(self, path: Path, *, interval: float = 0.025) -> None:
        self.path = path
        self._interval = interval

    def check(self) -> None:
        """Make sure the file or directory can be read now.

        Raises:
            errors.PlanSourceError: it does not exist or cannot be read; the message says which.
        """
        if not self.path.exists():
            raise errors.PlanSourceError(
                f"The plan file {self.path} does not exist: give a JSON or YAML routing plan, "
                "or a directory of them."
            )
        mode = os.R_OK | os.X_OK if self.path.is_dir() else os.R_OK
        if not os.access(self.path, mode):
            raise errors.PlanSourceError(f"The plan file {self.path} cannot be read: permission denied.")

    async def watch(self, since: str) -> AsyncIterator[gateway_agent.Received]:
        """The plan at once, then again whenever the file (or the newest file) changes.

        ``since`` does not matter here: the agent skips a plan it serves already.
        """
        last: _Seen | str | None = None
        while True:
            current = self._look()
            if current != last:
                last = current
                if isinstance(current, _Seen):
                    yield await asyncio.to_thread(read, current.path)
                else:
                    yield gateway_agent.Unavailable(current)
            await asyncio.sleep(self._interval)

    def _look(self) -> _Seen | str:
        """The file to read and its status now, or why there is none."""
        try:
            status = os.stat(self.path)  # one system call a look, for a file
            if stat.S_ISDIR(status.st_mode):
                return _newest(self.path) or (
                    f"There is no plan file ({', '.join('*' + s for s in SUFFIXES)}) in {self.path} yet."
                )
            return _Seen(self.path, status.st_mtime_ns, status.st_size, status.st_ino)
        except FileNotFoundError:
            return f"The plan file {self.path} is gone; the agent keeps serving its current plan."
        except OSError as exc:
            return f"The plan file {self.path} cannot be read: {exc.strerror or exc}."


def read(path: Path) -> gateway_agent.Received:
    """The text of the plan file ``path`` (for ``.json``) or its plain data (YAML), or why not."""
    try:
        text = path.read_bytes()
    except OSError as exc:
        return gateway_agent.Unavailable(f"The plan file {path} cannot be read: {exc.strerror or exc}.")
    if path.suffix == ".json":
        return gateway_agent.OfferedJson(text, str(path), f"The plan file {path} is not valid JSON")
    try:
        data = yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        return gateway_agent.Unavailable(f"The plan file {path} is not valid YAML: {_yaml_problem(exc)}.")
    except ValueError as exc:  # a value YAML's constructors refuse, such as the date 2026-13-45
        return gateway_agent.Unavailable(f"The plan file {path} is not valid YAML: {exc}.")
    return gateway_agent.Offered(data, str(path))


def _yaml_problem(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem and exc.problem_mark:
        mark = exc.problem_mark
        return f"{exc.problem} at line {mark.line + 1}, column {mark.column + 1}"
    return " ".join(str(exc).split())


def _newest(directory: Path) -> _Seen | None:
    candidates = []
    for entry in os.scandir(directory):
        if entry.name.startswith(".") or not entry.name.endswith(SUFFIXES):
            continue
        try:
            if entry.is_file():
                candidates.append(_seen(Path(entry.path)))
        except FileNotFoundError:  # renamed away between the listing and the look
            continue
    return max(candidates, key=lambda seen: (seen.modified_ns, seen.path.name), default=None)


def _seen(path: Path) -> _Seen:
    status = path.stat()
    return _Seen(path, status.st_mtime_ns, status.st_size, status.st_ino)
