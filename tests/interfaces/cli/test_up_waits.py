"""What ``vamp up`` waits on while it starts: the first of several things to end, and a healthy agent."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.e2e.backends import free_port
from vamp import errors
from vamp.interfaces.cli import up

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_the_first_to_end_raises_what_it_raised_and_the_others_end_too():
    others_ended = asyncio.Event()

    async def refused() -> None:
        raise errors.VampError("the agent ended")

    async def forever() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            others_ended.set()

    with pytest.raises(errors.VampError, match="the agent ended"):
        await up._first(refused(), forever())
    assert others_ended.is_set()


async def test_a_task_given_goes_on_and_keeps_what_it_raises():
    given = asyncio.create_task(asyncio.sleep(0.05))

    await up._first(asyncio.sleep(0), given)

    assert not given.done()
    await given


async def test_an_agent_that_never_gets_healthy_ends_the_start_with_where_to_look(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(up, "AGENT_START_SECONDS", 0.3)

    with pytest.raises(errors.VampError) as raised:
        await up._agent_healthy(free_port(), tmp_path)

    assert str(raised.value) == (
        f"The gateway agent's Envoy did not start within 0.3 s; see {tmp_path}/logs/agent.log."
    )
