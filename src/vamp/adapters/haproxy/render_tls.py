"""TLS termination on HAProxy: a listener's certificate chain and private key → the one PEM file that
``bind … ssl crt`` reads, and the words of the bind line that name it.

The plan names two files on the data plane's host (``plan.Tls``: the chain and the key); HAProxy 2.6 wants
both in one file. The renderer stays pure: its caller reads the plan's files (``certificates.read``) and
passes their contents; the combined PEM comes back in ``Rendering.files`` under its file name, for the
data plane to write (mode 0600: it holds a private key) into ``RenderOptions.files_directory``, the folder
the ``crt`` path points at. The file is named after the listener, so each TLS listener has its own.

Pure: bytes and text in, bytes and text out.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePosixPath

from vamp import errors
from vamp.adapters.haproxy import render_acls, render_names
from vamp.adapters.haproxy.render_options import RenderOptions
from vamp.core.routing import plan

_PEM_BEGIN = b"-----BEGIN "


def pem_name(listener: str) -> str:
    """The file name of the PEM (certificate chain, then key) of the listener named ``listener``."""
    return f"{render_names.haproxy_name(listener)}.pem"


def bind_ssl(
    listener: plan.Listener, tls: plan.Tls, options: RenderOptions, contents: Mapping[str, bytes]
) -> tuple[str, str, bytes]:
    """The ``ssl crt <path>`` words of ``listener``'s bind line, and its PEM file's name and bytes.

    Raises:
        errors.RoutingError: no folder for the file (``RenderOptions.files_directory``), or the contents of
            a file the listener names are missing or not PEM; the message names the listener and file.
    """
    where = f"listener '{listener.name}'"
    if options.files_directory is None:
        raise errors.RoutingError(
            [f"{where}: TLS on HAProxy needs a folder for its PEM file (RenderOptions.files_directory)"]
        )
    parts = []
    for what, path in (("certificate", tls.certificate), ("private key", tls.private_key)):
        content = contents.get(path)
        if content is None:
            raise errors.RoutingError(
                [f"{where}: the contents of its TLS {what} file {path} were not read (certificates.read)"]
            )
        if _PEM_BEGIN not in content:
            raise errors.RoutingError(
                [f"{where}: its TLS {what} file {path} is not PEM; give a file with '-----BEGIN …' blocks"]
            )
        parts.append(content if content.endswith(b"\n") else content + b"\n")
    name = pem_name(listener.name)
    path = str(PurePosixPath(options.files_directory) / name)
    return f"ssl crt {render_acls.quoted(path)}", name, b"".join(parts)
