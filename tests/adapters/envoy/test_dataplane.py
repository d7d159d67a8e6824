"""The Envoy data plane's guards, without starting Envoy: faults are forced where Envoy would cause them
(the ADS server's ``publish`` is replaced where Envoy would die of a plan).

Everything that works with a real Envoy (apply, verify, restart, traffic) is proven end to end in
``tests/e2e/test_agent_*.py``; here the plan never gets that far.
"""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.services.agent_fakes import V1, V2
from vamp import errors
from vamp.adapters.envoy import admin, dataplane, files, layout, supervisor
from vamp.core.routing import plan as routing_plan

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass(frozen=True)
class Rendering:
    snapshot: files.Snapshot
    clusters: dict[str, Any]


def listener(port: int) -> dict[str, Any]:
    return {"name": "shop", "address": {"socket_address": {"address": "127.0.0.1", "port_value": port}}}


def renderer(**resources: tuple[dict[str, Any], ...]) -> dataplane.Renderer:
    def render(plan: routing_plan.RoutingPlan, _: layout.Layout) -> Rendering:
        return Rendering(files.Snapshot(plan.version, **resources), {})

    return render


def started(tmp_path: Path, render: dataplane.Renderer) -> dataplane.EnvoyDataPlane:
    """A data plane that believes Envoy runs (nothing here reaches it)."""
    data_plane = dataplane.EnvoyDataPlane(tmp_path, render, node_id="test", base_id=1)
    data_plane._admin = admin.Admin(tmp_path / "no-admin.sock")
    return data_plane


async def test_a_plan_the_renderer_cannot_handle_is_refused(tmp_path: Path):
    def render(plan: routing_plan.RoutingPlan, _: layout.Layout) -> Rendering:
        raise errors.RoutingError(["listener 'shop' has port 70000; a port is a number from 1 to 65535"])

    with pytest.raises(errors.PublishError) as raised:
        await started(tmp_path, render).apply(V1)

    assert str(raised.value) == (
        f"Routing plan {V1.version} cannot be rendered for Envoy: listener 'shop' has port 70000; "
        "a port is a number from 1 to 65535"
    )


async def test_a_plan_listening_where_another_process_does_is_refused_before_envoy_sees_it(tmp_path: Path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        data_plane = started(tmp_path, renderer(listeners=(listener(port),)))
        with pytest.raises(errors.PublishError) as raised:
            await data_plane.apply(V1)

    assert str(raised.value) == (
        f"Routing plan {V1.version} listens on 127.0.0.1:{port}, where Envoy cannot listen: Address already "
        "in use. Give the gateway another port, or stop what uses this one."
    )
    assert data_plane._xds.last_good is None  # Envoy was sent nothing


async def test_a_plan_envoy_dies_of_is_tried_once_more_then_refused(tmp_path: Path, monkeypatch):
    data_plane = started(tmp_path, renderer())
    process: supervisor.Supervisor = data_plane._supervisor
    log = process.log_path
    log.parent.mkdir(parents=True)
    log.write_text("[info][main] starting\n")
    delivered: list[str] = []

    async def deliver(snapshot: files.Snapshot, *, timeout: float) -> files.Versions:
        delivered.append(snapshot.version)
        if snapshot.version != V2.version:
            return {}
        with log.open("a") as stream:
            stream.write(
                "[2026][7][critical][assert] [watcher_impl.cc:25] assert failure: inotify_fd_ >= 0.\n"
            )
        process.exits.append(supervisor.Exit(4000 + len(process.exits), -6, requested=False))
        raise errors.DataPlaneError("Envoy's admin endpoint http://127.0.0.1:9/config_dump did not answer")

    monkeypatch.setattr(data_plane._xds, "publish", deliver)

    with pytest.raises(errors.DataPlaneError) as first:
        await data_plane.apply(V2)
    with pytest.raises(errors.PublishError) as second:
        await data_plane.apply(V2)

    assert str(first.value) == (
        f"Envoy died while taking routing plan {V2.version} (Envoy (pid 4000) killed by SIGABRT); it is "
        "restarted on the last good configuration, and the plan is tried once more. Envoy logged: "
        "assert failure: inotify_fd_ >= 0."
    )
    assert str(second.value) == (
        f"Envoy died while taking routing plan {V2.version} (Envoy (pid 4001) killed by SIGABRT) for the "
        "second time; it is restarted on the last good configuration. Envoy logged: assert failure: "
        "inotify_fd_ >= 0."
    )
    # After each death the ADS server is back on the last good snapshot (none yet: the empty one).
    assert delivered == [V2.version, "", V2.version, ""]
    assert data_plane.last_good() is None


async def test_envoy_that_only_did_not_answer_leaves_the_plan_to_be_tried_again(tmp_path: Path, monkeypatch):
    data_plane = started(tmp_path, renderer())
    monkeypatch.setattr(dataplane, "_NOTICE_EXIT_SECONDS", 0.02)

    async def unanswered(snapshot: files.Snapshot, *, timeout: float) -> files.Versions:
        raise errors.DataPlaneError("Envoy's admin endpoint http://127.0.0.1:9/config_dump did not answer")

    monkeypatch.setattr(data_plane._xds, "publish", unanswered)

    with pytest.raises(errors.DataPlaneError, match=r"did not answer$"):
        await data_plane.apply(V1)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, None),
        (json.dumps(V1.to_data()), V1),
    ],
    ids=["nothing-kept", "kept"],
)
def test_the_last_good_plan_is_read_back(tmp_path: Path, content: str | None, expected):
    if content is not None:
        (tmp_path / "plan.json").write_text(content)

    assert dataplane.EnvoyDataPlane(tmp_path, renderer(), node_id="t", base_id=1).last_good() == expected


def test_a_kept_plan_that_cannot_be_read_says_so(tmp_path: Path):
    (tmp_path / "plan.json").write_text("{")

    with pytest.raises(errors.RoutingError) as raised:
        dataplane.EnvoyDataPlane(tmp_path, renderer(), node_id="t", base_id=1).last_good()

    assert str(raised.value) == (
        f"The kept plan {tmp_path / 'plan.json'} is not JSON: Expecting property name enclosed in double "
        "quotes: line 1 column 2 (char 1)."
    )
