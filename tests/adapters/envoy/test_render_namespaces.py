"""A plan combining several namespaces (``vamp.core.routing.combined``) renders like any other: every
resource has a valid name of its own, and each cluster maps back to its namespace's qualified gateway."""

from __future__ import annotations

from pathlib import Path

from tests.adapters.envoy.render_plans import deployment, edges
from vamp.adapters.envoy import layout, render, render_names
from vamp.core.routing import combined

XDS = layout.Layout(Path("/var/lib/vamp/xds"))


def _moved(port: int) -> int:
    return port if port == 80 else port + 1000


def test_the_same_gateways_in_two_namespaces_render_side_by_side() -> None:
    both = combined.combine(
        [("default", deployment()), ("acme-prod", deployment(_moved)), ("acme-test", edges(_moved))],
        default="default",
    )

    rendering = render.render(both, XDS)

    snapshot = rendering.snapshot
    for names in (
        [listener["name"] for listener in snapshot.listeners],
        [cluster["name"] for cluster in snapshot.clusters],
        [route["name"] for route in snapshot.routes],
    ):
        assert len(set(names)) == len(names)
        assert all(layout.check_name(name) for name in names)
    origin = rendering.clusters[render_names.envoy_name("[acme-prod]sava/9050//sava/sava/webport")]
    assert origin == render.Origin("[acme-prod]sava/9050", "sava/sava/webport")
    assert combined.split(origin.gateway, default="default") == ("acme-prod", "sava/9050")
    assert both.problems == (
        "namespace 'acme-prod': gateway 'sava/9050': virtual host 'sava.example' is already served by "
        "gateway 'sava/9050' of namespace 'default'",
    )
