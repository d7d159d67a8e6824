"""A weight change on one gateway of many, as the agent takes it: the plan read from its JSON text by
``plan_reading.PlanReader`` (unchanged nodes as the very same objects), rendered by its changes through a
``render.Reuse`` and published over ADS to a real Envoy. Only that gateway's route configuration is
rendered and converted, Envoy gets no cluster and no listener update at all, and it routes by the new
weights (600 requests, ±5 percentage points)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.backends import Backends
from tests.e2e.conftest import AdsEnvoy, start_ads_envoy
from tests.e2e.gateway_harness import free_ports
from tests.e2e.test_envoy_xds_reuse import GATEWAYS, SERVICES, answers, plan_of
from vamp.adapters.envoy import render, render_names, xds_resources
from vamp.adapters.envoy.layout import ResourceType
from vamp.services import plan_reading

pytestmark = [pytest.mark.e2e, pytest.mark.anyio, pytest.mark.timeout(120)]

REQUESTS = 600
UPDATES = ("cluster_manager.cds.update_attempt", "listener_manager.lds.update_attempt")


async def updates(envoy: AdsEnvoy) -> dict[str, int]:
    """How many cluster and listener responses Envoy has received."""
    stats = await envoy.admin.stats("^(" + "|".join(name.replace(".", r"\.") for name in UPDATES) + ")$")
    return {stat["name"]: int(stat["value"]) for stat in stats["stats"]}


async def test_one_gateways_weight_change_read_from_text_is_rendered_sent_and_routed_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    converted: list[tuple[ResourceType, str]] = []
    pack = xds_resources._pack

    def counted(kind: ResourceType, name: str, *args: Any, **options: Any) -> Any:
        converted.append((kind, name))
        return pack(kind, name, *args, **options)

    with Backends(*SERVICES) as backends:
        envoy = await start_ads_envoy(tmp_path)
        try:
            ports = free_ports(GATEWAYS)
            reader, reuse = plan_reading.PlanReader(), render.Reuse()

            def rendered(first: dict[str, str]) -> render.Rendering:
                text = json.dumps(plan_of(ports, backends, first).to_data())
                return render.render(reader.read(json.loads(text)), envoy.files, reuse=reuse)

            before = rendered({"a": "100%"})
            await envoy.publish(before.snapshot, timeout=30.0)
            assert await answers(ports[0]) == {"a": 10}
            counted_before = await updates(envoy)
            monkeypatch.setattr(xds_resources, "_pack", counted)

            after = rendered({"a": "30%", "b": "70%"})
            await envoy.publish(after.snapshot, timeout=30.0)

            split = await answers(ports[0], REQUESTS)
            others = [await answers(port, 2) for port in ports[1:]]
            counted_after = await updates(envoy)
        finally:
            await envoy.stop()

    renewed = [
        (kind, new.get("name"))
        for kind in ("listeners", "clusters", "routes", "endpoints")
        for new, old in zip(getattr(after.snapshot, kind), getattr(before.snapshot, kind), strict=True)
        if new is not old
    ]
    assert renewed == [("routes", render_names.envoy_name("g0"))]
    assert converted == [(ResourceType.ROUTES, render_names.envoy_name("g0"))]
    assert counted_after == counted_before  # not one cluster or listener response
    assert set(split) == {"a", "b"}
    assert abs(split["b"] / REQUESTS - 0.70) <= 0.05
    assert others == [Counter({"a": 2})] * (GATEWAYS - 1)
