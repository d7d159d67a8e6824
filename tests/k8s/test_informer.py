"""The informer against a real API server: it lists, then watches; resumes where a watch ended without
listing again; lists again when its resourceVersion is too old (410 Gone); reports only real changes; and
says why when it cannot list at all.
"""

import asyncio
import base64
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from lightkube.resources.core_v1 import ConfigMap, Service

from tests.k8s import eventually
from vamp import errors
from vamp.adapters.kubernetes import client as kube
from vamp.adapters.kubernetes import config, informer, observed
from vamp.core import model

pytestmark = pytest.mark.anyio


class Changes:
    """Counts ``on_change`` calls."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1


@contextlib.asynccontextmanager
async def running(
    watcher: informer.Informer[Any, Any], resume_from: str | None = None
) -> AsyncIterator[None]:
    task = asyncio.create_task(watcher.run(resume_from))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def services(
    client: kube.KubernetesClient, namespace: str, **options: Any
) -> informer.Informer[Service, model.ObservedInstance]:
    options.setdefault("on_change", Changes())
    return informer.Informer(client, Service, observed.service, namespace=namespace, **options)


async def add_service(client: kube.KubernetesClient, namespace: str, name: str, **labels: str) -> None:
    manifest = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {"ports": [{"name": "http", "port": 80}]},
    }
    await client.apply(Service, manifest)


async def holds(watcher, names: set[str], *, among_others: bool = False) -> None:
    async def observe() -> set[str]:
        return {name for _, name in watcher.records}

    def done(seen: set[str]) -> bool:
        return names <= seen if among_others else seen == names

    await eventually.until(f"records of {sorted(names)}", observe, done)


async def test_it_lists_then_sees_every_change(kube, k8s_namespace):
    await add_service(kube, k8s_namespace, "before")

    watcher = services(kube, k8s_namespace)
    async with running(watcher):
        await watcher.synced()
        assert set(watcher.records) == {(k8s_namespace, "before")}
        await add_service(kube, k8s_namespace, "after")
        await holds(watcher, {"before", "after"})
        await kube.delete(Service, "before", namespace=k8s_namespace)
        await holds(watcher, {"after"})

    assert watcher.lists == 1


async def test_a_list_of_several_pages_keeps_every_object_and_then_sees_changes(
    kube, k8s_namespace, monkeypatch
):
    """Objects come in pages of ``LIST_PAGE`` (here 2), only their records kept: 5 Services, 3 pages."""
    monkeypatch.setattr("vamp.adapters.kubernetes.client.LIST_PAGE", 2)
    names = {f"paged-{number}" for number in range(5)}
    for name in sorted(names):
        await add_service(kube, k8s_namespace, name)

    watcher = services(kube, k8s_namespace)
    async with running(watcher):
        await watcher.synced()
        assert set(watcher.records) == {(k8s_namespace, name) for name in names}
        assert all(isinstance(record, model.ObservedInstance) for record in watcher.records.values())
        await add_service(kube, k8s_namespace, "after")
        await holds(watcher, {*names, "after"})

    assert watcher.lists == 1


async def test_marked_records_are_kept_apart_as_they_change(kube, k8s_namespace):
    await add_service(kube, k8s_namespace, "web", app="web")
    await add_service(kube, k8s_namespace, "db", app="db")

    def web(record: model.ObservedInstance) -> bool:
        return record.labels.get("app") == "web"

    watcher = services(kube, k8s_namespace, marked=web)
    async with running(watcher):
        await watcher.synced()
        assert set(watcher.marked_records) == {(k8s_namespace, "web")}
        await add_service(kube, k8s_namespace, "web-2", app="web")
        await add_service(kube, k8s_namespace, "web", app="db")  # no longer marked
        await holds(watcher, {"web", "db", "web-2"})
        await eventually.until(
            "web-2 alone marked",
            _marked_names(watcher),
            lambda names: names == {"web-2"},
        )
        await kube.delete(Service, "web-2", namespace=k8s_namespace)
        await holds(watcher, {"web", "db"})

    assert watcher.marked_records == {}


def _marked_names(watcher):
    async def names() -> set[str]:
        return {name for _, name in watcher.marked_records}

    return names


async def test_it_resumes_where_the_server_ended_a_watch_without_listing_again(kube, k8s_namespace):
    watcher = services(kube, k8s_namespace, server_timeout=1)
    async with running(watcher):
        await watcher.synced()

        async def watches() -> int:
            return watcher.watches

        await eventually.until("three watch requests", watches, lambda count: count >= 3)
        await add_service(kube, k8s_namespace, "late")
        await holds(watcher, {"late"})

    assert watcher.lists == 1


async def test_a_too_old_resource_version_makes_it_list_again(k8s_cluster, kube, k8s_namespace):
    """The test cluster watches ConfigMaps from etcd itself: compacting etcd makes old versions 410 Gone."""
    await kube.apply(ConfigMap, _config_map(k8s_namespace, "existing"))
    old = (await kube.list(ConfigMap, namespace=k8s_namespace)).resource_version
    for name in ("newer", "newest"):  # etcd keeps the compaction revision itself: two writes past ``old``
        await kube.apply(ConfigMap, _config_map(k8s_namespace, name))
    await asyncio.to_thread(_compact_etcd, k8s_cluster.etcd)  # the history up to now is gone
    watcher = informer.Informer(kube, ConfigMap, _data, on_change=Changes(), namespace=k8s_namespace)

    async with running(watcher, resume_from=old):
        # among others: the controller manager adds kube-root-ca.crt to every Namespace
        await holds(watcher, {"existing", "newer", "newest"}, among_others=True)

    assert watcher.lists == 1  # none at the start (it resumed from ``old``), one after 410 Gone


async def test_only_a_changed_record_is_a_change(kube, k8s_namespace):
    await add_service(kube, k8s_namespace, "web", app="web")
    changes = Changes()
    watcher = services(kube, k8s_namespace, on_change=changes)
    async with running(watcher):
        await watcher.synced()
        after_list = changes.count

        await kube.apply(Service, _annotated(k8s_namespace, "web", {"app": "web"}))  # not in the record
        await add_service(kube, k8s_namespace, "marker")  # seen after the annotation: events come in order
        await holds(watcher, {"web", "marker"})

    assert changes.count == after_list + 1


async def test_it_says_why_it_cannot_list(k8s_cluster, k8s_namespace):
    stranger = k8s_cluster.add_user("informer-stranger")
    async with kube.KubernetesClient(config.from_kubeconfig(stranger.kubeconfig)) as client:
        watcher = services(client, k8s_namespace, max_backoff=0.5)
        async with running(watcher):
            with pytest.raises(errors.DriverError) as raised:
                await watcher.synced()

    assert str(raised.value) == (
        f"Kubernetes forbids Vamp to list services in Namespace {k8s_namespace}: services is forbidden: "
        f'User "informer-stranger" cannot list resource "services" in API group "" in the namespace '
        f'"{k8s_namespace}". Grant it in Vamp\'s ClusterRole (deploy/kubernetes/rbac.yaml).'
    )


def _compact_etcd(etcd: str) -> None:
    """Compact etcd's history up to its current revision, through its JSON gateway."""
    with httpx.Client(base_url=etcd, trust_env=False) as client:
        key = base64.b64encode(b"/").decode()
        revision = (
            client.post("/v3/kv/range", json={"key": key}).raise_for_status().json()["header"]["revision"]
        )
        client.post("/v3/kv/compaction", json={"revision": revision, "physical": True}).raise_for_status()


def _config_map(namespace: str, name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace},
        "data": {"name": name},
    }


def _data(config_map: ConfigMap) -> dict[str, str]:
    return config_map.data or {}


def _annotated(namespace: str, name: str, labels: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": namespace, "labels": labels, "annotations": {"note": "x"}},
        "spec": {"ports": [{"name": "http", "port": 80}]},
    }
