"""How the CLI shows releases to people (issue 11): the list, and the status view ``vamp release status``
draws (pure: from the API's JSON answer and the time now to a Rich renderable).

The status view says where the release is (phase, step of steps and its weight, since when), the weight
of each route, the phase asked for by hand that the controller has not acted on yet, the last decision
and why with its findings (samples per route, statistic, p-value), and, while a step runs, a progress bar
of the time spent in it against the release's interval.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from rich.console import Group, RenderableType
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from vamp.core import model, units

JsonObject = Mapping[str, Any]

PHASE_STYLES = {
    "Pending": "dim",
    "Progressing": "yellow",
    "Waiting": "yellow",
    "Paused": "magenta",
    "Promoted": "green",
    "RolledBack": "red",
    "Aborted": "red",
    "Failed": "bold red",
}
FINAL = frozenset(phase.value for phase in model.FINAL_PHASES)
RUNNING = frozenset({"Progressing", "Waiting"})
FINDINGS = ("check", "outcome", "baseline", "candidate", "statistic", "p_value", "samples")


def status_of(release: JsonObject) -> JsonObject:
    status = release.get("status")
    return status if isinstance(status, Mapping) else {"phase": "Pending"}


def phase_of(release: JsonObject) -> str:
    return str(status_of(release).get("phase", "Pending"))


def is_final(release: JsonObject) -> bool:
    return phase_of(release) in FINAL


def _phase(phase: str) -> Text:
    return Text(phase, style=PHASE_STYLES.get(phase, ""))


def listing(items: Iterable[JsonObject]) -> Table:
    """The table ``vamp list releases`` shows."""
    table = Table(
        "NAME", "GATEWAY", "FROM", "TO", "STRATEGY", "PHASE", "STEP", "WEIGHTS", box=None, pad_edge=False
    )
    for item in items:
        status = status_of(item)
        table.add_row(
            str(item.get("name", "")),
            str(item.get("gateway", "")),
            str(item.get("from", "")),
            str(item.get("to", "")),
            str(item.get("strategy", "")),
            _phase(phase_of(item)),
            _step(item, status),
            _weights(status.get("weights")),
        )
    return table


def _step(release: JsonObject, status: JsonObject) -> str:
    step = status.get("step")
    steps = release.get("steps") or []
    if not isinstance(step, int):
        return "-"
    if 0 <= step < len(steps):
        return f"{step + 1}/{len(steps)} ({steps[step]})"
    return str(step + 1)


def _weights(weights: object) -> str:
    if not isinstance(weights, Mapping) or not weights:
        return "-"
    return ", ".join(f"{route} {weight}" for route, weight in weights.items())


def status(release: JsonObject, now: datetime) -> RenderableType:
    """The view of ``vamp release status``: ``release`` as the API shows it, at ``now``."""
    found = status_of(release)
    phase = phase_of(release)
    since = _time(found.get("since"))
    heading = Text.assemble(
        "Release ",
        (str(release.get("name", "")), "bold"),
        ": ",
        _phase(phase),
        f", step {_step(release, found)}" if isinstance(found.get("step"), int) else "",
        f" since {since:%Y-%m-%d %H:%M:%S}" if since is not None else "",
    )
    strategy = release.get("strategy", "canary")
    parts: list[RenderableType] = [
        heading,
        Text(
            f"{strategy} on gateway {release.get('gateway')}: {release.get('from')} → {release.get('to')}, "
            f"steps of at least {release.get('interval')} and {release.get('samples')} requests"
        ),
    ]
    if found.get("reason"):
        parts.append(Text(f"Why: {found['reason']}"))
    if found.get("requested"):
        parts.append(
            Text(
                f"Requested by hand: {found['requested']} (the controller acts on it at its next look)",
                "cyan",
            )
        )
    weights = found.get("weights") or {}
    if weights:
        table = Table("ROUTE", "WEIGHT", box=None, pad_edge=False)
        for route, weight in weights.items():
            table.add_row(str(route), str(weight))
        parts.append(table)
    parts += _last_decision(found.get("decisions") or [], int(found.get("dropped") or 0))
    if phase in RUNNING and since is not None:
        parts.append(progress(release, now - since))
    return Group(*parts)


def _last_decision(decisions: Sequence[JsonObject], dropped: int) -> list[RenderableType]:
    if not decisions:
        return [Text("No decisions yet.", style="dim")]
    last = decisions[-1]
    at = _time(last.get("at"))
    when = f" at {at:%H:%M:%S}" if at is not None else ""
    count = len(decisions) + dropped
    parts: list[RenderableType] = [
        Text.assemble(
            "Last decision",
            when,
            ": ",
            (str(last.get("action", "")), "bold"),
            f" — {last.get('reason') or ''}",
            (f"  ({count} in all)", "dim"),
        )
    ]
    findings = [finding for finding in last.get("findings") or [] if isinstance(finding, Mapping)]
    if findings:
        table = Table(
            *(name.upper().replace("_", "-") for name in FINDINGS), "REASON", box=None, pad_edge=False
        )
        for finding in findings:
            table.add_row(*(_cell(finding.get(name)) for name in FINDINGS), _cell(finding.get("reason")))
        parts.append(table)
    return parts


def progress(release: JsonObject, elapsed: Any) -> RenderableType:
    """A bar of the time spent in the current step against the interval: ``12s / 30s to the next step``."""
    interval = _seconds(release.get("interval"))
    spent = max(0.0, float(elapsed.total_seconds()))
    bar = ProgressBar(total=float(interval), completed=min(spent, float(interval)), width=40)
    table = Table.grid(padding=(0, 1))
    if spent < interval:
        table.add_row(bar, Text(f"{int(spent)}s / {interval}s to the next step"))
    else:  # the interval is over: the step waits for its samples (or its judgement), not for time
        samples = release.get("samples")
        table.add_row(
            bar, Text(f"{int(spent)}s in this step: the interval is over, waiting for {samples} samples")
        )
    return table


def _seconds(value: object) -> int:
    try:
        return max(1, units.Duration.parse(value).seconds)
    except units.UnitError:
        return 1


def _time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, Mapping):
        return ", ".join(f"{key}={_cell(item)}" for key, item in value.items())
    return str(value)
