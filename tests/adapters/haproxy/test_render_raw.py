"""Raw HAProxy conditions on the HAProxy data plane: each is an anonymous ACL ``{ … }`` in its route's
conjunction, on that route's line alone; the real HAProxy accepts the rendered text, and the raw
conditions HAProxy refuses are traced to their gateways (``raw_check``)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.adapters.haproxy.running import check, haproxy
from tests.core.routing.build import gateway, instance
from vamp import errors
from vamp.adapters.haproxy import raw_check
from vamp.adapters.haproxy.render import render
from vamp.core.routing import plan
from vamp.core.routing.compile import compile_plan

ALICE = "< hdr(x-user) -m str alice >"
BETA = "< req.cook(group) -m sub beta >"


def raw_plan(**conditions: str) -> plan.RoutingPlan:
    """Per gateway (name → condition), version b takes the requests the condition holds for; all the
    gateways on their own ports and on the shared virtual-host port."""
    instances = [
        instance("a-1", "10.0.1.1", {"http": 8080}, service="shop/web/a"),
        instance("b-1", "10.0.1.2", {"http": 8080}, service="shop/web/b"),
    ]
    gateways = [
        gateway(
            name,
            9050 + index,
            {
                "shop/web/a/http": {"weight": "100%"},
                "shop/web/b/http": {"weight": "0%", "condition": {"definition": text}},
            },
            virtual_hosts=[f"{name}.example"],
        )
        for index, (name, text) in enumerate(conditions.items())
    ]
    return compile_plan(gateways, instances, shared_port=80)


def route_lines(text: str, frontend: str) -> list[str]:
    """The lines of ``frontend`` (by the start of its name) that choose a route."""
    section = text[text.index(f"frontend {frontend}") :].split("\n\n")[0]
    return [line.strip() for line in section.splitlines() if "set-var(txn.vamp_route)" in line]


UNROUTED = "!{ var(txn.vamp_route) -m found }"


def test_a_raw_condition_is_an_anonymous_acl_in_its_route_s_conjunction() -> None:
    text = render(raw_plan(alice=f"{ALICE} and has header x-beta or not {BETA}")).text
    assert route_lines(text, "alice-") == [
        f"http-request set-var(txn.vamp_route) int(1) if {UNROUTED} {{ hdr(x-user) -m str alice }} match0",
        f"http-request set-var(txn.vamp_route) int(1) if {UNROUTED} !{{ req.cook(group) -m sub beta }}",
        f"http-request set-var(txn.vamp_route) int(2) if {UNROUTED}",
    ]
    assert "    acl match0 req.fhdr(x-beta) -m found\n" in text


def test_each_use_of_a_raw_condition_stays_on_the_line_of_its_own_route() -> None:
    text = render(raw_plan(alice=ALICE, bob=ALICE)).text
    raw = "{ hdr(x-user) -m str alice }"
    assert route_lines(text, "virtual_hosts-")[0::2] == [
        f"http-request set-var(txn.vamp_route) int(1) if {UNROUTED} host0 {raw}",
        f"http-request set-var(txn.vamp_route) int(3) if {UNROUTED} host1 {raw}",
    ]
    assert route_lines(text, "bob-")[0] == f"http-request set-var(txn.vamp_route) int(1) if {UNROUTED} {raw}"
    assert text.count(raw) == 4  # twice on the shared port, once on each gateway's own port


@pytest.mark.parametrize(
    "condition",
    [
        ALICE,
        BETA,
        "not < hdr(x-user) -m str alice > or < req.cook(group) -m sub beta >",
        "< path -m reg ^/v[0-9]+/ > and header x-team == ops",
        "< req.hdr_cnt(x-beta) gt 0 > and < hdr(x) -m str 'it''s' >",
        '< hdr(x) -m str "say \\"hi\\"" >',
        "{ src 10.0.0.0/8 }",
        "< hdr(x) -m str '$HOME' > and < hdr(y) -m str a\\ b >",
        "< path -m reg ^/v[0-9]+$ > or < hdr(x) -m str -- -fast >",
    ],
)
def test_haproxy_accepts_rendered_raw_conditions(condition: str, tmp_path: Path) -> None:
    assert "Configuration file is valid" in check(render(raw_plan(shop=condition)).text, tmp_path)


def test_haproxy_s_refusal_of_a_raw_condition_points_at_its_route_s_line(tmp_path: Path) -> None:
    text = render(raw_plan(shop=ALICE, bad="< hdr(x-user) -m nosuchmethod alice >")).text
    config = tmp_path / "haproxy.cfg"
    config.write_text(text)
    done = subprocess.run([haproxy(), "-c", "-f", str(config)], capture_output=True, text=True, check=False)
    assert done.returncode != 0
    found = re.search(r"haproxy\.cfg:(\d+)\]", done.stdout + done.stderr)
    assert found is not None, done.stdout + done.stderr
    line = text.splitlines()[int(found.group(1)) - 1]
    assert line.strip().startswith("http-request set-var(txn.vamp_route)")
    assert "{ hdr(x-user) -m nosuchmethod alice }" in line


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_haproxy_takes_good_raw_conditions_so_none_is_refused() -> None:
    assert await raw_check.refused(raw_plan(alice=ALICE, beta=BETA), haproxy=haproxy()) == {}


@pytest.mark.anyio
async def test_the_raw_conditions_haproxy_refuses_name_their_gateways_with_haproxy_s_words() -> None:
    routing = raw_plan(
        good=ALICE,
        method="< hdr(x-user) -m nosuchmethod alice >",
        fetch="< nosuchfetch(x) -m found > or has cookie b",
        again="< nosuchfetch(x) -m found >",
        regex="< path -m reg [a >",
    )
    assert not routing.problems  # the form of each is fine: only HAProxy can tell
    refused = await raw_check.refused(routing, haproxy=haproxy())
    assert sorted(refused) == ["again", "fetch", "method", "regex"]
    assert refused["method"] == (
        "HAProxy refused the raw condition '< hdr(x-user) -m nosuchmethod alice >' of route "
        "'shop/web/b/http': unknown matching method 'nosuchmethod' when parsing ACL expression."
    )
    assert "unknown fetch method 'nosuchfetch'" in refused["fetch"]
    assert refused["again"] == refused["fetch"]
    assert "regex '[a' is invalid" in refused["regex"]


@pytest.mark.anyio
async def test_a_missing_haproxy_is_a_data_plane_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(errors.DataPlaneError, match="nowhere/haproxy"):
        await raw_check.refused(raw_plan(alice=ALICE), haproxy=str(tmp_path / "nowhere" / "haproxy"))


@pytest.mark.anyio
async def test_check_refuses_just_the_gateways_whose_raw_conditions_haproxy_refuses() -> None:
    routing = raw_plan(good=ALICE, bad="< nosuchfetch(x) -m found >")
    await raw_check.check(raw_plan(good=ALICE), haproxy=haproxy())

    with pytest.raises(errors.GatewaysRefused) as raised:
        await raw_check.check(routing, haproxy=haproxy())

    assert list(raised.value.gateways) == ["bad"]
    assert str(raised.value).startswith(
        f"Routing plan {routing.version} cannot be served by HAProxy. Gateway 'bad': HAProxy refused the raw "
        "condition '< nosuchfetch(x) -m found >' of route 'shop/web/b/http': unknown fetch method"
    )
