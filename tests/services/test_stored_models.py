"""Stored artifacts are read as models once per revision, and never answered with another artifact's model."""

from __future__ import annotations

from datetime import UTC, datetime

from vamp.core import model
from vamp.ports import store
from vamp.services import stored_models
from vamp.services.artifacts import model_of

AT = datetime(2026, 1, 1, tzinfo=UTC)


def stored(revision: int, deployable: str, name: str = "sava:1.0") -> store.StoredArtifact:
    data = {"name": name, "deployable": deployable}
    return store.StoredArtifact("default", "breeds", name, revision, data, AT, AT)


class Counting:
    def __init__(self) -> None:
        self.reads = 0

    def __call__(self, artifact: store.StoredArtifact) -> model.Artifact:
        self.reads += 1
        return model_of(artifact)


def test_a_revision_is_read_once_and_a_new_revision_again():
    reader = Counting()
    models = stored_models.StoredModels(reader)

    first = [models.model_of(stored(1, "magneticio/sava:1.0.0")) for _ in range(3)]
    second = models.model_of(stored(2, "magneticio/sava:1.0.1"))

    assert reader.reads == 2
    assert first[0] is first[1] is first[2]
    assert isinstance(second, model.Breed)
    assert second.deployable.definition == "magneticio/sava:1.0.1"


def test_the_same_revision_with_other_data_is_read_again():
    reader = Counting()
    models = stored_models.StoredModels(reader)

    models.model_of(stored(1, "magneticio/sava:1.0.0"))
    again = models.model_of(stored(1, "magneticio/sava:9.9.9"))

    assert reader.reads == 2
    assert isinstance(again, model.Breed)
    assert again.deployable.definition == "magneticio/sava:9.9.9"


def test_only_the_most_recently_used_are_kept():
    reader = Counting()
    models = stored_models.StoredModels(reader, size=2)

    for name in ("a:1", "b:1", "a:1", "c:1", "a:1", "b:1"):
        models.model_of(stored(1, "magneticio/sava:1.0.0", name=name))

    assert reader.reads == 4  # a, b, c, then b again: it was the least recently used when c came
