"""Judging a response-time sliding window: escalate above the upper threshold, de-escalate below the
lower one, nothing within the cooldown or with nothing measured; SLA events written and read back."""

from __future__ import annotations

from datetime import timedelta

from tests.core.deployments.builders import NOW, sava_blueprint, with_phase
from vamp.core import deployments, model
from vamp.core.slas import window
from vamp.core.units import Duration

SLA = model.Sla(
    type="response_time_sliding_window",
    threshold=model.Threshold(upper=150, lower=50),
    window=model.Window(interval=Duration(10), cooldown=Duration(20)),
)
GATEWAYS = ("sava/sava/webport", "sava/sava/admin")


def test_the_slowest_gateway_above_the_upper_threshold_escalates() -> None:
    verdict = window.judge(SLA, {GATEWAYS[0]: 40.0, GATEWAYS[1]: 300.0}, None, NOW)
    assert verdict.direction is window.Direction.ESCALATE
    assert (verdict.response_time, verdict.gateway) == (300.0, GATEWAYS[1])
    assert "above the upper threshold of 150 ms" in verdict.reason


def test_every_gateway_below_the_lower_threshold_deescalates() -> None:
    verdict = window.judge(SLA, {GATEWAYS[0]: 2.0, GATEWAYS[1]: 49.9}, None, NOW)
    assert verdict.direction is window.Direction.DEESCALATE
    assert verdict.response_time == 49.9


def test_within_the_thresholds_nothing_happens() -> None:
    for slowest in (50.0, 100.0, 150.0):
        verdict = window.judge(SLA, {GATEWAYS[0]: slowest}, None, NOW)
        assert verdict.direction is None
        assert "within 50–150 ms" in verdict.reason


def test_nothing_measured_is_no_verdict() -> None:
    assert window.judge(SLA, {}, None, NOW).direction is None
    verdict = window.judge(SLA, {GATEWAYS[0]: None}, None, NOW)
    assert (verdict.direction, verdict.reason) == (None, "Nothing was measured in the window.")


def test_nothing_is_judged_within_interval_plus_cooldown_of_the_last_sla_event() -> None:
    slow = {GATEWAYS[0]: 500.0}
    assert window.judge(SLA, slow, NOW - timedelta(seconds=29), NOW).direction is None
    assert "less than 30 s old" in window.judge(SLA, slow, NOW - timedelta(seconds=29), NOW).reason
    assert window.judge(SLA, slow, NOW - timedelta(seconds=30), NOW).direction is window.Direction.ESCALATE


def test_other_sla_types_are_not_judged() -> None:
    for kind in ("escalation_only", "error_rate"):
        verdict = window.judge(model.Sla(type=kind), {GATEWAYS[0]: 500.0}, None, NOW)
        assert verdict.direction is None
        assert f"'{kind}' is not judged" in verdict.reason


def test_a_cluster_is_watched_once_every_service_is_deployed() -> None:
    deployed = deployments.merge(None, sava_blueprint(), name="sava", now=NOW, host="10.0.0.5")
    assert not window.settled(deployed.clusters["sava"])
    done = with_phase(deployed, model.PhaseName.DONE)
    assert window.settled(done.clusters["sava"])
    assert window.gateways_of("sava", "sava", done.clusters["sava"]) == ("sava/sava/webport",)


def test_an_sla_event_tells_the_verdict_and_reads_back() -> None:
    verdict = window.judge(SLA, {GATEWAYS[0]: 300.0}, None, NOW)
    event = window.sla_event("sava", "backend", SLA, verdict)
    assert event.tags == ("sla", "sla:escalate", "deployment:sava", "cluster:backend")
    assert event.value["response_time"] == 300.0
    assert event.value["threshold"] == {"upper": 150, "lower": 50}
    assert event.value["window"] == {"interval": 10, "cooldown": 20}
    assert window.signal_of(event) == window.Signal(window.Direction.ESCALATE, "sava", "backend")


def test_third_party_sla_events_are_read_by_their_tags() -> None:
    def signal(*tags: str) -> window.Signal | None:
        return window.signal_of(model.Event(tags=tags))

    down = window.Signal(window.Direction.DEESCALATE, "d", "c")
    assert signal("sla", "sla:deescalate", "deployment:d", "cluster:c") == down
    assert signal("sla:deescalation", "deployment:d", "cluster:c") == down
    assert signal("sla", "deployment:d", "cluster:c") is None  # no direction
    assert signal("sla:escalate", "sla:deescalate", "deployment:d", "cluster:c") is None  # both
    assert signal("sla:escalate", "deployment:d") is None  # no cluster


def test_every_verdict_names_the_slowest_gateway_and_its_time() -> None:
    below = window.judge(SLA, {GATEWAYS[0]: 2.0, GATEWAYS[1]: 49.94}, None, NOW)
    assert below == window.Verdict(
        window.Direction.DEESCALATE,
        "49.9 ms on sava/sava/admin is below the lower threshold of 50 ms.",
        49.94,
        GATEWAYS[1],
    )
    within = window.judge(SLA, {GATEWAYS[0]: 120.0, GATEWAYS[1]: None}, None, NOW)
    assert within == window.Verdict(
        None, "120.0 ms on sava/sava/webport is within 50–150 ms.", 120.0, GATEWAYS[0]
    )


def test_a_sliding_window_sla_without_its_window_or_threshold_is_not_judged() -> None:
    no_window = SLA.model_copy(update={"window": None})
    assert window.judge(no_window, {GATEWAYS[0]: 300.0}, None, NOW).direction is None
    assert not window.due(no_window, None, NOW)
    no_threshold = SLA.model_copy(update={"threshold": None})
    assert window.judge(no_threshold, {GATEWAYS[0]: 300.0}, None, NOW).direction is None


def test_an_sla_event_rounds_the_time_to_the_microsecond_and_carries_the_gateway_and_reason() -> None:
    verdict = window.judge(SLA, {GATEWAYS[0]: 300.123456}, None, NOW)
    event = window.sla_event("sava", "sava", SLA, verdict)
    assert event.value == {
        "response_time": 300.123,
        "gateway": GATEWAYS[0],
        "reason": "300.1 ms on sava/sava/webport is above the upper threshold of 150 ms.",
        "threshold": {"upper": 150, "lower": 50},
        "window": {"interval": 10, "cooldown": 20},
    }
