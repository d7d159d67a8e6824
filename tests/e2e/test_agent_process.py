"""``vamp agent`` end to end: the real process, the real Envoy (or HAProxy), real backends and a
keep-alive load.

The tests parametrised by ``proxy`` run once with ``--proxy envoy`` and once with ``--proxy haproxy``:
what they check (serving plan files and a server's plans, SIGTERM, a restart, a killed proxy, the status
and metrics endpoints) must hold on both; the rest check Envoy's own messages.

Each test writes plan files the way a tool would (a hidden file renamed into place), and checks what a
user sees: the responses, and what the agent says on ``/status``. The changes-under-load test prints
the time from writing a plan file to the first response routed by it (run with ``-s``).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import os
import signal
import socket
import statistics
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.adapters.plans.servers import PlanServer, Serving, bound
from tests.e2e.agents import COMMAND, running_agent, shop_plan, start_agent, write_plan
from tests.e2e.backends import Backends, Connection, Load, free_port, load
from tests.e2e.polling import eventually
from tests.e2e.vamp_process import alive, pids_under
from vamp.core.routing import plan as routing_plan

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]

RATE = 300
CONNECTIONS = 4
EITHER_PROXY = pytest.mark.parametrize("proxy", ["envoy", "haproxy"])


@pytest.fixture
def backends() -> Iterator[Backends]:
    with Backends("a", "b") as started:
        yield started


def all_to(backends: Backends, port: int, target: str) -> str:
    """The plan (as JSON) that sends every request on ``port`` to backend ``target``."""
    weights = {backends.ports[name]: "100%" if name == target else "0%" for name in ("a", "b")}
    return json.dumps(shop_plan(port, weights).to_data())


def version_of(plan: str) -> str:
    return str(json.loads(plan)["version"])


async def answered(seen: Load, since: float, backend: str) -> bool:
    return any(t > since and name == backend for t, name in reversed(seen.timeline[-50:]))


@EITHER_PROXY
async def test_a_hundred_plan_changes_under_load_fail_no_request(
    tmp_path: Path, backends: Backends, proxy: str
):
    port, plan_file = free_port(), tmp_path / "plan.json"
    first = all_to(backends, port, "a")
    write_plan(plan_file, first)
    async with running_agent(tmp_path / "agent", "--plan", str(plan_file), proxy=proxy) as agent:
        await agent.serving(version_of(first))
        seen, stopping = Load(), False
        running = asyncio.create_task(
            load(port, rate=RATE, connections=CONNECTIONS, until=lambda: stopping, seen=seen)
        )
        await eventually(lambda: answered(seen, 0.0, "a"), what="the load gets answers")
        to_first_response = []
        began = time.monotonic()
        for change in range(1, 101):
            target = "b" if change % 2 else "a"
            plan = all_to(backends, port, target)
            written = time.monotonic()
            write_plan(plan_file, plan)
            await eventually(lambda: answered(seen, written, target), timeout=2.0)  # noqa: B023
            first_routed = next(t for t, name in seen.timeline if t > written and name == target)
            to_first_response.append(first_routed - written)
            await agent.serving(version_of(plan))
        seconds = time.monotonic() - began
        stopping = True
        await running
        status = await agent.status()

    cuts = statistics.quantiles(to_first_response, n=100, method="inclusive")
    print(
        f"{proxy}: 100 plan changes in {seconds:.1f} s at {seen.total / seconds:.0f} req/s: "
        f"{len(seen.failures)} failed, {seen.connections - CONNECTIONS} reconnects; "
        f"plan file written → first response routed by it p50 {cuts[49] * 1000:.1f} ms, "
        f"p99 {cuts[98] * 1000:.1f} ms"
    )
    assert seen.failures == []
    assert seen.connections == CONNECTIONS
    assert seen.total / seconds >= 200
    assert (status["plans_applied"], status["plans_rejected"], status["last_error"]) == (101, 0, None)


@EITHER_PROXY
async def test_a_killed_proxy_serves_the_last_plan_again_within_two_seconds(
    tmp_path: Path, backends: Backends, proxy: str
):
    port, plan_file = free_port(), tmp_path / "plan.json"
    plan = all_to(backends, port, "b")
    write_plan(plan_file, plan)
    async with running_agent(tmp_path / "agent", "--plan", str(plan_file), proxy=proxy) as agent:
        await agent.serving(version_of(plan))
        killed = (await agent.status())["data_plane"]["pid"]

        started = time.monotonic()
        os.kill(killed, signal.SIGKILL)
        await eventually(lambda: served_by(port, "b"), what=f"{proxy} serves again after SIGKILL")
        downtime = time.monotonic() - started

        async def restarted() -> bool:
            return bool((await agent.status())["data_plane"]["restarts"] == 1)

        await eventually(restarted, what="the agent reports the restart")
        process = (await agent.status())["data_plane"]

    print(f"{proxy}: SIGKILL to serving the last plan again: {downtime * 1000:.0f} ms")
    assert downtime < 2.0
    assert process["pid"] not in (None, killed)
    assert process["exits"] == [f"{PRODUCTS[proxy]} (pid {killed}) killed by SIGKILL"]


PRODUCTS = {"envoy": "Envoy", "haproxy": "HAProxy"}


async def served_by(port: int, backend: str) -> bool:
    connection = Connection(port)
    try:
        return (await connection.request("/")).backend == backend
    except (OSError, asyncio.IncompleteReadError):
        return False
    finally:
        await connection.close()


@dataclasses.dataclass
class UnderLoad:
    """An agent under load (see ``under_load``); ``status`` is the agent's, once the load has stopped."""

    agent: Any
    seen: Load
    plan_file: Path
    taken: int
    """A port another socket holds."""
    status: dict[str, Any] = dataclasses.field(default_factory=dict)


@contextlib.asynccontextmanager
async def under_load(tmp_path: Path, backends: Backends, proxy: str = "envoy") -> AsyncIterator[UnderLoad]:
    """An agent serving, from a plan file, all of a gateway's traffic to backend ``a`` under a steady load,
    and a port another socket holds. At the end the load stops and the agent's last status is kept."""
    port, plan_file = free_port(), tmp_path / "plan.json"
    good = all_to(backends, port, "a")
    write_plan(plan_file, good)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        async with running_agent(tmp_path / "agent", "--plan", str(plan_file), proxy=proxy) as agent:
            await agent.serving(version_of(good))
            seen, stopping = Load(), False
            running = asyncio.create_task(
                load(port, rate=RATE, connections=CONNECTIONS, until=lambda: stopping, seen=seen)
            )
            await eventually(lambda: answered(seen, 0.0, "a"), what="the load gets answers")
            trial = UnderLoad(agent, seen, plan_file, taken.getsockname()[1])
            yield trial
            stopping = True
            await running
            trial.status = await agent.status()


def taken_port_plan(backends: Backends, taken: int) -> str:
    """A valid plan whose gateway port something else listens on: Envoy could not listen there."""
    return json.dumps(shop_plan(taken, {backends.ports["b"]: "100%"}).to_data())


def unrenderable_plan(backends: Backends, taken: int) -> str:
    """A plan with a port no listener can have: valid data, but it cannot be rendered for Envoy."""
    compiled = shop_plan(free_port(), {backends.ports["b"]: "100%"})
    listener = dataclasses.replace(compiled.listeners[0], port=70000)
    return json.dumps(routing_plan.RoutingPlan.of((listener,), compiled.clusters, ()).to_data())


def tampered_plan(backends: Backends, taken: int) -> str:
    """A plan changed after it was compiled: its version no longer matches its content."""
    data = shop_plan(free_port(), {backends.ports["b"]: "100%"}).to_data()
    data["clusters"][0]["endpoints"][0]["port"] += 1
    return json.dumps(data)


@pytest.mark.parametrize(
    ("kind", "content", "rejected", "reason"),
    [
        ("not JSON", lambda backends, taken: '{"version": ', 0, "is not valid JSON: Expecting value"),
        (
            "not a plan",
            lambda backends, taken: '{"version": "v9", "listeners": []}',
            1,
            "; the last good configuration stays. Invalid routing plan: $: missing keys",
        ),
        ("tampered", tampered_plan, 1, "does not match its content"),
    ],
    ids=["not-json", "not-a-plan", "tampered"],
)
async def test_an_invalid_plan_leaves_traffic_untouched_and_the_status_says_why(
    tmp_path: Path, backends: Backends, kind, content, rejected, reason
):
    async with under_load(tmp_path, backends) as trial:
        good = (await trial.agent.status())["version"]
        write_plan(trial.plan_file, content(backends, trial.taken))

        async def reported() -> bool:
            return (await trial.agent.status())["last_error"] is not None

        await eventually(reported, timeout=10.0, what=f"the agent reports the {kind} plan")
        answers_after = trial.seen.total
        await eventually(lambda: _true(trial.seen.total > answers_after + 100), what="more answers")
    seen, status, plan_file = trial.seen, trial.status, trial.plan_file

    assert seen.failures == []
    assert set(seen.responses) == {"a"}
    assert status["version"] == good
    assert status["plans_rejected"] == rejected
    assert reason in status["last_error"]
    assert str(plan_file) in status["last_error"]


@pytest.mark.parametrize(
    ("proxy", "content", "reason"),
    [
        (
            "envoy",
            unrenderable_plan,
            "cannot be rendered for Envoy: listener 'shop' has port 70000; a port is a number from 1 to "
            "65535",
        ),
        ("envoy", taken_port_plan, "where Envoy cannot listen: Address already in use."),
        ("haproxy", taken_port_plan, "where HAProxy cannot listen: Address already in use."),
    ],
    ids=["unrenderable", "port-in-use", "port-in-use-haproxy"],
)
async def test_a_gateway_the_data_plane_refuses_is_served_as_it_was_and_the_status_says_why(
    tmp_path: Path, backends: Backends, proxy, content, reason
):
    async with under_load(tmp_path, backends, proxy) as trial:
        bad = content(backends, trial.taken)
        write_plan(trial.plan_file, bad)
        await trial.agent.serving(version_of(bad), timeout=10.0)
        answers_after = trial.seen.total
        await eventually(lambda: _true(trial.seen.total > answers_after + 100), what="more answers")
    seen, status = trial.seen, trial.status

    assert seen.failures == []
    assert set(seen.responses) == {"a"}
    assert status["plans_rejected"] == 0
    assert [item["gateway"] for item in status["refused"]] == ["shop"]
    assert reason in status["refused"][0]["reason"]
    assert "Gateway 'shop'" in status["last_error"]


@EITHER_PROXY
async def test_sigterm_stops_the_agent_and_its_proxy_with_exit_code_0(
    tmp_path: Path, backends: Backends, proxy: str
):
    port, plan_file = free_port(), tmp_path / "plan.json"
    write_plan(plan_file, all_to(backends, port, "a"))
    agent = await start_agent(tmp_path / "agent", "--plan", str(plan_file), proxy=proxy)
    pid = (await agent.status())["data_plane"]["pid"]
    await agent.client.aclose()
    assert pid in pids_under(tmp_path / "agent")  # the proxy's processes name their files there

    returncode = await agent.stop(signal.SIGTERM)

    assert returncode == 0
    assert not alive(pid)
    assert not pids_under(tmp_path / "agent")  # nor any worker of it
    assert "vamp agent: stopping." in agent.output_text()
    assert not await served_by(port, "a")


async def test_an_agent_on_haproxy_serves_a_plan_file_and_reports_it_like_one_on_envoy(
    tmp_path: Path, backends: Backends
):
    port, plan_file = free_port(), tmp_path / "plan.json"
    plan = json.dumps(shop_plan(port, {backends.ports["a"]: "50%", backends.ports["b"]: "50%"}).to_data())
    write_plan(plan_file, plan)
    async with running_agent(tmp_path / "agent", "--plan", str(plan_file), proxy="haproxy") as agent:
        await agent.serving(version_of(plan))
        health = (await agent.client.get("/health")).json()
        status = await agent.status()
        connection = Connection(port)
        answered = Counter([(await connection.request("/")).backend for _ in range(SENT)])
        await connection.close()

        async def counted() -> bool:
            metrics.update(await agent.metrics())
            return bool(metrics["gateways"]) and metrics["gateways"][0]["requests"] == SENT

        metrics: dict[str, Any] = {}
        await eventually(counted, timeout=15.0, what=f"the agent counts {SENT} requests")
        prometheus = await agent.prometheus()
        pid = status["data_plane"]["pid"]
        haproxy_command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]

    assert (health["status"], health["proxy"], health["pid"]) == ("ok", "haproxy", pid)
    assert (status["proxy"], status["origin"], status["last_error"]) == ("haproxy", str(plan_file), None)
    assert "envoy" not in status
    assert haproxy_command.endswith(b"haproxy")
    assert set(answered) == {"a", "b"}  # 50/50: both backends in 40 requests, but for a 1 in 10^12 chance
    (gateway,) = metrics["gateways"]
    assert gateway["gateway"] == "shop"
    assert gateway["codes"]["2xx"] == SENT
    assert sum(route["requests"] for route in gateway["routes"]) == SENT
    assert 'vamp_agent_proxy_info{proxy="haproxy"} 1.0' in prometheus
    assert 'vamp_gateway_requests_total{code_class="2xx",gateway="shop"' in prometheus


SENT = 40


@EITHER_PROXY
async def test_a_restarted_agent_serves_its_last_plan_before_the_server_answers(
    tmp_path: Path, backends: Backends, proxy: str
):
    port, plan_file = free_port(), tmp_path / "plan.json"
    plan = all_to(backends, port, "b")
    write_plan(plan_file, plan)
    async with running_agent(tmp_path / "agent", "--plan", str(plan_file), proxy=proxy) as agent:
        await agent.serving(version_of(plan))

    nowhere = f"http://127.0.0.1:{free_port()}"
    async with running_agent(tmp_path / "agent", "--server", nowhere, proxy=proxy) as agent:
        status = await agent.status()
        assert await served_by(port, "b")

        async def reported() -> bool:
            return (await agent.status())["last_error"] is not None

        await eventually(reported, what="the agent reports the server it cannot reach")
        last_error = (await agent.status())["last_error"]

    assert (status["version"], status["origin"]) == (
        version_of(plan),
        "the plan this agent kept from its last run",
    )
    assert last_error == (
        f"The Vamp server at {nowhere} cannot be reached: All connection attempts failed; "
        "the agent keeps serving its current plan."
    )


async def test_a_second_agent_on_the_same_work_directory_is_refused(tmp_path: Path, backends: Backends):
    plan_file = tmp_path / "plan.json"
    write_plan(plan_file, all_to(backends, free_port(), "a"))
    async with running_agent(tmp_path / "agent", "--plan", str(plan_file)) as first:
        second = await _run_to_exit(tmp_path / "agent", "--plan", str(plan_file))

    assert second == (
        1,
        f"error: Another agent (pid {first.pid}) uses the work directory {tmp_path / 'agent'}: give each "
        "agent its own --workdir.\n",
    )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ("--plan", "{tmp}/missing.json"),
            "The plan file {tmp}/missing.json does not exist: give a JSON or YAML routing plan, "
            "or a directory of them.",
        ),
        ((), "Give the agent exactly one source of routing plans: --plan FILE|DIR or --server URL."),
        (
            ("--server", "vamp:8080"),
            "The server URL 'vamp:8080' is not valid: use http://HOST[:PORT] or https://HOST[:PORT].",
        ),
        (
            ("--plan", "{tmp}", "--listen", "{taken}"),
            "Cannot listen on 127.0.0.1:{taken} (--listen): Address already in use. Choose a free port.",
        ),
    ],
    ids=["missing-plan-file", "no-source", "bad-server-url", "listen-port-taken"],
)
async def test_a_mistake_at_start_ends_the_agent_with_one_line_and_exit_code_1(
    tmp_path: Path, arguments: tuple[str, ...], message: str
):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        fill = {"tmp": str(tmp_path), "taken": str(taken.getsockname()[1])}

        result = await _run_to_exit(tmp_path / "agent", *(argument.format(**fill) for argument in arguments))

    assert result == (1, f"error: {message.format(**fill)}\n")


async def _run_to_exit(workdir: Path, *arguments: str) -> tuple[int, str]:
    """Run ``vamp agent ARGUMENTS`` until it exits by itself; its exit code and standard error."""
    listen = () if "--listen" in arguments else ("--listen", str(free_port()))
    process = await asyncio.create_subprocess_exec(
        *COMMAND,
        *arguments,
        "--workdir",
        str(workdir),
        *listen,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), 20)
    assert process.returncode is not None
    return process.returncode, stderr.decode()


async def _true(value: bool) -> bool:
    return value


@EITHER_PROXY
async def test_plans_from_the_server_reach_traffic_as_soon_as_it_publishes_them(
    tmp_path: Path, backends: Backends, proxy: str
):
    port = free_port()
    plans = Serving(PlanServer(), bound())
    first, second = json.loads(all_to(backends, port, "a")), json.loads(all_to(backends, port, "b"))
    plans.server.publish(first)
    await plans.start()
    try:
        source = ("--server", f"http://127.0.0.1:{plans.port}")
        async with running_agent(tmp_path / "agent", *source, proxy=proxy) as agent:
            await agent.serving(first["version"])
            assert await served_by(port, "a")

            plans.server.publish(second)
            await agent.serving(second["version"])
            assert await served_by(port, "b")
            status = await agent.status()
    finally:
        await plans.stop()

    assert status["origin"] == f"http://127.0.0.1:{plans.port}/api/v1/vga/plan"
    assert plans.server.asked[:2] == [("", "30"), (first["version"], "30")]
