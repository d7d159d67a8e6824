"""Small builders for the models routing tests need, so each test table row stays one line."""

from __future__ import annotations

from typing import Any

from vamp.core import model


def gateway(name: str, port: int | str | None = None, routes: Any = (), **fields: Any) -> model.Gateway:
    """A gateway. ``port``: a number or ``"9050/tcp"``; ``routes``: path → route fields, or just paths."""
    number, _, protocol = str(port or "").partition("/")
    data = {
        "name": name,
        "port": {"number": int(number) if number else None, "protocol": protocol or "http"},
        "routes": routes if isinstance(routes, dict) else {path: {} for path in routes},
        **fields,
    }
    return model.Gateway.model_validate(data)


def instance(
    name: str,
    ip: str,
    ports: dict[str, int] | None = None,
    *,
    service: str | None = None,
    ready: bool = True,
    **fields: Any,
) -> model.ObservedInstance:
    """An instance; ``service`` ``"d/c/s"`` places it in a deployment, cluster and service."""
    deployment, cluster, breed = service.split("/") if service else (None, None, None)
    return model.ObservedInstance.model_validate(
        {
            "name": name,
            "ip": ip,
            "ports": [{"name": port, "number": number} for port, number in (ports or {}).items()],
            "ready": ready,
            "deployment": deployment,
            "cluster": cluster,
            "service": breed,
            **fields,
        }
    )
