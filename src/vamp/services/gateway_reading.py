"""Stored artifacts of one kind as the gateway passes read them (``vamp.services.gateways``): as models,
each read through the DSL once per revision (reading is most of a pass's time when a namespace holds many
gateways), with the revision each was read at and a problem for each that cannot be read, so that one bad
document is left out and reported and never takes the others' traffic down. Pure: runs in the pass
thread.
"""

from __future__ import annotations

from collections.abc import Mapping
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
    kind: str,
    changed: store.Changed,
    known: Mapping[str, tuple[int, model.Artifact]],
) -> tuple[dict[str, tuple[int, model.Artifact]], list[str]]:
    """Every artifact of ``changed.revisions`` as a model (in the pass thread), in name order: those the
    store gave in full (their revision is not the one ``known``) read anew, the others as ``known``; and a
    problem for each that cannot be read."""
    fresh: dict[str, tuple[int, model.Artifact]] = {}
    problems: list[str] = []
    for artifact in changed.artifacts:
        try:
            fresh[artifact.name] = (artifact.revision, dsl.read_data(dict(artifact.data), kind=kind)[0])
        except errors.DslError as exc:
            problems.append(
                messages.UNREADABLE.format(kind=kind.removesuffix("s"), name=artifact.name, reason=exc)
            )
    models: dict[str, tuple[int, model.Artifact]] = {}
    for name, revision in changed.revisions.items():
        found = fresh.get(name) or known.get(name)
        if found is not None and found[0] == revision:
            models[name] = found
    return models, problems
