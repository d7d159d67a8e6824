"""The deployment service over a memory store: merges with the injected clock and gateway host, compare-and-
set writes that retry when another writer was first, and what the notifier hears."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.services.fakes import RacingStore
from tests.services.test_artifacts import Heard
from vamp import errors
from vamp.core import model
from vamp.core.units import Cpu, Memory
from vamp.services import artifacts, deployment_revisions, deployments

pytestmark = pytest.mark.anyio

NS = "default"
NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
SAVA = """\
name: sava
clusters:
  sava:
    services:
      breed: {name: sava:1.0.0, deployable: magneticio/sava:1.0.0, ports: {webport: 8080/http}}
"""
LARGE = model.Scale(cpu=Cpu.parse("2"), memory=Memory.parse("2GB"), instances=4)


def touch_before(racing: RacingStore, writes: int) -> None:
    """Another writer changes deployment ``sava`` just before each of the next ``writes`` writes."""

    async def touch() -> None:
        current = await racing.get(NS, "deployments", "sava")
        assert current is not None
        touched = {**current.data, "metadata": {"touched": racing.races}}
        await racing.put(NS, "deployments", "sava", touched, revision=current.revision)

    racing.race_before(touch, writes=writes)


@pytest.fixture
def racing() -> RacingStore:
    return RacingStore()


@pytest.fixture
def heard() -> Heard:
    return Heard()


@pytest.fixture
def service(racing: RacingStore, heard: Heard) -> deployments.DeploymentService:
    stored = artifacts.ArtifactService(racing, heard)
    return deployments.DeploymentService(racing, stored, heard, clock=lambda: NOW, gateway_host="10.1.2.3")


async def _deploy(service: deployments.DeploymentService) -> model.Deployment:
    stored = await service.deploy(NS, await service.read(NS, SAVA))
    found = stored[-1]
    assert isinstance(found, model.Deployment)
    return found


async def test_a_merge_takes_the_time_and_the_gateway_host_given(
    service: deployments.DeploymentService,
) -> None:
    deployment = await _deploy(service)

    assert deployment.hosts == {"sava": "10.1.2.3"}
    assert deployment.clusters["sava"].services[0].status.since == NOW


async def test_a_write_that_loses_a_race_is_tried_again_on_what_won(
    service: deployments.DeploymentService, racing: RacingStore, heard: Heard
) -> None:
    await _deploy(service)
    heard.calls.clear()
    touch_before(racing, 1)

    await service.set_scale(NS, "sava", "sava", "sava:1.0.0", LARGE)

    found = await service.get(NS, "sava")
    assert found.metadata == {"touched": 0}
    assert found.clusters["sava"].services[0].scale == LARGE
    assert heard.calls == [("gateways", NS), ("deployment", NS, "sava")]


async def test_a_deployment_that_keeps_changing_is_a_conflict(
    service: deployments.DeploymentService, racing: RacingStore
) -> None:
    await _deploy(service)
    touch_before(racing, deployment_revisions.ATTEMPTS)

    with pytest.raises(errors.ConflictError):
        await service.set_scale(NS, "sava", "sava", "sava:1.0.0", LARGE)

    assert (await service.get(NS, "sava")).clusters["sava"].services[0].scale != LARGE


async def test_a_merge_that_changes_nothing_writes_nothing(
    service: deployments.DeploymentService, racing: RacingStore, heard: Heard
) -> None:
    await _deploy(service)
    before = await racing.get(NS, "deployments", "sava")
    heard.calls.clear()

    await _deploy(service)

    after = await racing.get(NS, "deployments", "sava")
    assert before is not None
    assert after is not None
    assert after.revision == before.revision
    assert heard.calls == []


@pytest.mark.parametrize(
    "text",
    [SAVA, '{"name": "sava"}', "name: sava\nkind: blueprints\n", "kind: deployments\n" + SAVA],
)
async def test_a_body_is_a_blueprint_a_stored_one_or_a_deployment(
    service: deployments.DeploymentService, racing: RacingStore, heard: Heard, text: str
) -> None:
    stored = artifacts.ArtifactService(racing, heard)
    await stored.save(NS, await stored.read(NS, SAVA, kind="blueprints"))

    found = await service.read(NS, text)

    assert [blueprint.name for blueprint in found] == ["sava"]
    assert list(found[0].clusters) == ["sava"]


async def test_slicing_what_is_not_deployed_does_nothing(service: deployments.DeploymentService) -> None:
    assert await service.slice(NS, "sava", await service.read(NS, SAVA)) == []
