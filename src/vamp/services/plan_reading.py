"""The gateway agent's reading of routing plans: each plan decoded again only where it changed.

A source offers the agent every plan whole (a file, the server's answer), and a plan of 1,000 gateways ×
10 routes is 3 MB of JSON that takes seconds to decode and check node by node (``json.loads``, then
``RoutingPlan.from_data``), though a weight change on one gateway changes one listener of it.
``PlanReader`` gives the same plan as ``from_data`` and decodes only what changed since the last plan
it read; the nodes it does not decode again are the very objects it made for that plan.

* ``read_text`` reads the plan's JSON text (what a JSON file or the server's answer holds), decoded
  only where it differs from the last text read (``plan_texts``): a weight change on one gateway of
  1,000 × 10 is read in milliseconds, the text compared in chunks, one listener decoded.
* ``read`` reads plain data already decoded (a YAML file): each node's canonical text is written to look
  it up among the last plan's nodes, and only the nodes not found there are decoded.

Either way the version is checked as ``from_data`` checks it (``RoutingPlan.of_texts``). Anything not
read so — a text that is not JSON, not a plan, a node that does not decode, a version that does not
match — is left to ``json.loads`` and ``RoutingPlan.from_data``, so the errors and the plan are always
theirs. Pure: no I/O, no clock.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from vamp.core.routing import plain_data
from vamp.core.routing import plan as routing_plan
from vamp.services import plan_texts

_Node = TypeVar("_Node", routing_plan.Listener, routing_plan.TargetCluster)
_KEYS = frozenset({"version", "listeners", "clusters", "problems"})


class _Unread(Exception):
    """Not read here: ``json.loads`` and ``RoutingPlan.from_data`` say what they make of it."""


class PlanReader:
    """Reads plans from their JSON text or their plain data, reusing what it read of the last plan.

    Only the last plan read is kept (its text, and its nodes). Not safe to share between threads.
    """

    def __init__(self) -> None:
        self._listeners: dict[str, routing_plan.Listener] = {}
        self._clusters: dict[str, routing_plan.TargetCluster] = {}
        self._last: plan_texts.TextRead | None = None

    def read_text(self, text: bytes | str) -> routing_plan.RoutingPlan:
        """The plan the JSON ``text`` holds, as ``RoutingPlan.from_data(json.loads(text))`` reads it.

        Raises:
            ValueError: the text is not JSON: ``json.loads``'s own error (``json.JSONDecodeError``, or
                ``UnicodeDecodeError`` for bytes that are no text).
            errors.RoutingError: the text is not a plan, or its version does not match its content.
        """
        try:
            read = plan_texts.read(text, self._last)
        except plan_texts.Unread:
            return routing_plan.RoutingPlan.from_data(json.loads(text))
        self._last = read
        return read.plan

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
        plan = routing_plan.RoutingPlan.of_texts(
            tuple(listeners),
            tuple(clusters),
            tuple(problems),
            listener_texts=listener_texts,
            cluster_texts=cluster_texts,
        )
        if data["version"] != plan.version:
            raise _Unread
        return plan


def _nodes(
    items: Any, known: dict[str, _Node], kind: Callable[..., _Node]
) -> tuple[list[_Node], list[str], dict[str, _Node]]:
    """The nodes of the plain data ``items`` (taken from ``known`` by their canonical text where there),
    their texts, and every node by its text, for the next plan."""
    if not isinstance(items, list):
        raise _Unread
    nodes: list[_Node] = []
    texts: list[str] = []
    kept: dict[str, _Node] = {}
    for item in items:
        text = routing_plan.canonical_text(item)
        node = kept.get(text) or known.get(text)
        if node is None:
            try:
                node = plain_data.decode(kind, item)  # type: ignore[arg-type]
            except plain_data.PlainDataError:
                raise _Unread from None
            if routing_plan.node_text(node) != text:  # it reads back otherwise: ``from_data`` hashes that
                raise _Unread
        kept[text] = node
        nodes.append(node)
        texts.append(text)
    return nodes, texts, kept
