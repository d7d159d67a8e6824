"""Selecting: from a selector and the observed instances to routes and their targets (vamp.md §1.10).

Every matching (instance, port) becomes a ``Target``. Targets are grouped by their group values, and
each group is one route, named ``(g1),(g2)`` after the sorted values (``()`` when there are none), or by
the SHA-1 of that text when it is not a valid Vamp name (it holds a ``/``, a space, a bracket…).
``merge`` then folds the routes into a gateway's existing ones.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from vamp.core import model
from vamp.core.selector.index import Index
from vamp.core.selector.selector import Selector


@dataclass(frozen=True, slots=True, order=True)
class Target:
    """One port of one instance that takes a route's traffic: ``host:port``."""

    instance: str
    host: str
    port: int


@dataclass(frozen=True, slots=True)
class Selection:
    """The route one group of values becomes: its name, the sorted values and the sorted targets."""

    route: str
    groups: tuple[str, ...]
    targets: tuple[Target, ...]


def route_name(groups: Sequence[str]) -> str:
    """The route for these group values: ``(1.0.3)``, ``(a),(b)``, ``()``; a SHA-1 when not a valid name."""
    rendered = ",".join(f"({group})" for group in sorted(groups)) or "()"
    if model.name_problem(rendered) is None:
        return rendered
    return hashlib.sha1(rendered.encode("utf-8", "surrogatepass"), usedforsecurity=False).hexdigest()


def select(selector: Selector, index: Index, *, namespace: str | None = None) -> dict[str, Selection]:
    """The routes ``selector`` yields over the instances of ``index``, by route name.

    Args:
        selector: the gateway's selector (already combined with the global one, see ``and_``).
        index: the observed instances.
        namespace: the current namespace, for ``namespace($namespace)``.

    The index keeps the answer: the same selector and namespace over it again are looked up.
    """
    key = (selector.root, namespace)
    found = index.selected.get(key)
    if found is None:
        found = index.selected[key] = _selected(selector, index, namespace)
    return dict(found)


def _selected(selector: Selector, index: Index, namespace: str | None) -> dict[str, Selection]:
    targets: defaultdict[tuple[str, ...], set[Target]] = defaultdict(set)
    for instance in index.candidates(selector.root, namespace):
        for position, port in enumerate(instance.ports):
            groups = selector.match(instance, position, namespace=namespace)
            if groups is not None:
                targets[groups].add(Target(instance.name, instance.ip, port.number))
    routes: dict[str, Selection] = {}
    for groups in sorted(targets):
        route = route_name(groups)
        # Different values can render alike (a group value "" and no group both give "()"): one route.
        earlier = routes.get(route)
        if earlier is not None:
            routes[route] = Selection(
                route, earlier.groups, tuple(sorted(targets[groups].union(earlier.targets)))
            )
        else:
            routes[route] = Selection(route, groups, tuple(sorted(targets[groups])))
    return dict(sorted(routes.items()))
