"""What ``bench/dataplane.py`` compares the vamp gateway with, and the backends they all share.

* ``ensure_tools`` installs wrk, HAProxy and nginx from Debian when they are missing;
* ``start_backends``: one nginx answering ``200 b<i>`` (header ``x-backend: b<i>``) on each given port;
* ``start_minimal_envoy``, ``start_haproxy``, ``start_nginx``: each splits 90/10 over two backends, configured
  by hand as plainly as the tool allows (HTTP/1.1 keep-alive to the backends, two workers).

Every process listens on 127.0.0.1 only, logs into the bench's directory, and is stopped by its PID
(``Processes.stop_all``).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

from vamp.adapters.envoy import supervisor

HOST = "127.0.0.1"
TOOLS = ("wrk", "haproxy", "nginx")
_HCM = "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager"
_ROUTER = "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"


class Processes:
    """Processes started by the bench, each stopped by its PID at the end (SIGTERM, then SIGKILL)."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self._started: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, *argv: str) -> subprocess.Popen[bytes]:
        """Start ``argv`` in a session of its own, logging to ``<name>.log`` in the work directory.

        Its own session because the vamp gateway's Envoy runs in one (its supervisor starts it so): where
        the kernel groups CPU time by session (``/proc/sys/kernel/sched_autogroup_enabled``), a proxy in
        the bench's session shares one group's CPU with wrk and the backends, and one in a session of its
        own gets a group's share to itself. Measured on this 2-core machine, that alone moved a minimal
        Envoy's requests/s by about 10 %; every proxy compared must be placed alike.
        """
        with (self.workdir / f"{name}.log").open("ab") as log:
            process = subprocess.Popen(
                argv, stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True
            )
        self._started.append(process)
        return process

    def stop_all(self) -> None:
        for process in reversed(self._started):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def ensure_tools() -> list[str]:
    """Install whichever of wrk, HAProxy and nginx is missing, from Debian; the commands that were run."""
    if all(tool(name) for name in TOOLS):
        return []
    install = ["apt-get", "install", "-y", *TOOLS]
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    ran = [" ".join(install)]
    if subprocess.run(install, env=environment, capture_output=True).returncode != 0:
        ran.insert(0, "apt-get update")
        subprocess.run(["apt-get", "update"], env=environment, check=True, capture_output=True)
        subprocess.run(install, env=environment, check=True, capture_output=True)
    return ran


def tool(name: str) -> str:
    """The path of an installed tool ("" if there is none), also in ``/usr/sbin`` when it is not on PATH."""
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")
    return found or ""


def version(name: str) -> str:
    """The tool's version, e.g. ``2.6.12``."""
    flag = {"haproxy": "-v", "nginx": "-v", "wrk": "-v"}[name]
    result = subprocess.run([tool(name), flag], capture_output=True, text=True)
    text = result.stdout + result.stderr
    for word in text.replace("/", " ").split():
        if word[:1].isdigit() and "." in word:
            return word.rstrip(",").partition("-")[0]
    return "?"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def wait_listening(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection((HOST, port), timeout=0.2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def start_backends(processes: Processes, ports: list[int]) -> None:
    """One nginx worker answering ``b<i>`` on the i-th port: fast enough not to be what is measured."""
    servers = "".join(
        f"  server {{ listen {HOST}:{port}; location / {{ add_header x-backend b{index} always; "
        f'return 200 "b{index}\\n"; }} }}\n'
        for index, port in enumerate(ports)
    )
    _start_nginx(processes, "backends", servers, workers=1)
    for port in ports:
        wait_listening(port)


def start_nginx(processes: Processes, port: int, a: int, b: int) -> None:
    upstream = (
        f"  upstream split {{ server {HOST}:{a} weight=9; server {HOST}:{b} weight=1; keepalive 64; }}\n"
        f"  server {{ listen {HOST}:{port}; location / {{ proxy_pass http://split; "
        'proxy_http_version 1.1; proxy_set_header Connection ""; } }\n'
    )
    _start_nginx(processes, "nginx", upstream, workers=2)
    wait_listening(port)


def _start_nginx(processes: Processes, name: str, servers: str, *, workers: int) -> None:
    prefix = processes.workdir / name
    prefix.mkdir()
    temporary = "".join(
        f"  {kind}_temp_path {prefix}/{kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf = prefix / "nginx.conf"
    conf.write_text(
        f"worker_processes {workers};\ndaemon off;\npid {prefix}/nginx.pid;\nerror_log {prefix}/error.log;\n"
        f"events {{ worker_connections 4096; }}\nhttp {{\n  access_log off;\n{temporary}{servers}}}\n"
    )
    processes.start(name, tool("nginx"), "-p", str(prefix), "-c", str(conf))


def start_haproxy(processes: Processes, port: int, a: int, b: int) -> int:
    """HAProxy (one process, two threads) splitting ``port`` 9:1 over ``a`` and ``b``; its PID."""
    conf = processes.workdir / "haproxy.cfg"
    conf.write_text(
        "global\n  maxconn 8000\n  nbthread 2\n"
        "defaults\n  mode http\n  timeout connect 5s\n  timeout client 50s\n  timeout server 50s\n"
        f"frontend split\n  bind {HOST}:{port}\n  default_backend split\n"
        "backend split\n  balance roundrobin\n"
        f"  server a {HOST}:{a} weight 9\n  server b {HOST}:{b} weight 1\n"
    )
    started = processes.start("haproxy", tool("haproxy"), "-f", str(conf), "-db")
    wait_listening(port)
    return started.pid


def start_minimal_envoy(processes: Processes, port: int, a: int, b: int, *, base_id: int) -> int:
    """A static Envoy with nothing but a listener, one 90/10 route and two clusters; its PID."""
    weights = [{"name": "a", "weight": 9000}, {"name": "b", "weight": 1000}]
    route = {"match": {"prefix": "/"}, "route": {"weighted_clusters": {"clusters": weights}}}
    host = {"name": "split", "domains": ["*"], "routes": [route]}
    manager = {
        "@type": _HCM,
        "stat_prefix": "split",
        "route_config": {"name": "split", "virtual_hosts": [host]},
        "http_filters": [{"name": "envoy.filters.http.router", "typed_config": {"@type": _ROUTER}}],
    }
    chain = {"filters": [{"name": "envoy.filters.network.http_connection_manager", "typed_config": manager}]}
    config = {
        "admin": {"address": _address(0)},
        "static_resources": {
            "listeners": [{"name": "split", "address": _address(port), "filter_chains": [chain]}],
            "clusters": [_static_cluster("a", a), _static_cluster("b", b)],
        },
    }
    path = processes.workdir / "minimal-envoy.json"
    path.write_text(json.dumps(config, indent=1))
    started = processes.start(
        "minimal-envoy",
        str(supervisor.bundled_envoy()),
        "--config-path",
        str(path),
        "--concurrency",
        "2",
        "--base-id",
        str(base_id),
        "--log-level",
        "warn",
    )
    wait_listening(port)
    return started.pid


def _address(port: int) -> dict[str, Any]:
    return {"socket_address": {"address": HOST, "port_value": port}}


def _static_cluster(name: str, port: int) -> dict[str, Any]:
    endpoints = [{"lb_endpoints": [{"endpoint": {"address": _address(port)}}]}]
    return {
        "name": name,
        "type": "STATIC",
        "connect_timeout": "5s",
        "load_assignment": {"cluster_name": name, "endpoints": endpoints},
    }


async def backends_seen(port: int, seen: list[tuple[float, str]], stop: asyncio.Event) -> None:
    """One keep-alive client of gateway ``port`` until ``stop`` is set: about 500 requests/s, each answer's
    time and backend (its ``x-backend`` header) appended to ``seen``."""
    reader, writer = await asyncio.open_connection(HOST, port)
    while not stop.is_set():
        writer.write(b"GET / HTTP/1.1\r\nhost: bench\r\n\r\n")
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
        length = int(re.search(r"content-length: (\d+)", head)[1])  # type: ignore[index]
        await reader.readexactly(length)
        seen.append((time.monotonic(), re.search(r"x-backend: (\w+)", head)[1]))  # type: ignore[index]
        await asyncio.sleep(0.002)
    writer.close()
