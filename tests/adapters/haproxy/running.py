"""What the HAProxy tests share to run the real HAProxy: the ``haproxy`` binary, ``check`` (HAProxy's
verdict on a configuration), and for the data-plane tests the renderer they hand ``HaproxyDataPlane``,
the gateway ``shop`` plan over the test backends, and the waits on what HAProxy serves and how often it
reloaded.

The fixtures built on these (``anyio_backend``, ``backends``, ``data_plane``) are in ``conftest.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.core.routing.build import gateway, instance
from tests.e2e.backends import HOST, Backends
from tests.e2e.gateway_harness import send
from vamp.adapters.haproxy import render
from vamp.adapters.haproxy.dataplane import HaproxyDataPlane
from vamp.core.routing import plan as routing_plan
from vamp.core.routing.compile import compile_plan

DEADLINE_S = 20.0


def haproxy() -> str:
    found = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/usr/local/sbin")
    if found is None:
        pytest.fail("HAProxy is missing: `make haproxy` installs it (Debian's haproxy package)")
    return found


def check(text: str, directory: Path) -> str:
    """HAProxy's verdict on a configuration: its output, after asserting it found the file valid."""
    config = directory / "haproxy.cfg"
    config.write_text(text)
    done = subprocess.run(
        [haproxy(), "-c", "-f", str(config)], capture_output=True, text=True, timeout=60, check=False
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"HAProxy refused the configuration:\n{output}\n{text}"
    assert "WARNING" not in output, f"HAProxy warned about the configuration:\n{output}\n{text}"
    return output


def shop_plan(
    backends: Backends,
    port: int,
    weights: dict[str, str],
    *,
    extra: tuple[str, ...] = (),
    more: tuple[int, ...] = (),
) -> routing_plan.RoutingPlan:
    """Gateway ``shop`` on ``port`` splitting over backends by ``weights``, a second instance of each backend
    in ``extra``, and a gateway ``more<n>`` to ``a`` on each port of ``more``."""
    instances = [
        instance(f"{name}-1", HOST, {"http": backends.ports[name]}, service=f"shop/web/{name}")
        for name in backends.ports
    ]
    instances += [
        instance(f"{name}-2", HOST, {"http": backends.ports[name]}, service=f"shop/web/{name}")
        for name in extra
    ]
    routes = {f"shop/web/{name}/http": {"weight": weight} for name, weight in weights.items()}
    gateways = [gateway("shop", port, routes)]
    gateways += [gateway(f"more{n}", number, {"shop/web/a/http": {}}) for n, number in enumerate(more)]
    compiled = compile_plan(gateways, instances, shared_port=None)
    assert compiled.problems == (), compiled.problems
    return compiled


def render_plan(plan: routing_plan.RoutingPlan, options: render.RenderOptions) -> render.Rendering:
    return render.render(plan, options=options)


async def eventually_served(port: int, backend: str) -> None:
    deadline = asyncio.get_running_loop().time() + DEADLINE_S
    while True:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            if (await send(port, 4)).get(backend) == 4:
                return
        if asyncio.get_running_loop().time() >= deadline:
            raise AssertionError(f"port {port} is not served by {backend} within {DEADLINE_S} s")
        await asyncio.sleep(0.02)


async def reloads(data_plane: HaproxyDataPlane) -> int:
    return (await data_plane.supervisor.processes()).reloads
