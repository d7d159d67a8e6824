"""A real HAProxy serving rendered plans over the backends of ``gateway_harness``, for the end-to-end tests
of the HAProxy renderer's features (``test_haproxy_features``).

``HAProxyGateways.serve`` compiles gateways over the backends (or given instances), renders them with the
TLS files the plan names and the test's folder as the instance name (so chained gateways meet over
abstract sockets of their own), writes the configuration and ``Rendering.files`` (mode 0600) into that
folder, and (re)starts HAProxy in the foreground on it; it is stopped by its PID when the test ends and
before each new ``serve``. Ready means every listener's port accepts connections (within a deadline).
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
from collections.abc import Iterable
from pathlib import Path

from tests.adapters.haproxy.test_haproxy_check import haproxy
from tests.core.routing.build import instance
from tests.e2e.backends import HOST, Backends
from vamp.adapters.haproxy import certificates
from vamp.adapters.haproxy.render import Rendering, RenderOptions, render
from vamp.core import model
from vamp.core.routing.compile import compile_plan

START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 30.0


class HAProxyGateways:
    """Serves gateways over ``backends`` on a real HAProxy: one process at a time, restarted per ``serve``."""

    def __init__(self, directory: Path, backends: Backends) -> None:
        self.directory = directory
        self.backends = backends
        self.process: subprocess.Popen[bytes] | None = None
        self.log = directory / "haproxy.log"

    def instances(self) -> list[model.ObservedInstance]:
        """One instance per backend: service ``shop/web/<backend>`` at port ``http``."""
        return [
            instance(name, HOST, {"http": port}, service=f"shop/web/{name}")
            for name, port in self.backends.ports.items()
        ]

    async def serve(
        self,
        *gateways: model.Gateway,
        instances: Iterable[model.ObservedInstance] | None = None,
        shared_port: int | None = None,
    ) -> Rendering:
        """Compile, render and serve ``gateways``; fail on any problem in the plan or at start."""
        compiled = compile_plan(
            gateways, self.instances() if instances is None else instances, shared_port=shared_port
        )
        assert compiled.problems == (), compiled.problems
        rendering = render(
            compiled,
            options=RenderOptions(files_directory=str(self.directory), instance_name=str(self.directory)),
            tls_files=certificates.read(compiled),
        )
        certificates.write(rendering.files, self.directory)
        config = self.directory / "haproxy.cfg"
        config.write_text(rendering.text)
        self.stop()
        with self.log.open("ab") as log:
            self.process = subprocess.Popen([haproxy(), "-db", "-f", str(config)], stdout=log, stderr=log)
        for listener in compiled.listeners:
            await self._accepting(listener.port)
        return rendering

    async def _accepting(self, port: int) -> None:
        deadline = asyncio.get_running_loop().time() + START_TIMEOUT_S
        while True:
            assert self.process is not None
            assert self.process.poll() is None, f"HAProxy exited at start:\n{self.log.read_text()}"
            with socket.socket() as probe:
                if probe.connect_ex((HOST, port)) == 0:
                    return
            if asyncio.get_running_loop().time() >= deadline:
                raise AssertionError(f"HAProxy does not accept on port {port} after {START_TIMEOUT_S:g} s")
            await asyncio.sleep(0.02)

    def stop(self) -> None:
        """Stop the running HAProxy, if any, by its PID, and wait until it is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=STOP_TIMEOUT_S)
        self.process = None
