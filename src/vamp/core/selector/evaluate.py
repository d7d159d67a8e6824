"""How a selector's syntax tree matches one port of one observed instance, and the group values it yields.

Semantics (vamp.md §1.10): every regular expression must match the whole value. A pattern with exactly
one capture group contributes the captured text as a group value (``label(K)(V)`` with a group on both
sides contributes ``k=v``). ``and`` merges the group values of its operands, ``or`` merges those of the
operands that match, ``not`` yields none. A group that takes no part in the match contributes nothing.

Evaluation is a pure function of the tree, the instance, the port's position and the current namespace.
"""

from __future__ import annotations

import re
from typing import assert_never

from vamp.core import model
from vamp.core.selector import syntax

Groups = frozenset[str]
"""The group values of one match; ``None`` in their place means "does not match"."""

_NO_GROUPS: Groups = frozenset()


def field_value(instance: model.ObservedInstance, field: syntax.Field) -> str | None:
    """The instance's value for ``field``; only ``image`` can be missing."""
    value: str | None = getattr(instance, field.value)
    return value


def groups(
    node: syntax.Node, instance: model.ObservedInstance, port_index: int, namespace: str | None
) -> Groups | None:
    """The group values ``node`` yields on port ``port_index`` of ``instance``; ``None`` if it does not match.

    ``namespace`` is the current namespace; without one, ``namespace($namespace)`` matches nothing.
    """
    match node:
        case syntax.FieldMatch(field=field, pattern=pattern):
            value = field_value(instance, field)
            return None if value is None else _capture(pattern, value)
        case syntax.CurrentNamespace():
            return _NO_GROUPS if namespace is not None and instance.namespace == namespace else None
        case syntax.LabelMatch():
            return _label(node, instance.labels)
        case syntax.PortNumber(number=number):
            return _NO_GROUPS if instance.ports[port_index].number == number else None
        case syntax.PortIndex(index=index):
            return _NO_GROUPS if port_index == index else None
        case syntax.Constant(value=value):
            return _NO_GROUPS if value else None
        case syntax.Not(operand=operand):
            return _NO_GROUPS if groups(operand, instance, port_index, namespace) is None else None
        case syntax.AllOf(operands=operands):
            merged: set[str] = set()
            for operand in operands:
                found = groups(operand, instance, port_index, namespace)
                if found is None:
                    return None
                merged |= found
            return frozenset(merged)
        case syntax.AnyOf(operands=operands):
            matched = [
                found
                for operand in operands
                if (found := groups(operand, instance, port_index, namespace)) is not None
            ]
            return _NO_GROUPS.union(*matched) if matched else None
        case _:
            assert_never(node)


def _capture(pattern: syntax.Pattern, value: str) -> Groups | None:
    found = pattern.regex.fullmatch(value)
    if found is None:
        return None
    captured = _captured(pattern, found)
    return _NO_GROUPS if captured is None else frozenset((captured,))


def _captured(pattern: syntax.Pattern, found: re.Match[str]) -> str | None:
    return found.group(1) if pattern.captures else None


def _label(node: syntax.LabelMatch, labels: dict[str, str]) -> Groups | None:
    """The groups of the first label (by key) that matches both patterns."""
    literal_key = node.key.literal
    if literal_key is not None:
        value = labels.get(literal_key)
        candidates = [] if value is None else [(literal_key, value)]
    else:
        candidates = sorted(labels.items())
    for key, value in candidates:
        key_match = node.key.regex.fullmatch(key)
        value_match = None if key_match is None else node.value.regex.fullmatch(value)
        if key_match is None or value_match is None:
            continue
        captured_key = _captured(node.key, key_match)
        captured_value = _captured(node.value, value_match)
        if captured_key is not None and captured_value is not None:
            return frozenset((f"{captured_key}={captured_value}",))
        captured = captured_key if captured_value is None else captured_value
        return _NO_GROUPS if captured is None else frozenset((captured,))
    return None
