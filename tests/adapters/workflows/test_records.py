"""The records of the local workflow runtime: specs read back with the same digest, private files, and an
unreadable record named with what to do."""

from __future__ import annotations

import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.adapters.workflows.conftest import KEY, TOKEN, make_runtime, spec
from vamp import errors
from vamp.adapters.workflows import records
from vamp.core import model
from vamp.core.workflows import runs

pytestmark = pytest.mark.anyio


def test_a_recorded_spec_reads_back_with_the_same_digest(tmp_path: Path):
    timed = spec("echo hi", schedule=runs.ScheduleKind.TIME, environment={"GATEWAY": "sava/web"}, timeout=30)
    timed = runs.WorkflowSpec(
        key=timed.key,
        schedule=timed.schedule,
        deployable=timed.deployable,
        environment=timed.environment,
        scale=timed.scale,
        timeout=timed.timeout,
        timing=runs.Timing(datetime(2026, 1, 1, tzinfo=UTC), 60.0, "PT1M", 5),
        tags=("deployments", "sava"),
        arguments=(model.Argument(key="privileged", value="true"),),
        labels={"io.vamp/workflow": "canary"},
        dialects={"kubernetes": {"serviceAccount": "vamp"}},
    )
    folder = records.WorkflowFolder(tmp_path, KEY)

    folder.save_scheduled(records.Scheduled(timed, TOKEN))

    loaded = folder.load_scheduled()
    assert loaded is not None
    assert loaded.spec == timed
    assert loaded.spec.digest == timed.digest
    assert loaded.token == TOKEN
    record = folder.path / "workflow.json"
    assert stat.S_IMODE(record.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.path.stat().st_mode) == 0o700


async def test_an_unreadable_record_is_named_with_what_to_do(home: Path):
    folder = records.WorkflowFolder(home, KEY)
    folder.prepare()
    (folder.path / "workflow.json").write_text("{not json")
    local = make_runtime(home)
    try:
        with pytest.raises(errors.DriverError) as raised:
            await local.workflows("default")
    finally:
        await local.close()
    assert str(folder.path / "workflow.json") in str(raised.value)
    assert "remove the file" in str(raised.value)
