"""The demo service as a process: what it answers, how badly it behaves when asked, and how it stops."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.demo.conftest import Demo, get, get_json


def test_json_tells_the_version_instance_address_path_and_headers(start_demo: Callable[..., Demo]):
    demo = start_demo("--version", "1.1")
    connection = demo.connect()

    answer = get_json(connection, "/json?x=1", **{"X-Trace": "abc"})

    assert answer == {
        "version": "1.1",
        "instance": answer["instance"],
        "host": "127.0.0.1",
        "port": demo.port,
        "path": "/json",
        "headers": {"Host": f"127.0.0.1:{demo.port}", "Accept-Encoding": "identity", "X-Trace": "abc"},
    }
    assert answer["instance"] == f"{socket.gethostname()}-{demo.process.pid}"
    assert get_json(connection, "/sava/anything", Accept="application/json")["path"] == "/sava/anything"


def test_the_page_shows_the_version_on_its_colour_and_health_answers_200(start_demo: Callable[..., Demo]):
    connection = start_demo("--version", "1.1").connect()

    status, content_type, page = get(connection, "/")

    assert (status, content_type) == (200, "text/html; charset=utf-8")
    assert "<h1>1.1</h1>" in page
    assert "background: hsl(195, 65%, 42%)" in page
    assert get(connection, "/health") == (200, "text/plain; charset=utf-8", "OK\n")


def test_requests_share_one_kept_alive_connection(start_demo: Callable[..., Demo]):
    connection = start_demo().connect()
    get(connection, "/json")
    first = connection.sock

    statuses = Counter(get(connection, "/json")[0] for _ in range(200))

    assert statuses == {200: 200}
    assert connection.sock is first


@pytest.mark.parametrize(("rate", "low", "high"), [("0", 0, 0), ("0.3", 250, 350), ("1", 1000, 1000)])
def test_the_failure_rate_is_the_share_of_requests_answered_500_and_health_never_fails(
    start_demo: Callable[..., Demo], rate: str, low: int, high: int
):
    connection = start_demo("--failure-rate", rate).connect()

    statuses = Counter(get(connection, "/json")[0] for _ in range(1000))
    health = Counter(get(connection, "/health")[0] for _ in range(100))

    assert set(statuses) <= {200, 500}
    assert low <= statuses[500] <= high
    assert health == {200: 100}


def test_a_failed_answer_still_says_which_version_failed(start_demo: Callable[..., Demo]):
    connection = start_demo("--failure-rate", "1", "--version", "2.0").connect()

    status, content_type, body = get(connection, "/")

    assert (status, content_type) == (500, "application/json")
    assert '"version": "2.0"' in body
    assert '"error": "failed on purpose (--failure-rate)"' in body


def timed(connection, path: str) -> float:
    started = time.monotonic()
    get(connection, path)
    return time.monotonic() - started


def test_latency_delays_every_answer_but_health(start_demo: Callable[..., Demo]):
    connection = start_demo("--latency", "300").connect()

    delays = [timed(connection, "/json") for _ in range(5)]
    health = [timed(connection, "/health") for _ in range(5)]

    assert min(delays) >= 0.3
    assert max(health) < 0.3


def test_a_latency_file_changes_the_latency_while_it_runs_and_never_delays_health(
    start_demo: Callable[..., Demo], tmp_path: Path
):
    file = tmp_path / "latency"
    connection = start_demo("--latency", "0", "--latency-file", str(file)).connect()
    assert timed(connection, "/json") < 0.3  # no file: --latency

    file.write_text("300\n")
    assert min(timed(connection, "/json") for _ in range(3)) >= 0.3
    assert max(timed(connection, "/health") for _ in range(3)) < 0.3

    file.write_text("0\n")
    assert max(timed(connection, "/json") for _ in range(3)) < 0.3
    file.write_text("slow")  # not milliseconds: --latency, and a line on standard error
    assert timed(connection, "/json") < 0.3
    file.write_text("300")
    assert timed(connection, "/json") >= 0.3
    file.unlink()
    assert timed(connection, "/json") < 0.3


def test_jitter_adds_up_to_its_milliseconds_at_random(start_demo: Callable[..., Demo]):
    connection = start_demo("--latency", "20", "--latency-jitter", "60").connect()

    delays = [timed(connection, "/json") for _ in range(30)]

    assert min(delays) >= 0.02
    assert max(delays) - min(delays) > 0.01


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_it_cleanly(start_demo: Callable[..., Demo], signum: signal.Signals):
    demo = start_demo("--version", "1.1")

    assert demo.stop(signum) == 0
    assert demo.process.stdout is not None
    assert demo.process.stdout.read() == "sava 1.1 (Vamp demo) stopped\n"


def test_a_port_in_use_is_a_clear_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "vamp.demo", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=30,
        )

    assert result.returncode == 1
    assert (
        result.stderr == f"vamp demo: cannot listen on 127.0.0.1:{port}: [Errno 98] Address already in use\n"
    )


def test_help_explains_every_flag():
    result = subprocess.run(
        [sys.executable, "-m", "vamp.demo", "--help"], capture_output=True, text=True, timeout=30
    )

    assert result.returncode == 0
    for flag in (
        "--port",
        "--host",
        "--version",
        "--failure-rate",
        "--latency",
        "--latency-jitter",
        "--latency-file",
    ):
        assert flag in result.stdout
