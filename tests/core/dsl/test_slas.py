"""SLAs and escalations (vamp.md §1.13, §1.14), stored and inside a cluster."""

from __future__ import annotations

import pytest

from tests.core.dsl.outcomes import messages, one
from vamp.core import dsl, model
from vamp.core.units import Duration

UP = model.ScaleEscalation(type="scale_instances", target="sava", minimum=1, maximum=3, scale_by=1)
UP_TEXT = "{type: scale_instances, target: sava, minimum: 1, maximum: 3, scale_by: 1}"
CPU = model.ScaleEscalation(type="scale_cpu", minimum=0.5, maximum=2.5, scale_by=0.5)
CPU_TEXT = "{type: scale_cpu, minimum: 0.5, maximum: 2.5, scale_by: 0.5}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "type: response_time_sliding_window\nthreshold: {upper: 1000, lower: 100}\n"
            f"window: {{interval: 600, cooldown: 10m}}\nescalations: [{UP_TEXT}]\n",
            model.Sla(
                name="rt",
                type="response_time_sliding_window",
                threshold=model.Threshold(upper=1000, lower=100),
                window=model.Window(interval=Duration(600), cooldown=Duration(600)),
                escalations=(UP,),
            ),
        ),
        (
            f"type: escalation_only\nescalations: {UP_TEXT}\n",
            model.Sla(name="rt", type="escalation_only", escalations=(UP,)),
        ),
        (
            "type: apdex\ntarget: 0.9\nwindow: {interval: 60}\n",
            model.Sla(name="rt", type="apdex", parameters={"target": 0.9, "window": {"interval": 60}}),
        ),
    ],
)
def test_slas_of_every_type_can_be_stored(text: str, expected: model.Sla) -> None:
    assert one("name: rt\n" + text, "slas") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("response-times", model.Ref(name="response-times")),
        ("{reference: response-times}", model.Ref(name="response-times")),
        (
            f"{{ref: response-times, escalations: [{UP_TEXT}]}}",
            model.SlaReference(name="response-times", escalations=(UP,)),
        ),
        ("{type: escalation_only}", model.Sla(type="escalation_only")),
    ],
)
def test_a_cluster_sla_is_a_reference_with_or_without_escalations_or_inline(
    text: str, expected: object
) -> None:
    found = one(f"name: bp\nclusters:\n  sava:\n    services: sava:1.0.0\n    sla: {text}\n", "blueprints")
    assert isinstance(found, model.Blueprint)
    assert found.clusters["sava"].sla == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (UP_TEXT, UP),
        (CPU_TEXT, CPU),
        (
            f"{{type: to_all, escalations: [{UP_TEXT}, {CPU_TEXT}]}}",
            model.GroupEscalation(type="to_all", escalations=(UP, CPU)),
        ),
        (
            f"{{to_all: [{UP_TEXT}, stored]}}",
            model.GroupEscalation(type="to_all", escalations=(UP, model.Ref(name="stored"))),
        ),
        (
            f"{{to_one: {{escalations: [{CPU_TEXT}, {UP_TEXT}]}}}}",
            model.GroupEscalation(type="to_one", escalations=(CPU, UP)),
        ),
        (
            "{to_one: [{to_all: [{reference: a}]}]}",
            model.GroupEscalation(
                type="to_one",
                escalations=(model.GroupEscalation(type="to_all", escalations=(model.Ref(name="a"),)),),
            ),
        ),
        (
            "{type: notify, channel: '#ops'}",
            model.GenericEscalation(type="notify", parameters={"channel": "#ops"}),
        ),
        ("stored", model.Ref(name="stored")),
        ("{reference: stored}", model.Ref(name="stored")),
    ],
)
def test_escalations_take_every_form(text: str, expected: object) -> None:
    found = one(f"name: s\ntype: escalation_only\nescalations: [{text}]\n", "slas")
    assert isinstance(found, model.Sla)
    assert found.escalations == (expected,)


def test_escalations_can_be_stored() -> None:
    text = (
        "kind: escalations\nname: up\ntype: scale_instances\ntarget: sava\n"
        "minimum: 1\nmaximum: 3\nscale_by: 1\n"
    )
    text += f"---\nkind: escalation\nname: all\nto_all: [{UP_TEXT}]\n"
    assert dsl.read(text) == [
        UP.model_copy(update={"name": "up"}),
        model.GroupEscalation(name="all", type="to_all", escalations=(UP,)),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("threshold: {upper: 1}\n", [("type", "Missing required key 'type' in SLA.")]),
        (
            "type: response_time_sliding_window\nthreshold: {upper: fast, lower: 1}\n",
            [
                ("window", "Missing required key 'window' in SLA."),
                ("threshold.upper", "Expected a whole number, not the string 'fast'."),
            ],
        ),
        (
            "type: escalation_only\nthreshold: {upper: 1, lower: 1}\n",
            [
                (
                    "threshold",
                    "Unexpected key 'threshold' in SLA; valid keys are: escalations, metadata, name, type.",
                )
            ],
        ),
        (
            "type: escalation_only\nescalations: [{type: scale_cpu, minimum: 1}]\n",
            [
                ("escalations[0].maximum", "Missing required key 'maximum' in escalation."),
                ("escalations[0].scale_by", "Missing required key 'scale_by' in escalation."),
            ],
        ),
        (
            "type: escalation_only\nescalations: [{to_all: {}}]\n",
            [
                (
                    "escalations[0].escalations.escalations",
                    "Missing required key 'escalations' in escalation group.",
                )
            ],
        ),
        (
            "type: escalation_only\nescalations: [{type: scale_cpu, minimum: 1, maximum: x, scale_by: 1}]\n",
            [("escalations[0].maximum", "Expected a number, not the string 'x'.")],
        ),
        (
            "type: escalation_only\nescalations: [{name: up, type: scale_cpu}]\n",
            [
                (
                    "escalations[0]",
                    "Either it should be a reference 'escalation -> up' or an anonymous inline definition, "
                    "but not "
                    "both; write {reference: up} or drop the name.",
                )
            ],
        ),
    ],
)
def test_what_is_not_an_sla_or_escalation_is_an_issue(text: str, expected: list[tuple[str, str]]) -> None:
    assert messages("name: s\n" + text, "slas") == expected
