"""Events (vamp.md §1.16): tags, a type and a value; everything that happens is one."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from vamp.core.model.base import Model

EVENT_TYPE = re.compile(r"^[\w\-]+$")
DEFAULT_EVENT_TYPE = "event"


def expand_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """``a:b`` also tags ``a``; order kept, duplicates dropped."""
    expanded: dict[str, None] = {}
    for tag in tags:
        head, colon, _ = tag.partition(":")
        if colon:
            expanded.setdefault(head, None)
        expanded.setdefault(tag, None)
    return tuple(expanded)


class Event(Model):
    """An event. ``id`` is given by the store; ``timestamp`` ``None`` means "when it is stored"."""

    id: str | None = None
    tags: tuple[str, ...]
    type: str = DEFAULT_EVENT_TYPE
    value: Any = None
    timestamp: datetime | None = None
    version: str = "1.0"
    digest: str | None = None
