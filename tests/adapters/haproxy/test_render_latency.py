"""The latency rules of the HAProxy renderer: a bucket map that gives every time exactly one bucket of
``vamp.core.latency_buckets``, each backend counting into it, and configurations the real HAProxy accepts
without a warning."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from tests.adapters.haproxy.render_plans import PLANS
from tests.adapters.haproxy.running import check
from vamp import errors
from vamp.adapters.haproxy import render_latency
from vamp.adapters.haproxy.render import RenderOptions, render
from vamp.core.latency_buckets import latency_bounds

BOUNDS = latency_bounds()


def ranges() -> list[tuple[int | None, int, str]]:
    """The map's lines as (first µs or None when open below, last µs, bound)."""
    result = []
    for line in render_latency.bucket_map().splitlines():
        span, bound = line.split(" ")
        first, last = span.split(":")
        result.append((int(first) if first else None, int(last), bound))
    return result


def bucket_of(microseconds: int) -> str:
    for first, last, bound in ranges():
        if (first is None or first <= microseconds) and microseconds <= last:
            return bound
    return render_latency.BEYOND


def test_the_bucket_map_covers_every_time_once_with_the_envoy_bounds() -> None:
    lines = ranges()

    assert [float(bound) for _, _, bound in lines] == list(BOUNDS[:-1])
    assert lines[0][0] is None
    for (_, last, _), (first, _, _) in itertools.pairwise(lines):
        assert first == last + 1


@pytest.mark.parametrize(
    ("microseconds", "bound"),
    [(-3, "0.5"), (0, "0.5"), (500, "0.5"), (501, "0.55"), (50_000, "53.4"), (60_000_000, "inf")],
)
def test_a_time_counts_in_the_first_bucket_whose_bound_is_at_least_it(microseconds: int, bound: str) -> None:
    assert float(bucket_of(microseconds)) >= microseconds / 1000
    assert bucket_of(microseconds) == bound


def test_without_a_map_nothing_is_counted() -> None:
    text = render(PLANS["weights"]()).text

    assert render_latency.TABLE not in text
    assert "track-sc" not in text
    assert "\ndefaults\n" in text


def test_every_backend_and_no_frontend_inherits_the_rules_written_once(tmp_path: Path) -> None:
    latency_map = str(tmp_path / "latency.map")
    rendering = render(PLANS["weights"](), options=RenderOptions(latency_map=latency_map))
    text = rendering.text

    rules = text.index(f"defaults {render_latency.BACKEND_DEFAULTS} from {render_latency.MAIN_DEFAULTS}\n")
    assert text.count(f"map_int({latency_map},inf)") == 1
    assert text.count("track-sc2 be_name,concat(/,txn.vamp_bucket) table vamp-latency") == 1
    assert all(text.index(f"backend {backend}\n") > rules for backend in rendering.backends)
    assert all(text.index(f"frontend {frontend}\n") < rules for frontend in rendering.frontends)
    assert f"defaults from {render_latency.MAIN_DEFAULTS}\n" in text
    assert text.count(f"backend {render_latency.TABLE}\n") == 1
    assert f"size {len(rendering.backends) * len(BOUNDS)} store gpc0" in text


@pytest.mark.parametrize("name", list(PLANS))
def test_haproxy_accepts_every_plan_with_latency_buckets(name: str, tmp_path: Path) -> None:
    latency_map = tmp_path / "latency.map"
    latency_map.write_text(render_latency.bucket_map())
    rendering = render(PLANS[name](), options=RenderOptions(latency_map=str(latency_map)))

    assert "Configuration file is valid" in check(rendering.text, tmp_path)


def test_a_map_path_haproxy_cannot_read_inside_a_converter_is_refused() -> None:
    with pytest.raises(errors.RoutingError, match=r"latency bucket map path '/tmp/a,b\.map'.*'_\./-'"):
        render(PLANS["weights"](), options=RenderOptions(latency_map="/tmp/a,b.map"))


def test_a_map_in_the_maps_folder_is_one_of_the_renderings_maps_and_elsewhere_the_callers() -> None:
    inside = RenderOptions(maps_folder="/agent/maps", latency_map=f"/agent/maps/{render_latency.MAP_NAME}")
    outside = RenderOptions(maps_folder="/agent/maps", latency_map="/elsewhere/latency.map")

    maps = render(PLANS["weights"](), options=inside).maps
    assert maps[render_latency.MAP_NAME] == render_latency.bucket_entries()
    assert render_latency.MAP_NAME not in render(PLANS["weights"](), options=outside).maps
    assert "latency.map" not in render(PLANS["weights"](), options=outside).maps
