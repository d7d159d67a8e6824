"""Conditions to Envoy route matches: what each matcher becomes, and — against a model of Envoy's matching —
that the rendered matches hold exactly when the match IR's reference semantics say the condition does.

The real Envoy is checked on a table of conditions and requests in ``tests/e2e/dataplane/test_conditions.py``;
here Hypothesis tries many more combinations against ``envoy_holds``, which models Envoy's ``RouteMatch``
(Python's ``re`` stands in for RE2, which agrees with it on the regexes the renderer writes).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vamp.adapters.envoy import render_matchers
from vamp.core import condition
from vamp.core.condition import Field, Matcher, Op

Json = dict[str, Any]


def one(text: str) -> condition.Conjunction:
    [conjunction] = condition.compile(text).disjuncts
    return conjunction


def regex(header: str, pattern: str, **extra: Any) -> Json:
    return {"name": header, "string_match": {"safe_regex": {"regex": pattern}}, **extra}


INVERTED = {"invert_match": True, "treat_missing_header_as_empty": True}


@pytest.mark.parametrize(
    ("text", "matches"),
    [
        (
            "header x-user == alice",
            [{"prefix": "/", "headers": [{"name": "x-user", "string_match": {"exact": "alice"}}]}],
        ),
        (
            "header x-user != alice",
            [
                {
                    "prefix": "/",
                    "headers": [{"name": "x-user", "string_match": {"exact": "alice"}, **INVERTED}],
                }
            ],
        ),
        (
            'header x-user != ""',
            [
                {"prefix": "/", "headers": [{"name": "x-user", "present_match": False}]},
                {
                    "prefix": "/",
                    "headers": [{"name": "x-user", "string_match": {"exact": ""}, "invert_match": True}],
                },
            ],
        ),
        ("misses header x-beta", [{"prefix": "/", "headers": [{"name": "x-beta", "present_match": False}]}]),
        (
            "cookie group has beta",
            [{"prefix": "/", "headers": [regex("cookie", r"(?:.*;\s*)?group=[^;]*beta[^;]*(?:;.*)?")]}],
        ),
        (
            "misses cookie group",
            [{"prefix": "/", "headers": [regex("cookie", r"(?:.*;\s*)?group=[^;]*(?:;.*)?", **INVERTED)]}],
        ),
        (
            "query debug != 1",
            [
                {
                    "prefix": "/",
                    "headers": [regex(":path", r"[^?]*\?(?:[^&]*&)*debug=1(?:&.*)?", invert_match=True)],
                }
            ],
        ),
        (
            "host == Shop.Example",
            [{"prefix": "/", "headers": [regex(":authority", r"(?i:Shop\.Example)(?::[0-9]+)?")]}],
        ),
        ("path == /login", [{"path": "/login"}]),
        ("path ~ /v[0-9]+/.*", [{"safe_regex": {"regex": "(?:/v[0-9]+/.*)"}}]),
        (
            "path prefix /v1 and path misses users",
            [{"prefix": "/v1", "headers": [regex(":path", r"[^?]*users[^?]*(?:\?.*)?", invert_match=True)]}],
        ),
        (
            "method != GET",
            [
                {
                    "prefix": "/",
                    "headers": [{"name": ":method", "string_match": {"exact": "GET"}, "invert_match": True}],
                }
            ],
        ),
    ],
)
def test_each_condition_becomes_these_route_matches(text: str, matches: list[Json]):
    assert list(render_matchers.route_matches(one(text))) == matches


def test_no_condition_matches_every_path():
    assert render_matchers.route_matches(None) == ({"prefix": "/"},)


@pytest.mark.parametrize(
    ("text", "escaped"), [("a.b", r"a\.b"), ("(x)|[y]", r"\(x\)\|\[y\]"), (r"\d+?", r"\\d\+\?")]
)
def test_literals_are_escaped_for_re2(text: str, escaped: str):
    assert render_matchers.literal(text) == escaped
    assert re.fullmatch(escaped, text)


def envoy_holds(match: Json, request: Json) -> bool:
    """Whether Envoy's ``RouteMatch`` ``match`` holds for ``request`` (headers, pseudo-headers included)."""
    path = request[":path"].partition("?")[0]
    if "prefix" in match:
        path_holds = _cased(path, match).startswith(_cased(match["prefix"], match))
    elif "path" in match:
        path_holds = _cased(path, match) == _cased(match["path"], match)
    else:
        path_holds = re.fullmatch(match["safe_regex"]["regex"], path) is not None
    return path_holds and all(_header_holds(header, request) for header in match.get("headers", []))


def _cased(text: str, match: Json) -> str:
    return text if match.get("case_sensitive", True) else text.lower()


def _header_holds(matcher: Json, request: Json) -> bool:
    value = request.get(matcher["name"])
    if "present_match" in matcher:
        return (value is not None) is matcher["present_match"]
    if value is None:
        if not matcher.get("treat_missing_header_as_empty"):
            return False
        value = ""
    test = matcher["string_match"]
    fold = str.lower if test.get("ignore_case") else str
    if "exact" in test:
        holds = fold(value) == fold(test["exact"])
    elif "prefix" in test:
        holds = fold(value).startswith(fold(test["prefix"]))
    elif "contains" in test:
        holds = fold(test["contains"]) in fold(value)
    else:
        holds = re.fullmatch(test["safe_regex"]["regex"], value) is not None
    return holds is not matcher.get("invert_match", False)


# Small alphabets, so that generated values often meet the request's.
TEXT = st.text("aA.", max_size=2)
NAMES = st.sampled_from(["x", "y"])
REGEXES = st.sampled_from(["a.*", "[aA]+", ".*", "a?", "A|a"])


@st.composite
def matchers(draw: st.DrawFn) -> Matcher:
    field = draw(
        st.sampled_from([field for field in Field if field is not Field.HAPROXY])
    )  # Envoy refuses it
    named = field in condition.match.NAMED_FIELDS
    ops = [op for op in Op if (op is not Op.PRESENT or named) and op is not Op.ACL]
    op = draw(st.sampled_from(ops))
    if op is Op.PRESENT:
        value = None
    elif op is Op.REGEX:
        value = draw(REGEXES)
    elif field is Field.PATH:
        value = "/" + draw(TEXT)
    elif field is Field.METHOD:
        value = draw(st.sampled_from(["GET", "POST", "G"]))
    else:
        value = draw(TEXT)
    return Matcher(
        field,
        draw(NAMES) if named else None,
        op,
        value,
        negated=draw(st.booleans()),
        ignore_case=True if field is Field.HOST else draw(st.booleans()),
    )


@st.composite
def requests(draw: st.DrawFn) -> tuple[condition.Request, Json]:
    """A request as the reference semantics see it, and as Envoy's matchers see it."""
    values = st.dictionaries(NAMES, TEXT, max_size=2)
    method = draw(st.sampled_from(["GET", "POST"]))
    path = "/" + draw(st.text("aA./", max_size=3))
    host = draw(st.text("aA.", min_size=1, max_size=2))
    port = draw(st.sampled_from(["", ":8080"]))
    headers, cookies, query = draw(values), draw(values), draw(values)
    envoy: Json = {
        ":method": method,
        ":path": path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""),
        ":authority": host + port,
        **headers,
    }
    if cookies:
        envoy["cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    return condition.Request(method, path, host, headers, cookies, query), envoy


@settings(max_examples=200, deadline=None)
@given(st.lists(matchers(), max_size=3), requests())
def test_rendered_matches_hold_exactly_when_the_conjunction_does(
    conjunction: list[Matcher], request: tuple[condition.Request, Json]
):
    reference, envoy = request
    rendered = render_matchers.route_matches(condition.Conjunction(tuple(conjunction)))

    assert any(envoy_holds(match, envoy) for match in rendered) == condition.Conjunction(
        tuple(conjunction)
    ).test(reference)
