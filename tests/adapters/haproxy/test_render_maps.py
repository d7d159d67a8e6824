"""Weights in map files (``RenderOptions.maps_folder``), as the data plane renders them: one map per
frontend whose range keys give each weighted cluster of each route its share exactly, to the hundredth of
a percent; one ``use_backend`` reading it; and HAProxy accepting every plan of the corpus rendered with
every option the data plane sets (the runtime socket and version, the maps, draining on reload).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.adapters.haproxy import render_plans
from tests.adapters.haproxy.running import check
from tests.adapters.haproxy.test_render import SHOP, A, B, C, section, shop
from vamp.adapters.haproxy import files
from vamp.adapters.haproxy.render import RenderOptions, render
from vamp.core.routing import plan

MAPS = "/run/vamp/maps"
OPTIONS = RenderOptions(maps_folder=MAPS)


@pytest.mark.parametrize(
    ("weights", "entries"),
    [
        ({"a": "50%", "b": "50%"}, [("10000:14999", A), ("15000:19999", B)]),
        ({"a": "99.5%", "b": "0.5%"}, [("10000:19949", A), ("19950:19999", B)]),
        ({"a": "0.5%", "b": "99.5%"}, [("10000:10049", A), ("10050:19999", B)]),
        ({"a": "70%", "b": "20%", "c": "10%"}, [("10000:16999", A), ("17000:18999", B), ("19000:19999", C)]),
        ({"a": "100%", "b": "0%"}, [("10000:19999", A)]),
        ({"a": "0%", "b": "0%"}, []),
    ],
)
def test_each_weighted_cluster_gets_its_range_of_the_draw(
    weights: dict[str, str], entries: list[tuple[str, str]]
) -> None:
    routing = shop({f"shop/web/{name}/http": {"weight": weight} for name, weight in weights.items()})

    rendering = render(routing, options=OPTIONS)

    assert rendering.maps == {f"{SHOP}.map": tuple(entries)}
    lines = section(rendering.text, f"frontend {SHOP}")
    assert "http-request set-var(txn.vamp_weight) rand(10000)" in lines
    assert [line for line in lines if line.startswith("use_backend")] == [
        f"use_backend %[var(txn.vamp_route),mul(10000),add(txn.vamp_weight),map_int({MAPS}/{SHOP}.map,"
        "vamp-unrouted)] if { var(txn.vamp_route) -m found }"
    ]


def test_a_weight_change_changes_the_map_only() -> None:
    before = render(
        shop({"shop/web/a/http": {"weight": "90%"}, "shop/web/b/http": {"weight": "10%"}}), options=OPTIONS
    )
    after = render(
        shop({"shop/web/a/http": {"weight": "0%"}, "shop/web/b/http": {"weight": "100%"}}), options=OPTIONS
    )

    assert before.text.replace(before.version, "") == after.text.replace(after.version, "")
    assert before.maps != after.maps


def test_without_a_maps_folder_the_weights_stay_in_the_text() -> None:
    rendering = render(shop({"shop/web/a/http": {"weight": "90%"}, "shop/web/b/http": {"weight": "10%"}}))

    assert rendering.maps == {}
    assert "map_int" not in rendering.text


@pytest.mark.parametrize("build", render_plans.PLANS.values(), ids=list(render_plans.PLANS))
def test_haproxy_accepts_every_plan_of_the_corpus_as_the_data_plane_renders_it(
    build: Callable[[], plan.RoutingPlan], tmp_path: Path
) -> None:
    folder = tmp_path / "maps"
    folder.mkdir()
    options = RenderOptions(
        stats_socket=str(tmp_path / "runtime.sock"), maps_folder=str(folder), drain_on_reload=True
    )
    rendering = render(build(), options=options)
    for name, entries in rendering.maps.items():
        (folder / name).write_text(files.map_text(entries))

    assert "Configuration file is valid" in check(rendering.text, tmp_path)
