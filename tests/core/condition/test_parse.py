"""Reading conditions: every spelling and operator, presets, quoting, precedence and syntax errors."""

import pytest

from tests.core.condition.ir import cookie, dnf, host, method, named, path, present, ua
from vamp import errors
from vamp.core import condition
from vamp.core.condition import Field, Match, Op

H, C, Q = Field.HEADER, Field.COOKIE, Field.QUERY


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # user agent: every spelling of the field, every operator (substring match)
        ("user-agent == Mozilla", dnf([ua("Mozilla")])),
        ("User-Agent = Mozilla", dnf([ua("Mozilla")])),
        ("user.agent is Mozilla", dnf([ua("Mozilla")])),
        ("useragent==Mozilla", dnf([ua("Mozilla")])),
        ("USER-AGENT has Mozilla", dnf([ua("Mozilla")])),
        ("user-agent contains Mozilla", dnf([ua("Mozilla")])),
        ("user-agent != Mozilla", dnf([ua("Mozilla", negated=True)])),
        ("user-agent ! Mozilla", dnf([ua("Mozilla", negated=True)])),
        ("user-agent !Mozilla", dnf([ua("Mozilla", negated=True)])),
        ("user-agent not Mozilla", dnf([ua("Mozilla", negated=True)])),
        ("user-agent is not Mozilla", dnf([ua("Mozilla", negated=True)])),
        ("user-agent misses Mozilla", dnf([ua("Mozilla", negated=True)])),
        ("user-agent is notepad", dnf([ua("notepad")])),
        # host: exact, any case
        ("host == Example.com", dnf([host("Example.com")])),
        ("Host = a.example", dnf([host("a.example")])),
        ("host is a.example", dnf([host("a.example")])),
        ("host has a.example", dnf([host("a.example")])),
        ("host contains a.example", dnf([host("a.example")])),
        ("host != a.example", dnf([host("a.example", negated=True)])),
        ("host not a.example", dnf([host("a.example", negated=True)])),
        ("host misses a.example", dnf([host("a.example", negated=True)])),
        # presence of cookies, headers (names lower-cased) and query parameters
        ("has cookie beta", dnf([cookie("beta")])),
        ("contains cookie beta", dnf([cookie("beta")])),
        ("misses cookie beta", dnf([cookie("beta", negated=True)])),
        ("HAS COOKIE Beta", dnf([cookie("Beta")])),
        ("has header X-Beta", dnf([present(H, "x-beta")])),
        ("contains header X-Beta", dnf([present(H, "x-beta")])),
        ("misses header X-Beta", dnf([present(H, "x-beta", negated=True)])),
        ("has query debug", dnf([present(Q, "debug")])),
        ("contains query debug", dnf([present(Q, "debug")])),
        ("misses query debug", dnf([present(Q, "debug", negated=True)])),
        # values of cookies, headers and query parameters
        ("cookie beta has yes", dnf([named(C, "beta", Op.CONTAINS, "yes")])),
        ("cookie beta contains yes", dnf([named(C, "beta", Op.CONTAINS, "yes")])),
        ("cookie beta misses yes", dnf([named(C, "beta", Op.CONTAINS, "yes", negated=True)])),
        ("cookie beta == yes", dnf([named(C, "beta", Op.EQUALS, "yes")])),
        ("cookie beta = yes", dnf([named(C, "beta", Op.EQUALS, "yes")])),
        ("cookie beta != yes", dnf([named(C, "beta", Op.EQUALS, "yes", negated=True)])),
        ("cookie beta ~ y.*", dnf([named(C, "beta", Op.REGEX, "y.*")])),
        ("cookie beta matches y.*", dnf([named(C, "beta", Op.REGEX, "y.*")])),
        ("header X-Beta has yes", dnf([named(H, "x-beta", Op.CONTAINS, "yes")])),
        ("header X-Beta contains yes", dnf([named(H, "x-beta", Op.CONTAINS, "yes")])),
        ("header X-Beta misses yes", dnf([named(H, "x-beta", Op.CONTAINS, "yes", negated=True)])),
        ("header X-Beta == yes", dnf([named(H, "x-beta", Op.EQUALS, "yes")])),
        ("header X-Beta = yes", dnf([named(H, "x-beta", Op.EQUALS, "yes")])),
        ("header X-Beta != yes", dnf([named(H, "x-beta", Op.EQUALS, "yes", negated=True)])),
        ("header X-Beta ~ y.*", dnf([named(H, "x-beta", Op.REGEX, "y.*")])),
        ("Header X-Beta MATCHES y.*", dnf([named(H, "x-beta", Op.REGEX, "y.*")])),
        ("query debug == 1", dnf([named(Q, "debug", Op.EQUALS, "1")])),
        ("query debug = 1", dnf([named(Q, "debug", Op.EQUALS, "1")])),
        ("query debug != 1", dnf([named(Q, "debug", Op.EQUALS, "1", negated=True)])),
        ("query debug ~ [0-9]+", dnf([named(Q, "debug", Op.REGEX, "[0-9]+")])),
        ("query debug matches [0-9]+", dnf([named(Q, "debug", Op.REGEX, "[0-9]+")])),
        ("query debug has 1", dnf([named(Q, "debug", Op.CONTAINS, "1")])),
        # path and method
        ("path == /login", dnf([path(Op.EQUALS, "/login")])),
        ("path = /login", dnf([path(Op.EQUALS, "/login")])),
        ("path != /login", dnf([path(Op.EQUALS, "/login", negated=True)])),
        ("path prefix /api", dnf([path(Op.PREFIX, "/api")])),
        ("path starts with /api", dnf([path(Op.PREFIX, "/api")])),
        ("Path  STARTS   With /api", dnf([path(Op.PREFIX, "/api")])),
        ("path ~ /v[0-9]+/.*", dnf([path(Op.REGEX, "/v[0-9]+/.*")])),
        ("path matches /v[0-9]+/.*", dnf([path(Op.REGEX, "/v[0-9]+/.*")])),
        ("path contains beta", dnf([path(Op.CONTAINS, "beta")])),
        ("method == GET", dnf([method("GET")])),
        ("method = get", dnf([method("GET")])),
        ("METHOD != post", dnf([method("POST", negated=True)])),
        # constants
        ("true", Match.ALWAYS),
        ("TRUE", Match.ALWAYS),
        ("false", Match.NEVER),
    ],
)
def test_every_spelling_and_operator_compiles_to_its_matcher(text, expected):
    assert condition.compile(text) == expected


SAFARI = [ua("Safari"), ua("Version/"), ua("Chrome", negated=True)]
CHROME = [ua("Chrome"), ua("Edg", negated=True), ua("OPR", negated=True)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("user-agent == Safari", dnf(SAFARI)),
        ("user-agent == safari", dnf(SAFARI)),
        ("user-agent == 'SAFARI'", dnf(SAFARI)),
        ("user-agent == Chrome", dnf(CHROME)),
        ("user-agent == Firefox", dnf([ua("Firefox")])),
        ("user-agent == Edge", dnf([ua("Edg")])),
        ("user-agent == IE", dnf([ua("MSIE")], [ua("Trident/")])),
        ("user-agent != IE", dnf([ua("MSIE", negated=True), ua("Trident/", negated=True)])),
        (
            "user-agent != Chrome",
            dnf([ua("Chrome", negated=True)], [ua("Edg")], [ua("OPR")]),
        ),
        ("user-agent == Opera", dnf([ua("Opera")])),
        ("header user-agent contains Safari", dnf([ua("Safari")])),
    ],
)
def test_browser_names_expand_to_their_presets(text, expected):
    assert condition.compile(text) == expected


CHROME_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
USER_AGENTS = {
    "Chrome": CHROME_UA,
    "Edge": CHROME_UA + " Edg/120.0.2210.91",
    "Opera": CHROME_UA + " OPR/106.0.0.0",
    "Firefox": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Safari": (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.2 Safari/605.1.15"
    ),
    "IE 11": "Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko",
    "IE 10": "Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.1; Trident/6.0)",
}


@pytest.mark.parametrize(
    ("preset", "matching"),
    [
        ("Chrome", {"Chrome"}),
        ("Edge", {"Edge"}),
        ("Firefox", {"Firefox"}),
        ("Safari", {"Safari"}),
        ("IE", {"IE 11", "IE 10"}),
    ],
)
def test_each_preset_matches_its_browser_only(preset, matching):
    match = condition.compile(f"user-agent == {preset}")
    matched = {
        browser
        for browser, agent in USER_AGENTS.items()
        if match.test(condition.Request(headers={"User-Agent": agent}))
    }
    assert matched == matching


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('header x == "a b"', dnf([named(H, "x", Op.EQUALS, "a b")])),
        ("header x == 'a b'", dnf([named(H, "x", Op.EQUALS, "a b")])),
        ("header x == 'say \"hi\"'", dnf([named(H, "x", Op.EQUALS, 'say "hi"')])),
        ('header x == ""', dnf([named(H, "x", Op.EQUALS, "")])),
        ("header x == O'Reilly", dnf([named(H, "x", Op.EQUALS, "O'Reilly")])),
        ('cookie "my cookie" has v', dnf([named(C, "my cookie", Op.CONTAINS, "v")])),
        ("has cookie 'my cookie'", dnf([cookie("my cookie")])),
        ('user-agent == "Firefox and Chrome"', dnf([ua("Firefox and Chrome")])),
        ("user-agent == Mozilla/5.0 (X11; Linux)", dnf([ua("Mozilla/5.0 (X11; Linux)")])),
        ("path ~ /v(1|2)/.*", dnf([path(Op.REGEX, "/v(1|2)/.*")])),
        ("header x == band", dnf([named(H, "x", Op.EQUALS, "band")])),
        ("header x == rock   and has cookie y", dnf([named(H, "x", Op.EQUALS, "rock"), cookie("y")])),
        ("header x == a&&has cookie y", dnf([named(H, "x", Op.EQUALS, "a"), cookie("y")])),
        ("(header x == a)", dnf([named(H, "x", Op.EQUALS, "a")])),
        ('header x=="a"and has cookie y', dnf([named(H, "x", Op.EQUALS, "a"), cookie("y")])),
    ],
)
def test_values_are_quoted_or_run_to_the_next_operator(text, expected):
    assert condition.compile(text) == expected


A, B, D = cookie("a"), cookie("b"), cookie("d")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("has cookie a or has cookie b and has cookie d", dnf([A], [B, D])),
        ("(has cookie a or has cookie b) and has cookie d", dnf([A, D], [B, D])),
        ("not has cookie a and has cookie b", dnf([cookie("a", negated=True), B])),
        ("! (has cookie a || has cookie b)", dnf([cookie("a", negated=True), cookie("b", negated=True)])),
        ("has cookie a AND has cookie b OR has cookie d", dnf([A, B], [D])),
        ("has cookie a & has cookie b | has cookie d", dnf([A, B], [D])),
        ("has cookie a&&has cookie b||NOT has cookie d", dnf([A, B], [cookie("d", negated=True)])),
        ("not not has cookie a", dnf([A])),
        ("!!has cookie a", dnf([A])),
        ("  has\tcookie\n a  ", dnf([A])),
        ("((has cookie a))", dnf([A])),
    ],
)
def test_not_binds_tighter_than_and_and_and_tighter_than_or(text, expected):
    assert condition.compile(text) == expected


def test_the_tree_keeps_the_structure_as_written():
    tree = condition.parse("has cookie a or not (has cookie b and has cookie d) or true")
    assert tree == condition.Or(
        (
            condition.Atom(A),
            condition.Not(condition.And((condition.Atom(B), condition.Atom(D)))),
            condition.Constant(True),
        )
    )


def test_an_error_reads_as_a_sentence_with_a_caret_under_the_offending_character():
    with pytest.raises(errors.ConditionSyntaxError) as raised:
        condition.compile("has cookie a and path ~ /v(1")
    assert raised.value.explain() == (
        "Invalid condition 'has cookie a and path ~ /v(1': invalid regular expression '/v(1': "
        "missing ), unterminated subpattern at position 27.\n"
        "has cookie a and path ~ /v(1\n"
        "                          ^"
    )


OPERANDS = (
    "user-agent, host, header, cookie, query, path, method, has, misses, true, false, not, '(' "
    "or a raw HAProxy condition '< … >'"
)
FIELD_OPERATORS = "==, =, !=, has, contains, misses, ~, matches"
HOST_OPERATORS = "==, =, is, has, contains, !=, !, not, is not, misses"
PATH_OPERATORS = f"{FIELD_OPERATORS}, prefix, starts with"


@pytest.mark.parametrize(
    ("text", "position", "reason"),
    [
        ("", 0, "the condition is empty; write one such as 'user-agent == Firefox'"),
        ("   ", 3, "the condition is empty; write one such as 'user-agent == Firefox'"),
        ("agent == Firefox", 0, f"expected a condition ({OPERANDS}), found 'agent'"),
        ("has cookie a and", 16, f"expected a condition ({OPERANDS}), found the end"),
        ("has cookie a or or", 16, f"expected a condition ({OPERANDS}), found 'or'"),
        ("== x", 0, f"expected a condition ({OPERANDS}), found '='"),
        ("has flag x", 4, "expected 'header', 'cookie' or 'query' after 'has', found 'flag'"),
        ("has cookie", 10, "expected a cookie name after 'has cookie', found the end"),
        ("has cookie ''", 11, "expected a cookie name after 'has cookie', found \"'\""),
        (
            "user-agent Firefox",
            11,
            "expected an operator after 'user-agent' (==, =, is, has, contains, !=, !, not, is not, misses), "
            "found 'Firefox'",
        ),
        ("header x is y", 9, f"expected an operator after 'header x' ({FIELD_OPERATORS}), found 'is'"),
        ("method has GET", 7, "expected an operator after 'method' (==, =, !=), found 'has'"),
        ("user-agent ==", 13, "expected a value after 'user-agent ==', found the end"),
        ("path prefix ) ", 12, "expected a value after 'path prefix', found ')'"),
        ('header x == "abc', 12, 'this " is never closed; add a closing "'),
        ("has cookie a b", 13, "expected 'and', 'or' or the end, found 'b'"),
        ("has cookie a)", 12, "expected 'and', 'or' or the end, found ')'"),
        ("(has cookie a", 0, "this '(' is never closed; add a ')'"),
        ("(has cookie a b)", 14, "expected 'and', 'or' or ')', found 'b'"),
        ("path ~ [a-", 7, "invalid regular expression '[a-': unterminated character set"),
        ('header x ~ "*a"', 12, "invalid regular expression '*a': nothing to repeat"),
        (
            "path ~ a{99999999999}",
            7,
            "invalid regular expression 'a{99999999999}': a repetition count is too large",
        ),
        ("(" * 65 + "true" + ")" * 65, 64, "the condition nests deeper than 64 levels; simplify it"),
        ("not " * 65 + "true", 256, "the condition nests deeper than 64 levels; simplify it"),
        # the limit counts nesting, however many operands come before the nest
        (
            "true and " + "(" * 65 + "true" + ")" * 65,
            73,
            "the condition nests deeper than 64 levels; simplify it",
        ),
        (
            "has cookie a or " * 3 + "not " * 65 + "true",
            304,
            "the condition nests deeper than 64 levels; simplify it",
        ),
        ("host", 4, f"expected an operator after 'host' ({HOST_OPERATORS}), found the end"),
        (
            "host www.example.com",
            5,
            f"expected an operator after 'host' ({HOST_OPERATORS}), found 'www.example.com'",
        ),
        ("path /login", 5, f"expected an operator after 'path' ({PATH_OPERATORS}), found '/'"),
        ("header", 6, "expected a header name after 'header', found the end"),
        ("header == yes", 7, "expected a header name after 'header', found '='"),
        ("has header", 10, "expected a header name after 'has header', found the end"),
        ("misses query", 12, "expected a query name after 'misses query', found the end"),
        (
            "header x-beta",
            13,
            f"expected an operator after 'header x-beta' ({FIELD_OPERATORS}), found the end",
        ),
        # a regular expression nesting deeper than Python's parser recurses is refused, not a crash
        (
            "path ~ " + "(" * 1000 + ")" * 1000,
            7,
            f"invalid regular expression '{'(' * 1000 + ')' * 1000}': it nests too deeply",
        ),
    ],
)
def test_syntax_errors_point_at_the_offending_character(text, position, reason):
    with pytest.raises(errors.ConditionSyntaxError) as raised:
        condition.compile(text)
    assert (raised.value.position, raised.value.reason) == (position, reason)


def test_the_depth_limit_counts_nesting_not_operands():
    operands = "true and " * 100
    nest = "(" * 62 + "not false" + ")" * 62
    assert condition.compile(operands + nest) == Match.ALWAYS
    assert condition.compile(nest + " and true" * 100) == Match.ALWAYS
