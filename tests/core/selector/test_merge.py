"""Merging selected routes into a gateway: new versions start dark, vanished ones hand on their share."""

import pytest

from vamp.core import model, selector
from vamp.core.selector import Selection
from vamp.core.units import Percentage


def selections(*names: str) -> dict[str, Selection]:
    return {name: Selection(name, (name.strip("()"),), ()) for name in names}


def route(weight: int | None, **fields) -> model.Route:
    return model.Route(weight=None if weight is None else Percentage.of(weight), **fields)


def weights(routes: dict[str, model.Route | model.Ref]) -> dict[str, str | None]:
    return {
        name: str(found.weight) if isinstance(found, model.Route) and found.weight is not None else None
        for name, found in routes.items()
    }


@pytest.mark.parametrize(
    ("existing", "selected", "expected"),
    [
        # the first version found takes all traffic
        ({}, ["(1.0.3)"], {"(1.0.3)": "100%"}),
        # several at once: the first by name takes all
        ({}, ["(2.0.1)", "(1.0.3)"], {"(1.0.3)": "100%", "(2.0.1)": "0%"}),
        # a second version starts dark
        ({"(1.0.3)": route(100)}, ["(1.0.3)", "(2.0.1)"], {"(1.0.3)": "100%", "(2.0.1)": "0%"}),
        # weights users set are kept
        (
            {"(1.0.3)": route(70), "(2.0.1)": route(30)},
            ["(1.0.3)", "(2.0.1)", "(3.0.0)"],
            {"(1.0.3)": "70%", "(2.0.1)": "30%", "(3.0.0)": "0%"},
        ),
        # the route carrying the traffic vanishes: the others take its share, in proportion
        ({"(1.0.3)": route(100), "(2.0.1)": route(0)}, ["(2.0.1)"], {"(2.0.1)": "100%"}),
        (
            {"(1)": route(50), "(2)": route(30), "(3)": route(20)},
            ["(2)", "(3)"],
            {"(2)": "60%", "(3)": "40%"},
        ),
        (
            {"(1)": route(100), "(2)": route(0), "(3)": route(0)},
            ["(2)", "(3)"],
            {"(2)": "50%", "(3)": "50%"},
        ),
        # a route vanishes while a new one appears: the new one takes the missing share
        (
            {"(1)": route(60), "(2)": route(40)},
            ["(2)", "(3)"],
            {"(2)": "40%", "(3)": "60%"},
        ),
        # everything vanishes
        ({"(1)": route(100)}, [], {}),
        # routes without a weight count with the share they had
        ({"(1)": route(None)}, ["(1)", "(2)"], {"(1)": "100%", "(2)": "0%"}),
        ({"(1)": route(None), "(2)": route(None)}, ["(2)"], {"(2)": "100%"}),
        # weights over 100 % (edited by hand) are scaled down
        (
            {"(1)": route(80), "(2)": route(80)},
            ["(1)", "(2)", "(3)"],
            {"(1)": "50%", "(2)": "50%", "(3)": "0%"},
        ),
    ],
)
def test_merged_weights(existing, selected, expected):
    assert weights(selector.merge_routes(existing, selections(*selected))) == expected


def test_existing_routes_keep_what_users_set():
    existing = route(
        100,
        condition=model.Condition(definition="user-agent == Firefox"),
        condition_strength=Percentage.of(50),
        rewrites=(model.Rewrite(path="/api/%[path] if { path_beg /v1 }"),),
        balance="leastconn",
    )
    merged = selector.merge_routes({"(1.0.3)": existing}, selections("(1.0.3)", "(2.0.1)"))
    assert merged["(1.0.3)"] is existing


def test_new_routes_carry_their_groups_and_title():
    selected = {"(1.0.3),(foo)": Selection("(1.0.3),(foo)", ("1.0.3", "foo"), ())}
    assert selector.merge_routes({}, selected) == {
        "(1.0.3),(foo)": model.Route(
            weight=Percentage.of(100),
            metadata={"groups": ["1.0.3", "foo"], "title": "(1.0.3),(foo)"},
        )
    }


def test_referenced_routes_are_kept_without_weight():
    reference = model.Ref(name="stored-route")
    merged = selector.merge_routes({"(1)": reference, "(2)": route(100)}, selections("(1)", "(2)", "(3)"))
    assert merged == {"(1)": reference, "(2)": route(100), "(3)": merged["(3)"]}
    assert weights(merged) == {"(1)": None, "(2)": "100%", "(3)": "0%"}


def test_routes_come_out_in_name_order():
    merged = selector.merge_routes({"(b)": route(100)}, selections("(c)", "(a)", "(b)"))
    assert list(merged) == ["(a)", "(b)", "(c)"]
