"""The manifests Vamp sends to Kubernetes, checked without a cluster: names, labels, annotations, the
container Kubernetes runs, the dialect merge, gateway Services, and what Kubernetes cannot run refused.

The Deployment of a full spec is compared with ``golden/deployment.json``; to accept a deliberate change,
run with ``VAMP_UPDATE_GOLDEN=1`` and review the diff.
"""

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from vamp import errors
from vamp.adapters.kubernetes import manifests, names
from vamp.core import model, runtime
from vamp.core.units import Cpu, Duration, Memory
from vamp.ports import exposure

_GOLDEN = Path(__file__).with_name("golden")
_DNS_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_PORT_NAME = re.compile(r"^(?=.*[a-z])[a-z0-9]([a-z0-9-]*[a-z0-9])?$")


def spec(**changes: Any) -> runtime.ServiceSpec:
    fields: dict[str, Any] = {
        "key": runtime.ServiceKey("acme-prod", "sava", "sava", "sava:1.0.0"),
        "deployable": model.Deployable(definition="magneticio/sava:1.0.0"),
        "ports": (model.Port(name="webport", number=8080), model.Port(name="Admin_Port", number=9023)),
        "environment": {"SAVA_DEBUG": "true", "BACKEND": "http://10.0.0.1:8080"},
        "scale": model.Scale(cpu=Cpu(20), memory=Memory(6400), instances=2),
        "health_checks": (
            model.HealthCheck(
                path="/health",
                port="webport",
                initial_delay=Duration(10),
                timeout=Duration(5),
                interval=Duration(15),
                failures=3,
            ),
        ),
        "arguments": (model.Argument(key="privileged", value="true"),),
        "labels": {"app": "sava", "version": "1.0.0", "team": "Blue Team/eu"},
        "dialects": {
            "kubernetes": {
                "nodeSelector": {"type": "kwok"},
                "containers": [
                    {"imagePullPolicy": "Always", "image": "overridden/by:vamp"},
                    {"name": "sidecar", "image": "envoyproxy/envoy:v1.40"},
                ],
            },
            "marathon": {"cmd": "ignored"},
        },
    }
    return runtime.ServiceSpec(**(fields | changes))


def test_a_full_spec_gives_the_golden_deployment():
    rendered = json.dumps(manifests.deployment(spec()), indent=2) + "\n"
    golden = _GOLDEN / "deployment.json"
    if os.environ.get("VAMP_UPDATE_GOLDEN"):
        golden.write_text(rendered)
    assert rendered == golden.read_text()


def test_the_deployment_is_named_and_labelled_for_kubernetes_and_keeps_the_vamp_names():
    manifest = manifests.deployment(spec())
    metadata, template = manifest["metadata"], manifest["spec"]["template"]["metadata"]

    assert metadata["name"] == f"sava-{names.sha1('sava:1.0.0')[:20]}"
    assert metadata["namespace"] == "acme-prod"
    assert template["labels"] == metadata["labels"]
    assert {key: metadata["labels"][key] for key in ("app", "version", "io.vamp/service", "team")} == {
        "app": "sava",
        "version": "1.0.0",
        "io.vamp/service": "sava_1.0.0",
        "team": "Blue_Team_eu",
    }
    assert manifest["spec"]["selector"] == {"matchLabels": {"io.vamp/deployment-service": metadata["name"]}}
    assert metadata["annotations"]["io.vamp/spec-digest"] == spec().digest
    assert template["annotations"]["io.vamp/digest"] == spec().instance_digest
    assert json.loads(template["annotations"]["io.vamp/labels"])["io.vamp/service"] == "sava:1.0.0"
    assert json.loads(template["annotations"]["io.vamp/ports"]) == {
        "admin-port": "Admin_Port",
        "webport": "webport",
    }
    assert all(_LABEL_VALUE.match(value) for value in metadata["labels"].values())


@pytest.mark.parametrize(
    ("changes", "rolls"),
    [
        ({"environment": {"SAVA_DEBUG": "false"}}, True),
        ({"deployable": model.Deployable(definition="magneticio/sava:1.0.1")}, True),
        ({"scale": model.Scale(cpu=Cpu(20), memory=Memory(6400), instances=5)}, False),
    ],
)
def test_a_changed_spec_rolls_the_pods_but_a_changed_instance_count_only_scales(changes, rolls):
    before = manifests.deployment(spec())
    after = manifests.deployment(spec(**changes))

    def pod_digest(manifest):
        return manifest["spec"]["template"]["metadata"]["annotations"]["io.vamp/digest"]

    def spec_digest(manifest):
        return manifest["metadata"]["annotations"]["io.vamp/spec-digest"]

    assert (pod_digest(before) != pod_digest(after)) is rolls
    assert spec_digest(before) != spec_digest(after)


def test_the_dialect_merges_into_the_pod_spec_and_the_generated_container_wins():
    pod = manifests.deployment(spec())["spec"]["template"]["spec"]
    main, sidecar = pod["containers"]

    assert pod["nodeSelector"] == {"type": "kwok"}
    assert main["image"] == "magneticio/sava:1.0.0"
    assert main["imagePullPolicy"] == "Always"
    assert sidecar == {"image": "envoyproxy/envoy:v1.40", "name": "sidecar"}
    assert "cmd" not in pod


@pytest.mark.parametrize(
    ("scale", "resources"),
    [
        (model.Scale(cpu=Cpu(20), memory=Memory(6400)), {"cpu": "200m", "memory": "64Mi"}),
        (model.Scale(cpu=Cpu(100), memory=Memory(102400)), {"cpu": "1000m", "memory": "1024Mi"}),
        (model.Scale(cpu=Cpu(5), memory=Memory(50)), {"cpu": "50m", "memory": "512Ki"}),
        (model.Scale(cpu=Cpu(0), memory=Memory(0)), None),
    ],
)
def test_resources_come_from_the_scale(scale, resources):
    container = manifests.deployment(spec(scale=scale))["spec"]["template"]["spec"]["containers"][0]

    expected = {"requests": resources, "limits": resources} if resources else None
    assert container.get("resources") == expected


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"deployable": model.Deployable(type="command", definition="python -m http.server")},
            "Breed 'sava:1.0.0' has a command deployable ('python -m http.server'): the kubernetes driver "
            "runs container images only. Use the local driver for commands, or give an image such as "
            "'magneticio/sava:1.0.0'.",
        ),
        (
            {"deployable": model.Deployable(type="application/javascript", definition="run()")},
            "Breed 'sava:1.0.0' has a deployable of unsupported type 'application/javascript': the "
            "kubernetes driver runs container/docker and docker deployables.",
        ),
        (
            {"deployable": model.Deployable(definition=" ")},
            "Breed 'sava:1.0.0' has an empty image: give the image as its deployable.",
        ),
        (
            {"ports": (model.Port(name="webport"),)},
            "Port 'webport' of service 'acme-prod/sava/sava/sava:1.0.0' has no number: the kubernetes driver "
            "needs the container port, such as '8080/http'.",
        ),
        (
            {"ports": (model.Port(name="admin", number=9023),)},
            "Service 'acme-prod/sava/sava/sava:1.0.0' has a health check of port 'webport', which its breed "
            "does not declare. Declared ports: admin.",
        ),
        (
            {"dialects": {"kubernetes": ["nodeSelector"]}},
            "The kubernetes dialect of service 'acme-prod/sava/sava/sava:1.0.0' must be a map of pod spec "
            "fields, not ['nodeSelector'].",
        ),
        (
            {"dialects": {"kubernetes": {"containers": {"image": "x"}}}},
            "The kubernetes dialect of service 'acme-prod/sava/sava/sava:1.0.0' has 'containers' that is "
            "not a list of maps: {'image': 'x'}.",
        ),
    ],
)
def test_what_kubernetes_cannot_run_is_refused_with_what_would_work(changes, message):
    with pytest.raises(errors.DriverError) as raised:
        manifests.deployment(spec(**changes))

    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("deployment", "breed", "expected"),
    [
        ("sava", "web", "sava-web"),
        ("sava", "sava:1.0.0", f"sava-{names.sha1('sava:1.0.0')[:20]}"),
        ("Sava", "web", f"{names.sha1('Sava')[:20]}-web"),
        ("a" * 31, "b" * 31, f"{'a' * 31}-{'b' * 31}"),
        ("a" * 32, "web", f"{names.sha1('a' * 32)[:20]}-web"),
        ("ends-", "web", f"{names.sha1('ends-')[:20]}-web"),
    ],
)
def test_deployment_names_are_dns_labels_of_at_most_63_characters(deployment, breed, expected):
    name = names.deployment_name(deployment, breed)

    assert name == expected
    assert len(name) <= 63
    assert _DNS_LABEL.match(name)


@pytest.mark.parametrize(
    ("gateway", "expected"),
    [
        ("foo-ingress", "foo-ingress"),
        ("sava/9050", f"hex{names.sha1('sava/9050')[:20]}"),
        ("x" * 24, "x" * 24),
        ("x" * 25, f"hex{names.sha1('x' * 25)[:20]}"),
        ("9lives", f"hex{names.sha1('9lives')[:20]}"),
    ],
)
def test_gateway_service_names(gateway, expected):
    assert names.gateway_service_name(gateway) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1.0.3", "1.0.3"),
        ("sava:1.0.0", "sava_1.0.0"),
        ("-edge-", "edge"),
        ("", ""),
        ("x" * 63, "x" * 63),
        ("x" * 64, f"{'x' * 52}.{names.sha1('x' * 64)[:10]}"),
    ],
)
def test_label_values_are_sanitised(value, expected):
    assert names.label_value(value) == expected
    assert _LABEL_VALUE.match(names.label_value(value))


@pytest.mark.parametrize(
    ("ports", "expected"),
    [
        (["webport", "admin"], {"webport": "webport", "admin": "admin"}),
        (["Web_Port"], {"Web_Port": "web-port"}),
        (
            ["a-very-long-port-name"],
            {"a-very-long-port-name": f"p{names.sha1('a-very-long-port-name')[:14]}"},
        ),
        (["8080"], {"8080": f"p{names.sha1('8080')[:14]}"}),
        (["web", "WEB"], {"web": "web", "WEB": f"p{names.sha1('WEB')[:14]}"}),
    ],
)
def test_container_port_names_are_short_unique_dns_labels(ports, expected):
    derived = names.port_names(ports)

    assert derived == expected
    assert all(_PORT_NAME.match(name) and len(name) <= 15 for name in derived.values())


@pytest.mark.parametrize(
    ("name", "labels"),
    [
        (
            "acme-prod",
            {
                "app.kubernetes.io/managed-by": "vamp",
                "io.vamp/environment": "prod",
                "io.vamp/organisation": "acme",
            },
        ),
        ("default", {"app.kubernetes.io/managed-by": "vamp"}),
        ("kube-node-lease", {"app.kubernetes.io/managed-by": "vamp"}),  # no environment's name
        ("Acme-Prod", {"app.kubernetes.io/managed-by": "vamp"}),
    ],
)
def test_namespaces_are_labelled_with_organisation_and_environment(name, labels):
    assert manifests.namespace(name)["metadata"] == {"labels": labels, "name": name}


def test_a_gateway_service_selects_the_agents_on_the_gateway_port():
    gateway = exposure.ExposedGateway("sava/9050", 9050, model.Protocol.TCP, "a1b2c3")

    service = manifests.gateway_service("acme-prod", gateway, "NodePort")

    assert service == {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "annotations": {"io.vamp/gateway-name": "sava/9050"},
            "labels": {
                "app.kubernetes.io/managed-by": "vamp",
                "io.vamp": "gateway",
                "io.vamp/gateway": "sava_9050",
                "io.vamp/lookup-name": "a1b2c3",
            },
            "name": f"hex{names.sha1('sava/9050')[:20]}",
            "namespace": "acme-prod",
        },
        "spec": {
            "ports": [
                {"appProtocol": "tcp", "name": "tcp", "port": 9050, "protocol": "TCP", "targetPort": 9050}
            ],
            "selector": {"io.vamp": "vamp-gateway-agent"},
            "type": "NodePort",
        },
    }
