"""Environments on the real control plane, through the API of ``vamp server --driver kubernetes`` (issue 9).

Creating environment ``prod`` of organisation ``acme`` makes the Namespace ``acme-prod``, labelled with
both; tokens of another organisation (its owner, an operator of one of its environments) get 403 for
everything in ``acme-prod`` and change nothing; removing the environment while a deployment runs in it is
refused (409) unless forced, and forced it takes the Namespace with it. The server runs as a user bound to
deploy/kubernetes's ClusterRole only, so the role is shown to be enough. Kubernetes objects are read as the
cluster admin; Vamp only through its API.

``KubernetesEnvironments`` itself: a Namespace someone else made is labelled for its environment but not
deleted with it, and an environment made again while its old Namespace still terminates waits for it to go
(and says so when it takes too long) instead of labelling a Namespace about to vanish.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from lightkube.resources.core_v1 import Namespace

from tests.e2e.backends import free_port
from tests.e2e.vamp_process import gateway_ports
from tests.k8s import controlplane, eventually, servers
from tests.k8s.test_vamp_on_kubernetes import (
    deployments,
    done,
    kubernetes_name,
    phases,
    removed_at_end,
    sava,
)
from vamp import errors
from vamp.adapters.kubernetes import client as kube_client
from vamp.adapters.kubernetes import environments

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(180)]

NAMESPACE_GONE = 60.0
"""Seconds a deleted Namespace may take to terminate (its Deployments and pods go first)."""


async def intrusions(server: servers.VampServer, token: str) -> dict[str, int]:
    """What each attempt on acme-prod answers to a request made with ``token``: status by attempt."""
    inside = server.api("acme-prod", token=token)
    outside = server.api(token=token)
    yaml_body = {"content-type": "application/x-yaml"}
    attempts = {
        "list deployments": inside.request("GET", "deployments"),
        "read deployment": inside.request("GET", "deployments/sava"),
        "merge a version": inside.request(
            "PUT", "deployments/sava", content=sava("1.1.0"), headers=yaml_body
        ),
        "undeploy": inside.request("DELETE", "deployments/sava", content=sava("1.0.0"), headers=yaml_body),
        "list gateways": inside.request("GET", "gateways"),
        "read events": inside.request("GET", "events"),
        "read the routing plan": inside.request("GET", "vga/plan"),
        "list acme's environments": outside.request("GET", "organisations/acme/environments"),
        "read the environment": outside.request("GET", "organisations/acme/environments/prod"),
        "remove the environment": outside.request(
            "DELETE", "organisations/acme/environments/prod?force=true"
        ),
        "make a token for it": outside.request(
            "POST", "tokens", content="name: mine\nrole: operator\nscope: acme-prod\n", headers=yaml_body
        ),
    }
    return {attempt: (await answer).status_code for attempt, answer in attempts.items()}


async def test_an_environment_is_a_labelled_namespace_other_organisations_cannot_touch_that_goes_with_it(
    k8s_cluster: controlplane.Cluster,
    kube: kube_client.KubernetesClient,
    k8s_namespace: str,
    tmp_path: Path,
) -> None:
    async with contextlib.AsyncExitStack() as stack:
        await stack.enter_async_context(removed_at_end(kube, "acme-prod"))  # should the test fail half-way
        await stack.enter_async_context(removed_at_end(kube, "globex-prod"))
        identity = await stack.enter_async_context(servers.vamp_identity(k8s_cluster, kube, k8s_namespace))
        server = await stack.enter_async_context(
            servers.running_server(
                identity,
                tmp_path,
                name="vamp-0",
                namespace=k8s_namespace,
                shared_port=free_port(),
                ports=gateway_ports(),
            )
        )
        admin = server.api()

        # Created through the API: the Namespace is there, labelled, when the answer comes.
        assert await server.create_environment("acme", "prod") == "acme-prod"
        made = await kube.get(Namespace, "acme-prod")
        assert made is not None
        assert made.metadata is not None
        labels = made.metadata.labels or {}
        assert {key: value for key, value in labels.items() if key.startswith("io.vamp/")} == {
            "io.vamp/organisation": "acme",
            "io.vamp/environment": "prod",
        }
        assert labels["app.kubernetes.io/managed-by"] == "vamp"

        acme = server.api("acme-prod")
        await acme.send("POST", "deployments", sava("1.0.0"))
        await done(acme, "sava", {"sava:1.0.0"})
        v100 = kubernetes_name("sava", "sava:1.0.0")
        assert list(await deployments(kube, "acme-prod")) == [v100]

        # Another organisation's owner, and an operator of its environment: 403 for everything of acme-prod.
        await server.create_environment("globex", "prod")
        owner = await admin.send("POST", "tokens", "name: boss\nrole: owner\nscope: globex\n")
        operator = await admin.send("POST", "tokens", "name: ci\nrole: operator\nscope: globex-prod\n")
        for token in (owner["token"], operator["token"]):
            answered = await intrusions(server, token)
            assert answered == dict.fromkeys(answered, httpx.codes.FORBIDDEN), answered
        assert await phases(acme, "sava") == {"sava:1.0.0": "Done"}  # nothing merged, nothing undeployed
        assert list(await deployments(kube, "acme-prod")) == [v100]
        assert await kube.get(Namespace, "acme-prod") is not None

        # Removed while sava runs: refused, naming it, unless forced; forced, the Namespace goes with it.
        refused = await admin.request("DELETE", "organisations/acme/environments/prod")
        assert refused.status_code == httpx.codes.CONFLICT
        assert "deployments sava" in refused.json()["message"]
        removing = time.monotonic()
        removed = await admin.request("DELETE", "organisations/acme/environments/prod?force=true")
        assert removed.status_code == httpx.codes.NO_CONTENT, removed.text
        await eventually.until(
            "Namespace acme-prod gone",
            lambda: kube.get(Namespace, "acme-prod"),
            lambda found: found is None,
            timeout=NAMESPACE_GONE,
        )
        took = time.monotonic() - removing
        print(
            f"\nenvironment removed with ?force=true: Namespace acme-prod gone {took:.1f} s after the DELETE"
        )
        gone = await acme.request("GET", "deployments")
        assert gone.status_code == httpx.codes.NOT_FOUND
        assert "vamp environment create prod --organisation acme" in gone.json()["message"]
        assert await kube.get(Namespace, "globex-prod") is not None  # the other organisation keeps its own
        assert server.stop() == 0, server.log()


def namespace_name() -> str:
    return f"own{uuid.uuid4().hex[:8]}-prod"


@contextlib.contextmanager
def namespace_by_hand(api: httpx.Client, name: str, **metadata: object) -> Iterator[None]:
    """A Namespace an administrator made (with ``metadata``), not Vamp; deleted on exit."""
    api.post("/api/v1/namespaces", json={"metadata": {"name": name, **metadata}}).raise_for_status()
    try:
        yield
    finally:
        release(api, name)
        api.delete(f"/api/v1/namespaces/{name}")


def release(api: httpx.Client, name: str) -> None:
    """Drop the Namespace's finalizers, so a deleted one can go."""
    api.patch(
        f"/api/v1/namespaces/{name}",
        json={"metadata": {"finalizers": None}},
        headers={"content-type": "application/merge-patch+json"},
    )


async def test_a_namespace_someone_else_made_is_labelled_for_the_environment_but_kept_when_it_goes(
    k8s_api: httpx.Client, kube: kube_client.KubernetesClient
) -> None:
    name = namespace_name()
    organisation, environment = name.split("-")
    runtime = environments.KubernetesEnvironments(kube)
    with namespace_by_hand(k8s_api, name, labels={"team": "payments"}):
        await runtime.environment_created(name, organisation, environment)
        labelled = await kube.get(Namespace, name)
        await runtime.environment_removed(name)
        kept = await kube.get(Namespace, name)

    assert labelled is not None
    assert labelled.metadata is not None
    assert labelled.metadata.labels == {
        "team": "payments",
        "io.vamp/organisation": organisation,
        "io.vamp/environment": environment,
        "kubernetes.io/metadata.name": name,
    }
    assert kept is not None
    assert kept.metadata is not None
    assert kept.metadata.deletionTimestamp is None


async def test_an_environment_made_again_while_its_old_namespace_terminates_waits_for_it_to_go(
    k8s_api: httpx.Client, kube: kube_client.KubernetesClient
) -> None:
    name = namespace_name()
    organisation, environment = name.split("-")
    runtime = environments.KubernetesEnvironments(kube)
    await runtime.environment_created(name, organisation, environment)
    held = {"metadata": {"finalizers": ["vamp.test/hold"]}}
    merge = {"content-type": "application/merge-patch+json"}
    k8s_api.patch(f"/api/v1/namespaces/{name}", json=held, headers=merge).raise_for_status()
    old = await kube.get(Namespace, name)
    assert old is not None
    assert old.metadata is not None
    try:
        await runtime.environment_removed(name)  # terminating until the finalizer is dropped

        impatient = environments.KubernetesEnvironments(kube, terminating_wait=0.5)
        with pytest.raises(errors.DriverError) as still_terminating:
            await impatient.environment_created(name, organisation, environment)
        making = asyncio.create_task(runtime.environment_created(name, organisation, environment))
        release(k8s_api, name)
        await asyncio.wait_for(making, NAMESPACE_GONE)
        new = await kube.get(Namespace, name)
    finally:
        release(k8s_api, name)
        await kube.delete(Namespace, name)

    assert str(still_terminating.value).startswith(
        f"Cannot make Namespace {name}: the one of that name is still being deleted after 0.5 s"
    )
    assert new is not None
    assert new.metadata is not None
    assert new.metadata.uid != old.metadata.uid
    assert new.metadata.deletionTimestamp is None
    assert (new.metadata.labels or {})["io.vamp/environment"] == environment
