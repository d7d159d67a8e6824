"""The server's scale limits: every scale of a scale, blueprint or deployment, each value at its path."""

from __future__ import annotations

from vamp.core import model, units, validation
from vamp.core.validation import Problem

LIMITS = validation.ScaleLimits(instances=10, cpu=units.Cpu.parse(2), memory=units.Memory.parse("4GB"))


def _scale(instances: int, cpu: str, memory: str) -> model.Scale:
    return model.Scale(instances=instances, cpu=units.Cpu.parse(cpu), memory=units.Memory.parse(memory))


def test_a_scale_within_the_limits_has_no_problem() -> None:
    assert validation.scale_problems(_scale(10, "2", "4GB"), LIMITS) == []


def test_each_value_beyond_its_limit_is_a_problem_naming_the_limit_and_the_flag() -> None:
    assert validation.scale_problems(_scale(11, "2.5", "5GB"), LIMITS) == [
        Problem(
            ("instances",),
            "At most 10 instances are allowed on this server, not 11 (the server's --max-instances).",
        ),
        Problem(("cpu",), "At most 2.00 CPUs are allowed on this server, not 2.50 (the server's --max-cpu)."),
        Problem(
            ("memory",),
            "At most 4000.00MB of memory is allowed on this server, not 5000.00MB "
            "(the server's --max-memory).",
        ),
    ]


def test_the_scales_of_a_blueprints_services_are_found_by_path_and_references_are_left_alone() -> None:
    breed = model.Ref(name="sava:1.0.0")
    blueprint = model.Blueprint(
        name="sava:1.0",
        clusters={
            "sava": model.Cluster(
                services=(
                    model.Service(breed=breed, scale=model.Ref(name="huge")),
                    model.Service(breed=breed, scale=_scale(1000, "1", "1GB")),
                )
            )
        },
    )
    assert [problem.path for problem in validation.scale_problems(blueprint, LIMITS)] == [
        ("clusters", "sava", "services", 1, "scale", "instances")
    ]


def test_the_defaults_are_a_thousand_instances_64_cpus_and_a_tebibyte() -> None:
    assert (
        validation.ScaleLimits(1000, units.Cpu.parse(64), units.Memory.parse("1024Gi"))
        == validation.DEFAULT_LIMITS
    )
