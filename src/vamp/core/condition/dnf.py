"""Compiling conditions: the syntax tree brought to disjunctive normal form, a ``match.Match``.

The steps: push every ``not`` down to the matchers (De Morgan; ``not`` of a matcher is the matcher
negated), distribute ``and`` over ``or``, then tidy each result:

* a conjunction holding a matcher and its negation can never hold, so it goes;
* repeated matchers within a conjunction, and repeated conjunctions, go (the first one stays);
* a conjunction that holds whenever a smaller one does (a superset of its matchers) is absorbed;
* what is left keeps the order in which it was written.

A data plane spends a route per conjunction, so more than ``MAX_ALTERNATIVES`` of them (at any step) is
refused as too complex rather than multiplied out. This module must not read text (``parser``).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from vamp import errors
from vamp.core.condition import parser
from vamp.core.condition.match import Conjunction, Match, Matcher
from vamp.core.condition.syntax import And, Atom, Constant, Expr, Not, Or

MAX_ALTERNATIVES = 64

_Terms = list[tuple[Matcher, ...]]


@functools.lru_cache(maxsize=1024)
def compile(text: str) -> Match:
    """Read a condition and bring it to normal form.

    Raises:
        errors.ConditionSyntaxError: the text is blank, not a condition, or too complex.
    """
    return normalize(parser.parse(text), text)


def normalize(expr: Expr, text: str) -> Match:
    """The normal form of ``expr``; ``text`` is what it was read from, for the too-complex error."""
    return Match(tuple(Conjunction(terms) for terms in _Normalizer(text).terms(expr, negated=False)))


class _Normalizer:
    def __init__(self, text: str) -> None:
        self.text = text

    def terms(self, expr: Expr, *, negated: bool) -> _Terms:
        """The conjunctions of ``expr`` (of ``not expr`` when ``negated``), tidied."""
        match expr:
            case Constant(value=value):
                return [()] if value != negated else []
            case Atom(matcher=matcher):
                return [(matcher.negate() if negated else matcher,)]
            case Not(operand=operand):
                return self.terms(operand, negated=not negated)
            case And(operands=operands) | Or(operands=operands):
                parts = [self.terms(operand, negated=negated) for operand in operands]
                if isinstance(expr, And) != negated:
                    return self.all_of(parts)
                return self.checked([terms for part in parts for terms in part])

    def all_of(self, parts: Sequence[_Terms]) -> _Terms:
        if not all(parts):
            return []
        product: _Terms = [()]
        for part in parts:
            product = self.checked([left + right for left in product for right in part])
        return product

    def checked(self, alternatives: _Terms) -> _Terms:
        tidy = _tidied(alternatives)
        if len(tidy) > MAX_ALTERNATIVES:
            raise errors.ConditionSyntaxError(
                self.text,
                0,
                f"condition too complex: {len(tidy)} alternatives; at most {MAX_ALTERNATIVES}",
            )
        return tidy


def _tidied(alternatives: _Terms) -> _Terms:
    """Without contradictions, repetitions and absorbed conjunctions, in the order given."""
    distinct: dict[frozenset[Matcher], tuple[Matcher, ...]] = {}
    for terms in alternatives:
        unique = tuple(dict.fromkeys(terms))
        if {matcher.negate() for matcher in unique}.isdisjoint(unique):
            distinct.setdefault(frozenset(unique), unique)
    candidates = list(distinct)
    kept: list[int] = []
    for index in sorted(range(len(candidates)), key=lambda index: len(candidates[index])):
        if not any(candidates[smaller] < candidates[index] for smaller in kept):
            kept.append(index)
    return [distinct[candidates[index]] for index in sorted(kept)]
