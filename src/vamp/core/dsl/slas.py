"""Reading SLAs and escalations (vamp.md §1.13, §1.14), stored or inline in a cluster.

SLA types: ``response_time_sliding_window`` (threshold and window), ``escalation_only``, and any other
type, kept with its other fields as ``parameters``. A cluster's SLA may also be a reference, with
escalations of its own (``{reference: s, escalations: [...]}``). Escalations: ``scale_instances``,
``scale_cpu``, ``scale_memory``; ``to_one``/``to_all`` written ``{type: to_all, escalations: [...]}``,
``{to_all: [...]}`` or ``{to_all: {escalations: [...]}}``; any other type kept with its parameters.
A list of several escalations means all of them (Vamp wraps such a list in ``to_all``; it is kept as
written here). A deployment holds its clusters' SLAs resolved (``deployed_sla``): inline, each SLA and
escalation with the name of the stored one it came from, if any.
"""

from __future__ import annotations

from typing import Any

from vamp.core import model
from vamp.core.dsl import artifact, traits
from vamp.core.dsl.cursor import Cursor, Fields, each
from vamp.core.model import sla as sla_model

_COMMON = frozenset({"kind", "name", "metadata", "lookup_name", "type", "escalations"})


def cluster_sla(cursor: Cursor) -> model.Sla | model.SlaReference | model.Ref | None:
    """A cluster's SLA: a name, ``{reference: name}`` (with escalations or without) or inline."""
    value = cursor.value
    if isinstance(value, dict) and artifact.is_reference(value) and "escalations" in value:
        fields = cursor.fields("SLA reference")
        if fields is None:
            return None
        found = artifact.reference_key(fields)
        if found is None:
            cursor.error("A reference needs a name: {reference: name}.")
        return fields.build(
            model.SlaReference,
            name=None if found is None else found.name(),
            escalations=fields.read("escalations", _escalations, ()),
        )
    return artifact.weak(cursor, "sla", lambda inline: sla(inline, named=False))


def deployed_sla(cursor: Cursor) -> model.Sla | model.SlaReference | model.Ref | None:
    """A deployed cluster's SLA: as ``cluster_sla``, but inline SLAs and escalations may keep the name of
    the stored artifact they were resolved from."""
    value = cursor.value
    if isinstance(value, dict) and not artifact.is_reference(value):
        return sla(cursor, named="name" in value, deployed=True)
    return cluster_sla(cursor)


def sla(cursor: Cursor, *, named: bool, deployed: bool = False) -> model.Sla | None:
    fields = cursor.fields("SLA")
    if fields is None:
        return None
    metadata = artifact.common(fields, "slas")
    sla_name = artifact.name(fields) if named else None
    kind = fields.read_required("type", Cursor.string)
    values: dict[str, Any] = {}
    if kind == sla_model.RESPONSE_TIME_SLIDING_WINDOW:
        values["threshold"] = fields.read_required("threshold", _threshold)
        values["window"] = fields.read_required("window", _window)
    elif kind != sla_model.ESCALATION_ONLY:
        values["parameters"] = _parameters(fields)
    return fields.build(
        model.Sla,
        name=sla_name,
        type=kind,
        escalations=fields.read("escalations", _deployed_escalations if deployed else _escalations, ()),
        metadata=metadata,
        **values,
    )


def _parameters(fields: Fields) -> dict[str, Any]:
    """The fields of an SLA or escalation of a type Vamp does not run, kept as given."""
    parameters = {key: value for key, value in fields.values.items() if key not in _COMMON}
    fields.ignore(*parameters)
    return parameters


def _threshold(cursor: Cursor) -> model.Threshold | None:
    fields = cursor.fields("threshold")
    if fields is None:
        return None
    return fields.build(
        model.Threshold,
        upper=fields.read_required("upper", _milliseconds),
        lower=fields.read_required("lower", _milliseconds),
    )


def _milliseconds(cursor: Cursor) -> int | None:
    return cursor.integer(minimum=0)


def _window(cursor: Cursor) -> model.Window | None:
    fields = cursor.fields("window")
    if fields is None:
        return None
    return fields.build(
        model.Window,
        interval=fields.read_required("interval", traits.duration),
        cooldown=fields.read_required("cooldown", traits.duration),
    )


def _escalations(cursor: Cursor) -> tuple[model.Escalation | model.Ref, ...]:
    """A list of escalations, or one."""
    items = cursor.elements() if isinstance(cursor.value, list) else [cursor.moved(0)]
    return each(
        items, lambda item: artifact.weak(item, "escalation", lambda inline: escalation(inline, named=False))
    )


def _deployed_escalations(cursor: Cursor) -> tuple[model.Escalation | model.Ref, ...]:
    """A deployed SLA's escalations: references, or inline with or without a name."""
    items = cursor.elements() if isinstance(cursor.value, list) else [cursor.moved(0)]

    def one(item: Cursor) -> model.Escalation | model.Ref | None:
        value = item.value
        if isinstance(value, dict) and "name" in value and not artifact.is_reference(value):
            return escalation(item, named=True, deployed=True)
        return artifact.weak(
            item, "escalation", lambda inline: escalation(inline, named=False, deployed=True)
        )

    return each(items, one)


def escalation(cursor: Cursor, *, named: bool, deployed: bool = False) -> model.Escalation | None:
    fields = cursor.fields("escalation")
    if fields is None:
        return None
    metadata = artifact.common(fields, "escalations")
    escalation_name = artifact.name(fields) if named else None
    group = next((key for key in sla_model.GROUP_ESCALATION_TYPES if fields.has(key)), None)
    found_group = fields.first("escalations", group) if group is not None and not fields.has("type") else None
    if found_group is not None:
        return fields.build(
            model.GroupEscalation,
            name=escalation_name,
            type=group,
            escalations=_group(found_group, deployed),
            metadata=metadata,
        )
    kind = fields.read_required("type", Cursor.string)
    common = {"name": escalation_name, "metadata": metadata}
    if kind in sla_model.SCALE_ESCALATION_TYPES:
        return fields.build(
            model.ScaleEscalation,
            type=kind,
            target=fields.read("target", Cursor.name),
            **{key: fields.read_required(key, Cursor.number) for key in ("minimum", "maximum", "scale_by")},
            **common,
        )
    if kind in sla_model.GROUP_ESCALATION_TYPES:
        escalations = fields.read_required("escalations", _deployed_escalations if deployed else _escalations)
        return fields.build(model.GroupEscalation, type=kind, escalations=escalations, **common)
    return fields.build(model.GenericEscalation, type=kind, parameters=_parameters(fields), **common)


def _group(cursor: Cursor, deployed: bool = False) -> tuple[model.Escalation | model.Ref, ...] | None:
    """``to_all: [...]`` or ``to_all: {escalations: [...]}``."""
    read = _deployed_escalations if deployed else _escalations
    if not isinstance(cursor.value, dict):
        return read(cursor)
    fields = cursor.fields("escalation group")
    if fields is None:
        return None
    found = fields.require("escalations")
    fields.finish()
    return None if found is None else read(cursor.inner("escalations", found.value))
