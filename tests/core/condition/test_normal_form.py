"""Compiling to disjunctive normal form: De Morgan, distribution, tidying, order, limits; and describe."""

import pytest

from tests.core.condition.ir import cookie, dnf, named, path, present
from vamp import errors
from vamp.core import condition
from vamp.core.condition import Field, Match, Op

A, B, C, D = (cookie(name) for name in "abcd")
NOT_A, NOT_B, NOT_C = (cookie(name, negated=True) for name in "abc")


def cookies(template: str, count: int, joiner: str) -> str:
    return f" {joiner} ".join(template.format(index) for index in range(count))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # De Morgan: not is pushed down to the matchers
        ("not (has cookie a and has cookie b)", dnf([NOT_A], [NOT_B])),
        ("not (has cookie a or has cookie b)", dnf([NOT_A, NOT_B])),
        ("not (has cookie a or not (has cookie b and not has cookie c))", dnf([NOT_A, B, NOT_C])),
        ("not true", Match.NEVER),
        ("not false", Match.ALWAYS),
        # distribution of and over or, in the order written
        (
            "(has cookie a or has cookie b) and (has cookie c or has cookie d)",
            dnf([A, C], [A, D], [B, C], [B, D]),
        ),
        ("has cookie a and (has cookie b or has cookie c)", dnf([A, B], [A, C])),
        # contradictions go
        ("has cookie a and misses cookie a", Match.NEVER),
        ("(has cookie a or has cookie b) and misses cookie a", dnf([B, NOT_A])),
        ("path prefix /api and not path prefix /api", Match.NEVER),
        # repetitions go, the first stays
        ("has cookie a and has cookie b and has cookie a", dnf([A, B])),
        ("has cookie a or has cookie b or has cookie a", dnf([A], [B])),
        ("has cookie a and has cookie b or has cookie b and has cookie a", dnf([A, B])),
        # absorption: a conjunction implied by a smaller one goes
        ("has cookie a or has cookie a and has cookie b", dnf([A])),
        ("has cookie a and has cookie b or has cookie a", dnf([A])),
        ("has cookie c or has cookie a and has cookie b or has cookie a", dnf([C], [A])),
        # constants
        ("true or has cookie a", Match.ALWAYS),
        ("has cookie a or true", Match.ALWAYS),
        ("false or has cookie a", dnf([A])),
        ("true and has cookie a", dnf([A])),
        ("false and has cookie a", Match.NEVER),
        ("(has cookie a or false) and true", dnf([A])),
        # the order written is kept
        ("has cookie b or has cookie a", dnf([B], [A])),
        ("has cookie b and has cookie a", dnf([B, A])),
        # exactly the limit is fine
        (cookies("has cookie a{}", 64, "or"), dnf(*([cookie(f"a{index}")] for index in range(64)))),
    ],
)
def test_conditions_compile_to_tidy_disjunctive_normal_form(text, expected):
    assert condition.compile(text) == expected


@pytest.mark.parametrize(
    ("text", "alternatives"),
    [
        (cookies("has cookie a{}", 65, "or"), 65),
        (f"({cookies('has cookie a{}', 8, 'or')}) and ({cookies('has cookie b{}', 9, 'or')})", 72),
        (f"not ({cookies('(has cookie a{0} and has cookie b{0})', 7, 'or')})", 128),
    ],
)
def test_more_than_64_alternatives_are_refused(text, alternatives):
    with pytest.raises(errors.ConditionSyntaxError) as raised:
        condition.compile(text)
    assert (raised.value.position, raised.value.reason) == (
        0,
        f"condition too complex: {alternatives} alternatives; at most 64",
    )


@pytest.mark.parametrize(
    ("match", "always", "never"),
    [
        (Match.ALWAYS, True, False),
        (Match.NEVER, False, True),
        (dnf([A]), False, False),
        (dnf([A], []), True, False),
    ],
)
def test_always_and_never(match, always, never):
    assert (match.always, match.never) == (always, never)


@pytest.mark.parametrize(
    ("match", "described"),
    [
        (Match.ALWAYS, "true"),
        (Match.NEVER, "false"),
        (condition.compile("user-agent == Firefox"), 'header user-agent contains "Firefox"'),
        (
            condition.compile("user-agent == IE"),
            'header user-agent contains "MSIE" or header user-agent contains "Trident/"',
        ),
        (
            condition.compile("misses header X-Old and cookie beta misses no"),
            'misses header x-old and cookie beta misses "no"',
        ),
        (
            condition.compile("not path ~ /v1/.* and path prefix /api"),
            'not path ~ "/v1/.*" and path prefix "/api"',
        ),
        (condition.compile("not path prefix /api"), 'not path prefix "/api"'),
        (condition.compile("header x == 'say \"hi\"'"), "header x == 'say \"hi\"'"),
        (condition.compile("has cookie 'my cookie'"), 'has cookie "my cookie"'),
        (condition.compile("host != a.example"), 'host != "a.example"'),
        (condition.compile("method == get"), 'method == "GET"'),
        (condition.compile("query q ~ a.* or has query debug"), 'query q ~ "a.*" or has query debug'),
        (
            dnf([present(Field.QUERY, "q"), named(Field.QUERY, "q", Op.EQUALS, "")]),
            'has query q and query q == ""',
        ),
        (dnf([path(Op.CONTAINS, "beta", negated=True)]), 'path misses "beta"'),
    ],
)
def test_describe_writes_the_condition_language(match, described):
    assert condition.describe(match) == described
    assert condition.compile(described) == match
