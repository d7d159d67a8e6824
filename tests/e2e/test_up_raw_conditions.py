"""A raw HAProxy condition under ``vamp up`` (whose agent runs Envoy), as a user meets it: the gateway is
taken with a note that only the HAProxy data plane runs it, shows ``deployed: false`` with the agent's
reason, and every other gateway is served; without the raw condition it is served at once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e import vamp_process
from tests.e2e.backends import Backends, free_port
from tests.e2e.test_up_isolation import answered_by, put
from tests.e2e.vamp_process import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

RAW = "< hdr(x-user) -m str alice >"
WHERE = "raw HAProxy conditions run only on the HAProxy data plane: `vamp agent --proxy haproxy`"


@pytest.fixture
def vamp(tmp_path: Path) -> Iterator[vamp_process.Vamp]:
    with vamp_process.started(tmp_path / "home", "up") as running:
        yield running


@pytest.fixture
def api(vamp: vamp_process.Vamp) -> Iterator[httpx.Client]:
    with vamp.client("/api/v1") as client:
        yield client


@pytest.fixture
def backends() -> Iterator[Backends]:
    with Backends("a", "b") as started:
        yield started


def gateway(name: str, port: int, backends: Backends, condition: str | None = None) -> dict[str, Any]:
    """All of ``name``'s traffic to backend ``a``, except what ``condition`` holds for: to ``b``."""
    b: dict[str, Any] = {"weight": "0%"}
    if condition is not None:
        b["condition"] = condition
    return {
        "name": name,
        "port": f"{port}/http",
        "routes": {
            f"[127.0.0.1:{backends.ports['a']}]": {"weight": "100%"},
            f"[127.0.0.1:{backends.ports['b']}]": b,
        },
    }


def test_envoy_refuses_the_raw_gateway_by_name_and_serves_the_others(
    vamp: vamp_process.Vamp, api: httpx.Client, backends: Backends
) -> None:
    shop_port, raw_port = free_port(), free_port()
    put(api, gateway("shop", shop_port, backends))
    body = gateway("raw", raw_port, backends, RAW)
    taken = api.put("/gateways/raw", content=json.dumps(body), headers={"content-type": "application/json"})
    assert taken.status_code == 202, taken.text
    route = taken.json()["routes"][f"[127.0.0.1:{backends.ports['b']}]"]
    assert route["note"].startswith(WHERE)

    def refused() -> dict[str, Any] | None:
        found = {item["name"]: item for item in api.get("/gateways").json()}
        return found if found["shop"]["deployed"] and "refused" in found["raw"] else None

    found = eventually(refused, timeout=30, what="shop deployed and raw refused")
    assert answered_by(shop_port) == "a"
    assert found["raw"]["deployed"] is False
    assert found["raw"]["refused"] == (
        f"Route '[127.0.0.1:{backends.ports['b']}]' has the condition '{RAW}'; {WHERE}."
    )
    assert answered_by(raw_port) is None
    described = vamp.cli("describe", "gateways", "raw").stdout
    assert "(not served)" in described
    assert "`vamp agent --proxy haproxy`" in described

    put(api, gateway("raw", raw_port, backends, "header x-user == alice"))
    eventually(lambda: answered_by(raw_port) == "a", timeout=15, what="raw served without its raw condition")
    eventually(
        lambda: api.get("/gateways/raw").json()["deployed"], timeout=10, what="raw shows as deployed again"
    )
