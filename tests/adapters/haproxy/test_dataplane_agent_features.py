"""The gateway agent (``vamp.services.agent``) on the HAProxy data plane, with the renderer's newest
features: a raw HAProxy condition HAProxy refuses, and a TLS certificate file that cannot be read, each
isolate their own gateway, named with the reason in the agent's status, while the others are served."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.core.routing.build import gateway, instance
from tests.e2e.backends import HOST, Backends
from tests.e2e.gateway_harness import free_ports, self_signed, send
from tests.services.agent_fakes import FakeClock, QueueSource, offered
from vamp.adapters.haproxy.dataplane import HaproxyDataPlane
from vamp.core import model
from vamp.core.routing import plan as routing_plan
from vamp.core.routing.compile import compile_plan
from vamp.services import agent as agent_service

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]

REFUSED = "< no_such_fetch(x-user) -m str alice >"
ALICE = "< hdr(x-user) -m str alice >"


def compiled(
    backends: Backends, gateways: list[model.Gateway], shared_port: int | None = None
) -> routing_plan.RoutingPlan:
    instances = [
        instance(name, HOST, {"http": port}, service=f"shop/web/{name}")
        for name, port in backends.ports.items()
    ]
    plan = compile_plan(gateways, instances, shared_port=shared_port)
    assert plan.problems == (), plan.problems
    return plan


def raw_gateway(name: str, port: int, text: str) -> model.Gateway:
    """Version b for the requests ``text`` holds for, version a for the rest; also host ``<name>.example``."""
    return gateway(
        name,
        port,
        {
            "shop/web/a/http": {"weight": "100%"},
            "shop/web/b/http": {"weight": "0%", "condition": {"definition": text}},
        },
        virtual_hosts=[f"{name}.example"],
    )


async def test_a_raw_condition_haproxy_refuses_isolates_its_gateway_and_the_others_are_served(
    data_plane: HaproxyDataPlane, backends: Backends
):
    good, bad, shared = free_ports(3)
    agent = agent_service.Agent(QueueSource(), data_plane, FakeClock())
    # Both on the shared port too: HAProxy's complaint about that frontend alone would blame both.
    plan = compiled(backends, [raw_gateway("good", good, ALICE), raw_gateway("bad", bad, REFUSED)], shared)
    agent.offer(offered(plan))

    assert await agent.reconcile()

    assert [refused.gateway for refused in agent.status.refused] == ["bad"]
    reason = agent.status.refused[0].reason
    assert f"HAProxy refused the raw condition '{REFUSED}' of route 'shop/web/b/http'" in reason
    assert "no_such_fetch" in reason.split(":", 1)[1]
    assert (await send(good, 5)) == {"a": 5}
    assert (await send(good, 5, headers={"x-user": "alice"})) == {"b": 5}
    assert (await send(shared, 5, headers={"host": "good.example", "x-user": "alice"})) == {"b": 5}


async def test_a_tls_certificate_that_cannot_be_read_isolates_its_gateway_and_the_others_are_served(
    data_plane: HaproxyDataPlane, backends: Backends, tmp_path: Path
):
    certificate, key = self_signed(tmp_path)
    certificate.unlink()
    port, secure = free_ports(2)
    tls = {"certificate": str(certificate), "private_key": str(key)}
    agent = agent_service.Agent(QueueSource(), data_plane, FakeClock())
    agent.offer(
        offered(
            compiled(
                backends,
                [
                    gateway("shop", port, ["shop/web/b/http"]),
                    gateway("secure", secure, ["shop/web/a/http"], tls=tls),
                ],
            )
        )
    )

    assert await agent.reconcile()

    assert [refused.gateway for refused in agent.status.refused] == ["secure"]
    assert f"cannot read its TLS certificate file {certificate}" in agent.status.refused[0].reason
    assert (await send(port, 5)) == {"b": 5}
