"""The ``data_plane`` fixture: each test module of this suite runs once on Envoy and once on HAProxy.

One data plane per module and kind (module scope, parametrised over ``planes.KINDS``), with backends
``a`` … ``e``, in a directory named after the module and kind; its proxy is stopped by its PID at the
end. A test whose feature HAProxy does not serve yet carries ``@pytest.mark.haproxy_lacks("<feature>",
branch)``: its ``haproxy`` run only is expected to fail (strictly, so it shows once the branch lands),
and its ``envoy`` run is unchanged. ``@pytest.mark.envoy_lacks("<behaviour>")`` does the same for a
behaviour this suite found Envoy's renderer to miss (an empty branch: no branch brings it yet).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.e2e import gateway_harness
from tests.e2e.backends import Backends
from tests.e2e.dataplane import planes

NAMES = {"envoy": "Envoy", "haproxy": "HAProxy"}


def pytest_configure(config: pytest.Config) -> None:
    for kind in planes.KINDS:
        config.addinivalue_line(
            "markers",
            f"{kind}_lacks(feature, branch=...): the {kind} run is expected to fail until the branch "
            "that brings the feature is merged",
        )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        kind = str(callspec.params.get("data_plane")) if callspec is not None else ""
        lacks = item.get_closest_marker(f"{kind}_lacks") if kind in NAMES else None
        if lacks is None:
            continue
        feature = lacks.args[0]
        branch = lacks.kwargs.get("branch", "haproxy-features" if kind == "haproxy" else "")
        reason = f"{NAMES[kind]}: {feature}"
        reason += f" comes with branch {branch}" if branch else " (no branch brings it yet)"
        item.add_marker(pytest.mark.xfail(strict=True, reason=reason))


@pytest.fixture(scope="module", params=planes.KINDS)
async def data_plane(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[planes.Plane]:
    kind: str = request.param
    name = request.module.__name__.rpartition(".")[2].removeprefix("test_")
    with Backends(*gateway_harness.BACKENDS) as backends:
        async with planes.adapter_of(kind, tmp_path_factory.mktemp(f"{name}-{kind}")) as running:
            yield planes.Plane(kind, running, backends)
