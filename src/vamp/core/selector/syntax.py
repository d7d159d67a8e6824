"""The syntax tree of a gateway selector: boolean structure over operands, as the user wrote it.

The ``parser`` builds it (regular expressions already compiled), ``evaluate`` runs it against one port of
one observed instance, and ``index`` reads it to narrow the instances worth evaluating. The tree knows
no spelling of the language: ``id(x)`` and ``name(x)`` are the same ``FieldMatch``.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from enum import StrEnum

# Characters that make a regular expression more than a literal string, unless escaped.
_METACHARACTERS = frozenset(".^$*+?{}[]\\|()")


class Field(StrEnum):
    """A fact of an observed instance a selector can match; each value is the instance's attribute."""

    NAME = "name"
    KIND = "kind"
    NAMESPACE = "namespace"
    IMAGE = "image"
    IP = "ip"


@dataclass(frozen=True, slots=True)
class Pattern:
    """A regular expression matched against a whole value (``fullmatch``, as Java's ``matches()``).

    ``literal`` is the one text the pattern matches (``2\\.0\\.1`` matches only ``2.0.1``), or
    ``None``; a lookup table can stand in for running such a pattern.
    """

    text: str
    regex: re.Pattern[str] = dataclasses.field(compare=False, repr=False)
    literal: str | None = dataclasses.field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "literal", _literal(self.text))

    @property
    def captures(self) -> bool:
        """True when the pattern has exactly one capture group, whose text becomes a group value."""
        return self.regex.groups == 1


def _literal(pattern: str) -> str | None:
    """What ``pattern`` matches when that is one text: only plain characters and escaped punctuation."""
    text: list[str] = []
    escaped = False
    for char in pattern:
        if escaped:
            if char.isalnum():  # \d, \w, \1…: a class or a back-reference, not a character
                return None
            text.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in _METACHARACTERS:
            return None
        else:
            text.append(char)
    return None if escaped else "".join(text)


@dataclass(frozen=True, slots=True)
class FieldMatch:
    """``name(V)``, ``kind(V)``, ``namespace(V)``, ``image(V)``, ``ip(V)`` and their other spellings."""

    field: Field
    pattern: Pattern


@dataclass(frozen=True, slots=True)
class CurrentNamespace:
    """``namespace($namespace)`` or ``namespace(${namespace})``: the namespace given to ``select``."""


@dataclass(frozen=True, slots=True)
class LabelMatch:
    """``label(K)(V)``: some label whose key matches ``key`` has a value that matches ``value``."""

    key: Pattern
    value: Pattern


@dataclass(frozen=True, slots=True)
class PortNumber:
    """``port(N)``: the port's number is ``number``."""

    number: int


@dataclass(frozen=True, slots=True)
class PortIndex:
    """``port_index(N)`` or ``index(N)``: the port is at position ``index`` of the instance's ports."""

    index: int


@dataclass(frozen=True, slots=True)
class Constant:
    """``true``, ``t``, ``1``, ``false``, ``f`` or ``0``."""

    value: bool


@dataclass(frozen=True, slots=True)
class Not:
    """``!X`` or ``not X``: matches when ``operand`` does not, and yields no group values."""

    operand: Node


@dataclass(frozen=True, slots=True)
class AllOf:
    """``X and Y and …``: two or more operands, in the order written."""

    operands: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    """``X or Y or …``: two or more operands, in the order written."""

    operands: tuple[Node, ...]


Node = FieldMatch | CurrentNamespace | LabelMatch | PortNumber | PortIndex | Constant | Not | AllOf | AnyOf
"""Any selector expression."""
