"""The ``vamp`` command: the root Typer application, which only puts the commands together.

Each group of commands lives in its own module: ``server`` and ``up`` run Vamp, ``agent`` a gateway agent;
``access`` (organisations, environments, tokens, login), ``artifacts``, ``deployments``, ``gateways``,
``releases``, ``workflows``, ``events`` and ``metrics`` talk to a server over its REST API (``client``);
``documents`` and ``selectors`` work offline. Every error a user can cause ends as one clear line (with
its details, such as a log's last lines, below it; or a located list) and exit code 1, never a traceback.
"""

from __future__ import annotations

import typer

from vamp import __version__
from vamp.interfaces.cli import (
    access,
    agent,
    artifacts,
    client,
    deployments,
    documents,
    events,
    gateways,
    metrics,
    output,
    releases,
    selectors,
    server,
    up,
    workflows,
)

app = typer.Typer(
    name="vamp",
    help="Vamp: release microservices with canary, blue/green and A/B releases.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("up")(up.up)
app.command("server")(server.server)
app.command("agent", help=agent.HELP)(agent.agent)
app.command("list")(artifacts.list_)
app.command("describe")(artifacts.describe)
app.command("create")(artifacts.create)
app.command("delete")(artifacts.delete)
app.command("deploy")(deployments.deploy)
app.command("merge")(deployments.merge)
app.command("undeploy")(deployments.undeploy)
app.command("update-gateway")(gateways.update_gateway)
app.add_typer(releases.app, name="release")
app.add_typer(workflows.app, name="workflow")
app.command("emit")(events.emit)
app.command("events")(events.events)
app.add_typer(metrics.app, name="metrics")
app.add_typer(access.organisations, name="organisation")
app.add_typer(access.environments, name="environment")
app.add_typer(access.tokens, name="token")
app.command("login")(access.login)
app.command("logout")(access.logout)
app.command("validate")(documents.validate)
app.add_typer(selectors.app, name="selector")


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


@app.command("version")
def version(server: client.Server = client.DEFAULT_SERVER) -> None:
    """Print the version of this command and of the server it talks to."""
    output.stdout.print(f"vamp {__version__}")
    try:
        with client.Client(server, timeout=5.0) as api:
            found = api.get("info", on="persistence")
    except client.ApiError as exc:
        output.stderr.print(f"server: {exc}", markup=False)
        return
    output.stdout.print(f"server {found.get('version')} at {server} ({found['persistence']['type']} store)")


def main() -> None:
    app()
