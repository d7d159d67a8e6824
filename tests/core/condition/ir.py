"""Short builders of the match IR, so the condition tests read like the conditions they check."""

from __future__ import annotations

from vamp.core import condition
from vamp.core.condition import Field, Matcher, Op


def ua(text: str, negated: bool = False) -> Matcher:
    """``user-agent == text``: the User-Agent header contains ``text``."""
    return Matcher(Field.HEADER, "user-agent", Op.CONTAINS, text, negated)


def host(name: str, negated: bool = False) -> Matcher:
    return Matcher(Field.HOST, None, Op.EQUALS, name, negated, ignore_case=True)


def present(field: Field, name: str, negated: bool = False) -> Matcher:
    return Matcher(field, name, Op.PRESENT, None, negated)


def cookie(name: str, negated: bool = False) -> Matcher:
    """``has cookie name`` (``misses cookie name`` when negated)."""
    return present(Field.COOKIE, name, negated)


def named(field: Field, name: str, op: Op, value: str, negated: bool = False) -> Matcher:
    return Matcher(field, name, op, value, negated)


def path(op: Op, value: str, negated: bool = False) -> Matcher:
    return Matcher(Field.PATH, None, op, value, negated)


def method(name: str, negated: bool = False) -> Matcher:
    return Matcher(Field.METHOD, None, Op.EQUALS, name, negated)


def dnf(*conjunctions: list[Matcher]) -> condition.Match:
    """The match holding when all matchers of any one of ``conjunctions`` hold."""
    return condition.Match(tuple(condition.Conjunction(tuple(matchers)) for matchers in conjunctions))
