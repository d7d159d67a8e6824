"""The instances a selector runs over, with lookup tables that narrow them before any regex is run.

A gateway service compiles many selector gateways over many instances; running every selector on every
instance would be their product. Most selectors, though, require some literal fact (``label(app)(foo)``,
``name(sava)``, ``kind(service)``) in an ``and``, so the index keeps tables from each literal fact to
the instances that have it, and ``candidates`` intersects (``and``) or unites (``or``) them. A part it
cannot narrow (a real regex, ``not``, a port) leaves the candidates to the other parts. Narrowing only
ever drops instances the selector cannot match; ``select`` still evaluates every candidate.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Set

from vamp.core import model
from vamp.core.selector import evaluate, syntax

_Positions = Set[int]
"""Positions in ``Index.instances``; never changed once the index is built."""

_NOWHERE: _Positions = frozenset()


_FIELDS = tuple(syntax.Field)


class Index:
    """The ready instances among ``instances`` (others take no traffic), indexed by literal facts."""

    __slots__ = ("_fields", "_label_keys", "_labels", "instances")

    def __init__(self, instances: Iterable[model.ObservedInstance]) -> None:
        self.instances: tuple[model.ObservedInstance, ...] = tuple(
            instance for instance in instances if instance.ready
        )
        fields: defaultdict[tuple[syntax.Field, str], set[int]] = defaultdict(set)
        labels: defaultdict[tuple[str, str], set[int]] = defaultdict(set)
        label_keys: defaultdict[str, set[int]] = defaultdict(set)
        for position, instance in enumerate(self.instances):
            for field in _FIELDS:
                value = evaluate.field_value(instance, field)
                if value is not None:
                    fields[field, value].add(position)
            for key, value in instance.labels.items():
                labels[key, value].add(position)
                label_keys[key].add(position)
        self._fields: dict[tuple[syntax.Field, str], _Positions] = dict(fields)
        self._labels: dict[tuple[str, str], _Positions] = dict(labels)
        self._label_keys: dict[str, _Positions] = dict(label_keys)

    def candidates(
        self, root: syntax.Node, namespace: str | None = None
    ) -> tuple[model.ObservedInstance, ...]:
        """The instances ``root`` may match (a superset of those it does), in the order they were given."""
        positions = self._narrow(root, namespace)
        if positions is None:
            return self.instances
        return tuple(self.instances[position] for position in sorted(positions))

    def _narrow(self, node: syntax.Node, namespace: str | None) -> _Positions | None:
        """The positions of the instances ``node`` may match; ``None`` when it cannot tell."""
        match node:
            case syntax.FieldMatch(field=field, pattern=pattern) if pattern.literal is not None:
                return self._fields.get((field, pattern.literal), _NOWHERE)
            case syntax.CurrentNamespace():
                if namespace is None:
                    return _NOWHERE
                return self._fields.get((syntax.Field.NAMESPACE, namespace), _NOWHERE)
            case syntax.LabelMatch(key=key, value=value) if key.literal is not None:
                if value.literal is not None:
                    return self._labels.get((key.literal, value.literal), _NOWHERE)
                return self._label_keys.get(key.literal, _NOWHERE)
            case syntax.Constant(value=False):
                return _NOWHERE
            case syntax.AllOf(operands=operands):
                known = [
                    found for operand in operands if (found := self._narrow(operand, namespace)) is not None
                ]
                if not known:
                    return None
                narrowed, *others = sorted(known, key=len)
                for other in others:
                    narrowed = narrowed & other
                return narrowed
            case syntax.AnyOf(operands=operands):
                union: set[int] = set()
                for operand in operands:
                    part = self._narrow(operand, namespace)
                    if part is None:
                        return None
                    union |= part
                return frozenset(union)
            case _:
                return None
