"""The release-gates port: a release's webhooks, called before a step, after it, or before promoting.

The release controller calls ``ReleaseGates.call`` once per webhook of the moment it reached, with the
release's name, step, weights and last verdict as JSON (``payload``). The answer is ``None`` when the
webhook let the release go on (a 2xx answer in time), else one sentence saying why it did not (its
status and the start of its body, or that it did not answer in ``timeout`` seconds, or could not be
reached). The controller turns that into a failed check ``webhook:<name>``. Ports hold no logic and import
only the core.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class ReleaseGates(Protocol):
    async def call(self, url: str, payload: Mapping[str, Any], *, timeout: float) -> str | None:
        """POST ``payload`` to ``url``; ``None`` when it answered 2xx within ``timeout`` seconds, else why
        not. Never raises for what the webhook did."""
        ...
