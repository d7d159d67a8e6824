"""When runs start: a daemon's restart back-off, and which tick of a time schedule comes next."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from vamp.core.workflows import cadence, runs

START = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def timing(period: float = 2.0, repeat: int | None = 3, start: datetime = START) -> runs.Timing:
    return runs.Timing(start=start, period=period, period_text=f"PT{period:g}S", repeat=repeat)


def at(seconds: float) -> datetime:
    return START + timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("short_runs", "delay"), [(0, 1.0), (1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (5, 10.0), (40, 10.0)]
)
def test_the_restart_delay_starts_at_1_s_and_doubles_up_to_the_limit(short_runs: int, delay: float):
    assert cadence.restart_delay(short_runs, 10.0) == delay


@pytest.mark.parametrize(
    ("last", "now", "expected"),
    [
        (None, -5.0, (0, 0.0)),  # before the start: the first tick, at the start
        (None, 0.0, (0, 0.0)),
        (0, 0.1, (1, 2.0)),  # just after tick 0: tick 1, a period later
        (1, 2.05, (2, 4.0)),
        (None, 4.5, (2, 4.0)),  # started late: only the latest tick past runs, the missed ones are lost
        (0, 5.0, (2, 4.0)),
        (2, 4.1, None),  # three repeats done
        (None, 7.0, None),  # every tick already past
    ],
)
def test_the_next_tick_of_a_time_schedule(last: int | None, now: float, expected: tuple[int, float] | None):
    tick = cadence.next_tick(timing(), last, at(now))
    if expected is None:
        assert tick is None
    else:
        assert tick == cadence.Tick(expected[0], at(expected[1]))


def test_a_time_schedule_without_repeat_runs_forever():
    tick = cadence.next_tick(timing(repeat=None), 9999, at(0))
    assert tick == cadence.Tick(10000, at(20000))


def test_a_time_schedule_with_period_0_runs_once():
    assert cadence.next_tick(timing(period=0, repeat=None), None, at(5)) == cadence.Tick(0, START)
    assert cadence.next_tick(timing(period=0, repeat=None), 0, at(5)) is None


def test_a_start_without_a_zone_is_utc():
    naive = START.replace(tzinfo=None)
    assert cadence.next_tick(timing(start=naive), None, at(0.5)) == cadence.Tick(0, START)


def test_a_period_under_a_second_still_counts_its_ticks() -> None:
    assert cadence.next_tick(timing(period=0.5, repeat=None), None, at(2.2)) == cadence.Tick(4, at(2.0))


def test_a_start_in_another_zone_is_the_same_instant() -> None:
    two_hours_east = timezone(timedelta(hours=2))
    start = datetime(2026, 1, 1, 14, 0, tzinfo=two_hours_east)  # 12:00 UTC
    tick = cadence.next_tick(timing(period=10.0, repeat=None, start=start), None, at(30.5))
    assert tick == cadence.Tick(3, at(30.0))
