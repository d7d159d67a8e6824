"""The long-poll client against a tiny plan server on 127.0.0.1 that behaves as issue 4's server will."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.adapters.plans.servers import PlanServer, Serving, bound
from tests.services import agent_fakes
from vamp import errors
from vamp.adapters.plans import server as plan_server
from vamp.ports import gateway_agent
from vamp.services.agent import Agent

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def serving() -> AsyncIterator[Serving]:
    running = Serving(PlanServer(), bound())
    await running.start()
    yield running
    await running.stop()


def source(port: int, *, wait: int = 1) -> plan_server.PlanServer:
    return plan_server.PlanServer(f"http://127.0.0.1:{port}/", wait=wait, backoff=(0.01, 0.04))


async def test_a_new_plan_arrives_at_once_and_then_the_source_waits_for_the_next(serving: Serving):
    serving.server.publish({"version": "v1"})
    reads = source(serving.port).watch("v0")
    url = f"http://127.0.0.1:{serving.port}/api/v1/vga/plan"

    assert await anext(reads) == gateway_agent.Offered({"version": "v1"}, url)
    waiting = asyncio.ensure_future(anext(reads))
    while len(serving.server.asked) < 2:  # until the server holds the second request
        await asyncio.sleep(0.005)
    serving.server.publish({"version": "v2"})

    assert await waiting == gateway_agent.Offered({"version": "v2"}, url)
    assert serving.server.asked == [("v0", "1"), ("v1", "1")]


async def test_the_source_starts_from_the_version_the_agent_serves_and_polls_again_after_304(
    serving: Serving,
):
    serving.server.publish({"version": "v1"})
    reads = source(serving.port, wait=0).watch("v1")
    reading = asyncio.ensure_future(anext(reads))

    while len(serving.server.asked) < 3:
        await asyncio.sleep(0.005)
    serving.server.publish({"version": "v2"})

    assert (await reading) == gateway_agent.Offered({"version": "v2"}, f"{source(serving.port).endpoint}")
    assert serving.server.asked[:3] == [("v1", "0")] * 3


async def test_an_error_status_is_reported_and_asked_again_after_a_backoff(serving: Serving):
    serving.server.failure = 500
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        await asyncio.sleep(seconds)

    reads = plan_server.PlanServer(
        f"http://127.0.0.1:{serving.port}/", wait=1, backoff=(0.01, 0.04), sleep=sleep
    ).watch("")
    endpoint = f"http://127.0.0.1:{serving.port}/api/v1/vga/plan"

    assert await anext(reads) == gateway_agent.Unavailable(
        f"The Vamp server answered 500 to GET {endpoint}: database is locked"
    )
    assert waits == []  # the failure is reported before any wait
    serving.server.failure = None
    serving.server.publish({"version": "v1"})

    assert await anext(reads) == gateway_agent.Offered({"version": "v1"}, endpoint)
    assert waits == [0.01]
    assert serving.server.asked == [("", "1"), ("", "1")]


async def test_a_server_that_cannot_be_reached_is_reported_until_it_answers():
    listening = bound()
    port = listening.getsockname()[1]  # bound, not listening: connections are refused
    reads = source(port).watch("")

    first, second = await anext(reads), await anext(reads)
    assert (
        first
        == second
        == gateway_agent.Unavailable(
            f"The Vamp server at http://127.0.0.1:{port} cannot be reached: All connection attempts failed; "
            "the agent keeps serving its current plan."
        )
    )

    running = Serving(PlanServer(), listening)
    running.server.publish({"version": "v1"})
    await running.start()
    try:
        while isinstance(received := await anext(reads), gateway_agent.Unavailable):
            pass
        assert received == gateway_agent.Offered(
            {"version": "v1"}, f"http://127.0.0.1:{port}/api/v1/vga/plan"
        )
    finally:
        await running.stop()


async def test_an_answer_that_is_not_json_is_reported(serving: Serving):
    serving.server.not_json = True

    received = await anext(source(serving.port).watch(""))

    endpoint = f"http://127.0.0.1:{serving.port}/api/v1/vga/plan"
    assert received == gateway_agent.Unavailable(
        f"The Vamp server sent a plan that is not JSON from GET {endpoint}: "
        "Expecting value: line 1 column 1 (char 0)."
    )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "localhost:8080",
            "The server URL 'localhost:8080' is not valid: use http://HOST[:PORT] or https://HOST[:PORT].",
        ),
        (
            "ftp://server",
            "The server URL 'ftp://server' is not valid: use http://HOST[:PORT] or https://HOST[:PORT].",
        ),
    ],
)
def test_check_refuses_what_is_not_an_http_url(url: str, message: str):
    with pytest.raises(errors.PlanSourceError) as raised:
        plan_server.PlanServer(url).check()

    assert str(raised.value) == message


def test_check_accepts_an_http_url():
    plan_server.PlanServer("https://vamp.example:8080/").check()


@pytest.mark.parametrize(
    ("options", "scope"),
    [
        ({}, []),
        ({"namespaces": ("default", "acme-prod")}, [("namespace", "default"), ("namespace", "acme-prod")]),
        ({"all_namespaces": True}, [("all_namespaces", "true")]),
    ],
)
async def test_the_source_asks_for_the_namespaces_the_agent_serves(
    options: dict[str, Any], scope: list[tuple[str, str]]
) -> None:
    asked: list[list[tuple[str, str]]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(list(request.url.params.multi_items()))
        return httpx.Response(200, json={"version": "v1"})

    reads = plan_server.PlanServer(
        "http://vamp", wait=5, transport=httpx.MockTransport(answer), **options
    ).watch("v0")

    assert isinstance(await anext(reads), gateway_agent.Offered)
    assert asked == [[("version", "v0"), ("wait", "5"), *scope]]


class FakeClock:
    """A clock that moves only when the source waits: it notes each wait and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)


def scripted(*answers: httpx.Response | Exception) -> httpx.MockTransport:
    """A server that gives ``answers`` in turn, raising those that are exceptions."""
    pending = list(answers)

    def answer(request: httpx.Request) -> httpx.Response:
        given = pending.pop(0)
        if isinstance(given, Exception):
            raise given
        return given

    return httpx.MockTransport(answer)


def failing(times: int) -> list[httpx.Response | Exception]:
    return [httpx.Response(500, text="database is locked")] * times


ENDPOINT = "http://vamp/api/v1/vga/plan"


async def test_failures_are_asked_again_after_half_a_second_doubling_up_to_30_and_a_new_plan_resets_it():
    clock = FakeClock()
    answers = [*failing(9), httpx.Response(200, json={"version": "v1"}), *failing(3)]
    reads = plan_server.PlanServer("http://vamp", transport=scripted(*answers), sleep=clock.sleep).watch("v0")

    for _ in range(9):
        assert isinstance(await anext(reads), gateway_agent.Unavailable)
    assert clock.waits == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]

    assert await anext(reads) == gateway_agent.Offered({"version": "v1"}, ENDPOINT)
    assert clock.waits[8:] == [30.0]

    for _ in range(3):
        assert isinstance(await anext(reads), gateway_agent.Unavailable)
    assert clock.waits[9:] == [0.5, 1.0]  # the new plan started the backoff afresh


async def test_a_304_is_a_good_answer_that_resets_the_backoff():
    clock = FakeClock()
    unreachable = httpx.ConnectError("All connection attempts failed")
    answers: list[httpx.Response | Exception] = [
        unreachable,
        unreachable,
        httpx.Response(304),
        unreachable,
        unreachable,
    ]
    reads = plan_server.PlanServer("http://vamp", transport=scripted(*answers), sleep=clock.sleep).watch("v0")

    for _ in range(4):
        assert isinstance(await anext(reads), gateway_agent.Unavailable)

    # 0.5 and 1 before the second and third asks; the 304 is asked again at once, then 0.5 again.
    assert clock.waits == [0.5, 1.0, 0.5]


@pytest.mark.parametrize("plan", [{"version": "v0"}, {"routes": []}, {"version": ""}, ["not", "a", "plan"]])
async def test_a_plan_that_gives_no_new_version_is_passed_on_and_then_asked_again_after_a_backoff(
    plan: Any,
) -> None:
    clock = FakeClock()
    answers = [httpx.Response(200, json=plan), httpx.Response(200, json=plan)]
    answers.append(httpx.Response(200, json={"version": "v1"}))
    reads = plan_server.PlanServer("http://vamp", transport=scripted(*answers), sleep=clock.sleep).watch("v0")

    assert await anext(reads) == gateway_agent.Offered(plan, ENDPOINT)
    assert await anext(reads) == gateway_agent.Offered(plan, ENDPOINT)
    assert await anext(reads) == gateway_agent.Offered({"version": "v1"}, ENDPOINT)
    assert clock.waits == [0.5, 1.0]


async def test_the_backoff_given_is_the_first_and_the_longest_wait():
    clock = FakeClock()
    reads = plan_server.PlanServer(
        "http://vamp", backoff=(1.5, 5.0), transport=scripted(*failing(5)), sleep=clock.sleep
    ).watch("v0")

    for _ in range(5):
        await anext(reads)

    assert clock.waits == [1.5, 3.0, 5.0, 5.0]


async def test_a_server_down_for_nine_hours_is_still_asked_every_30_seconds():
    # Past about 1,025 failures an uncapped 0.5 * 2 ** n no longer fits a float and would end the agent.
    clock = FakeClock()
    reads = plan_server.PlanServer(
        "http://vamp", transport=scripted(*failing(1100)), sleep=clock.sleep
    ).watch("v0")

    for _ in range(1100):
        await anext(reads)

    assert clock.waits[-1] == 30.0
    assert set(clock.waits[6:]) == {30.0}


NOT_JSON = f"The Vamp server sent a plan that is not JSON from GET {ENDPOINT}"


async def test_a_plan_as_the_server_writes_it_is_handed_over_as_its_text_and_its_version_asked_next():
    asked: list[str] = []
    text = agent_fakes.V1.to_text().encode()

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.params["version"])
        return httpx.Response(200, content=text) if len(asked) == 1 else httpx.Response(500, text="down")

    reads = plan_server.PlanServer("http://vamp", transport=httpx.MockTransport(answer)).watch("v0")

    assert await anext(reads) == gateway_agent.OfferedJson(text, ENDPOINT, NOT_JSON)
    assert isinstance(await anext(reads), gateway_agent.Unavailable)
    assert asked == ["v0", agent_fakes.V1.version]


async def test_a_text_that_ends_as_a_plan_but_is_not_json_is_reported_by_the_agent_as_the_servers():
    text = b'{"clusters":[,"version":"0123456789abcdef"}'
    reads = plan_server.PlanServer(
        "http://vamp", transport=scripted(httpx.Response(200, content=text))
    ).watch("v0")
    agent = Agent(agent_fakes.QueueSource(), agent_fakes.FakeDataPlane(), agent_fakes.FakeClock())

    agent.offer(await anext(reads))

    assert agent.status.last_error == f"{NOT_JSON}: Expecting value: line 1 column 14 (char 13)."
    assert (agent.status.rejected, agent.status.version) == (0, None)
