"""Vamp's raw HAProxy conditions ``< … >``: read into the match IR when they are safe to place in an HAProxy
configuration, refused with the place and what is allowed when they are not, and kept through the normal
form, ``describe`` and the routing plan's plain data."""

from __future__ import annotations

import json
import re

import pytest

from tests.core.condition.ir import cookie, dnf
from tests.core.routing.build import gateway, instance
from vamp import errors
from vamp.core import condition
from vamp.core.condition import Field, Matcher, Op, raw_acl
from vamp.core.routing import haproxy_only, plan
from vamp.core.routing.compile import compile_plan


def raw(text: str, negated: bool = False) -> Matcher:
    return Matcher(Field.HAPROXY, None, Op.ACL, text, negated)


ALICE = raw("hdr(x-user) -m str alice")
BETA = raw("req.cook(group) -m sub beta")
SHARED = "a stick table or another backend named here belongs to every gateway this HAProxy serves"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("< hdr(x-user) -m str alice >", dnf([ALICE])),
        ("<hdr(x-user) -m str alice>", dnf([ALICE])),
        ("{ req.cook(group) -m sub beta }", dnf([BETA])),  # the form of older docs
        ("not < hdr(x-user) -m str alice >", dnf([raw("hdr(x-user) -m str alice", negated=True)])),
        ("< hdr(x-user) -m str alice > or < req.cook(group) -m sub beta >", dnf([ALICE], [BETA])),
        ("has cookie a and (< hdr(x-user) -m str alice > or false)", dnf([cookie("a"), ALICE])),
        ("< hdr(x-user) -m str alice > and not < hdr(x-user) -m str alice >", dnf()),
        ("< hdr(x) -m str 'a b' >", dnf([raw("hdr(x) -m str 'a b'")])),
        (r'< hdr(x) -m str "say \"hi\"" >', dnf([raw(r'hdr(x) -m str "say \"hi\""')])),
        (r"< path -m reg ^/v\d+/(a|b)$ >", dnf([raw(r"path -m reg ^/v\d+/(a|b)$")])),
        ("< src 10.0.0.0/8 >", dnf([raw("src 10.0.0.0/8")])),  # the request's own, without an argument
        ("< src_port gt 1024 >", dnf([raw("src_port gt 1024")])),
        ("< req.hdr_cnt(x-beta) gt 0 >", dnf([raw("req.hdr_cnt(x-beta) gt 0")])),
        ("< hdr(x) -m str -- -fast >", dnf([raw("hdr(x) -m str -- -fast")])),
        ("< hdr(x) -m str '$HOME' >", dnf([raw("hdr(x) -m str '$HOME'")])),  # no variables in single quotes
        ("< path -m reg ^/v[0-9]+$ >", dnf([raw("path -m reg ^/v[0-9]+$")])),
        ("< hdr(x-env) -m str a\\ b >", dnf([raw("hdr(x-env) -m str a\\ b")])),
        ("< hdr(x),lower,word(1,;) -m str map >", dnf([raw("hdr(x),lower,word(1,;) -m str map")])),
        ("< hdr(X-User) -m str alice >", dnf([raw("hdr(X-User) -m str alice")])),  # an X is no quote
        ("< hdr(x) -m str 'a\\' >", dnf([raw("hdr(x) -m str 'a\\'")])),  # in '…' a backslash stays one
        ("< hdr(x) -m str '\\x7d' >", dnf([raw("hdr(x) -m str '\\x7d'")])),  # and starts no hex escape
    ],
)
def test_raw_haproxy_conditions_are_read_into_the_match_ir(text, expected):
    match = condition.compile(text)
    assert match == expected
    assert match.haproxy_only == (not match.never)


ALLOWED = raw_acl.ALLOWED


@pytest.mark.parametrize(
    ("text", "position", "reason"),
    [
        ("< hdr(x-user) -m found", 0, "this '<' is never closed; add a '>'"),
        ("{ hdr(x-user) -m found", 0, "this '{' is never closed; add a '}'"),
        ("has cookie a and <  >", 18, f"the raw HAProxy condition is empty; {ALLOWED}"),
        ("<>", 1, f"the raw HAProxy condition is empty; {ALLOWED}"),
        ("{}", 1, f"the raw HAProxy condition is empty; {ALLOWED}"),
        ("< hdr(x) -m str a # b >", 18, f"a raw HAProxy condition cannot hold '#'; {ALLOWED}"),
        ("< hdr(x) } frontend evil { >", 9, f"a raw HAProxy condition cannot hold '}}'; {ALLOWED}"),
        ("{ hdr(x) { always_true }", 9, f"a raw HAProxy condition cannot hold '{{'; {ALLOWED}"),
        ("< hdr(x) < 3 >", 9, f"a raw HAProxy condition cannot hold '<'; {ALLOWED}"),
        ("< hdr(x) -m str 'a#b' >", 18, f"a raw HAProxy condition cannot hold '#'; {ALLOWED}"),
        ("< hdr(x)\n-m found >", 8, f"a raw HAProxy condition cannot span lines; {ALLOWED}"),
        ("< hdr(x)\x00 -m found >", 8, f"a raw HAProxy condition cannot hold control characters; {ALLOWED}"),
        ("< hdr(x) -f /etc/passwd >", 9, f"the option -f loads a file; {ALLOWED}"),
        ("< hdr(x) -i -M -f map.txt >", 12, f"the option -M loads a file; {ALLOWED}"),
        ("< hdr(x),map(/etc/hosts) -m found >", 9, f"map converters load a file; {ALLOWED}"),
        ("< hdr(x),MAP_STR(/f,x) -m str y >", 9, f"map converters load a file; {ALLOWED}"),
        ("< hdr(x -m found >", 5, "this '(' is never closed; add a ')'"),
        ("< hdr(x)) -m found >", 8, f"this ')' closes no '('; {ALLOWED}"),
        ("< hdr(x) -m str 'alice >", 16, "this ' is never closed; add a closing '"),
        ('< hdr(x) -m str "a\\" >', 16, 'this " is never closed; add a closing "'),
        ("< hdr(x) -m str a\\>", 17, f"a raw HAProxy condition cannot end with a backslash; {ALLOWED}"),
        (
            "< hdr(x) -m str a \\x7d always_true >",
            18,
            f"a raw HAProxy condition cannot use hex escapes (\\x); {ALLOWED}",
        ),
        (
            '< hdr(x) -m str "a\\X7B" >',
            18,
            f"a raw HAProxy condition cannot use hex escapes (\\x); {ALLOWED}",
        ),
        (
            '< hdr(x) -m str "$HOME" >',
            17,
            f"HAProxy reads the agent's environment at '$' in double quotes; use single quotes; {ALLOWED}",
        ),
        ("< env(HOME) -m beg /root >", 2, f"the fetch env() reads the agent's environment; {ALLOWED}"),
        (
            "< str(7),set-var(txn.vamp_route) -m found >",
            8,
            f"the converters set-var and unset-var write the variables the frontend routes by; {ALLOWED}",
        ),
        (
            "< hdr(x),UNSET-VAR(txn.vamp_route) -m found >",
            8,
            f"the converters set-var and unset-var write the variables the frontend routes by; {ALLOWED}",
        ),
        ("< hdr(x),debug -m found >", 8, f"the debug converter writes requests out; {ALLOWED}"),
        (
            "< src_inc_gpc0(vamp-latency) gt 0 >",
            2,
            f"{SHARED}; {ALLOWED}",
        ),
        (
            "< nbsrv(shop) gt 0 >",
            2,
            f"{SHARED}; {ALLOWED}",
        ),
        (
            "< srv_is_up(shop/a) >",
            2,
            f"{SHARED}; {ALLOWED}",
        ),
        (
            "< hdr(x),table_gpc0(t) gt 1 >",
            8,
            f"{SHARED}; {ALLOWED}",
        ),
        ("< hdr(x) '-f' /etc/passwd >", 9, f"the option -f loads a file; {ALLOWED}"),
        ("< hdr(x),ma'p'(/etc/hosts) -m found >", 9, f"map converters load a file; {ALLOWED}"),
        ("< hdr(x)\x7f -m found >", 8, f"a raw HAProxy condition cannot hold control characters; {ALLOWED}"),
        ("<env(HOME) -m beg /root>", 1, f"the fetch env() reads the agent's environment; {ALLOWED}"),
        ("<hdr(x) -m found -f>", 17, f"the option -f loads a file; {ALLOWED}"),
        ("<hdr(x),ma'p'(/etc/hosts)>", 8, f"map converters load a file; {ALLOWED}"),
        ("< -m found >", 2, f"a raw HAProxy condition starts with a fetch; {ALLOWED}"),
        ("< 'hdr(x)' -m found >", 2, f"a raw HAProxy condition starts with a fetch; {ALLOWED}"),
        (
            f"< hdr(x) -m str {'a' * 600} >",
            2,
            f"the raw HAProxy condition is 614 characters long; {ALLOWED}",
        ),
    ],
)
def test_unsafe_or_malformed_raw_conditions_are_refused_where_they_go_wrong(text, position, reason):
    with pytest.raises(errors.ConditionSyntaxError) as raised:
        condition.compile(text)
    assert (raised.value.position, raised.value.reason) == (position, reason)


def test_a_refusal_reads_as_a_sentence_with_a_caret_and_what_is_allowed():
    with pytest.raises(errors.ConditionSyntaxError) as raised:
        condition.compile("user-agent == Firefox and < hdr(x) -f /etc/passwd >")
    assert raised.value.explain() == (
        "Invalid condition 'user-agent == Firefox and < hdr(x) -f /etc/passwd >': the option -f loads a "
        f"file; {ALLOWED} at position 36.\n"
        "user-agent == Firefox and < hdr(x) -f /etc/passwd >\n"
        "                                   ^"
    )
    assert "such as '< hdr(x-user) -m str alice >'" in ALLOWED


def test_the_longest_raw_condition_taken_is_the_limit():
    fetch = "hdr(x) -m str "
    longest = fetch + "a" * (raw_acl.MAX_LENGTH - len(fetch))
    assert condition.compile(f"< {longest} >") == dnf([raw(longest)])
    with pytest.raises(errors.ConditionSyntaxError):
        condition.compile(f"< {longest}a >")


@pytest.mark.parametrize(
    ("made", "message"),
    [
        (
            lambda: raw("hdr(x) } { always_true"),
            "not a raw HAProxy condition: 'hdr(x) } { always_true': "
            f"a raw HAProxy condition cannot hold '}}'; {ALLOWED}",
        ),
        (
            lambda: raw(" hdr(x) -m found"),
            "not a raw HAProxy condition: ' hdr(x) -m found': "
            "it is kept without spaces around it or ignore_case",
        ),
        (
            lambda: Matcher(Field.HAPROXY, None, Op.ACL, "hdr(x) -m found", ignore_case=True),
            "not a raw HAProxy condition: 'hdr(x) -m found': "
            "it is kept without spaces around it or ignore_case",
        ),
        (
            lambda: Matcher(Field.HAPROXY, None, Op.EQUALS, "x"),
            "a raw HAProxy condition is field haproxy with op acl",
        ),
        (
            lambda: Matcher(Field.HEADER, "x", Op.ACL, "x"),
            "a raw HAProxy condition is field haproxy with op acl",
        ),
        (lambda: Matcher(Field.HAPROXY, "x", Op.ACL, "hdr(x) -m found"), "a haproxy matcher takes no name"),
    ],
)
def test_the_ir_itself_refuses_raw_conditions_the_parser_would_refuse(made, message):
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        made()


def test_vamp_cannot_test_a_raw_condition_itself_and_says_where_it_runs():
    with pytest.raises(errors.RoutingError) as raised:
        condition.compile("< hdr(x-user) -m str alice >").test(condition.Request(headers={"x-user": "alice"}))
    assert "vamp agent --proxy haproxy" in str(raised.value)


@pytest.mark.parametrize(
    "text",
    [
        "< hdr(x-user) -m str alice >",
        "not < req.cook(group) -m sub beta > or has cookie a",
        '< hdr(x) -m str \'it"s\' > and header y == "z"',
    ],
)
def test_described_raw_conditions_read_back_to_the_same_match(text):
    match = condition.compile(text)
    assert condition.compile(condition.describe(match)) == match


def raw_plan() -> plan.RoutingPlan:
    """Gateway ``beta`` sends alice to version b by a raw condition; gateway ``plain`` has none."""
    instances = [
        instance("a", "127.0.0.1", {"http": 20001}, service="shop/web/a"),
        instance("b", "127.0.0.1", {"http": 20002}, service="shop/web/b"),
    ]
    return compile_plan(
        [
            gateway(
                "beta",
                9050,
                {
                    "shop/web/a/http": {"weight": "100%"},
                    "shop/web/b/http": {
                        "weight": "0%",
                        "condition": {"definition": "< hdr(x-user) -m str alice > or has cookie beta"},
                    },
                },
            ),
            gateway("plain", 9060, {"shop/web/a/http": {"weight": "100%"}}),
        ],
        instances,
    )


def test_a_plan_with_raw_conditions_reads_back_from_its_plain_data_through_json():
    original = raw_plan()
    assert not original.problems
    data = json.loads(json.dumps(original.to_data()))
    assert plan.RoutingPlan.from_data(data) == original


def test_a_plan_whose_raw_condition_was_tampered_with_is_refused():
    data = json.loads(json.dumps(raw_plan().to_data()))
    routes = data["listeners"][0]["virtual_hosts"][0]["routes"]
    matcher = routes[0]["match"]["disjuncts"][0]["matchers"][0]
    assert matcher["field"] == "haproxy"
    matcher["value"] = "hdr(x) -m found }\nfrontend evil"
    with pytest.raises(errors.RoutingError) as raised:
        plan.RoutingPlan.from_data(data)
    assert "$.listeners[0].virtual_hosts[0].routes[0].match.disjuncts[0].matchers[0]: not a raw HAProxy" in (
        str(raised.value)
    )


def test_the_gateways_that_only_haproxy_can_serve_are_named_with_the_route_and_why():
    assert haproxy_only.reasons(raw_plan()) == {
        "beta": "Route 'shop/web/b/http' has the condition '< hdr(x-user) -m str alice >'; raw HAProxy "
        "conditions run only on the HAProxy data plane: `vamp agent --proxy haproxy`."
    }
