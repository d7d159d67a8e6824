"""Request bodies that are not plain artifact documents: a blueprint by name, a part given inline or by
reference, the documents of a bulk body one by one.

Text is read into plain data by the core's loader (``dsl.source``: YAML or JSON, with its limits on
size and depth) in the reader thread (``parsed``, see ``reader_thread``), so that a large or hostile
body never holds the event loop; YAML problems become one ``errors.DslError``. What is read is then
handed to the DSL through the artifact service, so every artifact is checked by the same rules
wherever it comes from.
"""

from __future__ import annotations

from typing import TypeVar

from vamp import errors
from vamp.core import model
from vamp.core.dsl import source
from vamp.services import artifacts, reader_thread

A = TypeVar("A", bound=model.Model)

_BLUEPRINT_KINDS = frozenset({"blueprint", "blueprints", "deployment", "deployments"})


def load(text: str) -> list[object]:
    """The plain data of each document of ``text`` (several with ``---``, or the items of a list).

    Raises:
        errors.DslError: the text is not YAML (or JSON).
    """
    loaded = source.load(text)
    if loaded.issues:
        raise errors.DslError(loaded.issues)
    return [document.data for document in loaded.documents]


async def parsed(text: str) -> list[object]:
    """``load(text)`` in a worker thread, off the event loop.

    Raises:
        errors.DslError: the text is not YAML (or JSON), or goes beyond the loader's limits.
    """
    return await reader_thread.run(load, text)


def reference(data: object) -> str | None:
    """The name ``data`` refers to: a bare name, or ``{reference: name}`` (``ref``) and nothing else."""
    if isinstance(data, str):
        return data
    if isinstance(data, dict) and len(data) == 1:
        found = data.get("reference", data.get("ref"))
        return found if isinstance(found, str) else None
    return None


def blueprint_name(data: object) -> str | None:
    """The stored blueprint a deployment document names, ``{name: sava}``, or ``None`` for any other."""
    if not isinstance(data, dict) or not set(data) <= {"name", "kind"}:
        return None
    name, kind = data.get("name"), data.get("kind", "blueprints")
    return name if isinstance(name, str) and kind in _BLUEPRINT_KINDS else None


async def read_part(
    service: artifacts.ArtifactService, namespace: str, text: str, kind: str, wanted: type[A]
) -> A | model.Ref:
    """One artifact of ``kind`` (a ``wanted``) given inline, with or without a name, or by reference.

    This is how a deployment's scale and SLA are set: ``{cpu: 0.5, memory: 256MB, instances: 3}``,
    ``{reference: large}`` or ``large``. An inline artifact without a name stays without one.

    Raises:
        errors.DslError: the text holds no such artifact, or several, or one with issues.
    """
    documents = await parsed(text)
    if len(documents) != 1:
        raise errors.DslError.single(
            f"Expected exactly one artifact of kind '{kind}', found {len(documents)}."
        )
    data = documents[0]
    named = reference(data)
    if named is not None:
        return model.Ref(name=named)
    anonymous = isinstance(data, dict) and "name" not in data
    if isinstance(data, dict) and anonymous:
        data = {**data, "name": kind}
    found = await service.read_data(namespace, data, kind=kind)
    if len(found) != 1 or not isinstance(found[0], wanted):
        raise errors.DslError.single(f"Expected exactly one artifact of kind '{kind}', found {len(found)}.")
    return found[0].model_copy(update={"name": None}) if anonymous else found[0]
