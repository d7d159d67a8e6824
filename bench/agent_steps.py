"""What the Envoy agent's own steps cost per plan at 1,000 gateways × 10 routes, whole against incremental.

For a plan's JSON text as its source reads it (the bytes of the server's answer), the agent decodes it,
renders it, converts the rendering for the ADS stream and publishes it. This bench runs those steps in one
process, side by side, on the same plans:

* whole: ``json.loads`` and ``RoutingPlan.from_data``, ``render.render`` without reuse, and conversion as
  before this change (every resource digested; a resource of new content parsed whole by ``ParseDict``);
* incremental: ``plan_reading.PlanReader.read_text`` (only the text that changed decoded),
  ``render.render`` with a ``render.Reuse``, and ``xds.XdsServer.publish`` (its
  ``xds_resources.Converter`` takes unchanged resources by identity, clusters and load assignments from
  their converted shape; its catalog changes only where the snapshot did), as the agent runs them, each
  step timed apart;
* from data: the same, but the text decoded whole (``json.loads``) and read from its data
  (``PlanReader.read``), as the agent read plans before it read their text;

for the first plan, a weight change on one gateway, and a weight change on every gateway (the median of
``--rounds`` rounds each), and prints the seconds, the ratios whole / incremental and from data /
incremental, and the incremental run's steps apart. Envoy and the network are not in it
(``bench/dataplane_scale.py`` has them): the ADS server has no Envoy connected, so a publish is its own
work only (convert, compare, set); so it is steady on a shared machine.

Run: ``.venv/bin/python -m bench.agent_steps`` (``--gateways``, ``--routes``, ``--rounds``).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import hashlib
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.plans import gateway, large_gateways
from vamp.adapters.envoy import layout, render, xds, xds_resources
from vamp.adapters.envoy.layout import ResourceType
from vamp.core.routing import plan as routing_plan
from vamp.core.routing.compile import compile_plan
from vamp.services import plan_reading

Steps = Callable[[bytes], None]


def texts(gateways: int, routes: int, rounds: int) -> dict[str, list[bytes]]:
    """The plans' JSON texts as the agent's source reads them (the bytes of the server's answer,
    ``RoutingPlan.to_text``): the first, then alternately one gateway's and every gateway's weights."""
    backends = list(range(20_000, 20_000 + routes))
    base = large_gateways(30_000, backends, gateways, routes)

    def one(to_second: bool) -> bytes:
        weights = ["0%"] * routes
        weights[1 if to_second else 0] = "100%"
        changed = gateway("g0", 30_000, dict(zip(backends, weights, strict=True)))
        return compile_plan([changed, *base[1:]], [], shared_port=None).to_text().encode()

    def every(shift: int) -> bytes:
        plan = compile_plan(large_gateways(30_000, backends, gateways, routes, shift), [], shared_port=None)
        return plan.to_text().encode()

    return {
        "first plan": [one(False)],
        "one gateway's weights": [one(index % 2 == 0) for index in range(rounds)],
        "every gateway's weights": [every(index % 2 + 1) for index in range(rounds)],
    }


def whole(files: layout.Layout) -> Steps:
    """The steps as they were: every plan decoded, rendered and digested whole."""
    known: dict[str, Any] = {}

    def steps(text: bytes) -> None:
        plan = routing_plan.RoutingPlan.from_data(json.loads(text))
        snapshot = render.render(plan, files).snapshot
        for kind, items in _kinds(snapshot).items():
            for item in items:
                name = xds_resources.name_of(kind, item)
                digest = hashlib.sha256(json.dumps(item, sort_keys=True).encode()).hexdigest()
                known[digest] = known.get(digest) or xds_resources._pack(kind, name, item)

    return steps


STEPS = ("read", "render", "publish")


def incremental(
    files: layout.Layout,
    runner: asyncio.Runner,
    server: xds.XdsServer,
    seconds: dict[str, list[float]],
    *,
    from_data: bool = False,
) -> Steps:
    """The steps as the agent runs them now, each step's seconds appended to ``seconds``
    (``from_data``: reading the text decoded whole)."""
    reader, reuse = plan_reading.PlanReader(), render.Reuse()

    def steps(text: bytes) -> None:
        started = time.perf_counter()
        plan = reader.read(json.loads(text)) if from_data else reader.read_text(text)
        read = time.perf_counter()
        snapshot = render.render(plan, files, reuse=reuse).snapshot
        rendered = time.perf_counter()
        gc.freeze()  # as the agent does once a plan is rendered
        frozen = time.perf_counter()
        runner.run(server.publish(snapshot))
        published = time.perf_counter()
        for step, took in zip(STEPS, (read - started, rendered - read, published - frozen), strict=True):
            seconds.setdefault(step, []).append(took)

    return steps


def _kinds(snapshot: Any) -> dict[ResourceType, Any]:
    return {
        ResourceType.LISTENERS: snapshot.listeners,
        ResourceType.CLUSTERS: snapshot.clusters,
        ResourceType.ROUTES: snapshot.routes,
        ResourceType.ENDPOINTS: snapshot.endpoints,
    }


def timed(steps: Callable[[bytes], object], text: bytes) -> float:
    """Seconds ``steps`` takes over ``text``."""
    started = time.perf_counter()
    steps(text)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--gateways", type=int, default=1_000)
    parser.add_argument("--routes", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    plans = texts(options.gateways, options.routes, options.rounds)
    seconds: dict[str, dict[str, float]] = {name: {} for name in plans}
    with tempfile.TemporaryDirectory(prefix="vamp-bench-") as directory, asyncio.Runner() as runner:
        files = layout.Layout(Path(directory))
        servers = {name: xds.XdsServer(Path(directory) / f"{name}.sock") for name in ("data", "text")}
        for server in servers.values():
            runner.run(server.start())
        apart: dict[str, list[float]] = {}
        ignored: dict[str, list[float]] = {}
        runs = {
            "whole": whole(files),
            "from data": incremental(files, runner, servers["data"], ignored, from_data=True),
            "incremental": incremental(files, runner, servers["text"], apart),
        }
        for name, steps in runs.items():
            for plan, versions in plans.items():
                apart.clear()
                seconds[plan][name] = statistics.median(timed(steps, text) for text in versions)
                for step, took in apart.items():
                    seconds[plan][step] = statistics.median(took)
        for server in servers.values():
            runner.run(server.stop())
    print(
        "\nThe Envoy agent's steps per plan (whole: decode, render, convert; the others: the same and "
        f"publish to an ADS server), {options.gateways:,} × {options.routes}, medians:"
    )
    head = "".join(f"{step + ' ms':>11}" for step in STEPS)
    print(
        f"  {'plan':<26} {'whole s':>9} {'from data s':>12} {'incremental s':>14} {'ratio':>7} "
        f"{'data/incr':>10}   incremental's{head}"
    )
    for plan, measured in seconds.items():
        ratio, data_ratio = (measured[name] / measured["incremental"] for name in ("whole", "from data"))
        cells = "".join(f"{measured[step] * 1000:>11.1f}" for step in STEPS)
        print(
            f"  {plan:<26} {measured['whole']:>9.3f} {measured['from data']:>12.3f} "
            f"{measured['incremental']:>14.3f} {ratio:>6.1f}× {data_ratio:>9.1f}×{'':>16}{cells}"
        )


if __name__ == "__main__":
    main()
