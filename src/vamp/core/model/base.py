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

MAX_NAME_LENGTH = 253
"""The longest name (a DNS name's length): names become names of routes, clusters and Kubernetes objects."""

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f%\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""What no name may hold: control characters (NUL included), ``%`` (Envoy reads it as the start of a
formatter) and the Unicode marks that reorder text (bidi overrides and isolates), which make a name
display as another."""

SAFE_NAME_RULE = (
    f"names may not hold control characters, '%' or bidirectional-text marks, and have at most "
    f"{MAX_NAME_LENGTH} characters"
)


def unsafe_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be carried safely into a routing plan, a data plane or a terminal, or ``None``."""
    if len(name) > MAX_NAME_LENGTH:
        return f"Illegal name - {SAFE_NAME_RULE}; this one has {len(name)}: {_shown(name)}."
    found = _UNSAFE.search(name)
    if found is not None:
        return f"Illegal name - {SAFE_NAME_RULE}; this one holds {found.group()!r}: {_shown(name)}."
    return None


def _shown(name: str) -> str:
    """``name`` as a message shows it: escaped, and cut short when long."""
    return repr(name) if len(name) <= 60 else f"{name[:40]!r}… ({len(name)} characters)"


def name_problem(name: str, *, strict: bool = False, allow_slash: bool = False) -> str | None:
    """Why ``name`` is not a valid Vamp name, or ``None`` when it is.

    Names may not contain white space, ``/``, ``[`` or ``]``; strict names (breed ports, constants)
    may not contain ``.`` either; gateway names may contain ``/`` between segments. No name may hold
    what ``unsafe_name_problem`` refuses.
    """
    unsafe = unsafe_name_problem(name)
    if unsafe is not None:
        return unsafe
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
