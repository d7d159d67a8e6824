"""The match IR: what a compiled condition asks of a request, neutral to any data plane.

A ``Match`` is a disjunction of ``Conjunction``s of ``Matcher``s (disjunctive normal form): a request
matches when every matcher of at least one conjunction holds. The Envoy renderer turns each conjunction
into one route match; the reference semantics live here too (``Matcher.test``, ``Match.test`` against a
plain ``Request``), so the data plane can be tested against them.

Semantics, matcher by matcher:

* the subject is the request's header, cookie or query parameter named ``name`` (header names are
  lower-case and looked up case-insensitively), or its host, path (without query string) or method;
* ``PRESENT`` holds when the named subject exists; ``EQUALS``, ``CONTAINS`` and ``PREFIX`` compare text;
  ``REGEX`` must match the *whole* subject (as Envoy's ``safe_regex`` does); ``ignore_case`` compares
  case-insensitively;
* a missing subject fails every test, and ``negated`` is the logical NOT of the test, so a negated test on
  a missing subject holds (``misses header x`` and ``header x misses y`` both hold without header ``x``);
* a raw HAProxy condition (field ``HAPROXY``, op ``ACL``, ``< … >`` in the language) holds when HAProxy's
  ACL ``value`` does: only HAProxy can test it, so it has no reference semantics here (``test`` refuses
  it), and ``Match.haproxy_only`` tells a data plane that cannot run it. Its text is checked by
  ``raw_acl`` whenever a matcher is made, also when a plan is read back from plain data.

This module must not parse text (``parser``) or know any data plane.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar

from vamp import errors
from vamp.core.condition import raw_acl


class Field(StrEnum):
    """The part of a request a matcher looks at."""

    HEADER = "header"
    COOKIE = "cookie"
    QUERY = "query"
    HOST = "host"
    PATH = "path"
    METHOD = "method"
    HAPROXY = "haproxy"
    """A raw HAProxy ACL: whatever its fetch looks at (``Op.ACL`` only)."""


NAMED_FIELDS = frozenset({Field.HEADER, Field.COOKIE, Field.QUERY})
"""Fields that hold many values, so a matcher must say which one (``name``)."""


class Op(StrEnum):
    """How a matcher compares its subject with its value."""

    PRESENT = "present"
    EQUALS = "equals"
    CONTAINS = "contains"
    PREFIX = "prefix"
    REGEX = "regex"
    ACL = "acl"
    """The raw HAProxy ACL ``value`` holds (``Field.HAPROXY`` only)."""


@dataclass(frozen=True, slots=True)
class Request:
    """A plain HTTP request: what a condition can look at."""

    method: str = "GET"
    path: str = "/"
    host: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    cookies: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)

    def subject(self, of: Field, name: str | None) -> str | None:
        """The value of the field ``of`` (the one called ``name`` for named fields), ``None`` when absent."""
        match of:
            case Field.HEADER:
                wanted = (name or "").lower()
                return next((value for key, value in self.headers.items() if key.lower() == wanted), None)
            case Field.COOKIE:
                return self.cookies.get(name or "")
            case Field.QUERY:
                return self.query.get(name or "")
            case Field.HOST:
                return self.host
            case Field.PATH:
                return self.path
            case Field.METHOD:
                return self.method
            case Field.HAPROXY:
                raise errors.RoutingError([f"{raw_acl.HAPROXY_ONLY}; Vamp cannot test them itself"])


@functools.lru_cache(maxsize=512)
def _regex(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE if ignore_case else 0)


@dataclass(frozen=True, slots=True)
class Matcher:
    """One test of one field; see the module docstring for the semantics.

    ``name`` is set exactly for named fields (header names lower-case); ``value`` is ``None`` exactly
    for ``PRESENT``, which only named fields use. "Absent" is ``PRESENT`` negated.
    """

    field: Field
    name: str | None
    op: Op
    value: str | None
    negated: bool = False
    ignore_case: bool = False

    def __post_init__(self) -> None:
        named = self.field in NAMED_FIELDS
        if named != (self.name is not None):
            raise ValueError(f"a {self.field} matcher {'needs a' if named else 'takes no'} name")
        if self.field is Field.HEADER and self.name != (self.name or "").lower():
            raise ValueError(f"header names are lower-case, not {self.name!r}")
        if (self.op is Op.PRESENT) != (self.value is None):
            raise ValueError(
                f"a {self.op} matcher {'takes no' if self.op is Op.PRESENT else 'needs a'} value"
            )
        if self.op is Op.PRESENT and not named:
            raise ValueError(f"a {self.field} is always present")
        if (self.field is Field.HAPROXY) != (self.op is Op.ACL):
            raise ValueError(f"a raw HAProxy condition is field {Field.HAPROXY} with op {Op.ACL}")
        if self.field is Field.HAPROXY:
            problem = raw_acl.problem(self.value or "")
            if problem is not None or self.value != (self.value or "").strip() or self.ignore_case:
                reason = problem[0] if problem else "it is kept without spaces around it or ignore_case"
                raise ValueError(f"not a raw HAProxy condition: {self.value!r}: {reason}")

    def negate(self) -> Matcher:
        """The matcher that holds exactly when this one does not."""
        return Matcher(self.field, self.name, self.op, self.value, not self.negated, self.ignore_case)

    def test(self, request: Request) -> bool:
        """Whether ``request`` satisfies this matcher.

        Raises:
            errors.RoutingError: it is a raw HAProxy condition, which only HAProxy can test.
        """
        subject = request.subject(self.field, self.name)
        return self._holds(subject) != self.negated

    def _holds(self, subject: str | None) -> bool:
        if self.op is Op.PRESENT:
            return subject is not None
        if subject is None or self.value is None:
            return False
        value = self.value
        if self.ignore_case and self.op is not Op.REGEX:
            subject, value = subject.lower(), value.lower()
        match self.op:
            case Op.EQUALS:
                return subject == value
            case Op.CONTAINS:
                return value in subject
            case Op.PREFIX:
                return subject.startswith(value)
            case _:
                return _regex(value, self.ignore_case).fullmatch(subject) is not None


@dataclass(frozen=True, slots=True)
class Conjunction:
    """Matchers that must all hold; no matchers at all always holds."""

    matchers: tuple[Matcher, ...]

    def test(self, request: Request) -> bool:
        return all(matcher.test(request) for matcher in self.matchers)


@dataclass(frozen=True, slots=True)
class Match:
    """Conjunctions of which one must hold: ``ALWAYS`` has one empty conjunction, ``NEVER`` none."""

    disjuncts: tuple[Conjunction, ...]

    ALWAYS: ClassVar[Match]
    NEVER: ClassVar[Match]

    @property
    def always(self) -> bool:
        """True when every request matches."""
        return any(not conjunction.matchers for conjunction in self.disjuncts)

    @property
    def never(self) -> bool:
        """True when no request matches."""
        return not self.disjuncts

    @property
    def haproxy_only(self) -> bool:
        """True when some matcher is a raw HAProxy condition, which only the HAProxy data plane runs."""
        return any(
            matcher.field is Field.HAPROXY
            for conjunction in self.disjuncts
            for matcher in conjunction.matchers
        )

    def test(self, request: Request) -> bool:
        """Whether ``request`` satisfies this match."""
        return any(conjunction.test(request) for conjunction in self.disjuncts)


Match.ALWAYS = Match((Conjunction(()),))
Match.NEVER = Match(())
