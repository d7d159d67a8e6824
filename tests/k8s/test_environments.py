"""Environments on the real control plane, through the API of ``vamp server --driver kubernetes`` (issue 9).

Creating environment ``prod`` of organisation ``acme`` makes the Namespace ``acme-prod``, labelled with
both; tokens of another organisation (its owner, an operator of one of its environments) get 403 for
everything in ``acme-prod`` and change nothing; removing the environment while a deployment runs in it is
refused (409) unless forced, and forced it takes the Namespace with it. The server runs as a user bound to
deploy/kubernetes's ClusterRole only, so the role is shown to be enough. Kubernetes objects are read as the
cluster admin; Vamp only through its API.
"""

from __future__ import annotations

import contextlib
import time
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
from vamp.adapters.kubernetes import client as kube_client

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
