"""Plans from a file or a directory on disk, read again when they change (real files, no fakes)."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.services.agent_fakes import FakeClock, FakeDataPlane, QueueSource
from vamp import errors
from vamp.adapters.plans import files as plan_files
from vamp.ports import gateway_agent
from vamp.services.agent import Agent

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def write(path: Path, text: str, *, modified: int | None = None) -> Path:
    """Write ``text`` the way a careful tool does (a hidden file renamed into place)."""
    hidden = path.with_name(f".{path.name}.tmp")
    hidden.write_text(text)
    if modified is not None:
        os.utime(hidden, ns=(modified, modified))
    hidden.replace(path)
    return path


async def next_read(reads: AsyncIterator[gateway_agent.Received]) -> gateway_agent.Received:
    return await anext(reads)


def offered_json(path: Path, text: str) -> gateway_agent.OfferedJson:
    """What the source hands over for the JSON plan file ``path`` holding ``text``: the text, undecoded."""
    return gateway_agent.OfferedJson(text.encode(), str(path), f"The plan file {path} is not valid JSON")


async def test_a_file_is_read_at_once_and_again_after_each_change(tmp_path: Path):
    plan = write(tmp_path / "plan.json", json.dumps({"version": "v1"}))
    reads = plan_files.PlanFiles(plan, interval=0.005).watch("")

    assert await next_read(reads) == offered_json(plan, '{"version": "v1"}')
    write(plan, json.dumps({"version": "v2"}))
    assert await next_read(reads) == offered_json(plan, '{"version": "v2"}')
    plan.write_text(json.dumps({"version": "v3"}))  # rewritten in place: same inode, new time and size
    assert await next_read(reads) == offered_json(plan, '{"version": "v3"}')


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("plan.yaml", "version: v1\nlisteners: []\n", {"version": "v1", "listeners": []}),
        ("plan.yml", '{"version": "v1"}', {"version": "v1"}),
    ],
)
async def test_yaml_plans_are_read_as_plain_data(tmp_path: Path, name: str, text: str, expected: object):
    plan = write(tmp_path / name, text)

    assert await next_read(plan_files.PlanFiles(plan).watch("")) == gateway_agent.Offered(expected, str(plan))


async def test_a_json_plan_is_handed_over_as_its_text_for_the_agent_to_decode(tmp_path: Path):
    plan = write(tmp_path / "plan.json", '{"version": "v1", "listeners": []}')

    assert await next_read(plan_files.PlanFiles(plan).watch("")) == offered_json(
        plan, '{"version": "v1", "listeners": []}'
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("version: [v1\n", "is not valid YAML: did not find expected ',' or ']' at line 2, column 1."),
        ("when: 2026-13-45\n", "is not valid YAML: month must be in 1..12."),
    ],
)
async def test_a_yaml_file_that_cannot_be_parsed_is_reported(tmp_path: Path, text: str, reason: str):
    plan = write(tmp_path / "plan.yaml", text)

    assert await next_read(plan_files.PlanFiles(plan).watch("")) == gateway_agent.Unavailable(
        f"The plan file {plan} {reason}"
    )


async def test_a_json_file_that_is_not_json_is_reported_by_the_agent_as_the_files(tmp_path: Path):
    plan = write(tmp_path / "plan.json", '{"version": ')
    agent = Agent(QueueSource(), FakeDataPlane(), FakeClock())

    agent.offer(await next_read(plan_files.PlanFiles(plan).watch("")))

    assert agent.status.last_error == (
        f"The plan file {plan} is not valid JSON: Expecting value: line 1 column 13 (char 12)."
    )
    assert (agent.status.rejected, agent.status.version) == (0, None)


async def test_a_file_that_disappears_is_reported_and_read_again_when_it_is_back(tmp_path: Path):
    plan = write(tmp_path / "plan.json", '{"version": "v1"}')
    reads = plan_files.PlanFiles(plan, interval=0.005).watch("")
    await next_read(reads)

    plan.unlink()
    assert await next_read(reads) == gateway_agent.Unavailable(
        f"The plan file {plan} is gone; the agent keeps serving its current plan."
    )
    write(plan, '{"version": "v1"}')
    assert await next_read(reads) == offered_json(plan, '{"version": "v1"}')


async def test_a_directory_means_its_newest_plan_file(tmp_path: Path):
    reads = plan_files.PlanFiles(tmp_path, interval=0.005).watch("")
    assert await next_read(reads) == gateway_agent.Unavailable(
        f"There is no plan file (*.json, *.yaml, *.yml) in {tmp_path} yet."
    )

    write(tmp_path / "b.json", '{"version": "b"}', modified=2_000_000_000_000_000_000)
    write(tmp_path / "a.yaml", "version: a", modified=1_000_000_000_000_000_000)
    (tmp_path / "notes.txt").write_text("not a plan")
    (tmp_path / ".c.json").write_text('{"version": "half-writ')
    assert await next_read(reads) == offered_json(tmp_path / "b.json", '{"version": "b"}')

    write(tmp_path / "c.json", '{"version": "c"}', modified=3_000_000_000_000_000_000)
    assert await next_read(reads) == offered_json(tmp_path / "c.json", '{"version": "c"}')


def test_check_refuses_a_path_that_does_not_exist(tmp_path: Path):
    missing = tmp_path / "nothing.yaml"

    with pytest.raises(errors.PlanSourceError) as raised:
        plan_files.PlanFiles(missing).check()

    assert str(raised.value) == (
        f"The plan file {missing} does not exist: give a JSON or YAML routing plan, or a directory of them."
    )


@pytest.mark.parametrize("kind", ["file", "directory"])
def test_check_accepts_a_readable_file_or_directory(tmp_path: Path, kind: str):
    path = write(tmp_path / "plan.json", "{}") if kind == "file" else tmp_path

    plan_files.PlanFiles(path).check()
