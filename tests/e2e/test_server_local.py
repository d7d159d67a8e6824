"""``vamp server`` on the local driver, as a user starts it: what cannot run here fails at once, saying why.

A blueprint whose breed is a Docker image cannot run as a local process: ``vamp deploy --wait`` ends
within seconds (not after the 600 s deployment timeout) with the driver's message, exit code 1, and the
deployment shows the service as failed with that message. A ``{type: command}`` breed runs only on a
server started with ``--allow-command-deployables``: without it a deploy is refused with 400, and a
deployment stored by an earlier run that allowed them shows its service failed, saying why, and nothing
starts.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e import vamp_process
from tests.interfaces.api import harness

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

MESSAGE = (
    "Breed 'sava:1.0.0' has a container/docker deployable (magneticio/sava:1.0.0): the local driver runs "
    "only {type: command} deployables. Use the kubernetes driver for images, or give a command."
)

COMMAND_REFUSED = (
    "Breed 'sava:1.0.0' has a {type: command} deployable, which runs a shell command on the server's "
    "machine; this server does not run command deployables. Start it with --allow-command-deployables "
    "(vamp up allows them), or give the breed a container image for the kubernetes driver."
)


def api_client(vamp: vamp_process.Vamp) -> httpx.Client:
    """The client of this module's own API requests (``Vamp.api`` and ``Vamp.cli`` make the others)."""
    return vamp.client()


def test_an_image_on_the_local_driver_fails_the_service_at_once(tmp_path: Path) -> None:
    with vamp_process.started(tmp_path / "home", "server", ready=None) as vamp:
        vamp.cli("create", "-f", "-", stdin="kind: blueprints\n" + harness.SAVA_1_0)
        started = time.monotonic()

        deployed = vamp.cli("deploy", "sava:1.0", "sava", "--wait", check=False)

        assert time.monotonic() - started < 10
        assert deployed.returncode == 1
        assert (
            deployed.stderr.strip()
            == f"error: Deployment service error for deployment 'sava' and service 'sava:1.0.0': {MESSAGE}"
        )
        shown = vamp.cli("describe", "deployments", "sava").stdout
        assert "Deployment sava: failed" in shown


def test_command_deployables_run_only_on_a_server_that_allows_them(tmp_path: Path) -> None:
    home = tmp_path / "home"
    blueprint = vamp_process.demo_blueprint("sava:1.0", "sava:1.0.0", "1.0")
    with vamp_process.started(home, "server", "--allow-command-deployables", ready=None) as allowing:
        allowing.cli("create", "-f", "-", stdin=blueprint)
        assert "Deployment sava: deployed" in allowing.cli("deploy", "sava:1.0", "sava", "--wait").stdout

    with vamp_process.started(home, "server", ready=None) as strict:
        with api_client(strict) as api:
            refused = api.put(
                "/api/v1/deployments/other", content=blueprint, headers={"content-type": "application/x-yaml"}
            )
        assert refused.status_code == 400
        assert refused.json() == {"message": COMMAND_REFUSED}

        def phase() -> dict[str, Any]:
            service = strict.api("deployments/sava")["clusters"]["sava"]["services"][0]
            found: dict[str, Any] = service["status"]["phase"]
            return found

        vamp_process.eventually(
            lambda: phase()["name"] == "Failed", timeout=20.0, what="the stored service fails, saying why"
        )
        assert COMMAND_REFUSED in phase()["notification"]
        assert strict.instances("sava", "sava:1.0.0") == []
        assert vamp_process.pids_running("vamp.demo") & vamp_process.pids_under(home) == set()
