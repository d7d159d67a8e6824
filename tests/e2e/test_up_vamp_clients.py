"""What Vamp's integration clients do, against ``vamp up``: every document to ``PUT /api/v1/`` and
``DELETE /api/v1/`` (the trailing slash kept, redirects not followed), and waiting on
``/api/v1/events/stream`` for the events that say each step is done.

The PUT sends a breed and a deployment (its cluster gateway in the short form, routes written directly
under ``gateways``) in one multi-document body; the client waits for one event that
carries ``deployments:<d>``, ``services:<s>`` and ``synchronization:deployed`` (the service runs), and
for ``archive:update`` of the breed (Vamp tags by the verb: a PUT is an update, of a new breed too).
The DELETE sends the same two by kind and name alone; the client waits for ``archive:delete`` of the
breed and ``synchronization:undeployed`` of the service.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.e2e import vamp_process
from tests.e2e.event_stream import Events
from tests.e2e.vamp_process import DEPLOY_SECONDS, demo_blueprint

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

YAML = {"content-type": "application/x-yaml"}
DEPLOYMENT = "runner"
SERVICE = "runner:1.0.0"
PROBE = "kind: breed\nname: probe:1\ndeployable: magneticio/sava:1.0.0\nports: {webport: 8080/http}\n"
DEPLOYED = (
    demo_blueprint(DEPLOYMENT, SERVICE, "1.0", cluster="runner").replace(
        "kind: blueprints\n", "kind: deployment\n"
    )
    + f"    gateways:\n      routes:\n        {SERVICE}: {{weight: 100%}}\n"  # the short form
)
NAMES_ONLY = f"---\nkind: breed\nname: probe:1\n---\nkind: deployment\nname: {DEPLOYMENT}\n"


def test_vamps_integration_recipe_puts_and_deletes_through_the_bulk_path_with_its_slash(
    tmp_path: Path,
) -> None:
    with (
        vamp_process.started(tmp_path / "home", "up") as vamp,
        httpx.Client(
            base_url=vamp.url, headers=vamp.headers, timeout=30.0, trust_env=False, follow_redirects=False
        ) as client,
        client.stream("GET", "/api/v1/events/stream") as stream,
    ):
        assert stream.status_code == 200
        events = Events(stream.iter_lines(), timeout=DEPLOY_SECONDS)
        events.listening()

        put = client.put("/api/v1/", content=f"{PROBE}---\n{DEPLOYED}", headers=YAML)

        assert put.status_code == 202, put.text
        assert [(item["kind"], item["name"]) for item in put.json()] == [
            ("breeds", "probe:1"),
            ("breeds", SERVICE),
            ("deployments", DEPLOYMENT),
        ]
        events.wait("breeds:probe:1", "archive:update")
        events.wait(f"deployments:{DEPLOYMENT}", f"services:{SERVICE}", "synchronization:deployed")
        internal = client.get(f"/api/v1/gateways/{DEPLOYMENT}/runner/webport/")
        assert internal.status_code == 200, internal.text
        assert [route["weight"] for route in internal.json()["routes"].values()] == ["100%"]

        deleted = client.request("DELETE", "/api/v1/", content=NAMES_ONLY, headers=YAML)

        assert deleted.status_code == 202, deleted.text
        events.wait("breeds:probe:1", "archive:delete")
        events.wait(f"deployments:{DEPLOYMENT}", f"services:{SERVICE}", "synchronization:undeployed")
        vamp_process.eventually(
            lambda: client.get(f"/api/v1/deployments/{DEPLOYMENT}/").status_code == 404,
            timeout=DEPLOY_SECONDS,
            what="the undeployed deployment is gone",
        )
        assert client.get("/api/v1/breeds/probe:1/").status_code == 404
