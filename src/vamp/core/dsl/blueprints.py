"""Reading blueprints (vamp.md §1.4) with every shorthand Vamp's reader accepts.

Clusters: ``{sava: sava:1.0.0}`` (one service by breed name), ``{sava: [...]}`` (the services),
``{sava: {breed: ..., scale: ...}}`` (one service; everything but ``sla`` and ``gateways`` is the
service's), or ``{sava: {services: ...}}`` where ``services`` is a breed name, one service or a list.
A service is a breed name, ``{breed: ..., scale: ...}``, ``{reference: breed, scale: ...}``, or an
inline breed itself (``{name: ..., deployable: ...}``). A cluster's ``gateways`` are keyed by port
name, or given once as ``{sticky, routes}`` when the cluster's breeds have exactly one port (when the
breeds are references, that port is told once they are resolved: ``model.ONLY_PORT``), in a deployment
document too.

A deployment document (as Vamp's GET returns it) can be read as the blueprint it describes, for
merging: its runtime fields (status, instances, assigned ports, hosts…) are then accepted and ignored.
"""

from __future__ import annotations

from typing import Any

from vamp.core import model
from vamp.core.dsl import artifact, breeds, gateways, slas, traits
from vamp.core.dsl.cursor import Cursor, Fields, each
from vamp.core.validation import messages

_CLUSTER_ONLY = ("sla", "gateways")


def blueprint(cursor: Cursor, *, exported: bool = False) -> model.Blueprint | None:
    """A blueprint; ``exported``: read a deployment document as the blueprint it describes."""
    fields = cursor.fields("deployment" if exported else "blueprint")
    if fields is None:
        return None
    metadata = artifact.common(fields, "deployments" if exported else "blueprints")
    if exported:
        fields.ignore("ports", "hosts")
    name = artifact.name(fields)
    place = gateways.Place.DEPLOYED_EXTERNAL if exported else gateways.Place.EXTERNAL
    external = fields.read("gateways", lambda found: gateways.keyed(found, place), {})
    if exported and name is not None:
        external = {key: _in_blueprint(gateway, name) for key, gateway in external.items()}
    return fields.build(
        model.Blueprint,
        name=name,
        clusters=fields.read("clusters", lambda found: _clusters(found, exported), {}),
        gateways=external,
        environment_variables=fields.read("environment_variables", traits.variables, {}, alias="env"),
        dialects=traits.dialects(fields),
        metadata=metadata,
    )


def _in_blueprint(gateway: model.Gateway, deployment: str) -> model.Gateway:
    """A deployment's gateway routes to ``deployment/cluster/port``; a blueprint's to ``cluster/port``."""
    prefix = f"{deployment}/"
    routes = {
        path.removeprefix(prefix) if path.startswith(prefix) and path.count("/") == 2 else path: route
        for path, route in gateway.routes.items()
    }
    return gateway.model_copy(update={"routes": routes})


def _clusters(cursor: Cursor, exported: bool) -> dict[str, model.Cluster]:
    return cursor.map_of(lambda item: cluster(item, exported=exported), "a map of cluster names to clusters")


def cluster(cursor: Cursor, *, exported: bool = False) -> model.Cluster | None:
    start = len(cursor.context.issues)
    if isinstance(cursor.value, str | list):
        services = _services(_service_items(cursor.moved("services")), exported)
        return None if len(cursor.context.issues) > start else model.Cluster(services=services)
    fields = cursor.fields(
        "cluster", "a cluster: a breed name, a list of services or a map of cluster fields"
    )
    if fields is None:
        return None
    if fields.has("services"):
        found = fields.get("services")
        items = [] if found is None else _service_items(found)
    else:
        service_values = {key: value for key, value in fields.values.items() if key not in _CLUSTER_ONLY}
        fields.ignore(*service_values)
        items = [cursor.moved("services", 0, value=service_values)]
    services = _services(items, exported)
    services_read = not fields.failed
    settings: dict[str, Any] = {}
    if fields.has("services"):
        settings = {
            "health_checks": fields.read("health_checks", traits.health_checks),
            "network": traits.network(fields),
            "dialects": traits.dialects(fields),
            "metadata": artifact.metadata(fields),
        }
    return fields.build(
        model.Cluster,
        services=services,
        gateways=fields.read(
            "gateways", lambda found: _cluster_gateways(found, services, services_read, exported), {}
        ),
        sla=fields.read("sla", slas.cluster_sla),
        **settings,
    )


def _service_items(cursor: Cursor) -> list[Cursor]:
    """``services``: a breed name, one service, or a list of them."""
    if isinstance(cursor.value, str | dict):
        return [cursor.moved(0)]
    return list(cursor.elements("services: a list of services, one service, or a breed name"))


def _services(items: list[Cursor], exported: bool) -> tuple[model.Service, ...]:
    return each(items, lambda item: service(item, exported=exported))


def service(cursor: Cursor, *, exported: bool = False) -> model.Service | None:
    if isinstance(cursor.value, str):
        reference = artifact.reference(cursor.moved("breed"))
        return None if reference is None else model.Service(breed=reference)
    fields = cursor.fields("service", "a service: a breed name or a map of service fields")
    if fields is None:
        return None
    if not fields.has("breed") and fields.has("name"):
        fields.ignore(*fields.values)
        return fields.build(model.Service, breed=breeds.breed(cursor.moved("breed")))
    if exported:
        fields.ignore("status", "instances", "dependencies", "health")
    return fields.build(
        model.Service,
        breed=_breed(fields),
        scale=fields.read("scale", traits.scale),
        **traits.service_settings(fields),
    )


def _breed(fields: Fields) -> model.Breed | model.Ref | None:
    """The service's ``breed``, or its ``reference``/``ref`` written on the service itself."""
    found = fields.get("breed")
    if found is not None:
        return breeds.breed_or_reference(found)
    reference = artifact.reference_key(fields)
    if reference is not None:
        named = reference.name()
        return None if named is None else model.Ref(name=named)
    fields.missing("breed", "; give a breed name, {reference: name} or an inline breed")
    return None


def _cluster_gateways(
    cursor: Cursor, services: tuple[model.Service, ...], services_read: bool, exported: bool
) -> dict[str, model.Gateway]:
    """Keyed by port name, or one anonymous ``{sticky, routes}`` for the one port the breeds have.

    When the services could not all be read, an anonymous gateway is read for its own issues only:
    its port cannot be told. When the breeds are references, it is keyed ``model.ONLY_PORT`` until they
    are resolved.
    """
    value = cursor.value
    short = short_cluster_gateway(value)
    if exported and not short:
        deployed = gateways.keyed(cursor, gateways.Place.DEPLOYED_INTERNAL)
        return {
            port: gateway.model_copy(update={"port": model.GatewayPort()})
            for port, gateway in deployed.items()
        }
    place = gateways.Place.INTERNAL
    if not short:
        return gateways.keyed(cursor, place)
    if not services_read:
        gateways.internal(cursor, place)
        return {}
    port = _anonymous_port(cursor, services)
    found = None if port is None else gateways.internal(cursor.moved(port), place)
    return {} if port is None or found is None else {port: found}


def short_cluster_gateway(value: object) -> bool:
    """Whether a cluster's ``gateways`` is Vamp's short form: ``{routes: …, sticky: …}`` directly, the
    cluster's one anonymous gateway on its only port, rather than gateways keyed by port name."""
    return isinstance(value, dict) and ("routes" in value or "sticky" in value)


def _anonymous_port(cursor: Cursor, services: tuple[model.Service, ...]) -> str | None:
    inline = [service.breed for service in services if isinstance(service.breed, model.Breed)]
    for breed in inline:
        if len(breed.ports) > 1:
            cursor.error(messages.anonymous_port_mapping(breed.name) + " Key the gateway by port name.")
            return None
    ports = sorted({port.name for breed in inline for port in breed.ports})
    if len(ports) == 1:
        return ports[0]
    if not ports and len(inline) < len(services):
        return model.ONLY_PORT  # the referenced breeds will tell
    cursor.error(
        "Illegal anonymous routing port mapping - the port of this gateway cannot be told from the breeds "
        f"of the cluster (their ports: {messages.listed(ports)}); key the gateway by port name, e.g. "
        "gateways: {webport: {routes: ...}}."
    )
    return None
