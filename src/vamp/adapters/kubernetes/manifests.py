"""Kubernetes manifests for Vamp's objects, as plain data: pure, deterministic, every map's keys sorted.

* ``namespace``: the Namespace of a Vamp namespace (``<organisation>-<environment>``, vamp.md §4).
* ``deployment``: the ``apps/v1`` Deployment of one deployment service (vamp.md §5): labels for selectors
  and tools, the exact Vamp names, labels and port names in annotations so ``observed`` can read them
  back from every Pod, and the digest of what a Pod runs on the pod template, so a changed spec rolls
  the Pods (and a changed instance count only scales them).
* ``gateway_service``, ``agent_service``, ``agent_metrics_service``: Services that select the gateway
  agents' pods (``services`` applies them).

The driver sends these with server-side apply. Names and label values come from ``names``. Refusing a
spec Kubernetes cannot run raises ``errors.DriverError``; nothing here does I/O.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from vamp import errors
from vamp.adapters.kubernetes import names
from vamp.core import access, model, runtime
from vamp.ports import exposure

Manifest = dict[str, Any]

MANAGED_BY = "vamp"
LABEL_MANAGED_BY = "app.kubernetes.io/managed-by"
LABEL_NAME = "app.kubernetes.io/name"
LABEL_APP_VERSION = "app.kubernetes.io/version"
LABEL_APP = "app"
LABEL_VERSION = "version"
LABEL_DEPLOYMENT = "io.vamp/deployment"
LABEL_CLUSTER = "io.vamp/cluster"
LABEL_SERVICE = "io.vamp/service"
LABEL_DEPLOYMENT_SERVICE = "io.vamp/deployment-service"
"""The Deployment's name on its pods: the Deployment's selector, unique in its namespace."""
LABEL_ORGANISATION = "io.vamp/organisation"
LABEL_ENVIRONMENT = "io.vamp/environment"
LABEL_ROLE = "io.vamp"
"""``gateway`` on gateway Services, ``vamp-gateway-agent`` on the agents' pods."""
LABEL_GATEWAY = "io.vamp/gateway"
LABEL_LOOKUP_NAME = "io.vamp/lookup-name"

ANNOTATION_DEPLOYMENT = "io.vamp/deployment-name"
ANNOTATION_CLUSTER = "io.vamp/cluster-name"
ANNOTATION_SERVICE = "io.vamp/service-name"
ANNOTATION_DIGEST = "io.vamp/digest"
"""On the pod template: what one Pod runs, the spec's digest without the instance count (changing it rolls
the Pods; scaling does not)."""
ANNOTATION_SPEC_DIGEST = "io.vamp/spec-digest"
"""On the Deployment: the whole spec's digest, as the reconciler compares it."""
ANNOTATION_PORTS = "io.vamp/ports"
"""JSON: container port name → breed port name."""
ANNOTATION_LABELS = "io.vamp/labels"
"""JSON: the instance labels exactly as Vamp has them (label values on the object are sanitised)."""
ANNOTATION_GATEWAY = "io.vamp/gateway-name"
ANNOTATION_APPLIED_BY = "io.vamp/applied-by"
"""On the Deployment: the identity of the Vamp server that last applied it (of several, the leader)."""

ROLE_GATEWAY = "gateway"
AGENT = "vamp-gateway-agent"
AGENT_METRICS = "vamp-gateway-agent-metrics"
AGENT_SELECTOR = {LABEL_ROLE: AGENT}
IMAGE_TYPES = frozenset({model.DEFAULT_DEPLOYABLE_TYPE, "docker"})
KUBERNETES_DIALECT = "kubernetes"


def managed_by_vamp() -> dict[str, str]:
    """The label every object Vamp creates carries, and that its watches select on."""
    return {LABEL_MANAGED_BY: MANAGED_BY}


def namespace(name: str, *, organisation: str | None = None, environment: str | None = None) -> Manifest:
    """The Namespace of a Vamp namespace: ``acme-prod`` is organisation ``acme``, environment ``prod``.

    Both are read off the name (``access.split_namespace``) unless given; a name that is no environment's
    (``default``) carries only the managed-by label.
    """
    labels = managed_by_vamp()
    parts = (organisation, environment) if organisation and environment else access.split_namespace(name)
    if parts is not None:
        labels |= {
            LABEL_ORGANISATION: names.label_value(parts[0]),
            LABEL_ENVIRONMENT: names.label_value(parts[1]),
        }
    return sorted_keys(
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}
    )


def deployment(spec: runtime.ServiceSpec, *, applied_by: str | None = None) -> Manifest:
    """The Deployment that runs ``spec`` in the Namespace of its Vamp namespace.

    Args:
        applied_by: the identity of the server applying it, noted on the Deployment.

    Raises:
        errors.DriverError: the deployable is not an image, a port has no number, a health check names
            an undeclared port, or the ``kubernetes`` dialect is not a map.
    """
    key = spec.key
    name = names.deployment_name(key.deployment, key.service)
    ports = names.port_names(port.name for port in spec.ports)
    labels = _labels(spec, name)
    identity = {
        ANNOTATION_DEPLOYMENT: key.deployment,
        ANNOTATION_CLUSTER: key.cluster,
        ANNOTATION_SERVICE: key.service,
    }
    annotations = identity | {ANNOTATION_SPEC_DIGEST: spec.digest}
    if applied_by is not None:
        annotations[ANNOTATION_APPLIED_BY] = applied_by
    pod_annotations = identity | {
        ANNOTATION_DIGEST: spec.instance_digest,
        ANNOTATION_PORTS: json.dumps({ports[name]: name for name in sorted(ports)}, sort_keys=True),
        ANNOTATION_LABELS: json.dumps(_exact_labels(spec), sort_keys=True),
    }
    return sorted_keys(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {
                "name": name,
                "namespace": key.namespace,
                "labels": labels,
                "annotations": annotations,
            },
            "spec": {
                "replicas": spec.scale.instances,
                "selector": {"matchLabels": {LABEL_DEPLOYMENT_SERVICE: name}},
                "template": {
                    "metadata": {"labels": labels, "annotations": pod_annotations},
                    "spec": pod_spec(spec.dialects, f"service '{spec.key}'", _container(spec, name, ports)),
                },
            },
        }
    )


def gateway_service(namespace: str, gateway: exposure.ExposedGateway, service_type: str) -> Manifest:
    """The Service of one gateway: ``service_type`` (NodePort or LoadBalancer), selecting the agents' pods."""
    labels = managed_by_vamp() | {
        LABEL_ROLE: ROLE_GATEWAY,
        LABEL_GATEWAY: names.label_value(gateway.name),
        LABEL_LOOKUP_NAME: names.label_value(gateway.lookup_name),
    }
    port = {
        "name": str(gateway.protocol),
        "port": gateway.port,
        "targetPort": gateway.port,
        "protocol": "TCP",
        "appProtocol": str(gateway.protocol),
    }
    return _service(
        names.gateway_service_name(gateway.name),
        namespace,
        labels,
        {ANNOTATION_GATEWAY: gateway.name},
        {"type": service_type, "selector": AGENT_SELECTOR, "ports": [port]},
    )


def agent_service(namespace: str, port: int) -> Manifest:
    """The shared ``vamp-gateway-agent`` LoadBalancer Service: the agents' virtual-host port."""
    spec = {
        "type": "LoadBalancer",
        "selector": AGENT_SELECTOR,
        "ports": [
            {"name": "http", "port": port, "targetPort": port, "protocol": "TCP", "appProtocol": "http"}
        ],
    }
    return _service(AGENT, namespace, managed_by_vamp() | AGENT_SELECTOR, {}, spec)


def agent_metrics_service(namespace: str, port: int) -> Manifest:
    """The agents' status and metrics endpoint (``/metrics`` for Prometheus), inside the cluster only."""
    spec = {
        "type": "ClusterIP",
        "selector": AGENT_SELECTOR,
        "ports": [{"name": "metrics", "port": port, "targetPort": port, "protocol": "TCP"}],
    }
    return _service(AGENT_METRICS, namespace, managed_by_vamp() | AGENT_SELECTOR, {}, spec)


def _service(
    name: str, namespace: str, labels: dict[str, str], annotations: dict[str, str], spec: Manifest
) -> Manifest:
    metadata: Manifest = {"name": name, "namespace": namespace, "labels": labels}
    if annotations:
        metadata["annotations"] = annotations
    return sorted_keys({"apiVersion": "v1", "kind": "Service", "metadata": metadata, "spec": spec})


def _labels(spec: runtime.ServiceSpec, name: str) -> dict[str, str]:
    """The Deployment's and its pods' labels: the spec's, sanitised, then Vamp's own."""
    key = spec.key
    breed, _, version = key.service.partition(":")
    own = managed_by_vamp() | {
        LABEL_NAME: names.label_value(breed),
        LABEL_DEPLOYMENT: names.label_value(key.deployment),
        LABEL_CLUSTER: names.label_value(key.cluster),
        LABEL_SERVICE: names.label_value(key.service),
        LABEL_DEPLOYMENT_SERVICE: name,
    }
    if version:
        own[LABEL_APP_VERSION] = names.label_value(version)
    return names.labels(_exact_labels(spec)) | own


def _exact_labels(spec: runtime.ServiceSpec) -> dict[str, str]:
    """The instance labels as Vamp has them: ``app`` is the cluster, ``version`` the breed's version."""
    key = spec.key
    _, colon, version = key.service.partition(":")
    defaults = {LABEL_APP: key.cluster} | ({LABEL_VERSION: version} if colon else {})
    identity = {LABEL_DEPLOYMENT: key.deployment, LABEL_CLUSTER: key.cluster, LABEL_SERVICE: key.service}
    return defaults | spec.labels | identity


def _container(spec: runtime.ServiceSpec, name: str, port_names: Mapping[str, str]) -> Manifest:
    container: Manifest = {
        "name": name,
        "image": _image(spec),
        "ports": [_port(spec, port, port_names[port.name]) for port in spec.ports],
        "env": [{"name": key, "value": value} for key, value in sorted(spec.environment.items())],
    }
    amounts = resources(spec.scale)
    if amounts:
        container["resources"] = {"requests": amounts, "limits": amounts}
    if spec.health_checks:
        container["readinessProbe"] = _probe(spec, spec.health_checks[0], port_names)
    if any(argument.key == "privileged" and argument.value.lower() == "true" for argument in spec.arguments):
        container["securityContext"] = {"privileged": True}
    return container


def _image(spec: runtime.ServiceSpec) -> str:
    deployable = spec.deployable
    breed = spec.key.service
    if deployable.is_command:
        raise errors.DriverError(
            f"Breed '{breed}' has a {deployable.type} deployable ({deployable.definition!r}): the kubernetes "
            "driver runs container images only. Use the local driver for commands, or give an image such "
            "as 'magneticio/sava:1.0.0'."
        )
    if deployable.type not in IMAGE_TYPES:
        raise errors.DriverError(
            f"Breed '{breed}' has a deployable of unsupported type '{deployable.type}': the kubernetes "
            f"driver runs {' and '.join(sorted(IMAGE_TYPES))} deployables."
        )
    if not deployable.definition.strip():
        raise errors.DriverError(f"Breed '{breed}' has an empty image: give the image as its deployable.")
    return deployable.definition


def _port(spec: runtime.ServiceSpec, port: model.Port, name: str) -> Manifest:
    if port.number is None:
        raise errors.DriverError(
            f"Port '{port.name}' of service '{spec.key}' has no number: the kubernetes driver needs the "
            "container port, such as '8080/http'."
        )
    return {"name": name, "containerPort": port.number, "protocol": "TCP"}


def resources(scale: model.Scale) -> dict[str, str]:
    """CPU in millicores (``0.20`` → ``200m``), memory in Mi (``64.00MB`` → ``64Mi``) or Ki if fractional."""
    amounts: dict[str, str] = {}
    if scale.cpu.hundredths:
        amounts["cpu"] = f"{scale.cpu.hundredths * 10}m"
    centimegabytes = scale.memory.centimegabytes
    if centimegabytes:
        whole, fraction = divmod(centimegabytes, 100)
        amounts["memory"] = f"{whole}Mi" if not fraction else f"{round(centimegabytes * 1024 / 100)}Ki"
    return amounts


def _probe(spec: runtime.ServiceSpec, check: model.HealthCheck, port_names: Mapping[str, str]) -> Manifest:
    """The first health check as the readiness probe (a container has one)."""
    port = port_names.get(check.port)
    if port is None:
        raise errors.DriverError(
            f"Service '{spec.key}' has a health check of port '{check.port}', which its breed does not "
            f"declare. Declared ports: {', '.join(port_names) or 'none'}."
        )
    return {
        "httpGet": {"path": check.path, "port": port, "scheme": check.protocol},
        "initialDelaySeconds": check.initial_delay.seconds,
        "periodSeconds": max(1, check.interval.seconds),
        "timeoutSeconds": max(1, check.timeout.seconds),
        "failureThreshold": max(1, check.failures),
    }


def pod_spec(dialects: Mapping[str, Any], subject: str, container: Manifest) -> Manifest:
    """The ``kubernetes`` dialect merged into the pod spec; its ``containers[0]`` into the generated one.

    Generated keys win over the dialect's; further dialect containers run beside (sidecars). ``subject``
    names what the dialect belongs to in errors (``service 'acme-prod/sava/…'``).
    """
    dialect = dialects.get(KUBERNETES_DIALECT, {})
    if not isinstance(dialect, Mapping):
        raise errors.DriverError(
            f"The kubernetes dialect of {subject} must be a map of pod spec fields, not {dialect!r}."
        )
    containers = dialect.get("containers", [])
    if not isinstance(containers, list) or not all(isinstance(item, Mapping) for item in containers):
        raise errors.DriverError(
            f"The kubernetes dialect of {subject} has 'containers' that is not a list of maps: "
            f"{containers!r}."
        )
    first, *sidecars = containers or [{}]
    pod = {key: value for key, value in dialect.items() if key != "containers"}
    return pod | {"containers": [_merged(first, container), *sidecars]}


def _merged(base: Mapping[str, Any], winner: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``winner`` on top: maps merge key by key, anything else ``winner`` decides."""
    merged = dict(base)
    for key, value in winner.items():
        below = merged.get(key)
        both_maps = isinstance(below, Mapping) and isinstance(value, Mapping)
        merged[key] = _merged(below, value) if both_maps else value  # type: ignore[arg-type]
    return merged


def sorted_keys(manifest: Manifest) -> Manifest:
    """``manifest`` with every map's keys in order, so manifests (and golden files) are stable."""
    return {key: _ordered(manifest[key]) for key in sorted(manifest)}


def _ordered(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _ordered(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_ordered(item) for item in value]
    return value
