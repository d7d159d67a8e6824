"""``vamp release``: start a release, see where it is (and follow it), and pause, resume, promote or abort it.

``vamp release start -f FILE`` stores the release in FILE (``kind: releases`` may be left out);
``vamp release NAME --gateway G --from A --to B [--steps 5,10,25,50,100] [--interval 30s]`` stores the
common canary without a file. The release controller takes it from there. ``vamp release status NAME``
shows the phase, the step, the weights, the last decision and why; ``--watch`` redraws it as the release's
status changes (the event stream tells when) until it reaches a final phase, with a progress bar of the
current step's time against the interval. ``pause``, ``resume``, ``promote`` (skip to the end) and
``abort`` (roll back) ask for it by hand (``PUT /api/v1/releases/NAME/status``). Every command takes
``--output yaml|json`` for scripts.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.live import Live
from typer.core import TyperGroup

from vamp.interfaces.cli import artifacts, client, documents, output, release_views

KIND = "releases"
REFRESH = 1.0
"""Seconds between redraws of ``--watch`` (the progress bar moves with the clock)."""
REREAD = 5.0
"""Seconds after which ``--watch`` reads the release again even when the event stream told nothing."""


class _NameFirst(TyperGroup):
    """``vamp release NAME --gateway ...`` (a name where a command would be) runs the hidden ``canary``."""

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:  # type: ignore[override]
        if args and not args[0].startswith("-") and args[0] not in self.commands:
            args = ["canary", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=_NameFirst,
    no_args_is_help=True,
    help="Automated releases: `vamp release NAME --gateway G --from A --to B` starts a canary; "
    "`start -f FILE` any release; `status NAME [--watch]`; `pause|resume|promote|abort NAME`.",
)

Name = Annotated[str, typer.Argument(metavar="NAME", help="The release's name.")]


@app.command("start")
def start(
    file: Annotated[
        str, typer.Option("--file", "-f", help="A YAML or JSON release; '-' reads standard input.")
    ],
    server: client.Server = client.DEFAULT_SERVER,
    namespace: client.Namespace = None,
    format: client.Output = output.Format.TABLE,
) -> None:
    """Store the release in a file; the release controller runs it."""
    _store(documents.read_source(file), client.YAML, server, namespace, format)


@app.command("canary", hidden=True)
def canary(
    name: Name,
    gateway: Annotated[str, typer.Option("--gateway", metavar="GATEWAY", help="e.g. sava/sava/webport.")],
    baseline: Annotated[str, typer.Option("--from", metavar="ROUTE", help="The baseline route.")],
    candidate: Annotated[str, typer.Option("--to", metavar="ROUTE", help="The candidate route.")],
    steps: Annotated[
        str | None,
        typer.Option("--steps", metavar="N,...", help="The candidate's weights, e.g. 5,10,25,50,100."),
    ] = None,
    interval: Annotated[
        str | None, typer.Option("--interval", metavar="TIME", help="The least time per step, e.g. 30s.")
    ] = None,
    server: client.Server = client.DEFAULT_SERVER,
    namespace: client.Namespace = None,
    format: client.Output = output.Format.TABLE,
) -> None:
    """Start a canary release from one route of a gateway to another."""
    document: dict[str, Any] = {"name": name, "gateway": gateway, "from": baseline, "to": candidate}
    if steps is not None:
        document["steps"] = [_percent(step) for step in steps.split(",") if step.strip()]
    if interval is not None:
        document["interval"] = interval
    _store(json.dumps(document), client.JSON, server, namespace, format)


def _percent(text: str) -> str | int | float:
    """A step as given: ``5`` (a number) or ``5%``."""
    text = text.strip()
    if text.endswith("%"):
        return text
    try:
        return float(text) if "." in text else int(text)
    except ValueError:
        output.fail(
            f"Cannot read the step {text!r}: write the candidate's weights, e.g. --steps 5,10,25,50,100."
        )


def _store(body: str, content_type: str, server: str, namespace: str | None, format: output.Format) -> None:
    with artifacts.calling(server, namespace) as api:
        stored = api.request("POST", KIND, body, content_type=content_type)
        names = [item["name"] for item in (stored if isinstance(stored, list) else [stored])]
        found = [api.get(client.path(KIND, name)) for name in names]
        artifacts.show(
            found if len(found) != 1 else found[0],
            format,
            lambda: release_views.listing(found),
        )


@app.command("status")
def status(
    name: Name,
    watch: Annotated[
        bool, typer.Option("--watch", "-w", help="Redraw as it changes, until it is over.")
    ] = False,
    server: client.Server = client.DEFAULT_SERVER,
    namespace: client.Namespace = None,
    format: client.Output = output.Format.TABLE,
) -> None:
    """Where a release is: phase, step, weights, the last decision and why."""
    with artifacts.calling(server, namespace) as api:
        found = artifacts.read(api, KIND, name)
        if watch and not release_views.is_final(found):
            _watch(api, name, found, format)
            return
        artifacts.show(found, format, lambda: release_views.status(found, datetime.now(UTC)))


def _watch(api: client.Client, name: str, found: Any, format: output.Format) -> None:
    """Redraw the release (tables) or print it again (YAML, JSON) whenever its status is written, until it
    reaches a final phase; the progress bar moves every ``REFRESH``."""
    try:
        if format is output.Format.TABLE:
            view = release_views.status(found, datetime.now(UTC))
            with Live(view, console=output.stdout, auto_refresh=False) as live:

                def draw(latest: Any, fresh: bool) -> None:
                    live.update(release_views.status(latest, datetime.now(UTC)), refresh=True)

                asyncio.run(_updates(api, name, found, draw))
        else:
            output.data(found, format)

            def reprint(latest: Any, fresh: bool) -> None:
                if fresh:
                    output.data(latest, format)

            asyncio.run(_updates(api, name, found, reprint))
    except KeyboardInterrupt:
        return


async def _updates(api: client.Client, name: str, found: Any, draw: Callable[[Any, bool], None]) -> None:
    """Call ``draw(release, fresh)`` every ``REFRESH`` (``fresh``: read again and changed) until a final
    phase; the release is read again when the event stream tells its status was written, and every
    ``REREAD`` in case the stream missed it."""
    changed = asyncio.Event()
    listening = asyncio.create_task(_follow(api, name, changed))
    try:
        last_read = time.monotonic()
        while not release_views.is_final(found):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), REFRESH)
            fresh = False
            if changed.is_set() or time.monotonic() - last_read >= REREAD:
                changed.clear()
                again, last_read = artifacts.read(api, KIND, name), time.monotonic()
                fresh, found = again != found, again
            draw(found, fresh)
    finally:
        listening.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listening


async def _follow(api: client.Client, name: str, changed: asyncio.Event) -> None:
    """Set ``changed`` whenever the release's status is written; the redraw loop reads on without it when
    the stream fails."""
    with contextlib.suppress(client.ApiError):
        async for _ in api.follow("events/stream", tag=[f"release-statuses:{name}"]):
            changed.set()


def _ask(name: str, requested: str, server: str, namespace: str | None, format: output.Format) -> None:
    with artifacts.calling(server, namespace) as api:
        try:
            found = api.request(
                "PUT", f"{client.path(KIND, name)}/status", requested, content_type="text/plain"
            )
        except client.ApiError as exc:
            if exc.status == 404:
                raise client.ApiError(
                    f"There is no release '{name}'; `vamp list releases` shows the names.", 404
                ) from exc
            raise
        phase = release_views.phase_of(found)
        artifacts.show(
            found,
            format,
            lambda: f"Release '{name}': {requested} requested (now {phase}); the controller acts on it next.",
        )


@app.command("pause")
def pause(
    name: Name,
    server: client.Server = client.DEFAULT_SERVER,
    namespace: client.Namespace = None,
    format: client.Output = output.Format.TABLE,
) -> None:
    """Stop a release where it is: its weights stay until it is resumed."""
    _ask(name, "paused", server, namespace, format)


@app.command("resume")
def resume(
    name: Name,
    server: client.Server = client.DEFAULT_SERVER,
    namespace: client.Namespace = None,
    format: client.Output = output.Format.TABLE,
) -> None:
    """Go on with a paused release from its step."""
    _ask(name, "running", server, namespace, format)


@app.command("promote")
def promote(
    name: Name,
    server: client.Server = client.DEFAULT_SERVER,
    namespace: client.Namespace = None,
    format: client.Output = output.Format.TABLE,
) -> None:
    """Skip to the end: all traffic to the candidate."""
    _ask(name, "promoted", server, namespace, format)


@app.command("abort")
def abort(
    name: Name,
    server: client.Server = client.DEFAULT_SERVER,
    namespace: client.Namespace = None,
    format: client.Output = output.Format.TABLE,
) -> None:
    """Stop and roll back: all traffic to the baseline."""
    _ask(name, "aborted", server, namespace, format)
