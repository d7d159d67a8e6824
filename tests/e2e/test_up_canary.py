"""Issue 4's first "Done when" line, end to end: ``vamp up`` in a temp home, then a canary release of the
sava demo through the CLI and the API only, with real processes, a real agent and a real Envoy.

Deploy sava 1.0 (100 % through port 9050), merge 1.1 (still 100 % on 1.0), move to 50/50 and see the
split, send Firefox to 1.1 by condition at strength 100 %, move all weight to 1.1, slice 1.0 out and see
its processes gone. Splits are judged statistically: at least 500 requests, each version within ±5 points.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e import vamp_process
from tests.e2e.vamp_process import demo_blueprint, eventually, pids_of, share, versions

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

PORT = 9050
SAMPLES = 600
FIREFOX = {"user-agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"}


def measured_at_least(vamp: vamp_process.Vamp, requests: int) -> dict[str, Any] | None:
    """``vamp metrics gateway sava/sava/webport`` once it counts ``requests`` requests, else ``None``."""
    found: dict[str, Any] = vamp.json("metrics", "gateway", "sava/sava/webport")
    gateway = found["sava/sava/webport"]
    return found if gateway is not None and gateway["requests"] >= requests else None


def test_a_canary_release_of_sava_through_the_cli(tmp_path: Path) -> None:
    blueprints = tmp_path / "sava.yml"
    blueprints.write_text(
        demo_blueprint("sava:1.0", "sava:1.0.0", "1.0", gateway=PORT)
        + "---\n"
        + demo_blueprint("sava:1.1", "sava:1.1.0", "1.1")
    )
    with vamp_process.started(tmp_path / "home", "up") as vamp:
        created = vamp.cli("create", "-f", str(blueprints))
        assert "sava:1.0" in created.stdout
        assert "sava:1.1" in created.stdout

        plan = vamp.plan()
        deployed = vamp.cli("deploy", "sava:1.0", "sava", "--wait")
        assert "Deployment sava: deployed" in deployed.stdout
        vamp.settled(plan)
        assert versions(PORT, SAMPLES) == {"1.0": SAMPLES}

        plan = vamp.plan()
        merged = vamp.cli("merge", "sava:1.1", "sava", "--wait")
        assert "sava:1.1.0" in merged.stdout
        vamp.settled(plan)
        assert versions(PORT, SAMPLES) == {"1.0": SAMPLES}
        old = [instance["name"] for instance in vamp.instances("sava", "sava:1.0.0")]
        old_pids = set().union(*(pids_of(name) for name in old))
        assert old_pids

        plan = vamp.plan()
        vamp.cli("update-gateway", "sava/sava/webport", "--weights", "sava:1.0.0@50%,sava:1.1.0@50%")
        vamp.settled(plan)
        split = versions(PORT, 2 * SAMPLES)
        assert abs(share(split, "1.0") - 0.5) <= 0.05, split
        assert abs(share(split, "1.1") - 0.5) <= 0.05, split
        sent = 4 * SAMPLES
        measured = eventually(
            lambda: measured_at_least(vamp, sent), what=f"the agent measured {sent} requests"
        )
        routes = {
            path: measured[f"sava/sava/{path}/webport"]["requests"] for path in ("sava:1.0.0", "sava:1.1.0")
        }
        assert sum(routes.values()) == measured["sava/sava/webport"]["requests"]
        assert routes["sava:1.1.0"] == split["1.1"]
        assert measured["sava/sava/webport"]["health"] == 1.0
        assert measured["sava/sava/webport"]["codes"]["5xx"] == 0

        plan = vamp.plan()
        conditioned = vamp.cli(
            "update-gateway",
            "sava/sava/webport",
            "--route",
            "sava:1.1.0",
            "--condition",
            "user-agent == Firefox",
            "--strength",
            "100%",
        )
        assert "user-agent == Firefox" in conditioned.stdout
        vamp.settled(plan)
        assert versions(PORT, SAMPLES, FIREFOX) == {"1.1": SAMPLES}
        others = versions(PORT, 2 * SAMPLES)
        assert abs(share(others, "1.1") - 0.5) <= 0.05, others

        plan = vamp.plan()
        vamp.cli("update-gateway", "sava/sava/webport", "--weights", "sava:1.0.0@0%,sava:1.1.0@100%")
        vamp.settled(plan)
        assert versions(PORT, SAMPLES) == {"1.1": SAMPLES}
        vamp.cli("undeploy", "sava", "--service", "sava:1.0.0", "--wait")

        assert vamp.service_states("sava") == {"sava:1.1.0": "Done"}
        eventually(lambda: not any(vamp_process.alive(pid) for pid in old_pids), what="sava 1.0 is stopped")
        assert not set().union(*(pids_of(name) for name in old))
        assert versions(PORT, SAMPLES) == {"1.1": SAMPLES}
