"""Reading ``/api/v1/events/stream`` in an end-to-end test: the events of one streamed answer, read as the
test waits for them, each wait with a deadline (the server's heartbeat comes at least every 15 s, so a
quiet stream still lets the deadline be checked)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any


class Events:
    """The events of one ``/api/v1/events/stream`` answer, read as the test waits for them."""

    def __init__(self, lines: Iterator[str], *, timeout: float) -> None:
        self._lines = lines
        self._timeout = timeout
        self.seen: list[dict[str, Any]] = []

    def listening(self) -> None:
        """Return once the server says the stream listens (events from now on reach it)."""
        for line in self._lines:
            if line.startswith(": listening"):
                return
        raise AssertionError("the event stream ended before it listened")

    def wait(self, *tags: str, timeout: float | None = None) -> dict[str, Any]:
        """The first event (seen already or to come) that carries every one of ``tags``, within ``timeout``
        seconds (the stream's own by default)."""
        timeout = self._timeout if timeout is None else timeout
        wanted = set(tags)
        deadline = time.monotonic() + timeout
        for seen in self.seen:
            if wanted <= set(seen["tags"]):
                return seen
        for line in self._lines:  # a heartbeat comes at least every 15 s, so the deadline is checked
            if line.startswith("data: "):
                event: dict[str, Any] = json.loads(line.removeprefix("data: "))
                self.seen.append(event)
                if wanted <= set(event["tags"]):
                    return event
            if time.monotonic() > deadline:
                break
        tags_seen = [event["tags"] for event in self.seen]
        raise AssertionError(f"no event with tags {sorted(wanted)} within {timeout:g} s; seen: {tags_seen}")
