"""Vamp's own processes against the test cluster, as a user runs them, and the backends they route to.

* ``vamp_identity``: a user bound to deploy/kubernetes's ClusterRole and nothing else (not an admin), with a
  kubeconfig whose context namespace is where the servers' Lease lives;
* ``running_server``: ``vamp server --driver kubernetes`` as a subprocess, its REST API (``Api``), stopped
  by its PID at the end (SIGTERM); ``VampServer.kill`` is a crash (SIGKILL). Every server of a run is given
  the same admin token (``ADMIN_TOKEN``, as ``$VAMP_ADMIN_TOKEN``: servers sharing a store must agree on
  it) and agents' token (``AGENT_TOKEN``); its client sends the admin token with every request;
* ``running_agent``: ``vamp agent --server URL`` as a subprocess, with its own Envoy (on 127.0.0.1 unless
  told otherwise), presenting ``AGENT_TOKEN``, stopped by its PID (SIGTERM; the agent stops its Envoy);
* ``PodBackends``: small HTTP servers on pods' 127.1.x.y addresses and container ports, each answering
  every request with its pod's name (the pods are kwok's: nothing else listens there);
* ``traffic``: requests through a gateway, counted by the pod that answered.

Every process gets its own session and a log file under the test's folder (``processes.Process``).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import sys
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml
from lightkube.codecs import resource_registry
from lightkube.resources.rbac_authorization_v1 import ClusterRoleBinding

from tests.e2e.backends import free_port
from tests.k8s import controlplane, eventually, processes
from vamp.adapters.kubernetes import client as kube_client

DEPLOY = Path(__file__).parents[2] / "deploy" / "kubernetes"
RBAC = DEPLOY / "rbac.yaml"
COMMAND = (sys.executable, "-m", "vamp")
START_TIMEOUT = 60.0
STOP_GRACE = 15.0
ADMIN_TOKEN = f"vamp_{secrets.token_urlsafe(32)}"
"""The admin token of every server the tests start."""
AGENT_TOKEN = f"vamp_{secrets.token_urlsafe(32)}"
"""The agents' token of every server the tests start, which every agent presents."""


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


@dataclass(frozen=True, slots=True)
class Identity:
    """Who the servers are in the cluster: a user bound to Vamp's ClusterRole, and its kubeconfig."""

    user: str
    kubeconfig: Path
    lease_namespace: str


@contextlib.asynccontextmanager
async def vamp_identity(
    cluster: controlplane.Cluster, admin: kube_client.KubernetesClient, lease_namespace: str
) -> AsyncIterator[Identity]:
    """A new user with deploy/kubernetes's ClusterRole (applied as it is), unbound again on exit."""
    role = next(doc for doc in yaml.safe_load_all(RBAC.read_text()) if doc["kind"] == "ClusterRole")
    await admin.apply(resource_registry.load(role["apiVersion"], role["kind"]), role)
    user = cluster.add_user(f"vamp-{uuid.uuid4().hex[:8]}")
    await admin.apply(ClusterRoleBinding, _binding(user.name, role["metadata"]["name"]))
    try:
        kubeconfig = user.kubeconfig.with_name(f"{user.name}-{lease_namespace}.kubeconfig")
        settings = yaml.safe_load(user.kubeconfig.read_text())
        settings["contexts"][0]["context"]["namespace"] = lease_namespace
        kubeconfig.write_text(yaml.safe_dump(settings, sort_keys=False))
        with cluster.client(user) as as_user:

            async def allowed() -> int:
                return as_user.get("/api/v1/pods", params={"limit": 1}).status_code

            await eventually.until(
                "the user's ClusterRoleBinding to take effect", allowed, lambda code: code == 200
            )
        yield Identity(user.name, kubeconfig, lease_namespace)
    finally:
        await admin.delete(ClusterRoleBinding, user.name)


def _binding(user: str, role: str) -> dict[str, Any]:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": user},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": user}],
    }


class Api:
    """The REST API of one server in one namespace (its default when ``None``); JSON in, JSON out.

    Requests carry the client's token (the admin's), or ``token`` when given."""

    def __init__(
        self, client: httpx.AsyncClient, namespace: str | None = None, *, token: str | None = None
    ) -> None:
        self._client = client
        self._prefix = f"/{namespace}/api/v1" if namespace else "/api/v1"
        self._headers = bearer(token) if token else {}

    async def get(self, path: str, **params: Any) -> Any:
        return _checked(await self.request("GET", path, params=params)).json()

    async def found(self, path: str) -> Any | None:
        """What GET ``path`` answers, or ``None`` on 404."""
        response = await self.request("GET", path)
        return None if response.status_code == httpx.codes.NOT_FOUND else _checked(response).json()

    async def send(self, method: str, path: str, yaml_body: str) -> Any:
        response = await self.request(
            method, path, content=yaml_body, headers={"content-type": "application/x-yaml"}
        )
        return _checked(response).json()

    async def request(
        self, method: str, path: str, *, headers: Mapping[str, str] | None = None, **arguments: Any
    ) -> httpx.Response:
        """The answer to ``METHOD path``, whatever its status."""
        return await self._client.request(
            method, f"{self._prefix}/{path}", headers={**self._headers, **(headers or {})}, **arguments
        )

    async def routes(self, gateway: str) -> dict[str, Any]:
        """The gateway's routes as GET shows them (weights, targets), by path; ``{}`` while it has none."""
        found = await self.found(f"gateways/{gateway}")
        return {} if found is None else dict(found.get("routes") or {})

    async def set_weights(self, gateway: str, weights: Mapping[str, str]) -> None:
        """Change route weights as ``vamp update-gateway --weights`` does: read, change, PUT back whole."""
        found = await self.get(f"gateways/{gateway}")
        for route, weight in weights.items():
            found["routes"][route]["weight"] = weight
        await self.send("PUT", f"gateways/{gateway}", yaml.safe_dump(found))

    async def plan_version(self) -> str | None:
        info = await self.get("info", on="gateway_driver")
        version: str | None = info["gateway_driver"]["plan"]
        return version


def _checked(response: httpx.Response) -> httpx.Response:
    if response.is_error:
        raise AssertionError(
            f"{response.request.method} {response.request.url} answered {response.status_code}: "
            f"{response.text}"
        )
    return response


@dataclass
class VampServer:
    """A running ``vamp server``: its process, its URL and its identity in the leader election."""

    process: processes.Process
    url: str
    identity: str
    client: httpx.AsyncClient

    def api(self, namespace: str | None = None, *, token: str | None = None) -> Api:
        return Api(self.client, namespace, token=token)

    async def create_environment(self, organisation: str, environment: str) -> str:
        """Create the environment (and its organisation unless it exists) as the admin; its namespace."""
        server = self.api()
        organisations = await server.get("organisations")
        if organisation not in [found["name"] for found in organisations]:
            await server.send("POST", "organisations", f"name: {organisation}\n")
        created = await server.send(
            "POST", f"organisations/{organisation}/environments", f"name: {environment}\n"
        )
        namespace: str = created["namespace"]
        return namespace

    @property
    def pid(self) -> int:
        return self.process.popen.pid

    def kill(self) -> None:
        """SIGKILL, as a crash would: no lease released, nothing finished."""
        os.kill(self.pid, signal.SIGKILL)
        self.process.popen.wait()

    def stop(self) -> int | None:
        """SIGTERM (SIGKILL after a grace period); the exit code."""
        self.process.stop(STOP_GRACE)
        return self.process.exit_code()

    def log(self) -> str:
        return self.process.log.read_text(errors="replace")


@contextlib.asynccontextmanager
async def running_server(
    identity: Identity,
    folder: Path,
    *,
    name: str,
    store: str | None = None,
    namespace: str | None = None,
    shared_port: int,
    ports: str,
    port: int | None = None,
    lease: tuple[float, float, float] | None = None,
    agents: tuple[str, ...] = (),
) -> AsyncIterator[VampServer]:
    """``vamp server --driver kubernetes`` as ``identity``, known as ``name`` in the leader election.

    Args:
        store: the store's address; a SQLite file in ``folder`` by default.
        namespace: the server's default namespace (``--namespace``).
        shared_port: the agents' virtual-host port (``--shared-port``).
        ports: the gateway port range (``--gateway-ports``); servers sharing a store share it.
        port: the API's port; a free one by default (a restarted server may keep its predecessor's).
        lease: the leader election's lease duration, renew deadline and retry period; the server's
            defaults unless given.
        agents: the agents whose metrics the server polls (``--agent URL``; see ``running_agent``'s
            ``listen``), as deploy/kubernetes names its agents' Service.
    """
    port = port or free_port()
    home = folder / name
    home.mkdir(parents=True, exist_ok=True)
    argv = [
        *COMMAND,
        "server",
        "--driver=kubernetes",
        f"--kubeconfig={identity.kubeconfig}",
        f"--home={home}",
        f"--port={port}",
        f"--shared-port={shared_port}",
        f"--gateway-ports={ports}",
    ]
    argv += [f"--store={store}"] if store else []
    argv += [f"--namespace={namespace}"] if namespace else []
    argv += [f"--agent={agent}" for agent in agents]
    if lease is not None:
        duration, renew_deadline, retry_period = lease
        argv += [f"--lease-duration={duration}", f"--renew-deadline={renew_deadline}"]
        argv += [f"--retry-period={retry_period}"]
    log = folder / f"{name}-{uuid.uuid4().hex[:6]}.log"
    tokens = {"VAMP_ADMIN_TOKEN": ADMIN_TOKEN, "VAMP_AGENT_TOKEN": AGENT_TOKEN}
    process = processes.Process.start(
        f"vamp server {name}", argv, log=log, env={**os.environ, "POD_NAME": name, **tokens}
    )
    url = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(
        base_url=url, timeout=10.0, trust_env=False, headers=bearer(ADMIN_TOKEN)
    ) as client:
        server = VampServer(process, url, name, client)
        try:
            await _until_answering(process, f"{url}/api/v1/info", client)
            yield server
        finally:
            server.stop()


async def _until_answering(process: processes.Process, url: str, client: httpx.AsyncClient) -> None:
    async def status() -> int | None:
        if process.exit_code() is not None:
            raise AssertionError(f"{process.name} exited with {process.exit_code()}:\n{process.tail(40)}")
        try:
            return (await client.get(url)).status_code
        except httpx.TransportError:
            return None

    await eventually.until(
        f"{process.name} to answer {url}", status, lambda code: code == 200, timeout=START_TIMEOUT
    )


@dataclass
class VampAgent:
    """A running ``vamp agent`` and its status endpoint."""

    process: processes.Process
    client: httpx.AsyncClient

    async def version(self) -> str | None:
        """The routing plan version its proxy serves."""
        version: str | None = (await self.client.get("/status")).json()["version"]
        return version


@contextlib.asynccontextmanager
async def running_agent(
    server_url: str,
    folder: Path,
    *,
    bind: str = "127.0.0.1",
    listen: int | None = None,
    proxy: str = "envoy",
) -> AsyncIterator[VampAgent]:
    """``vamp agent --server SERVER_URL --proxy PROXY``, its gateways and endpoint on ``bind`` (port
    ``listen``, a free one by default); stopped by PID on exit (it stops its proxy)."""
    listen = listen or free_port()
    workdir = folder / f"agent-{listen}"
    argv = [
        *COMMAND,
        "agent",
        f"--server={server_url}",
        f"--workdir={workdir}",
        f"--listen={listen}",
        f"--bind={bind}",
        f"--proxy={proxy}",
    ]
    process = processes.Process.start(
        "vamp agent", argv, log=folder / f"agent-{listen}.log", env={**os.environ, "VAMP_TOKEN": AGENT_TOKEN}
    )
    async with httpx.AsyncClient(base_url=f"http://{bind}:{listen}", timeout=10.0, trust_env=False) as client:
        try:
            await _until_answering(process, "/health", client)
            yield VampAgent(process, client)
        finally:
            process.stop(STOP_GRACE)


class PodBackends:
    """HTTP servers at pods' addresses, each answering every request with its pod's name (``aclose`` them)."""

    def __init__(self) -> None:
        self._servers: dict[str, asyncio.Server] = {}

    @property
    def pods(self) -> set[str]:
        return set(self._servers)

    async def serve(self, pod: str, ip: str, port: int) -> None:
        """Answer for ``pod`` on ``ip:port`` (nothing happens if it is served already)."""
        if pod not in self._servers:
            self._servers[pod] = await asyncio.start_server(
                lambda reader, writer: _answer(pod, reader, writer), ip, port
            )

    async def aclose(self) -> None:
        for server in self._servers.values():
            server.close()
        for server in self._servers.values():
            await server.wait_closed()
        self._servers.clear()


async def _answer(pod: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answer HTTP/1.1 requests (no bodies: GETs) on one keep-alive connection until the client closes it."""
    body = pod.encode()
    with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
        while await reader.readuntil(b"\r\n\r\n"):
            writer.write(
                b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n"
                + f"content-length: {len(body)}\r\n\r\n".encode()
                + body
            )
            await writer.drain()
    writer.close()


async def traffic(port: int, count: int, *, connections: int = 8) -> Counter[str]:
    """Send ``count`` GETs through the gateway on 127.0.0.1:``port``; who answered, by pod (or status)."""
    answered: Counter[str] = Counter()
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", timeout=10.0, trust_env=False, limits=limits
    ) as client:

        async def send(requests: int) -> None:
            for _ in range(requests):
                response = await client.get("/")
                answered[
                    response.text if response.status_code == 200 else f"status {response.status_code}"
                ] += 1

        share, extra = divmod(count, connections)
        await asyncio.gather(*(send(share + (number < extra)) for number in range(connections)))
    return answered
