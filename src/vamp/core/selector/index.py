"""The instances a selector runs over, with lookup tables that narrow them before any regex is run.

A gateway service compiles many selector gateways over many instances; running every selector on every
instance would be their product. Most selectors, though, require some literal fact (``label(app)(foo)``,
``name(sava)``, ``kind(service)``) in an ``and``, so the index keeps tables from each literal fact to
the instances that have it, and ``candidates`` intersects (``and``) or unites (``or``) them. A part it
cannot narrow (a real regex, ``not``, a port) leaves the candidates to the other parts. Narrowing only
ever drops instances the selector cannot match; ``select`` still evaluates every candidate.

A table is built the first time a selector asks for it (one pass over the instances per label key or
field asked for), so an index costs only what its selectors use. An ``and`` looks its literal facts up
first and asks no other table once few candidates are left (``_FEW``): 1,000 gateways
``label(app)(appN) && label(version)((.*))`` over 10,000 instances build one table, for ``app``.
``Index.of`` gives the same index again for the same tuple of instances, so the passes of every
namespace over one set of instances share one index and its tables; ``Index.remember`` lets a copy of
the tuple that differs only in what selectors do not see share them too. A new tuple that differs from
one indexed just before in a few instances (one pod became Ready) keeps that index's selections of
every selector none of those few instances may match: one pod costs the selectors that may select it.
``select`` keeps what it found in the index (``selected``), so a pass's synchronise and compile select
each gateway once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vamp.core import model
from vamp.core.selector import evaluate, syntax

if TYPE_CHECKING:
    from vamp.core.selector.selection import Selection

_Positions = Set[int]
"""Positions in ``Index.instances``; never changed once the index is built."""

_NOWHERE: _Positions = frozenset()


@dataclass(frozen=True, slots=True)
class _Table:
    """The positions of the instances by their value of one field or label key, and of all with one."""

    by_value: dict[str, _Positions]
    having: _Positions


class Index:
    """The ready instances among ``instances`` (others take no traffic), indexed by literal facts."""

    __slots__ = ("_fields", "_labels", "instances", "selected")

    def __init__(self, instances: Iterable[model.ObservedInstance]) -> None:
        self.instances: tuple[model.ObservedInstance, ...] = tuple(
            instance for instance in instances if instance.ready
        )
        self._fields: dict[syntax.Field, _Table] = {}
        self._labels: dict[str, _Table] = {}
        self.selected: dict[tuple[syntax.Node, str | None], Mapping[str, Selection]] = {}
        """What ``select`` found over these instances, by selector tree and namespace."""

    @classmethod
    def of(cls, instances: Sequence[model.ObservedInstance]) -> Index:
        """The index of ``instances``: the one made last time when given the very same tuple again.

        The driver hands out one tuple until an instance changes, so the passes over every namespace
        (and their compiles) index it once. Any other sequence gets a new index, as ``Index`` gives.
        """
        if not isinstance(instances, tuple):
            return cls(instances)
        remembered = list(_REMEMBERED)
        found = next((index for indexed, index in remembered if indexed is instances), None)
        if found is None:
            found = cls(instances)
            found._carry_over([index for _, index in remembered])
        _remember(instances, found, remembered)
        return found

    def _carry_over(self, earlier: Sequence[Index]) -> None:
        """Keep what ``select`` found over the closest of the ``earlier`` indexes, for every selector none
        of the instances that differ (there and not here, or here and not there) may match.

        A selection is made of the ready instances a selector matches, whatever their order: instances
        that no selector's candidates hold do not change it. Instances are told apart by identity (the
        driver keeps an unchanged instance's object); with many differences it is not worth it.
        """
        mine = {id(instance) for instance in self.instances}
        closest: tuple[int, Index, list[model.ObservedInstance]] | None = None
        for index in earlier:
            if not index.selected:
                continue
            theirs = {id(instance) for instance in index.instances}
            changed = [instance for instance in index.instances if id(instance) not in mine]
            changed += [instance for instance in self.instances if id(instance) not in theirs]
            most = max(_CARRIED_UP_TO, len(self.instances) // 2)
            if len(changed) <= most and (closest is None or len(changed) < closest[0]):
                closest = (len(changed), index, changed)
        if closest is None:
            return
        _, index, changed = closest
        differing = Index(changed)
        for key, selections in index.selected.items():
            root, namespace = key
            if not differing._narrow_candidates(root, namespace):
                self.selected[key] = selections

    def _narrow_candidates(self, root: syntax.Node, namespace: str | None) -> bool:
        """Whether ``root`` may match any of these instances (``True`` when the tables cannot tell)."""
        positions = self._narrow(root, namespace)
        return bool(self.instances) if positions is None else bool(positions)

    @classmethod
    def remember(
        cls, instances: tuple[model.ObservedInstance, ...], *, like: tuple[model.ObservedInstance, ...]
    ) -> None:
        """Let ``Index.of(instances)`` answer with ``like``'s tables, without building its own.

        ``instances`` must be ``like``'s instances in the same order, each as it is or changed only in
        what no selector sees (its deployment, cluster or service, as ``reconcile.addressing`` drops
        them): every table of one is then the other's.
        """
        if len(instances) != len(like):
            raise ValueError(f"{len(instances)} instances cannot be indexed like {len(like)}")
        source = cls.of(like)
        twin = cls.__new__(cls)
        twin.instances = (
            instances
            if len(source.instances) == len(instances)
            else tuple(instance for instance in instances if instance.ready)
        )
        twin._fields, twin._labels, twin.selected = source._fields, source._labels, source.selected
        _remember(instances, twin, list(_REMEMBERED))

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
                return self._field(field).by_value.get(pattern.literal, _NOWHERE)
            case syntax.CurrentNamespace():
                if namespace is None:
                    return _NOWHERE
                return self._field(syntax.Field.NAMESPACE).by_value.get(namespace, _NOWHERE)
            case syntax.LabelMatch(key=key, value=value) if key.literal is not None:
                table = self._label(key.literal)
                return table.having if value.literal is None else table.by_value.get(value.literal, _NOWHERE)
            case syntax.Constant(value=False):
                return _NOWHERE
            case syntax.AllOf(operands=operands):
                # Exact lookups first; once few candidates are left, evaluating them beats another table.
                narrowed: _Positions | None = None
                for operand in sorted(operands, key=lambda operand: not _exact(operand)):
                    if narrowed is not None and len(narrowed) <= _FEW and not _exact(operand):
                        break
                    found = self._narrow(operand, namespace)
                    if found is not None:
                        narrowed = found if narrowed is None else narrowed & found
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

    def _field(self, field: syntax.Field) -> _Table:
        table = self._fields.get(field)
        if table is None:
            table = self._fields[field] = _table([evaluate.field_value(i, field) for i in self.instances])
        return table

    def _label(self, key: str) -> _Table:
        table = self._labels.get(key)
        if table is None:
            table = self._labels[key] = _table([instance.labels.get(key) for instance in self.instances])
        return table


_FEW = 64
"""Candidates few enough that an ``and`` narrows them no further (each costs one evaluation)."""

_CARRIED_UP_TO = 256
"""Instances that may differ from an earlier index for ``Index.of`` to keep that index's selections (or
half the instances, when more): beyond, selecting anew costs less than telling what to keep."""


def _exact(node: syntax.Node) -> bool:
    """Whether ``node`` narrows by one lookup in a table (a literal fact) or to nothing."""
    match node:
        case syntax.FieldMatch(pattern=pattern):
            return pattern.literal is not None
        case syntax.LabelMatch(key=key, value=value):
            return key.literal is not None and value.literal is not None
        case syntax.CurrentNamespace() | syntax.Constant(value=False):
            return True
        case _:
            return False


_REMEMBER = 2
"""How many tuples ``Index.of`` remembers: a namespace's pass indexes the driver's tuple, then its compile
the same instances as the namespace sees them (``reconcile.addressing``), when they differ."""

_REMEMBERED: list[tuple[tuple[model.ObservedInstance, ...], Index]] = []
"""The tuples ``Index.of`` indexed last, most recent first, with their indexes; held, so that no other
tuple can take one's identity while it is remembered."""


def _remember(
    instances: tuple[model.ObservedInstance, ...],
    index: Index,
    remembered: list[tuple[tuple[model.ObservedInstance, ...], Index]],
) -> None:
    others = [entry for entry in remembered if entry[0] is not instances]
    _REMEMBERED[:] = [(instances, index), *others][:_REMEMBER]


def _table(values: list[str | None]) -> _Table:
    """The table of ``values``, one per instance in order; ``None`` is an instance without a value."""
    grouped: dict[str, list[int]] = {}
    for position, value in enumerate(values):
        if value is not None:
            found = grouped.get(value)
            if found is None:
                grouped[value] = [position]
            else:
                found.append(position)
    return _Table(
        {value: frozenset(positions) for value, positions in grouped.items()},
        frozenset(position for position, value in enumerate(values) if value is not None),
    )
