"""Path rewrites (vamp.md §1.9): ``NEW_PATH if CONDITION``, read into a ``PathRewrite``.

The text splits at its first ``if`` (any case, spaces around it). ``NEW_PATH`` starts with ``/`` and may
use ``%[path]``, the original path (``/api%[path]`` turns ``/v1/x`` into ``/api/v1/x``); no other
HAProxy fetch. ``CONDITION`` is either

* one of Vamp's HAProxy path tests, in braces or not: ``{ path /x }`` (exact), ``{ path_beg /v1 }``
  (prefix), ``{ path_end .json }``, ``{ path_sub beta }`` (contains), ``{ path_reg ^/v[12]/ }`` (the
  regex anywhere in the path); several values mean any of them, as in HAProxy;
* or any condition of the condition language (``parser``), without braces.

Errors are ``RewriteSyntaxError``s pointing into the whole rewrite text. This module must not know how a
data plane applies a rewrite.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from vamp import errors
from vamp.core.condition import dnf, parser
from vamp.core.condition.match import Field, Match, Matcher, Op
from vamp.core.condition.syntax import Atom, Or

ORIGINAL_PATH = "%[path]"
"""Stands for the request's original path in a new path."""

EXAMPLE = "/api%[path] if { path_beg /v1 }"

_REWRITE = re.compile(r"\s*(?P<path>\S.*?)\s+if\s+(?P<condition>.*?)\s*", re.IGNORECASE | re.DOTALL)
_FETCH = re.compile(r"%\[[^\]]*\]?")
_HAPROXY_TEST = re.compile(r"(?P<fetch>path(?:_beg|_end|_reg|_sub)?)\s+(?P<values>\S.*)", re.DOTALL)
_FETCHES = "path, path_beg, path_end, path_reg, path_sub"
_JOINERS = frozenset({"and", "or", "not", "&&", "||", "&", "|", "!", "{", "}"})
_REGEX_SPECIAL = re.compile(r"[\\.^$|?*+()\[\]{}]")


@dataclass(frozen=True, slots=True)
class PathRewrite:
    """Requests that satisfy ``match`` get the path ``replacement`` (where ``%[path]`` is the old path)."""

    match: Match
    replacement: str

    def apply(self, path: str) -> str:
        """The new path of a request whose path is ``path``."""
        return self.replacement.replace(ORIGINAL_PATH, path)


@functools.lru_cache(maxsize=256)
def parse_rewrite(text: str) -> PathRewrite:
    """Read a path rewrite.

    Raises:
        errors.RewriteSyntaxError: the text is not ``NEW_PATH if CONDITION``, or a part is invalid.
    """
    found = _REWRITE.fullmatch(text)
    if found is None:
        raise errors.RewriteSyntaxError(text, 0, f"expected 'NEW_PATH if CONDITION', such as {EXAMPLE!r}")
    _check_new_path(text, found.start("path"), found.group("path"))
    match = _condition(text, found.start("condition"), found.group("condition"))
    return PathRewrite(match, found.group("path"))


def _check_new_path(text: str, start: int, path: str) -> None:
    if not path.startswith("/"):
        raise errors.RewriteSyntaxError(text, start, f"the new path must start with '/', not {path!r}")
    if space := re.search(r"\s", path):
        raise errors.RewriteSyntaxError(text, start + space.start(), "the new path must not contain spaces")
    for fetch in _FETCH.finditer(path):
        if fetch.group() != ORIGINAL_PATH:
            raise errors.RewriteSyntaxError(
                text,
                start + fetch.start(),
                f"the new path can use {ORIGINAL_PATH} (the original path) and no other fetch, "
                f"not {fetch.group()!r}",
            )


def _condition(text: str, start: int, condition: str) -> Match:
    """The match of the condition ``condition``, found at ``start`` in the rewrite ``text``."""
    braced = condition.startswith("{")
    if braced:
        if not condition.endswith("}"):
            raise errors.RewriteSyntaxError(text, start, "this '{' is never closed; add a '}'")
        inner = condition[1:-1]
        start += len(inner) - len(inner.lstrip()) + 1
        condition = inner.strip()
    test = _HAPROXY_TEST.fullmatch(condition)
    if test and (test.group("fetch") != "path" or test.group("values").startswith("/")):
        return _haproxy_test(text, start, test)
    if braced:
        raise errors.RewriteSyntaxError(
            text,
            start,
            f"inside '{{ }}' only the HAProxy path tests {_FETCHES} can be used; write other conditions "
            "without braces, such as 'host == www.example.com'",
        )
    try:
        return dnf.compile(condition)
    except errors.ConditionSyntaxError as error:
        raise errors.RewriteSyntaxError(text, start + error.position, error.reason) from None


def _haproxy_test(text: str, start: int, test: re.Match[str]) -> Match:
    values = re.finditer(r"\S+", test.group("values"))
    atoms = [
        Atom(
            _path_matcher(
                text, start + test.start("values") + value.start(), test.group("fetch"), value.group()
            )
        )
        for value in values
    ]
    try:
        return dnf.normalize(atoms[0] if len(atoms) == 1 else Or(tuple(atoms)), text)
    except errors.ConditionSyntaxError as error:
        raise errors.RewriteSyntaxError(text, start, error.reason) from None


def _path_matcher(text: str, position: int, fetch: str, value: str) -> Matcher:
    """The matcher of the HAProxy test ``fetch value``, whose value is at ``position`` in ``text``."""
    if value.startswith("-"):
        raise errors.RewriteSyntaxError(text, position, f"HAProxy flags such as {value!r} are not supported")
    if value.lower() in _JOINERS:
        raise errors.RewriteSyntaxError(
            text,
            position,
            f"HAProxy path tests cannot be combined with {value!r}; write the whole condition in the "
            "condition language instead, such as 'path prefix /v1 or path prefix /v2'",
        )
    if fetch in ("path", "path_beg") and not value.startswith("/"):
        raise errors.RewriteSyntaxError(
            text, position, f"{fetch} needs a path starting with '/', not {value!r}"
        )
    op, pattern = _path_test(fetch, value)
    if fetch == "path_reg" and (problem := _search_problem(value, pattern)):
        message, offset = problem
        raise errors.RewriteSyntaxError(
            text, position + offset, f"invalid regular expression {value!r}: {message}"
        )
    return Matcher(Field.PATH, None, op, pattern)


def _search_problem(regex: str, pattern: str) -> tuple[str, int] | None:
    """Why ``regex``, searched for with ``pattern``, is refused, and at which offset in ``regex``."""
    problem = parser.regex_problem(regex)
    if problem is None and (problem := parser.regex_problem(pattern)):
        return problem[0], 0
    return problem


def _path_test(fetch: str, value: str) -> tuple[Op, str]:
    """How the HAProxy test ``fetch value`` is written as a path matcher (regexes match the whole path)."""
    match fetch:
        case "path":
            return Op.EQUALS, value
        case "path_beg":
            return Op.PREFIX, value
        case "path_end":
            return Op.REGEX, ".*" + _REGEX_SPECIAL.sub(r"\\\g<0>", value)
        case "path_sub":
            return Op.CONTAINS, value
        case _:
            return Op.REGEX, f".*(?:{value}).*"
