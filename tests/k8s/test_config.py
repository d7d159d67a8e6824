"""Where the driver finds the API server: a kubeconfig (given, or $KUBECONFIG), or, inside a Pod, the
service account; every mistake is an error that says what to fix. The in-cluster settings are proven
against the real API server with a real service-account token.
"""

import shutil
from urllib.parse import urlsplit

import pytest
from lightkube.resources.core_v1 import Pod

from vamp import errors
from vamp.adapters.kubernetes import client as kube_client
from vamp.adapters.kubernetes import config

pytestmark = pytest.mark.anyio
HINT = "give --kubeconfig, set $KUBECONFIG, or run Vamp in a Pod with a service account"


def test_a_given_kubeconfig_wins_over_everything(k8s_cluster, tmp_path):
    environ = {
        "KUBERNETES_SERVICE_HOST": "127.0.0.1",
        "KUBERNETES_SERVICE_PORT": "1",
        "KUBECONFIG": "/nowhere",
    }

    found = config.load(k8s_cluster.admin.kubeconfig, environ=environ, service_account=tmp_path)

    assert found.cluster.server == k8s_cluster.server


def test_outside_a_cluster_kubeconfig_comes_from_the_environment(k8s_cluster):
    environ = {"KUBECONFIG": f"/nowhere:{k8s_cluster.admin.kubeconfig}"}

    assert config.load(environ=environ).cluster.server == k8s_cluster.server


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "Kubeconfig {path} does not exist: " + HINT + "."),
        ("clusters: [", "Kubeconfig {path} cannot be read as YAML: "),
        (
            "- a list",
            "Kubeconfig {path} is not a kubeconfig: expected a map with clusters, users and contexts.",
        ),
        (
            "users: []",
            "Kubeconfig {path} is not a valid kubeconfig (KeyError: 'clusters'): it needs clusters, users "
            "and contexts, each a list of entries with a name.",
        ),
        (
            "clusters: []\ncontexts: []\n",
            "Kubeconfig {path}: No current context set and no default provided (contexts: none).",
        ),
        (
            "clusters: []\ncontexts: [{name: a, context: {cluster: b}}]\ncurrent-context: c\n",
            "Kubeconfig {path}: Context 'c' not found (contexts: a).",
        ),
        (
            "clusters: []\ncontexts: [{name: a, context: {cluster: b}}]\ncurrent-context: a\n",
            "Kubeconfig {path}: context 'a' names cluster or user 'b' that it does not define.",
        ),
    ],
)
def test_a_bad_kubeconfig_is_reported_with_what_to_fix(tmp_path, content, message):
    path = tmp_path / "kubeconfig"
    if content is not None:
        path.write_text(content)

    with pytest.raises(errors.DriverError) as raised:
        config.from_kubeconfig(path)

    assert str(raised.value).startswith(message.format(path=path))


def test_in_a_pod_without_the_service_account_files_says_so(tmp_path):
    environ = {"KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443"}

    with pytest.raises(errors.DriverError) as raised:
        config.load(environ=environ, service_account=tmp_path)

    assert str(raised.value) == (
        f"The service account file {tmp_path / 'token'} is missing: the Pod must mount a service account "
        "token (automountServiceAccountToken must not be false)."
    )


def test_in_a_pod_without_the_port_says_so(tmp_path):
    with pytest.raises(errors.DriverError) as raised:
        config.in_cluster({"KUBERNETES_SERVICE_HOST": "10.0.0.1"}, tmp_path)

    assert str(raised.value) == (
        "Running in a cluster needs KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT, which Kubernetes "
        f"sets in every Pod; found host '10.0.0.1' and port ''. Outside a cluster, {HINT}."
    )


async def test_in_a_pod_the_service_account_is_who_vamp_is(k8s_cluster, k8s_api, k8s_namespace, tmp_path):
    accounts = f"/api/v1/namespaces/{k8s_namespace}/serviceaccounts"
    k8s_api.post(accounts, json={"metadata": {"name": "vamp"}}).raise_for_status()
    token = k8s_api.post(
        f"{accounts}/vamp/token", json={"spec": {"expirationSeconds": 600}}
    ).raise_for_status()
    (tmp_path / "token").write_text(token.json()["status"]["token"])
    (tmp_path / "namespace").write_text(k8s_namespace)
    shutil.copy(k8s_cluster.ca.cert, tmp_path / "ca.crt")
    server = urlsplit(k8s_cluster.server)
    environ = {"KUBERNETES_SERVICE_HOST": str(server.hostname), "KUBERNETES_SERVICE_PORT": str(server.port)}

    async with kube_client.KubernetesClient(config.load(environ=environ, service_account=tmp_path)) as client:
        assert client.namespace == k8s_namespace
        with pytest.raises(errors.DriverError) as raised:  # authenticated, but no role is bound to it
            await client.list(Pod, namespace=k8s_namespace)

    assert f'User "system:serviceaccount:{k8s_namespace}:vamp" cannot list resource "pods"' in str(
        raised.value
    )
