"""The reference language inside variable and constant values (vamp.md §1.8): a small hand-written reader.

A value is text with references in it::

    $cluster.host                       the host a cluster's gateways are reached on
    $cluster.ports.PORT                 the port of a cluster port's gateway
    $cluster.environment_variables.VAR  another cluster's variable
    $cluster.constants.CONSTANT         another cluster's constant
    $NAME                               a variable or constant of the same service
    ${...}                              any of these, delimited: ${sava.host}
    $$                                  a literal '$'

A name is made of letters, digits, ``_`` and ``-`` (as ``vamp.core.validation`` reads them), so
``$sava.host:$sava.ports.webport`` reads as a host, ``:`` and a port. Without braces, a reference takes
as many ``.name`` parts as it can use: ``$VAR.txt`` is ``$VAR`` then ``.txt``; ``${VAR}-x`` ends a name
before a ``-``. This module only reads;
``environment.py`` gives references their values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from vamp import errors

_NAME = re.compile(r"[\w-]+")
_USAGE = (
    "write '$NAME', '$cluster.host' or '$cluster.GROUP.NAME' (GROUP: ports, environment_variables, constants)"
)


class Group(StrEnum):
    """What a reference points at."""

    LOCAL = "local"
    HOST = "host"
    PORTS = "ports"
    ENVIRONMENT_VARIABLES = "environment_variables"
    CONSTANTS = "constants"


_CLUSTER_GROUPS = {
    group.value: group for group in (Group.PORTS, Group.ENVIRONMENT_VARIABLES, Group.CONSTANTS)
}


@dataclass(frozen=True, slots=True)
class Text:
    """Literal text."""

    value: str


@dataclass(frozen=True, slots=True)
class Reference:
    """A reference as written (``source``): ``group`` of ``cluster`` (``None`` for the service's own)."""

    group: Group
    name: str
    cluster: str | None
    source: str


Part = Text | Reference


def parse(value: str) -> tuple[Part, ...]:
    """Read a value into text and references, adjacent text joined.

    Raises:
        errors.ExpressionSyntaxError: a ``$`` starts no reference, a ``${`` is not closed, or a
            delimited reference has no valid form; ``position`` points at the offending character.
    """
    parts: list[Part] = []
    position = 0
    while position < len(value):
        dollar = value.find("$", position)
        if dollar != position:
            end = len(value) if dollar < 0 else dollar
            _append(parts, Text(value[position:end]))
            position = end
        elif value.startswith("$$", position):
            _append(parts, Text("$"))
            position += 2
        elif value.startswith("${", position):
            part, position = _delimited(value, position)
            parts.append(part)
        else:
            position = _bare(value, position, parts)
    return tuple(parts)


def _append(parts: list[Part], text: Text) -> None:
    last = parts[-1] if parts else None
    if isinstance(last, Text):
        parts[-1] = Text(last.value + text.value)
    else:
        parts.append(text)


def _name_end(value: str, start: int) -> int:
    match = _NAME.match(value, start)
    return match.end() if match else start


def _bare(value: str, dollar: int, parts: list[Part]) -> int:
    """Read ``$a``, ``$a.host`` or ``$a.b.c`` at ``dollar``; return where the text goes on."""
    names: list[str] = []
    ends: list[int] = []
    start = dollar + 1
    while len(names) < 3:
        end = _name_end(value, start)
        if end == start:
            break
        names.append(value[start:end])
        ends.append(end)
        if not value.startswith(".", end):
            break
        start = end + 1
    if not names:
        raise errors.ExpressionSyntaxError(
            value, dollar + 1, f"expected a name after '$': {_USAGE}, or '$$' for '$'"
        )
    if len(names) >= 2 and names[1] == Group.HOST:
        used = 2
    elif len(names) == 3:
        if names[1] not in _CLUSTER_GROUPS:
            raise errors.ExpressionSyntaxError(
                value,
                ends[0] + 1,
                f"unknown group '{names[1]}': {_USAGE}; or end the name with braces, '${{{names[0]}}}'",
            )
        used = 3
    else:
        used = 1
    parts.append(_reference(names[:used], value[dollar : ends[used - 1]]))
    return ends[used - 1]


def _delimited(value: str, dollar: int) -> tuple[Reference, int]:
    """Read ``${...}`` at ``dollar``; return it and where the text goes on."""
    close = value.find("}", dollar + 2)
    if close < 0:
        raise errors.ExpressionSyntaxError(
            value, dollar, "'${' is not closed by '}'; write '$$' for a literal '$'"
        )
    inner = value[dollar + 2 : close]
    names = inner.strip().split(".")
    offset = dollar + 2 + len(inner) - len(inner.lstrip())
    for name in names:
        if not _NAME.fullmatch(name):
            raise errors.ExpressionSyntaxError(
                value, offset, f"invalid reference '{inner.strip()}': {_USAGE}"
            )
    valid = (
        len(names) == 1
        or (len(names) == 2 and names[1] == Group.HOST)
        or (len(names) == 3 and names[1] in _CLUSTER_GROUPS)
    )
    if not valid:
        raise errors.ExpressionSyntaxError(value, offset, f"invalid reference '{inner.strip()}': {_USAGE}")
    return _reference(names, value[dollar : close + 1]), close + 1


def _reference(names: list[str], source: str) -> Reference:
    if len(names) == 1:
        return Reference(Group.LOCAL, names[0], None, source)
    if len(names) == 2:
        return Reference(Group.HOST, Group.HOST.value, names[0], source)
    return Reference(_CLUSTER_GROUPS[names[1]], names[2], names[0], source)
