"""Conditions to HAProxy ACLs: what each matcher, operator and domain becomes, and how values are quoted.

The real HAProxy reads every form here in ``test_haproxy_check.py``.
"""

from __future__ import annotations

import pytest

from vamp import errors
from vamp.adapters.haproxy import render_acls
from vamp.core import condition
from vamp.core.condition import Field, Matcher, Op


def acl_of(text: str) -> str:
    [conjunction] = condition.compile(text).disjuncts
    [matcher] = conjunction.matchers
    [line] = render_acls.acl("m", matcher)
    return line


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("header x-user == alice", "acl m req.fhdr(x-user) -m str alice"),
        ("header x-user != alice", "acl m req.fhdr(x-user) -m str alice"),
        ("has header x-beta", "acl m req.fhdr(x-beta) -m found"),
        ("misses header x-beta", "acl m req.fhdr(x-beta) -m found"),
        ("header x-user has ali", "acl m req.fhdr(x-user) -m sub ali"),
        ('header x-user == ""', "acl m req.fhdr(x-user) -m reg '^(?:)$'"),
        ("user-agent == Firefox", "acl m req.fhdr(user-agent) -m sub Firefox"),
        ("cookie group == beta", "acl m req.cook(group) -m str beta"),
        ("has cookie beta", "acl m req.hdr(cookie) -m reg '(?:^|;)\\s*beta='"),
        ("cookie group ~ b.*", "acl m req.cook(group) -m reg '^(?:b.*)$'"),
        ("query debug == 1", "acl m url_param(debug) -m str 1"),
        ("has query debug", "acl m query -m reg '(?:^|&)debug(?:=|&|$)'"),
        ("has query x.y", "acl m query -m reg '(?:^|&)x\\.y(?:=|&|$)'"),
        ("host == www.example.com", "acl m req.hdr(host),field(1,:) -i -m str www.example.com"),
        ("path == /login", "acl m path -m str /login"),
        ("path prefix /api", "acl m path -m beg /api"),
        ("path ~ /v[0-9]+/.*", "acl m path -m reg '^(?:/v[0-9]+/.*)$'"),
        ("method == POST", "acl m method -m str POST"),
    ],
)
def test_each_condition_form_becomes_one_acl(text: str, line: str) -> None:
    assert acl_of(text) == line


@pytest.mark.parametrize(
    ("matcher", "line"),
    [
        (Matcher(Field.HEADER, "x", Op.EQUALS, "Yes", ignore_case=True), "acl m req.fhdr(x) -i -m str Yes"),
        (Matcher(Field.PATH, None, Op.PREFIX, ""), "acl m path -m reg '^(?:.*)$'"),
        (Matcher(Field.HEADER, "x", Op.CONTAINS, ""), "acl m req.fhdr(x) -m reg '^(?:.*)$'"),
        (Matcher(Field.HEADER, "x", Op.EQUALS, "two words"), "acl m req.fhdr(x) -m str 'two words'"),
        (
            Matcher(Field.HEADER, "x", Op.EQUALS, "it's $HOME #1"),
            "acl m req.fhdr(x) -m str 'it'\\''s $HOME #1'",
        ),
    ],
)
def test_case_empty_values_and_quoting(matcher: Matcher, line: str) -> None:
    assert render_acls.acl("m", matcher) == (line,)


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        (
            'cookie group == ""',
            (
                "acl m req.cook(group) -m reg '^(?:)$'",
                "acl m req.hdr(cookie) -m reg '(?:^|;)\\s*group=(?:;|$)'",
            ),
        ),
        (
            "cookie group ~ b?",
            (
                "acl m req.cook(group) -m reg '^(?:b?)$'",
                "acl m req.hdr(cookie) -m reg '(?:^|;)\\s*group=(?:;|$)'",
            ),
        ),
        (
            'query debug == ""',
            ("acl m url_param(debug) -m reg '^(?:)$'", "acl m query -m reg '(?:^|&)debug=?(?:&|$)'"),
        ),
        ("query debug == 1", ("acl m url_param(debug) -m str 1",)),
    ],
)
def test_a_cookie_or_parameter_test_that_holds_for_an_empty_value_also_finds_it_empty(
    text: str, lines: tuple[str, ...]
) -> None:
    [conjunction] = condition.compile(text).disjuncts
    [matcher] = conjunction.matchers
    assert render_acls.acl("m", matcher) == lines


@pytest.mark.parametrize(
    ("domains", "lines"),
    [
        (("*",), ()),
        (("sava.example", "*"), ()),
        (
            ("sava.example", "*.shop.example", "api.*"),
            (
                "acl h req.hdr(host),field(1,:) -i -m str sava.example",
                "acl h req.hdr(host),field(1,:) -i -m end .shop.example",
                "acl h req.hdr(host),field(1,:) -i -m beg api.",
            ),
        ),
    ],
)
def test_domains_become_alternative_acls_of_one_name(
    domains: tuple[str, ...], lines: tuple[str, ...]
) -> None:
    assert render_acls.domains("h", domains) == lines


def test_a_name_that_would_break_the_fetch_is_refused_with_what_is_valid() -> None:
    with pytest.raises(
        errors.RoutingError, match=r"'x\)y' in a condition cannot be tested on HAProxy.*letters"
    ):
        render_acls.acl("m", Matcher(Field.COOKIE, "x)y", Op.PRESENT, None))
