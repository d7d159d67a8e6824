"""Benchmark of incremental routing plans: what a change costs against compiling the plan whole.

Prints, in one run on this machine, side by side with ratios:

* for 1,000 gateways × 10 routes (``bench/plans.py``'s ``large_plan`` gateways): the whole compile
  (``compile_plan``, the baseline) and the incremental recompile (``compile_build`` from the previous
  build) after one gateway's weight change, and after a weight change on every gateway;
* the combined plan of 10 namespaces of 100 of those gateways each (what an agent serving them all is
  given, ``vamp.core.routing.combined``): combined whole (``combine``, the baseline) and incrementally
  (``combine_build`` from the previous combination) after one namespace's plan changed;
* the gateway synchroniser's pass (``vamp.services.gateways``, in-memory store, a fake driver) over one
  namespace of 1,000 selector gateways over 10,000 instances: its first pass, which compiles everything
  (the baseline), and the passes after one instance changed, after one gateway's weight changed and after
  nothing changed; beside them the whole ``compile_plan`` of the same gateways and instances.

Every incremental plan is checked equal to the plan compiled whole. Each figure is the best of several
rounds of the process's CPU time (everything here runs in this process, without I/O), so a machine
shared with other work shows less noise. Run: ``.venv/bin/python -m bench.plan_changes``. Benchmarks
are never tests.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Awaitable, Callable

from tests.services.fakes import FakeDriver

from bench import core
from bench.plans import gateway
from vamp.adapters.store import memory
from vamp.core import dsl, model
from vamp.core.routing import combined
from vamp.core.routing.compile import compile_build, compile_plan
from vamp.core.units import Percentage
from vamp.services import events, gateways

GATEWAYS = 1_000
ROUTES = 10
FIRST_PORT = 30_000
BACKENDS = list(range(20_000, 20_000 + ROUTES))
ROUNDS = 3
NAMESPACE = "default"


def large_gateways(shift: int = 0) -> list[model.Gateway]:
    """``large_plan``'s gateways; ``shift`` moves 1 % between the first two routes of every gateway."""
    built = []
    for index in range(GATEWAYS):
        weights = [100 // ROUTES] * ROUTES
        weights[0] += 100 - sum(weights) - shift
        weights[1] += shift
        routes = dict(zip(BACKENDS, (f"{weight}%" for weight in weights), strict=True))
        built.append(gateway(f"g{index}", FIRST_PORT + index, routes))
    return built


def best(run: Callable[[], object]) -> float:
    """The fastest of ``ROUNDS`` runs, in CPU seconds, with the collector settled first."""
    times = []
    for _ in range(ROUNDS):
        gc.collect()
        start = time.process_time()
        run()
        times.append(time.process_time() - start)
    return min(times)


async def best_async(prepare: Callable[[int], Awaitable[None]], run: Callable[[], Awaitable[None]]) -> float:
    """Like ``best`` for a pass, with ``prepare(round)`` (not timed) before each."""
    times = []
    for number in range(ROUNDS):
        await prepare(number)
        gc.collect()
        start = time.process_time()
        await run()
        times.append(time.process_time() - start)
    return min(times)


def row(measure: str, seconds: float, baseline: float | None = None) -> None:
    ratio = "" if baseline is None else f"{seconds / baseline:8.3f}"
    print(f"{measure:66} {seconds:8.3f} {ratio:>8}")


def compile_figures() -> None:
    print(f"{'plan of 1,000 gateways x 10 routes':66} {'seconds':>8} {'ratio':>8}")
    original = large_gateways()
    one = list(original)  # the others the same models, as the synchroniser keeps them between passes
    one[GATEWAYS // 2] = large_gateways(shift=1)[GATEWAYS // 2]
    every = large_gateways(shift=1)
    built = compile_build(original, [], shared_port=None)
    for changed in (one, every):
        if compile_build(changed, [], previous=built, shared_port=None).plan != compile_plan(
            changed, [], shared_port=None
        ):
            raise SystemExit("the incremental plan differs from the plan compiled whole")
    whole = best(lambda: compile_plan(original, [], shared_port=None))
    row("whole compile (baseline)", whole)
    row(
        "  after one gateway's weight change, incremental",
        best(lambda: compile_build(one, [], previous=built, shared_port=None)),
        whole,
    )
    row(
        "  after a weight change on every gateway, incremental",
        best(lambda: compile_build(every, [], previous=built, shared_port=None)),
        whole,
    )


def combined_figures() -> None:
    print(f"{'combined plan of 10 namespaces x 100 gateways x 10 routes':66} {'seconds':>8} {'ratio':>8}")
    namespaces = [f"team-{number}" for number in range(10)]
    default = namespaces[0]
    every = large_gateways()
    per = GATEWAYS // len(namespaces)
    plans = [
        (namespace, compile_plan(every[number * per : (number + 1) * per], [], shared_port=None))
        for number, namespace in enumerate(namespaces)
    ]
    built = combined.combine_build(plans, default=default)
    changed = list(plans)
    shifted = large_gateways(shift=1)[GATEWAYS - per : GATEWAYS]
    changed[-1] = (
        namespaces[-1],
        compile_plan([*shifted[:1], *every[GATEWAYS - per + 1 :]], [], shared_port=None),
    )
    if combined.combine_build(changed, default=default, previous=built).plan != combined.combine(
        changed, default=default
    ):
        raise SystemExit("the incremental combined plan differs from the plan combined whole")
    whole = best(lambda: combined.combine(changed, default=default))
    row("combined whole (baseline)", whole)
    row(
        "  after one namespace's plan changed, incremental",
        best(lambda: combined.combine_build(changed, default=default, previous=built)),
        whole,
    )


async def synchroniser_figures() -> None:
    print(f"{'synchroniser pass: 1,000 selector gateways, 10,000 instances':66} {'seconds':>8} {'ratio':>8}")
    artifacts = memory.MemoryStore()
    driver = FakeDriver()
    driver.others = core.instances()
    selector_gateways = core.gateways()
    for item in selector_gateways:
        await artifacts.put(NAMESPACE, "gateways", item.name or "", dsl.to_data(item), revision=0)
    synchroniser = gateways.GatewaySynchroniser(artifacts, driver, events.Events(artifacts), resync=60)

    async def fresh(_: int) -> None:
        nonlocal synchroniser
        synchroniser = gateways.GatewaySynchroniser(artifacts, driver, events.Events(artifacts), resync=60)

    async def one_instance(number: int) -> None:
        driver.others[5] = driver.others[5].model_copy(update={"ip": f"10.9.9.{number}"})

    async def one_weight(number: int) -> None:
        stored = await artifacts.get(NAMESPACE, "gateways", "app-500")
        assert stored is not None
        found = dsl.read_data(dict(stored.data), kind="gateways")[0]
        assert isinstance(found, model.Gateway)
        first, second, *_ = found.routes
        moved = 100 + number % 2 * 100
        routes = {
            **found.routes,
            first: found.routes[first].model_copy(update={"weight": Percentage(1000 - moved)}),
            second: found.routes[second].model_copy(update={"weight": Percentage(1000 + moved)}),
        }
        data = dsl.to_data(found.model_copy(update={"routes": routes}))
        await artifacts.put(NAMESPACE, "gateways", "app-500", data, revision=stored.revision)

    async def nothing(_: int) -> None:
        return None

    async def run() -> None:
        await synchroniser.synchronise(NAMESPACE)

    first = await best_async(fresh, run)
    row("first pass, everything compiled (baseline)", first)
    await run()
    row("  after one instance changed", await best_async(one_instance, run), first)
    row("  after one gateway's weight changed", await best_async(one_weight, run), first)
    row("  after nothing changed", await best_async(nothing, run), first)
    instances = await driver.instances()
    plan = synchroniser.plans(NAMESPACE).current()
    whole = compile_plan(selector_gateways, instances, namespace=NAMESPACE)
    if plan is None or len(plan.clusters) != len(whole.clusters) or plan.problems:
        raise SystemExit(f"unexpected plan: {plan and len(plan.clusters)} clusters, {plan and plan.problems}")
    row(
        "  whole compile_plan of these gateways and instances alone",
        best(lambda: compile_plan(selector_gateways, instances, namespace=NAMESPACE)),
        first,
    )


def main() -> None:
    compile_figures()
    combined_figures()
    asyncio.run(synchroniser_figures())


if __name__ == "__main__":
    main()
