"""The agents' long poll answers gzip compressed once per plan version (``plan_answers``).

What an agent notices: the answer decompresses to the plan's text byte for byte; agents woken by one
change get the same bytes, compressed once; a client that does not accept gzip gets the text as is.
"""

from __future__ import annotations

import asyncio
import gzip
import json

import httpx
import pytest

from tests.interfaces.api.harness import Harness
from vamp.core import model
from vamp.core.routing import compile
from vamp.core.routing import plan as routing_plan
from vamp.interfaces.api import plan_answers

pytestmark = pytest.mark.anyio

PLAN = "/api/v1/vga/plan"


def big_plan(first_port: int, gateways: int = 40) -> routing_plan.RoutingPlan:
    """A plan whose text is well over the size worth compressing."""
    plan = compile.compile_plan(
        [
            model.Gateway(
                name=f"shop{number}",
                port=model.GatewayPort(number=first_port + number),
                routes={f"[10.0.{number}.9:8080]": model.Route()},
            )
            for number in range(gateways)
        ],
        [],
    )
    assert len(plan.to_text()) > plan_answers.SMALLEST
    return plan


async def raw_answer(client: httpx.AsyncClient, encoding: str) -> tuple[httpx.Response, bytes]:
    """The answer to a long poll with ``Accept-Encoding: encoding``, and its body as sent (not decoded)."""
    headers = {"Accept-Encoding": encoding}
    async with client.stream("GET", PLAN, params={"version": "old"}, headers=headers) as answer:
        return answer, b"".join([chunk async for chunk in answer.aiter_raw()])


async def test_a_gzip_answer_is_the_plan_s_text_byte_for_byte_once_decompressed(api: Harness) -> None:
    plan = big_plan(9100)
    api.plans("default").publish(plan, [])

    answer, body = await raw_answer(api.client, "gzip")

    assert (answer.status_code, answer.headers["content-encoding"]) == (200, "gzip")
    assert gzip.decompress(body) == plan.to_text().encode()
    assert routing_plan.RoutingPlan.from_data(json.loads(gzip.decompress(body))) == plan


async def test_agents_asking_for_one_version_share_one_compression(api: Harness) -> None:
    answers: plan_answers.PlanAnswers = api.app.state.plan_answers
    first, second = big_plan(9100), big_plan(9200)
    api.plans("default").publish(first, [])

    at_once = await asyncio.gather(*(raw_answer(api.client, "gzip, deflate") for _ in range(5)))
    later = await raw_answer(api.client, "gzip")
    api.plans("default").publish(second, [])
    after_change = await raw_answer(api.client, "gzip")

    assert len({body for _, body in [*at_once, later]}) == 1
    assert gzip.decompress(after_change[1]) == second.to_text().encode()
    assert answers.compressions == 2


async def test_a_client_that_does_not_accept_gzip_gets_the_text(api: Harness) -> None:
    plan = big_plan(9100)
    api.plans("default").publish(plan, [])

    answer, body = await raw_answer(api.client, "identity")

    assert answer.status_code == 200
    assert "content-encoding" not in answer.headers
    assert body == plan.to_text().encode()


async def test_only_the_newest_versions_are_kept() -> None:
    answers = plan_answers.PlanAnswers(kept=2)

    for version in ("a", "b", "c", "a"):
        await answers.gzip(version, version * 2000)

    assert answers.compressions == 4  # "a" was compressed again: dropped for "c"
