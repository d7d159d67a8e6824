"""Fixtures for the tests that run against a real Kubernetes control plane (``controlplane.py``).

* Every test under ``tests/k8s`` gets the ``e2e`` and ``k8s`` markers here, so no test module can forget them.
* The binaries come from ``scripts/k8s-env.sh build``, which builds them from the Go module proxy once per
  version set into a cache folder outside the repo (tens of minutes the first time on 2 cores; well under a
  second once cached). It runs when collection ends, before any test: pytest's per-test timeout would
  otherwise count a first build against whichever test happened to start the cluster.
* The tests are skipped when, and only when, Go is not installed.
* ``k8s_cluster`` (session) is one control plane for the whole run; ``k8s_api`` is an admin HTTP client;
  ``k8s_namespace`` is a fresh Namespace per test, so tests never see each other's objects; ``kube`` is
  Vamp's own async client as the admin (async tests run on asyncio: ``anyio_backend``).
"""

from __future__ import annotations

import collections
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Generator, Iterator
from pathlib import Path

import httpx
import pytest

from tests.k8s import controlplane
from vamp.adapters.kubernetes import client, config

_HERE = Path(__file__).parent
_BUILD_SCRIPT = _HERE.parent.parent / "scripts" / "k8s-env.sh"
_NO_GO = "Go is not installed: the k8s tests build their control plane with it (scripts/k8s-env.sh)"
_BUILT = pytest.StashKey[Path | str]()  # the bin folder, or why the build failed
_CLUSTER = pytest.StashKey[controlplane.Cluster]()


@pytest.hookimpl(tryfirst=True)  # before `-m` selects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    go_missing = shutil.which("go") is None
    for item in items:
        if item.path.is_relative_to(_HERE):
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.k8s)
            if go_missing:
                item.add_marker(pytest.mark.skip(reason=_NO_GO))


def pytest_collection_finish(session: pytest.Session) -> None:
    needed = any(item.get_closest_marker("k8s") for item in session.items)
    if needed and not session.config.option.collectonly and shutil.which("go") is not None:
        capture = session.config.pluginmanager.getplugin("capturemanager")
        with capture.global_and_fixture_disabled():  # the build's progress goes straight to the terminal
            session.config.stash[_BUILT] = _build()


def _build() -> Path | str:
    """Run the build script, its progress shown as it comes; the bin folder, or why the build failed."""
    with subprocess.Popen(
        ["bash", str(_BUILD_SCRIPT), "build"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as build:
        assert build.stdout is not None
        assert build.stderr is not None
        last_lines: collections.deque[str] = collections.deque(maxlen=15)
        for line in build.stderr:
            sys.stderr.write(line)
            last_lines.append(line)
        bin_dir = build.stdout.read().strip()
    if build.returncode != 0:
        return f"{_BUILD_SCRIPT} build failed with exit code {build.returncode}:\n{''.join(last_lines)}"
    return Path(bin_dir)


@pytest.fixture(scope="session")
def k8s_cluster(request: pytest.FixtureRequest) -> Iterator[controlplane.Cluster]:
    """A running control plane with two Ready fake Nodes, shared by every test of the run."""
    built = request.config.stash[_BUILT]  # set when collection finished, as every test here is marked k8s
    if isinstance(built, str):
        pytest.fail(built, pytrace=False)
    run_dir = Path(tempfile.mkdtemp(prefix="vamp-k8s-", dir=_tmpfs()))
    try:
        with controlplane.running(built, run_dir) as cluster:
            request.config.stash[_CLUSTER] = cluster
            yield cluster
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def k8s_api(k8s_cluster: controlplane.Cluster) -> Iterator[httpx.Client]:
    """An HTTP client for the API server as the cluster admin (group system:masters)."""
    with k8s_cluster.client() as client:
        yield client


@pytest.fixture
def k8s_namespace(k8s_api: httpx.Client) -> Iterator[str]:
    """The name of a new, empty Namespace, deleted (with everything in it) after the test."""
    name = f"test-{uuid.uuid4().hex[:10]}"
    k8s_api.post("/api/v1/namespaces", json={"metadata": {"name": name}}).raise_for_status()
    yield name
    k8s_api.delete(f"/api/v1/namespaces/{name}").raise_for_status()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Add the tail of each component's log to the report of a failed k8s test."""
    report = yield
    cluster = item.config.stash.get(_CLUSTER, None)
    if report.failed and cluster is not None and item.get_closest_marker("k8s"):
        report.sections.append(("k8s control plane logs", cluster.log_tails()))
    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    cluster = config.stash.get(_CLUSTER, None)
    if cluster is not None:
        steps = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in cluster.timings.items())
        terminalreporter.write_line(f"k8s control plane started: {steps}")


def _tmpfs() -> str | None:
    """/dev/shm when it is writable (etcd's files then live in memory), else the default temp folder."""
    return "/dev/shm" if os.access("/dev/shm", os.W_OK) else None


@pytest.fixture
def anyio_backend() -> str:
    """Async tests here run on asyncio, as the server does."""
    return "asyncio"


@pytest.fixture
async def kube(k8s_cluster: controlplane.Cluster) -> AsyncIterator[client.KubernetesClient]:
    """Vamp's own Kubernetes client (``vamp.adapters.kubernetes.client``) as the cluster admin."""
    async with client.KubernetesClient(config.from_kubeconfig(k8s_cluster.admin.kubeconfig)) as admin:
        yield admin
