"""Files and folders only their owner may read: Vamp's home, the store, logs, process records, sockets.

The store holds every artifact (a breed's environment may carry secrets), the logs show requests and
commands, and the agent's work directory holds Envoy's admin socket; none of it is for the machine's other
users. ``folder`` makes a folder (missing parents with the usual mode) and sets it 0700; ``append``
opens a log for appending, created 0600; ``restrict`` sets files that exist to 0600. Each also narrows
what an earlier version left readable by others. ``write_atomically`` puts a file (a kept plan, an xDS
file) in place in one rename from a 0600 file written and synced beside it; ``read_object`` reads back
the JSON object of a record written so. They raise ``OSError`` (``read_object`` ``ValueError`` too),
for the caller to say what it was doing.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, BinaryIO

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def folder(path: Path) -> Path:
    """Make ``path`` (and its missing parents, with the usual mode) and set it 0700; return it."""
    path.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    path.chmod(FOLDER_MODE)
    return path


def append(path: Path) -> BinaryIO:
    """``path`` opened for appending bytes, created 0600, and set 0600 if it was not."""
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
    try:
        os.fchmod(descriptor, FILE_MODE)
        return os.fdopen(descriptor, "ab")
    except BaseException:
        os.close(descriptor)
        raise


def restrict(*paths: Path) -> None:
    """Set each of ``paths`` that exists to 0600."""
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.chmod(FILE_MODE)


def write_atomically(path: Path, content: bytes, staging: Path) -> None:
    """Put ``content`` at ``path`` in one rename from ``staging`` (on the same file system), so a reader
    never sees a partial file and a crash leaves either the old file or the new one."""
    descriptor, temporary = tempfile.mkstemp(dir=staging, suffix=".json")
    with os.fdopen(descriptor, "wb") as stream:
        stream.write(content)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(temporary, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def read_object(path: Path) -> dict[str, Any]:
    """The JSON object in ``path`` (a record: the local driver's, a workflow's).

    Raises:
        OSError: the file cannot be read.
        ValueError: it does not hold a JSON object (its message says why).
    """
    data = json.loads(path.read_text())
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return data
