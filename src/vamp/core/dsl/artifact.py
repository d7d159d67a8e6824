"""What every artifact shares in the DSL: its kind, name, metadata and lookup name, and references.

Kinds are Vamp's plural collection names; the singular is accepted too (``breed`` → ``breeds``).
Nested artifacts (a scale in a service, a condition in a route…) are given inline without a name, or
by reference: a bare name where Vamp allows it, ``{reference: name}`` or ``{ref: name}``. A name next
to inline fields is refused with Vamp's "either a reference or an anonymous inline definition".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from vamp.core import model
from vamp.core.dsl.cursor import Cursor, Fields, describe

T = TypeVar("T")

KINDS = model.KINDS
_SINGULAR = {kind[:-1]: kind for kind in KINDS}


def kind_of(text: str) -> str | None:
    """The plural kind ``text`` names (``breed`` and ``breeds`` both give ``breeds``), or ``None``."""
    return text if text in KINDS else _SINGULAR.get(text)


def unknown_kind(text: object) -> str:
    return f"Unsupported kind {text!r}; valid kinds are: {', '.join(KINDS)}."


def check_kind(fields: Fields, kind: str) -> None:
    """A ``kind`` key inside an artifact must name the kind being read."""
    if "kind" not in fields.values:
        return
    fields.ignore("kind")
    found = fields.cursor.child("kind", fields.values["kind"])
    given = found.string()
    if given is not None and kind_of(given) != kind:
        found.error(f"Inconsistent kind: given {given!r} but found {kind!r}.")


def metadata(fields: Fields) -> dict[str, Any]:
    found = fields.get("metadata")
    if found is None:
        return {}
    if isinstance(found.value, dict):
        return found.value
    found.error(f"Unsupported metadata - it must be a map of keys to values, not {describe(found.value)}.")
    return {}


def common(fields: Fields, kind: str) -> dict[str, Any]:
    """Read ``kind`` and ``metadata``, accept Vamp's output-only ``lookup_name``; the model's metadata."""
    check_kind(fields, kind)
    fields.ignore("lookup_name")
    return metadata(fields)


def name(fields: Fields) -> str | None:
    """The artifact's ``name``, which must be given."""
    return fields.read_required("name", Cursor.name)


def reference_key(fields: Fields) -> Cursor | None:
    """The ``reference`` (or ``ref``) of a map, if it has one."""
    return fields.first("reference", "ref")


def is_reference(value: object) -> bool:
    return isinstance(value, dict) and ("reference" in value or "ref" in value)


def reference(cursor: Cursor) -> model.Ref | None:
    """A bare name, or a map with only ``reference``/``ref``, as a reference."""
    if isinstance(cursor.value, str):
        named = cursor.name()
        return None if named is None else model.Ref(name=named)
    fields = cursor.fields("reference")
    if fields is None:
        return None
    found = reference_key(fields)
    if found is None:
        cursor.error("A reference needs a name: {reference: name}.")
    named = None if found is None else found.name()
    return fields.build(model.Ref, name=named)


def weak(cursor: Cursor, what: str, inline: Callable[[Cursor], T | None]) -> T | model.Ref | None:
    """A nested artifact given by name, by ``{reference: name}``, or inline without a name."""
    value = cursor.value
    if isinstance(value, str) or is_reference(value):
        return reference(cursor)
    if isinstance(value, dict) and "name" in value:
        cursor.error(
            f"Either it should be a reference '{what} -> {value['name']}' or an anonymous inline definition, "
            f"but not both; write {{reference: {value['name']}}} or drop the name."
        )
        return None
    return inline(cursor)
