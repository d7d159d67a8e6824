"""The breed rules of vamp.md §1.3 and §1.12 on models: cycles, ``$`` references, health checks."""

from __future__ import annotations

import pytest

from tests.core.validation.unchecked import problems, unchecked
from vamp.core import model, validation

BACKEND = "{name: back:1.0, deployable: y, ports: {db: 5432}, env: {USER: app}, constants: {SCHEMA: shop}}"


def issues_of(text: str) -> list[tuple[str, str]]:
    found = unchecked("name: front:1.0\ndeployable: x\n" + text, "breeds")
    assert isinstance(found, model.Breed)
    return problems(validation.breed_issues(found))


@pytest.mark.parametrize(
    "value",
    [
        "$back.host:$back.ports.db",
        "${back.environment_variables.USER}@${back.constants.SCHEMA}",
        "$$back.nothing costs $$5",
        "${config://vamp.gateway-driver.host}",
        "$LOCAL and ${LOCAL}",
        "no reference",
    ],
)
def test_references_to_declared_dependencies_and_their_traits_break_no_rule(value: str) -> None:
    assert issues_of(f"env: {{URL: '{value}'}}\ndependencies: {{back: {BACKEND}}}\n") == []


@pytest.mark.parametrize(
    ("value", "reference"),
    [
        ("$db.host", "db.host"),
        ("${back.ports.admin}", "back.ports.admin"),
        ("$back.environment_variables.PASSWORD", "back.environment_variables.PASSWORD"),
        ("$back.constants.USER", "back.constants.USER"),
        ("$back.hosts", "back.hosts"),
    ],
)
def test_references_name_a_declared_dependency_and_its_traits(value: str, reference: str) -> None:
    assert issues_of(f"env: {{URL: '{value}'}}\ndependencies: {{back: {BACKEND}}}\n") == [
        (
            "environment_variables.URL",
            f"Unresolved reference '{reference}' in breed 'front:1.0 -> x'. Check if breed dependency is "
            f"declared.",
        )
    ]


def test_a_reference_to_a_dependency_given_by_name_cannot_be_judged_further() -> None:
    assert issues_of("constants: {URL: '$back.ports.anything'}\ndependencies: {back: back:1.*}\n") == []


@pytest.mark.parametrize(
    ("dependencies", "cycle"),
    [
        ("{self: front:1.0}", "front:1.0 -> front:1.0"),
        (
            "{back: {name: back:1.0, deployable: y, dependencies: {front: front:1.0}}}",
            "front:1.0 -> back:1.0 -> front:1.0",
        ),
    ],
)
def test_dependencies_are_not_cyclic(dependencies: str, cycle: str) -> None:
    assert issues_of(f"dependencies: {dependencies}\n") == [
        ("dependencies", f"Recursive (cyclic) dependency detected for breed 'front:1.0': {cycle}.")
    ]


def test_a_cycle_among_inline_dependencies_is_reported_where_it_starts() -> None:
    text = (
        "dependencies: {back: {name: back:1.0, deployable: y, dependencies: "
        "{db: {name: db:1, deployable: z, dependencies: {back: back:1.0}}}}}\n"
    )
    assert issues_of(text) == [
        (
            "dependencies.back.dependencies",
            "Recursive (cyclic) dependency detected for breed 'back:1.0': back:1.0 -> db:1 -> back:1.0.",
        )
    ]


def test_inline_dependencies_are_held_to_the_rules_at_their_path() -> None:
    assert issues_of("dependencies: {back: {name: back:1.0, deployable: y, env: {A: $cache.host}}}\n") == [
        (
            "dependencies.back.environment_variables.A",
            "Unresolved reference 'cache.host' in breed 'back:1.0 -> y'. Check if breed dependency is "
            "declared.",
        )
    ]


def test_health_checks_name_ports_of_the_breed() -> None:
    check = "{port: %s, initial_delay: 1, timeout: 1, interval: 1, failures: %d}"
    text = f"ports: {{web: 80}}\nhealth_checks: [{check % ('web', 0)}, {check % ('admin', -3)}]\n"
    assert issues_of(text) == [
        ("health_checks[1].port", "Unresolved port reference: admin. The ports are: 'web'."),
        ("health_checks[1].failures", "Failures can not be negative: -3."),
    ]
