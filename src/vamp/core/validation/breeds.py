"""Rules for one breed (vamp.md §1.3, §1.12): no dependency cycles, ``$alias`` references that name a
declared dependency (and, for inline dependencies, one of its ports, variables or constants), health
checks on ports the breed has. Rules that need the other breeds of a blueprint are in ``blueprints``.
"""

from __future__ import annotations

from collections.abc import Iterable

from vamp import errors
from vamp.core import model
from vamp.core.validation import messages
from vamp.core.validation.problems import Path, Problem, issues
from vamp.core.validation.references import references, trait_exists


def breed_issues(breed: model.Breed) -> list[errors.Issue]:
    """Every rule a breed breaks, with paths relative to the breed."""
    return issues(breed_problems(breed))


def label(breed: model.Breed) -> str:
    """How Vamp names a breed in messages: ``sava:1.0.0 -> magneticio/sava:1.0.0``."""
    return f"{breed.name} -> {breed.deployable.definition}"


def breed_problems(breed: model.Breed, path: Path = (), *, cycles: bool = True) -> list[Problem]:
    """The rules of one breed; ``cycles=False`` leaves dependency cycles to a check over all breeds."""
    problems: list[Problem] = []
    cycle = _cycle(breed, breed.name, (breed.name,), set()) if cycles else None
    if cycle:
        problems.append(Problem((*path, "dependencies"), messages.recursive_dependency(breed.name, cycle)))
    values = [(("environment_variables", var.key), var.value) for var in breed.environment_variables]
    values += [(("constants", constant.name), constant.value) for constant in breed.constants]
    for place, value in values:
        problems += _reference_problems(breed, value, (*path, *place))
    problems += health_check_problems(breed.health_checks, port_names([breed]), (*path, "health_checks"))
    for alias, dependency in breed.dependencies.items():
        if isinstance(dependency, model.Breed):
            problems += breed_problems(dependency, (*path, "dependencies", alias), cycles=cycles)
    return problems


def _cycle(breed: model.Breed, start: str, trail: tuple[str, ...], seen: set[str]) -> tuple[str, ...] | None:
    """A chain of dependencies from ``start`` back to it, following breeds given inline (as Vamp does).

    Cycles that do not pass through ``start`` belong to the inline breed they start at, which is checked
    on its own.
    """
    for dependency in breed.dependencies.values():
        if dependency.name == start:
            return (*trail, start)
        if isinstance(dependency, model.Breed) and dependency.name not in seen:
            seen.add(dependency.name)
            found = _cycle(dependency, start, (*trail, dependency.name), seen)
            if found:
                return found
    return None


def _reference_problems(breed: model.Breed, value: str | None, path: Path) -> list[Problem]:
    problems: list[Problem] = []
    for parts in references(value):
        if len(parts) < 2:
            continue
        dependency = breed.dependencies.get(parts[0])
        known = dependency is not None and (
            not isinstance(dependency, model.Breed)
            or trait_exists(
                parts,
                {port.name for port in dependency.ports},
                {var.name for var in dependency.environment_variables},
                {constant.name for constant in dependency.constants},
            )
        )
        if not known:
            problems.append(Problem(path, messages.unresolved_reference(".".join(parts), label(breed))))
    return problems


def port_names(breeds: Iterable[model.Breed | model.Ref]) -> set[str] | None:
    """The port names of the breeds, or ``None`` when a reference makes them unknowable."""
    names: set[str] = set()
    for breed in breeds:
        if not isinstance(breed, model.Breed):
            return None
        names.update(port.name for port in breed.ports)
    return names


def health_check_problems(
    checks: Iterable[model.HealthCheck] | None, ports: set[str] | None, path: Path
) -> list[Problem]:
    """Each check's port must be one of ``ports`` (unless unknowable) and its failures not negative."""
    problems: list[Problem] = []
    for index, check in enumerate(checks or ()):
        if ports is not None and check.port not in ports:
            problems.append(
                Problem((*path, index, "port"), messages.unresolved_port_reference(check.port, sorted(ports)))
            )
        if check.failures < 0:
            problems.append(Problem((*path, index, "failures"), messages.negative_failures(check.failures)))
    return problems
