"""Rendering a compiled condition for people (CLI, web UI), in the condition language itself.

``describe`` writes a ``match.Match`` as ``header user-agent contains "Firefox" or has cookie beta``:
one clause per matcher, ``and`` within a conjunction, ``or`` between them, values always quoted (raw
HAProxy conditions as written, ``< hdr(x) -m found >``). What
``compile`` produces reads back to the same match. This module must not parse (``parser``).
"""

from __future__ import annotations

from vamp.core.condition.match import Conjunction, Match, Matcher, Op
from vamp.core.condition.scanner import BARE_NAME


def describe(match: Match) -> str:
    """A short, readable rendering of ``match``: ``true``, ``false``, or its clauses."""
    if match.never:
        return "false"
    return " or ".join(_conjunction(conjunction) for conjunction in match.disjuncts)


def _conjunction(conjunction: Conjunction) -> str:
    return " and ".join(_matcher(matcher) for matcher in conjunction.matchers) or "true"


def _matcher(matcher: Matcher) -> str:
    subject = str(matcher.field) if matcher.name is None else f"{matcher.field} {_name(matcher.name)}"
    value = _quoted(matcher.value or "")
    negated = matcher.negated
    match matcher.op:
        case Op.PRESENT:
            return f"{'misses' if negated else 'has'} {subject}"
        case Op.EQUALS:
            return f"{subject} {'!=' if negated else '=='} {value}"
        case Op.CONTAINS:
            return f"{subject} {'misses' if negated else 'contains'} {value}"
        case Op.PREFIX:
            return f"{'not ' if negated else ''}{subject} prefix {value}"
        case Op.REGEX:
            return f"{'not ' if negated else ''}{subject} ~ {value}"
        case Op.ACL:
            return f"{'not ' if negated else ''}< {matcher.value} >"


def _name(name: str) -> str:
    return name if BARE_NAME.fullmatch(name) else _quoted(name)


def _quoted(text: str) -> str:
    return f"'{text}'" if '"' in text else f'"{text}"'
