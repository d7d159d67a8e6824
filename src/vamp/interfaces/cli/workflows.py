"""``vamp workflow``: list workflows, read and set their status, and read what their runs wrote.

Vamp's workflows (vamp.md §1.15, §7.1) are stored with ``vamp create -f`` and run by the server's
workflow controller. ``suspend`` stops a workflow's runs (only a suspended workflow may be changed),
``resume`` schedules it again (status ``running``), ``restart`` stops and starts it, ``stop`` stops it
and deletes it (``DELETE /api/v1/workflows/NAME``); each sets the status through the REST API, and the
controller acts on it. ``logs`` shows the last executions, newest first, with the lines each wrote.
Every command takes ``--output yaml|json`` for scripts; a server's refusal is shown as its message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer

from vamp.interfaces.cli import artifacts, client, output, workflow_views

KIND = "workflows"

app = typer.Typer(
    no_args_is_help=True,
    help="Vamp's workflows: scripts or commands the server runs as daemons, on events or on a time "
    "schedule. `list`; `status NAME`; `suspend|resume|restart|stop NAME`; `logs NAME`.",
)

Name = Annotated[str, typer.Argument(metavar="NAME", help="The workflow's name.")]


def _missing(name: str) -> client.ApiError:
    return client.ApiError(f"There is no workflow '{name}'; `vamp workflow list` shows the names.", 404)


def _call(
    api: client.Client, name: str, method: str, path: str, body: str | None = None, **params: Any
) -> Any:
    """The answer to a request about workflow ``name``; its 404 says how to find the names."""
    try:
        return api.request(method, path, body, content_type="text/plain", params=params or None)
    except client.ApiError as exc:
        if exc.status == 404:
            raise _missing(name) from exc
        raise


@app.command("list")
def list_(
    server: client.Server = client.DEFAULT_SERVER,
    namespace: client.Namespace = None,
    format: client.Output = output.Format.TABLE,
) -> None:
    """List the workflows: name, schedule, status and breed."""
    with artifacts.calling(server, namespace) as api:
        items = api.everything(client.path(KIND))
        artifacts.show(items, format, lambda: workflow_views.listing(items))


@app.command("status")
def status(
    name: Name,
    server: client.Server = client.DEFAULT_SERVER,
    namespace: client.Namespace = None,
    format: client.Output = output.Format.TABLE,
) -> None:
    """Show a workflow's status: starting, running, suspending, suspended, restarting or stopping."""
    with artifacts.calling(server, namespace) as api:
        word = _call(api, name, "GET", f"{client.path(KIND, name)}/status")
        artifacts.show(word, format, lambda: workflow_views.status_text(str(word)))


SETTINGS: tuple[tuple[str, str, str, str], ...] = (
    (
        "suspend",
        "suspended",
        "Suspend a workflow: its runs stop and it is unscheduled; while suspended it may be changed.",
        "its runs stop; change it now if you mean to, then `vamp workflow resume {name}`.",
    ),
    (
        "resume",
        "running",
        "Resume a workflow (status running): it is scheduled again and runs on its schedule.",
        "it is scheduled again.",
    ),
    (
        "restart",
        "restarting",
        "Restart a workflow: its runs stop, then it is scheduled again.",
        "its runs stop and start again.",
    ),
)
"""The commands that set a status: (command, status, help, what happens next)."""


def _setter(word: str, then: str) -> Callable[..., None]:
    def set_status(
        name: Name,
        server: client.Server = client.DEFAULT_SERVER,
        namespace: client.Namespace = None,
        format: client.Output = output.Format.TABLE,
    ) -> None:
        with artifacts.calling(server, namespace) as api:
            found = _call(api, name, "PUT", f"{client.path(KIND, name)}/status", word)
            artifacts.show(found, format, lambda: f"Workflow '{name}' is {word}: {then.format(name=name)}")

    return set_status


for command, word, help, then in SETTINGS:
    app.command(command, help=help)(_setter(word, then))


@app.command("stop")
def stop(
    name: Name,
    server: client.Server = client.DEFAULT_SERVER,
    namespace: client.Namespace = None,
    format: client.Output = output.Format.TABLE,
) -> None:
    """Stop a workflow: its runs stop, it is unscheduled, then deleted."""
    with artifacts.calling(server, namespace) as api:
        found = api.request("DELETE", client.path(KIND, name))
        if not found:
            raise _missing(name)
        stopped = found[0]
        message = (
            f"Workflow '{name}' is stopping: its runs stop, then it is deleted."
            if stopped.get("status") == "stopping"
            else f"Workflow '{name}' is deleted (this server runs no workflows)."
        )
        artifacts.show(stopped, format, lambda: message)


@app.command("logs")
def logs(
    name: Name,
    failed: Annotated[
        bool, typer.Option("--failed", help="Only the executions that failed or timed out.")
    ] = False,
    count: Annotated[
        int | None,
        typer.Option("-n", "--executions", min=1, metavar="N", help="Only the newest N executions."),
    ] = None,
    server: client.Server = client.DEFAULT_SERVER,
    namespace: client.Namespace = None,
    format: client.Output = output.Format.TABLE,
) -> None:
    """Show a workflow's last executions, newest first, each with the lines it wrote (stderr marked)."""
    with artifacts.calling(server, namespace) as api:
        params = {"failed": "true"} if failed else {}
        found = _call(api, name, "GET", f"{client.path(KIND, name)}/executions", **params)
        executions = found if count is None else found[:count]
        artifacts.show(executions, format, lambda: workflow_views.logs(name, executions, failed=failed))
