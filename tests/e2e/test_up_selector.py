"""The seed scenario on the local driver (vamp.md §1.10), end to end through ``vamp up``, the CLI and the API.

A free-standing gateway ``foo-ingress`` selects ``label(app)(foo) && label(version)((.*))``. Deploying
foo 1.0.3 adds the route ``(1.0.3)``; merging foo 2.0.1 adds ``(2.0.1)`` at 0 % within 2 s of its
instance becoming healthy (measured: the instance's own port is polled beside the gateway); removing
2.0.1 removes its route, and 1.0.3 keeps serving through the gateway's virtual host.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e import vamp_process
from tests.e2e.vamp_process import demo_blueprint, eventually, versions

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

GATEWAY = """\
name: foo-ingress
kind: gateways
virtual_hosts: [foo.bar.com]
selector: label(app)(foo) && label(version)((.*))
"""
ROUTE_WITHIN = 2.0


def routes(vamp: vamp_process.Vamp) -> dict[str, Any]:
    found: dict[str, Any] = vamp.api("gateways/foo-ingress")["routes"]
    return {path: route.get("weight") for path, route in found.items()}


def healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health", timeout=1.0, trust_env=False).status_code == 200
    except httpx.TransportError:
        return False


def test_a_selector_gateway_gets_a_route_per_version(tmp_path: Path) -> None:
    documents = tmp_path / "foo.yml"
    documents.write_text(
        "---\n".join(
            (
                GATEWAY,
                demo_blueprint("foo:1.0.3", "foo:1.0.3", "1.0.3", cluster="foo"),
                demo_blueprint("foo:2.0.1", "foo:2.0.1", "2.0.1", cluster="foo"),
            )
        )
    )
    with vamp_process.started(tmp_path / "home", "up") as vamp:
        vamp.cli("create", "-f", str(documents))
        vamp.cli("deploy", "foo:1.0.3", "foo", "--wait")
        eventually(lambda: routes(vamp) == {"(1.0.3)": "100%"}, what="route (1.0.3) is added")

        vamp.cli("merge", "foo:2.0.1", "foo")
        instance = eventually(lambda: vamp.instances("foo", "foo:2.0.1"), what="foo 2.0.1 has an instance")[0]
        eventually(lambda: healthy(instance["ports"]["webport"]), what="foo 2.0.1 is healthy", every=0.01)
        became_healthy = time.monotonic()
        eventually(lambda: "(2.0.1)" in routes(vamp), timeout=10.0, what="route (2.0.1) is added", every=0.01)
        added_after = time.monotonic() - became_healthy

        assert added_after < ROUTE_WITHIN, (
            f"the route came {added_after:.2f} s after the instance was healthy"
        )
        assert routes(vamp) == {"(1.0.3)": "100%", "(2.0.1)": "0%"}
        port = int(vamp.api("gateways/foo-ingress")["service"]["port"])
        vamp.settled(None)
        assert versions(port, 100) == {"1.0.3": 100}

        vamp.cli("undeploy", "foo", "--service", "foo:2.0.1", "--wait")
        eventually(lambda: routes(vamp) == {"(1.0.3)": "100%"}, what="route (2.0.1) is removed")
        shared = int(vamp.text().split("by Host header on port ")[1].split()[0])
        answer = httpx.get(
            f"http://127.0.0.1:{shared}/json", headers={"host": "foo.bar.com"}, trust_env=False
        )
        assert answer.json()["version"] == "1.0.3"
