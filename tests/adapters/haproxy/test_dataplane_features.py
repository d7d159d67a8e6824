"""The renderer's features served by the HAProxy data plane itself, with the real HAProxy 2.6: TLS
(certificates read by the data plane, PEM files written 0600, kept across a kill -9 restart, a changed
certificate reloaded, put back when a delivery fails, an unreadable one refusing its gateway by name),
chaining over abstract sockets that two data planes on one host do not share, and sticky instances
gaining an instance (a server line with a cookie: a reload).

Raw HAProxy conditions HAProxy refuses are in ``test_dataplane_agent.py``. Each test starts its own data
plane and stops it by PID; the backends answer with their name.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import ssl
import stat
from pathlib import Path

import httpx
import pytest

from tests.adapters.haproxy.running import DEADLINE_S, haproxy, reloads, render_plan
from tests.core.routing.build import gateway, instance
from tests.e2e.backends import HOST, Backends, Connection
from tests.e2e.gateway_harness import cookie_of, free_ports, self_signed, send
from vamp import errors
from vamp.adapters.envoy import render_names as envoy_names
from vamp.adapters.haproxy.dataplane import HaproxyDataPlane
from vamp.adapters.haproxy.render_names import chain_socket
from vamp.core.routing import plan as routing_plan
from vamp.core.routing.compile import compile_plan

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]


def compiled(backends: Backends, *gateways: object, pool: tuple[str, ...] = ()) -> routing_plan.RoutingPlan:
    """``gateways`` over one instance per backend (service ``shop/web/<name>``), and service
    ``shop/web/pool`` with an instance at each backend of ``pool``."""
    instances = [
        instance(name, HOST, {"http": port}, service=f"shop/web/{name}")
        for name, port in backends.ports.items()
    ]
    instances += [
        instance(f"pool-{name}", HOST, {"http": backends.ports[name]}, service="shop/web/pool")
        for name in pool
    ]
    plan = compile_plan(list(gateways), instances, shared_port=None)  # type: ignore[arg-type]
    assert plan.problems == (), plan.problems
    return plan


def tls_gateway(name: str, port: int, certificate: Path, key: Path) -> object:
    tls = {"certificate": str(certificate), "private_key": str(key)}
    return gateway(name, port, ["shop/web/a/http"], tls=tls)


async def https_backend(port: int, trusted: Path) -> str:
    """The backend that answers a GET over HTTPS on ``port``, trusting only the certificate ``trusted``."""
    context = ssl.create_default_context(cafile=str(trusted))
    async with httpx.AsyncClient(verify=context) as client:
        response = await client.get(f"https://{HOST}:{port}/")
    assert response.status_code == 200
    return response.headers["x-backend"]


async def eventually_https(port: int, trusted: Path) -> str:
    deadline = asyncio.get_running_loop().time() + DEADLINE_S
    while True:
        with contextlib.suppress(httpx.HTTPError, ssl.SSLError, OSError):
            return await https_backend(port, trusted)
        if asyncio.get_running_loop().time() >= deadline:
            raise AssertionError(f"port {port} is not served over HTTPS within {DEADLINE_S} s")
        await asyncio.sleep(0.02)


async def test_a_tls_gateway_is_served_over_https_after_apply_and_after_a_kill_9_restart(
    data_plane: HaproxyDataPlane, backends: Backends, tmp_path: Path
):
    certificate, key = self_signed(tmp_path)
    (port,) = free_ports(1)

    await data_plane.apply(compiled(backends, tls_gateway("secure", port, certificate, key)))

    assert await https_backend(port, certificate) == "a"
    [pem] = data_plane.files.tls.iterdir()
    assert stat.S_IMODE(pem.stat().st_mode) == 0o600
    assert stat.S_IMODE(data_plane.files.tls.stat().st_mode) == 0o700
    assert pem.read_bytes().startswith(certificate.read_bytes())
    master = data_plane.health().pid
    assert master is not None
    data_plane.supervisor.restarted.clear()

    os.kill(master, signal.SIGKILL)
    async with asyncio.timeout(DEADLINE_S):
        await data_plane.supervisor.restarted.wait()

    assert await eventually_https(port, certificate) == "a"
    assert data_plane.health().pid not in (None, master)


async def test_a_changed_certificate_at_the_same_path_is_reloaded_and_put_back_if_the_reload_fails(
    data_plane: HaproxyDataPlane, backends: Backends, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    certificate, key = self_signed(tmp_path)
    (port,) = free_ports(1)
    plan = compiled(backends, tls_gateway("secure", port, certificate, key))
    await data_plane.apply(plan)
    first = certificate.read_bytes()
    (tmp_path / "new").mkdir()
    for renewed, path in zip(self_signed(tmp_path / "new"), (certificate, key), strict=True):
        shutil.copyfile(renewed, path)
    before = await reloads(data_plane)

    await data_plane.apply(plan)  # the same plan: only the files it names changed

    assert await reloads(data_plane) == before + 1
    assert await https_backend(port, certificate) == "a"  # trusting the new certificate only
    [pem] = data_plane.files.tls.iterdir()
    in_place = pem.read_bytes()

    shutil.copyfile(tmp_path / "shop.pem", tmp_path / "kept.pem")
    (tmp_path / "shop.pem").write_bytes(first)  # back to the first, but the reload fails
    monkeypatch.setattr(data_plane.supervisor, "reload", _no_reload)
    with pytest.raises(errors.GatewaysRefused):
        await data_plane.apply(plan)

    assert pem.read_bytes() == in_place
    assert await https_backend(port, tmp_path / "kept.pem") == "a"


async def _no_reload() -> bool:
    return False


@pytest.mark.parametrize(
    ("spoil", "said"),
    [
        ("missing", "cannot read its TLS private key file {key} (No such file or directory); give the path "),
        ("not PEM", "its TLS private key file {key} is not PEM; give a file with '-----BEGIN …' blocks"),
    ],
)
async def test_a_key_file_that_will_not_do_refuses_its_gateway_by_name(
    data_plane: HaproxyDataPlane, backends: Backends, tmp_path: Path, spoil: str, said: str
):
    certificate, key = self_signed(tmp_path)
    port, secure = free_ports(2)
    served = compiled(backends, gateway("shop", port, ["shop/web/b/http"]))
    await data_plane.apply(served)
    if spoil == "missing":
        key.unlink()
    else:
        key.write_bytes(b"not a key")

    with pytest.raises(errors.GatewaysRefused) as refused:
        await data_plane.apply(
            compiled(
                backends,
                gateway("shop", port, ["shop/web/b/http"]),
                tls_gateway("secure", secure, certificate, key),
            )
        )

    assert list(refused.value.gateways) == ["secure"]
    assert said.format(key=key) in refused.value.gateways["secure"]
    assert str(refused.value).startswith("Routing plan ")
    assert data_plane.last_good() == served
    assert (await send(port, 5)) == {"b": 5}


async def test_chained_gateways_meet_over_abstract_sockets_that_two_data_planes_do_not_share(
    tmp_path: Path, backends: Backends
):
    ports = free_ports(4)
    async with contextlib.AsyncExitStack() as stack:
        planes = [
            await stack.enter_async_context(HaproxyDataPlane(tmp_path / name, render_plan, haproxy=haproxy()))
            for name in ("one", "two")
        ]
        for plane, (front, back) in zip(planes, (ports[:2], ports[2:]), strict=True):
            await plane.apply(
                compiled(
                    backends, gateway("front", front, ["back"]), gateway("back", back, ["shop/web/a/http"])
                )
            )

        for front in (ports[0], ports[2]):
            assert (await send(front, 5)) == {"a": 5}
        sockets = [chain_socket(str(plane.files.root.parent), "back") for plane in planes]
        assert sockets[0] != sockets[1]
        for plane, own in zip(planes, sockets, strict=True):
            text = plane.files.config.read_text()
            assert f"bind {own} accept-proxy" in text
            assert f" {own} send-proxy-v2" in text  # the front's backend: no TCP hop to the back's port


async def test_an_instance_added_to_a_sticky_instance_gateway_is_reloaded_with_its_cookie(
    data_plane: HaproxyDataPlane, backends: Backends
):
    (port,) = free_ports(1)
    sticky = gateway("shop", port, {"shop/web/pool/http": {"weight": "100%"}}, sticky="instance")
    await data_plane.apply(compiled(backends, sticky, pool=("a",)))
    before = await reloads(data_plane)

    await data_plane.apply(compiled(backends, sticky, pool=("a", "b")))

    assert await reloads(data_plane) == before + 1  # a server line with a cookie is structure
    cookie = envoy_names.instance_cookie("shop")
    seen: dict[str, str] = {}
    connection = Connection(port)
    try:
        for _ in range(200):
            response = await connection.request("/")
            value = cookie_of(response, cookie)
            if value is not None:
                seen[response.backend] = value
            if len(seen) == 2:
                break
        assert set(seen) == {"a", "b"}
        again = [
            (await connection.request("/", {"cookie": f"{cookie}={seen['b']}"})).backend for _ in range(10)
        ]
    finally:
        await connection.close()
    assert again == ["b"] * 10
