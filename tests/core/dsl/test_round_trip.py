"""Property: writing any valid artifact and reading it back gives the same artifact, for every kind."""

from __future__ import annotations

from hypothesis import given, settings

from tests.core.dsl import strategies
from vamp.core import dsl, model

ROUND_TRIP = settings(max_examples=150, deadline=None)


@ROUND_TRIP
@given(strategies.artifacts)
def test_written_artifacts_read_back_to_themselves(artifact: model.Artifact) -> None:
    assert dsl.read(dsl.write([artifact])) == [artifact]


@ROUND_TRIP
@given(strategies.artifacts)
def test_plain_data_reads_back_to_the_artifact(artifact: model.Artifact) -> None:
    assert dsl.read_data(dsl.to_data(artifact)) == [artifact]


@ROUND_TRIP
@given(strategies.blueprints())
def test_written_blueprints_read_back_to_themselves(blueprint: model.Blueprint) -> None:
    assert dsl.read(dsl.write([blueprint]), kind="blueprints") == [blueprint]


@ROUND_TRIP
@given(strategies.releases())
def test_written_releases_read_back_to_themselves(release: model.Release) -> None:
    assert dsl.read(dsl.write([release]), kind="releases") == [release]
