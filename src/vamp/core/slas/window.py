"""Judging a ``response_time_sliding_window`` SLA, and the SLA events that tell the verdict.

vamp.md §1.13: a cluster is watched once all of its services are deployed (``settled``). Its gateways
are its internal ones, named ``deployment/cluster/port`` as the metrics name them (``gateways_of``).
While the last SLA event of the cluster is less than ``window.interval + window.cooldown`` seconds old,
nothing is judged (``due``); otherwise the mean response time of each gateway over the last
``window.interval`` seconds is taken, and the slowest decides: above ``threshold.upper`` escalate, below
``threshold.lower`` de-escalate, else nothing; nothing measured is no verdict either.

An SLA event is of type ``event``, tagged ``sla``, ``sla:escalate`` or ``sla:deescalate``,
``deployment:<d>`` and ``cluster:<c>`` (singular, as Vamp's); anyone may publish one to escalate a
cluster, which ``signal_of`` reads back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from vamp.core import model
from vamp.core.model import sla as sla_model

SLA_TAG = "sla"


class Direction(StrEnum):
    ESCALATE = "escalate"
    DEESCALATE = "deescalate"


_DIRECTION_TAGS = {
    f"{SLA_TAG}:escalate": Direction.ESCALATE,
    f"{SLA_TAG}:deescalate": Direction.DEESCALATE,
    # The words of the issue that asked for this; taken from third parties too.
    f"{SLA_TAG}:escalation": Direction.ESCALATE,
    f"{SLA_TAG}:deescalation": Direction.DEESCALATE,
}


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the window says: ``direction`` ``None`` is "leave it", with the reason why."""

    direction: Direction | None
    reason: str
    response_time: float | None = None
    """The slowest gateway's mean response time in ms, when something was measured."""
    gateway: str | None = None
    """That gateway."""


@dataclass(frozen=True, slots=True)
class Signal:
    """An SLA event read back: which cluster of which deployment to escalate or de-escalate."""

    direction: Direction
    deployment: str
    cluster: str


def settled(cluster: model.DeploymentCluster) -> bool:
    """Whether every service of ``cluster`` is deployed (intention deployment, phase done)."""
    return bool(cluster.services) and all(
        service.status.intention is model.Intention.DEPLOYMENT
        and service.status.phase.name is model.PhaseName.DONE
        for service in cluster.services
    )


def gateways_of(deployment: str, cluster: str, found: model.DeploymentCluster) -> tuple[str, ...]:
    """The cluster's internal gateways as the metrics name them: ``deployment/cluster/port``."""
    return tuple(f"{deployment}/{cluster}/{port}" for port in sorted(found.gateways))


def due(sla: model.Sla, last_event: datetime | None, now: datetime) -> bool:
    """Whether the window may be judged: no SLA event of the cluster within ``interval + cooldown``."""
    if sla.window is None:
        return False
    if last_event is None:
        return True
    quiet = timedelta(seconds=sla.window.interval.seconds + sla.window.cooldown.seconds)
    return now - last_event >= quiet


def judge(
    sla: model.Sla, response_times: Mapping[str, float | None], last_event: datetime | None, now: datetime
) -> Verdict:
    """The verdict on a cluster's SLA from the mean response time (ms) of each of its gateways over the
    window (``None``: nothing measured), the time of its last SLA event, and now."""
    if sla.type != sla_model.RESPONSE_TIME_SLIDING_WINDOW or sla.threshold is None or sla.window is None:
        return Verdict(None, f"SLA type '{sla.type}' is not judged by a sliding window.")
    if not due(sla, last_event, now):
        quiet = sla.window.interval.seconds + sla.window.cooldown.seconds
        return Verdict(None, f"The last SLA event is less than {quiet} s old (interval + cooldown).")
    measured = {gateway: time for gateway, time in response_times.items() if time is not None}
    if not measured:
        return Verdict(None, "Nothing was measured in the window.")
    gateway = max(sorted(measured), key=lambda name: measured[name])
    slowest = measured[gateway]
    upper, lower = sla.threshold.upper, sla.threshold.lower
    if slowest > upper:
        reason = f"{slowest:.1f} ms on {gateway} is above the upper threshold of {upper} ms."
        return Verdict(Direction.ESCALATE, reason, slowest, gateway)
    if slowest < lower:
        reason = f"{slowest:.1f} ms on {gateway} is below the lower threshold of {lower} ms."
        return Verdict(Direction.DEESCALATE, reason, slowest, gateway)
    reason = f"{slowest:.1f} ms on {gateway} is within {lower}–{upper} ms."
    return Verdict(None, reason, slowest, gateway)


def sla_event(deployment: str, cluster: str, sla: model.Sla, verdict: Verdict) -> model.Event:
    """The SLA event that publishes a verdict with a direction."""
    assert verdict.direction is not None, "only a verdict with a direction is published"
    value: dict[str, object] = {
        "response_time": None if verdict.response_time is None else round(verdict.response_time, 3),
        "gateway": verdict.gateway,
        "reason": verdict.reason,
    }
    if sla.threshold is not None:
        value["threshold"] = {"upper": sla.threshold.upper, "lower": sla.threshold.lower}
    if sla.window is not None:
        value["window"] = {
            "interval": sla.window.interval.seconds,
            "cooldown": sla.window.cooldown.seconds,
        }
    return model.Event(
        tags=(
            SLA_TAG,
            f"{SLA_TAG}:{verdict.direction.value}",
            f"deployment:{deployment}",
            f"cluster:{cluster}",
        ),
        value=value,
    )


def history_tags(deployment: str, cluster: str) -> tuple[str, ...]:
    """The tags every SLA event of a cluster carries: to find the last one."""
    return (SLA_TAG, f"deployment:{deployment}", f"cluster:{cluster}")


def signal_of(event: model.Event) -> Signal | None:
    """What an SLA event asks for; ``None`` when it is not one, or names no deployment or cluster."""
    directions = {_DIRECTION_TAGS[tag] for tag in event.tags if tag in _DIRECTION_TAGS}
    if len(directions) != 1:
        return None
    deployment = _tagged(event, "deployment")
    cluster = _tagged(event, "cluster")
    if deployment is None or cluster is None:
        return None
    return Signal(directions.pop(), deployment, cluster)


def _tagged(event: model.Event, key: str) -> str | None:
    """The value of the first ``key:value`` tag of ``event``."""
    prefix = f"{key}:"
    return next((tag[len(prefix) :] for tag in event.tags if tag.startswith(prefix)), None)
