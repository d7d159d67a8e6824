"""``vamp release``, ``vamp list releases`` and ``vamp describe release`` against the real API (issue 11):
what a user sees, and what the server then holds."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from typer.testing import Result

from tests.interfaces.cli.conftest import Served
from vamp.core import model
from vamp.core.units import Percentage

RELEASE = """\
name: sava-1.1
gateway: sava/sava/webport
from: sava:1.0.0
to: sava:1.1.0
steps: [5%, 25%, 100%]
interval: 30s
"""
WEIGHTS = {"sava:1.0.0": Percentage.of(75), "sava:1.1.0": Percentage.of(25)}


def lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def started(served: Served, tmp_path: Path) -> Result:
    path = tmp_path / "release.yml"
    path.write_text(RELEASE)
    return served.vamp("release", "start", "-f", str(path))


def decide(served: Served, phase: model.ReleasePhase, action: model.DecisionAction, reason: str) -> None:
    """What the release controller does: a decision recorded with the status it leads to."""

    async def record() -> None:
        releases = served.api.services.releases
        found = await releases.tracked("default", "sava-1.1")
        at = datetime.now(UTC)
        status = found.status.model_copy(update={"phase": phase, "step": 1, "weights": WEIGHTS, "since": at})
        decision = model.Decision(
            at=at,
            step=1,
            action=action,
            reason=reason,
            weights=WEIGHTS,
            findings=(
                {
                    "check": "errors",
                    "outcome": "pass",
                    "baseline": 0.001,
                    "candidate": 0.0012,
                    "statistic": 0.41,
                    "p_value": 0.68,
                    "samples": {"sava:1.0.0": 3000, "sava:1.1.0": 1000},
                },
            ),
        )
        await releases.record("default", "sava-1.1", decision, status=status, revision=found.status_revision)

    served.run(record())


def test_start_stores_the_release_in_a_file_and_shows_it_pending(served: Served, tmp_path: Path) -> None:
    result = started(served, tmp_path)

    assert result.exit_code == 0, result.output
    assert lines(result.stdout) == [
        "NAME GATEWAY FROM TO STRATEGY PHASE STEP WEIGHTS",
        "sava-1.1 sava/sava/webport sava:1.0.0 sava:1.1.0 canary Pending - -",
    ]


def test_the_common_canary_needs_no_file(served: Served) -> None:
    result = served.vamp(
        "release", "sava-1.1", "--gateway", "sava/sava/webport", "--from", "sava:1.0.0", "--to", "sava:1.1.0",
        "--steps", "5,10%,50", "--interval", "45s", "-o", "json",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert (shown["steps"], shown["interval"], shown["status"]["phase"]) == (
        ["5%", "10%", "50%"],
        "45s",
        "Pending",
    )


def test_a_release_the_server_refuses_is_one_line_naming_the_place(served: Served) -> None:
    result = served.vamp("release", "r", "--gateway", "g", "--from", "a", "--to", "b", "--steps", "10,5")

    assert result.exit_code == 1
    assert lines(result.stderr) == [
        "error: steps[1]: The steps must increase: step 2 (5%) must be more than the step before (10%)."
    ]


def test_status_shows_the_phase_the_weights_and_the_last_decision_and_why(
    served: Served, tmp_path: Path
) -> None:
    started(served, tmp_path)
    decide(served, model.ReleasePhase.PROGRESSING, model.DecisionAction.STEP, "errors and latency pass")

    result = served.vamp("release", "status", "sava-1.1")

    assert result.exit_code == 0, result.output
    shown = lines(result.stdout)
    assert shown[0].startswith("Release sava-1.1: Progressing, step 2/3 (25%) since ")
    assert shown[1] == (
        "canary on gateway sava/sava/webport: sava:1.0.0 → sava:1.1.0, steps of at least 30s and 200 requests"
    )
    assert shown[2:5] == ["ROUTE WEIGHT", "sava:1.0.0 75%", "sava:1.1.0 25%"]
    assert shown[5].startswith("Last decision at ")
    assert shown[5].endswith(": step — errors and latency pass (1 in all)")
    assert shown[6] == "CHECK OUTCOME BASELINE CANDIDATE STATISTIC P-VALUE SAMPLES REASON"
    assert shown[7] == "errors pass 0.001 0.0012 0.41 0.68 sava:1.0.0=3000, sava:1.1.0=1000"
    assert shown[8].endswith("s / 30s to the next step")


@pytest.mark.parametrize(
    ("command", "requested"),
    [("pause", "paused"), ("resume", "running"), ("promote", "promoted"), ("abort", "aborted")],
)
def test_pause_resume_promote_and_abort_ask_the_controller_by_hand(
    served: Served, tmp_path: Path, command: str, requested: str
) -> None:
    started(served, tmp_path)

    result = served.vamp("release", command, "sava-1.1")

    assert result.exit_code == 0, result.output
    assert lines(result.stdout) == [
        f"Release 'sava-1.1': {requested} requested (now Pending); the controller acts on it next."
    ]
    found = served.run(served.api.services.releases.status("default", "sava-1.1"))
    assert found.requested == model.Requested(requested)


def test_asking_for_a_release_that_does_not_exist_says_how_to_find_the_names(served: Served) -> None:
    result = served.vamp("release", "pause", "nothing")

    assert result.exit_code == 1
    assert lines(result.stderr) == [
        "error: There is no release 'nothing'; `vamp list releases` shows the names."
    ]


def test_list_and_describe_show_releases(served: Served, tmp_path: Path) -> None:
    started(served, tmp_path)
    decide(served, model.ReleasePhase.PAUSED, model.DecisionAction.PAUSED, "paused by hand")

    listed = served.vamp("list", "releases")
    described = served.vamp("describe", "release", "sava-1.1")
    as_yaml = served.vamp("describe", "release", "sava-1.1", "-o", "yaml")

    assert lines(listed.stdout)[1] == (
        "sava-1.1 sava/sava/webport sava:1.0.0 sava:1.1.0 canary Paused 2/3 (25%) "
        "sava:1.0.0 75%, sava:1.1.0 25%"
    )
    assert lines(described.stdout)[0].startswith("Release sava-1.1: Paused, step 2/3 (25%)")
    assert yaml.safe_load(as_yaml.stdout)["status"]["decisions"][0]["reason"] == "paused by hand"


def test_status_watch_redraws_until_the_release_is_over(served: Served, tmp_path: Path) -> None:
    started(served, tmp_path)
    results: list[Result] = []
    watching = threading.Thread(
        target=lambda: results.append(served.vamp("release", "status", "sava-1.1", "--watch"))
    )
    watching.start()
    deadline = time.monotonic() + 10
    while served.api.publisher.subscribed == 0:
        assert time.monotonic() < deadline, "the watch did not follow the event stream"
        time.sleep(0.01)

    decide(served, model.ReleasePhase.PROGRESSING, model.DecisionAction.STEP, "step 2 passes")
    decide(served, model.ReleasePhase.PROMOTED, model.DecisionAction.PROMOTED, "every step passed")
    watching.join(15)

    assert not watching.is_alive(), "the watch did not end at the final phase"
    (result,) = results
    assert result.exit_code == 0, result.output
    shown = lines(result.stdout)
    assert shown[0].startswith("Release sava-1.1: Promoted, step 2/3 (25%)")
    assert any(line.endswith(": promoted — every step passed (2 in all)") for line in shown)


def test_status_of_a_release_that_is_over_does_not_wait(served: Served, tmp_path: Path) -> None:
    started(served, tmp_path)
    decide(served, model.ReleasePhase.ROLLED_BACK, model.DecisionAction.ROLLED_BACK, "errors 3.1% vs 0.1%")

    result = served.vamp("release", "status", "sava-1.1", "--watch", "-o", "json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["status"]["phase"] == "RolledBack"
