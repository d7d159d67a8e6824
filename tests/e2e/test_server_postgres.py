"""``vamp server --store postgresql://...`` against a real PostgreSQL: the sava demo deploys to Done.

The store suite covers PostgreSQL in depth; this proves the server runs on it as a user starts it:
the schema is created on start, the deployment is stored and reconciled, and a restart finds it again.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import postgres
from tests.e2e import vamp_process
from tests.e2e.vamp_process import demo_blueprint, eventually, pids_of

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    server = postgres.start()
    try:
        yield server.url(server.create_database())
    finally:
        server.stop()


def test_the_server_deploys_sava_on_postgresql(tmp_path: Path, database: str) -> None:
    blueprint = tmp_path / "sava.yml"
    blueprint.write_text(demo_blueprint("sava:1.0", "sava:1.0.0", "1.0"))
    home = tmp_path / "home"
    with vamp_process.started(
        home, "server", "--store", database, "--allow-command-deployables", ready=None
    ) as vamp:
        assert vamp.api("info", on="persistence")["persistence"] == {"type": "postgresql", "status": "ok"}
        vamp.cli("create", "-f", str(blueprint))
        deployed = vamp.cli("deploy", "sava:1.0", "sava", "--wait")
        assert "Deployment sava: deployed" in deployed.stdout
        instances = vamp.instances("sava", "sava:1.0.0")
        assert [pids_of(instance["name"]) != set() for instance in instances] == [True]

    assert not (home / "vamp.db").exists()
    with vamp_process.started(
        home, "server", "--store", database, "--allow-command-deployables", ready=None
    ) as again:
        done = {"sava:1.0.0": "Done"}
        eventually(lambda: again.service_states("sava") == done, timeout=30.0, what="sava runs again")
        again.cli("undeploy", "sava", "--wait")
        assert again.service_states("sava") == {}
