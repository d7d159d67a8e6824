"""Every resource the renderer makes for the representative plans of the golden files is accepted by a real
Envoy (run with ``--reject-unknown-dynamic-fields``): no field Envoy does not know, no value it refuses."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.adapters.envoy.render_plans import PLANS
from tests.e2e.gateway_harness import Gateways, free_ports, self_signed
from vamp.adapters.envoy import files, render
from vamp.core.routing import plan

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]


@pytest.mark.parametrize("build", PLANS.values(), ids=PLANS.keys())
async def test_the_rendered_plan_is_accepted_as_a_whole(
    gateways: Gateways, tmp_path: Path, build: Callable[..., plan.RoutingPlan]
):
    self_signed(tmp_path, "secure")
    nominal = sorted({80, 5432, 8443, 9000, 9001, 9050, 40000})
    free = dict(zip(nominal, free_ports(len(nominal)), strict=True))
    rendering = render.render(build(free.__getitem__, tmp_path), gateways.envoy.files)

    published = await gateways.envoy.publish(rendering.snapshot)

    accepted = await files.accepted(gateways.envoy.admin)
    assert {key: accepted.get(key) for key in published} == published
    assert set(published.values()) == {rendering.snapshot.version}
