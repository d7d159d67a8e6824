"""The kind of a document without ``kind``, told from its keys (``dsl.shapes.infer``)."""

from __future__ import annotations

import pytest

from vamp.core.dsl import shapes


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        ({"name": "a", "deployable": "x"}, "breeds"),
        ({"name": "a", "clusters": {}}, "blueprints"),
        ({"name": "a", "port": "9050/http"}, "gateways"),
        ({"name": "a", "routes": {}}, "gateways"),
        ({"name": "a", "cpu": 1, "memory": "1GB"}, "scales"),
        ({"name": "a", "type": "response_time_sliding_window", "threshold": {}}, "slas"),
        ({"name": "a", "type": "escalation_only"}, "slas"),
        ({"name": "a", "type": "scale_instances", "minimum": 1}, "escalations"),
        ({"name": "a", "condition": "user-agent == Firefox"}, "conditions"),
        ({"name": "a", "weight": "10%", "condition": "user-agent == Firefox"}, "routes"),
        ({"name": "a", "path": "/a if { path_beg /v1 }"}, "rewrites"),
        ({"name": "a", "definition": {}}, "templates"),
        ({"name": "a", "breed": "b", "schedule": "daemon"}, "workflows"),
    ],
)
def test_the_keys_of_one_kind_tell_it(data: dict[str, object], kind: str) -> None:
    assert shapes.infer(data).kind == kind


def test_keys_of_two_kinds_say_which_disagree() -> None:
    shape = shapes.infer({"name": "a", "deployable": "x", "port": 80})

    assert shape.kind is None
    assert "'deployable' says breeds, 'port' says gateways" in shape.reason


def test_no_deciding_key_says_which_keys_would() -> None:
    shape = shapes.infer({"name": "a"})

    assert shape.kind is None
    assert "deployable: breeds" in shape.reason
    assert "clusters: blueprints" in shape.reason
