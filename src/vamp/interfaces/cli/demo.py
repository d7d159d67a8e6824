"""The ``sava`` demo that ``vamp up --demo`` deploys, through the REST API like any user would.

Two versions of the demo service (``python -m vamp.demo``), as Vamp's getting-started guide has them:
the blueprint ``sava:1.0`` (cluster ``sava``, breed ``sava:1.0.0``, gateway ``9050`` to ``sava/webport``)
is deployed as deployment ``sava``; ``sava:1.1`` (breed ``sava:1.1.0``) is merged into it, starting at
0 %; then the internal gateway ``sava/sava/webport`` moves to 90 % / 10 %. Deploying again changes
nothing but the weights.
"""

from __future__ import annotations

import json
import shlex
import sys
import time
from typing import Any

import httpx

from vamp.interfaces.cli import client, deployments

DEPLOYMENT = "sava"
PORT = 9050
INTERNAL_GATEWAY = "sava/sava/webport"
WEIGHTS = {"sava:1.0.0": "90%", "sava:1.1.0": "10%"}


def command(version: str) -> str:
    """The demo service's command line, run by this Python."""
    return f"{shlex.quote(sys.executable)} -m vamp.demo --port $PORT --version {version}"


def blueprint(version: str, *, gateway: int | None) -> dict[str, Any]:
    """The blueprint ``sava:<version>``; only the first version declares the gateway (port ``gateway``)."""
    found: dict[str, Any] = {
        "name": f"sava:{version}",
        "kind": "blueprints",
        "clusters": {
            "sava": {
                "services": [
                    {
                        "breed": {
                            "name": f"sava:{version}.0",
                            "deployable": {"type": "command", "definition": command(version)},
                            "ports": {"webport": "8080/http"},
                        },
                        "scale": {"cpu": 0.2, "memory": "64MB", "instances": 1},
                    }
                ]
            }
        },
    }
    if gateway is not None:
        found["gateways"] = {f"{gateway}/http": "sava/webport"}
    return found


def deploy(api: client.Client, *, port: int = PORT, timeout: float = 120.0) -> None:
    """Deploy the demo with its gateway on ``port`` and wait until it serves there.

    Raises:
        client.ApiError: the server refused a step, a service failed, or the demo did not answer in time.
    """
    for version, gateway in (("1.0", port), ("1.1", None)):
        body = json.dumps(blueprint(version, gateway=gateway))
        api.request("POST", "blueprints", body, content_type=client.JSON)
        api.request("PUT", client.path("deployments", DEPLOYMENT), body, content_type=client.JSON)
        deployments.deployed(api, DEPLOYMENT, timeout)
    gateway_data = api.get(client.path("gateways", INTERNAL_GATEWAY))
    for route, weight in WEIGHTS.items():
        gateway_data["routes"][f"sava/sava/{route}/webport"]["weight"] = weight
    api.request(
        "PUT", client.path("gateways", INTERNAL_GATEWAY), json.dumps(gateway_data), content_type=client.JSON
    )
    _answering(f"http://127.0.0.1:{port}/", timeout)


def _answering(url: str, timeout: float) -> None:
    """Return once ``url`` answers 200, as the gateway agent serves the demo's routes."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(url, timeout=2.0, trust_env=False).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise client.ApiError(f"The demo did not answer on {url} within {timeout:g} s; see the logs.")
        time.sleep(0.2)
