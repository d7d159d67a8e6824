"""How the CLI shows workflows to people (pure: from the API's JSON answers to Rich renderables).

``listing`` is the table of ``vamp workflow list`` and ``vamp list workflows``: each workflow's name,
schedule (``daemon``, ``event: TAG, ...``, ``time: PERIOD from START ×REPEAT``), status and breed.
``logs`` is what ``vamp workflow logs`` prints, like ``kubectl logs`` but per execution: a header
``#ID TRIGGER STARTED → STATUS (exit code N, DURATION)`` (and why it failed, when the runtime said),
then the lines the execution wrote, those on standard error marked ``stderr│``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

JsonObject = Mapping[str, Any]

STATUS_STYLES = {
    "starting": "yellow",
    "running": "green",
    "restarting": "yellow",
    "suspending": "magenta",
    "suspended": "magenta",
    "stopping": "red",
}
EXECUTION_STYLES = {
    "running": "yellow",
    "succeeded": "green",
    "failed": "bold red",
    "timed_out": "bold red",
    "stopped": "magenta",
}
STDERR = "stderr│ "
"""What marks a line an execution wrote on standard error."""


def schedule_of(workflow: JsonObject) -> str:
    """A workflow's schedule in a few words."""
    schedule = workflow.get("schedule", "daemon")
    if not isinstance(schedule, Mapping):
        return str(schedule)
    event = schedule.get("event")
    if isinstance(event, Mapping):
        return "event: " + ", ".join(str(tag) for tag in event.get("tags", ()))
    time = schedule.get("time")
    if isinstance(time, Mapping):
        start = time.get("start")
        repeat = time.get("repeat")
        return (
            f"time: every {time.get('period')}"
            + ("" if start is None else f" from {start}")
            + ("" if repeat is None else f" ×{repeat}")
        )
    return str(dict(schedule))


def breed_of(workflow: JsonObject) -> str:
    """The name of a workflow's breed (a reference, or inline)."""
    breed = workflow.get("breed")
    if isinstance(breed, Mapping):
        return str(breed.get("reference") or breed.get("name") or "")
    return "" if breed is None else str(breed)


def status_text(status: str) -> Text:
    return Text(status, style=STATUS_STYLES.get(status, ""))


def listing(items: Iterable[JsonObject]) -> Table:
    """The table ``vamp workflow list`` shows."""
    table = Table("NAME", "SCHEDULE", "STATUS", "BREED", box=None, pad_edge=False)
    for item in items:
        table.add_row(
            str(item.get("name", "")),
            schedule_of(item),
            status_text(str(item.get("status", "starting"))),
            breed_of(item),
        )
    return table


def _time(text: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        return None


def _duration(execution: JsonObject) -> str:
    started, finished = _time(execution.get("started")), _time(execution.get("finished"))
    if started is None or finished is None:
        return "still running" if execution.get("status") == "running" else "no end"
    seconds = (finished - started).total_seconds()
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def header(execution: JsonObject) -> Text:
    """``#ID TRIGGER STARTED → STATUS (exit code N, DURATION)``, and the reason when there is one."""
    started = _time(execution.get("started"))
    when = str(execution.get("started", "")) if started is None else f"{started:%Y-%m-%d %H:%M:%S}"
    status = str(execution.get("status", ""))
    code = execution.get("exit_code")
    exit_code = "no exit code" if code is None else f"exit code {code}"
    text = Text.assemble(
        (f"#{execution.get('id', '')}", "bold"),
        f" {execution.get('trigger', '')} {when} → ",
        (status, EXECUTION_STYLES.get(status, "")),
        f" ({exit_code}, {_duration(execution)})",
    )
    reason = execution.get("reason")
    if reason:
        text.append(f": {reason}")
    return text


def output_lines(execution: JsonObject) -> list[Text]:
    """The lines an execution wrote, stderr's marked."""
    lines = []
    for line in execution.get("output", ()):
        if line.get("stream") == "stderr":
            lines.append(Text.assemble((STDERR, "red"), str(line.get("text", ""))))
        else:
            lines.append(Text(str(line.get("text", ""))))
    return lines


def logs(name: str, executions: Sequence[JsonObject], *, failed: bool) -> RenderableType:
    """Each execution's header and output, newest first, a blank line between two."""
    if not executions:
        what = "failed executions" if failed else "executions"
        return Text(f"Workflow '{name}' has no {what} kept.")
    parts: list[RenderableType] = []
    for index, execution in enumerate(executions):
        if index:
            parts.append(Text(""))
        parts.append(header(execution))
        parts.extend(output_lines(execution))
    return Group(*parts)
