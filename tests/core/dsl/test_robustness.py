"""Property: whatever it is given, the reader returns artifacts or raises ``DslError``, nothing else."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.core.dsl import strategies
from vamp import errors
from vamp.core import dsl, model

ANY_INPUT = settings(max_examples=200, deadline=None)
DAMAGED = settings(max_examples=100, deadline=None)

KEYS = (
    "arguments",
    "balance",
    "breed",
    "clusters",
    "condition",
    "condition_strength",
    "constants",
    "cooldown",
    "cpu",
    "definition",
    "dependencies",
    "deployable",
    "dialects",
    "env",
    "environment_variables",
    "escalations",
    "event",
    "failures",
    "gateways",
    "health_checks",
    "hosts",
    "import",
    "initial_delay",
    "instances",
    "intention",
    "interval",
    "kind",
    "labels",
    "lookup_name",
    "lower",
    "maximum",
    "memory",
    "metadata",
    "minimum",
    "name",
    "network",
    "notification",
    "path",
    "period",
    "phase",
    "port",
    "ports",
    "protocol",
    "ref",
    "reference",
    "repeat",
    "rewrites",
    "routes",
    "scale",
    "scale_by",
    "schedule",
    "selector",
    "services",
    "since",
    "sla",
    "start",
    "status",
    "sticky",
    "tags",
    "target",
    "threshold",
    "time",
    "timeout",
    "timestamp",
    "to_all",
    "to_one",
    "type",
    "upper",
    "value",
    "virtual_hosts",
    "weight",
    "window",
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 70000),
    st.sampled_from(
        ["sava:1.0.0", "50%", "8080/http", "9050", "1GB", "0.2", "10s", "route", "a/b", "[h:1]", ""]
    ),
    st.text(max_size=6),
)
SHAPES: st.SearchStrategy[Any] = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=25,
)


def issues_of(call: Any) -> tuple[errors.Issue, ...] | None:
    """The issues ``call`` raises as a ``DslError``; ``None`` if it returns. Any other exception fails."""
    try:
        call()
    except errors.DslError as error:
        return error.issues
    return None


def reads_or_reports(call: Any) -> None:
    issues = issues_of(call)
    assert issues is None or (issues and all(issue.message for issue in issues))


@ANY_INPUT
@given(st.text(max_size=200))
def test_any_text_gives_artifacts_or_issues(text: str) -> None:
    reads_or_reports(lambda: dsl.read(text))


@ANY_INPUT
@given(st.sampled_from(model.KINDS), st.dictionaries(st.sampled_from(KEYS), SHAPES, max_size=6))
def test_any_data_of_any_kind_gives_an_artifact_or_issues(kind: str, data: dict[str, Any]) -> None:
    reads_or_reports(lambda: dsl.read_data(data, kind=kind))


@ANY_INPUT
@given(st.dictionaries(st.sampled_from(KEYS), SHAPES, max_size=6))
def test_any_data_gives_events_or_issues(data: dict[str, Any]) -> None:
    reads_or_reports(lambda: dsl.read_events(yaml.safe_dump(data)))


def places(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into plain data, the root excluded."""
    children = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    found: list[tuple[Any, ...]] = []
    for key, value in children:
        found += [(*path, key), *places(value, (*path, key))]
    return found


@DAMAGED
@given(strategies.artifacts, st.data())
def test_a_valid_artifact_damaged_anywhere_gives_an_artifact_or_issues(
    artifact: model.Artifact, data: st.DataObject
) -> None:
    plain = dsl.to_data(artifact)
    path = data.draw(st.sampled_from(places(plain)))
    parent: Any = plain
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = data.draw(SHAPES)
    reads_or_reports(lambda: dsl.read_data(plain))


EDITS = st.sampled_from([":", "-", " ", "\n", "{", "[", "'", "~", "&a ", "*a", "<<: ", "\t", "x"])


@DAMAGED
@given(strategies.artifacts, st.data())
def test_a_valid_document_with_its_text_damaged_gives_artifacts_or_issues(
    artifact: model.Artifact, data: st.DataObject
) -> None:
    text = dsl.write([artifact])
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        text = text[:at] + data.draw(st.just("") | EDITS) + text[at + data.draw(st.integers(0, 3)) :]
    reads_or_reports(lambda: dsl.read(text))
