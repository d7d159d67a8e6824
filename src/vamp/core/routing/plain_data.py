"""Frozen dataclasses to plain JSON-able data and back, checked against their type hints.

The routing plan travels from the server to the gateway agents over HTTP as JSON; this module turns its
nodes (and the condition IR inside them) into dicts, lists, strings, numbers, booleans and ``None``, and
reads them back. Reading checks every value against the field's type hint, so a malformed payload is
reported with the path of the bad value instead of surfacing later as an odd ``AttributeError``.

It knows nothing about routing; ``plan.py`` uses it. It supports exactly the types the plan needs:
frozen dataclasses, ``tuple[X, ...]``, ``X | None``, ``StrEnum`` subclasses, ``str``, ``int`` and ``bool``.
"""

from __future__ import annotations

import dataclasses
import functools
import operator
import types
import typing
from collections.abc import Callable
from enum import StrEnum
from typing import Any, TypeVar

T = TypeVar("T")


class PlainDataError(ValueError):
    """The data does not fit the expected type; the message names the path of the bad value."""


def encode(value: object) -> Any:
    """``value`` as plain data: dataclasses become dicts (by field name), tuples lists, enums strings."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    encoder = _ENCODERS.get(kind)
    if encoder is None:
        encoder = _ENCODERS[kind] = _encoder(kind)
    return encoder(value)


_PLAIN = frozenset({str, int, bool, type(None)})
_ENCODERS: dict[type, Callable[[Any], Any]] = {}
"""An encoder per type, made on first use: the plan is encoded for its version on every compilation."""


def _encoder(kind: type) -> Callable[[Any], Any]:
    if issubclass(kind, StrEnum):
        return operator.attrgetter("value")
    if dataclasses.is_dataclass(kind):
        names = _field_names(kind)
        return lambda value: {
            name: field if type(field := getattr(value, name)) in _PLAIN else encode(field) for name in names
        }
    if issubclass(kind, tuple):
        return lambda value: [item if type(item) in _PLAIN else encode(item) for item in value]
    raise TypeError(f"cannot write {kind.__name__} values as plain data")


def decode(kind: type[T], data: object) -> T:
    """Read ``data`` (as ``encode`` made it) back into a ``kind``; raises ``PlainDataError``."""
    return typing.cast(T, _decode(kind, data, "$"))


def _decode(hint: Any, data: object, path: str) -> object:
    origin = typing.get_origin(hint)
    if origin is types.UnionType or origin is typing.Union:
        options = [option for option in typing.get_args(hint) if option is not type(None)]
        if data is None:
            return None
        if len(options) != 1:
            raise TypeError(f"only 'X | None' unions are supported, not {hint!r}")
        return _decode(options[0], data, path)
    if origin is tuple:
        item_hint = typing.get_args(hint)[0]
        items = _expect(list, data, path)
        return tuple(_decode(item_hint, item, f"{path}[{index}]") for index, item in enumerate(items))
    if isinstance(hint, type) and issubclass(hint, StrEnum):
        text = _expect(str, data, path)
        try:
            return hint(text)
        except ValueError:
            valid = ", ".join(repr(member.value) for member in hint)
            raise PlainDataError(f"{path}: expected one of {valid}, found {text!r}") from None
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        mapping = _expect(dict, data, path)
        hints = _field_hints(hint)
        unknown = sorted(set(mapping) - set(hints))
        if unknown:
            raise PlainDataError(f"{path}: unexpected keys {unknown}; expected {sorted(hints)}")
        missing = sorted(set(hints) - set(mapping))
        if missing:
            raise PlainDataError(f"{path}: missing keys {missing}")
        values = {name: _decode(field, mapping[name], f"{path}.{name}") for name, field in hints.items()}
        try:
            return hint(**values)
        except (TypeError, ValueError) as exc:  # the dataclass's own checks (``__post_init__``)
            raise PlainDataError(f"{path}: {exc}") from exc
    if hint in (str, int, bool):
        return _expect(hint, data, path)
    raise TypeError(f"cannot read plain data into {hint!r}")


def _expect(kind: type[T], data: object, path: str) -> T:
    # ``bool`` is a subclass of ``int``; a JSON ``true`` is no port number.
    if type(data) is not kind:
        raise PlainDataError(f"{path}: expected {kind.__name__}, found {type(data).__name__} {data!r}")
    return data


NOT_PLAIN = "not plain data"
"""A dataclass field's metadata key: a field so marked is neither written nor read (a cache of the value)."""


@functools.cache
def _field_names(kind: type) -> tuple[str, ...]:
    return tuple(field.name for field in dataclasses.fields(kind) if not field.metadata.get(NOT_PLAIN))


@functools.cache
def _field_hints(kind: type) -> dict[str, Any]:
    hints = typing.get_type_hints(kind)
    return {name: hints[name] for name in _field_names(kind)}
