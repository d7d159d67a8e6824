"""What the mutating routes share: the artifacts a body must hold, the name in the URL, and replies.

A reply to a write is the stored artifact when there is one, and an array when there are several (a
blueprint with the breeds stored with it), as Vamp answers. A status set by hand (a release's, a
workflow's) is one word, sent as Vamp's clients send it (``status_word``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TypeVar

from vamp import errors
from vamp.core import model
from vamp.interfaces.api import representation

A = TypeVar("A", bound=model.Model)

DOCUMENT = {
    "requestBody": {
        "required": False,
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "application/x-yaml": {"schema": {"type": "string"}},
        },
    }
}
"""The OpenAPI description of a JSON or YAML body."""


def required(items: Sequence[Any], kind: str) -> None:
    """Refuse a body without artifacts where one is needed."""
    if not items:
        raise errors.DslError.single(f"Expected at least one artifact of kind '{kind}' in the body.")


def one(items: Sequence[tuple[str, model.Artifact]], kind: str, name: str, wanted: type[A]) -> A:
    """The one artifact (a ``wanted``) of a body sent to ``/{kind}/{name}``, which must have that name.

    Raises:
        errors.DslError: the body holds no artifact, several, or one of another name.
    """
    if len(items) != 1 or not isinstance(items[0][1], wanted):
        raise errors.DslError.single(f"Expected exactly one artifact of kind '{kind}', found {len(items)}.")
    found = items[0][1]
    if found.name != name:
        raise errors.DslError.single(f"Inconsistent name: given '{name}' but found '{found.name}'.")
    return found


def shown(artifact: model.Artifact) -> dict[str, Any]:
    if isinstance(artifact, model.Deployment):
        return representation.deployment(artifact)
    return representation.artifact(artifact)


def shown_all(artifacts: Sequence[model.Artifact]) -> list[dict[str, Any]]:
    return [shown(artifact) for artifact in artifacts]


def reply(stored: Sequence[model.Artifact]) -> Any:
    """One artifact as itself, several (or none) as an array."""
    if len(stored) == 1:
        return shown(stored[0])
    return shown_all(stored)


def status_word(body: bytes) -> tuple[str | None, str]:
    """The word a status body holds — ``paused``, ``"paused"`` or ``{"status": "paused"}`` — or ``None``
    when it holds none of these; and the body as text, cut to 60 characters, for a message."""
    try:
        text = body.decode("utf-8").strip()
    except UnicodeDecodeError:
        text = ""
    word: object = text
    if text.startswith(("{", '"')):
        try:
            word = json.loads(text)
        except ValueError:
            word = None
    if isinstance(word, dict):
        word = word.get("status") if set(word) == {"status"} else None
    shown_text = text if len(text) <= 60 else text[:57] + "..."
    return (word.strip() if isinstance(word, str) and word.strip() else None), shown_text
