"""Reads the TLS files a routing plan's listeners name (``plan.Tls``), for the pure renderer.

``render(plan, tls_files=certificates.read(plan))``: the renderer combines each listener's certificate
chain and key into the one PEM HAProxy reads (``render_tls``). This is the only part of the HAProxy
renderer that touches the file system.
"""

from __future__ import annotations

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
