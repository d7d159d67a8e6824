"""The base of every model value, references, names and ports: the pieces all artifacts share.

Artifacts are frozen pydantic models (DESIGN.md §4). A field that Vamp lets the user give either inline
or by name holds either the inline model or a ``Ref`` to the stored artifact; references are resolved
lazily, at deploy time, as Vamp does (vamp.md §1.1).
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

Metadata = dict[str, Any]
"""Free-form metadata every artifact may carry."""

Dialects = dict[str, Any]
"""Driver-specific additions keyed by driver (``kubernetes``, ``marathon``, ``docker``), vamp.md §1.17."""


class Model(BaseModel):
    """A frozen value: equal when its fields are equal, never changed in place (use ``model_copy``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Ref(Model):
    """A reference by name to a stored artifact: ``name``, ``{reference: name}`` or ``{ref: name}``."""

    name: str


_NAME = re.compile(r"^[^\s/\[\]]+$")
_STRICT_NAME = re.compile(r"^[^\s/\[\].]+$")


def name_problem(name: str, *, strict: bool = False, allow_slash: bool = False) -> str | None:
    """Why ``name`` is not a valid Vamp name, or ``None`` when it is.

    Names may not contain white space, ``/``, ``[`` or ``]``; strict names (breed ports, constants)
    may not contain ``.`` either; gateway names may contain ``/`` between segments.
    """
    if allow_slash:
        segments = name.split("/")
        if all(_NAME.match(segment) for segment in segments):
            return None
        return (
            "Illegal gateway name - white space characters, '[', ']' and empty segments are not allowed: "
            f"{name!r}."
        )
    if strict:
        if _STRICT_NAME.match(name):
            return None
        return (
            f"Illegal strict name - white space characters, '/', '[', ']' and '.' are not allowed: {name!r}."
        )
    if _NAME.match(name):
        return None
    return f"Illegal name or reference - white space characters, '/', '[' and ']' are not allowed: {name!r}."


class Protocol(StrEnum):
    """What a port speaks. HTTP is the default and the only one with conditions, stickiness and rewrites."""

    HTTP = "http"
    TCP = "tcp"


class Port(Model):
    """A named port of a breed: ``webport: 8080/http``; ``number`` is ``None`` when assigned later."""

    name: str
    number: int | None = None
    protocol: Protocol = Protocol.HTTP

    @property
    def value(self) -> str:
        """The port as Vamp writes it: ``8080/http`` (or ``/http`` without a number)."""
        return f"{'' if self.number is None else self.number}/{self.protocol}"
