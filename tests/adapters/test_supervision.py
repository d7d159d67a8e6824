"""The supervision loop both proxies share, on a tiny real child (a Python that writes a ready file):
it is restarted when it dies, with a wait that doubles while it keeps dying; every exit is recorded with
why and the end of its log; a stop that SIGTERM does not end ends with SIGKILL; a child that dies or is
not ready while starting is an error that quotes its log."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from tests.e2e.polling import eventually
from vamp import errors
from vamp.adapters import supervision

pytestmark = pytest.mark.anyio

SERVES = "import pathlib, sys, time; pathlib.Path(sys.argv[1]).touch(); time.sleep(120)"
DIES_SOON = (
    "import pathlib, sys, time; pathlib.Path(sys.argv[1]).touch(); print('dying', flush=True); sys.exit(3)"
)
IGNORES_SIGTERM = (
    "import pathlib, signal, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
    "pathlib.Path(sys.argv[1]).touch(); time.sleep(120)"
)
FAILS_TO_START = "import sys; print('boom: no configuration', flush=True); sys.exit(2)"
NEVER_READY = "import time; time.sleep(120)"


class ChildExit(supervision.Exit):
    program = "Child"


class Child(supervision.SupervisedProcess):
    """A Python running ``script``, ready once it has touched the file named by its first argument."""

    exit_record = ChildExit
    not_ready = "did not write its ready file"

    def __init__(self, workdir: Path, script: str, **timing: float) -> None:
        settings = {"ready_timeout": 20.0, "stop_timeout": 5.0, "restart_delay": 2.0} | timing
        super().__init__(workdir, "child.log", **settings)
        self.script = script
        self.executable = sys.executable
        self.ready_file = workdir / "ready"
        self.starts: list[float] = []
        self.after_exits = 0

    def _prepare(self) -> None:
        self.ready_file.unlink(missing_ok=True)
        self.starts.append(asyncio.get_running_loop().time())

    def _command(self) -> list[str]:
        return [self.executable, "-c", self.script, str(self.ready_file)]

    async def _await_ready(self, process: asyncio.subprocess.Process) -> None:
        deadline = asyncio.get_running_loop().time() + self._ready_timeout
        while not self.ready_file.exists():
            await self._check_alive(process, deadline)

    async def _after_exit(self) -> None:
        self.after_exits += 1


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


async def test_a_killed_child_is_recorded_and_restarted(tmp_path: Path):
    async with Child(tmp_path, SERVES) as child:
        first = child.pid
        assert first is not None

        os.kill(first, signal.SIGKILL)
        async with asyncio.timeout(60):
            await child.restarted.wait()

        assert [exit.reason for exit in child.exits] == [f"Child (pid {first}) killed by SIGKILL"]
        assert child.restarts == 1
        assert child.pid not in (None, first)
        assert child.after_exits == 1


async def test_a_child_that_keeps_dying_is_restarted_ever_later_up_to_the_longest_wait(tmp_path: Path):
    child = Child(tmp_path, DIES_SOON, restart_delay=0.4)
    try:
        await child.start()

        async def died_five_times() -> bool:
            return len(child.exits) >= 5

        await eventually(died_five_times, timeout=60, what="five exits")
    finally:
        await child.stop()

    gaps = [later - earlier for earlier, later in zip(child.starts, child.starts[1:], strict=False)]
    assert all(gap >= wait for gap, wait in zip(gaps, [0.1, 0.2, 0.4, 0.4], strict=False))
    died = child.exits[0]
    assert died.reason == f"Child (pid {died.pid}) exited with status 3"
    assert "dying" in died.log_tail
    assert len({exit.pid for exit in child.exits}) == len(child.exits)
    assert not any(exit.requested for exit in child.exits)


@pytest.mark.parametrize(
    ("previous", "lived", "wait"),
    [
        (0.0, 0.05, 0.1),  # the first quick death: a short wait
        (0.1, 0.05, 0.2),  # then it doubles
        (1.6, 0.05, 2.0),  # up to the longest
        (2.0, 0.05, 2.0),
        (2.0, 1.5, 0.0),  # a child that lived past a second is restarted at once
    ],
)
def test_the_wait_before_a_restart(previous: float, lived: float, wait: float):
    assert supervision.restart_wait(previous, lived, longest=2.0) == wait


async def test_a_stop_that_sigterm_does_not_end_ends_with_sigkill(tmp_path: Path):
    child = Child(tmp_path, IGNORES_SIGTERM, stop_timeout=0.5)
    await child.start()
    pid = child.pid
    assert pid is not None

    await child.stop()

    assert [exit.reason for exit in child.exits] == [f"Child (pid {pid}) killed by SIGKILL on request"]
    assert child.pid is None
    assert gone(pid)
    assert child.restarts == 0


async def test_a_child_that_dies_while_starting_is_an_error_quoting_its_log(tmp_path: Path):
    child = Child(tmp_path, FAILS_TO_START)

    with pytest.raises(errors.DataPlaneError) as raised:
        await child.start()

    message = str(raised.value)
    assert message.startswith("Child (pid ")
    assert f"exited with status 2 while starting. The end of {tmp_path / 'child.log'}:\n" in message
    assert message.endswith("boom: no configuration\n")
    assert child.pid is None


async def test_a_child_not_ready_in_time_is_killed_and_an_error(tmp_path: Path):
    child = Child(tmp_path, NEVER_READY, ready_timeout=0.5)

    with pytest.raises(errors.DataPlaneError) as raised:
        await child.start()

    assert " did not write its ready file within 0.5 s. The end of " in str(raised.value)
    assert child.pid is None
    assert child._process is not None
    assert gone(child._process.pid)


async def test_an_executable_that_cannot_be_started_is_named(tmp_path: Path):
    child = Child(tmp_path, SERVES)
    child.executable = str(tmp_path / "no-python")

    with pytest.raises(errors.DataPlaneError) as raised:
        await child.start()

    assert str(raised.value) == (
        f"Cannot start Child ({child.executable}): [Errno 2] No such file or directory: '{child.executable}'"
    )
    assert child.pid is None


async def test_a_folder_that_cannot_be_made_is_named(tmp_path: Path):
    (tmp_path / "file").write_text("")
    child = Child(tmp_path / "file" / "child", SERVES)

    with pytest.raises(errors.DataPlaneError) as raised:
        await child.start()

    assert str(raised.value) == f"Cannot make Child's folder {tmp_path / 'file' / 'child'}: Not a directory."


def test_an_exit_says_how_and_whether_it_was_asked_for():
    assert (
        supervision.Exit(7, -15, requested=True).reason == "The process (pid 7) killed by SIGTERM on request"
    )
    assert supervision.Exit(7, 1, requested=False).reason == "The process (pid 7) exited with status 1"
