"""Escalations scale the first service of their target within [minimum, maximum]: to_one tries in order
(reversed when de-escalating), to_all applies every one, several at the top are a to_all, and what
cannot apply says why."""

from __future__ import annotations

import json
from collections.abc import Mapping

from tests.core.deployments.builders import NOW, two_cluster_blueprint
from vamp.core import deployments, model, validation
from vamp.core.slas import escalations, window
from vamp.core.units import Cpu, Memory

UP, DOWN = window.Direction.ESCALATE, window.Direction.DEESCALATE


def scale(instances: int = 1, cpu: str = "0.5", memory: str = "256MB") -> model.Scale:
    return model.Scale(instances=instances, cpu=Cpu.parse(cpu), memory=Memory.parse(memory))


SERVICES = {
    "sava": escalations.FirstService("sava:1.0.0", scale(2)),
    "backend": escalations.FirstService("backend:1.0.0", scale(1)),
}


def instances(
    minimum: float = 1, maximum: float = 3, by: float = 1, target: str | None = None
) -> model.ScaleEscalation:
    return model.ScaleEscalation(
        type="scale_instances", minimum=minimum, maximum=maximum, scale_by=by, target=target
    )


def run(
    direction: window.Direction,
    *given: model.Escalation | model.Ref,
    services: Mapping[str, escalations.FirstService] = SERVICES,
) -> escalations.Outcome:
    return escalations.escalate(direction, given, cluster="sava", services=services)


def counts(outcome: escalations.Outcome) -> dict[str, int]:
    return {cluster: found.scale.instances for cluster, found in outcome.services.items()}


def test_scale_instances_adds_and_removes_instances_of_the_slas_cluster() -> None:
    up = run(UP, instances())
    assert counts(up) == {"sava": 3, "backend": 1}
    assert up.applied == (escalations.Applied("scale_instances", "sava", "sava:1.0.0", 2, 3),)
    assert counts(run(DOWN, instances())) == {"sava": 1, "backend": 1}
    assert up.changed(SERVICES) == {"sava": up.services["sava"]}


def test_an_escalation_at_its_bound_does_not_apply_and_says_why() -> None:
    at_top = run(UP, instances(maximum=2))
    assert counts(at_top) == counts(run(UP))
    assert not at_top.applied
    assert at_top.skipped[0].reason == (
        "Instances of 'sava:1.0.0' would go from 2 to 3, beyond the maximum of 2."
    )
    at_bottom = run(DOWN, instances(minimum=2))
    assert not at_bottom.applied
    assert "beyond the minimum of 2" in at_bottom.skipped[0].reason
    assert not run(UP, instances(by=2, maximum=3)).applied  # 4 would be past the maximum: none of it


def test_cpu_and_memory_scale_by_cores_and_megabytes() -> None:
    cpu = model.ScaleEscalation(type="scale_cpu", minimum=0.25, maximum=2, scale_by=0.25)
    memory = model.ScaleEscalation(type="scale_memory", minimum=128, maximum=1024, scale_by=128)
    up = run(UP, cpu, memory)
    assert up.services["sava"].scale.cpu == Cpu.parse("0.75")
    assert up.services["sava"].scale.memory == Memory.parse("384MB")
    assert [(a.type, a.before, a.after) for a in up.applied] == [
        ("scale_cpu", 0.5, 0.75),
        ("scale_memory", 256, 384),
    ]
    down = run(DOWN, cpu, memory)
    assert (down.services["sava"].scale.cpu, down.services["sava"].scale.memory) == (
        Cpu.parse("0.25"),
        Memory.parse("128MB"),
    )


def test_a_target_scales_another_cluster() -> None:
    assert counts(run(UP, instances(target="backend"))) == {"sava": 2, "backend": 2}
    missing = run(UP, instances(target="nowhere"))
    assert missing.skipped[0].reason == "Cluster 'nowhere' has no service to scale."


def test_to_one_tries_in_order_until_one_applies_and_in_reverse_when_deescalating() -> None:
    group = model.GroupEscalation(
        type="to_one", escalations=(instances(maximum=2), instances(target="backend"), instances())
    )
    up = run(UP, group)  # the first is at its maximum, the second applies, the third is not tried
    assert counts(up) == {"sava": 2, "backend": 2}
    assert len(up.skipped) == 1
    down = run(DOWN, group)  # the last first: sava 2 → 1; the others are not tried
    assert counts(down) == {"sava": 1, "backend": 1}
    assert len(down.applied) == 1


def test_to_all_and_a_list_of_several_apply_every_one_adding_up() -> None:
    group = model.GroupEscalation(type="to_all", escalations=(instances(maximum=5), instances(maximum=5)))
    assert counts(run(UP, group)) == {"sava": 4, "backend": 1}
    assert counts(run(UP, instances(maximum=5), instances(target="backend"))) == {"sava": 3, "backend": 2}


def test_generic_escalations_and_unresolved_references_are_skipped_with_a_reason() -> None:
    outcome = run(
        UP,
        model.GenericEscalation(type="notify", parameters={"to": "ops"}),
        model.Ref(name="gone"),
        instances(),
    )
    assert counts(outcome) == {"sava": 3, "backend": 1}
    assert [skipped.reason for skipped in outcome.skipped] == [
        "Escalation type 'notify' is not run here; these are: scale_instances, scale_cpu, scale_memory, "
        "to_one, to_all.",
        "Escalation 'gone' is not stored.",
    ]


def test_events_tell_what_applied_or_why_nothing_did() -> None:
    applied = escalations.events("shop", UP, "sava", run(UP, instances()))
    assert [(event.tags, event.value) for event in applied] == [
        (
            ("escalation", "escalation:escalate", "deployment:shop", "cluster:sava"),
            {"service": "sava:1.0.0", "type": "scale_instances", "from": 2, "to": 3},
        )
    ]
    (none,) = escalations.events("shop", DOWN, "sava", run(DOWN, instances(minimum=2)))
    assert none.tags == ("escalation", "escalation:none", "deployment:shop", "cluster:sava")
    assert none.value["direction"] == "deescalate"
    assert "beyond the minimum of 2" in none.value["reason"]
    (empty,) = escalations.events("shop", UP, "sava", run(UP))
    assert empty.value["reason"] == "The SLA has no escalations."


def test_a_scale_beyond_the_servers_limits_does_not_apply() -> None:
    limits = validation.ScaleLimits(instances=2)
    outcome = escalations.escalate(
        UP, (instances(maximum=5),), cluster="sava", services=SERVICES, limits=limits
    )
    assert not outcome.applied
    assert outcome.skipped[0].reason == (
        "Scaling 'sava:1.0.0': At most 2 instances are allowed on this server, not 3 (the server's "
        "--max-instances)."
    )


def test_what_cannot_apply_is_named_with_its_type_and_cluster_and_the_next_one_is_tried() -> None:
    gone = model.GroupEscalation(type="to_one", escalations=(model.Ref(name="gone"), instances(maximum=5)))
    outcome = run(UP, gone)
    assert counts(outcome) == {"sava": 3, "backend": 1}
    assert outcome.skipped == (escalations.Skipped("reference", "sava", "Escalation 'gone' is not stored."),)
    nowhere = model.GroupEscalation(
        type="to_one", escalations=(instances(target="nowhere"), instances(by=0), instances(target="backend"))
    )
    tried = run(UP, nowhere)
    assert counts(tried) == {"sava": 2, "backend": 2}
    assert tried.skipped == (
        escalations.Skipped("scale_instances", "nowhere", "Cluster 'nowhere' has no service to scale."),
        escalations.Skipped("scale_instances", "sava", "scale_by must be more than 0, not 0."),
    )
    generic = model.GroupEscalation(
        type="to_one", escalations=(model.GenericEscalation(type="alert"), instances(maximum=5))
    )
    assert counts(run(UP, generic)) == {"sava": 3, "backend": 1}


def test_to_one_deescalating_tries_the_last_first() -> None:
    group = model.GroupEscalation(
        type="to_one", escalations=(instances(), instances(target="backend", minimum=0))
    )
    down = run(DOWN, group)
    assert counts(down) == {"sava": 2, "backend": 0}, (
        "the last one applies, and takes a service to 0 instances"
    )


def test_a_bound_names_which_one_is_passed_and_the_unit() -> None:
    crossed = run(UP, instances(minimum=5, maximum=1))
    assert crossed.skipped == (
        escalations.Skipped(
            "scale_instances",
            "sava",
            "Instances of 'sava:1.0.0' would go from 2 to 3, beyond the maximum of 1.",
        ),
    )
    cpu = model.ScaleEscalation(type="scale_cpu", minimum=0.1, maximum=4, scale_by=1)
    assert run(DOWN, cpu).skipped[0].reason == (
        "CPU of 'sava:1.0.0' would go from 0.5 to -0.5, beyond the minimum of 0.1."
    )
    memory = model.ScaleEscalation(type="scale_memory", minimum=1, maximum=200, scale_by=1)
    assert run(UP, memory).skipped[0].reason == (
        "Memory (MB) of 'sava:1.0.0' would go from 256 to 257, beyond the maximum of 200."
    )


def test_a_whole_core_escalation_adds_exactly_one_core_and_the_scale_loses_its_stored_name() -> None:
    named = {"sava": escalations.FirstService("sava:1.0.0", scale(2).model_copy(update={"name": "small"}))}
    cpu = model.ScaleEscalation(type="scale_cpu", minimum=0.1, maximum=4, scale_by=1)
    scaled = run(UP, cpu, services=named).services["sava"]
    assert scaled == escalations.FirstService("sava:1.0.0", scale(2, cpu="1.5"))
    assert scaled.scale.name is None


def test_events_show_whole_numbers_as_integers_and_join_the_reasons() -> None:
    cpu = model.ScaleEscalation(type="scale_cpu", minimum=0.1, maximum=4, scale_by=0.25)
    applied = escalations.events("shop", UP, "sava", run(UP, cpu, instances(maximum=5)))
    assert [json.dumps(event.value) for event in applied] == [
        '{"service": "sava:1.0.0", "type": "scale_cpu", "from": 0.5, "to": 0.75}',
        '{"service": "sava:1.0.0", "type": "scale_instances", "from": 2, "to": 3}',
    ]
    cpu_at_top = model.ScaleEscalation(type="scale_cpu", minimum=0.1, maximum=0.2, scale_by=0.25)
    (none,) = escalations.events("shop", UP, "sava", run(UP, cpu_at_top, instances(maximum=1)))
    assert none.value["reason"] == (
        "CPU of 'sava:1.0.0' would go from 0.5 to 0.75, beyond the maximum of 0.2. "
        "Instances of 'sava:1.0.0' would go from 2 to 3, beyond the maximum of 1."
    )


def test_a_generic_escalation_is_skipped_naming_its_type_and_cluster() -> None:
    outcome = run(UP, model.GenericEscalation(type="alert"))
    assert [(skipped.type, skipped.cluster) for skipped in outcome.skipped] == [("alert", "sava")]


def test_with_its_bounds_crossed_an_escalation_names_the_bound_it_is_outside() -> None:
    # 2 + 1 = 3 is the maximum, but below the minimum of 5.
    crossed = run(UP, instances(minimum=5, maximum=3))
    assert crossed.skipped[0].reason == (
        "Instances of 'sava:1.0.0' would go from 2 to 3, beyond the minimum of 5."
    )


def test_after_a_scale_beyond_the_servers_limits_to_one_tries_the_next() -> None:
    limits = validation.ScaleLimits(instances=2)
    group = model.GroupEscalation(type="to_one", escalations=(instances(), instances(target="backend")))
    outcome = escalations.escalate(UP, (group,), cluster="sava", services=SERVICES, limits=limits)
    assert counts(outcome) == {"sava": 2, "backend": 2}
    assert [(skipped.type, skipped.cluster) for skipped in outcome.skipped] == [("scale_instances", "sava")]


def test_cpu_and_memory_scaled_down_to_a_minimum_of_zero_land_on_zero() -> None:
    cpu = model.ScaleEscalation(type="scale_cpu", minimum=0, maximum=4, scale_by=0.5)
    assert run(DOWN, cpu).services["sava"].scale.cpu == Cpu(0)
    memory = model.ScaleEscalation(type="scale_memory", minimum=0, maximum=400, scale_by=256)
    assert run(DOWN, memory).services["sava"].scale.memory == Memory(0)


def test_the_first_service_of_each_cluster_with_services_is_the_one_scaled() -> None:
    deployed = deployments.merge(None, two_cluster_blueprint(), name="shop", now=NOW, host="10.0.0.5")
    frontend = deployed.clusters["frontend"]
    first = frontend.services[0]
    second = first.model_copy(
        update={"breed": first.breed.model_copy(update={"name": "sava-frontend:2.0.0"})}
    )
    clusters = {
        "frontend": frontend.model_copy(update={"services": (first, second)}),
        "backend": deployed.clusters["backend"].model_copy(update={"services": ()}),
    }
    found = escalations.first_services(deployed.model_copy(update={"clusters": clusters}))
    assert found == {"frontend": escalations.FirstService("sava-frontend:1.0.0", first.scale)}


def test_the_first_services_own_scale_is_the_one_read() -> None:
    deployed = deployments.merge(None, two_cluster_blueprint(), name="shop", now=NOW, host="10.0.0.5")
    frontend = deployed.clusters["frontend"]
    first = frontend.services[0]
    second = first.model_copy(update={"scale": scale(5)})
    clusters = {"frontend": frontend.model_copy(update={"services": (first, second)})}
    found = escalations.first_services(deployed.model_copy(update={"clusters": clusters}))
    assert found["frontend"].scale == first.scale


def test_instances_scaled_below_zero_land_on_zero_and_the_event_says_so() -> None:
    one = {"sava": escalations.FirstService("sava:1.0.0", scale(1))}
    down = escalations.escalate(DOWN, (instances(minimum=-1, by=2),), cluster="sava", services=one)
    assert counts(down) == {"sava": 0}
    (event,) = escalations.events("shop", DOWN, "sava", down)
    assert event.value == {"service": "sava:1.0.0", "type": "scale_instances", "from": 1, "to": 0}


def test_an_escalation_that_would_leave_zero_at_zero_does_not_apply_and_says_why() -> None:
    none = {"sava": escalations.FirstService("sava:1.0.0", scale(0))}
    down = escalations.escalate(DOWN, (instances(minimum=-1),), cluster="sava", services=none)
    assert not down.applied
    assert down.skipped == (
        escalations.Skipped("scale_instances", "sava", "Instances of 'sava:1.0.0' would stay at 0."),
    )


def test_after_an_escalation_that_would_leave_zero_at_zero_to_one_tries_the_next() -> None:
    # De-escalating, to_one tries from the last: the backend's instances (at 0) first, then sava's.
    none = {**SERVICES, "backend": escalations.FirstService("backend:1.0.0", scale(0))}
    group = model.GroupEscalation(
        type="to_one", escalations=(instances(), instances(minimum=-1, target="backend"))
    )
    down = escalations.escalate(DOWN, (group,), cluster="sava", services=none)
    assert counts(down) == {"sava": 1, "backend": 0}
    assert down.applied == (escalations.Applied("scale_instances", "sava", "sava:1.0.0", 2, 1),)
    assert down.skipped == (
        escalations.Skipped("scale_instances", "backend", "Instances of 'backend:1.0.0' would stay at 0."),
    )
