"""Issue 11's second "Done when" line, end to end: automated releases on ``vamp up`` with the demo service
and real traffic through Envoy, judged by what the gateway agent measured.

One ``vamp up`` serves the whole module; each test deploys its own baseline (1.0) and candidate (1.1) of
the demo service behind its own gateway (``releases.deploy_pair``), the candidate told how to misbehave by
the demo's flags, sends steady traffic at a fixed rate (``traffic.Traffic``, started and stopped by the
test) and starts a release through the CLI with short steps (2 s, 50-200 requests) so the module runs in
minutes. What each test checks is what a user would see: the release's phase, steps and decisions on the
API, the decision's event on ``/api/v1/events/stream``, the gateway's weights, which version answers the
traffic, and the baseline's processes gone after a promotion with ``undeploy: true``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import releases, vamp_process
from tests.e2e.releases import decisions, finding, gateway_weights, start_release, wait_phase
from tests.e2e.traffic import Traffic
from tests.e2e.vamp_process import eventually, pids_of

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

RATE = 80.0
"""Requests a second through a gateway while a release runs."""
FIREFOX = {"user-agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"}
PREVIEW = {"x-preview": "true"}
BASELINE, CANDIDATE = releases.BASELINE_VERSION, releases.CANDIDATE_VERSION


@pytest.fixture(scope="module")
def vamp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[vamp_process.Vamp]:
    with vamp_process.started(tmp_path_factory.mktemp("releases") / "home", "up") as running:
        yield running


def test_the_demo_flags_make_the_candidate_fail_and_slow_as_the_gateway_measures_it(
    vamp: vamp_process.Vamp, tmp_path: Path
) -> None:
    """What the judge will read: a candidate told to fail 3 % of requests and to answer 50 % slower does
    so through Envoy, and the agent measures both on the candidate's route alone."""
    pair = releases.deploy_pair(
        vamp, tmp_path, "flags", baseline="--latency 20", candidate="--failure-rate 0.03 --latency 30"
    )
    plan = vamp.plan()
    vamp.cli("update-gateway", pair.gateway, "--weights", f"{pair.baseline}@50%,{pair.candidate}@50%")
    vamp.settled(plan)
    with Traffic(pair.port, rate=RATE) as traffic:
        eventually(lambda: sum(traffic.answers().values()) >= 1200, timeout=60.0, what="1,200 answers")
    answers = traffic.answers()
    assert set(answers) <= {BASELINE, CANDIDATE, "500"}, answers
    assert abs(answers[CANDIDATE] + answers["500"] - answers[BASELINE]) <= 0.1 * sum(answers.values())
    failed = answers["500"] / (answers["500"] + answers[CANDIDATE])
    assert 0.01 <= failed <= 0.06, answers

    def measured() -> dict[str, Any] | None:
        found = vamp.json("metrics", "gateway", pair.gateway)
        routes = {key: value for key, value in found.items() if key != pair.gateway and value}
        total = sum(int(value["requests"]) for value in routes.values())
        return routes if total >= sum(answers.values()) else None

    routes = eventually(measured, timeout=20.0, what="the agent measured every request")
    baseline = next(value for key, value in routes.items() if pair.baseline in key)
    candidate = next(value for key, value in routes.items() if pair.candidate in key)
    assert baseline["codes"]["5xx"] == 0
    assert candidate["codes"]["5xx"] == answers["500"]
    slower = [key for key in candidate if key.startswith("p50")]
    assert slower, candidate
    assert float(candidate[slower[0]]) > 1.3 * float(baseline[slower[0]]), (baseline, candidate)


def test_a_healthy_canary_goes_from_5_to_100_percent_and_is_promoted_with_the_baseline_undeployed(
    vamp: vamp_process.Vamp, tmp_path: Path
) -> None:
    pair = releases.deploy_pair(vamp, tmp_path, "healthy")
    old = [instance["name"] for instance in vamp.instances(pair.name, pair.baseline)]
    old_pids = set().union(*(pids_of(name) for name in old))
    assert old_pids
    policy = f"""\
name: healthy-1.1
gateway: {pair.gateway}
from: {pair.baseline}
to: {pair.candidate}
strategy: canary
steps: [5%, 25%, 50%, 100%]
interval: 2s
samples: 50
undeploy: true
"""
    with Traffic(pair.port, rate=RATE) as traffic:
        start_release(vamp, tmp_path, policy)
        done = wait_phase(vamp, "healthy-1.1", "Promoted", "RolledBack", "Paused", "Aborted", "Failed")
        assert done["phase"] == "Promoted", done
        eventually(
            lambda: vamp.service_states(pair.name) == {pair.candidate: "Done"},
            timeout=60.0,
            what="the baseline is sliced out of the deployment",
        )
        eventually(lambda: not any(vamp_process.alive(pid) for pid in old_pids), what="1.0 is stopped")
        since = traffic.replies()[-1].at
        eventually(lambda: traffic.answers(since)[CANDIDATE] >= 100, what="100 answers after the slice")
    stepped = [releases.weights(item["weights"], pair)[pair.candidate] for item in decisions(done, "step")]
    assert stepped == [5.0, 25.0, 50.0, 100.0], decisions(done)
    assert releases.weights(decisions(done, "promoted")[-1]["weights"], pair)[pair.candidate] == 100.0
    assert gateway_weights(vamp, pair).get(pair.candidate) == 100.0
    answers = traffic.answers()
    assert answers[BASELINE] > 0, answers
    assert answers[CANDIDATE] > 0, answers
    assert set(traffic.answers(since)) == {CANDIDATE}, traffic.answers(since)
    failed = sum(count for answer, count in answers.items() if answer not in (BASELINE, CANDIDATE))
    assert failed <= 0.005 * sum(answers.values()), f"answers lost during the release: {answers}"


def test_a_candidate_failing_3_percent_is_rolled_back_within_two_steps_with_the_figures_in_its_event(
    vamp: vamp_process.Vamp, tmp_path: Path
) -> None:
    pair = releases.deploy_pair(vamp, tmp_path, "failing", candidate="--failure-rate 0.03")
    policy = f"""\
name: failing-1.1
gateway: {pair.gateway}
from: {pair.baseline}
to: {pair.candidate}
steps: [20%, 50%, 100%]
interval: 2s
samples: 200
checks:
  errors: {{max_increase: 0.5%}}
"""
    with (
        releases.EventStream(vamp, "releases:failing-1.1") as events,
        Traffic(pair.port, rate=RATE) as traffic,
    ):
        start_release(vamp, tmp_path, policy)
        event = events.wait("releases:failing-1.1", "release:rolled-back", timeout=180.0)
        done = wait_phase(vamp, "failing-1.1", "RolledBack", timeout=10.0)
        assert gateway_weights(vamp, pair) == {pair.baseline: 100.0, pair.candidate: 0.0}
        eventually(
            lambda: traffic.last(100) == {BASELINE: 100}, timeout=30.0, what="100 answers in a row by 1.0"
        )

    decision = event["value"]
    assert decision["action"] == "rolled-back"
    assert decision["step"] in (0, 1), f"rolled back at step {decision['step']}, not within two"
    assert releases.weights(decision["weights"], pair)[pair.candidate] == 0.0
    errors = finding(decision, "errors")
    assert errors["outcome"] == "fail"
    baseline_samples, candidate_samples = errors["samples"]
    assert baseline_samples >= 200, errors
    assert candidate_samples >= 200, errors
    assert errors["candidate"] > errors["baseline"], errors
    assert 0.0 <= errors["p_value"] <= 0.05, errors
    assert errors["statistic"] is not None, errors
    assert errors["reason"], errors
    assert decisions(done, "rolled-back")[-1] == decision


def test_a_candidate_50_percent_slower_is_rolled_back(vamp: vamp_process.Vamp, tmp_path: Path) -> None:
    pair = releases.deploy_pair(
        vamp,
        tmp_path,
        "slow",
        baseline="--latency 20 --latency-jitter 4",
        candidate="--latency 30 --latency-jitter 6",
    )
    policy = f"""\
name: slow-1.1
gateway: {pair.gateway}
from: {pair.baseline}
to: {pair.candidate}
steps: [20%, 50%, 100%]
interval: 2s
samples: 100
checks:
  latency: {{percentile: 50, max_increase: 20%}}
"""
    with Traffic(pair.port, rate=RATE):
        start_release(vamp, tmp_path, policy)
        done = wait_phase(vamp, "slow-1.1", "RolledBack", "Promoted", "Paused", "Aborted", "Failed")
    assert done["phase"] == "RolledBack", done
    latency = finding(decisions(done, "rolled-back")[-1], "latency")
    assert latency["outcome"] == "fail", latency
    assert latency["candidate"] > 1.2 * latency["baseline"], latency
    assert gateway_weights(vamp, pair) == {pair.baseline: 100.0, pair.candidate: 0.0}


def test_with_no_traffic_a_release_waits_and_then_pauses_never_rolls_back(
    vamp: vamp_process.Vamp, tmp_path: Path
) -> None:
    pair = releases.deploy_pair(vamp, tmp_path, "quiet")
    policy = f"""\
name: quiet-1.1
gateway: {pair.gateway}
from: {pair.baseline}
to: {pair.candidate}
steps: [10%, 100%]
interval: 2s
samples: 50
timeout: 8s
"""
    start_release(vamp, tmp_path, policy)
    waiting = wait_phase(vamp, "quiet-1.1", "Waiting", "Paused", "RolledBack", "Failed", timeout=30.0)
    assert waiting["phase"] == "Waiting", waiting
    paused = wait_phase(vamp, "quiet-1.1", "Paused", "RolledBack", "Failed", timeout=60.0)
    assert paused["phase"] == "Paused", paused
    assert "timeout" in paused["reason"].lower() or "timed out" in paused["reason"].lower(), paused
    assert decisions(paused, "waiting"), paused
    assert not decisions(paused, "rolled-back"), paused
    assert paused["step"] == 0, paused


def test_pause_resume_promote_and_abort_by_the_cli_act_mid_step(
    vamp: vamp_process.Vamp, tmp_path: Path
) -> None:
    pair = releases.deploy_pair(vamp, tmp_path, "manual")
    forward = f"""\
name: manual-1.1
gateway: {pair.gateway}
from: {pair.baseline}
to: {pair.candidate}
steps: [10%, 50%, 100%]
interval: 10m
samples: 50
"""
    back = (
        forward.replace("name: manual-1.1", "name: manual-back")
        .replace(f"from: {pair.baseline}", f"from: {pair.candidate}")
        .replace(f"to: {pair.candidate}", f"to: {pair.baseline}")
    )
    with Traffic(pair.port, rate=RATE / 2):
        start_release(vamp, tmp_path, forward)
        running = wait_phase(vamp, "manual-1.1", "Progressing", "Waiting", timeout=30.0)
        eventually(lambda: gateway_weights(vamp, pair).get(pair.candidate) == 10.0, what="step 1 at 10 %")

        vamp.cli("release", "pause", "manual-1.1")
        paused = wait_phase(vamp, "manual-1.1", "Paused", timeout=30.0)
        assert paused["step"] == running["step"] == 0
        assert gateway_weights(vamp, pair) == {pair.baseline: 90.0, pair.candidate: 10.0}
        assert decisions(paused, "paused")

        vamp.cli("release", "resume", "manual-1.1")
        resumed = wait_phase(vamp, "manual-1.1", "Progressing", "Waiting", timeout=30.0)
        assert resumed["step"] == 0, resumed
        assert decisions(resumed, "resumed"), resumed

        vamp.cli("release", "promote", "manual-1.1")
        promoted = wait_phase(vamp, "manual-1.1", "Promoted", timeout=30.0)
        assert decisions(promoted, "promoted"), promoted
        assert gateway_weights(vamp, pair) == {pair.baseline: 0.0, pair.candidate: 100.0}
        refused = vamp.cli("release", "pause", "manual-1.1", check=False)
        assert refused.returncode != 0, refused
        assert "Traceback" not in refused.stderr, refused

        start_release(vamp, tmp_path, back)
        wait_phase(vamp, "manual-back", "Progressing", "Waiting", timeout=30.0)
        eventually(lambda: gateway_weights(vamp, pair).get(pair.baseline) == 10.0, what="back at 10 %")
        vamp.cli("release", "abort", "manual-back")
        aborted = wait_phase(vamp, "manual-back", "Aborted", timeout=30.0)
    assert decisions(aborted, "aborted"), aborted
    assert gateway_weights(vamp, pair) == {pair.baseline: 0.0, pair.candidate: 100.0}


def test_blue_green_switches_only_after_the_preview_checks_pass(
    vamp: vamp_process.Vamp, tmp_path: Path
) -> None:
    pair = releases.deploy_pair(vamp, tmp_path, "bluegreen")
    policy = f"""\
name: bluegreen-1.1
gateway: {pair.gateway}
from: {pair.baseline}
to: {pair.candidate}
strategy: blue-green
preview: header x-preview == true
interval: 2s
samples: 50
rollback_window: 2s
"""
    with Traffic(pair.port, rate=RATE) as users:
        start_release(vamp, tmp_path, policy)
        waiting = wait_phase(vamp, "bluegreen-1.1", "Waiting", "Progressing", timeout=30.0)
        # With no preview request, the checks cannot pass: the release waits past its interval.
        eventually(
            lambda: decisions(releases.status(vamp, "bluegreen-1.1"), "waiting"),
            timeout=30.0,
            what="a decision to wait for the preview's samples",
        )
        assert releases.status(vamp, "bluegreen-1.1")["phase"] == "Waiting"
        assert waiting["step"] in (None, 0), waiting
        assert set(users.answers()) == {BASELINE}, users.answers()
        with Traffic(pair.port, rate=RATE / 4, headers=PREVIEW) as preview:
            done = wait_phase(vamp, "bluegreen-1.1", "Promoted", "RolledBack", "Paused", "Failed")
        assert done["phase"] == "Promoted", done
        before_switch = [reply for reply in preview.replies() if reply.answered != CANDIDATE]
        assert not before_switch, f"preview requests not answered by the candidate: {preview.answers()}"
        switched = decisions(done, "step", "promoted")
        assert switched, done
        eventually(
            lambda: users.last(100) == {CANDIDATE: 100}, timeout=30.0, what="100 user answers in a row by 1.1"
        )
    assert gateway_weights(vamp, pair).get(pair.candidate) == 100.0


def test_an_ab_release_by_firefox_reports_both_cohorts(vamp: vamp_process.Vamp, tmp_path: Path) -> None:
    pair = releases.deploy_pair(vamp, tmp_path, "ab")
    policy = f"""\
name: ab-1.1
gateway: {pair.gateway}
from: {pair.baseline}
to: {pair.candidate}
strategy: ab
condition: user-agent == Firefox
condition_strength: 100%
interval: 2s
samples: 50
"""
    plan = vamp.plan()
    start_release(vamp, tmp_path, policy)
    wait_phase(vamp, "ab-1.1", "Progressing", "Waiting", timeout=30.0)
    vamp.settled(plan)  # the agent routes the Firefox cohort to the candidate
    with (
        Traffic(pair.port, rate=RATE / 2) as others,
        Traffic(pair.port, rate=RATE / 2, headers=FIREFOX) as firefox,
    ):
        done = wait_phase(vamp, "ab-1.1", "Promoted", "Paused", "RolledBack", "Aborted", "Failed")
    assert done["phase"] == "Promoted", done  # equal versions: the candidate is not worse
    decision = decisions(done)[-1]
    assert decision["findings"], decision
    for item in decision["findings"]:
        baseline_samples, candidate_samples = item["samples"]
        assert baseline_samples >= 50, item
        assert candidate_samples >= 50, item
        assert item["baseline"] is not None, item
        assert item["candidate"] is not None, item
        assert item["reason"] in decision["reason"], decision
    assert set(firefox.answers()) == {CANDIDATE}, firefox.answers()
    answered = [reply.answered for reply in others.replies()]
    cohort = answered[: answered.index(CANDIDATE)] if CANDIDATE in answered else answered  # until promoted
    assert set(cohort) == {BASELINE}, others.answers()
    assert len(cohort) >= 0.95 * baseline_samples, f"the judge saw {baseline_samples}, 1.0 gave {len(cohort)}"
