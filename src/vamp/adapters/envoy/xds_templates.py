"""Clusters and load assignments converted once per shape: the rest are a copy with their name set.

``json_format.ParseDict`` is pure Python and takes about a millisecond per cluster, so a first plan of
10,000 clusters and 10,000 load assignments spent most of its publish converting. Yet they differ mostly
in their name: the clusters of one plan share their options, and the load assignments of the routes to
one service share its endpoints. ``Templates`` converts a resource with every string that is exactly its
name blanked out, once per such shape, and makes the next resource of that shape by copying the
converted message and setting its name where the blanks were (a few microseconds in protobuf's C code).

A shape is trusted only after the first resource made from it equals that resource converted whole;
anything that does not fit (the name inside a typed config, in a map, in a field that is not a string)
is converted whole every time, as before. Pure: no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from google.protobuf import message as protobuf_message

Path = tuple[str | int, ...]
_Template = tuple[protobuf_message.Message, tuple[Path, ...]]
_BLANK = "\x00vamp-name\x00"
_UNKNOWN: _Template = (protobuf_message.Message(), ())
"""What ``Templates._known`` gives for a shape not met yet (compared by identity)."""


class Templates:
    """The converted shapes of the resources of the last conversion and this one."""

    def __init__(self) -> None:
        self._last: dict[str, _Template | None] = {}
        self._next: dict[str, _Template | None] = {}

    def turn(self) -> None:
        """Start a new conversion: the shapes the last one did not use are dropped."""
        self._last, self._next = self._next, {}

    def convert(
        self, resource: dict[str, Any], name: str, parse: Callable[[Any], protobuf_message.Message]
    ) -> protobuf_message.Message:
        """``parse(resource)``, made from the converted shape of ``resource`` where one is known.

        ``parse`` converts a resource whole, and raises whatever it raises for one it cannot convert.
        """
        paths: list[Path] = []
        blanked = _blanked(resource, name, (), paths)
        if not paths:
            return parse(resource)
        shape = json.dumps(blanked, sort_keys=True)
        known = self._next[shape] = self._known(shape)
        if known is _UNKNOWN:
            whole = parse(resource)
            self._next[shape] = _trusted(blanked, tuple(paths), name, whole, parse)
            return whole
        if known is None:
            return parse(resource)
        template, where = known
        made = type(template)()
        made.CopyFrom(template)
        _name(made, where, name)
        return made

    def _known(self, shape: str) -> _Template | None:
        """The template of ``shape``, ``None`` if it has none, ``_UNKNOWN`` if it was not met yet."""
        if shape in self._next:
            return self._next[shape]
        return self._last.get(shape, _UNKNOWN)


def _trusted(
    blanked: Any,
    paths: tuple[Path, ...],
    name: str,
    whole: protobuf_message.Message,
    parse: Callable[[Any], protobuf_message.Message],
) -> _Template | None:
    """The shape's template, if a copy of it named ``name`` is ``whole``; else ``None``."""
    try:
        template = parse(blanked)
        made = type(template)()
        made.CopyFrom(template)
        _name(made, paths, name)
    except Exception:  # a blank where protobuf wants no string: this shape is converted whole
        return None
    return (template, paths) if made == whole else None


def _blanked(value: Any, name: str, path: Path, paths: list[Path]) -> Any:
    """``value`` with every string equal to ``name`` blanked out; ``paths`` gets where each was."""
    if isinstance(value, dict):
        return {key: _blanked(item, name, (*path, key), paths) for key, item in value.items()}
    if isinstance(value, list):
        return [_blanked(item, name, (*path, index), paths) for index, item in enumerate(value)]
    if value == name and isinstance(value, str):
        paths.append(path)
        return _BLANK
    return value


def _name(message: protobuf_message.Message, paths: tuple[Path, ...], name: str) -> None:
    """Set the string at each of ``paths`` in ``message`` to ``name``."""
    for path in paths:
        parent: Any = message
        for step in path[:-1]:
            parent = parent[step] if isinstance(step, int) else getattr(parent, step)
        last = path[-1]
        if isinstance(last, int):
            parent[last] = name
        else:
            setattr(parent, last, name)
