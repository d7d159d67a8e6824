"""Runs the demo service as a real process on a free port; every one started is stopped by its PID."""

from __future__ import annotations

import contextlib
import http.client
import json
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest


@dataclass
class Demo:
    process: subprocess.Popen[str]
    port: int
    connections: list[http.client.HTTPConnection] = field(default_factory=list)

    def connect(self) -> http.client.HTTPConnection:
        """A keep-alive connection to the demo, closed when the test ends."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        self.connections.append(connection)
        return connection

    def stop(self, signum: signal.Signals = signal.SIGTERM) -> int:
        self.process.send_signal(signum)
        return self.process.wait(timeout=10)


def get(connection: http.client.HTTPConnection, path: str, **headers: str) -> tuple[int, str, str]:
    """Status, content type and body of one request on ``connection`` (kept alive)."""
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    return response.status, response.getheader("Content-Type", ""), response.read().decode()


def get_json(connection: http.client.HTTPConnection, path: str, **headers: str) -> dict[str, object]:
    status, _, body = get(connection, path, **headers)
    assert status == 200
    answer: dict[str, object] = json.loads(body)
    return answer


@pytest.fixture
def start_demo() -> Iterator[Callable[..., Demo]]:
    """``start_demo("--version", "1.1")``: a running demo on a free port, stopped when the test ends."""
    started: list[Demo] = []

    def start(*arguments: str, environment: dict[str, str] | None = None) -> Demo:
        process = subprocess.Popen(
            [sys.executable, "-m", "vamp.demo", "--port", "0", *arguments],
            stdout=subprocess.PIPE,
            text=True,
            env=environment,
        )
        assert process.stdout is not None
        line = process.stdout.readline()
        demo = Demo(process, int(line.rsplit(":", 1)[1]))
        started.append(demo)
        return demo

    yield start
    for demo in started:
        for connection in demo.connections:
            connection.close()
        if demo.process.poll() is None:
            demo.process.kill()
        demo.process.wait(timeout=10)
        with contextlib.suppress(ValueError):
            demo.process.stdout.close()  # type: ignore[union-attr]
