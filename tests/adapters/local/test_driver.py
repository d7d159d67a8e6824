"""The local driver with real processes: deploy, scale, replace, undeploy, failures and refusals.

Every test runs the demo service (or a tiny shell command) as a breed would, on 127.0.0.1, and checks
what the reconciler and a user would see: states, instances, labels, ports, the environment the command
got, and which PIDs run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest

from tests.adapters.local.conftest import (
    KEY,
    group_gone,
    pids,
    recorded,
    settled,
    spec,
    state_of,
    until,
)
from vamp import errors
from vamp.adapters.local import driver as local_driver
from vamp.core import model, runtime
from vamp.ports import runtime as runtime_port

pytestmark = pytest.mark.anyio

LABELS = {
    "app": "sava",
    "version": "1.0.0",
    "io.vamp/deployment": "sava",
    "io.vamp/cluster": "sava",
    "io.vamp/service": "sava:1.0.0",
    "io.vamp/driver": "local",
}


def test_the_local_driver_is_a_runtime_driver_named_local(home: Path):
    driver: runtime_port.RuntimeDriver = local_driver.LocalDriver(home)  # checked by mypy

    assert driver.name == "local"


async def answer(instance: model.ObservedInstance) -> dict[str, object]:
    port = instance.port("webport")
    assert port is not None
    async with httpx.AsyncClient(trust_env=False) as client:
        response = await client.get(f"http://{instance.ip}:{port.number}/json")
    response.raise_for_status()
    body: dict[str, object] = response.json()
    return body


async def test_two_instances_of_the_demo_become_ready_on_distinct_ports_with_the_right_labels(
    driver: local_driver.LocalDriver,
):
    wanted = spec(instances=2)
    await driver.deploy(wanted)

    state = await until(settled(driver, wanted), what="two ready instances")

    assert state.failure is None
    assert [instance.name for instance in state.instances] == [
        "sava-sava-sava-1-0-0-1",
        "sava-sava-sava-1-0-0-2",
    ]
    numbers = [port.number for instance in state.instances for port in instance.ports]
    assert len(set(numbers)) == 2
    assert all(20000 <= number <= 29999 for number in numbers)
    for instance, number in zip(state.instances, numbers, strict=True):
        assert instance.ports == (model.ObservedPort(number=number, name="webport"),)
        assert instance.model_dump(exclude={"name", "ports"}) == {
            "ip": "127.0.0.1",
            "kind": "container",
            "namespace": "default",
            "image": None,
            "labels": LABELS,
            "ready": True,
            "deployment": "sava",
            "cluster": "sava",
            "service": "sava:1.0.0",
        }
        assert await answer(instance) == {
            "version": "1.0.0",
            "instance": instance.name,
            "host": "127.0.0.1",
            "port": number,
            "path": "/json",
            "headers": {
                "Host": f"127.0.0.1:{number}",
                "Accept": "*/*",
                "Accept-Encoding": "gzip, deflate",
                "Connection": "keep-alive",
                "User-Agent": f"python-httpx/{httpx.__version__}",
            },
        }
    assert list(await driver.instances()) == list(state.instances)
    assert await driver.services("other") == []


async def test_the_command_gets_its_ports_host_and_environment(driver: local_driver.LocalDriver, home: Path):
    echo = (
        'echo "PORT=$PORT WEB=$VAMP_PORT_WEBPORT ADMIN=$VAMP_PORT_ADMIN_PORT HOST=$VAMP_HOST '
        'INSTANCE=$VAMP_INSTANCE GREETING=$GREETING"; exec python -m vamp.demo'
    )
    wanted = spec(echo, ports=("webport", "admin-port"), environment={"GREETING": "hello world", "PORT": "1"})
    await driver.deploy(wanted)

    state = await until(settled(driver, wanted), what="a ready instance")

    (instance,) = state.instances
    web, admin = (port.number for port in instance.ports)
    log = home / "logs" / "default" / "sava" / "sava" / "sava:1.0.0-1.log"
    assert log.read_text().splitlines()[0] == (
        f"PORT={web} WEB={web} ADMIN={admin} HOST=127.0.0.1 INSTANCE=sava-sava-sava-1-0-0-1 "
        "GREETING=hello world"
    )


async def test_a_change_of_scale_adds_and_removes_instances_and_keeps_the_others(
    driver: local_driver.LocalDriver, home: Path
):
    await driver.deploy(spec(instances=1))
    await until(settled(driver, spec(instances=1)), what="one ready instance")
    first = pids(home)[1]

    await driver.deploy(spec(instances=3))
    state = await until(settled(driver, spec(instances=3)), what="three ready instances")
    assert [instance.name[-1] for instance in state.instances] == ["1", "2", "3"]
    three = pids(home)
    assert three[1] == first

    await driver.deploy(spec(instances=1))
    state = await until(settled(driver, spec(instances=1)), what="one instance left")
    assert [instance.name for instance in state.instances] == ["sava-sava-sava-1-0-0-1"]
    assert pids(home) == {1: first}
    assert group_gone(three[2])
    assert group_gone(three[3])


async def test_a_new_spec_replaces_every_process_and_some_instance_is_always_ready_and_answering(
    driver: local_driver.LocalDriver, home: Path
):
    old = spec(instances=2)
    new = spec(instances=2, environment={"VERSION": "1.1.0"})
    await driver.deploy(old)
    await until(settled(driver, old), what="the old instances ready")
    old_pids = set(pids(home).values())
    stop = asyncio.Event()
    watching = asyncio.create_task(watch_traffic(driver, stop))

    await driver.deploy(new)
    state = await until(settled(driver, new), what="the new instances ready, the old ones gone")
    stop.set()
    ready_counts, failed_requests, versions = await watching

    assert [(await answer(instance))["version"] for instance in state.instances] == ["1.1.0", "1.1.0"]
    assert min(ready_counts) >= 1, "a moment without a ready instance"
    assert failed_requests == []
    assert versions == {"1.0.0", "1.1.0"}
    assert not old_pids & set(pids(home).values())
    assert all(group_gone(pid) for pid in old_pids)


async def watch_traffic(
    driver: local_driver.LocalDriver, stop: asyncio.Event
) -> tuple[list[int], list[str], set[object]]:
    """Until ``stop``: how many instances are ready, and a request to one of them, every few milliseconds."""
    ready_counts: list[int] = []
    failed: list[str] = []
    versions: set[object] = set()
    async with httpx.AsyncClient(trust_env=False, limits=httpx.Limits(max_keepalive_connections=0)) as client:
        while not stop.is_set():
            state = await state_of(driver)
            assert state is not None
            ready = [instance for instance in state.instances if instance.ready]
            ready_counts.append(len(ready))
            for instance in ready[-1:]:
                port = instance.port("webport")
                assert port is not None
                try:
                    response = await client.get(f"http://127.0.0.1:{port.number}/json")
                    versions.add(response.json()["version"])
                except httpx.HTTPError as exc:
                    failed.append(f"{instance.name}: {exc!r}")
            await asyncio.sleep(0.005)
    return ready_counts, failed, versions


async def test_deploying_the_same_spec_again_changes_nothing(driver: local_driver.LocalDriver, home: Path):
    await driver.deploy(spec(instances=2))
    before = await until(settled(driver, spec(instances=2)), what="two ready instances")
    running = pids(home)

    await driver.deploy(spec(instances=2))

    assert await state_of(driver) == before
    assert pids(home) == running


async def test_undeploy_stops_every_process_by_its_pid_and_forgets_the_service(
    driver: local_driver.LocalDriver, home: Path
):
    await driver.deploy(spec(instances=2))
    await until(settled(driver, spec(instances=2)), what="two ready instances")
    running = list(pids(home).values())

    await driver.undeploy(KEY)

    assert all(group_gone(pid) for pid in running)
    assert await driver.services("default") == []
    assert await driver.instances() == []
    assert recorded(home) == []
    assert list((home / "services").iterdir()) == []
    await driver.undeploy(KEY)  # gone already: nothing to do


async def test_an_undeploy_cancelled_while_it_stops_leaves_the_service_for_close_to_stop(
    driver: local_driver.LocalDriver, home: Path
):
    stubborn = spec("trap '' TERM; sleep 60", ports=())  # stopping it takes the whole stop timeout
    await driver.deploy(stubborn)
    await until(settled(driver, stubborn), what="the instance runs")
    running = list(pids(home).values())

    undeploying = asyncio.create_task(driver.undeploy(KEY))

    async def stopping() -> bool:
        return await state_of(driver) is None

    await until(stopping, what="the undeploy has begun")
    undeploying.cancel()
    with pytest.raises(asyncio.CancelledError):
        await undeploying
    await driver.close()

    assert all(group_gone(pid) for pid in running)
    assert recorded(home) == []


CRASH = runtime.ServiceKey("default", "crash", "crash", "crash:1.0")


@pytest.mark.parametrize(
    ("command", "how"),
    [
        (
            "echo 'cannot start: no database' >&2; exit 3",
            "exited with code 3. The last lines of {log}:\ncannot start: no database",
        ),
        (
            "seq 1 25; exit 2",
            "exited with code 2. The last lines of {log}:\n" + "\n".join(map(str, range(16, 26))),
        ),
        ("kill -KILL $$", "was killed by SIGKILL. It wrote nothing to {log}."),
    ],
)
async def test_a_command_that_keeps_exiting_is_a_failure_with_its_exit_and_its_last_output(
    driver: local_driver.LocalDriver, home: Path, command: str, how: str
):
    await driver.deploy(spec(command, key=CRASH))

    state = await until(failed(driver, CRASH), what="a failure")

    log = home / "logs" / "default" / "crash" / "crash" / "crash:1.0-1.log"
    assert (
        state.failure
        == f"Service 'default/crash/crash/crash:1.0' keeps exiting: instance 1 {how.format(log=log)}"
    )
    assert state.ready == 0


def failed(
    driver: local_driver.LocalDriver, key: runtime.ServiceKey
) -> Callable[[], Awaitable[runtime.ServiceState | None]]:
    async def probe() -> runtime.ServiceState | None:
        state = await state_of(driver, key)
        return state if state and state.failure else None

    return probe


@pytest.mark.parametrize(
    ("wanted", "message"),
    [
        (
            spec("magneticio/sava:1.0.0", deployable_type="container/docker"),
            "Breed 'sava:1.0.0' has a container/docker deployable (magneticio/sava:1.0.0): the local driver "
            "runs only {type: command} deployables. Use the kubernetes driver for images, or give a command.",
        ),
        (
            spec("magneticio/sava:1.0.0", deployable_type="docker"),
            "Breed 'sava:1.0.0' has a docker deployable (magneticio/sava:1.0.0): the local driver runs only "
            "{type: command} deployables. Use the kubernetes driver for images, or give a command.",
        ),
        (
            spec("  "),
            "Breed 'sava:1.0.0' has an empty command: give the command to run as the deployable's "
            "definition.",
        ),
        (
            spec(
                health_checks=(
                    model.HealthCheck(port="admin", initial_delay=0, timeout=1, interval=1, failures=1),
                ),
            ),
            "Service 'default/sava/sava/sava:1.0.0' has a health check of port 'admin', which its breed "
            "does not declare. Declared ports: webport.",
        ),
    ],
)
async def test_what_the_local_driver_cannot_run_is_refused_with_what_would_work(
    driver: local_driver.LocalDriver, home: Path, wanted: runtime.ServiceSpec, message: str
):
    with pytest.raises(errors.DriverError) as raised:
        await driver.deploy(wanted)

    assert str(raised.value) == message
    assert await driver.services("default") == [
        runtime.ServiceState(wanted.key, wanted.digest, failure=message)
    ]
    assert recorded(home) == []
    await driver.undeploy(wanted.key)
    assert await driver.services("default") == []


async def test_an_image_in_place_of_a_running_command_is_a_failure_and_the_command_keeps_serving(
    driver: local_driver.LocalDriver, home: Path
):
    await driver.deploy(spec())
    before = await until(settled(driver, spec()), what="a ready instance")
    image = spec("magneticio/sava:1.1.0", deployable_type="docker")

    with pytest.raises(errors.DriverError) as raised:
        await driver.deploy(image)

    state = await state_of(driver)
    assert state is not None
    assert (state.digest, state.failure, state.instances) == (
        image.digest,
        str(raised.value),
        before.instances,
    )
    await driver.deploy(spec())
    assert await state_of(driver) == before


async def test_an_http_health_check_makes_an_instance_ready(driver: local_driver.LocalDriver):
    check = model.HealthCheck(
        path="/health", port="webport", initial_delay=0, timeout=1, interval=1, failures=1
    )
    wanted = spec(health_checks=(check,))
    await driver.deploy(wanted)

    state = await until(settled(driver, wanted), what="a ready instance")

    assert state.failure is None


async def test_changes_wake_up_on_start_readiness_and_stop_and_end_on_close(home: Path):
    driver = local_driver.LocalDriver(home, drain_seconds=0.0)
    changes = driver.changes()
    try:
        first = asyncio.ensure_future(anext(changes))
        await driver.deploy(spec())
        await asyncio.wait_for(first, 5)

        async def until_ready_by_changes() -> None:
            async for _ in changes:
                if await settled(driver, spec())():
                    return

        await asyncio.wait_for(until_ready_by_changes(), 15)
        stopped = asyncio.ensure_future(anext(changes))
        await driver.undeploy(KEY)
        await asyncio.wait_for(stopped, 5)
    finally:
        await driver.close()

    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(anext(changes), 5)


async def test_a_closed_driver_has_stopped_everything_and_refuses_work(home: Path):
    driver = local_driver.LocalDriver(home)
    await driver.deploy(spec(instances=2))
    await until(settled(driver, spec(instances=2)), what="two ready instances")
    running = list(pids(home).values())

    await driver.close()

    assert all(group_gone(pid) for pid in running)
    assert recorded(home) == []
    with pytest.raises(errors.DriverError) as raised:
        await driver.services("default")
    assert str(raised.value) == f"The local driver of {home} is closed: create a new one."


async def test_new_instances_that_never_get_ready_leave_the_old_ones_serving_and_report_a_failure(home: Path):
    driver = local_driver.LocalDriver(home, rollout_timeout=0.5, drain_seconds=0.0)
    old = spec()
    stuck = spec("exec sleep 60", environment={"VERSION": "1.1.0"})
    try:
        await driver.deploy(old)
        await until(settled(driver, old), what="the old instance ready")
        old_pid = pids(home)[1]

        await driver.deploy(stuck)
        state = await until(failed(driver, KEY), what="a failure after the rollout timeout")

        assert state.failure == (
            "Service 'default/sava/sava/sava:1.0.0' is not ready on its new spec after 0.5 s: 0 of 1 new "
            "instances are ready. The instances of the previous spec keep serving."
        )
        assert state.digest == old.digest
        assert [instance.ready for instance in state.instances] == [True, False]

        await driver.deploy(old)
        state = await until(settled(driver, old), what="the stuck instance gone")
        assert state.failure is None
        assert pids(home) == {1: old_pid}
    finally:
        await driver.close()


async def test_a_driver_that_may_not_run_commands_starts_nothing_and_says_why(home: Path):
    strict = local_driver.LocalDriver(home, allow_commands=False)
    wanted = spec()
    try:
        with pytest.raises(errors.DriverError) as raised:
            await strict.deploy(wanted)

        assert str(raised.value) == (
            "Breed 'sava:1.0.0' has a {type: command} deployable, which runs a shell command on the server's "
            "machine; this server does not run command deployables. Start it with "
            "--allow-command-deployables (vamp up allows them), or give the breed a container image for "
            "the kubernetes driver."
        )
        assert await strict.services("default") == [
            runtime.ServiceState(wanted.key, wanted.digest, failure=str(raised.value))
        ]
        assert await strict.instances() == []
        assert recorded(home) == []
    finally:
        await strict.close()
