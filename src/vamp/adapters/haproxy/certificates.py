"""The TLS files on both sides of the pure renderer: ``read`` the certificate and key files a routing
plan's listeners name (``plan.Tls``), ``write`` the PEM files a rendering holds (``Rendering.files``).

``render(plan, options=…, tls_files=certificates.read(plan))`` combines each listener's certificate chain
and key into the one PEM HAProxy reads (``render_tls``); ``write(rendering.files, folder)`` puts them in
``RenderOptions.files_directory`` before HAProxy reads the configuration. Each file is written whole
(a temporary file, then renamed over the old one, so a reloading HAProxy never reads half a key) and
readable by its owner only (0600: it holds a private key). This is the only part of the HAProxy renderer
that touches the file system.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from vamp import errors
from vamp.core.routing import plan

MAX_BYTES = 1024 * 1024
"""The largest certificate or key file read: a chain of a few certificates is a few kilobytes."""


def read(routing: plan.RoutingPlan) -> dict[str, bytes]:
    """The contents of every certificate and key file of ``routing``'s TLS listeners, by path.

    Raises:
        errors.RoutingError: a file cannot be read or is too large; the message names the listener and
            the file, and says what is expected there.
    """
    contents: dict[str, bytes] = {}
    for listener in routing.listeners:
        if listener.tls is None:
            continue
        for what, path in (
            ("certificate", listener.tls.certificate),
            ("private key", listener.tls.private_key),
        ):
            if path in contents:
                continue
            try:
                with Path(path).open("rb") as file:
                    content = file.read(MAX_BYTES + 1)
            except OSError as exc:
                raise errors.RoutingError(
                    [
                        f"listener '{listener.name}': cannot read its TLS {what} file {path} "
                        f"({exc.strerror or exc}); give the path of a readable PEM file on the gateway's host"
                    ]
                ) from exc
            if len(content) > MAX_BYTES:
                raise errors.RoutingError(
                    [
                        f"listener '{listener.name}': its TLS {what} file {path} is larger than "
                        f"{MAX_BYTES} bytes; give a PEM file of the chain or the key only"
                    ]
                )
            contents[path] = content
    return contents


def write(files: Mapping[str, bytes], directory: Path) -> None:
    """Write each of ``files`` (file name → bytes) into ``directory``, mode 0600, replacing it whole.

    Raises:
        errors.DataPlaneError: a file cannot be written; the message names it and why.
    """
    for name, content in files.items():
        path = directory / name
        temporary = directory / f".{name}.tmp"
        try:
            temporary.unlink(missing_ok=True)
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as file:
                file.write(content)
            temporary.replace(path)
        except OSError as exc:
            raise errors.DataPlaneError(
                f"Cannot write HAProxy's file {path} ({exc.strerror or exc}); the folder must be writable."
            ) from exc
