"""The supervisor's reports, without starting Envoy (tests/e2e starts the real one)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from vamp import errors
from vamp.adapters.envoy import supervisor


@pytest.mark.parametrize(
    ("exit", "reason"),
    [
        (supervisor.Exit(41, -9, requested=False), "Envoy (pid 41) killed by SIGKILL"),
        (supervisor.Exit(41, -15, requested=True), "Envoy (pid 41) killed by SIGTERM on request"),
        (supervisor.Exit(41, 0, requested=True), "Envoy (pid 41) exited with status 0 on request"),
        (supervisor.Exit(41, 1, requested=False), "Envoy (pid 41) exited with status 1"),
    ],
)
def test_an_exit_says_how_and_whether_it_was_asked_for(exit: supervisor.Exit, reason: str):
    assert exit.reason == reason


def test_a_missing_executable_is_a_data_plane_error(tmp_path: Path):
    missing = tmp_path / "no-envoy"
    process = supervisor.Supervisor({}, tmp_path, base_id=1, executable=missing)

    with pytest.raises(errors.DataPlaneError) as raised:
        asyncio.run(process.start())

    assert str(raised.value) == (
        f"Cannot start Envoy from {missing}: [Errno 2] No such file or directory: '{missing}'"
    )
    assert process.pid is None
