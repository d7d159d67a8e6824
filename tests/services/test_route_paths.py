"""``route_paths.route_path`` against gateways made through the API: a deployment's internal gateway by
service, a free-standing one by route path, and what is missing named with the routes there are."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.interfaces.api import harness
from vamp import errors
from vamp.services import route_paths

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def api() -> AsyncIterator[harness.Harness]:
    async with harness.in_memory() as found:
        yield found


async def canary(api: harness.Harness) -> None:
    """sava 1.0 deployed in acme-prod, and 1.1 merged in at 0 %."""
    for blueprint in (harness.SAVA_1_0, harness.SAVA_1_1):
        response = await api.client.put(
            "/acme-prod/api/v1/deployments/sava", content=blueprint, headers=harness.YAML
        )
        assert response.is_success, response.text


async def test_a_deployments_routes_are_found_by_service_and_by_path(api: harness.Harness):
    await canary(api)
    gateways = api.services.gateways

    baseline = await route_paths.route_path(gateways, "acme-prod", "sava/sava/webport", "sava:1.0.0")
    candidate = await route_paths.route_path(
        gateways, "acme-prod", "sava/sava/webport", "sava/sava/sava:1.1.0/webport"
    )

    assert (baseline, candidate) == ("sava/sava/sava:1.0.0/webport", "sava/sava/sava:1.1.0/webport")


async def test_a_free_standing_gateways_route_is_found_by_its_path(api: harness.Harness):
    gateway = {
        "name": "shop",
        "port": "9070/http",
        "routes": {"[10.0.0.9:80]": {}, "[10.0.0.10:80]": {"weight": "0%"}},
    }
    created = await api.client.put("/acme-prod/api/v1/gateways/shop", json=gateway)
    assert created.is_success, created.text

    found = await route_paths.route_path(api.services.gateways, "acme-prod", "shop", "[10.0.0.10:80]")

    assert found == "[10.0.0.10:80]"


async def test_a_route_the_gateway_does_not_have_is_not_found_naming_those_it_has(api: harness.Harness):
    await canary(api)

    with pytest.raises(errors.NotFoundError) as raised:
        await route_paths.route_path(api.services.gateways, "acme-prod", "sava/sava/webport", "sava:2.0.0")

    assert "has no route 'sava:2.0.0'. Its routes are: 'sava/sava/sava:1.0.0/webport', " in str(raised.value)


async def test_a_gateway_that_is_not_there_is_not_found(api: harness.Harness):
    with pytest.raises(errors.NotFoundError, match="nope"):
        await route_paths.route_path(api.services.gateways, "acme-prod", "nope", "sava:1.0.0")
