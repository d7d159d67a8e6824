"""Vamp as a user runs it, for end-to-end tests: ``vamp up`` or ``vamp server`` as a real process, the CLI
as a real command, and plain HTTP to the API and the gateways.

``started`` runs ``python -m vamp up|server`` in a home of the test's, waits until it says it is up (or
its API answers), and stops it by its own PID at the end: SIGTERM first, and the test fails if it does
not exit 0 or leaves a process behind. ``Vamp.cli`` runs ``python -m vamp ...`` against it; ``Vamp.api``
talks to its REST API. ``versions`` sends requests through a gateway and counts the demo versions that
answer; ``settled`` waits until the gateway agent serves the server's newest routing plan. Processes are
found by the ``VAMP_INSTANCE`` variable the local driver gives each instance (``pids_of``), so tests
check that processes are gone without any knowledge of the driver's records.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.backends import free_port

PYTHON = sys.executable
UP_SECONDS = 90.0
DEPLOY_SECONDS = 60.0


def demo_blueprint(
    name: str, breed: str, version: str, *, gateway: int | None = None, cluster: str = "sava"
) -> str:
    """A blueprint of one cluster running the demo service (``python -m vamp.demo``) as breed ``breed``."""
    gateways = f"gateways:\n  {gateway}/http: {cluster}/webport\n" if gateway else ""
    command = f"{PYTHON} -m vamp.demo --port $PORT --version {version}"
    return (
        f"name: {name}\nkind: blueprints\n{gateways}clusters:\n  {cluster}:\n    services:\n"
        f"      breed:\n        name: {breed}\n"
        f"        deployable: {{type: command, definition: {json.dumps(command)}}}\n"
        "        ports: {webport: 8080/http}\n"
        "      scale: {cpu: 0.1, memory: 64MB, instances: 1}\n"
    )


def eventually(
    condition: Callable[[], Any], *, timeout: float = 10.0, what: str = "", every: float = 0.05
) -> Any:
    """The first true value of ``condition()``; fails the test when none came within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        found = condition()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"still not true after {timeout:g} s: {what or condition}")
        time.sleep(every)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for every purpose but its entry in the process table.
    with contextlib.suppress(OSError):
        if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
            return False
    return True


def _processes() -> Iterator[tuple[int, bytes, bytes]]:
    """(pid, command line, environment) of every process we may read."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            yield int(entry.name), (entry / "cmdline").read_bytes(), (entry / "environ").read_bytes()


def pids_of(instance: str) -> set[int]:
    """The live processes of a local-driver instance, found by their ``VAMP_INSTANCE``."""
    marker = f"VAMP_INSTANCE={instance}\0".encode()
    return {pid for pid, _, environment in _processes() if marker in environment + b"\0" and alive(pid)}


def pids_running(word: str) -> set[int]:
    """The live processes whose command line has ``word`` as one of its arguments."""
    return {pid for pid, command, _ in _processes() if word.encode() in command.split(b"\0") and alive(pid)}


def pids_under(home: Path) -> set[int]:
    """The live processes of a home: named in their command line, or writing their output there."""
    found: set[int] = set()
    for pid, command, _ in _processes():
        with contextlib.suppress(OSError):
            if str(home).encode() in command or os.readlink(f"/proc/{pid}/fd/1").startswith(str(home)):
                found.add(pid)
    return {pid for pid in found if alive(pid)}


@dataclass
class Vamp:
    """A running ``vamp up`` or ``vamp server`` and what it said."""

    process: subprocess.Popen[bytes]
    home: Path
    url: str
    output: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def text(self) -> str:
        return self.output.read_text(errors="replace")

    @property
    def token(self) -> str:
        """The admin token the server made at its first start (``HOME/admin-token``)."""
        return (self.home / "admin-token").read_text().strip()

    @property
    def headers(self) -> dict[str, str]:
        """What every API request sends: the admin token."""
        return {"authorization": f"Bearer {self.token}"}

    def client(self, path: str = "", timeout: float = 10.0) -> httpx.Client:
        """An HTTP client of this server (under ``path``, e.g. ``/api/v1``) sending the admin token."""
        return httpx.Client(
            base_url=f"{self.url}{path}", timeout=timeout, trust_env=False, headers=self.headers
        )

    def cli(
        self, *arguments: str, check: bool = True, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        """``vamp ARGUMENTS`` against this server; fails the test on a non-zero exit when ``check``."""
        environment = {**os.environ, "VAMP_HOST": self.url, "VAMP_TOKEN": self.token, "COLUMNS": "200"}
        done = subprocess.run(
            (PYTHON, "-m", "vamp", *arguments),
            capture_output=True,
            text=True,
            env=environment,
            input=stdin,
            timeout=DEPLOY_SECONDS * 3,
            check=False,
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"vamp {' '.join(arguments)} exited {done.returncode}:\n{done.stdout}{done.stderr}"
            )
        return done

    def json(self, *arguments: str) -> Any:
        return json.loads(self.cli(*arguments, "--output", "json").stdout)

    def api(self, path: str, **params: Any) -> Any:
        response = httpx.get(
            f"{self.url}/api/v1/{path}", params=params, headers=self.headers, timeout=10.0, trust_env=False
        )
        response.raise_for_status()
        return response.json()

    def everything(self, path: str) -> list[Any]:
        """Every item of a paged list."""
        items: list[Any] = []
        page = 1
        while True:
            found = self.api(path, page=page, per_page=30)
            items += found
            if len(found) < 30:
                return items
            page += 1

    def agent_port(self) -> int:
        found = re.search(r"Agent\s+http://127\.0\.0\.1:(\d+)/status", self.text())
        assert found, self.text()
        return int(found.group(1))

    def plan(self) -> str | None:
        version: str | None = self.api("info", on="gateway_driver")["gateway_driver"]["plan"]
        return version

    def settled(self, before: str | None, timeout: float = 10.0) -> None:
        """Wait until the plan changed from ``before`` and the agent serves the new one."""
        status = f"http://127.0.0.1:{self.agent_port()}/status"

        def serving() -> bool:
            plan = self.plan()
            return plan != before and httpx.get(status, timeout=5.0).json()["version"] == plan

        try:
            eventually(serving, timeout=timeout, what=f"the agent serves a plan newer than {before}")
        except AssertionError as exc:
            agent_log = (self.home / "logs" / "agent.log").read_text(errors="replace")[-3000:]
            raise AssertionError(
                f"{exc}\nserver plan {self.plan()}, agent status {httpx.get(status).text}\n{agent_log}"
            ) from None

    def service_states(self, deployment: str) -> dict[str, str]:
        """Breed → phase of every service of a deployment ({} once it is gone)."""
        response = httpx.get(
            f"{self.url}/api/v1/deployments/{deployment}", headers=self.headers, timeout=10.0, trust_env=False
        )
        if response.status_code == 404:
            return {}
        response.raise_for_status()
        return {
            service["breed"]["name"]: service["status"]["phase"]["name"]
            for cluster in response.json()["clusters"].values()
            for service in cluster["services"]
        }

    def instances(self, deployment: str, breed: str) -> list[dict[str, Any]]:
        found = self.api(f"deployments/{deployment}")
        return [
            instance
            for cluster in found["clusters"].values()
            for service in cluster["services"]
            if service["breed"]["name"] == breed
            for instance in service.get("instances", [])
        ]

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM by PID; the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def kill(self) -> None:
        """SIGKILL by PID, as a crash would."""
        self.process.kill()
        self.process.wait(10)


def gateway_ports(size: int = 20) -> str:
    """A range of free ports below the kernel's ephemeral ones, for gateways without a port: another Vamp
    (or a test) on this machine may use the default 40000-45000 at the same time."""
    for _ in range(100):
        first = random.randrange(30000, 32700)
        if all(bindable(port) for port in range(first, first + size)):
            return f"{first}-{first + size - 1}"
    raise AssertionError("no free range of gateway ports in 30000-32767")


def bindable(port: int) -> bool:
    """Whether a socket could bind ``port`` on 127.0.0.1 now."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def start(home: Path, *arguments: str, port: int | None = None, ready: str | None = "Vamp is up") -> Vamp:
    """Start ``vamp ARGUMENTS --home HOME --port PORT``; return once it printed ``ready`` (or, for ``None``,
    once its API answers)."""
    port = port or free_port()
    arguments = (*arguments, "--gateway-ports", gateway_ports())
    if arguments[0] == "up":
        arguments = (*arguments, "--shared-port", str(free_port()))
    home.mkdir(parents=True, exist_ok=True)
    output = home.with_name(f"{home.name}-{arguments[0]}-{time.monotonic_ns()}.log")
    with output.open("wb") as stream:
        process = subprocess.Popen(
            (PYTHON, "-m", "vamp", *arguments, "--home", str(home), "--port", str(port)),
            stdin=subprocess.DEVNULL,
            stdout=stream,
            stderr=stream,
            env={**os.environ, "COLUMNS": "200"},
        )
    vamp = Vamp(process, home, f"http://127.0.0.1:{port}", output)

    def up() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"vamp {arguments[0]} exited {process.returncode}:\n{vamp.text()}")
        if ready is not None:
            return ready in vamp.text()
        try:
            return httpx.get(f"{vamp.url}/healthz", timeout=2.0, trust_env=False).status_code == 200
        except httpx.TransportError:
            return False

    try:
        eventually(up, timeout=UP_SECONDS, what=f"vamp {arguments[0]} is up", every=0.1)
    except BaseException:
        vamp.kill()
        raise
    return vamp


@contextlib.contextmanager
def started(
    home: Path, *arguments: str, port: int | None = None, ready: str | None = "Vamp is up"
) -> Iterator[Vamp]:
    """A running Vamp for the block; it must stop cleanly on SIGTERM at the end and leave nothing behind."""
    vamp = start(home, *arguments, port=port, ready=ready)
    try:
        yield vamp
    finally:
        code = vamp.stop()
        leftovers = pids_under(home)
    assert code == 0, vamp.text()
    assert not leftovers, f"processes outlived vamp: {leftovers}"


def versions(port: int, count: int, headers: Mapping[str, str] | None = None) -> Counter[str]:
    """Send ``count`` requests through the gateway on ``port``; count the demo versions that answered."""
    answered: Counter[str] = Counter()
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5.0, trust_env=False) as client:
        for _ in range(count):
            response = client.get("/json", headers=headers)
            answered[
                response.json()["version"] if response.status_code == 200 else str(response.status_code)
            ] += 1
    return answered


def share(counts: Counter[str], version: str) -> float:
    return counts[version] / sum(counts.values())
