"""How the CLI prints: Rich tables for people, YAML or JSON for scripts, errors on standard error."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Any, NoReturn

import typer
import yaml
from rich.console import Console
from rich.markup import escape

WIDTH = 160
"""Columns to use when the output is not a terminal (a pipe, a file): tables are not squeezed to 80."""

stdout = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else WIDTH)
stderr = Console(stderr=True, highlight=False, soft_wrap=True, width=None if sys.stderr.isatty() else WIDTH)


class Format(StrEnum):
    TABLE = "table"
    YAML = "yaml"
    JSON = "json"


def data(value: Any, output: Format) -> None:
    """Print plain data as YAML or JSON."""
    if output is Format.JSON:
        typer.echo(json.dumps(value, indent=2))
    else:
        typer.echo(yaml.safe_dump(value, sort_keys=False, allow_unicode=True).rstrip())


def fail(message: str) -> NoReturn:
    """Print the error on standard error and exit with code 1.

    The first line of ``message`` is the error; any further lines (the tail of a service's log, say) follow
    it, dimmed.
    """
    first, *details = message.splitlines() or [message]
    stderr.print(f"[red]error:[/red] {escape(first)}")
    if details:
        stderr.print("\n".join(details), style="dim", markup=False)
    raise typer.Exit(1)
