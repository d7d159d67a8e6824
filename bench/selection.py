"""Benchmark of selector discovery at scale: 1,000 selector gateways over 10,000 instances in 50 namespaces.

The fleet is what ``bench/k8s_discovery.py --namespaces 50 --apps 1000 --versions 10`` makes: app ``N``
in namespace ``ns{N % 50}``, one pod per version, each a container with labels ``app``, ``version`` and
``pod-template-hash``; the gateways are ``label(app)(appN) && label(version)((.*))``, 20 per namespace,
their routes stored as a first pass left them (``--vamp-deployments``: the pods are Vamp deployments',
so each namespace's view drops the others' route paths). It prints, side by side:

* selection: every gateway's routes and targets (``selector.select``), through a new index of the
  instances (its building counted), against a scan that evaluates every selector on every instance
  (measured on a sample of gateways and scaled) — and their ratio;
* one gateway synchroniser decide step (``reconcile.gateways.synchronise`` then ``compile_plan`` over the
  instances as the namespace sees them, as ``GatewaySynchroniser`` runs them) after one instance changed
  (a pod of a new version replaced one: a new tuple of instances, its gateway gains a route at 0 %),
  against the same step with nothing changed (the instances already indexed); and the passes of all
  namespaces that one driver change wakes, one after the other.

Each figure is the best of several rounds, so a busy machine shows less noise; the load average is
printed with them. Only public functions are called, so ``PYTHONPATH=<other checkout>/src`` measures
another version of the code the same way. Run: ``.venv/bin/python -m bench.selection`` (``--help`` for
the scale). Benchmarks are never tests.
"""

from __future__ import annotations

import argparse
import gc
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from vamp.core import model, selector
from vamp.core.reconcile import gateways as decisions
from vamp.core.routing import compile

ROUNDS = 3
SCAN_SAMPLE = 20


class Scan(selector.Index):
    """The baseline: an index that narrows nothing, so every selector is evaluated on every instance."""

    __slots__ = ()

    def candidates(
        self, root: selector.syntax.Node, namespace: str | None = None
    ) -> tuple[model.ObservedInstance, ...]:
        return self.instances


@dataclass(frozen=True, slots=True)
class Fleet:
    """The instances, the gateways of each namespace as stored after a first pass, and the scale."""

    instances: tuple[model.ObservedInstance, ...]
    stored: dict[str, list[model.Gateway]]
    namespaces: int
    apps: int
    versions: int
    vamp: bool


def pod(app: int, version: int, namespaces: int, vamp: bool) -> model.ObservedInstance:
    paths = {"deployment": f"app{app}", "cluster": "web", "service": f"app{app}-v{version}"} if vamp else {}
    return model.ObservedInstance(
        name=f"app{app}-v{version}-{app:05d}{version:03d}",
        ip=f"10.{app // 250}.{app % 250}.{version + 1}",
        ports=(model.ObservedPort(number=8080, name="web"),),
        namespace=f"ns{app % namespaces}",
        image="registry.local/app:1.0",
        labels={"app": f"app{app}", "version": f"v{version}", "pod-template-hash": f"h{app}x{version}"},
        **paths,
    )


def fleet(namespaces: int, apps: int, versions: int, vamp: bool) -> Fleet:
    instances = tuple(
        pod(app, version, namespaces, vamp) for app in range(apps) for version in range(versions)
    )
    created: dict[str, list[model.Gateway]] = {}
    for app in range(apps):
        created.setdefault(f"ns{app % namespaces}", []).append(
            model.Gateway(name=f"app{app}", selector=f"label(app)(app{app}) && label(version)((.*))")
        )
    stored = {}
    for namespace, gateways in created.items():
        sync = decisions.synchronise(gateways, (), instances, namespace=namespace)
        changed = {gateway.name: gateway for gateway in sync.changed_gateways}
        stored[namespace] = [changed.get(gateway.name, gateway) for gateway in gateways]
    return Fleet(instances, stored, namespaces, apps, versions, vamp)


def best(run: Callable[[], object], prepare: Callable[[], None] = lambda: None) -> float:
    """The fastest of ``ROUNDS`` runs, in seconds, each after ``prepare`` and with the collector settled."""
    times = []
    for _ in range(ROUNDS):
        prepare()
        gc.collect()
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def select_all(
    gateways: Sequence[model.Gateway], index: selector.Index, namespaces: int
) -> list[dict[str, selector.Selection]]:
    """Every gateway's selections over ``index``, in its own namespace."""
    return [
        selector.select(
            selector.parse(gateway.selector or "true"), index, namespace=f"ns{position % namespaces}"
        )
        for position, gateway in enumerate(gateways)
    ]


def decide(found: Fleet, instances: tuple[model.ObservedInstance, ...], namespace: str) -> int:
    """One decide step of a gateway pass over ``namespace``; the plan's cluster count."""
    sync = decisions.synchronise(found.stored[namespace], (), instances, namespace=namespace)
    plan = compile.compile_plan(
        sync.gateways, decisions.addressable(instances, namespace), namespace=namespace
    )
    return len(plan.clusters)


def one_changed(found: Fleet, round_: int) -> tuple[model.ObservedInstance, ...]:
    """The instances with app0's version-1 pod replaced by one of a new version: a new tuple each call."""
    replaced = 1
    new = pod(0, found.versions + round_, found.namespaces, found.vamp).model_copy(
        update={"name": f"app0-new-{round_}"}
    )
    return (*found.instances[:replaced], new, *found.instances[replaced + 1 :])


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--namespaces", type=int, default=50)
    arguments.add_argument("--apps", type=int, default=1_000, help="apps, and so selector gateways")
    arguments.add_argument("--versions", type=int, default=10, help="versions (one pod each) per app")
    arguments.add_argument(
        "--vamp-deployments",
        action="store_true",
        help="the pods are Vamp deployments' (with route paths, which other namespaces' views drop)",
    )
    scale = arguments.parse_args()
    found = fleet(scale.namespaces, scale.apps, scale.versions, scale.vamp_deployments)
    gateways = [gateway for stored in found.stored.values() for gateway in stored]
    instances = found.instances

    routes = sum(map(len, select_all(gateways, selector.Index(instances), found.namespaces)))
    if routes != scale.apps * scale.versions:
        raise SystemExit(f"selected {routes} routes, not {scale.apps * scale.versions}")
    sample = gateways[:SCAN_SAMPLE]
    if select_all(sample, Scan(instances), found.namespaces) != select_all(
        sample, selector.Index(instances), found.namespaces
    ):
        raise SystemExit("the scan and the index select differently")
    indexed = best(lambda: select_all(gateways, selector.Index(instances), found.namespaces))
    scan = best(lambda: select_all(sample, Scan(instances), found.namespaces)) * len(gateways) / len(sample)

    namespace = "ns0"
    decide(found, instances, namespace)  # indexed: the step with nothing changed finds it so
    unchanged = best(lambda: decide(found, instances, namespace))
    changes = iter(range(1, 1_000_000))
    current: list[tuple[model.ObservedInstance, ...]] = []

    def change() -> None:
        current[:] = [one_changed(found, next(changes))]

    after_change = best(lambda: decide(found, current[0], namespace), prepare=change)
    clusters = decide(found, current[0], namespace)
    every = [f"ns{n}" for n in range(found.namespaces)]
    woken = best(lambda: [decide(found, current[0], each) for each in every], prepare=change)

    size = f"{len(gateways):,} gateways x {len(instances):,} instances, {found.namespaces} namespaces"
    if found.vamp:
        size += ", of Vamp deployments"
    load = ", ".join(f"{figure:.2f}" for figure in os.getloadavg())
    print(f"{size}; load average {load}")
    print(f"{'measure':64} {'seconds':>9}")
    print(f"{'selection, every gateway, through a new index':64} {indexed:9.3f}")
    print(f"{f'  scan: every selector on every instance (baseline, {SCAN_SAMPLE} scaled)':64} {scan:9.3f}")
    print(f"{'  ratio index / scan':64} {indexed / scan:9.4f}")
    step = f"decide step of {namespace} ({clusters} clusters) after one instance changed"
    print(f"{step:64} {after_change:9.3f}")
    print(f"{'  the same with nothing changed (baseline)':64} {unchanged:9.3f}")
    print(f"{'  ratio changed / unchanged':64} {after_change / unchanged:9.2f}")
    print(
        f"{f'decide steps of all {found.namespaces} namespaces after one instance changed':64} {woken:9.3f}"
    )


if __name__ == "__main__":
    main()
