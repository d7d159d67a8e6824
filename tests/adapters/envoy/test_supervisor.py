"""The supervisor's reports, without starting Envoy (tests/e2e starts the real one)."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import cast

import pytest

from vamp import errors
from vamp.adapters.envoy import bootstrap, supervisor


def _config(workdir: Path) -> bootstrap.JsonObject:
    """As much of a bootstrap as the supervisor reads itself: where the admin socket is."""
    return {"admin": {"address": bootstrap.pipe_address(workdir / "admin.sock")}}


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
    process = supervisor.Supervisor(_config(tmp_path), tmp_path, base_id=1, executable=missing)

    with pytest.raises(errors.DataPlaneError) as raised:
        asyncio.run(process.start())

    assert str(raised.value) == (
        f"Cannot start Envoy from {missing}: [Errno 2] No such file or directory: '{missing}'"
    )
    assert process.pid is None


class ExitingEnvoy:
    """Stands in for Envoy's process: takes signals, and exits when the test says so."""

    pid = 4242

    def __init__(self) -> None:
        self.returncode: int | None = None
        self.signals: list[int] = []
        self._exited: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def send_signal(self, signum: int) -> None:
        self.signals.append(signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    async def wait(self) -> int:
        return await self._exited

    def exit(self, returncode: int) -> None:
        self.returncode = returncode
        self._exited.set_result(returncode)


@pytest.mark.anyio
async def test_a_stop_cancelled_just_as_envoy_exits_is_cancelled(tmp_path: Path):
    envoy = ExitingEnvoy()
    process = supervisor.Supervisor(_config(tmp_path), tmp_path, base_id=1, executable=tmp_path / "envoy")
    process._process = cast(asyncio.subprocess.Process, envoy)
    stopping = asyncio.create_task(process.stop())
    await asyncio.sleep(0)  # SIGTERM sent, waiting for the exit
    assert envoy.signals == [signal.SIGTERM]

    envoy.exit(0)
    stopping.cancel()

    with pytest.raises(asyncio.CancelledError):
        await stopping
