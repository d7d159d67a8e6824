"""A routing plan's JSON text read against the last text read: decoded only where the two differ.

``read`` gives what ``json.loads`` and ``RoutingPlan.from_data`` make of a text, or raises ``Unread``
for anything it does not read itself (the caller then leaves the text to them, for their errors). It
walks the text's top-level object itself and, inside the ``listeners`` and ``clusters`` arrays, takes a
run of nodes from the last text read wherever the new text reads exactly as the last one did there
(found by comparing the texts in chunks, not by decoding them): where the texts agree, the nodes in them
decode to what they decoded to then, and are those very objects. Only the nodes where the texts differ
are decoded (``json.JSONDecoder.raw_decode`` from the node's offset, then ``plain_data``); a node
decoded so whose canonical text is that of a node of the last plan is that node. Where a run is looked
for: the node of the last text after the last one read (a node changed in place), and the node that
stood as far from the end of the last text (nodes added or removed before).

The version is checked as ``from_data`` checks it: the hash of the canonical node texts joined
(``RoutingPlan.of_texts``), the texts kept with the nodes. A text that is already that canonical text
with its version (the server's, ``RoutingPlan.to_text``: every node as ``node_text`` writes it, nothing
between them but commas, the frame ``plan.content_frame``) is hashed as it is and kept as the plan's
text, not written again; whether it is, is known node by node as it is read, from the last text where
they agree. Its hash is kept in parts (``_HASHED_EVERY``), so the next such text is hashed only from
where it stops reading as this one did. Pure: no I/O, no clock.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from typing import Any

from vamp.core.routing import plain_data
from vamp.core.routing import plan as routing_plan

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
_HASHED_EVERY = 1 << 16
"""The hash of a plan's own text is kept every so many bytes: the next text hashes only from the last
hash kept where the two still agree (a weight change hashes a few listeners, not 3 MB)."""


class Unread(Exception):
    """Not read here: ``json.loads`` and ``RoutingPlan.from_data`` say what they make of the text."""


def read(text: bytes | str, last: TextRead | None) -> TextRead:
    """The plan in the JSON ``text`` (as ``RoutingPlan.from_data(json.loads(text))`` reads it), read
    against ``last``, the text read before, if any.

    Raises:
        Unread: anything not read here, valid or not.
    """
    return _Walk(_as_text(text), text, last).read()


@dataclass(slots=True)
class _Nodes:
    """The nodes of one array of a plan's text (its listeners or its clusters), in order: where each
    stands in the text (``starts[i]`` to ``ends[i]``), the node, and its canonical text (``node_text``);
    where the array's ``[`` and ``]`` stand."""

    opened: int
    closed: int = -1
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
class TextRead:
    """A plan's text as read: the text, its arrays of nodes by key, the plan, and whether the text is the
    plan's own (``RoutingPlan.to_text``): hashes of its parts, then."""

    text: str
    arrays: dict[str, _Nodes]
    plan: routing_plan.RoutingPlan
    hashed: list[Any] | None
    """For the plan's own text, the hash of the content's first ``(i + 1) * _HASHED_EVERY`` bytes at
    ``hashed[i]`` (``routing_plan.content_hash``); ``None`` for any other text."""


class _Walk:
    """One reading of a plan's text (``raw``, as given; ``text``, decoded), given the text read before
    (``last``), if any."""

    def __init__(self, text: str, raw: bytes | str, last: TextRead | None) -> None:
        self.text = text
        self.raw = raw
        self.last = last
        self.shift = len(text) - len(last.text) if last is not None else 0
        """How much further on a node stands in this text than in the last, past a change of one place."""
        self.agreed = 0
        """Up to where this text reads as the last one did."""
        self.hashed: list[Any] | None = None
        self.canonical = text.isascii()
        """Whether the arrays read so far hold only canonical node texts with commas between them (and
        the text is ASCII, so that its bytes are the content's as ``of_texts`` hashes them)."""
        self._known: dict[str, dict[str, Any]] = {}

    def read(self) -> TextRead:
        """The plan, read as ``json.loads`` and ``RoutingPlan.from_data`` read it.

        Raises:
            Unread: anything that is not read here.
        """
        text, last = self.text, self.last
        if last is not None:
            self.agreed = _agreed(text, 0, last.text, 0, len(last.text))
            if self.agreed == len(text) == len(last.text):
                return last
        values: dict[str, Any] = {}
        arrays: dict[str, _Nodes] = {}
        position = _skip(text, 0)
        if not text.startswith("{", position):
            raise Unread
        position = _skip(text, position + 1)
        while True:
            if not text.startswith('"', position):
                raise Unread
            key, position = _string(text, position + 1)
            if key not in _KEYS or key in values:  # ``json.loads`` keeps the last of keys given twice
                raise Unread
            position = _skip(text, position)
            if not text.startswith(":", position):
                raise Unread
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
                raise Unread
        plan = self._plan(values, arrays)
        return TextRead(text, arrays, plan, self.hashed)

    def _plan(self, values: dict[str, Any], arrays: dict[str, _Nodes]) -> routing_plan.RoutingPlan:
        problems = values.get("problems")
        if values.keys() != _KEYS or arrays.keys() != _KINDS.keys() or not isinstance(problems, list):
            raise Unread
        if not all(type(problem) is str for problem in problems):
            raise Unread
        listeners, clusters = arrays["listeners"], arrays["clusters"]
        plan = self._as_written(values["version"], listeners, clusters, tuple(problems))
        if plan is None:
            plan = routing_plan.RoutingPlan.of_texts(
                tuple(listeners.nodes),
                tuple(clusters.nodes),
                tuple(problems),
                listener_texts=listeners.texts,
                cluster_texts=clusters.texts,
            )
        if values["version"] != plan.version:
            raise Unread
        return plan

    def _as_written(
        self, version: object, listeners: _Nodes, clusters: _Nodes, problems: tuple[str, ...]
    ) -> routing_plan.RoutingPlan | None:
        """The plan, if the text is its own text (``of_texts`` would write it again as it is): its
        version hashed from the text, which it keeps; ``None`` if the text is otherwise."""
        text = self.text
        if not self.canonical or not isinstance(version, str):
            return None
        head, between, tail = routing_plan.content_frame(problems)
        end = routing_plan.with_version(tail, version)
        if not (
            clusters.opened == len(head) - 1
            and text.startswith(head)
            and listeners.opened == clusters.closed + len(between) - 1
            and text.startswith(between, clusters.closed)
            and listeners.closed == len(text) - len(end)
            and text.endswith(end)
        ):
            return None
        raw = self.raw.encode() if isinstance(self.raw, str) else self.raw
        if len(raw) != len(text):  # a byte order mark
            return None
        self.hashed, hashed = self._hashed(memoryview(raw)[: listeners.closed])
        computed = routing_plan.version_of(tail.encode(), hashed=hashed)
        return routing_plan.RoutingPlan(
            computed, tuple(listeners.nodes), tuple(clusters.nodes), problems, text
        )

    def _hashed(self, content: memoryview) -> tuple[list[Any], Any]:
        """The hashes of ``content`` to keep (see ``TextRead.hashed``), and the hash of all of it: from
        the last hash the last text kept where this one still reads as it did."""
        last = self.last
        kept: list[Any] = []
        if last is not None and last.hashed is not None:
            kept = last.hashed[: min(self.agreed, len(content)) // _HASHED_EVERY]
        digest = kept[-1].copy() if kept else routing_plan.content_hash()
        for stop in range((len(kept) + 1) * _HASHED_EVERY, len(content) + 1, _HASHED_EVERY):
            digest.update(content[stop - _HASHED_EVERY : stop])
            kept.append(digest.copy())
        digest.update(content[len(kept) * _HASHED_EVERY :])
        return kept, digest

    def _array(self, key: str, position: int) -> tuple[_Nodes, int]:
        """The nodes of the array of ``key`` that starts at ``position`` (just past its ``[``), and where
        the array ends."""
        text = self.text
        nodes = _Nodes(position - 1)
        old = self.last.arrays[key] if self.last is not None else None
        following = 0  # the node of the last text a node changed in place here would stand for
        start = _skip(text, position)
        if start != position:
            self.canonical = False
        if text.startswith("]", start):
            nodes.closed = start
            return nodes, start + 1
        while True:
            taken = self._taken(old, following, start, nodes) if old is not None else None
            if taken is None:
                end = self._node_at(key, start, nodes)
                following += 1
            else:
                end, following = taken
            position = _skip(text, end)
            if text.startswith(",", position):
                start = _skip(text, position + 1)
                if start != end + 1:
                    self.canonical = False
            elif text.startswith("]", position):
                nodes.closed = position
                if position != end:
                    self.canonical = False
                return nodes, position + 1
            else:
                raise Unread

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
        if self.last.hashed is None:  # not the plan's own text
            self.canonical = False
        return old.ends[last] + shift, last + 1

    def _node_at(self, key: str, position: int, nodes: _Nodes) -> int:
        """Decode the node at ``position`` into ``nodes`` (the last plan's node with the same canonical
        text, if there is one); return where it ends."""
        try:
            item, end = _DECODER.raw_decode(self.text, position)
            node: Any = plain_data.decode(_KINDS[key], item)
        except (ValueError, RecursionError):  # ``PlainDataError`` is a ``ValueError``
            raise Unread from None
        text = routing_plan.node_text(node)
        if self.canonical and (end - position != len(text) or not self.text.startswith(text, position)):
            self.canonical = False
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
            old = self.last.arrays[key] if self.last is not None else None
            known = self._known[key] = dict(zip(old.texts, old.nodes, strict=True)) if old else {}
        return known


def _as_text(text: bytes | str) -> str:
    """``text`` as ``json.loads`` decodes bytes to read them."""
    if isinstance(text, str):
        return text
    try:
        return text.decode(json.detect_encoding(text), "surrogatepass")
    except UnicodeDecodeError:
        raise Unread from None


def _skip(text: str, position: int) -> int:
    """Past the whitespace JSON allows between tokens at ``position``."""
    space = _WHITESPACE.match(text, position)
    return space.end() if space is not None else position


def _string(text: str, position: int) -> tuple[str, int]:
    """The JSON string whose opening quote is just before ``position``, and where it ends."""
    try:
        return json.decoder.scanstring(text, position, True)  # type: ignore[attr-defined,no-any-return]
    except ValueError:
        raise Unread from None


def _value(text: str, position: int) -> tuple[Any, int]:
    """The JSON value at ``position``, and where it ends."""
    try:
        return _DECODER.raw_decode(text, position)
    except (ValueError, RecursionError):
        raise Unread from None


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
