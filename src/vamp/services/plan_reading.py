"""The gateway agent's reading of routing plans: each plan decoded again only where it changed.

A source offers the agent every plan whole (a file, the server's answer), and a plan of 1,000 gateways ×
10 routes is 3 MB of JSON that takes seconds to decode and check node by node (``json.loads``, then
``RoutingPlan.from_data``), though a weight change on one gateway changes one listener of it.
``PlanReader`` gives the same plan as ``from_data`` and decodes only what changed since the last plan
it read; the nodes it does not decode again are the very objects it made for that plan.

* ``read_text`` reads the plan's JSON text (what a JSON file or the server's answer holds). It walks the
  text's top-level object itself and, inside the ``listeners`` and ``clusters`` arrays, takes a run of
  nodes from the last text read wherever the new text reads exactly as the last one did there (found
  by comparing the texts in chunks, not by decoding them): where the texts agree, the nodes in them
  decode to what they decoded to then. Only the nodes where the texts differ are decoded
  (``json.JSONDecoder.raw_decode`` from the node's offset, then ``plain_data``), and a node decoded so
  whose canonical text is that of a node of the last plan is that node.
* ``read`` reads plain data already decoded (a YAML file): each node's canonical text is written to look
  it up among the last plan's nodes, and only the nodes not found there are decoded.

Either way the version is checked as ``from_data`` checks it: the hash of the canonical node texts
joined (``RoutingPlan.of_texts``), the texts kept with the nodes. Anything not read so — a text that is
not JSON, not a plan, a node that does not decode, a version that does not match — is left to
``json.loads`` and ``RoutingPlan.from_data``, so the errors and the plan are always theirs. Pure: no
I/O, no clock.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from vamp.core.routing import plain_data
from vamp.core.routing import plan as routing_plan

_Node = TypeVar("_Node", routing_plan.Listener, routing_plan.TargetCluster)
_KEYS = frozenset({"version", "listeners", "clusters", "problems"})
_KINDS: dict[str, type[routing_plan.Listener] | type[routing_plan.TargetCluster]] = {
    "listeners": routing_plan.Listener,
    "clusters": routing_plan.TargetCluster,
}
_DECODER = json.JSONDecoder()
"""Decodes as ``json.loads`` does (its default decoder's settings)."""
_WHITESPACE = re.compile(r"[ \t\n\r]*")
"""What JSON allows between tokens (``json.decoder``'s)."""
_FIRST_CHUNK, _LONGEST_CHUNK = 256, 1 << 16
"""The texts are compared in chunks that double from the first size up to the longest."""


class _Unread(Exception):
    """Not read here: ``json.loads`` and ``RoutingPlan.from_data`` say what they make of it."""


class PlanReader:
    """Reads plans from their JSON text or their plain data, reusing what it read of the last plan.

    Only the last plan read is kept (its text, and its nodes). Not safe to share between threads.
    """

    def __init__(self) -> None:
        self._listeners: dict[str, routing_plan.Listener] = {}
        self._clusters: dict[str, routing_plan.TargetCluster] = {}
        self._last: _Text | None = None

    def read_text(self, text: bytes | str) -> routing_plan.RoutingPlan:
        """The plan the JSON ``text`` holds, as ``RoutingPlan.from_data(json.loads(text))`` reads it.

        Raises:
            ValueError: the text is not JSON: ``json.loads``'s own error (``json.JSONDecodeError``, or
                ``UnicodeDecodeError`` for bytes that are no text).
            errors.RoutingError: the text is not a plan, or its version does not match its content.
        """
        try:
            read = _Walk(_decoded(text), self._last).read()
        except _Unread:
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


@dataclass(slots=True)
class _Nodes:
    """The nodes of one array of a plan's text (its listeners or its clusters), in order: where each
    stands in the text (``starts[i]`` to ``ends[i]``), the node, and its canonical text (``node_text``)."""

    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    nodes: list[Any] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)

    def take(self, other: _Nodes, first: int, last: int, shift: int) -> None:
        """Add ``other``'s nodes ``first`` to ``last``, which stand ``shift`` characters further on here."""
        stop = last + 1
        if shift:
            self.starts.extend([start + shift for start in other.starts[first:stop]])
            self.ends.extend([end + shift for end in other.ends[first:stop]])
        else:
            self.starts.extend(other.starts[first:stop])
            self.ends.extend(other.ends[first:stop])
        self.nodes.extend(other.nodes[first:stop])
        self.texts.extend(other.texts[first:stop])


@dataclass(frozen=True, slots=True)
class _Text:
    """A plan's text as read: the text, its arrays of nodes by key, and the plan."""

    text: str
    arrays: dict[str, _Nodes]
    plan: routing_plan.RoutingPlan


class _Walk:
    """One reading of a plan's text, given the text read before (``last``), if any."""

    def __init__(self, text: str, last: _Text | None) -> None:
        self.text = text
        self.last = last
        self.shift = len(text) - len(last.text) if last is not None else 0
        """How much further on a node stands in this text than in the last, past a change of one place."""
        self._known: dict[str, dict[str, Any]] = {}

    def read(self) -> _Text:
        """The plan, read as ``json.loads`` and ``RoutingPlan.from_data`` read it.

        Raises:
            _Unread: anything that is not read here.
        """
        text, last = self.text, self.last
        if last is not None and text == last.text:
            return last
        values: dict[str, Any] = {}
        arrays: dict[str, _Nodes] = {}
        position = _skip(text, 0)
        if not text.startswith("{", position):
            raise _Unread
        position = _skip(text, position + 1)
        while True:
            if not text.startswith('"', position):
                raise _Unread
            key, position = _string(text, position + 1)
            if key not in _KEYS or key in values:  # ``json.loads`` keeps the last of keys given twice
                raise _Unread
            position = _skip(text, position)
            if not text.startswith(":", position):
                raise _Unread
            position = _skip(text, position + 1)
            if key in _KINDS and text.startswith("[", position):
                arrays[key], position = self._array(key, position + 1)
                values[key] = arrays[key]
            else:
                values[key], position = _value(text, position)
            position = _skip(text, position)
            if text.startswith(",", position):
                position = _skip(text, position + 1)
            elif text.startswith("}", position) and _skip(text, position + 1) == len(text):
                break
            else:
                raise _Unread
        return _Text(text, arrays, self._plan(values, arrays))

    def _plan(self, values: dict[str, Any], arrays: dict[str, _Nodes]) -> routing_plan.RoutingPlan:
        problems = values.get("problems")
        if values.keys() != _KEYS or arrays.keys() != _KINDS.keys() or not isinstance(problems, list):
            raise _Unread
        if not all(type(problem) is str for problem in problems):
            raise _Unread
        listeners, clusters = arrays["listeners"], arrays["clusters"]
        plan = routing_plan.RoutingPlan.of_texts(
            tuple(listeners.nodes),
            tuple(clusters.nodes),
            tuple(problems),
            listener_texts=listeners.texts,
            cluster_texts=clusters.texts,
        )
        if values["version"] != plan.version:
            raise _Unread
        return plan

    def _array(self, key: str, position: int) -> tuple[_Nodes, int]:
        """The nodes of the array of ``key`` that starts at ``position`` (just past its ``[``), and where
        the array ends."""
        text = self.text
        nodes = _Nodes()
        old = self.last.arrays[key] if self.last is not None else None
        position = _skip(text, position)
        if text.startswith("]", position):
            return nodes, position + 1
        following = 0
        """The node of the last text that a node here standing where a node stood there would be."""
        while True:
            taken = self._taken(old, following, position, nodes) if old is not None else None
            if taken is None:
                position = self._decoded(key, position, nodes)
                following += 1
            else:
                position, following = taken
            position = _skip(text, position)
            if text.startswith(",", position):
                position = _skip(text, position + 1)
            elif text.startswith("]", position):
                return nodes, position + 1
            else:
                raise _Unread

    def _taken(self, old: _Nodes, following: int, position: int, nodes: _Nodes) -> tuple[int, int] | None:
        """Take the nodes of the last text that this text repeats from ``position`` on, if it does: the
        one that follows the last node read (a node changed in place), or the one that stood as far
        from the end of the last text (nodes added or removed before); where the node taken last ends,
        and the node of the last text following it."""
        taken = self._run(old, following, position, nodes) if following < len(old.starts) else None
        if taken is None:
            aligned = position - self.shift
            index = bisect.bisect_left(old.starts, aligned)
            if index != following and index < len(old.starts) and old.starts[index] == aligned:
                taken = self._run(old, index, position, nodes)
        return taken

    def _run(self, old: _Nodes, first: int, position: int, nodes: _Nodes) -> tuple[int, int] | None:
        """Take the last text's nodes from ``first`` on, as far as this text from ``position`` reads as
        the last one did from that node (and at least that node, or none)."""
        assert self.last is not None
        before = self.last.text
        start, end = old.starts[first], old.ends[first]
        if not self.text.startswith(before[start:end], position):
            return None
        agreed = _agreed(self.text, position + end - start, before, end, old.ends[-1])
        last = bisect.bisect_right(old.ends, agreed, first) - 1
        shift = position - start
        nodes.take(old, first, last, shift)
        return old.ends[last] + shift, last + 1

    def _decoded(self, key: str, position: int, nodes: _Nodes) -> int:
        """Decode the node at ``position`` into ``nodes`` (the last plan's node with the same canonical
        text, if there is one); return where it ends."""
        try:
            item, end = _DECODER.raw_decode(self.text, position)
            node: Any = plain_data.decode(_KINDS[key], item)
        except (ValueError, RecursionError):  # ``PlainDataError`` is a ``ValueError``
            raise _Unread from None
        text = routing_plan.node_text(node)
        node = self._known_nodes(key).get(text, node)
        nodes.starts.append(position)
        nodes.ends.append(end)
        nodes.nodes.append(node)
        nodes.texts.append(text)
        return end

    def _known_nodes(self, key: str) -> dict[str, Any]:
        """The last plan's nodes of the array of ``key`` by their canonical text (made when first asked)."""
        known = self._known.get(key)
        if known is None:
            old = self.last.arrays[key] if self.last is not None else _Nodes()
            known = self._known[key] = dict(zip(old.texts, old.nodes, strict=True))
        return known


def _decoded(text: bytes | str) -> str:
    """``text`` as ``json.loads`` decodes bytes to read them."""
    if isinstance(text, str):
        return text
    try:
        return text.decode(json.detect_encoding(text), "surrogatepass")
    except UnicodeDecodeError:
        raise _Unread from None


def _skip(text: str, position: int) -> int:
    """Past the whitespace JSON allows between tokens at ``position``."""
    space = _WHITESPACE.match(text, position)
    return space.end() if space is not None else position


def _string(text: str, position: int) -> tuple[str, int]:
    """The JSON string whose opening quote is just before ``position``, and where it ends."""
    try:
        return json.decoder.scanstring(text, position, True)  # type: ignore[attr-defined,no-any-return]
    except ValueError:
        raise _Unread from None


def _value(text: str, position: int) -> tuple[Any, int]:
    """The JSON value at ``position``, and where it ends."""
    try:
        return _DECODER.raw_decode(text, position)
    except (ValueError, RecursionError):
        raise _Unread from None


def _agreed(text: str, position: int, before: str, start: int, stop: int) -> int:
    """How far from ``start`` (but not past ``stop``) ``before`` reads as ``text`` does from
    ``position``: the first place in ``before`` where they differ.

    Compares chunks that double in size until two differ, then halves the one that differs.
    """
    limit = min(stop - start, len(text) - position)
    length, step = 0, _FIRST_CHUNK
    while length < limit:
        size = min(step, limit - length)
        if text.startswith(before[start + length : start + length + size], position + length):
            length += size
            step = min(step * 2, _LONGEST_CHUNK)
            continue
        while size > 1:  # they differ in the ``size`` characters from ``length``
            half = size // 2
            if text.startswith(before[start + length : start + length + half], position + length):
                length, size = length + half, size - half
            else:
                size = half
        return start + length
    return start + limit
