"""Steady loopback traffic through a gateway, for release tests: a fixed rate of requests that the test
starts and stops, and what answered them.

``Traffic(port, rate=..., headers=...)`` sends ``GET /json`` to ``127.0.0.1:port`` at ``rate`` requests a
second in total, spread over a few worker threads (the demo service may be told to answer slowly, and one
waiting client would lower the rate), each with its own keep-alive connection. Every answer is kept as a
``Reply``: when it came, the demo version that answered (the body itself when it is not the demo's
JSON, as the Kubernetes tests' pod servers answer; the status code when it failed; ``"unreachable"`` when
nothing answered). ``answers(since=...)`` counts them, ``last(n)`` counts the newest ``n``. Use it as a
context manager: the threads stop at the end of the block, and the block fails if they did not.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import TracebackType

import httpx

WORKERS = 4
STOP_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class Reply:
    """One answer: when it came (``time.monotonic()``), and who answered (a version, or a status code)."""

    at: float
    answered: str


class Traffic:
    """Requests at a fixed rate through the gateway on ``port``, each with ``headers``, until stopped."""

    def __init__(
        self, port: int, *, rate: float = 50.0, headers: Mapping[str, str] | None = None, path: str = "/json"
    ) -> None:
        self.port = port
        self.rate = rate
        self.headers = dict(headers or {})
        self.path = path
        self._replies: list[Reply] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._threads = [
            threading.Thread(target=self._work, args=(worker,), name=f"traffic-{port}-{worker}", daemon=True)
            for worker in range(WORKERS)
        ]

    def __enter__(self) -> Traffic:
        self.started = time.monotonic()
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop sending; wait for the workers to end."""
        self._stopping.set()
        for thread in self._threads:
            if thread.is_alive():
                thread.join(STOP_SECONDS)
        running = [thread.name for thread in self._threads if thread.is_alive()]
        assert not running, f"traffic workers still running {STOP_SECONDS:g} s after stop: {running}"

    def _work(self, worker: int) -> None:
        period = WORKERS / self.rate
        start = time.monotonic() + worker * period / WORKERS
        with httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=5.0, trust_env=False) as client:
            for sent in _counting():
                # A worker behind (a slow answer) catches up by at most one period, never in a burst.
                start = max(start, time.monotonic() - period - sent * period)
                due = start + sent * period
                if self._stopping.wait(max(0.0, due - time.monotonic())):
                    return
                self._record(self._send(client))

    def _send(self, client: httpx.Client) -> str:
        try:
            response = client.get(self.path, headers=self.headers)
        except httpx.TransportError:
            return "unreachable"
        if response.status_code != 200:
            return str(response.status_code)
        try:
            return str(response.json()["version"])
        except (ValueError, KeyError, TypeError):
            return response.text

    def _record(self, answered: str) -> None:
        with self._lock:
            self._replies.append(Reply(time.monotonic(), answered))

    def replies(self, since: float = 0.0) -> list[Reply]:
        """Every answer that came at or after ``since`` (``time.monotonic()``), oldest first."""
        with self._lock:
            return [reply for reply in self._replies if reply.at >= since]

    def last(self, count: int) -> Counter[str]:
        """Who gave the newest ``count`` answers (fewer while fewer came)."""
        with self._lock:
            return Counter(reply.answered for reply in self._replies[-count:])

    def answers(self, since: float = 0.0) -> Counter[str]:
        """How many answers each version (or status code) gave since ``since``."""
        return Counter(reply.answered for reply in self.replies(since))


def _counting() -> Iterator[int]:
    sent = 0
    while True:
        yield sent
        sent += 1
