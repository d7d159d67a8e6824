"""Benchmark of the control plane's API and of a weight change reaching the data plane.

Starts ``vamp up --demo`` (server, agent, Envoy and the sava demo's two backends) in a temporary home on
free ports, and prints, in one run on this machine:

* side by side, the floor (``bench.floor``: a minimal uvicorn app answering a constant JSON, on this
  machine, with the same clients), ``GET /api/v1/info``, ``GET /api/v1/gateways/sava%2Fsava%2Fwebport``
  and a weight update (``PUT`` of that gateway): p50/p99 on one kept-alive connection, and p50/p99 and
  req/s over 20 connections with each one's ratio to the floor's req/s (targets: one connection p50
  <= 2 ms for reads; 20 connections, reads >= 0.5 x the floor);
* the time from a weight update sent to the API to the first request routed by the new weights, p50/p99
  over 60 updates (target p99 < 50 ms): the weights flip between 100/0 and 0/100, so one answer of the
  other version through gateway port 9050 is proof;
* ``GET /api/v1/info`` p50/p99 from one client while another sends the hostile inputs of issue 9 over
  and over (``tests/e2e/hostile.py``: alias bombs, oversized bodies, deep nesting, huge numbers, unsafe
  names), side by side with the same client alone, and their ratio (target p99 < 100 ms).

Everything it starts is stopped by PID at the end (``vamp up`` stops the rest). Port 9050 must be free.
Run: ``make bench`` or ``.venv/bin/python -m bench.api``. Benchmarks are never tests.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from tests.e2e import hostile

CLIENTS = 20
REQUESTS_PER_CLIENT = 25
UPDATES = 60
GATEWAY = "sava%2Fsava%2Fwebport"
ROUTES = ("sava/sava/sava:1.0.0/webport", "sava/sava/sava:1.1.0/webport")
DEMO_PORT = 9050
UP_SECONDS = 120.0
INFO_REQUESTS = 300


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(home: Path, port: int) -> subprocess.Popen[bytes]:
    """``vamp up --demo``; returns once it says it is up."""
    log = home.parent / "up.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            (sys.executable, "-m", "vamp", "up", "--demo", "--home", str(home), "--port", str(port),
             "--shared-port", str(free_port())),
            stdin=subprocess.DEVNULL, stdout=output, stderr=output,
        )  # fmt: skip
    deadline = time.monotonic() + UP_SECONDS
    try:
        while "Vamp is up" not in log.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"vamp up did not come up:\n{log.read_text(errors='replace')}")
            time.sleep(0.1)
    except BaseException:  # timed out, or interrupted while starting: let it stop what it started
        stop(process)
        raise
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop ``vamp up`` by its PID as a user would (SIGTERM: it stops its agent, Envoy and the demo's
    services first); killed only if it does not end within a minute."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def token_headers(home: Path | None = None) -> dict[str, str]:
    """The admin token of the ``vamp up`` at ``home`` (else ``$VAMP_TOKEN``), as request headers."""
    secret = (home / "admin-token").read_text().strip() if home else os.environ["VAMP_TOKEN"]
    return {"authorization": f"Bearer {secret}"}


AUTH: dict[str, str] = {}
"""Headers of every request to the API: the admin token, set once ``vamp up`` has made it."""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def concurrently(
    send: Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]], url: str
) -> dict[str, Any]:
    """``CLIENTS`` clients each sending ``REQUESTS_PER_CLIENT`` requests one after another."""
    latencies: list[float] = []
    failures: dict[int, int] = {}

    async def client(number: int) -> None:
        async with httpx.AsyncClient(base_url=url, timeout=30.0, trust_env=False, headers=AUTH) as http:
            for request in range(REQUESTS_PER_CLIENT):
                began = time.perf_counter()
                response = await send(http, number * REQUESTS_PER_CLIENT + request)
                latencies.append((time.perf_counter() - began) * 1000)
                if response.is_error:
                    failures[response.status_code] = failures.get(response.status_code, 0) + 1

    began = time.perf_counter()
    await asyncio.gather(*(client(number) for number in range(CLIENTS)))
    seconds = time.perf_counter() - began
    return {
        "p50": percentile(latencies, 0.50),
        "p99": percentile(latencies, 0.99),
        "per_second": len(latencies) / seconds,
        "failures": failures,
    }


def weights_body(gateway: dict[str, Any], first: int) -> str:
    """The gateway with ``first`` % on 1.0 and the rest on 1.1."""
    routes = gateway["routes"]
    routes[ROUTES[0]]["weight"] = f"{first}%"
    routes[ROUTES[1]]["weight"] = f"{100 - first}%"
    return json.dumps(gateway)


async def propagation(url: str) -> list[float]:
    """Milliseconds from each weight update sent to the first request the new weights routed."""
    times: list[float] = []
    async with (
        httpx.AsyncClient(base_url=url, timeout=30.0, trust_env=False, headers=AUTH) as api,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{DEMO_PORT}", timeout=5.0, trust_env=False) as gateway,
    ):
        shape = (await api.get(f"/api/v1/gateways/{GATEWAY}")).json()
        for update in range(UPDATES):
            first, expected = (0, "1.1") if update % 2 == 0 else (100, "1.0")
            body = weights_body(shape, first)
            began = time.perf_counter()
            response = await api.put(
                f"/api/v1/gateways/{GATEWAY}", content=body, headers={"content-type": "application/json"}
            )
            response.raise_for_status()
            while (await gateway.get("/json")).json()["version"] != expected:
                if time.perf_counter() - began > 10:
                    raise SystemExit(f"update {update}: version {expected} never answered")
            times.append((time.perf_counter() - began) * 1000)
    return times


def attack(url: str) -> None:
    """Send the hostile inputs over and over until stopped (SIGTERM), then print how many were sent.

    Runs as a process of its own (``python -m bench.api --attack URL``), so that building and uploading
    50 MB bodies never slows the client whose latency is measured.
    """
    sent = 0
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    inputs = hostile.inputs()
    print("ready", flush=True)
    with httpx.Client(base_url=url, timeout=30.0, trust_env=False, headers=AUTH) as http:
        while not stopping:
            item = inputs[sent % len(inputs)]
            answer = item.send(http)
            if answer.status_code != item.status:
                raise SystemExit(f"{item.name}: {answer.status_code} {answer.text[:200]}")
            sent += 1
    print(sent, flush=True)


async def info_latencies(url: str, *, hostile_input: bool) -> tuple[list[float], int]:
    """Milliseconds of ``INFO_REQUESTS`` plain ``GET /api/v1/info`` one after another, and how many hostile
    requests another process sent meanwhile (each refused as ``hostile.inputs`` says, or it stops)."""
    attacker = None
    if hostile_input:
        attacker = subprocess.Popen(
            (sys.executable, "-m", "bench.api", "--attack", url),
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "VAMP_TOKEN": AUTH["authorization"].removeprefix("Bearer ")},
        )
        assert attacker.stdout is not None
        ready = await asyncio.to_thread(
            attacker.stdout.readline
        )  # once its bodies (50 MB among them) are built
        if ready.strip() != "ready":
            raise SystemExit(f"the hostile client did not start: {ready}")
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=url, timeout=30.0, trust_env=False, headers=AUTH) as http:
        for _ in range(INFO_REQUESTS):
            began = time.perf_counter()
            (await http.get("/api/v1/info")).raise_for_status()
            latencies.append((time.perf_counter() - began) * 1000)
    if attacker is None:
        return latencies, 0
    attacker.send_signal(signal.SIGTERM)
    output, _ = attacker.communicate(timeout=60)
    if attacker.returncode != 0:
        raise SystemExit(f"the hostile client failed: {output}")
    return latencies, int(output.split()[-1])


ONE_CONNECTION_REQUESTS = 300


async def one_connection(
    send: Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]], url: str
) -> dict[str, Any]:
    """``ONE_CONNECTION_REQUESTS`` requests one after another on one kept-alive connection."""
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with httpx.AsyncClient(
        base_url=url, timeout=30.0, trust_env=False, headers=AUTH, limits=limits
    ) as http:
        (await send(http, 0)).raise_for_status()
        for number in range(ONE_CONNECTION_REQUESTS):
            began = time.perf_counter()
            (await send(http, number)).raise_for_status()
            latencies.append((time.perf_counter() - began) * 1000)
    return {"one_p50": percentile(latencies, 0.50), "one_p99": percentile(latencies, 0.99)}


def start_floor() -> tuple[subprocess.Popen[bytes], str]:
    """``bench.floor`` on a free port, once it answers."""
    port = free_port()
    process = subprocess.Popen((sys.executable, "-m", "bench.floor", str(port)), stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(url, timeout=1.0, trust_env=False).is_success:
                return process, url
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise SystemExit("the floor app did not start")
        time.sleep(0.1)


async def measure(url: str) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=30.0, trust_env=False, headers=AUTH) as api:
        shape = (await api.get(f"/api/v1/gateways/{GATEWAY}")).json()

    async def constant(http: httpx.AsyncClient, _: int) -> httpx.Response:
        return await http.get("/")

    async def info(http: httpx.AsyncClient, _: int) -> httpx.Response:
        return await http.get("/api/v1/info")

    async def read(http: httpx.AsyncClient, _: int) -> httpx.Response:
        return await http.get(f"/api/v1/gateways/{GATEWAY}")

    async def update(http: httpx.AsyncClient, number: int) -> httpx.Response:
        body = weights_body(dict(shape), 90 if number % 2 else 80)
        return await http.put(
            f"/api/v1/gateways/{GATEWAY}", content=body, headers={"content-type": "application/json"}
        )

    floor_process, floor_url = start_floor()
    try:
        floor = {**await one_connection(constant, floor_url), **await concurrently(constant, floor_url)}
    finally:
        floor_process.terminate()
        floor_process.wait(30)
    found = {}
    for name, send in (
        ("GET /api/v1/info", info),
        ("GET /api/v1/gateways/sava%2Fsava%2Fwebport", read),
        ("PUT /api/v1/gateways/sava%2Fsava%2Fwebport (weights)", update),
    ):
        found[name] = {**await one_connection(send, url), **await concurrently(send, url)}
    flips = await propagation(url)
    calm, _ = await info_latencies(url, hostile_input=False)
    attacked, sent = await info_latencies(url, hostile_input=True)

    print(
        f"latency in ms: one kept-alive connection ({ONE_CONNECTION_REQUESTS} requests) and {CLIENTS} "
        f"connections ({CLIENTS * REQUESTS_PER_CLIENT} requests); targets: one connection p50 <= 2 ms for "
        f"reads, {CLIENTS} connections reads >= 0.5 x the floor's req/s"
    )
    print(
        f"{'measure':52} {'1c p50':>7} {'1c p99':>7} {'20c p50':>8} {'20c p99':>8} {'req/s':>7} "
        f"{'/floor':>7}  failures"
    )
    for name, figures in (("floor: minimal uvicorn app, constant JSON", floor), *found.items()):
        print(
            f"{name:52} {figures['one_p50']:7.2f} {figures['one_p99']:7.2f} "
            f"{figures['p50']:8.1f} {figures['p99']:8.1f} "
            f"{figures['per_second']:7.0f} {figures['per_second'] / floor['per_second']:7.2f}  "
            f"{figures['failures'] or '-'}"
        )
    print(
        f"{'weight update -> first request routed by it':52} p50 {percentile(flips, 0.5):.1f}, "
        f"p99 {percentile(flips, 0.99):.1f} (target p99 < 50 ms), {UPDATES} updates, "
        f"mean {statistics.fmean(flips):.1f}"
    )
    print()
    print(f"GET /api/v1/info, one client, {INFO_REQUESTS} requests; latency in ms")
    print(f"{'measure':52} {'p50':>8} {'p99':>8} {'p99/calm':>10}")
    for label, latencies in (
        ("alone (calm)", calm),
        (f"while {sent} hostile requests were refused", attacked),
    ):
        print(
            f"{label:52} {percentile(latencies, 0.5):8.1f} {percentile(latencies, 0.99):8.1f} "
            f"{percentile(latencies, 0.99) / percentile(calm, 0.99):10.2f}"
        )


def main() -> None:
    if sys.argv[1:2] == ["--attack"]:
        AUTH.update(token_headers())
        attack(sys.argv[2])
        return
    with tempfile.TemporaryDirectory(prefix="vamp-bench-") as folder:
        home, port = Path(folder) / "home", free_port()
        process = start(home, port)
        AUTH.update(token_headers(home))
        try:
            asyncio.run(measure(f"http://127.0.0.1:{port}"))
        finally:
            stop(process)


if __name__ == "__main__":
    main()
