"""What ``bench/dataplane.py`` measures of the HAProxy renderer (``vamp.adapters.haproxy.render``).

* ``start``: HAProxy serving exactly ``render(plan).text`` (there is no HAProxy agent yet, so this stands
  for "the vamp gateway on HAProxy"), started by its PID on 127.0.0.1 only, like every bench process;
* ``measure_scale``: for a large plan, the render time, the time ``haproxy -c`` takes to check the
  rendered text, and the text's size in lines and bytes.
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from bench import proxies
from bench.proxies import Processes
from vamp.adapters.haproxy import render
from vamp.core.routing import plan as routing_plan


def start(processes: Processes, plan: routing_plan.RoutingPlan, port: int) -> None:
    """HAProxy with the rendered configuration of ``plan``, whose one gateway listens on ``port``."""
    config = processes.workdir / "haproxy-rendered.cfg"
    config.write_text(render.render(plan, options=render.RenderOptions(listen_host=proxies.HOST)).text)
    processes.start("haproxy-rendered", proxies.tool("haproxy"), "-f", str(config), "-db")
    proxies.wait_listening(port)


@dataclass(frozen=True, slots=True)
class RenderScale:
    """A large plan rendered for HAProxy: how long rendering and ``haproxy -c`` took, and the text's size."""

    render_seconds: float
    check_seconds: float
    lines: int
    size_bytes: int
    check_failure: str = ""


def measure_scale(plan: routing_plan.RoutingPlan, workdir: Path) -> RenderScale:
    started = time.perf_counter()
    text = render.render(plan).text
    render_seconds = time.perf_counter() - started
    config = workdir / "haproxy-large.cfg"
    config.write_text(text)
    started = time.perf_counter()
    checked = subprocess.run(
        [proxies.tool("haproxy"), "-c", "-f", str(config)], capture_output=True, text=True, check=False
    )
    check_seconds = time.perf_counter() - started
    failure = "" if checked.returncode == 0 else (checked.stderr or checked.stdout).strip()[-500:]
    return RenderScale(render_seconds, check_seconds, text.count("\n"), len(text.encode()), failure)
