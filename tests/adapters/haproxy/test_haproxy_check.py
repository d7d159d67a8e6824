"""Every rendered configuration is one the real HAProxy 2.6 accepts: ``haproxy -c`` on a corpus of plans
covering what the renderer serves, without a warning.

HAProxy must be installed (``make haproxy`` installs Debian's); without it these tests fail saying so.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.adapters.envoy import render_plans as envoy_plans
from tests.adapters.haproxy.render_plans import PLANS
from tests.adapters.haproxy.running import check
from tests.e2e.gateway_harness import self_signed
from vamp.adapters.haproxy import certificates
from vamp.adapters.haproxy.render import RenderOptions, render
from vamp.core.routing import plan


@pytest.mark.parametrize("build", PLANS.values(), ids=list(PLANS))
def test_haproxy_accepts_every_plan_of_the_corpus(
    build: Callable[[], plan.RoutingPlan], tmp_path: Path
) -> None:
    assert "Configuration file is valid" in check(render(build()).text, tmp_path)


def test_haproxy_accepts_the_runtime_socket_and_other_options(tmp_path: Path) -> None:
    options = RenderOptions(
        listen_host="0.0.0.0",
        stats_socket=str(tmp_path / "run dir" / "haproxy.sock"),
        connect_timeout_s=0.25,
        retries=0,
    )
    check(render(PLANS["weights"](), options=options).text, tmp_path)


def test_haproxy_accepts_tls_with_the_pem_files_the_rendering_holds(tmp_path: Path) -> None:
    self_signed(tmp_path, "secure")
    routing = envoy_plans.edges(files=tmp_path)
    rendering = render(
        routing,
        options=RenderOptions(files_directory=str(tmp_path / "run")),
        tls_files=certificates.read(routing),
    )
    (tmp_path / "run").mkdir()
    for name, content in rendering.files.items():
        (tmp_path / "run" / name).write_bytes(content)
    assert "Configuration file is valid" in check(rendering.text, tmp_path)


def test_haproxy_accepts_chaining_over_abstract_sockets(tmp_path: Path) -> None:
    options = RenderOptions(instance_name=str(tmp_path))
    text = render(PLANS["features"](), options=options).text
    assert "abns@" in text
    check(text, tmp_path)
