"""Path rewrites: ``NEW_PATH if CONDITION`` with HAProxy path tests or the condition language."""

import pytest

from tests.core.condition.ir import cookie, dnf, host, path
from vamp import errors
from vamp.core import condition
from vamp.core.condition import Field, Matcher, Op

V1 = path(Op.PREFIX, "/v1")


@pytest.mark.parametrize(
    ("text", "replacement", "match"),
    [
        ("/api%[path] if { path_beg /v1 }", "/api%[path]", dnf([V1])),
        ("/api/%[path] IF path_beg /v1", "/api/%[path]", dnf([V1])),
        ("  /api%[path]   if   {path_beg /v1}  ", "/api%[path]", dnf([V1])),
        ("/x if { path_beg /v1 /v2 }", "/x", dnf([V1], [path(Op.PREFIX, "/v2")])),
        ("/x if { path /a }", "/x", dnf([path(Op.EQUALS, "/a")])),
        ("/x if path /a", "/x", dnf([path(Op.EQUALS, "/a")])),
        ("/x if { path_end .json }", "/x", dnf([path(Op.REGEX, r".*\.json")])),
        ("/x if { path_sub beta }", "/x", dnf([path(Op.CONTAINS, "beta")])),
        ("/x if { path_reg ^/v[12]/ }", "/x", dnf([path(Op.REGEX, ".*(?:^/v[12]/).*")])),
        ("/x if path == /a and has cookie b", "/x", dnf([path(Op.EQUALS, "/a"), cookie("b")])),
        ("/x if host == a.example", "/x", dnf([host("a.example")])),
        ("/x if path prefix /if", "/x", dnf([path(Op.PREFIX, "/if")])),
        ("/x if true", "/x", condition.Match.ALWAYS),
    ],
)
def test_rewrites_read_into_a_replacement_and_a_match(text, replacement, match):
    assert condition.parse_rewrite(text) == condition.PathRewrite(match, replacement)


@pytest.mark.parametrize(
    ("text", "matching", "other"),
    [
        ("/x if { path_end .json }", "/a/b.json", "/a/bxjson"),
        ("/x if { path_reg ^/v[12]/ }", "/v2/users", "/api/v2/users"),
        ("/x if { path_reg v[12] }", "/api/v2/users", "/api/v3/users"),
        ("/x if { path_sub beta }", "/a/beta/b", "/a/bet/b"),
    ],
)
def test_haproxy_path_tests_keep_their_meaning(text, matching, other):
    match = condition.parse_rewrite(text).match
    assert match.test(condition.Request(path=matching))
    assert not match.test(condition.Request(path=other))


def test_the_new_path_puts_the_original_path_in_place_of_the_fetch():
    rewrite = condition.parse_rewrite("/api%[path] if { path_beg /v1 }")
    assert rewrite.apply("/v1/users") == "/api/v1/users"


EXPECTED = "expected 'NEW_PATH if CONDITION', such as '/api%[path] if { path_beg /v1 }'"


@pytest.mark.parametrize(
    ("text", "position", "reason"),
    [
        ("/x", 0, EXPECTED),
        ("/x if", 0, EXPECTED),
        ("if path /x", 0, EXPECTED),
        ("x if path_beg /v1", 0, "the new path must start with '/', not 'x'"),
        ("/a b if path /x", 2, "the new path must not contain spaces"),
        (
            "/a%[url] if path_beg /v1",
            2,
            "the new path can use %[path] (the original path) and no other fetch, not '%[url]'",
        ),
        (
            "/a%[path if path_beg /v1",
            2,
            "the new path can use %[path] (the original path) and no other fetch, not '%[path'",
        ),
        ("/a if { path_beg /v1", 6, "this '{' is never closed; add a '}'"),
        (
            "/a if { hdr(host) -i x }",
            8,
            "inside '{ }' only the HAProxy path tests path, path_beg, path_end, path_reg, path_sub can be "
            "used; write other conditions without braces, such as 'host == www.example.com'",
        ),
        ("/a if { path_beg -i /v1 }", 17, "HAProxy flags such as '-i' are not supported"),
        ("/a if path_beg v1", 15, "path_beg needs a path starting with '/', not 'v1'"),
        (
            "/a if path_beg /v1 or path_beg /v2",
            19,
            "HAProxy path tests cannot be combined with 'or'; write the whole condition in the condition "
            "language instead, such as 'path prefix /v1 or path prefix /v2'",
        ),
        ("/a if { path_reg a( }", 18, "invalid regular expression 'a(': missing ), unterminated subpattern"),
        (
            "/a if path_reg (?i)abc",
            15,
            "invalid regular expression '(?i)abc': global flags not at the start of the expression",
        ),
        ("/a if path ~ a(", 14, "invalid regular expression 'a(': missing ), unterminated subpattern"),
        ("/a if has cookie", 16, "expected a cookie name after 'has cookie', found the end"),
        (
            "/a if path_sub " + " ".join(f"v{index}" for index in range(65)),
            6,
            "condition too complex: 65 alternatives; at most 64",
        ),
    ],
)
def test_bad_rewrites_point_at_the_offending_character(text, position, reason):
    with pytest.raises(errors.RewriteSyntaxError) as raised:
        condition.parse_rewrite(text)
    assert (raised.value.position, raised.value.reason) == (position, reason)


def test_a_rewrite_error_names_the_rewrite():
    with pytest.raises(errors.ConditionSyntaxError) as raised:
        condition.parse_rewrite("/a if < path_beg /v1 -f /etc/paths >")
    assert str(raised.value).startswith(
        "Invalid path rewrite '/a if < path_beg /v1 -f /etc/paths >': the option -f loads a file;"
    )
    assert raised.value.caret() == "/a if < path_beg /v1 -f /etc/paths >\n                     ^"


def test_a_rewrite_may_hold_a_raw_haproxy_condition():
    rewrite = condition.parse_rewrite("/a if < path_beg /v1 >")
    assert rewrite.match == dnf([Matcher(Field.HAPROXY, None, Op.ACL, "path_beg /v1")])
    assert rewrite.match.haproxy_only
