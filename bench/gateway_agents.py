"""The vamp gateways ``bench/dataplane.py`` measures: ``vamp agent --proxy envoy|haproxy --plan FILE``.

``GatewayAgent`` starts one agent by its PID (like every bench process, in a session of its own, on
127.0.0.1), writes its plan file in one rename, and reads what the agent and its proxy report:

* ``wait_active``: the seconds until ``/status`` names a plan version as active (the agent reports it once
  the proxy verified it: Envoy's config dump, or HAProxy's ``show env`` after a reload and ``show map``
  after a runtime change);
* ``memory``: the RSS (from ``/proc``) of the agent and of its proxy's processes: Envoy, or the HAProxy
  master and its workers (the current one, and any older one still finishing its requests);
* ``restarts``: how often the agent restarted its proxy after it died;
* ``reloads``: on HAProxy, how many reloads the master went through (its CLI's ``show proc``), so the
  bench can say whether a change was delivered through the runtime API or by a reload.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from bench.proxies import HOST, Processes, free_port
from vamp.adapters.haproxy import supervisor
from vamp.core.routing import plan as routing_plan
from vamp.interfaces.agent.proxies import Proxy


class GatewayAgent:
    """One ``vamp agent`` serving the plan file it is given, on ``proxy``, and a client for its endpoint."""

    def __init__(self, processes: Processes, proxy: Proxy) -> None:
        self.proxy = proxy
        self.name = f"vamp gateway on {proxy.product}"
        self.workdir = processes.workdir / f"agent-{proxy}"
        self.plan_file = processes.workdir / f"plan-{proxy}.json"
        self.listen = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self._processes = processes
        self.client = httpx.Client(base_url=f"http://{HOST}:{self.listen}", timeout=10.0)

    def start(self, plan: routing_plan.RoutingPlan) -> None:
        self.write(plan)
        self.process = self._processes.start(
            f"agent-{self.proxy}",
            sys.executable,
            "-m",
            "vamp",
            "agent",
            "--proxy",
            str(self.proxy),
            "--plan",
            str(self.plan_file),
            "--workdir",
            str(self.workdir),
            "--listen",
            str(self.listen),
            "--concurrency",
            "2",
        )
        self.wait_active(plan.version, timeout=60.0)

    def write(self, plan: routing_plan.RoutingPlan) -> None:
        hidden = self.plan_file.with_name(f".{self.plan_file.name}.writing")
        hidden.write_text(plan.to_text())  # as the server writes it
        hidden.replace(self.plan_file)

    def status(self) -> dict[str, Any]:
        try:
            return dict(self.client.get("/status").json())
        except httpx.TransportError:
            return {}

    def wait_active(self, version: str, timeout: float) -> float:
        """Seconds until the agent reports ``version`` active.

        Raises:
            RuntimeError: the agent refused the plan, or did not report it within ``timeout`` seconds.
        """
        started = time.monotonic()
        while (status := self.status()).get("version") != version:
            error = status.get("last_error") or ""
            if version in error and "efused" in error:
                raise RuntimeError(error)
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with status {self.process.returncode}")
            if time.monotonic() - started > timeout:
                raise RuntimeError(f"plan {version} not active on {self.name} after {timeout} s: {status}")
            time.sleep(0.005)
        return time.monotonic() - started

    def proxy_pid(self) -> int:
        """The PID of the proxy the agent runs: Envoy, or the HAProxy master."""
        return int(self.status()["data_plane"]["pid"])

    def memory(self) -> dict[str, float]:
        """RSS in MiB of the agent and of each of its proxy's processes, by name."""
        assert self.process is not None
        measured = {"agent": rss_mib(self.process.pid)}
        if self.proxy is Proxy.HAPROXY:
            processes = self.haproxy_processes()
            measured["HAProxy master"] = rss_mib(processes.master)
            for pid, reloads in processes.workers:
                # The current worker, and any of an earlier configuration still finishing its requests.
                name = "HAProxy worker" if reloads == 0 else f"HAProxy worker {reloads} reload(s) old"
                measured[name] = rss_mib(pid)
        else:
            measured["Envoy"] = rss_mib(self.proxy_pid())
        return measured

    def haproxy_processes(self) -> supervisor.Processes:
        """What the HAProxy master's CLI says of its reloads and workers (``show proc``)."""
        with socket.socket(socket.AF_UNIX) as master:
            master.settimeout(10.0)
            master.connect(str(self.workdir / "haproxy" / "master.sock"))
            master.sendall(b"show proc\n")
            master.shutdown(socket.SHUT_WR)
            answer = b"".join(iter(lambda: master.recv(65536), b""))
        return supervisor.parse_proc(answer.decode(errors="replace"))

    def restarts(self) -> int:
        """How often the agent restarted its proxy after it died (``/status``' ``data_plane.restarts``)."""
        return int(self.status()["data_plane"]["restarts"])

    def reloads(self) -> int:
        """Reloads the HAProxy master went through since it started; 0 on Envoy."""
        return self.haproxy_processes().reloads if self.proxy is Proxy.HAPROXY else 0


def rss_mib(pid: int) -> float:
    """The resident memory of process ``pid`` in MiB (``VmRSS`` in ``/proc/<pid>/status``)."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except FileNotFoundError:
        return float("nan")
    for line in lines:
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")
