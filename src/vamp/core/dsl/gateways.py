"""Reading gateways (vamp.md §1.9): stored ones, a blueprint's external gateways keyed by port, and a
cluster's internal gateways keyed by port name.

A stored gateway is named ``name``, ``deployment/port`` or ``deployment/cluster/port`` and listens on
``port`` (``9050/http``, a number, or nothing: assign one), and may terminate TLS
(``tls: {certificate, private_key}``, PEM files on the gateway agent's host). External gateways are keyed
``port[/type]`` and may be given as just a route (``9050/http: sava/webport``). Internal gateways are
anonymous, their route keys are service names. Vamp's output-only keys (``lookup_name``,
``internal``, ``service``, ``deployed``, ``refused``) are accepted and ignored.
"""

from __future__ import annotations

from enum import Enum

from vamp.core import model
from vamp.core.dsl import artifact, routes, traits
from vamp.core.dsl.cursor import Cursor, Fields
from vamp.core.validation import gateways as gateway_rules
from vamp.core.validation import messages

OUTPUT_ONLY = ("internal", "service", "deployed", "refused")
GATEWAY_PORT_FORMS = "a port number with an optional type: 9050, '9050/http' or '9050/tcp'"

PortValue = tuple[int | None, model.Protocol | None]
"""A port number and protocol, each ``None`` where not given."""


class Place(Enum):
    """Where a gateway is read, which decides its name, its port and its route keys."""

    STORED = "stored"
    EXTERNAL = "external"
    INTERNAL = "internal"
    DEPLOYED_EXTERNAL = "deployed external"
    DEPLOYED_INTERNAL = "deployed internal"


def gateway(cursor: Cursor) -> model.Gateway | None:
    """A stored (free-standing or deployment) gateway."""
    fields = cursor.fields("gateway")
    if fields is None:
        return None
    name = fields.read_required("name", _gateway_name)
    return _build(fields, Place.STORED, name=name, port=fields.read("port", _port, model.GatewayPort()))


def _gateway_name(cursor: Cursor) -> str | None:
    """``name``, ``deployment/port`` or ``deployment/cluster/port``."""
    name = cursor.string()
    problem = None if name is None else gateway_rules.gateway_name_problem(name)
    if problem is not None:
        cursor.error(problem)
    return name


def keyed(cursor: Cursor, place: Place) -> dict[str, model.Gateway]:
    """Gateways keyed by port: a blueprint's or deployment's external ones, or a cluster's internal ones."""
    found: dict[str, model.Gateway] = {}
    for key, item in cursor.items("a map of ports to gateways"):
        if place in (Place.INTERNAL, Place.DEPLOYED_INTERNAL):
            port_name = cursor.key(key).name(strict=True)
            read = internal(item, place)
            if port_name is not None and read is not None:
                found[port_name] = read
            continue
        parsed = _port_value(cursor.key(key), minimum=1)
        if parsed is None or parsed[0] is None:
            continue
        number = str(parsed[0])
        if number in found:
            item.by_key().error(messages.duplicate_gateway_port(number))
            continue
        read = external(cursor.child(number, item.value, key), parsed, place)
        if read is not None:
            found[number] = read
    return found


def internal(cursor: Cursor, place: Place) -> model.Gateway | None:
    fields = cursor.fields("cluster gateway")
    if fields is None:
        return None
    port: PortValue = (None, None)
    if place is Place.DEPLOYED_INTERNAL:
        fields.ignore("name")
        given = fields.get("port")
        port = (None, None) if given is None else _port_value(given, minimum=0) or port
    return _build(fields, place, name=None, port=_gateway_port(port))


def external(cursor: Cursor, key: PortValue, place: Place) -> model.Gateway | None:
    """An external gateway on the port its key names (``9050/http``); an inner ``port`` must agree."""
    if isinstance(cursor.value, str):
        return model.Gateway(
            port=_gateway_port(key), routes=routes.routes(cursor.moved("routes"), paths=True)
        )
    fields = cursor.fields("gateway")
    if fields is None:
        return None
    if place is Place.DEPLOYED_EXTERNAL:
        fields.ignore("name")
    given = fields.get("port")
    inner = None if given is None else _port_value(given, minimum=0)
    port = key
    if given is not None and inner is not None:
        number_differs = inner[0] not in (None, 0, key[0])
        protocol_differs = None not in (inner[1], key[1]) and inner[1] != key[1]
        if number_differs or protocol_differs:
            given.error(f"Gateway port {given.value!r} does not match its key {cursor.source[-1]!r}.")
        port = (key[0], key[1] or inner[1])
    return _build(fields, place, name=None, port=_gateway_port(port))


def _build(
    fields: Fields, place: Place, *, name: str | None, port: model.GatewayPort | None
) -> model.Gateway | None:
    metadata = artifact.common(fields, "gateways")
    fields.ignore(*OUTPUT_ONLY)
    found = fields.get("name") if place in (Place.EXTERNAL, Place.INTERNAL) and fields.has("name") else None
    if found is not None:
        found.error(f"Expected an anonymous gateway, not one with the name: {found.value!r}.")
    paths = place in (Place.STORED, Place.EXTERNAL, Place.DEPLOYED_EXTERNAL)
    return fields.build(
        model.Gateway,
        name=name,
        port=port,
        metadata=metadata,
        sticky=fields.read("sticky", _sticky),
        virtual_hosts=fields.read("virtual_hosts", _virtual_hosts, ()),
        selector=fields.read("selector", routes.selector_text),
        routes=fields.read("routes", lambda found: routes.routes(found, paths=paths), {}),
        tls=fields.read("tls", _tls),
    )


def _tls(cursor: Cursor) -> model.GatewayTls | None:
    """TLS termination: ``{certificate: chain.pem, private_key: key.pem}``."""
    fields = cursor.fields("TLS")
    if fields is None:
        return None
    return fields.build(
        model.GatewayTls,
        certificate=fields.read_required("certificate", Cursor.string),
        private_key=fields.read_required("private_key", Cursor.string),
    )


def _port(cursor: Cursor) -> model.GatewayPort | None:
    parsed = _port_value(cursor, minimum=0)
    return None if parsed is None else _gateway_port(parsed)


def _port_value(cursor: Cursor, *, minimum: int) -> PortValue | None:
    """``9050``, ``9050/http``, ``9050/tcp`` (``/tcp``: any port): number and protocol where given."""
    parsed = traits.port_value(cursor.value)
    number = None if parsed is None else parsed[0]
    if (
        parsed is None
        or (number is None and minimum > 0)
        or (number is not None and not minimum <= number <= 65535)
    ):
        cursor.error(
            f"Unsupported gateway port {cursor.value!r}; write {GATEWAY_PORT_FORMS} ({minimum}-65535)."
        )
        return None
    return parsed


def _gateway_port(value: PortValue) -> model.GatewayPort:
    """Port 0, like no port, means "assign one"."""
    return model.GatewayPort(number=value[0] or None, protocol=value[1] or model.Protocol.HTTP)


def _sticky(cursor: Cursor) -> model.Sticky | None:
    if cursor.value == "none":
        return None
    if cursor.value in ("route", "instance"):
        return model.Sticky(cursor.value)
    cursor.error(f"Illegal gateway sticky value: {cursor.value!r}; use route, instance or none.")
    return None


def _virtual_hosts(cursor: Cursor) -> tuple[str, ...]:
    hosts = [cursor.value] if isinstance(cursor.value, str) else cursor.value
    if not isinstance(hosts, list) or not all(isinstance(host, str) for host in hosts):
        cursor.error(messages.VIRTUAL_HOSTS)
        return ()
    return tuple(hosts)
