"""Gateways the compiler cannot serve: each is reported and left out, and the others are served."""

import pytest

from tests.core.routing.build import gateway
from vamp import errors
from vamp.core import condition, model, selector
from vamp.core.routing.compile import compile_plan

LEFT_OUT = "; the gateway is left out of the plan"
FIREFOX = "user-agent == Firefox"


def error_of(parse, text):
    try:
        parse(text)
    except errors.VampError as exc:
        return str(exc)
    raise AssertionError(f"{text!r} parsed")


BAD_CONDITION = "user-agent == Firefox and ("
RAW_ACL = "< hdr(x-user) -f /etc/passwd >"  # a raw HAProxy condition that would load a file


@pytest.mark.parametrize(
    ("bad", "problem"),
    [
        (
            gateway("bad", 9000, {"[a:1]": {"weight": "60%"}, "[b:1]": {"weight": "30%"}}),
            "gateway 'bad': the route weights total 90%, but must total either 0% or 100%",
        ),
        (
            gateway("bad", 9000, {"missing": {"weight": "60%"}}),
            "gateway 'bad': the route weights total 60%, but must total either 0% or 100%",
        ),
        (
            gateway("bad", 9000, {"missing": {}, "[a:1]": {"balance": "first"}}),
            "gateway 'bad' route '[a:1]': Unsupported balance 'first'. Use one of: default, "
            "roundrobin, static-rr, leastconn, random, source, uri, round_robin, least_request, ring_hash "
            "or hdr(<name>).",
        ),
        (
            gateway("bad", 9000, {"[a:1]": {"weight": "60%"}, "[b:1]": {"weight": "60%"}, "[c:1]": {}}),
            "gateway 'bad': the route weights total 120%, but must total either 0% or 100%",
        ),
        (
            gateway("bad", 9000, {"[a:1]": {"condition": {"definition": BAD_CONDITION}}}),
            f"gateway 'bad' route '[a:1]': {error_of(condition.compile, BAD_CONDITION)}",
        ),
        (
            gateway("bad", 9000, {"[a:1]": {"condition": {"definition": RAW_ACL}}}),
            f"gateway 'bad' route '[a:1]': {error_of(condition.compile, RAW_ACL)}",
        ),
        (
            gateway("bad", 9000, {"[a:1]": {"rewrites": [{"path": "nonsense"}]}}),
            f"gateway 'bad' route '[a:1]': {error_of(condition.parse_rewrite, 'nonsense')}",
        ),
        (
            gateway("bad", 9000, {"[a:1]": {"balance": "first"}}),
            "gateway 'bad' route '[a:1]': Unsupported balance 'first'. Use one of: default, "
            "roundrobin, static-rr, leastconn, random, source, uri, round_robin, least_request, ring_hash "
            "or hdr(<name>).",
        ),
        (
            gateway("bad", 9000, selector="lable(app)(x)"),
            f"gateway 'bad': {error_of(selector.parse, 'lable(app)(x)')}",
        ),
        (
            gateway("bad", 9000, {"web": {"selector": "lable(app)(x)"}}),
            f"gateway 'bad' route 'web': {error_of(selector.parse, 'lable(app)(x)')}",
        ),
        (
            gateway("bad", 9000, {"a/b": {"selector": "label(app)(x)"}}),
            "gateway 'bad' route 'a/b': If route selector is defined, route path must not contain '/'.",
        ),
        (
            gateway("bad", 9000, {"[a:1]": {"selector": "label(app)(x)"}}),
            "gateway 'bad' route '[a:1]': Route selector cannot be defined for an external target.",
        ),
        (
            gateway("bad", 9000, {"[a:1]": model.Ref(name="gone")}),
            "gateway 'bad' route '[a:1]': no stored route named 'gone'",
        ),
        (
            gateway("bad", 9000, {"[a:1]": {"condition": model.Ref(name="gone")}}),
            "gateway 'bad' route '[a:1]': no stored condition named 'gone'",
        ),
        (
            gateway("bad", 9000, {"[a:1]": {"rewrites": [model.Ref(name="gone")]}}),
            "gateway 'bad' route '[a:1]': no stored rewrite named 'gone'",
        ),
        (
            gateway("bad", "9000/tcp", {"[a:1]": {"condition": {"definition": FIREFOX}}}),
            "gateway 'bad' route '[a:1]': conditions need an HTTP port, but this gateway's port is TCP: "
            "remove the condition or use HTTP",
        ),
        (
            gateway("bad", "9000/tcp", {"[a:1]": {"rewrites": [{"path": "/ if path == /x"}]}}),
            "gateway 'bad' route '[a:1]': path rewrites need an HTTP port, but this gateway's port is TCP: "
            "remove the rewrites or use HTTP",
        ),
        (
            gateway("bad", "9000/tcp", ["[a:1]"], sticky="route"),
            "gateway 'bad': sticky sessions need an HTTP port, but this gateway's port is TCP: "
            "remove 'sticky' or use HTTP",
        ),
        (
            gateway("bad", "9000/tcp", ["[a:1]"], virtual_hosts=["bad.example"]),
            "gateway 'bad': virtual hosts need an HTTP port, but this gateway's port is TCP: remove "
            "'virtual_hosts' or use HTTP",
        ),
    ],
)
def test_a_gateway_that_cannot_be_served_is_left_out_and_the_others_are_not(bad, problem):
    good = gateway("good", 8000, ["[10.0.0.1:80]"])

    compiled = compile_plan([bad, good], [], shared_port=None)

    assert compiled.problems == (problem.rstrip(".") + LEFT_OUT,)
    assert [listener.name for listener in compiled.listeners] == ["good"]
    assert [cluster.name for cluster in compiled.clusters] == ["good//[10.0.0.1:80]"]


@pytest.mark.parametrize(
    ("gateways", "served", "problems"),
    [
        (
            [gateway("shop/9050", 9050), gateway("sava/9050", 9050), gateway("other", 9051)],
            ["sava/9050", "other"],
            [
                "gateway 'shop/9050': Gateway port '9050' is/was in use by deployment: 'sava/9050'. "
                "Remove 'sava/9050' gateway first or use different port" + LEFT_OUT
            ],
        ),
        (
            [gateway("web", 80), gateway("other", 81)],
            ["other"],
            ["gateway 'web': port 80 is the shared virtual-host port, use another port" + LEFT_OUT],
        ),
        (
            [gateway("twice", 81, ["[a:1]"]), gateway("twice", 82, ["[b:1]"])],
            ["twice"],
            ["gateway 'twice' is given more than once; the first is served"],
        ),
        (
            [model.Gateway(port=model.GatewayPort(number=81)), gateway("named", 82)],
            ["named"],
            ["a gateway without a name cannot be served; give it a name"],
        ),
    ],
)
def test_gateways_that_cannot_have_their_port_or_name_are_left_out(gateways, served, problems):
    compiled = compile_plan(gateways, [], shared_port=80, automatic_hosts=False)

    assert [listener.name for listener in compiled.listeners] == served
    assert list(compiled.problems) == problems
