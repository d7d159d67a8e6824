"""A plan built incrementally equals the plan compiled whole, after any sequence of changes.

``compile_build`` reuses each gateway's compiled part while what it is compiled from is unchanged; this
is the contract that makes that safe. A world of gateways (external, service, chained, stored-route,
selector and route-selector routes, stored conditions and rewrites, virtual hosts, clashing ports) and
instances is changed step by step at random — weights, a gateway added or removed, a route's targets, a
port, a referenced condition, route or rewrite, an instance's readiness, address or labels — and after
every step the plan built from the previous build must equal ``compile_plan`` of the same inputs,
version included.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.core.routing.build import instance
from vamp.core import model
from vamp.core.routing.compile import SHARED_LISTENER, PlanBuild, compile_build, compile_plan
from vamp.core.units import Percentage

PATHS = (
    "[10.0.0.1:80]",
    "[10.0.0.2:80]",
    "shop/web/s0/web",
    "shop/web/s1/web",
    "shop/web/s2/web",
    "g0",
    "g1",
    "g2",
    "bad path/x",
)
CONDITIONS = ("user-agent == Firefox", "has cookie beta", "false", "not (", "")
REWRITES = ("/ if path == /old", "/v2 if path == /v1", "not a rewrite")
SELECTORS = (
    "label(app)(a0) && label(version)((.*))",
    "label(app)((a.*)) && label(version)((.*))",
    "label(version)(1)",
    "label(app)(",
)


@dataclass
class World:
    """Everything a plan is compiled from, changed in place by ``apply``."""

    gateways: dict[str, model.Gateway] = field(default_factory=dict)
    instances: list[model.ObservedInstance] = field(default_factory=list)
    routes: dict[str, model.Route] = field(default_factory=dict)
    conditions: dict[str, model.Condition] = field(default_factory=dict)
    rewrites: dict[str, model.Rewrite] = field(default_factory=dict)

    def build(self, previous: PlanBuild | None) -> PlanBuild:
        return compile_build(
            self.gateways.values(),
            self.instances,
            previous=previous,
            routes=self.routes,
            conditions=self.conditions,
            rewrites=self.rewrites,
            namespace="default",
        )

    def whole(self) -> object:
        return compile_plan(
            self.gateways.values(),
            self.instances,
            routes=self.routes,
            conditions=self.conditions,
            rewrites=self.rewrites,
            namespace="default",
        )


def weights(count: int, seed: int) -> list[Percentage | None]:
    """Weights of ``count`` routes that total 100 % (or none given, every few seeds)."""
    if seed % 5 == 0 or count == 0:
        return [None] * count
    first = seed % 101 if count > 1 else 100
    rest = [(100 - first) // max(count - 1, 1)] * (count - 1)
    if rest:
        rest[0] += 100 - first - sum(rest)
    return [Percentage(weight * 100) for weight in (first, *rest)]


def route(seed: int, weight: Percentage | None) -> model.Route | model.Ref:
    """A route: plain, with an inline or stored condition, stored rewrites, a selector, or a reference."""
    kind = seed % 7
    if kind == 1:
        return model.Route(weight=weight, condition=model.Ref(name=f"c{seed % 3}"))
    if kind == 2:
        return model.Route(weight=weight, condition=model.Condition(definition=CONDITIONS[seed % 5]))
    if kind == 3:
        return model.Route(weight=weight, rewrites=(model.Ref(name=f"w{seed % 2}"),), balance="source")
    if kind == 4:
        return model.Ref(name=f"r{seed % 2}")
    if kind == 5:
        return model.Route(weight=weight, selector=SELECTORS[seed % 3])
    return model.Route(weight=weight)


def gateway(name: str, seed: int, port: int | None) -> model.Gateway:
    count = 1 + seed % 3
    chosen = [PATHS[(seed + step * 4) % len(PATHS)] for step in range(count)]
    paths = list(dict.fromkeys(path for path in chosen if path != name))
    if seed % 4 == 3:
        paths = [f"p{index}" for index in range(len(paths))]  # route selectors need one-segment paths
    given = weights(len(paths), seed)
    routes = {
        path: route(seed + index, weight)
        for index, (path, weight) in enumerate(zip(paths, given, strict=True))
    }
    return model.Gateway(
        name=name,
        port=model.GatewayPort(number=port),
        routes=routes,
        selector=SELECTORS[seed % 4] if seed % 6 == 5 else None,
        virtual_hosts=(f"h{seed % 3}.example",) if seed % 2 else (),
    )


def service_instance(number: int, seed: int) -> model.ObservedInstance:
    return instance(
        f"i{number}",
        f"10.1.{seed % 5}.{number}",
        {"web": 8000 + number},
        service=f"shop/web/s{number % 3}",
        ready=seed % 4 != 0,
        labels={"app": f"a{seed % 2}", "version": str(seed % 3)},
    )


def start() -> World:
    world = World(
        routes={"r0": model.Route(weight=None), "r1": model.Route(balance="uri")},
        conditions={
            "c0": model.Condition(definition="user-agent == Chrome"),
            "c1": model.Condition(definition="false"),
        },
        rewrites={"w0": model.Rewrite(path="/ if path == /old")},
    )
    for number in range(4):
        world.gateways[f"g{number}"] = gateway(f"g{number}", number * 7 + 1, 9000 + number)
    world.instances = [service_instance(number, number * 3 + 1) for number in range(6)]
    return world


def apply(world: World, change: tuple[int, int, int]) -> None:
    """One change: ``kind`` picks what changes, ``which`` which one, ``seed`` how."""
    kind, which, seed = change
    names = sorted(world.gateways)
    target = names[which % len(names)] if names else None
    if kind == 0 and target is not None:  # weights
        current = world.gateways[target]
        given = weights(len(current.routes), seed)
        routes = {
            path: item.model_copy(update={"weight": weight}) if isinstance(item, model.Route) else item
            for (path, item), weight in zip(current.routes.items(), given, strict=True)
        }
        world.gateways[target] = current.model_copy(update={"routes": routes})
    elif kind == 1:  # a gateway added (its port may clash), or given anew
        name = f"g{which % 6}"
        world.gateways[name] = gateway(name, seed, None if seed % 5 == 0 else 9000 + seed % 7)
    elif kind == 2 and target is not None:  # a gateway removed
        del world.gateways[target]
    elif kind == 3 and target is not None:  # a route's targets changed, or its port
        current = world.gateways[target]
        if seed % 2:
            world.gateways[target] = current.model_copy(
                update={"port": model.GatewayPort(number=9000 + seed % 9)}
            )
        elif current.routes:
            path, item = next(iter(current.routes.items()))
            routes = {
                PATHS[seed % len(PATHS)]: item,
                **{p: r for p, r in current.routes.items() if p != path},
            }
            world.gateways[target] = current.model_copy(update={"routes": routes})
    elif kind == 4:  # a referenced condition changed, added or removed
        name = f"c{which % 3}"
        if seed % 4 == 0:
            world.conditions.pop(name, None)
        else:
            world.conditions[name] = model.Condition(definition=CONDITIONS[seed % len(CONDITIONS)])
    elif kind == 5:  # a referenced route or rewrite changed
        if seed % 2:
            world.routes[f"r{which % 2}"] = model.Route(
                balance=("source", "uri", None)[seed % 3], condition=model.Ref(name=f"c{seed % 3}")
            )
        else:
            world.rewrites[f"w{which % 2}"] = model.Rewrite(path=REWRITES[seed % len(REWRITES)])
    elif kind == 6 and world.instances:  # an instance changed: ready, address, labels
        position = which % len(world.instances)
        world.instances[position] = service_instance(position, seed)
    elif kind == 7:  # an instance added or removed
        if seed % 2 and world.instances:
            world.instances.pop(which % len(world.instances))
        else:
            world.instances.append(service_instance(len(world.instances), seed))


changes = st.lists(st.tuples(st.integers(0, 7), st.integers(0, 20), st.integers(0, 1000)), max_size=12)


@settings(max_examples=150, deadline=None)
@given(changes)
def test_the_plan_built_incrementally_equals_the_plan_compiled_whole(steps):
    world = start()
    build = world.build(None)
    assert build.plan == world.whole()
    for step in steps:
        apply(world, step)
        build = world.build(build)
        assert build.plan == world.whole()


def test_a_weight_change_recompiles_only_that_gateway():
    world = start()
    world.gateways = {name: split(name, 9100 + number, 50) for number, name in enumerate(("a", "b", "c"))}
    first = world.build(None)
    world.gateways["b"] = split("b", 9101, 90)

    second = world.build(first)

    assert second.plan == world.whole()
    assert second.plan.version != first.plan.version
    assert {name for name, part in second.parts.items() if part is not first.parts[name]} == {"b"}


def test_an_instance_change_recompiles_only_the_gateways_routing_to_it():
    world = start()
    world.gateways = {
        "to-s0": gateway_to("to-s0", "shop/web/s0/web", 9100),
        "to-s1": gateway_to("to-s1", "shop/web/s1/web", 9101),
        "outside": gateway_to("outside", "[10.9.9.9:80]", 9102),
    }
    first = world.build(None)
    world.instances[4] = world.instances[4].model_copy(update={"ip": "10.7.7.7"})  # i4: ready, of s1

    second = world.build(first)

    assert second.plan == world.whole()
    assert second.plan.version != first.plan.version
    assert {name for name, part in second.parts.items() if part is not first.parts[name]} == {"to-s1"}


def split(name: str, port: int, first: int) -> model.Gateway:
    routes = {
        "[10.0.0.1:80]": model.Route(weight=Percentage(first * 100)),
        "[10.0.0.2:80]": model.Route(weight=Percentage((100 - first) * 100)),
    }
    return model.Gateway(name=name, port=model.GatewayPort(number=port), routes=routes)


def gateway_to(name: str, path: str, port: int) -> model.Gateway:
    return model.Gateway(name=name, port=model.GatewayPort(number=port), routes={path: model.Route()})


def test_the_version_hashes_the_canonical_text_of_the_whole_plan():
    world = start()
    world.gateways["g4"] = gateway("g4", 11, None)  # on the shared listener only
    compiled = world.build(None).plan
    content = {key: value for key, value in compiled.to_data().items() if key != "version"}

    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    assert compiled.version == hashlib.sha256(canonical.encode()).hexdigest()[:16]
    assert any(listener.name == SHARED_LISTENER for listener in compiled.listeners)
