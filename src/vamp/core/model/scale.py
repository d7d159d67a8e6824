"""Scales: CPU, memory and instance count of a service (vamp.md §1.5)."""

from __future__ import annotations

from typing import Literal

from vamp.core.model.base import Metadata, Model
from vamp.core.units import Cpu, Memory


class Scale(Model):
    """How big a service runs. ``name`` is set for stored scales and ``None`` inline."""

    kind: Literal["scales"] = "scales"
    name: str | None = None
    cpu: Cpu
    memory: Memory
    instances: int = 1
    metadata: Metadata = {}


DEFAULT_SCALE = Scale(cpu=Cpu(100), memory=Memory(1000 * 100), instances=1)
"""Vamp's default when a service has no scale: 1 instance, 1 CPU, 1GB."""
