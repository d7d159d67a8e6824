"""Benchmark of what an instance that refuses connections costs the requests of its route on HAProxy.

Two HAProxy processes serve the same plan, rendered by ``vamp.adapters.haproxy.render``, side by side:

* ``before``: as the renderer did before health checks (``RenderOptions.health_check_interval_s=None``)
  and with HAProxy's default ``option redispatch`` (only the last retry goes to another instance; each
  retry of the same one waits HAProxy's turn-around of min(timeout connect, 1 s));
* ``after``: the renderer's defaults: every instance checked by a connect each second, and ``option
  redispatch 1`` (each retry on another instance, without the wait).

The plan has three gateways: ``half``, one route over two instances of which one refuses (an nginx and a
closed port); ``least``, the same with ``balance: leastconn`` (HAProxy waits before a retry unless it
round-robins); and ``none``, one route whose only instance refuses. After a warm-up long enough for two
failed checks, each HAProxy gets the same requests, one new connection each, one at a time: the run
prints, per gateway, p50 / p99 / max latency, how many took over 500 ms and the status codes, and the
ratio after / before of p99 and of the mean.

It needs HAProxy and nginx (installed from Debian when missing, as ``bench/dataplane.py`` does). Every
process listens on 127.0.0.1 only and is stopped by its PID. Run from the repository:
``.venv/bin/python -m bench.haproxy_refusing`` (``--requests N``). Benchmarks are never tests.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench import proxies
from bench.proxies import HOST, Processes, free_port
from vamp.adapters.haproxy.render import RenderOptions, render
from vamp.core import model
from vamp.core.routing import plan as routing_plan
from vamp.core.routing.compile import compile_plan

BEFORE = "before"
AFTER = "after"
GATEWAYS = ("half", "least", "none")
"""``half``: one of two instances refuses; ``least``: the same with ``balance leastconn``; ``none``: the
only instance refuses."""
_BALANCES = {"least": "leastconn"}


@dataclass(frozen=True, slots=True)
class Sample:
    """The requests sent to one gateway of one HAProxy: each latency in seconds, and each status."""

    seconds: list[float]
    statuses: Counter[str]

    def quantile(self, q: float) -> float:
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def instance(name: str, port: int, service: str) -> model.ObservedInstance:
    deployment, cluster, breed = service.split("/")
    return model.ObservedInstance.model_validate(
        {
            "name": name,
            "ip": HOST,
            "ports": [{"name": "http", "number": port}],
            "ready": True,
            "deployment": deployment,
            "cluster": cluster,
            "service": breed,
        }
    )


def refusing_plan(ports: dict[str, int], good: int) -> routing_plan.RoutingPlan:
    """Gateways ``half`` and ``least`` over a good and a refusing instance; ``none`` over a refusing one."""
    instances = [
        *(instance(f"{name}-good", good, f"shop/web/{name}") for name in ("half", "least")),
        *(instance(f"{name}-refusing", free_port(), f"shop/web/{name}") for name in GATEWAYS),
    ]
    gateways = [
        model.Gateway.model_validate(
            {
                "name": name,
                "port": {"number": ports[name]},
                "routes": {f"shop/web/{name}/http": {"balance": _BALANCES.get(name, "roundrobin")}},
            }
        )
        for name in GATEWAYS
    ]
    compiled = compile_plan(gateways, instances, shared_port=None)
    assert compiled.problems == (), compiled.problems
    return compiled


def request(port: int) -> tuple[float, str]:
    """One ``GET /`` on a new connection: how long the whole answer took, and its status."""
    started = time.perf_counter()
    with socket.create_connection((HOST, port), timeout=30) as connection:
        connection.sendall(b"GET / HTTP/1.1\r\nhost: bench\r\nconnection: close\r\n\r\n")
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    status = answer.split(b" ", 2)[1].decode() if answer.startswith(b"HTTP/") else "none"
    return time.perf_counter() - started, status


def measure(port: int, count: int) -> Sample:
    seconds, statuses = [], Counter[str]()
    for _ in range(count):
        took, status = request(port)
        seconds.append(took)
        statuses[status] += 1
    return Sample(seconds, statuses)


def start(processes: Processes, name: str, text: str, ports: dict[str, int]) -> None:
    config = processes.workdir / f"haproxy-{name}.cfg"
    config.write_text(text)
    processes.start(f"haproxy-{name}", proxies.tool("haproxy"), "-f", str(config), "-db")
    for port in ports.values():
        proxies.wait_listening(port)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per gateway and HAProxy")
    arguments = parser.parse_args()
    for ran in proxies.ensure_tools():
        print(f"ran: {ran}")
    with tempfile.TemporaryDirectory(prefix="vamp-bench-refusing-") as folder:
        processes = Processes(Path(folder))
        try:
            good = free_port()
            proxies.start_backends(processes, [good])
            ports = {kind: {name: free_port() for name in GATEWAYS} for kind in (BEFORE, AFTER)}
            before = render(
                refusing_plan(ports[BEFORE], good),
                options=RenderOptions(listen_host=HOST, health_check_interval_s=None),
            ).text.replace("option redispatch 1\n", "option redispatch\n")
            after = render(refusing_plan(ports[AFTER], good), options=RenderOptions(listen_host=HOST)).text
            start(processes, BEFORE, before, ports[BEFORE])
            start(processes, AFTER, after, ports[AFTER])
            # Long enough for two failed checks of 1 s each (and HAProxy's random first check).
            warm_until = time.monotonic() + 3.5
            while time.monotonic() < warm_until:
                request(ports[AFTER]["half"])
            report(
                {
                    (kind, name): measure(ports[kind][name], arguments.requests)
                    for kind in (BEFORE, AFTER)
                    for name in GATEWAYS
                }
            )
        finally:
            processes.stop_all()


def report(samples: dict[tuple[str, str], Sample]) -> None:
    print(f"HAProxy {proxies.version('haproxy')}: one new connection per request, one at a time")
    print(f"{'gateway':8} {'render':7} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'>500ms':>7}  statuses")
    for (kind, name), sample in samples.items():
        slow = sum(1 for took in sample.seconds if took > 0.5)
        print(
            f"{name:8} {kind:7} {sample.quantile(0.5) * 1000:8.1f} {sample.quantile(0.99) * 1000:8.1f} "
            f"{max(sample.seconds) * 1000:8.1f} {slow:7}  {dict(sample.statuses)}"
        )
    for name in GATEWAYS:
        old, new = samples[BEFORE, name], samples[AFTER, name]
        p99 = new.quantile(0.99) / old.quantile(0.99)
        mean = statistics.fmean(new.seconds) / statistics.fmean(old.seconds)
        print(f"{name}: after / before  p99 {p99:.4f}  mean {mean:.4f}")


if __name__ == "__main__":
    main()
