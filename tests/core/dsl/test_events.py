"""Events (vamp.md §1.16): read from YAML or JSON, written as the REST API shows them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from vamp import errors
from vamp.core import dsl, model


def test_an_event_needs_only_tags() -> None:
    assert dsl.read_events("tags: [deployments, 'deployments:sava']\n") == [
        model.Event(tags=("deployments", "deployments:sava"))
    ]


def test_tags_are_not_expanded_when_read() -> None:
    (event,) = dsl.read_events('{"tags": ["sla:escalate"], "type": "sla", "value": {"p95": 120}}')
    assert event.tags == ("sla:escalate",)
    assert model.expand_tags(event.tags) == ("sla", "sla:escalate")


def test_every_field_of_an_event_reads_and_writes_back() -> None:
    text = """\
id: 42
tags: [metrics, 'gateways:sava']
type: metrics
value: {rate: 12.5, codes: [200, 500]}
timestamp: 2024-05-01T10:00:00Z
version: '1.0'
digest: ab12
---
tags: health
"""
    events = dsl.read_events(text)
    assert events == [
        model.Event(
            id="42",
            tags=("metrics", "gateways:sava"),
            type="metrics",
            value={"rate": 12.5, "codes": [200, 500]},
            timestamp=datetime(2024, 5, 1, 10, 0, tzinfo=UTC),
            digest="ab12",
        ),
        model.Event(tags=("health",)),
    ]
    assert dsl.event_to_data(events[0]) == {
        "id": "42",
        "tags": ["metrics", "gateways:sava"],
        "type": "metrics",
        "value": {"rate": 12.5, "codes": [200, 500]},
        "timestamp": "2024-05-01T10:00:00+00:00",
        "version": "1.0",
        "digest": "ab12",
    }
    assert dsl.event_to_data(events[1]) == {
        "tags": ["health"],
        "type": "event",
        "value": None,
        "version": "1.0",
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("value: 1", [("", "Publishing an event without tags is not allowed.")]),
        ("tags: []", [("tags", "Publishing an event without tags is not allowed.")]),
        ("tags: [a, {b: c}]", [("tags[1]", "Expected a string, not a map.")]),
        (
            "tags: [a]\ntype: metric rate",
            [("type", "Unsupported event type 'metric rate', only alphanumerics, '-' and '_' are allowed.")],
        ),
        (
            "tags: [a]\ntimestamp: yesterday",
            [
                (
                    "timestamp",
                    "Event timestamp cannot be parsed: 'yesterday'. Use ISO-8601, such as "
                    "2024-01-31T12:00:00Z.",
                )
            ],
        ),
        (
            "tags: [a]\ntimestamp: 1714557600",
            [
                (
                    "timestamp",
                    "Event timestamp cannot be parsed: '1714557600'. Use ISO-8601, such as "
                    "2024-01-31T12:00:00Z.",
                )
            ],
        ),
        (
            "tags: [a]\ntag: b",
            [
                (
                    "tag",
                    "Unexpected key 'tag' in event; valid keys are: digest, id, tags, timestamp, type, "
                    "value, version. "
                    "Did you mean 'tags'?",
                )
            ],
        ),
    ],
)
def test_what_is_not_an_event_is_an_issue(text: str, expected: list[tuple[str, str]]) -> None:
    with pytest.raises(errors.DslError) as caught:
        dsl.read_events(text)
    assert [(issue.path, issue.message) for issue in caught.value.issues] == expected
