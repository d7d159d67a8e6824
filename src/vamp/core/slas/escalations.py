"""Applying an SLA's escalations to the scales of a deployment (vamp.md §1.14), and the events telling it.

An escalation scales the FIRST service of its ``target`` cluster (default: the SLA's cluster):
``scale_instances`` by a whole number of instances, ``scale_cpu`` by cores, ``scale_memory`` by
megabytes, up when escalating and down when de-escalating. It applies only when the new value is within
``[minimum, maximum]``: an escalation at its bound does not apply (and says so). A value scaled below 0
(a negative minimum allows it) lands on 0, and the event says 0; one that would change nothing (already
at 0) does not apply (and says so). ``to_one`` tries its
escalations in order until one applies (de-escalating, in reverse order); ``to_all`` applies every one;
a list of several escalations is a ``to_all``. Escalations apply one after another, so two of them on
one cluster add up. A new scale beyond the server's scale limits (``--max-instances`` …) does not apply
either, as a user's ``PUT …/scale`` would be refused. A generic escalation type, or a reference the
caller could not resolve, is skipped with the reason. The caller resolves references, writes the new
scales and publishes the events.

An escalation event is of type ``event``, tagged ``escalation``, ``escalation:escalate`` or
``escalation:deescalate``, ``deployment:<d>`` and ``cluster:<c>`` (the scaled cluster), with the value
``{service, type, from, to}``; when nothing applied, one event tagged ``escalation:none`` with the
reasons.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from vamp.core import model, validation
from vamp.core.model import sla as sla_model
from vamp.core.slas.window import Direction
from vamp.core.units import Cpu, Memory

ESCALATION_TAG = "escalation"


@dataclass(frozen=True, slots=True)
class FirstService:
    """The first service of a cluster: the one escalations scale."""

    service: str
    scale: model.Scale


@dataclass(frozen=True, slots=True)
class Applied:
    """One escalation that applied: ``before`` and ``after`` in its unit (instances, cores, MB)."""

    type: str
    cluster: str
    service: str
    before: float
    after: float


@dataclass(frozen=True, slots=True)
class Skipped:
    """One escalation that did not apply, and why."""

    type: str
    cluster: str
    reason: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """The first services' scales after the escalations (every cluster given, changed or not), what
    applied and what did not."""

    services: Mapping[str, FirstService]
    applied: tuple[Applied, ...] = ()
    skipped: tuple[Skipped, ...] = ()

    def changed(self, before: Mapping[str, FirstService]) -> dict[str, FirstService]:
        """The clusters whose first service's scale differs from ``before``."""
        return {
            cluster: found
            for cluster, found in self.services.items()
            if cluster in before and before[cluster].scale != found.scale
        }


@dataclass(slots=True)
class _Run:
    direction: Direction
    cluster: str
    services: dict[str, FirstService]
    limits: validation.ScaleLimits
    applied: list[Applied] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def first_services(deployment: model.Deployment) -> dict[str, FirstService]:
    """The first service of every cluster that has one, by cluster."""
    return {
        name: FirstService(cluster.services[0].breed.name, cluster.services[0].scale)
        for name, cluster in deployment.clusters.items()
        if cluster.services
    }


def escalate(
    direction: Direction,
    escalations: Sequence[model.Escalation | model.Ref],
    *,
    cluster: str,
    services: Mapping[str, FirstService],
    limits: validation.ScaleLimits = validation.DEFAULT_LIMITS,
) -> Outcome:
    """Apply ``escalations`` (an SLA's, several meaning all of them) of the SLA of ``cluster`` in
    ``direction`` to ``services`` (the first service of each cluster of the deployment), within the
    server's ``limits``."""
    run = _Run(direction, cluster, dict(services), limits)
    if len(escalations) == 1:
        _apply(run, escalations[0])
    else:
        _all(run, escalations)
    return Outcome(run.services, tuple(run.applied), tuple(run.skipped))


def _apply(run: _Run, escalation: model.Escalation | model.Ref) -> bool:
    """Apply one escalation; whether anything applied."""
    if isinstance(escalation, model.Ref):
        run.skipped.append(
            Skipped("reference", run.cluster, f"Escalation '{escalation.name}' is not stored.")
        )
        return False
    if isinstance(escalation, model.GroupEscalation):
        if escalation.type == "to_one":
            return _one(run, escalation.escalations)
        return _all(run, escalation.escalations)
    if isinstance(escalation, model.ScaleEscalation):
        return _scale(run, escalation)
    known = ", ".join((*sla_model.SCALE_ESCALATION_TYPES, *sla_model.GROUP_ESCALATION_TYPES))
    reason = f"Escalation type '{escalation.type}' is not run here; these are: {known}."
    run.skipped.append(Skipped(escalation.type, run.cluster, reason))
    return False


def _one(run: _Run, escalations: Sequence[model.Escalation | model.Ref]) -> bool:
    ordered = escalations if run.direction is Direction.ESCALATE else tuple(reversed(escalations))
    return any(_apply(run, escalation) for escalation in ordered)


def _all(run: _Run, escalations: Sequence[model.Escalation | model.Ref]) -> bool:
    results = [_apply(run, escalation) for escalation in escalations]
    return any(results)


def _scale(run: _Run, escalation: model.ScaleEscalation) -> bool:
    target = escalation.target or run.cluster
    found = run.services.get(target)
    if found is None:
        reason = f"Cluster '{target}' has no service to scale."
        run.skipped.append(Skipped(escalation.type, target, reason))
        return False
    sign = 1 if run.direction is Direction.ESCALATE else -1
    step = Decimal(str(escalation.scale_by))
    if step <= 0:
        reason = f"scale_by must be more than 0, not {escalation.scale_by:g}."
        run.skipped.append(Skipped(escalation.type, target, reason))
        return False
    before, after, scale = _scaled(escalation.type, found.scale, sign * step)
    low, high = Decimal(str(escalation.minimum)), Decimal(str(escalation.maximum))
    if not low <= after <= high:
        bound = "maximum" if after > high else "minimum"
        reason = (
            f"{_what(escalation.type)} of '{found.service}' would go from {before:g} to {after:g}, "
            f"beyond the {bound} of {escalation.maximum if bound == 'maximum' else escalation.minimum:g}."
        )
        run.skipped.append(Skipped(escalation.type, target, reason))
        return False
    beyond = validation.scale_problems(scale, run.limits)
    if beyond:
        reason = f"Scaling '{found.service}': {beyond[0].message}"
        run.skipped.append(Skipped(escalation.type, target, reason))
        return False
    applied = _value(escalation.type, scale)  # below 0 lands on 0 (a negative minimum lets it go there)
    if applied == before:
        reason = f"{_what(escalation.type)} of '{found.service}' would stay at {applied:g}."
        run.skipped.append(Skipped(escalation.type, target, reason))
        return False
    run.services[target] = FirstService(found.service, scale)
    run.applied.append(Applied(escalation.type, target, found.service, float(before), float(applied)))
    return True


def _value(kind: str, scale: model.Scale) -> Decimal:
    """What an escalation of type ``kind`` scales, in its unit (instances, cores, MB), as ``scale`` has it."""
    if kind == "scale_instances":
        return Decimal(scale.instances)
    return scale.cpu.cores if kind == "scale_cpu" else scale.memory.megabytes


def _scaled(kind: str, scale: model.Scale, by: Decimal) -> tuple[Decimal, Decimal, model.Scale]:
    """The value before, after, and the scale with it, for an escalation of type ``kind``."""
    if kind == "scale_instances":
        instances = scale.instances + int(by)
        return Decimal(scale.instances), Decimal(instances), _with(scale, instances=max(instances, 0))
    if kind == "scale_cpu":
        hundredths = scale.cpu.hundredths + int(by * 100)
        cores = Decimal(hundredths) / 100
        return scale.cpu.cores, cores, _with(scale, cpu=Cpu(max(hundredths, 0)))
    hundredths = scale.memory.centimegabytes + int(by * 100)
    megabytes = Decimal(hundredths) / 100
    return scale.memory.megabytes, megabytes, _with(scale, memory=Memory(max(hundredths, 0)))


def _with(scale: model.Scale, **changes: object) -> model.Scale:
    """``scale`` changed, as an inline scale (a stored scale's name no longer describes it)."""
    return scale.model_copy(update={**changes, "name": None})


def _what(kind: str) -> str:
    return {"scale_instances": "Instances", "scale_cpu": "CPU", "scale_memory": "Memory (MB)"}[kind]


def events(deployment: str, direction: Direction, cluster: str, outcome: Outcome) -> list[model.Event]:
    """The escalation events of ``outcome``: one per applied escalation, or one ``escalation:none``."""
    if outcome.applied:
        return [
            model.Event(
                tags=(
                    ESCALATION_TAG,
                    f"{ESCALATION_TAG}:{direction.value}",
                    f"deployment:{deployment}",
                    f"cluster:{applied.cluster}",
                ),
                value={
                    "service": applied.service,
                    "type": applied.type,
                    "from": _number(applied.before),
                    "to": _number(applied.after),
                },
            )
            for applied in outcome.applied
        ]
    reasons = [skipped.reason for skipped in outcome.skipped] or ["The SLA has no escalations."]
    return [none_event(deployment, direction, cluster, " ".join(reasons))]


def none_event(deployment: str, direction: Direction, cluster: str, reason: str) -> model.Event:
    """The event saying that an SLA event of ``cluster`` changed nothing, and why."""
    return model.Event(
        tags=(ESCALATION_TAG, f"{ESCALATION_TAG}:none", f"deployment:{deployment}", f"cluster:{cluster}"),
        value={"direction": direction.value, "reason": reason},
    )


def _number(value: float) -> float | int:
    return int(value) if value == int(value) else value
