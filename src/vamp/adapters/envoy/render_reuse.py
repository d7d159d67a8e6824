"""Rendering plan after plan, incrementally: only the plan nodes that are not the very same objects as in
the last plan rendered are rendered again, and the snapshot is patched where they stand.

The agent reads each plan with ``plan_reading.PlanReader``, which gives the listeners and target clusters
that did not change as the very objects of the last plan. ``Reuse`` keeps, for each plan listener and
target cluster of the last rendering, what its Envoy resources were made from and the resources (its
``Made``), and the snapshot's resources kind by kind, in order, with where each node's start.

* A plan whose listeners and target clusters are those of the last plan, in the same places, save for
  some replaced by new objects of the same name, is rendered by its changes: the new nodes, and the nodes
  whose resources depend on them (the listeners routing to a changed target cluster, a target cluster
  that a changed listener makes sticky to an instance or no longer, a listener a changed target cluster
  chains to or no longer). Finding them is a pass over identities in C; only they are rendered, and each
  kind's resources are patched in place. A weight change on one gateway of 1,000 renders one route
  configuration, whatever the size of the plan.
* Any other plan (gateways added, removed or moved, a change in the number of resources of a node) is
  rendered whole, node by node, but a node that is the same object, or equal by value, with the same
  context as before takes its resources again as they were.

Either way a node's resources are taken again only when they were made from equal parts, so a plan
rendered with reuse is the plan rendered whole; and the unchanged resources are the very same
dictionaries, which ``xds_resources.Converter`` knows by identity. The state changes only once a plan
rendered without error: a plan the renderer refuses leaves it as the last plan rendered left it.
Not safe to share between threads; the rendered dictionaries must not be changed by their users.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any

from vamp.adapters.envoy import files as envoy_files
from vamp.adapters.envoy import render_checks, render_parts
from vamp.adapters.envoy.render_parts import GETTERS, KINDS, JsonObject, Maker, Rendered
from vamp.core.routing import plan
from vamp.core.routing.plan import Origin


class Reuse:
    """The last rendering, for the next one to take again what did not change (module docstring)."""

    def __init__(self) -> None:
        self._place: object = None
        self._state = render_parts.State()
        self.checks = render_checks.Checks()
        """The checks of the plans rendered, by their changes too."""

    def render(
        self,
        place: object,
        routing: plan.RoutingPlan,
        maker: Callable[[Mapping[str, plan.TargetCluster]], Maker],
        sticky_of: Callable[[plan.Listener], frozenset[str]],
        named_of: Callable[[plan.Listener], tuple[str, ...]],
    ) -> Rendered:
        """``routing`` rendered by what ``maker`` makes (given the target clusters by name), in ``place``
        (the layout and options: another place renders everything anew)."""
        if place != self._place:
            self._place, self._state = place, render_parts.State()
        state = self._state
        listener_ids = render_checks.identities(routing.listeners)
        target_ids = render_checks.identities(routing.clusters)
        last = state.rendered
        if last is not None and listener_ids == state.listener_ids and target_ids == state.target_ids:
            if last.snapshot.version != routing.version:
                last = replace(last, snapshot=replace(last.snapshot, version=routing.version))
                state.rendered = last
            return last
        done = None
        if last is not None:
            done = _Changes(state, routing, listener_ids, target_ids, maker, sticky_of, named_of).render()
        if done is None:
            done = _whole(state, routing, listener_ids, target_ids, maker, sticky_of, named_of)
        self._state = done
        assert done.rendered is not None
        return done.rendered


class _Changes:
    """A plan rendered by its changes from the last one, if it is the last plan with some nodes replaced
    in place (``render`` gives ``None`` otherwise). Nothing of the last state changes until it is done:
    the new state shares what did not change and copies what did."""

    def __init__(
        self,
        state: render_parts.State,
        routing: plan.RoutingPlan,
        listener_ids: list[int],
        target_ids: list[int],
        maker: Callable[[Mapping[str, plan.TargetCluster]], Maker],
        sticky_of: Callable[[plan.Listener], frozenset[str]],
        named_of: Callable[[plan.Listener], tuple[str, ...]],
    ) -> None:
        self.state, self.routing = state, routing
        self.listener_ids, self.target_ids = listener_ids, target_ids
        self.maker, self.sticky_of, self.named_of = maker, sticky_of, named_of

    def render(self) -> render_parts.State | None:
        state, routing = self.state, self.routing
        listeners = _replaced(routing.listeners, self.listener_ids, state.listener_ids, state.listeners)
        targets = _replaced(routing.clusters, self.target_ids, state.target_ids, state.targets)
        if listeners is None or targets is None:
            return None
        sticky, chaining = Counter[str](), Counter[str]()
        namers: dict[str, set[str]] = {}
        new_nodes: dict[str, render_parts.Node] = {}
        renew_targets = {target.name for target in targets}
        renew_listeners = {listener.name for listener in listeners}
        for listener in listeners:
            old = state.listeners[listener.name]
            made_sticky = self.sticky_of(listener)
            named = self.named_of(listener)
            sticky.subtract(old.sticky)
            sticky.update(made_sticky)
            for name in set(old.named) ^ set(named):
                namers.setdefault(name, set(state.namers.get(name, ()))).symmetric_difference_update(
                    {listener.name}
                )
            new_nodes["L:" + listener.name] = render_parts.Node(listener, old.made, named, made_sticky)
        for target in targets:
            old_target = state.targets[target.name].node
            assert isinstance(old_target, plan.TargetCluster)
            if old_target.gateway:
                chaining[old_target.gateway] -= 1
            if target.gateway:
                chaining[target.gateway] += 1
            renew_listeners.update(state.namers.get(target.name, ()))
        for name, change in sticky.items():
            if change and (state.sticky[name] > 0) != (state.sticky[name] + change > 0):
                renew_targets.add(name)
        for name, change in chaining.items():
            flips = change and (state.chaining[name] > 0) != (state.chaining[name] + change > 0)
            if flips and name in state.listeners:
                renew_listeners.add(name)
        by_name = state.by_name
        if targets:
            by_name = {**by_name, **{target.name: target for target in targets}}
        all_sticky = _applied(state.sticky, sticky)
        all_chaining = _applied(state.chaining, chaining)
        make = self.maker(by_name)
        flat = list(state.flat)
        patched: dict[int, list[tuple[int, tuple[JsonObject, ...]]]] = {}
        origins_changed = gateways_changed = False
        for name in sorted(renew_listeners):
            node = new_nodes.get("L:" + name) or state.listeners[name]
            listener = node.node
            assert isinstance(listener, plan.Listener)
            named_targets = tuple(map(by_name.get, node.named))
            internal_too = all_chaining.get(name, 0) > 0
            made = make.listener(listener, named_targets, internal_too=internal_too, last=node.made)
            new_nodes["L:" + name] = render_parts.Node(listener, made, node.named, node.sticky)
        for name in sorted(renew_targets):
            target = by_name.get(name)
            if target is None:
                continue
            chained = bool(target.gateway) and target.gateway in state.listeners
            made = make.target(
                target,
                chained=chained,
                sticky_instance=all_sticky.get(name, 0) > 0,
                last=state.targets[name].made,
            )
            new_nodes["T:" + name] = render_parts.Node(target, made)
        for key, node in new_nodes.items():
            old_made = (state.listeners if key[0] == "L" else state.targets)[key[2:]].made
            if node.made.parts is old_made.parts:
                continue
            where = state.place[key]
            for kind, getter in enumerate(GETTERS):
                before, after = getter(old_made.parts), getter(node.made.parts)
                if len(before) != len(after):
                    return None  # the places of the resources change: rendered whole instead
                if any(map(_differ, before, after)):
                    patched.setdefault(kind, []).append((state.starts[kind][where], after))
            origins_changed |= old_made.parts.origins != node.made.parts.origins
            gateways_changed |= old_made.parts.gateways != node.made.parts.gateways
        for kind, patches in patched.items():
            flat[kind] = list(flat[kind])
            for start, items in patches:
                flat[kind][start : start + len(items)] = items
        changed_listeners = {k[2:]: n for k, n in new_nodes.items() if k[0] == "L"}
        changed_targets = {k[2:]: n for k, n in new_nodes.items() if k[0] == "T"}
        last = state.rendered
        assert last is not None
        snapshot = envoy_files.Snapshot(
            routing.version,
            *(
                tuple(flat[kind]) if kind in patched else getattr(last.snapshot, name)
                for kind, name in enumerate(KINDS)
            ),
        )
        clusters, gateways = last.clusters, last.listeners
        if origins_changed or gateways_changed:
            nodes = (
                {**state.listeners, **changed_listeners}.values(),
                {
                    **state.targets,
                    **changed_targets,
                }.values(),
            )
            clusters, gateways = _maps(itertools.chain(*nodes))
        return render_parts.State(
            listeners={**state.listeners, **changed_listeners} if changed_listeners else state.listeners,
            targets={**state.targets, **changed_targets} if changed_targets else state.targets,
            listener_ids=self.listener_ids,
            target_ids=self.target_ids,
            nodes=(routing.listeners, routing.clusters),
            by_name=by_name,
            place=state.place,
            starts=state.starts,
            flat=tuple(flat),
            sticky=all_sticky,
            chaining=all_chaining,
            namers={**state.namers, **namers} if namers else state.namers,
            rendered=Rendered(snapshot, clusters, gateways),
        )


def _differ(before: object, after: object) -> bool:
    return before is not after


def _replaced(
    nodes: tuple[Any, ...], ids: list[int], last_ids: list[int], last: Mapping[str, render_parts.Node]
) -> list[Any] | None:
    """The nodes of ``nodes`` that are new objects in the places of last ones of the same name; ``None``
    if ``nodes`` is not the last nodes with some of them replaced so."""
    if ids == last_ids:
        return []
    if len(ids) != len(last_ids):
        return None
    fresh = set(ids).difference(last_ids)
    if not fresh:
        return None
    place = dict(zip(ids, range(len(ids)), strict=True))
    patched = list(last_ids)
    replaced = []
    for key in fresh:
        index = place[key]
        node = nodes[index]
        old = last.get(node.name)
        if old is None or id(old.node) != last_ids[index]:
            return None
        patched[index] = key
        replaced.append(node)
    return replaced if patched == ids else None


def _applied(counts: Counter[str], changes: Counter[str]) -> Counter[str]:
    """``counts`` with ``changes`` added (a copy when there are any)."""
    if not any(changes.values()):
        return counts
    result = counts.copy()
    for name, change in changes.items():
        result[name] += change
        if result[name] <= 0:
            del result[name]
    return result


def _whole(
    state: render_parts.State,
    routing: plan.RoutingPlan,
    listener_ids: list[int],
    target_ids: list[int],
    maker: Callable[[Mapping[str, plan.TargetCluster]], Maker],
    sticky_of: Callable[[plan.Listener], frozenset[str]],
    named_of: Callable[[plan.Listener], tuple[str, ...]],
) -> render_parts.State:
    """``routing`` rendered node by node, each taking its last resources again if they are still right."""
    by_name = {target.name: target for target in routing.clusters}
    listener_names = {listener.name for listener in routing.listeners}
    chaining = Counter(target.gateway for target in routing.clusters if target.gateway)
    make = maker(by_name)
    listeners: dict[str, render_parts.Node] = {}
    sticky: Counter[str] = Counter()
    namers: dict[str, set[str]] = {}
    order: list[render_parts.Node] = []
    place: dict[str, int] = {}
    for listener in routing.listeners:
        old = state.listeners.get(listener.name)
        same = old is not None and old.node is listener
        named = old.named if same and old is not None else named_of(listener)
        made_sticky = old.sticky if same and old is not None else sticky_of(listener)
        sticky.update(made_sticky)
        for name in named:
            namers.setdefault(name, set()).add(listener.name)
        internal_too = chaining[listener.name] > 0
        made = make.listener(
            listener,
            tuple(map(by_name.get, named)),
            internal_too=internal_too,
            last=old.made if old is not None else None,
        )
        node = listeners[listener.name] = render_parts.Node(listener, made, named, made_sticky)
        place["L:" + listener.name] = len(order)
        order.append(node)
    targets: dict[str, render_parts.Node] = {}
    for target in routing.clusters:
        old = state.targets.get(target.name)
        chained = bool(target.gateway) and target.gateway in listener_names
        made = make.target(
            target,
            chained=chained,
            sticky_instance=sticky[target.name] > 0,
            last=old.made if old is not None else None,
        )
        node = targets[target.name] = render_parts.Node(target, made)
        place["T:" + target.name] = len(order)
        order.append(node)
    parts = [node.made.parts for node in order]
    flat = tuple(list(itertools.chain.from_iterable(map(getter, parts))) for getter in GETTERS)
    starts = tuple(
        [0, *itertools.accumulate(map(len, map(getter, parts)))][:-1] if parts else [] for getter in GETTERS
    )
    snapshot = envoy_files.Snapshot(routing.version, *map(tuple, flat))
    clusters, gateways = _maps(order)
    unique = len(listeners) == len(routing.listeners) and len(targets) == len(routing.clusters)
    if not unique:
        # Two nodes of one name: rendered as they are (the conversion refuses the snapshot), kept for none.
        return render_parts.State(rendered=Rendered(snapshot, clusters, gateways))
    return render_parts.State(
        listeners=listeners,
        targets=targets,
        listener_ids=listener_ids,
        target_ids=target_ids,
        nodes=(routing.listeners, routing.clusters),
        by_name=by_name,
        place=place,
        starts=starts,
        flat=flat,
        sticky=+sticky,
        chaining=chaining,
        namers=namers,
        rendered=Rendered(snapshot, clusters, gateways),
    )


def _maps(nodes: Iterable[render_parts.Node]) -> tuple[dict[str, Origin], dict[str, str]]:
    """What each Envoy cluster and listener of ``nodes`` stands for."""
    clusters: dict[str, Origin] = {}
    gateways: dict[str, str] = {}
    for node in nodes:
        clusters.update(node.made.parts.origins)
        gateways.update(node.made.parts.gateways)
    return clusters, gateways
