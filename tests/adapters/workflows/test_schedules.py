"""Runs start on their schedules (a period, a time schedule), end at their timeout, and the executions kept
are the last 16 and, besides them, the last 16 failed: real processes, conditions with deadlines."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.adapters.workflows.conftest import KEY, TOKEN, finished, make_runtime, spec, until
from vamp.adapters.workflows import runtime as workflows_runtime
from vamp.core.workflows import runs

pytestmark = pytest.mark.anyio


def starts(executions: list[runs.Execution]) -> list[float]:
    """Seconds between the starts of successive runs."""
    return [
        (after.started - before.started).total_seconds() for before, after in itertools.pairwise(executions)
    ]


async def test_a_daemon_with_a_period_runs_every_period(runtime: workflows_runtime.LocalWorkflows):
    await runtime.schedule(spec("echo tick", period=0.5), TOKEN)

    ended = (await until(finished(runtime, 4), what="four periodic runs ended"))[:4]

    assert all(item.status is runs.ExecutionStatus.SUCCEEDED for item in ended)
    assert all(gap >= 0.4 for gap in starts(ended))
    # a daemon started again after each exit would wait 1 s, then 2 s, then 2 s: 5 s in all
    assert (ended[-1].started - ended[0].started).total_seconds() < 3.0


async def test_a_tick_is_skipped_while_the_previous_run_still_goes(runtime: workflows_runtime.LocalWorkflows):
    await runtime.schedule(spec("sleep 1.2", period=0.5), TOKEN)

    ended = await until(finished(runtime, 2), what="two periodic runs ended")

    # ticks every 0.5 s: the two while the first run goes are skipped, never run at once
    assert all(gap >= 1.2 for gap in starts(ended[:2]))
    [state] = await runtime.workflows("default")
    assert state.running <= 1


async def test_a_time_schedule_with_period_2_s_and_repeat_3_runs_exactly_three_times(
    runtime: workflows_runtime.LocalWorkflows,
):
    start = datetime.now(UTC) + timedelta(seconds=0.5)
    timing = runs.Timing(start=start, period=2.0, period_text="PT2S", repeat=3)
    timed = spec("echo at $(date +%s)", schedule=runs.ScheduleKind.TIME, timing=timing)
    await runtime.schedule(timed, TOKEN)

    ended = await until(finished(runtime, 3), what="three timed runs ended")
    assert [item.trigger for item in ended] == ["time"] * 3
    assert all(item.started >= start + timedelta(seconds=2.0 * k) for k, item in enumerate(ended))

    async def two_periods_after_the_last_tick() -> bool:
        return datetime.now(UTC) > start + timedelta(seconds=2.0 * 3 + 1.0)

    await until(two_periods_after_the_last_tick, what="the time after the fourth tick would have been")
    assert len(await runtime.executions(KEY)) == 3
    [state] = await runtime.workflows("default")  # its repeats done, it stays scheduled with nothing left
    assert (state.digest, state.running) == (timed.digest, 0)


async def test_a_time_schedule_resumes_counting_its_repeats_from_its_kept_executions(home: Path):
    start = datetime.now(UTC) + timedelta(seconds=0.3)
    timing = runs.Timing(start=start, period=2.0, period_text="PT2S", repeat=2)
    timed = spec("true", schedule=runs.ScheduleKind.TIME, timing=timing)
    first = make_runtime(home)
    try:
        await first.schedule(timed, TOKEN)
        await until(finished(first, 1), what="the first timed run ended")
    finally:
        await first.close()

    second = make_runtime(home)
    try:
        await second.schedule(timed, TOKEN)
        ended = await until(finished(second, 2), what="the second timed run ended")

        async def past_the_last_tick() -> bool:
            return datetime.now(UTC) > start + timedelta(seconds=2.0 * 2 + 0.5)

        await until(past_the_last_tick, what="the time after the last tick")
        assert len(await second.executions(KEY)) == 2
        assert (ended[1].started - start).total_seconds() >= 2.0
    finally:
        await second.close()


async def test_a_hanging_run_is_killed_at_its_timeout_and_kept_among_the_failed(
    runtime: workflows_runtime.LocalWorkflows,
):
    hanging = spec("echo started; sleep 300", schedule=runs.ScheduleKind.EVENT, timeout=1.0)
    await runtime.schedule(hanging, TOKEN)
    await runtime.execute(KEY, "")

    [run] = await until(finished(runtime, 1), what="the hanging run ended")

    assert run.status is runs.ExecutionStatus.TIMED_OUT
    assert run.status.failed
    assert run.reason is not None
    assert "after running 1 s" in run.reason
    assert run.finished is not None
    assert (run.finished - run.started).total_seconds() >= 1.0
    assert [line.text for line in run.output] == ["started"]


async def test_the_last_16_executions_and_the_last_16_failed_are_kept_across_a_restart(home: Path):
    flaky = spec('test "$VAMP_WORKFLOW_DATA" != fail', schedule=runs.ScheduleKind.EVENT)
    local = make_runtime(home)
    try:
        await local.schedule(flaky, TOKEN)

        async def idle() -> bool:
            [state] = await local.workflows("default")
            return state.running == 0

        for data in ("fail", "pass"):
            await asyncio.gather(*(local.execute(KEY, data) for _ in range(20)))
            await until(idle, what=f"20 runs with {data} ended", timeout=40)
        kept = await local.executions(KEY)
    finally:
        await local.close()

    assert len(kept) == 2 * runs.KEPT_EXECUTIONS
    assert [item.status for item in kept[: runs.KEPT_EXECUTIONS]] == [runs.ExecutionStatus.SUCCEEDED] * 16
    assert [item.status for item in kept[runs.KEPT_EXECUTIONS :]] == [runs.ExecutionStatus.FAILED] * 16
    assert kept == sorted(kept, key=lambda item: item.started, reverse=True)
    reopened = make_runtime(home)
    try:
        assert await reopened.executions(KEY) == kept
    finally:
        await reopened.close()
