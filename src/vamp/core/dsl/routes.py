"""Reading routes, conditions and rewrites (vamp.md §1.9, §1.11): inline, by reference, or stored.

A gateway's ``routes`` are a map path → route, a list of paths, a list of single-key maps, or one
path. A route's condition is a string, ``{condition: "..."}`` or ``{reference: name}``; an empty string
means no condition. Conditions, rewrites and selectors are parsed here by their own languages
(``vamp.core.condition``, ``vamp.core.selector``), so a syntax error is reported with a caret at the
place it was written.
"""

from __future__ import annotations

from collections.abc import Callable

from vamp import errors
from vamp.core import condition, model, selector, units
from vamp.core.dsl import artifact
from vamp.core.dsl.cursor import Cursor, each
from vamp.core.validation import gateways as gateway_rules

DEFAULT_BALANCE = "default"


def routes(cursor: Cursor, *, paths: bool) -> dict[str, model.Route | model.Ref]:
    """A gateway's routes; ``paths``: keys are route paths (checked), not service names."""
    found: dict[str, model.Route | model.Ref] = {}
    for key, item in _entries(cursor):
        if key in found:
            item.by_key().error(f"Duplicate route {key!r}; each route may appear only once.")
            continue
        if paths:
            problem = gateway_rules.route_path_problem(key)
            if problem is not None:
                item.by_key().error(problem)
                continue
        read = route(item, path=key if paths else None)
        if read is not None:
            found[key] = read
    return found


def _entries(cursor: Cursor) -> list[tuple[str, Cursor]]:
    value = cursor.value
    if isinstance(value, str):
        return [(value, cursor.moved(value, value={}))]
    if isinstance(value, dict):
        return list(cursor.items())
    if not isinstance(value, list):
        if value is not None:
            cursor.expected("routes: a map of paths to routes, a list of paths, or one path")
        return []
    entries: list[tuple[str, Cursor]] = []
    for index, item in enumerate(value):
        if isinstance(item, str):
            entries.append((item, cursor.child(item, {}, index)))
        elif isinstance(item, dict):
            entries += [(key, cursor.child(key, given, index, key)) for key, given in item.items()]
        else:
            cursor.child(index, item).expected("a route path, or a map of a route path to its route")
    return entries


def route(cursor: Cursor, *, path: str | None = None) -> model.Route | model.Ref | None:
    """One route of a gateway: a reference, or inline settings (none at all for ``null``)."""
    if cursor.value is None:
        return model.Route()
    return artifact.weak(cursor, "route", lambda inline: route_fields(inline, path=path, named=False))


def route_fields(cursor: Cursor, *, path: str | None, named: bool) -> model.Route | None:
    fields = cursor.fields("route")
    if fields is None:
        return None
    metadata = artifact.common(fields, "routes")
    fields.ignore("targets", "note")
    route_name = artifact.name(fields) if named else None
    condition = fields.read("condition", route_condition)
    return fields.build(
        model.Route,
        name=route_name,
        weight=fields.read("weight", _percentage),
        condition=condition,
        condition_strength=_strength(fields.read("condition_strength", _percentage), condition),
        balance=fields.read("balance", _balance),
        rewrites=fields.read("rewrites", rewrites, ()),
        selector=fields.read("selector", lambda found: _route_selector(found, path)),
        metadata=metadata,
    )


def _strength(given: units.Percentage | None, condition: object) -> units.Percentage | None:
    """The strength as given; the one that applies anyway (100 % with a condition, 0 % without, vamp.md
    §1) is the same as none, as Vamp writes it back in every route it shows."""
    if given is not None and given.hundredths == (units.Percentage.FULL if condition is not None else 0):
        return None
    return given


def _route_selector(cursor: Cursor, path: str | None) -> str | None:
    """A route's own selector; ``path`` (``None`` for a stored route) must be one that may have one."""
    text = selector_text(cursor)
    problem = None if text is None or path is None else gateway_rules.route_selector_problem(path)
    if problem is not None:
        cursor.error(problem)
    return text


def _balance(cursor: Cursor) -> str | None:
    """The balance as given; Vamp's ``default`` is the same as none."""
    text = cursor.string()
    return None if text == DEFAULT_BALANCE else text


def _percentage(cursor: Cursor) -> units.Percentage | None:
    return cursor.unit(units.Percentage.parse)


def route_condition(cursor: Cursor) -> model.Condition | model.Ref | None:
    """``"user-agent == Firefox"``, ``{condition: "..."}`` or ``{reference: name}``; ``""`` is none."""
    value = cursor.value
    if value is None or value == "":
        return None
    if isinstance(value, str):
        text = definition(cursor)
        return None if text is None else model.Condition(definition=text)
    if isinstance(value, dict) and value.get("condition") == "" and "name" not in value:
        return None
    return artifact.weak(cursor, "condition", lambda inline: condition_fields(inline, named=False))


def condition_fields(cursor: Cursor, *, named: bool) -> model.Condition | None:
    fields = cursor.fields("condition")
    if fields is None:
        return None
    metadata = artifact.common(fields, "conditions")
    fields.ignore("note")
    condition_name = artifact.name(fields) if named else None
    return fields.build(
        model.Condition,
        name=condition_name,
        definition=fields.read_required("condition", definition),
        metadata=metadata,
    )


def definition(cursor: Cursor) -> str | None:
    """A condition's text, checked by the condition language."""
    return _checked(cursor, condition.parse)


def selector_text(cursor: Cursor) -> str | None:
    """A selector's text, checked by the selector language; null or empty is none."""
    if cursor.value is None or cursor.value == "":
        return None
    return _checked(cursor, selector.parse)


def _checked(cursor: Cursor, parse: Callable[[str], object]) -> str | None:
    """The text at ``cursor``, checked by a language's ``parse``; ``None`` when refused (reported there)."""
    text = cursor.string()
    if text is None:
        return None
    try:
        parse(text)
    except errors.ExpressionSyntaxError as exc:
        cursor.error(exc.explain())
        return None
    return text


def rewrites(cursor: Cursor) -> tuple[model.Rewrite | model.Ref, ...]:
    """A list of rewrites, or one: ``{path: "NEW_PATH if CONDITION"}`` or a reference."""
    items = cursor.elements() if isinstance(cursor.value, list) else [cursor.moved(0)]
    return each(
        items, lambda item: artifact.weak(item, "rewrite", lambda inline: rewrite_fields(inline, named=False))
    )


def rewrite_fields(cursor: Cursor, *, named: bool) -> model.Rewrite | None:
    fields = cursor.fields("rewrite")
    if fields is None:
        return None
    metadata = artifact.common(fields, "rewrites")
    rewrite_name = artifact.name(fields) if named else None
    return fields.build(
        model.Rewrite, name=rewrite_name, path=fields.read_required("path", _rewrite_path), metadata=metadata
    )


def _rewrite_path(cursor: Cursor) -> str | None:
    """``NEW_PATH if CONDITION``, checked by the condition language."""
    text = cursor.string()
    if text is None:
        return None
    try:
        condition.parse_rewrite(text)
    except errors.RewriteSyntaxError as exc:
        where = f"(at position {exc.position + 1})"
        cursor.error(f"Unsupported path rewrite: {text}: {exc.reason} {where}.\n{exc.caret()}")
    return text
