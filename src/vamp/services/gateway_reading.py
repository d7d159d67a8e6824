"""Stored artifacts of one kind as the gateway passes read them (``vamp.services.gateways``): as models,
each read through the DSL once per revision (reading is most of a pass's time when a namespace holds many
gateways), with the revision each was read at and a problem for each that cannot be read, so that one bad
document is left out and reported and never takes the others' traffic down. Pure: runs in the pass
thread.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from vamp import errors
from vamp.core import dsl, model
from vamp.core.reconcile import messages
from vamp.ports import store

A = TypeVar("A", bound=model.Gateway | model.Deployment | model.Route | model.Condition | model.Rewrite)


@dataclass(frozen=True, slots=True)
class Read:
    """Artifacts of one kind as models, the revision each was read at, and those that could not be read."""

    models: dict[str, model.Artifact]
    revisions: dict[str, int]
    problems: tuple[str, ...]

    def of(self, kind: type[A]) -> dict[str, A]:
        return {name: found for name, found in self.models.items() if isinstance(found, kind)}


def models(
    kind: str, artifacts: Sequence[store.StoredArtifact], known: Mapping[str, tuple[int, model.Artifact]]
) -> tuple[dict[str, tuple[int, model.Artifact]], list[str]]:
    """The stored ``artifacts`` as models (in the pass thread), each read again only if its revision is
    not the one ``known``; and a problem for each that cannot be read."""
    models: dict[str, tuple[int, model.Artifact]] = {}
    problems: list[str] = []
    for artifact in artifacts:
        found = known.get(artifact.name)
        if found is not None and found[0] == artifact.revision:
            models[artifact.name] = found
            continue
        try:
            models[artifact.name] = (artifact.revision, dsl.read_data(dict(artifact.data), kind=kind)[0])
        except errors.DslError as exc:
            problems.append(
                messages.UNREADABLE.format(kind=kind.removesuffix("s"), name=artifact.name, reason=exc)
            )
    return models, problems
