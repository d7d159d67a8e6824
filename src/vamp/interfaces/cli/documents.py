"""``vamp validate``: read documents with the DSL; report every problem, located, or one line per artifact.

Documents without ``kind`` are read as the API would read them: as ``--kind KIND`` when given (the
endpoint of that kind), else as the kind their keys tell (``dsl.shapes``), saying which kind it took and
why; when the keys cannot tell, the located problem says which key would.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import typer
import yaml
from rich.markup import escape

from vamp.core import condition, dsl, model
from vamp.core.condition import raw_acl
from vamp.core.dsl import shapes
from vamp.errors import ConditionSyntaxError, DslError
from vamp.interfaces.cli import output


def read_source(name: str) -> str:
    if name == "-":
        return sys.stdin.read()
    path = Path(name)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        output.fail(f"{name}: no such file.")
    except IsADirectoryError:
        output.fail(f"{name}: is a directory; give a YAML or JSON file.")
    except (OSError, UnicodeDecodeError) as exc:
        output.fail(f"{name}: cannot be read ({exc}).")


def _templates(texts: Mapping[str, str]) -> dict[tuple[str, str], Mapping[str, Any]]:
    """Template definitions found in any of the given texts, so documents may import across files."""
    found: dict[tuple[str, str], Mapping[str, Any]] = {}
    for text in texts.values():
        try:
            documents = list(yaml.safe_load_all(text))
        except yaml.YAMLError:
            continue  # the file's own validation reports it
        for document in documents:
            items = document if isinstance(document, list) else [document]
            for item in items:
                if isinstance(item, dict) and item.get("kind") in ("templates", "template"):
                    definition = item.get("definition", item.get("def"))
                    if isinstance(item.get("name"), str) and isinstance(definition, dict):
                        found[("templates", item["name"])] = definition
    return found


def inferred(text: str) -> list[str]:
    """What ``validate`` says of each document without ``kind``: which kind its keys tell, and why."""
    try:
        documents = list(yaml.safe_load_all(text))
    except yaml.YAMLError:
        return []  # the reader reports it, located
    said: list[str] = []
    for index, document in enumerate(documents):
        if not isinstance(document, dict) or "kind" in document or "import" in document:
            continue
        shape = shapes.infer(document)
        if shape.kind is not None:
            name = document.get("name")
            what = f"'{name}'" if isinstance(name, str) else f"document {index + 1}"
            said.append(f"{what} has no kind: read as {shape.kind} ({shape.reason}; --kind to say otherwise)")
    return said


def summary(artifact: model.Artifact) -> str:
    """One line that says what an artifact is, and where a raw HAProxy condition in it runs."""
    line = _what(artifact)
    return f"{line}; {raw_acl.HAPROXY_ONLY}" if _haproxy_only(artifact) else line


def _haproxy_only(artifact: model.Artifact) -> bool:
    """Whether the artifact is or has (inline, in a route) a condition holding a raw HAProxy condition."""
    found: list[model.Condition] = []
    if isinstance(artifact, model.Condition):
        found.append(artifact)
    elif isinstance(artifact, model.Gateway):
        for route in artifact.routes.values():
            if isinstance(route, model.Route) and isinstance(route.condition, model.Condition):
                found.append(route.condition)
    try:
        return any(condition.compile(item.definition).haproxy_only for item in found)
    except ConditionSyntaxError:  # too complex to route: the server says so where it compiles the gateway
        return False


def _what(artifact: model.Artifact) -> str:
    what = f"{artifact.kind} {artifact.name}"
    if isinstance(artifact, model.Blueprint):
        services = sum(len(cluster.services) for cluster in artifact.clusters.values())
        return (
            f"{what}: {_count(len(artifact.clusters), 'cluster')}, {_count(services, 'service')}, "
            f"{_count(len(artifact.gateways), 'gateway')}"
        )
    if isinstance(artifact, model.Gateway):
        port = artifact.port.value if artifact.port.number is not None else "assigned on deploy"
        return f"{what}: port {port}, {_count(len(artifact.routes), 'route')}" + (
            f", selector {artifact.selector}" if artifact.selector else ""
        )
    if isinstance(artifact, model.Breed):
        return f"{what}: {artifact.deployable.type} {artifact.deployable.definition}"
    if isinstance(artifact, model.Deployment):
        return f"{what}: {_count(len(artifact.clusters), 'cluster')}"
    return what


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def validate(
    files: list[str] = typer.Option(
        ...,
        "--file",
        "-f",
        help="A YAML or JSON file of Vamp artifacts; '-' reads standard input. Repeatable.",
    ),
    kind: str | None = typer.Option(
        None,
        "--kind",
        "-k",
        help="The kind of the documents that do not say it (as POST /api/v1/KIND would take them); "
        "without it, the kind their keys tell.",
    ),
) -> None:
    """Check Vamp documents: print each problem as FILE:LINE:COL: path: message, or one line per artifact."""
    texts = {name: read_source(name) for name in files}
    templates = _templates(texts)

    def lookup(kind: str, name: str) -> Mapping[str, Any] | None:
        return templates.get((kind, name))

    failed = False
    for name, text in texts.items():
        source = "<stdin>" if name == "-" else name
        try:
            artifacts = dsl.read(text, kind=kind, lookup=lookup, infer=kind is None)
        except DslError as error:
            failed = True
            for issue in error.issues:
                output.stdout.print(escape(issue.located(source)))
            continue
        for note in [] if kind is not None else inferred(text):
            output.stdout.print(escape(f"{source}: {note}"))
        for artifact in artifacts:
            output.stdout.print(escape(f"{source}: {summary(artifact)}"))
    if failed:
        raise typer.Exit(1)
