"""The kept plan (``kept_plan``): written from the plan's JSON text, read back as the same plan, and kept
by a ``Keeper`` in a thread that writes the newest plan kept and never leaves an older one last."""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path

import pytest

from tests.services.agent_fakes import V1, V2
from vamp.adapters import kept_plan
from vamp.core.routing import plan as routing_plan

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def test_a_plan_is_written_as_its_text_and_read_back_as_the_same_plan(tmp_path: Path):
    path = tmp_path / "plan.json"
    texted = routing_plan.RoutingPlan.of(V1.listeners, V1.clusters, V1.problems)

    kept_plan.write(path, texted)

    assert path.read_text() == texted.to_text()
    assert json.loads(path.read_text()) == texted.to_data()
    assert kept_plan.read(path) == texted
    assert [p.name for p in tmp_path.iterdir()] == ["plan.json"]  # nothing left beside it


async def test_a_keeper_writes_the_newest_plan_kept_and_says_it_at_once(tmp_path: Path, monkeypatch):
    path = tmp_path / "plan.json"
    keeper = kept_plan.Keeper(path)
    started, release = threading.Event(), threading.Event()
    written: list[str] = []
    write = kept_plan.write

    def slow_write(where: Path, plan: routing_plan.RoutingPlan) -> None:
        started.set()
        release.wait(10)
        write(where, plan)
        written.append(plan.version)

    monkeypatch.setattr(kept_plan, "write", slow_write)

    keeper.keep(V1)
    await asyncio.to_thread(started.wait, 10)
    keeper.keep(V2)  # while V1 is written
    keeper.keep(V1)
    keeper.keep(V2)

    assert keeper.last() == V2  # at once, written or not
    assert not path.exists()
    release.set()
    await keeper.flush()

    assert written == [V1.version, V2.version]  # the plans kept meanwhile are written once, the newest
    assert kept_plan.read(path) == V2


async def test_a_keeper_without_a_plan_kept_reads_the_file(tmp_path: Path):
    kept_plan.write(tmp_path / "plan.json", V1)

    assert kept_plan.Keeper(tmp_path / "plan.json").last() == V1
    assert kept_plan.Keeper(tmp_path / "none.json").last() is None


async def test_a_write_that_fails_is_logged_and_the_next_plan_is_written(tmp_path: Path, caplog):
    folder = tmp_path / "gone"
    keeper = kept_plan.Keeper(folder / "plan.json")

    keeper.keep(V1)
    await keeper.flush()
    folder.mkdir()
    keeper.keep(V2)
    await keeper.flush()

    assert f"The routing plan {V1.version} could not be kept at {folder / 'plan.json'}" in caplog.text
    assert kept_plan.read(folder / "plan.json") == V2
