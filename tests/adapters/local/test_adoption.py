"""After a crash, a new driver on the same home adopts what still runs and cleans up what does not.

A separate process plays the server: it deploys through its own ``LocalDriver``, reports its instances
and is killed with SIGKILL, so it never stops anything. Its processes keep running; the driver the test
then opens on the same home must take them over (same PIDs, same ports, ready), restart what died
meanwhile, stop what was undeployed, and finally stop everything on ``close``.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.adapters.local.conftest import group_gone, kill_recorded, make_driver, pids, settled, spec, until
from vamp.adapters.local import driver as local_driver
from vamp.adapters.local import processes, records
from vamp.core import model

pytestmark = pytest.mark.anyio

SCRIPT = Path(__file__).with_name("crashing_server.py")


@pytest.fixture
async def crashed(home: Path) -> AsyncIterator[list[model.ObservedInstance]]:
    """Two ready demo instances left behind by a server that was killed with SIGKILL."""
    data = json.dumps(records.spec_data(spec(instances=2)))
    server = await asyncio.create_subprocess_exec(
        sys.executable, str(SCRIPT), str(home), data, stdout=asyncio.subprocess.PIPE
    )
    try:
        assert server.stdout is not None
        line = await asyncio.wait_for(server.stdout.readline(), 30)
        instances = [model.ObservedInstance.model_validate(item) for item in json.loads(line)]
    finally:
        os.kill(server.pid, signal.SIGKILL)
        await server.wait()
    try:
        yield instances
    finally:
        kill_recorded(home)


async def test_a_new_driver_adopts_the_running_processes_of_a_crashed_one_and_stops_them_on_close(
    home: Path, crashed: list[model.ObservedInstance]
):
    left = pids(home)
    assert len(left) == 2
    assert not any(group_gone(pid) for pid in left.values())

    driver = make_driver(home)
    try:
        state = await until(settled(driver, spec(instances=2)), what="the adopted instances ready")
        assert [instance.ports for instance in state.instances] == [instance.ports for instance in crashed]
        assert [instance.name for instance in state.instances] == [instance.name for instance in crashed]
        assert pids(home) == left
    finally:
        await driver.close()

    assert all(group_gone(pid) for pid in left.values())
    assert pids(home) == {}


async def test_the_record_of_a_process_that_died_meanwhile_is_cleaned_and_the_instance_started_again(
    home: Path, crashed: list[model.ObservedInstance]
):
    left = pids(home)
    os.killpg(left[2], signal.SIGKILL)

    async def killed() -> bool:
        return group_gone(left[2])

    await until(killed, what="instance 2 gone")

    driver = make_driver(home)
    try:
        state = await until(settled(driver, spec(instances=2)), what="two ready instances again")
        now = pids(home)
        assert now[1] == left[1]
        assert now[2] != left[2]
        assert not (home / "processes" / f"{left[2]}.json").exists()
        assert state.instances[0].ports == crashed[0].ports
    finally:
        await driver.close()


async def test_processes_of_a_service_whose_record_is_gone_are_stopped(
    home: Path, crashed: list[model.ObservedInstance]
):
    left = pids(home)
    for record in (home / "services").iterdir():
        record.unlink()

    driver = make_driver(home)
    try:
        assert await driver.services("default") == []
        assert all(group_gone(pid) for pid in left.values())
        assert pids(home) == {}
    finally:
        await driver.close()


async def test_a_recorded_pid_now_held_by_another_process_is_forgotten_without_a_signal(home: Path):
    """The PID was reused: the start time differs, so the driver must not signal that process's group."""
    stranger = await asyncio.create_subprocess_exec("sleep", "60", start_new_session=True)
    try:
        reused = processes.Identity(stranger.pid, 1)
        records.Records(home).save_process(records.ProcessRecord(reused, 1, {"webport": 20001}, spec()))
        records.Records(home).save_service(spec())

        driver = make_driver(home)
        try:
            await until(settled(driver, spec()), what="a fresh instance")
            assert pids(home)[1] != stranger.pid
        finally:
            await driver.close()

        assert stranger.returncode is None
        assert not group_gone(stranger.pid)
    finally:
        stranger.kill()
        await stranger.wait()


async def test_a_driver_that_may_not_run_commands_stops_what_an_earlier_run_left_instead_of_adopting_it(
    home: Path, crashed: list[model.ObservedInstance]
):
    left = pids(home)
    assert len(left) == 2

    strict = local_driver.LocalDriver(home, stop_timeout=2.0, allow_commands=False)
    try:
        assert await strict.instances() == []
        assert all(group_gone(pid) for pid in left.values())
        assert pids(home) == {}
        assert list(records.Records(home).load().services) == []
    finally:
        await strict.close()
