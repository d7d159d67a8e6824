"""What ``vamp up`` leaves open on the machine: its home is its user's alone, and CORS only for named origins.

After a deployment (so that the store, its WAL, the logs, the process records and an instance's log all
exist): the home folder is 0700; the store, its ``-wal`` and ``-shm``, ``server.log``, ``agent.log``,
Envoy's log, the process records and the instance's log are 0600; the agent's work directory is 0700.
A home an earlier version left open (0755, a 0644 store) is narrowed at the next start. A browser's
preflight from the origin given with ``--cors-origin`` is allowed; from any other origin it is not.

Every request to the API goes through the one client ``api_client`` makes, so a header (a token) can be
added in one place.
"""

from __future__ import annotations

import stat
from pathlib import Path

import httpx
import pytest

from tests.e2e import vamp_process
from tests.e2e.vamp_process import demo_blueprint

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

ORIGIN = "http://ui.example"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def api_client(vamp: vamp_process.Vamp) -> httpx.Client:
    """The client of every API request of this module."""
    return vamp.client()


def test_the_home_is_private_and_cors_is_only_for_the_named_origin(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    home.chmod(0o755)
    (home / "vamp.db").touch(mode=0o644)
    with vamp_process.started(home, "up", "--cors-origin", ORIGIN) as vamp:
        vamp.cli("create", "-f", "-", stdin=demo_blueprint("sava:1.0", "sava:1.0.0", "1.0"))
        vamp.cli("deploy", "sava:1.0", "sava", "--wait")
        (instance,) = vamp.instances("sava", "sava:1.0.0")

        private = [
            home / "vamp.db",
            home / "admin-token",
            home / "agent-token",
            home / "api-url",
            home / "vamp.db-wal",
            home / "vamp.db-shm",
            home / "logs" / "server.log",
            home / "logs" / "agent.log",
            home / "agent" / "envoy" / "envoy.log",
            *(home / "processes").glob("*.json"),
            *(home / "services").glob("*.json"),
            *(home / "logs").rglob(f"*{instance['name'].rpartition('-')[2]}.log"),
        ]
        modes = {str(path.relative_to(home)): mode(path) for path in private}
        folders = {name: mode(home / name) for name in (".", "agent")}

        preflight = {"access-control-request-method": "PUT", "access-control-request-headers": "content-type"}
        with api_client(vamp) as api:
            named = api.options("/api/v1/breeds", headers={"origin": ORIGIN, **preflight})
            other = api.options("/api/v1/breeds", headers={"origin": "http://evil.example", **preflight})
            listed = api.get("/api/v1/breeds", headers={"origin": "http://evil.example"})

    assert len(modes) >= 12, modes
    assert modes == dict.fromkeys(modes, 0o600)
    assert folders == {".": 0o700, "agent": 0o700}
    assert named.status_code == 200
    assert named.headers["access-control-allow-origin"] == ORIGIN
    assert "access-control-allow-origin" not in other.headers
    assert listed.status_code == 200
    assert "access-control-allow-origin" not in listed.headers
