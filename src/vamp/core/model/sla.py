"""SLAs and escalations (vamp.md §1.13–1.14): when to scale a cluster, and by how much."""

from __future__ import annotations

from typing import Any, Literal

from vamp.core.model.base import Metadata, Model, Ref
from vamp.core.units import Duration

RESPONSE_TIME_SLIDING_WINDOW = "response_time_sliding_window"
ESCALATION_ONLY = "escalation_only"
SCALE_ESCALATION_TYPES = ("scale_instances", "scale_cpu", "scale_memory")
GROUP_ESCALATION_TYPES = ("to_one", "to_all")


class ScaleEscalation(Model):
    """Scale the first service of ``target`` (default: the SLA's cluster) by ``scale_by`` within bounds."""

    kind: Literal["escalations"] = "escalations"
    name: str | None = None
    type: Literal["scale_instances", "scale_cpu", "scale_memory"]
    target: str | None = None
    minimum: float
    maximum: float
    scale_by: float
    metadata: Metadata = {}


class GroupEscalation(Model):
    """``to_one`` tries escalations in order until one applies; ``to_all`` applies every one."""

    kind: Literal["escalations"] = "escalations"
    name: str | None = None
    type: Literal["to_one", "to_all"]
    escalations: tuple[Escalation | Ref, ...]
    metadata: Metadata = {}


class GenericEscalation(Model):
    """An escalation of a type Vamp stores but does not run; its fields are kept as given."""

    kind: Literal["escalations"] = "escalations"
    name: str | None = None
    type: str
    parameters: dict[str, Any] = {}
    metadata: Metadata = {}


Escalation = ScaleEscalation | GroupEscalation | GenericEscalation


class Threshold(Model):
    """Response time bounds in milliseconds: above ``upper`` escalate, below ``lower`` de-escalate."""

    upper: int
    lower: int


class Window(Model):
    """Seconds to average over, and to wait after an escalation before judging again."""

    interval: Duration
    cooldown: Duration


class Sla(Model):
    """A service level agreement of a cluster. Types other than the two known ones are kept as given."""

    kind: Literal["slas"] = "slas"
    name: str | None = None
    type: str
    threshold: Threshold | None = None
    window: Window | None = None
    escalations: tuple[Escalation | Ref, ...] = ()
    parameters: dict[str, Any] = {}
    metadata: Metadata = {}


class SlaReference(Model):
    """A stored SLA by name, with escalations of its own (``{reference: s, escalations: [...]}``)."""

    name: str
    escalations: tuple[Escalation | Ref, ...] = ()


GroupEscalation.model_rebuild()
