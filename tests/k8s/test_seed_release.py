"""Issue 11's fourth "Done when" line: an automated release on the Kubernetes test control plane.

The seed scenario's ``foo-ingress`` (selector ``label(app)(foo) && label(version)((.*))``) routes to the
plain Deployment ``foo 1.0.3``; a Deployment ``version: 2.0.1`` appears and its route ``(2.0.1)`` shows
at 0 %. A canary release from ``(1.0.3)`` to ``(2.0.1)`` is stored through the REST API while steady
requests go through the agent's Envoy to the small test servers on the pods' addresses; the gateway's
metrics judge it, and it is promoted: the gateway's weights end at 0 % / 100 % and every request is
answered by the 2.0.1 pod.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.backends import free_port
from tests.e2e.traffic import Traffic
from tests.e2e.vamp_process import gateway_ports
from tests.k8s import controlplane, eventually, servers
from tests.k8s.test_seed_scenario import GATEWAY, SELECTOR, Foo, names, no_other_foo_pods, serve, settled
from vamp.adapters.kubernetes import client as kube_client

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(300)]

RELEASE = "foo-2.0.1"
POLICY = f"""\
name: {RELEASE}
gateway: {GATEWAY}
from: "(1.0.3)"
to: "(2.0.1)"
strategy: canary
steps: [10%, 50%, 100%]
interval: 2s
samples: 50
"""
RATE = 60.0
FINAL = ("Promoted", "RolledBack", "Paused", "Aborted", "Failed")


async def test_a_release_from_1_0_3_to_2_0_1_driven_by_real_requests_promotes_2_0_1(
    k8s_cluster: controlplane.Cluster,
    k8s_api: httpx.Client,
    kube: kube_client.KubernetesClient,
    k8s_namespace: str,
    tmp_path: Path,
) -> None:
    namespace = k8s_namespace
    await no_other_foo_pods(k8s_api, namespace)
    foo = Foo(k8s_api, namespace, free_port())
    async with contextlib.AsyncExitStack() as stack:
        identity = await stack.enter_async_context(servers.vamp_identity(k8s_cluster, kube, namespace))
        listen = free_port()  # the agent's endpoint, whose metrics the server polls
        server = await stack.enter_async_context(
            servers.running_server(
                identity,
                tmp_path,
                name="vamp-0",
                namespace=namespace,
                shared_port=free_port(),
                ports=gateway_ports(),
                agents=(f"http://127.0.0.1:{listen}",),
            )
        )
        agent = await stack.enter_async_context(servers.running_agent(server.url, tmp_path, listen=listen))
        backends = await stack.enter_async_context(contextlib.aclosing(servers.PodBackends()))
        api = server.api()

        async def routes() -> dict[str, Any]:
            return await api.routes(GATEWAY)

        foo.create("1.0.3")
        v103 = await foo.ready("1.0.3", 1)
        await serve(backends, v103, foo.port)
        await api.send("POST", "gateways", f"name: {GATEWAY}\nselector: {SELECTOR}\n")
        await eventually.until("route (1.0.3)", routes, lambda found: "(1.0.3)" in found)
        port = int((await api.get(f"gateways/{GATEWAY}"))["port"].split("/")[0])

        foo.create("2.0.1")
        v201 = await foo.ready("2.0.1", 1)
        await serve(backends, v201, foo.port)
        found = await eventually.until("route (2.0.1)", routes, lambda found: "(2.0.1)" in found)
        assert {path: route["weight"] for path, route in found.items()} == {
            "(1.0.3)": "100%",
            "(2.0.1)": "0%",
        }
        await settled(server, agent)

        with Traffic(port, rate=RATE, path="/") as traffic:

            async def answered_by_1_0_3() -> int:
                return traffic.answers()[names(v103).pop()]

            await eventually.until("traffic through the agent's Envoy", answered_by_1_0_3, lambda n: n >= 20)
            await api.send("POST", "releases", POLICY)

            async def phase() -> dict[str, Any]:
                status: dict[str, Any] = (await api.get(f"releases/{RELEASE}"))["status"]
                return status

            done = await eventually.until(
                "the release is over", phase, lambda status: status["phase"] in FINAL, timeout=180.0
            )
            assert done["phase"] == "Promoted", done
            found = await routes()
            assert {path: route["weight"] for path, route in found.items()} == {
                "(1.0.3)": "0%",
                "(2.0.1)": "100%",
            }
            await settled(server, agent)
            new = names(v201).pop()

            async def newest() -> dict[str, int]:
                return dict(traffic.last(100))

            await eventually.until("100 answers in a row by 2.0.1", newest, lambda last: last == {new: 100})
        during = traffic.answers()
        assert during[names(v103).pop()] > 0, during
        assert during[new] > 0, during
        steps = [decision for decision in done["decisions"] if decision["action"] == "step"]
        assert steps, done
        assert all(finding["samples"][1] > 0 for finding in steps[-1].get("findings", [])), steps[-1]
        assert server.stop() == 0, server.log()
