"""Templates: named maps other documents ``import`` and deep-merge under themselves (vamp.md §1.1)."""

from __future__ import annotations

from typing import Any, Literal

from vamp.core.model.base import Metadata, Model


class Template(Model):
    kind: Literal["templates"] = "templates"
    name: str
    definition: dict[str, Any] = {}
    metadata: Metadata = {}
