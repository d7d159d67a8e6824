"""``/api/v1/config`` (also ``/configuration``) and ``/api/v1/config/{key}``: the server's configuration as
Vamp's ``vamp.*`` keys (vamp.md §2.2), which workflow scripts read through ``api.config()``.

Vamp answered its whole ``vamp.*`` configuration; this server answers a small, honest set of keys it
knows — the namespace (the request's), the version, the store, the runtime driver, where gateways are
reached and the ports — and never a secret, a token or a path of its home. Keys are dotted; the answer
nests them (``{"vamp": {"namespace": ...}}``), or lists them flat with ``?flatten=true``
(``{"vamp.namespace": ...}``). ``/config/{key}`` answers one key's value, or the part of the
configuration under a key (``vamp.persistence``); a key that is not there is a 404 that lists the keys.
Vamp's ``POST``/``PUT /config`` (changing the configuration at run time) is not served: this server is
configured by its command line.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from vamp import errors
from vamp.interfaces.api import negotiation
from vamp.interfaces.api.context import Wired
from vamp.interfaces.api.namespaces import Namespace
from vamp.services import info

router = APIRouter(tags=["system"])

NAMESPACE = "vamp.namespace"

Flatten = Annotated[
    bool, Query(description='Flat dotted keys (`{"vamp.namespace": ...}`) instead of nested objects.')
]


def server_keys(
    *,
    version: str,
    persistence: str,
    driver: str,
    gateway_host: str,
    api_port: int | None = None,
    gateway_ports: tuple[int, int] | None = None,
    shared_port: int | None = None,
) -> dict[str, Any]:
    """The keys that are the same in every namespace, by Vamp's names where Vamp had the key; a port the
    server was not told is left out."""
    found: dict[str, Any] = {
        "vamp.info.message": info.MESSAGE,
        "vamp.version": version,
        "vamp.persistence.database.type": persistence,
        "vamp.container-driver.type": driver,
        "vamp.gateway-driver.host": gateway_host,
    }
    if api_port is not None:
        found["vamp.http-api.port"] = api_port
    if gateway_ports is not None:
        found["vamp.operation.gateway.port-range"] = f"{gateway_ports[0]}-{gateway_ports[1]}"
    if shared_port is not None:
        found["vamp.gateway-driver.virtual-hosts.port"] = shared_port
    return found


def keys(server: Mapping[str, Any], namespace: str) -> dict[str, Any]:
    """Every key of the configuration a request in ``namespace`` sees, flat and sorted."""
    return dict(sorted({**server, NAMESPACE: namespace}.items()))


def nested(flat: Mapping[str, Any]) -> dict[str, Any]:
    """Dotted keys as nested objects: ``{"a.b": 1}`` → ``{"a": {"b": 1}}``."""
    tree: dict[str, Any] = {}
    for key, value in flat.items():
        *parents, leaf = key.split(".")
        branch = tree
        for parent in parents:
            branch = branch.setdefault(parent, {})
        branch[leaf] = value
    return tree


def under(flat: Mapping[str, Any], key: str) -> dict[str, Any]:
    """The keys below ``key`` (``vamp.persistence`` → ``vamp.persistence.database.type`` …), flat."""
    return {name: value for name, value in flat.items() if name.startswith(key + ".")}


@router.get("/configuration", name="read_configuration", include_in_schema=False)
@router.get("/config", summary="The server's configuration, as Vamp's vamp.* keys")
async def read_config(
    request: Request, namespace: Namespace, services: Wired, flatten: Flatten = False
) -> Response:
    flat = keys(services.config, namespace)
    return negotiation.render(request, flat if flatten else nested(flat))


@router.get("/configuration/{key}", name="read_configuration_key", include_in_schema=False)
@router.get("/config/{key}", summary="One key of the server's configuration, or the keys under it")
async def read_config_key(
    request: Request, key: str, namespace: Namespace, services: Wired, flatten: Flatten = False
) -> Response:
    flat = keys(services.config, namespace)
    if key in flat:
        return negotiation.render(request, flat[key])
    found = under(flat, key)
    if not found:
        raise errors.NotFoundError(f"There is no configuration key {key!r}; the keys are: {', '.join(flat)}.")
    if flatten:
        return negotiation.render(request, found)
    tree: Any = nested(found)
    for part in key.split("."):
        tree = tree[part]
    return negotiation.render(request, tree)
