"""``vamp up --demo --proxy haproxy`` end to end: the same Vamp, its gateway agent on HAProxy.

The demo is served through HAProxy at 90 % / 10 % on its gateway port and by Host header on the shared
port; a weight change through the CLI reaches traffic; the agent says it runs HAProxy, and its metrics
reach ``vamp metrics`` as on Envoy. Ctrl-C's SIGTERM stops everything, HAProxy included (``started``
fails the test if a process outlives it). Splits are judged statistically: each version within ±5 points.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e import vamp_process
from tests.e2e.backends import free_port
from tests.e2e.vamp_process import eventually, share, versions

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

SAMPLES = 600


def shared_port(vamp: vamp_process.Vamp) -> int:
    """The virtual-host port ``vamp up`` printed."""
    line = next(line for line in vamp.text().splitlines() if "by Host header on port" in line)
    return int(line.split("by Host header on port ")[1].split()[0])


def test_vamp_up_serves_the_demo_on_haproxy(tmp_path: Path) -> None:
    port = free_port()
    with vamp_process.started(
        tmp_path / "home", "up", "--demo", "--demo-port", str(port), "--proxy", "haproxy"
    ) as vamp:
        status_url = f"http://127.0.0.1:{vamp.agent_port()}/status"

        def serving_the_demo() -> dict[str, Any] | None:
            found: dict[str, Any] = httpx.get(status_url, timeout=5.0).json()
            return found if found["version"] == vamp.plan() else None

        status = eventually(serving_the_demo, what="the agent serves the demo's plan")
        assert status["proxy"] == "haproxy"
        haproxy = status["data_plane"]["pid"]
        assert Path(f"/proc/{haproxy}/cmdline").read_bytes().split(b"\0")[0].endswith(b"haproxy")

        split = versions(port, SAMPLES)
        assert abs(share(split, "1.0") - 0.9) <= 0.05, split
        assert abs(share(split, "1.1") - 0.1) <= 0.05, split
        by_host = versions(shared_port(vamp), 50, headers={"host": f"{port}.sava.vamp"})
        assert sum(by_host[version] for version in ("1.0", "1.1")) == 50, by_host

        plan = vamp.plan()
        vamp.cli("update-gateway", "sava/sava/webport", "--weights", "sava:1.0.0@0%,sava:1.1.0@100%")
        vamp.settled(plan)
        assert versions(port, 100) == {"1.1": 100}

        sent = SAMPLES + 50 + 100

        def measured() -> dict[str, Any] | None:
            found: dict[str, Any] = vamp.json("metrics", "gateway", "sava/sava/webport")["sava/sava/webport"]
            return found if found is not None and found["requests"] >= sent else None

        gateway = eventually(measured, what=f"vamp metrics counts {sent} requests through HAProxy")
        assert gateway["codes"]["5xx"] == 0
    assert not vamp_process.alive(haproxy)
