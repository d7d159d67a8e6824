"""Conditions to Envoy route matches: one conjunction of the match IR → the ``RouteMatch``es that hold exactly
when it does.

Each matcher of the conjunction becomes one Envoy matcher; the matchers of a ``RouteMatch`` are ANDed.
What each field becomes (the reference semantics are ``condition.Matcher.test``):

==========  ===============================================================================================
header      a header matcher: ``exact``, ``prefix``, ``contains``, ``safe_regex`` (the whole value) or
            ``present_match``
cookie      a regex over the ``cookie`` header: ``(?:.*;\\s*)?NAME=VALUE(?:;.*)?``
query       a regex over ``:path``: ``[^?]*\\?(?:[^&]*&)*NAME=VALUE(?:&.*)?`` (the raw, undecoded query);
            where VALUE accepts the empty value, ``=VALUE`` is optional, since a bare ``?NAME`` has it
host        a regex over ``:authority``, case-insensitive, with any ``:port`` after it
path        the route's own path matcher (``path``/``prefix``/``safe_regex``, without the query) for the
            first positive path test; a regex over ``:path`` for the others
method      a ``:method`` header matcher
==========  ===============================================================================================

Negation is ``invert_match``. A negated test must hold when the header is missing (the findings showed
``invert_match`` alone never matches a missing header), so inverted matchers also set
``treat_missing_header_as_empty``; where the test itself holds for an empty value (``header x != ""``),
"missing" and "empty" differ, and the matcher becomes two alternatives — absent, or present and not
matching — so one conjunction may give several ``RouteMatch``es.

Regexes are RE2 (Envoy's ``safe_regex``), which must match the whole subject; text from conditions is
escaped with ``literal``. Pure: builds JSON-able dictionaries only.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from vamp import errors
from vamp.core import condition
from vamp.core.condition import Field, Op, raw_acl

JsonObject = dict[str, Any]

_RE2_SPECIAL = re.compile(r"[\\.+*?()|\[\]{}^$]")


def route_matches(conjunction: condition.Conjunction | None) -> tuple[JsonObject, ...]:
    """``RouteMatch``es of which one holds exactly when ``conjunction`` does (``None``: every request)."""
    matchers = conjunction.matchers if conjunction is not None else ()
    native = next((m for m in matchers if m.field is Field.PATH and not m.negated), None)
    base = _path_specifier(native) if native is not None else {"prefix": "/"}
    choices = [_alternatives(matcher) for matcher in matchers if matcher is not native]
    return tuple(
        {**base, "headers": list(headers)} if headers else dict(base)
        for headers in itertools.product(*choices)
    )


def literal(text: str) -> str:
    """An RE2 regex matching exactly ``text``."""
    return _RE2_SPECIAL.sub(r"\\\g<0>", text)


def _path_specifier(matcher: condition.Matcher) -> JsonObject:
    value = matcher.value or ""
    match matcher.op:
        case Op.EQUALS:
            specifier: JsonObject = {"path": value}
        case Op.PREFIX:
            specifier = {"prefix": value}
        case _:
            return {"safe_regex": {"regex": _value_regex(matcher, ".")}}
    return {**specifier, "case_sensitive": False} if matcher.ignore_case else specifier


def _alternatives(matcher: condition.Matcher) -> tuple[JsonObject, ...]:
    """Header matchers of which one holds exactly when ``matcher`` does (usually just one)."""
    match matcher.field:
        case Field.HEADER:
            return _header(matcher)
        case Field.METHOD:
            return (_inverted(matcher, {"name": ":method", "string_match": _string_match(matcher)}),)
        case Field.HOST:
            regex = rf"{_value_regex(matcher, '[^:]', ignore_case=True)}(?::[0-9]+)?"
            return (_inverted(matcher, _regex(":authority", regex)),)
        case Field.PATH:
            return (_inverted(matcher, _regex(":path", rf"{_value_regex(matcher, '[^?]')}(?:\?.*)?")),)
        case Field.COOKIE:
            name = literal(matcher.name or "")
            regex = rf"(?:.*;\s*)?{name}={_value_regex(matcher, '[^;]')}(?:;.*)?"
            return (_inverted(matcher, _regex("cookie", regex), missing_is_empty=True),)
        case Field.QUERY:
            name = literal(matcher.name or "")
            value = "(?:=[^&]*)?" if matcher.op is Op.PRESENT else f"={_value_regex(matcher, '[^&]')}"
            if matcher.op is not Op.PRESENT and _holds_for_empty(matcher):
                value = f"(?:{value})?"  # a bare ``?NAME`` has the empty value
            return (_inverted(matcher, _regex(":path", rf"[^?]*\?(?:[^&]*&)*{name}{value}(?:&.*)?")),)
        case Field.HAPROXY:
            raise errors.RoutingError([f"'< {matcher.value} >': {raw_acl.HAPROXY_ONLY}"])


def _header(matcher: condition.Matcher) -> tuple[JsonObject, ...]:
    name = matcher.name or ""
    if matcher.op is Op.PRESENT:
        return ({"name": name, "present_match": not matcher.negated},)
    test = {"name": name, "string_match": _string_match(matcher)}
    if not matcher.negated:
        return (test,)
    if matcher.test(condition.Request(headers={name: ""})):
        return (_inverted(matcher, test, missing_is_empty=True),)
    # The test holds for an empty value, so a missing header cannot count as empty.
    return ({"name": name, "present_match": False}, {**test, "invert_match": True})


def _holds_for_empty(matcher: condition.Matcher) -> bool:
    """Whether the positive test of ``matcher`` (a query parameter's) holds for an empty value."""
    positive = condition.Matcher(
        matcher.field, matcher.name, matcher.op, matcher.value, False, matcher.ignore_case
    )
    return positive.test(condition.Request(query={matcher.name or "": ""}))


def _inverted(matcher: condition.Matcher, test: JsonObject, *, missing_is_empty: bool = False) -> JsonObject:
    if not matcher.negated:
        return test
    missing = {"treat_missing_header_as_empty": True} if missing_is_empty else {}
    return {**test, "invert_match": True, **missing}


def _regex(header: str, regex: str) -> JsonObject:
    return {"name": header, "string_match": {"safe_regex": {"regex": regex}}}


def _string_match(matcher: condition.Matcher) -> JsonObject:
    value = matcher.value or ""
    match matcher.op:
        case Op.EQUALS:
            found: JsonObject = {"exact": value}
        case Op.PREFIX | Op.CONTAINS if value:
            found = {"prefix" if matcher.op is Op.PREFIX else "contains": value}
        case _:  # a regex, or a prefix or part that every value has (Envoy wants those non-empty)
            return {"safe_regex": {"regex": _value_regex(matcher, ".")}}
    return {**found, "ignore_case": True} if matcher.ignore_case else found


def _value_regex(matcher: condition.Matcher, character: str, *, ignore_case: bool = False) -> str:
    """A regex for the values ``matcher`` accepts, made of ``character``s (e.g. ``[^;]`` in a cookie)."""
    value = matcher.value or ""
    match matcher.op:
        case Op.PRESENT:
            regex = f"{character}*"
        case Op.EQUALS:
            regex = literal(value)
        case Op.PREFIX:
            regex = f"{literal(value)}{character}*"
        case Op.CONTAINS:
            regex = f"{character}*{literal(value)}{character}*"
        case Op.REGEX:
            regex = f"(?:{value})"
    return f"(?i:{regex})" if ignore_case or matcher.ignore_case else regex
