"""Plans from a file or a directory on disk, read again when they change (real files, no fakes)."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from vamp import errors
from vamp.adapters.plans import files as plan_files
from vamp.ports import gateway_agent

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


async def test_a_file_is_read_at_once_and_again_after_each_change(tmp_path: Path):
    plan = write(tmp_path / "plan.json", json.dumps({"version": "v1"}))
    reads = plan_files.PlanFiles(plan, interval=0.005).watch("")

    assert await next_read(reads) == gateway_agent.Offered({"version": "v1"}, str(plan))
    write(plan, json.dumps({"version": "v2"}))
    assert await next_read(reads) == gateway_agent.Offered({"version": "v2"}, str(plan))
    plan.write_text(json.dumps({"version": "v3"}))  # rewritten in place: same inode, new time and size
    assert await next_read(reads) == gateway_agent.Offered({"version": "v3"}, str(plan))


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("plan.json", '{"version": "v1", "listeners": []}', {"version": "v1", "listeners": []}),
        ("plan.yaml", "version: v1\nlisteners: []\n", {"version": "v1", "listeners": []}),
        ("plan.yml", '{"version": "v1"}', {"version": "v1"}),
    ],
)
async def test_json_and_yaml_plans_are_read_as_plain_data(
    tmp_path: Path, name: str, text: str, expected: object
):
    plan = write(tmp_path / name, text)

    assert await next_read(plan_files.PlanFiles(plan).watch("")) == gateway_agent.Offered(expected, str(plan))


@pytest.mark.parametrize(
    ("name", "text", "reason"),
    [
        ("plan.json", '{"version": ', "is not valid JSON: Expecting value: line 1 column 13 (char 12)."),
        (
            "plan.yaml",
            "version: [v1\n",
            "is not valid YAML: did not find expected ',' or ']' at line 2, column 1.",
        ),
    ],
)
async def test_a_file_that_cannot_be_parsed_is_reported(tmp_path: Path, name: str, text: str, reason: str):
    plan = write(tmp_path / name, text)

    assert await next_read(plan_files.PlanFiles(plan).watch("")) == gateway_agent.Unavailable(
        f"The plan file {plan} {reason}"
    )


async def test_a_file_that_disappears_is_reported_and_read_again_when_it_is_back(tmp_path: Path):
    plan = write(tmp_path / "plan.json", '{"version": "v1"}')
    reads = plan_files.PlanFiles(plan, interval=0.005).watch("")
    await next_read(reads)

    plan.unlink()
    assert await next_read(reads) == gateway_agent.Unavailable(
        f"The plan file {plan} is gone; the agent keeps serving its current plan."
    )
    write(plan, '{"version": "v1"}')
    assert await next_read(reads) == gateway_agent.Offered({"version": "v1"}, str(plan))


async def test_a_directory_means_its_newest_plan_file(tmp_path: Path):
    reads = plan_files.PlanFiles(tmp_path, interval=0.005).watch("")
    assert await next_read(reads) == gateway_agent.Unavailable(
        f"There is no plan file (*.json, *.yaml, *.yml) in {tmp_path} yet."
    )

    write(tmp_path / "b.json", '{"version": "b"}', modified=2_000_000_000_000_000_000)
    write(tmp_path / "a.yaml", "version: a", modified=1_000_000_000_000_000_000)
    (tmp_path / "notes.txt").write_text("not a plan")
    (tmp_path / ".c.json").write_text('{"version": "half-writ')
    assert await next_read(reads) == gateway_agent.Offered({"version": "b"}, str(tmp_path / "b.json"))

    write(tmp_path / "c.json", '{"version": "c"}', modified=3_000_000_000_000_000_000)
    assert await next_read(reads) == gateway_agent.Offered({"version": "c"}, str(tmp_path / "c.json"))


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
