"""The instances as one namespace's gateways see them, worked out once per set of instances.

Selectors see every instance, but route paths (``deployment/cluster/service/port``) name services of
the gateway's own namespace only: instances of other namespaces lose their deployment, cluster and
service, so a deployment of the same name elsewhere is never routed to by path.

One change the driver reports wakes the gateway pass of every namespace, and each asks this of the same
instances (the driver hands out one tuple until an instance changes). So the view is worked out once per
tuple: which instances have a route path, per namespace, and their copies without it; and a copy is
made once per instance, kept while the driver reports that very instance. A namespace's view is then
those copies with its own instances put back; when no other namespace's instance has a path, it is the
tuple itself. Either way ``selector.Index.of`` finds it indexed already: selectors do not see route
paths, so a view shares the tables of the tuple it came from (``selector.Index.remember``). Values
only: what is remembered never changes an answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from vamp.core import model, selector

_NO_PATH = {"deployment": None, "cluster": None, "service": None}


def addressable(
    instances: Iterable[model.ObservedInstance], namespace: str
) -> tuple[model.ObservedInstance, ...]:
    """The instances as the gateways of ``namespace`` see them: others' without their route paths."""
    instances = tuple(instances)
    views = _views_of(instances)
    if views.with_paths.keys() <= {namespace}:
        return instances
    seen = list(views.without_paths)
    for position in views.with_paths.get(namespace, ()):
        seen[position] = instances[position]
    view = tuple(seen)
    selector.Index.remember(view, like=instances)
    return view


@dataclass(frozen=True, slots=True)
class _Views:
    """One tuple of instances, the positions of those with a route path by namespace, and the tuple with
    each of those replaced by its copy without the path."""

    instances: tuple[model.ObservedInstance, ...]
    with_paths: Mapping[str, tuple[int, ...]]
    without_paths: tuple[model.ObservedInstance, ...]


class _Remembered:
    """The last tuple's views, and the copies without paths by instance (the instance held with its copy,
    so that no other instance can take its identity while it is remembered)."""

    __slots__ = ("copies", "views")

    def __init__(self) -> None:
        self.views: _Views | None = None
        self.copies: dict[int, tuple[model.ObservedInstance, model.ObservedInstance]] = {}

    def clear(self) -> None:
        """Forget everything: the next tuple is worked out, and every copy made, anew."""
        self.views, self.copies = None, {}


_REMEMBERED = _Remembered()


def _views_of(instances: tuple[model.ObservedInstance, ...]) -> _Views:
    last = _REMEMBERED.views
    if last is not None and last.instances is instances:
        return last
    known = _REMEMBERED.copies
    copies: dict[int, tuple[model.ObservedInstance, model.ObservedInstance]] = {}
    with_paths: dict[str, list[int]] = {}
    without_paths = list(instances)
    for position, instance in enumerate(instances):
        if instance.deployment is None and instance.cluster is None and instance.service is None:
            continue
        with_paths.setdefault(instance.namespace, []).append(position)
        held = known.get(id(instance))
        copy = held[1] if held is not None and held[0] is instance else instance.model_copy(update=_NO_PATH)
        copies[id(instance)] = (instance, copy)
        without_paths[position] = copy
    views = _Views(
        instances, {name: tuple(found) for name, found in with_paths.items()}, tuple(without_paths)
    )
    _REMEMBERED.copies, _REMEMBERED.views = copies, views
    return views
