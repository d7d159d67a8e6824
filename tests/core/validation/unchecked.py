"""Models from YAML without the validation rules the DSL reader would run, to test the rules alone."""

from __future__ import annotations

import textwrap

from vamp import errors
from vamp.core import model
from vamp.core.dsl import reading, source
from vamp.core.dsl.cursor import Context


def unchecked(text: str, kind: str) -> model.Artifact:
    (document,) = source.load(textwrap.dedent(text)).documents
    issues: list[errors.Issue] = []
    found = reading.READERS[kind](Context(document, issues).root(document.data))
    assert issues == []
    assert found is not None
    return found


def blueprint(text: str) -> model.Blueprint:
    found = unchecked(text, "blueprints")
    assert isinstance(found, model.Blueprint)
    return found


def problems(issues: list[errors.Issue]) -> list[tuple[str, str]]:
    assert all(issue.line == 0 for issue in issues)
    return [(issue.path, issue.message) for issue in issues]
