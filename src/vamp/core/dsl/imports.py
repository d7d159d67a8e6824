"""Templates and ``import`` (vamp.md §1.1): documents built on top of other artifacts' data.

``import: x`` or ``import: [a, breeds/sava]`` names templates (a bare name) or stored artifacts
(``kind/name``). Their data is deep-merged in order, then the document on top (the document wins).
Stored data comes from the caller's ``lookup(kind, name)`` (a template's definition, or an artifact's
canonical data); templates defined earlier in the same text are found without it. The merged values
have no place in this text, so issues about them point at the nearest key that has one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from vamp.core import model
from vamp.core.dsl import artifact
from vamp.core.dsl.cursor import Cursor

Lookup = Callable[[str, str], Mapping[str, Any] | None]
"""``(kind, name)`` → the template's definition or the stored artifact's data, ``None`` if there is none."""

EMPTY_IMPORT = "Empty import error."
IMPORT_DEFINITION = (
    "Import definition error - it must be a reference to an artifact: a template name or 'kind/name'."
)
TEMPLATES = "templates"


def template(cursor: Cursor) -> model.Template | None:
    fields = cursor.fields("template")
    if fields is None:
        return None
    metadata = artifact.common(fields, TEMPLATES)
    return fields.build(
        model.Template,
        name=artifact.name(fields),
        definition=fields.read("definition", Cursor.mapping, {}, alias="def"),
        metadata=metadata,
    )


def merge(base: Mapping[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    """``top`` deep-merged over ``base``: maps merge key by key, any other value of ``top`` wins."""
    merged = dict(base)
    for key, value in top.items():
        below = merged.get(key)
        merged[key] = merge(below, value) if isinstance(below, dict) and isinstance(value, dict) else value
    return merged


def apply(
    root: Cursor, data: Mapping[str, Any], lookup: Lookup | None, templates: Mapping[str, dict[str, Any]]
) -> dict[str, Any]:
    """A document's ``data`` (a map with ``import``) with what it imports merged under it."""
    document = {key: value for key, value in data.items() if key != "import"}
    return merge(_imported(root.child("import", data["import"]), lookup, templates, ()), document)


def _imported(
    cursor: Cursor, lookup: Lookup | None, templates: Mapping[str, dict[str, Any]], chain: tuple[str, ...]
) -> dict[str, Any]:
    items = list(cursor.elements()) if isinstance(cursor.value, list) else [cursor]
    merged: dict[str, Any] = {}
    for item in items:
        reference = _reference(item)
        if reference is None:
            continue
        if reference in chain:
            item.error(f"Import cycle: {' -> '.join((*chain, reference))}.")
            continue
        kind, _, name = reference.partition("/")
        data = templates.get(name) if kind == TEMPLATES else None
        if data is None and lookup is not None:
            found = lookup(kind, name)
            data = None if found is None else dict(found)
        if data is None:
            item.error(f"Reference '{reference}' cannot be resolved.")
            continue
        if "import" in data:
            nested = {key: value for key, value in data.items() if key != "import"}
            imports = Cursor(item.context, data["import"], item.path, item.source)
            data = merge(_imported(imports, lookup, templates, (*chain, reference)), nested)
        merged = merge(merged, data)
    return merged


def _reference(cursor: Cursor) -> str | None:
    """``x`` → ``templates/x``; ``kind/name`` (singular kinds too) → ``kinds/name``."""
    value = cursor.value
    if value in ("", None):
        cursor.error(EMPTY_IMPORT)
        return None
    if not isinstance(value, str) or value.count("/") > 1:
        cursor.error(f"{IMPORT_DEFINITION} Not {value!r}.")
        return None
    kind_text, slash, name = value.rpartition("/")
    kind = artifact.kind_of(kind_text) if slash else TEMPLATES
    if kind is None or not name:
        cursor.error(f"{IMPORT_DEFINITION} Not {value!r}: valid kinds are {', '.join(artifact.KINDS)}.")
        return None
    return f"{kind}/{name}"
