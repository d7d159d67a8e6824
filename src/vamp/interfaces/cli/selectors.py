"""``vamp selector test``: what a gateway selector yields over a list of instances, or where it is wrong."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pydantic
import typer
import yaml
from rich.markup import escape
from rich.table import Table

from vamp.core import model, selector
from vamp.errors import SelectorSyntaxError
from vamp.interfaces.cli import documents, output

app = typer.Typer(help="Try gateway selectors such as 'label(app)(foo) && label(version)((.*))'.")

INSTANCES_HELP = """A YAML list of instances: name, ip, ports (a list of numbers, a map name → number, or a
list of {name, number}), and optionally labels, namespace, image, kind (container | service) and ready."""


def _ports(value: Any) -> Any:
    if isinstance(value, dict):
        return [{"name": name, "number": number} for name, number in value.items()]
    if isinstance(value, list):
        return [{"number": item} if isinstance(item, int) else item for item in value]
    return value


def load_instances(path: Path) -> list[model.ObservedInstance]:
    """Instances from a YAML file, with a clear error naming the instance and field that is wrong."""
    try:
        data = yaml.safe_load(documents.read_source(str(path)))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        output.fail(f"{where}: not valid YAML: {exc.problem or exc.context}.")
    except yaml.YAMLError as exc:
        output.fail(f"{path}: not valid YAML ({' '.join(str(exc).split())}).")
    if not isinstance(data, list):
        output.fail(f"{path}: expected a YAML list of instances.")
    instances = []
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            output.fail(f"{path}: instance [{index}] must be a map with at least name and ip.")
        try:
            instances.append(
                model.ObservedInstance.model_validate({**item, "ports": _ports(item.get("ports", []))})
            )
        except pydantic.ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}" for error in exc.errors()
            )
            output.fail(f"{path}: instance [{index}]: {problems}")
    return instances


@app.command("test")
def try_selector(
    expression: str = typer.Argument(
        ..., help="The selector, e.g. 'label(app)(foo) && label(version)((.*))'."
    ),
    instances: Path = typer.Option(..., "--instances", "-i", help=INSTANCES_HELP),
    namespace: str | None = typer.Option(None, help="The current namespace, for namespace($namespace)."),
    output_format: output.Format = typer.Option(
        output.Format.TABLE, "--output", "-o", help="table, yaml or json."
    ),
) -> None:
    """Print the routes (groups) and targets a selector yields over the given instances."""
    try:
        parsed = selector.parse(expression)
    except SelectorSyntaxError as error:
        output.stderr.print(escape(error.explain()))
        raise typer.Exit(1) from None
    selections = selector.select(parsed, selector.Index(load_instances(instances)), namespace=namespace)
    if output_format is not output.Format.TABLE:
        output.data(
            {
                route: {
                    "groups": list(selection.groups),
                    "targets": [f"{t.host}:{t.port}" for t in selection.targets],
                }
                for route, selection in selections.items()
            },
            output_format,
        )
        return
    if not selections:
        output.stdout.print("No instance matches.")
        return
    table = Table("route", "groups", "targets")
    for route, selection in selections.items():
        table.add_row(
            escape(route),
            escape(", ".join(selection.groups)),
            escape("\n".join(f"{t.host}:{t.port}  ({t.instance})" for t in selection.targets)),
        )
    output.stdout.print(table)
