"""Benchmark of the pure core: reading documents and compiling routing plans.

Prints, in one run on this machine:

* DSL parse + validate of 1,000 blueprints (target < 2 s), side by side with the bare YAML parse of the
  same text (the floor any reader pays), and their ratio;
* routing-plan compile for 1,000 selector gateways × 10 routes over 10,000 instances (target < 1 s),
  side by side with a naive compile that evaluates every selector against every instance (measured on a
  sample of gateways and scaled), and their ratio.

Each figure is the best of several rounds, so a busy machine shows less noise. Run: ``make bench`` or
``.venv/bin/python bench/core.py``. Benchmarks are never tests.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

import yaml

from vamp.core import dsl, model, selector
from vamp.core.routing.compile import compile_plan
from vamp.core.units import Percentage

BLUEPRINTS = 1_000
GATEWAYS = 1_000
VERSIONS = 10
ROUNDS = 3
NAIVE_SAMPLE = 20


def blueprint(index: int) -> str:
    """A sava-like blueprint: one cluster, two services with scales and variables, an external gateway."""
    return f"""\
name: shop-{index}:1.0
kind: blueprints
gateways:
  {10_000 + index}/http: web/webport
environment_variables:
  web.JVM_HEAP: 800
clusters:
  web:
    services:
      - breed:
          name: web-{index}:1.0.0
          deployable: magneticio/sava:1.0.0
          ports: {{webport: 8080/http}}
          environment_variables: {{JVM_HEAP: 512, DEBUG: "false"}}
        scale: {{cpu: 0.2, memory: 64MB, instances: 2}}
      - breed:
          name: web-{index}:1.1.0
          deployable: magneticio/sava:1.1.0
          ports: {{webport: 8080/http}}
          environment_variables: {{JVM_HEAP: 512}}
        scale: {{cpu: 0.2, memory: 64MB, instances: 1}}
    gateways:
      webport:
        sticky: route
        routes:
          web-{index}:1.0.0: {{weight: 90%}}
          web-{index}:1.1.0: {{weight: 10%, condition: user-agent == Firefox, condition_strength: 50%}}
"""


def instances() -> list[model.ObservedInstance]:
    """10,000 instances: 1,000 apps × 10 versions in 10 namespaces, one port each."""
    return [
        model.ObservedInstance(
            name=f"app-{app}-{version}",
            ip=f"10.{app // 250}.{app % 250}.{version + 1}",
            ports=(model.ObservedPort(number=8080, name="web"),),
            namespace=f"team-{app % 10}",
            labels={"app": f"app-{app}", "version": f"1.{version}.0"},
        )
        for app in range(GATEWAYS)
        for version in range(VERSIONS)
    ]


def gateways() -> list[model.Gateway]:
    """1,000 selector gateways whose 10 routes are already stored with weights, one with a condition."""
    stored = {
        f"(1.{version}.0)": model.Route(
            weight=Percentage(10_000 // VERSIONS),
            condition=model.Condition(definition="header x-canary == yes") if version == 9 else None,
        )
        for version in range(VERSIONS)
    }
    return [
        model.Gateway(
            name=f"app-{app}",
            port=model.GatewayPort(number=30_000 + app),
            selector=f"label(app)(app-{app}) && label(version)((.*))",
            routes=dict(stored),
        )
        for app in range(GATEWAYS)
    ]


def best(run: Callable[[], object]) -> float:
    """The fastest of ``ROUNDS`` runs, in seconds, with the collector settled first."""
    times = []
    for _ in range(ROUNDS):
        gc.collect()
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def naive_selection(gateway_list: list[model.Gateway], found: list[model.ObservedInstance]) -> int:
    """Every selector against every instance: what an index-free compiler would do."""
    matched = 0
    for gateway in gateway_list:
        parsed = selector.parse(gateway.selector or "true")
        for instance in found:
            for position in range(len(instance.ports)):
                if parsed.match(instance, position) is not None:
                    matched += 1
    return matched


def main() -> None:
    text = "---\n".join(blueprint(index) for index in range(BLUEPRINTS))
    read = dsl.read(text)
    if len(read) != BLUEPRINTS:
        raise SystemExit(f"read {len(read)} blueprints, not {BLUEPRINTS}")
    yaml_time = best(lambda: list(yaml.load_all(text, Loader=yaml.CSafeLoader)))
    dsl_time = best(lambda: dsl.read(text))

    found = instances()
    gateway_list = gateways()
    plan = compile_plan(gateway_list, found, shared_port=80)
    clusters = len(plan.clusters)
    if clusters != GATEWAYS * VERSIONS or plan.problems:
        raise SystemExit(f"unexpected plan: {clusters} clusters, problems {plan.problems[:3]}")
    compile_time = best(lambda: compile_plan(gateway_list, found, shared_port=80))
    naive_time = best(lambda: naive_selection(gateway_list[:NAIVE_SAMPLE], found)) * GATEWAYS / NAIVE_SAMPLE

    print(f"{'measure':58} {'seconds':>8} {'target':>8}")
    print(f"{'DSL parse + validate, 1,000 blueprints':58} {dsl_time:8.3f} {'< 2':>8}")
    print(f"{'  bare YAML parse of the same text (baseline)':58} {yaml_time:8.3f}")
    print(f"{'  ratio DSL / bare YAML':58} {dsl_time / yaml_time:8.2f}")
    print(f"{'plan compile, 1,000 gateways x 10 routes, 10,000 instances':58} {compile_time:8.3f} {'< 1':>8}")
    print(f"{'  naive selector evaluation alone (baseline, scaled)':58} {naive_time:8.3f}")
    print(f"{'  ratio compile / naive selection':58} {compile_time / naive_time:8.2f}")
    print(f"plan: {len(plan.listeners)} listeners, {clusters} clusters, version {plan.version}")


if __name__ == "__main__":
    main()
