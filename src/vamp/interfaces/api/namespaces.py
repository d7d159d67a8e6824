"""Namespaces in paths (vamp.md §4, DESIGN.md §4 "Tenancy"): ``/{namespace}/api/v1/...`` or the default.

A namespace is ``<organisation>-<environment>``: lower-case letters and digits each, joined by exactly
one dash, so it is also a valid Kubernetes Namespace name (on Kubernetes it is the Namespace of that
name). Plain ``/api/v1/...`` is the server's default namespace (``--namespace``, ``default`` unless set),
which may also be named in the path. Whether the environment exists is ``access.authorised``'s to check.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Request

from vamp import errors

PATTERN = re.compile(r"^[a-z0-9]+-[a-z0-9]+$")
PARAMETER = "namespace"
PREFIX = "/{" + PARAMETER + "}"


def problem(name: str) -> str | None:
    """Why ``name`` is not a namespace, or ``None`` when it is one."""
    if PATTERN.match(name):
        return None
    return (
        f"Invalid namespace {name!r}: a namespace is '<organisation>-<environment>', lower-case letters "
        "and digits each, joined by exactly one dash (e.g. 'acme-production')."
    )


def current(request: Request) -> str:
    """The namespace a request is for: the one its path names, or the server's default."""
    default: str = request.app.state.default_namespace
    named = request.path_params.get(PARAMETER)
    if named is None or named == default:
        return default
    found = problem(named)
    if found is not None:
        raise errors.RequestError(found)
    return str(named)


async def _current(request: Request) -> str:
    # A coroutine, so FastAPI calls it on the event loop rather than handing it to a worker thread.
    return current(request)


Namespace = Annotated[str, Depends(_current)]
"""A route parameter: the namespace the request is for."""
