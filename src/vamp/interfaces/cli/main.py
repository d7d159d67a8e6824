"""The ``vamp`` command: the root Typer application and its global options.

Each group of commands lives in its own module and is added here. Commands parse their input, call the
core (or, later, the REST API over HTTP), and format the result; they hold no business rules. Every
error a user can cause ends as one clear line (or a located list) and exit code 1, never a traceback.
"""

from __future__ import annotations

import typer

from vamp import __version__
from vamp.interfaces.cli import agent, documents, selectors

app = typer.Typer(
    name="vamp",
    help="Vamp: release microservices with canary, blue/green and A/B releases.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("validate")(documents.validate)
app.add_typer(selectors.app, name="selector")
app.command("agent", help=agent.HELP)(agent.agent)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"vamp {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Vamp: release microservices with canary, blue/green and A/B releases."""


@app.command()
def up() -> None:
    """Start Vamp on this machine: server, reconciler, local driver and a gateway agent with Envoy."""
    typer.echo("vamp up: not yet — the control plane arrives with issue 4. `vamp validate` works today.")


def main() -> None:
    app()
