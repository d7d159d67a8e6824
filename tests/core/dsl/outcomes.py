"""What reading a text gives, in the shapes the tests compare: artifacts, or issues as text."""

from __future__ import annotations

import textwrap

import pytest

from vamp import errors
from vamp.core import dsl, model


def read(
    text: str, kind: str | None = None, *, lookup: dsl.Lookup | None = None, merging: bool = False
) -> list[model.Artifact]:
    return dsl.read(textwrap.dedent(text), kind=kind, lookup=lookup, merging=merging)


def one(text: str, kind: str, *, lookup: dsl.Lookup | None = None, merging: bool = False) -> model.Artifact:
    (found,) = read(text, kind, lookup=lookup, merging=merging)
    return found


def issues(
    text: str, kind: str | None = None, *, lookup: dsl.Lookup | None = None, merging: bool = False
) -> list[errors.Issue]:
    with pytest.raises(errors.DslError) as caught:
        read(text, kind, lookup=lookup, merging=merging)
    return list(caught.value.issues)


def messages(text: str, kind: str | None = None, *, merging: bool = False) -> list[tuple[str, str]]:
    """Each issue as ``(path, message)``."""
    return [(issue.path, issue.message) for issue in issues(text, kind, merging=merging)]


def located(text: str, kind: str | None = None) -> list[str]:
    """Each issue as ``line:column path: message``."""
    return [f"{issue.line}:{issue.column} {issue}" for issue in issues(text, kind)]
