"""``vamp server`` on the local driver, as a user starts it: what cannot run here fails at once, saying why.

A blueprint whose breed is a Docker image cannot run as a local process: ``vamp deploy --wait`` ends
within seconds (not after the 600 s deployment timeout) with the driver's message, exit code 1, and the
deployment shows the service as failed with that message.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.e2e import vamp_process
from tests.interfaces.api import harness

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

MESSAGE = (
    "Breed 'sava:1.0.0' has a container/docker deployable (magneticio/sava:1.0.0): the local driver runs "
    "only {type: command} deployables. Use the kubernetes driver for images, or give a command."
)


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
