"""Where a problem is inside an artifact, and how that place is printed.

A ``Path`` is the sequence of keys and list indexes from the artifact's root to a value;
``render`` prints it the way every issue shows it: ``clusters.sava.services[0].scale.cpu``, with keys
that contain a dot, white space, brackets or quotes written ``environment_variables['sava.JVM_HEAP']``.
Validation rules return ``Problem`` values (a path and a message); the DSL reader locates them in the
source text, and ``issues`` turns them into ``errors.Issue`` for callers without a source.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from vamp import errors

Path = tuple[str | int, ...]

_NEEDS_QUOTES = re.compile(r"[.\s\[\]'\\]")


@dataclass(frozen=True, slots=True)
class Problem:
    """One broken rule: the path of the value at fault and a message that says what would be valid."""

    path: Path
    message: str


def render(path: Path) -> str:
    """The path as issues print it: ``clusters.sava.services[0]``; ``""`` for the root."""
    rendered: list[str] = []
    for segment in path:
        if isinstance(segment, int):
            rendered.append(f"[{segment}]")
        elif segment and not _NEEDS_QUOTES.search(segment):
            rendered.append(f".{segment}" if rendered else segment)
        else:
            quoted = segment.replace("\\", "\\\\").replace("'", "\\'")
            rendered.append(f"['{quoted}']")
    return "".join(rendered)


def issues(problems: Iterable[Problem], document: int = 0) -> list[errors.Issue]:
    """The problems as issues without a place in a source text."""
    return [errors.Issue(problem.message, render(problem.path), document) for problem in problems]
