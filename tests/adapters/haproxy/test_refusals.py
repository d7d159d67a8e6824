"""HAProxy's ``haproxy -c`` complaints traced back to the gateways at fault (``refusals``)."""

from __future__ import annotations

from tests.adapters.haproxy.test_render import INSTANCES
from tests.core.routing.build import gateway
from vamp import errors
from vamp.adapters.haproxy import refusals, render_names
from vamp.adapters.haproxy.render import render
from vamp.core.routing.compile import compile_plan

PLAN = compile_plan(
    [gateway("shop", 9050, ["shop/web/a/http"]), gateway("admin", 9060, ["shop/web/b/http"])],
    INSTANCES,
    shared_port=None,
)
RENDERING = render(PLAN)
LINES = RENDERING.text.splitlines()


def line_of(header: str) -> int:
    """The number (from 1) of the line after ``header``: inside its section."""
    return LINES.index(header) + 2


def complaint(line: int, what: str) -> str:
    return (
        "[NOTICE]   (1) : haproxy version is 2.6.12-1+deb12u4\n"
        f"[ALERT]    (1) : config : parsing [/tmp/x/candidate/haproxy.cfg:{line}] : {what}\n"
        "[ALERT]    (1) : config : Error(s) found in configuration file : /tmp/x/candidate/haproxy.cfg\n"
        "[ALERT]    (1) : config : Fatal errors found in configuration.\n"
    )


def test_a_complaint_in_a_backend_names_its_gateway() -> None:
    backend = render_names.haproxy_name("admin//shop/web/b/http")
    output = complaint(line_of(f"backend {backend}"), "unknown keyword 'nope' in 'backend' section")

    refused = refusals.refused(PLAN, RENDERING, output)

    assert isinstance(refused, errors.GatewaysRefused)
    assert refused.gateways == {"admin": "HAProxy refused it: unknown keyword 'nope' in 'backend' section."}
    assert str(refused) == (
        f"HAProxy refused routing plan {PLAN.version}; it keeps serving the last good one. HAProxy said: "
        f"parsing [/tmp/x/candidate/haproxy.cfg:{line_of(f'backend {backend}')}] : unknown keyword 'nope' in "
        "'backend' section"
    )


def test_a_complaint_in_a_frontend_names_the_gateways_of_its_listener() -> None:
    frontend = render_names.haproxy_name("shop")
    output = complaint(line_of(f"frontend {frontend}"), "'bind 127.0.0.1:9050' : bad things.")

    assert refusals.refused(PLAN, RENDERING, output).gateways == {
        "shop": "HAProxy refused it: 'bind 127.0.0.1:9050' : bad things."
    }


def test_a_complaint_on_no_gateway_names_none_and_gives_haproxy_s_words_as_the_reason() -> None:
    refused = refusals.refused(PLAN, RENDERING, complaint(2, "unknown keyword 'x' in 'global' section"))

    assert refused.gateways == {}
    assert "unknown keyword 'x' in 'global' section" in refused.reason


def test_alerts_leave_out_the_summary_lines() -> None:
    said = refusals.alerts(complaint(3, "it is wrong"))

    assert said == "HAProxy said: parsing [/tmp/x/candidate/haproxy.cfg:3] : it is wrong"
    assert refusals.alerts("[NOTICE] all fine\n") == ""
