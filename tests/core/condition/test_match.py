"""The reference semantics: what a compiled condition says about a request."""

import pytest

from vamp.core import condition
from vamp.core.condition import Field, Matcher, Op, Request

REQUEST = Request(
    method="POST",
    path="/api/v1/users",
    host="Shop.Example.com",
    headers={"User-Agent": "Mozilla/5.0 Firefox/121.0", "X-Beta": "yes"},
    cookies={"beta": "on", "Session": "42"},
    query={"debug": "1", "q": "shoes"},
)


@pytest.mark.parametrize(
    ("text", "holds"),
    [
        ("user-agent == Firefox", True),
        ("user-agent == Chrome", False),
        ("user-agent != Firefox", False),
        ("header user-agent == Firefox", False),  # exact, not a substring
        ("header x-beta == yes", True),
        ("header X-BETA == yes", True),  # header names in any case
        ("header x-beta == YES", False),  # values are compared as written
        ("has header x-beta", True),
        ("misses header x-alpha", True),
        ("header x-alpha misses yes", True),  # a negated test holds when the header is missing
        ("header x-alpha != yes", True),
        ("header x-alpha == yes", False),
        ("not header x-alpha ~ .*", True),
        ("host == shop.example.COM", True),  # hosts in any case
        ("host == example.com", False),  # but exactly
        ("host has example.com", False),
        ("has cookie beta", True),
        ("has cookie session", False),  # cookie names are exact
        ("cookie Session == 42", True),
        ("cookie beta has n", True),
        ("cookie beta misses n", False),
        ("query debug == 1", True),
        ("query q ~ sho.*", True),
        ("query q ~ sho", False),  # a regex matches the whole value
        ("misses query page", True),
        ("path == /api/v1/users", True),
        ("path == /api/v1", False),
        ("path prefix /api", True),
        ("path ~ /api/v[0-9]+/.*", True),
        ("path ~ /v[0-9]+/", False),
        ("path contains v1", True),
        ("method == post", True),
        ("method != POST", False),
        ("true", True),
        ("false", False),
    ],
)
def test_a_compiled_condition_tests_a_request(text, holds):
    assert condition.compile(text).test(REQUEST) is holds


@pytest.mark.parametrize(
    ("text", "request_", "holds"),
    [
        # equality, containment and prefixes compare text: regex characters in the value are literal
        ("host == www.example.com", Request(host="wwwXexample.com"), False),
        ("host == www.example.com", Request(host="WWW.Example.com"), True),
        ("host != www.example.com", Request(host="wwwXexample.com"), True),
        ("path == /v1.0", Request(path="/v1x0"), False),
        ("path == /v1.0", Request(path="/v1.0"), True),
        ("header x-n == a+", Request(headers={"X-N": "aa"}), False),
        ("header x-n == a+", Request(headers={"X-N": "a+"}), True),
        ("cookie c has a.c", Request(cookies={"c": "abc"}), False),
        ("cookie c has a.c", Request(cookies={"c": "-a.c-"}), True),
        ("path prefix /a.c", Request(path="/abc"), False),
        ("path prefix /a.c", Request(path="/a.c/d"), True),
        ("query q == (x|y)", Request(query={"q": "x"}), False),
        # only the regex operators read the value as a pattern
        ("path ~ /a.c", Request(path="/abc"), True),
        ("query q ~ (x|y)", Request(query={"q": "x"}), True),
    ],
)
def test_only_regex_operators_read_the_value_as_a_pattern(text, request_, holds):
    assert condition.compile(text).test(request_) is holds


@pytest.mark.parametrize(
    ("field", "name", "op", "value", "problem"),
    [
        (Field.HEADER, None, Op.PRESENT, None, "a header matcher needs a name"),
        (Field.PATH, "x", Op.EQUALS, "/", "a path matcher takes no name"),
        (Field.HEADER, "X-Beta", Op.PRESENT, None, "header names are lower-case, not 'X-Beta'"),
        (Field.COOKIE, "a", Op.PRESENT, "x", "a present matcher takes no value"),
        (Field.COOKIE, "a", Op.EQUALS, None, "a equals matcher needs a value"),
        (Field.PATH, None, Op.PRESENT, None, "a path is always present"),
    ],
)
def test_matchers_refuse_impossible_shapes(field, name, op, value, problem):
    with pytest.raises(ValueError, match=problem):
        Matcher(field, name, op, value)


def test_a_regex_matcher_that_ignores_case_matches_any_case():
    insensitive = Matcher(Field.HEADER, "x-n", Op.REGEX, "ab+c", ignore_case=True)
    sensitive = Matcher(Field.HEADER, "x-n", Op.REGEX, "ab+c")
    request = Request(headers={"X-N": "ABbC"})
    assert insensitive.test(request) is True
    assert sensitive.test(request) is False
