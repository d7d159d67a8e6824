"""The gateway agent's reading of routing plans: each plan's plain data decoded again only where it changed.

A source offers the agent every plan whole (a file, the server's answer), and a plan of 1,000 gateways ×
10 routes takes seconds to decode and check node by node (``RoutingPlan.from_data``), though a weight
change on one gateway changes one listener of it. ``PlanReader.read`` gives the same plan as
``from_data`` but decodes only the listeners and target clusters whose data it has not decoded for the
last plan read, and takes the others as the very objects it made then; its version check hashes the
same canonical text ``from_data`` hashes, written by ``json`` from the data's nodes.

A node is taken from the data only if writing the decoded node back gives the data again (the canonical
text is then the one ``from_data`` hashes); anything else — a malformed plan, a version that does not
match, a node that reads back differently — is left to ``RoutingPlan.from_data``, so the errors and the
plan are always its own. Pure: no I/O, no clock.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeVar

from vamp.core.routing import plain_data
from vamp.core.routing import plan as routing_plan

_Node = TypeVar("_Node", routing_plan.Listener, routing_plan.TargetCluster)
_KEYS = {"version", "listeners", "clusters", "problems"}
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
"""The canonical JSON a plan's version hashes (``plan._version``'s)."""


class _Unread(Exception):
    """The data is not read here: ``RoutingPlan.from_data`` says what it makes of it."""


class PlanReader:
    """Reads plans from plain data, reusing the nodes of the last plan read whose data is unchanged.

    Only the nodes of the last plan read are kept. Not safe to share between threads.
    """

    def __init__(self) -> None:
        self._listeners: dict[str, routing_plan.Listener] = {}
        self._clusters: dict[str, routing_plan.TargetCluster] = {}

    def read(self, data: object) -> routing_plan.RoutingPlan:
        """The plan ``data`` holds, as ``RoutingPlan.from_data(data)`` reads it.

        Raises:
            errors.RoutingError: the data is not a plan, or its version does not match its content.
        """
        try:
            return self._read(data)
        except _Unread:
            return routing_plan.RoutingPlan.from_data(data)

    def _read(self, data: object) -> routing_plan.RoutingPlan:
        if not isinstance(data, dict) or data.keys() != _KEYS:
            raise _Unread
        listeners, listener_texts, self._listeners = _nodes(
            data["listeners"], self._listeners, routing_plan.Listener
        )
        clusters, cluster_texts, self._clusters = _nodes(
            data["clusters"], self._clusters, routing_plan.TargetCluster
        )
        problems = data["problems"]
        if not isinstance(problems, list) or not all(isinstance(problem, str) for problem in problems):
            raise _Unread
        canonical = (
            f'{{"clusters":[{",".join(cluster_texts)}],"listeners":[{",".join(listener_texts)}],'
            f'"problems":{_CANONICAL.encode(problems)}}}'
        )
        version = hashlib.sha256(canonical.encode()).hexdigest()[:16]
        if data["version"] != version:
            raise _Unread
        return routing_plan.RoutingPlan(version, tuple(listeners), tuple(clusters), tuple(problems))


def _nodes(
    items: Any, known: dict[str, _Node], kind: Callable[..., _Node]
) -> tuple[list[_Node], list[str], dict[str, _Node]]:
    """The nodes of ``items`` (taken from ``known`` by their canonical text where there), their texts,
    and every node by its text, for the next plan."""
    if not isinstance(items, list):
        raise _Unread
    nodes: list[_Node] = []
    texts: list[str] = []
    kept: dict[str, _Node] = {}
    for item in items:
        text = _CANONICAL.encode(item)
        node = kept.get(text) or known.get(text)
        if node is None:
            try:
                node = plain_data.decode(kind, item)  # type: ignore[arg-type]
            except plain_data.PlainDataError:
                raise _Unread from None
            if _CANONICAL.encode(plain_data.encode(node)) != text:
                raise _Unread
        kept[text] = node
        nodes.append(node)
        texts.append(text)
    return nodes, texts, kept
