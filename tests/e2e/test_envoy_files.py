"""Delivering snapshots to a real Envoy through files: what changes where, and what Envoy reports."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tests.e2e import resources as r
from tests.e2e.backends import Backends, Connection, free_port
from tests.e2e.conftest import Envoy
from tests.e2e.polling import eventually
from vamp import errors
from vamp.adapters.envoy import files, layout

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]


def snapshot(
    envoy: Envoy, backends: Backends, version: str, weights: dict[str, int], port: int
) -> files.Snapshot:
    xds = envoy.files
    return files.Snapshot(
        version,
        listeners=(r.listener(xds, "gateway", port, "gateway"),),
        clusters=tuple(r.cluster(xds, name) for name in weights),
        routes=(r.route_config("gateway", r.prefix(r.weighted(weights))),),
        endpoints=tuple(r.endpoints(name, backends.ports[name]) for name in weights),
    )


async def answers(port: int, count: int = 40) -> Counter[str]:
    connection = Connection(port)
    seen = Counter([(await connection.request("/")).backend for _ in range(count)])
    await connection.close()
    return seen


def inodes(xds: layout.Layout) -> dict[str, int]:
    return {str(p.relative_to(xds.root)): p.stat().st_ino for p in xds.root.glob("[lcre]ds/*.json")}


async def counter(envoy: Envoy, name: str) -> int:
    stats = await envoy.admin.stats(f"^{name}$")
    return int(stats["stats"][0]["value"])


async def test_a_published_snapshot_is_served_and_its_versions_are_reported(envoy: Envoy, backends: Backends):
    port = free_port()

    versions = await envoy.publish(snapshot(envoy, backends, "v1", {"a": 10000, "b": 0}, port))

    expected = {"lds": "v1", "cds": "v1", "rds/gateway": "v1", "eds/a": "v1", "eds/b": "v1"}
    assert versions == expected
    assert await files.accepted(envoy.admin) == expected
    assert await answers(port) == {"a": 40}


async def test_a_weight_change_rewrites_only_its_route_configuration(envoy: Envoy, backends: Backends):
    port = free_port()
    await envoy.publish(snapshot(envoy, backends, "v1", {"a": 10000, "b": 0}, port))
    before = inodes(envoy.files)

    versions = await envoy.publish(snapshot(envoy, backends, "v2", {"a": 0, "b": 10000}, port))

    after = inodes(envoy.files)
    assert [name for name in after if after[name] != before[name]] == ["rds/gateway.json"]
    assert versions == {"lds": "v1", "cds": "v1", "rds/gateway": "v2", "eds/a": "v1", "eds/b": "v1"}
    assert await answers(port) == {"b": 40}
    assert await counter(envoy, "listener_manager.listener_modified") == 0
    assert await counter(envoy, "cluster_manager.cluster_modified") == 0


async def test_an_endpoint_change_rewrites_only_its_load_assignment(envoy: Envoy, backends: Backends):
    port = free_port()
    first = snapshot(envoy, backends, "v1", {"a": 10000, "b": 0}, port)
    await envoy.publish(first)
    before = inodes(envoy.files)
    moved = files.Snapshot(
        "v2",
        first.listeners,
        first.clusters,
        first.routes,
        (r.endpoints("a", backends.ports["c"]), first.endpoints[1]),
    )

    versions = await envoy.publish(moved)

    after = inodes(envoy.files)
    assert [name for name in after if after[name] != before[name]] == ["eds/a.json"]
    assert versions["eds/a"] == "v2"
    assert versions["cds"] == "v1"
    assert await answers(port) == {"c": 40}
    assert await counter(envoy, "cluster_manager.cluster_modified") == 0


async def test_removed_resources_disappear_from_envoy_and_disk(envoy: Envoy, backends: Backends):
    port = free_port()
    await envoy.publish(snapshot(envoy, backends, "v1", {"a": 5000, "b": 5000}, port))

    versions = await envoy.publish(snapshot(envoy, backends, "v2", {"a": 10000}, port))

    assert versions == {"lds": "v1", "cds": "v2", "rds/gateway": "v2", "eds/a": "v1"}
    assert sorted(p.name for p in envoy.files.directory(layout.ResourceType.ENDPOINTS).iterdir()) == [
        "a.json"
    ]
    assert "eds/b" not in await files.accepted(envoy.admin)
    assert await answers(port) == {"a": 40}


async def test_a_rejected_snapshot_leaves_the_last_good_files_and_configuration(
    envoy: Envoy, backends: Backends
):
    port = free_port()
    await envoy.publish(snapshot(envoy, backends, "v1", {"a": 10000, "b": 0}, port))
    good = {p: p.read_bytes() for p in envoy.files.root.glob("[lcre]ds/*.json")}
    bad = snapshot(envoy, backends, "v2", {"a": 0, "b": 10000}, port)
    bad_listener = r.listener(envoy.files, "gateway", port, "gateway")
    bad_listener["filter_chains"][0]["filters"][0]["typed_config"]["stat_prefix"] = ""
    bad = files.Snapshot("v2", (bad_listener,), bad.clusters, bad.routes, bad.endpoints)

    with pytest.raises(errors.PublishError) as raised:
        await envoy.publish(bad, timeout=1.0)

    assert str(raised.value).startswith(
        "Envoy did not accept the new configuration: lds is at version 'v1', not 'v2'."
        " Envoy reports: gateway: "
    )
    assert "StatPrefix: value length must be at least 1 characters" in str(raised.value)
    assert {p: p.read_bytes() for p in envoy.files.root.glob("[lcre]ds/*.json")} == good
    assert await answers(port) == {"a": 40}


@pytest.mark.parametrize(
    ("path", "extra", "stat", "key"),
    [
        ("rds/gateway.json", r.route_config("other"), "http.gateway.rds.gateway", "rds/gateway"),
        ("eds/a.json", r.endpoints("b", 1), "cluster.a", "eds/a"),
    ],
)
async def test_a_route_or_endpoint_file_must_hold_exactly_one_resource(
    envoy: Envoy, backends: Backends, path: str, extra: dict[str, object], stat: str, key: str
):
    await envoy.publish(snapshot(envoy, backends, "v1", {"a": 10000, "b": 0}, free_port()))
    content = json.loads((envoy.files.root / path).read_text())
    content["version_info"] = "v2"
    content["resources"].append({**content["resources"][0], **extra})

    write_atomically(envoy.files, envoy.files.root / path, content)

    async def rejected() -> bool:
        return await counter(envoy, f"{stat}.update_rejected") > 0

    await eventually(rejected, what=f"Envoy rejects {path} with two resources")
    assert (await files.accepted(envoy.admin))[key] == "v1"


def write_atomically(xds: layout.Layout, path: Path, content: object) -> None:
    staged = xds.staging / "manual.json"
    staged.write_text(json.dumps(content))
    staged.rename(path)


async def test_without_the_log_a_refused_route_configuration_is_reported_after_the_timeout(
    envoy: Envoy, backends: Backends
):
    bad = snapshot(envoy, backends, "v1", {"a": 0, "b": 0}, free_port())

    with pytest.raises(errors.PublishError) as raised:
        await files.publish(envoy.files, bad, envoy.admin, timeout=0.5)

    assert str(raised.value) == (
        "Envoy did not accept the new configuration: rds/gateway is at version 'none', not 'v1'. "
        "See Envoy's log for why."
    )
