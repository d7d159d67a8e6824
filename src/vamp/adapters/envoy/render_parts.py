"""What ``render_reuse`` keeps of a rendering: each plan node's resources (``Parts``, made piece by piece:
``Made``), the renderer's side of it (``Maker``), and the state one rendering leaves for the next.

Plain data, no rendering: ``render`` makes the resources, ``render_reuse`` decides which to make again.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, Protocol

from vamp.adapters.envoy import files as envoy_files
from vamp.core.routing import plan
from vamp.core.routing.plan import Origin

JsonObject = dict[str, Any]
KINDS = ("listeners", "clusters", "routes", "endpoints")
GETTERS = tuple(map(attrgetter, KINDS))
_FIELDS = (*KINDS, "origins", "gateways")


@dataclass(frozen=True, slots=True)
class Parts:
    """The resources rendered from one plan listener or one target cluster."""

    listeners: tuple[JsonObject, ...] = ()
    clusters: tuple[JsonObject, ...] = ()
    routes: tuple[JsonObject, ...] = ()
    endpoints: tuple[JsonObject, ...] = ()
    origins: tuple[tuple[str, Origin], ...] = ()
    gateways: tuple[tuple[str, str], ...] = ()


def joined(pieces: Iterable[Parts]) -> Parts:
    """The resources of ``pieces`` together, in order."""
    pieces = tuple(pieces)
    if len(pieces) == 1:
        return pieces[0]
    return Parts(
        *(tuple(itertools.chain.from_iterable(getattr(p, name) for p in pieces)) for name in _FIELDS)
    )


@dataclass(frozen=True, slots=True)
class Made:
    """A node's resources, piece by piece, with what each piece was made from (compared by value)."""

    keys: tuple[tuple[object, ...], ...]
    pieces: tuple[Parts, ...]
    parts: Parts


class Maker(Protocol):
    """What renders one node: ``render`` gives it the node's context, and its last ``Made`` to take
    pieces from where their keys are equal."""

    def listener(
        self,
        listener: plan.Listener,
        named: tuple[plan.TargetCluster | None, ...],
        *,
        internal_too: bool,
        last: Made | None,
    ) -> Made: ...

    def target(
        self, target: plan.TargetCluster, *, chained: bool, sticky_instance: bool, last: Made | None
    ) -> Made: ...


@dataclass(frozen=True, slots=True)
class Rendered:
    """A rendering's snapshot and maps (``render.Rendering`` is made of them)."""

    snapshot: envoy_files.Snapshot
    clusters: Mapping[str, Origin]
    listeners: Mapping[str, str]


@dataclass(slots=True)
class Node:
    """One plan node of the last rendering."""

    node: plan.Listener | plan.TargetCluster
    made: Made
    named: tuple[str, ...] = ()
    """A listener's: the target clusters its routes name, in order."""
    sticky: frozenset[str] = frozenset()
    """A listener's: the target clusters it makes sticky to an instance."""


@dataclass(slots=True)
class State:
    """Everything the next rendering may take again."""

    listeners: dict[str, Node] = field(default_factory=dict)
    targets: dict[str, Node] = field(default_factory=dict)
    listener_ids: list[int] = field(default_factory=list)
    target_ids: list[int] = field(default_factory=list)
    nodes: tuple[object, ...] = ()
    """The last plan's listeners and target clusters, kept alive so that their identities stay theirs."""
    by_name: dict[str, plan.TargetCluster] = field(default_factory=dict)
    place: dict[str, int] = field(default_factory=dict)
    """Where each node stands among all: listeners first (by ``L:`` name), then target clusters (``T:``)."""
    starts: tuple[list[int], ...] = ()
    """For each kind, where each node's resources start."""
    flat: tuple[list[JsonObject], ...] = ()
    sticky: Counter[str] = field(default_factory=Counter)
    """How many listeners make each target cluster sticky to an instance."""
    chaining: Counter[str] = field(default_factory=Counter)
    """How many target clusters chain to each gateway."""
    namers: dict[str, set[str]] = field(default_factory=dict)
    """The listeners whose routes name each target cluster."""
    rendered: Rendered | None = None
