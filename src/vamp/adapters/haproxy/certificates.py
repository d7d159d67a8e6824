"""The TLS files on both sides of the pure renderer: ``read`` the certificate and key files a routing
plan's listeners name (``plan.Tls``), ``write`` the PEM files a rendering holds (``Rendering.files``).

``render(plan, options=…, tls_files=certificates.read(plan))`` combines each listener's certificate chain
and key into the one PEM HAProxy reads (``render_tls``); ``write(rendering.files, folder)`` puts them in
``RenderOptions.files_directory`` before HAProxy reads the configuration. Each file is written whole
(a temporary file, then renamed over the old one, so a reloading HAProxy never reads half a key) and
readable by its owner only (0600: it holds a private key). This is the only part of the HAProxy renderer
that touches the file system. ``read_served`` is ``read`` for the data plane: a listener whose files will
not do refuses the gateways it serves by name (``errors.GatewaysRefused``), so the agent serves the rest.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from vamp import errors
from vamp.core.routing import plan

MAX_BYTES = 1024 * 1024
"""The largest certificate or key file read: a chain of a few certificates is a few kilobytes."""
_PEM_BEGIN = b"-----BEGIN "


def read(routing: plan.RoutingPlan) -> dict[str, bytes]:
    """The contents of every certificate and key file of ``routing``'s TLS listeners, by path.

    Raises:
        errors.RoutingError: a file cannot be read or is too large; the message names the listener and
            the file, and says what is expected there.
    """
    contents: dict[str, bytes] = {}
    for listener in routing.listeners:
        _read_listener(listener, contents)
    return contents


def read_served(routing: plan.RoutingPlan) -> dict[str, bytes]:
    """As ``read``, for a data plane: the files of every TLS listener are read (each file is PEM), and
    every listener whose files are not good is refused by the gateways it serves.

    Raises:
        errors.GatewaysRefused: names each gateway of a listener whose certificate or key file cannot be
            read, is too large or is not PEM, with what is wrong and what would do.
    """
    contents: dict[str, bytes] = {}
    refused: dict[str, str] = {}
    for listener in routing.listeners:
        try:
            _read_listener(listener, contents, pem=True)
        except errors.RoutingError as exc:
            reason = "; ".join(exc.problems)
            for gateway in {host.gateway for host in listener.virtual_hosts} or {listener.name}:
                refused.setdefault(gateway, reason)
    if refused:
        named = " ".join(f"Gateway '{gateway}': {reason}." for gateway, reason in sorted(refused.items()))
        raise errors.GatewaysRefused(f"Routing plan {routing.version} cannot be served: {named}", refused, "")
    return contents


def _read_listener(listener: plan.Listener, contents: dict[str, bytes], *, pem: bool = False) -> None:
    """Add the contents of ``listener``'s certificate and key files to ``contents`` (by path)."""
    if listener.tls is None:
        return
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
        if pem and _PEM_BEGIN not in content:
            raise errors.RoutingError(
                [
                    f"listener '{listener.name}': its TLS {what} file {path} is not PEM; give a file "
                    "with '-----BEGIN …' blocks"
                ]
            )
        contents[path] = content


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
