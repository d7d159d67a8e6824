"""Without a token nothing happens: the request of issue 9 that ran ``id`` as the server's user.

A ``vamp up`` (which does run command deployables, for a token that may deploy) gets one unauthenticated
``PUT /api/v1/deployments/x`` with a ``{type: command}`` deployable that would write a file: the answer is
401 and the file never appears, nothing is stored, no event is recorded; a browser's cross-site request
with a bad token fares no better. The same request with the admin token is accepted, and its command runs
— the check is the token, not the kind of deployable.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import httpx
import pytest

from tests.e2e import vamp_process

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]


def _blueprint(marker: Path) -> str:
    command = f"{sys.executable} -c \"open('{marker}', 'w').write('ran')\"; sleep 60"
    return json.dumps(
        {
            "name": "x",
            "clusters": {
                "x": {
                    "services": [
                        {
                            "breed": {
                                "name": "x:1.0.0",
                                "deployable": {"type": "command", "definition": command},
                            },
                            "scale": {"cpu": 0.1, "memory": "64MB", "instances": 1},
                        }
                    ]
                }
            },
        }
    )


def test_an_unauthenticated_command_deployable_is_401_and_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    with vamp_process.started(tmp_path / "home", "up") as vamp:
        body = _blueprint(marker)
        url = f"{vamp.url}/api/v1/deployments/x"
        json_body = {"content-type": "application/json"}

        anonymous = httpx.put(url, content=body, headers=json_body, trust_env=False)
        forged = httpx.put(
            url,
            content=body,
            headers={**json_body, "authorization": "Bearer vamp_guessed", "origin": "http://evil.example"},
            trust_env=False,
        )

        assert anonymous.status_code == 401
        assert anonymous.headers["www-authenticate"].startswith("Bearer")
        assert "needs a token" in anonymous.json()["message"]
        assert forged.status_code == 401
        assert "access-control-allow-origin" not in forged.headers
        assert vamp.api("deployments") == []
        assert vamp.api("events", tag="deployments:x") == []

        accepted = httpx.put(url, content=body, headers={**json_body, **vamp.headers}, trust_env=False)

        assert accepted.status_code == 202, accepted.text
        vamp_process.eventually(marker.exists, timeout=30, what="the admin's deployment runs its command")
        vamp.cli("undeploy", "x", "--wait")
