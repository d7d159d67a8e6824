"""The score of a mutation run: `make mutation` runs mutmut, then this prints a table per module and fails.

mutmut (configured in pyproject.toml's ``[tool.mutmut]``) leaves one ``mutants/src/<module path>.py.meta``
per mutated module, whose ``exit_code_by_key`` holds each mutant's outcome as the exit code of its tests.
A mutant is *killed* when its tests failed, *survived* when they passed, a *timeout* when they ran out of
time; anything else (no test runs the function, not checked yet, a crash) is counted under *other*.

A survivor no test can tell from the original is named in ``tests/core/mutation_equivalents.toml``, one
table per module keyed by mutmut's mutant name, the value saying why::

    ["vamp.core.units"]
    "vamp.core.units.x_parse__mutmut_12" = "0 and -0 parse alike"

The score of a module is killed / (mutants - equivalent). The report exits 1 when the total is under the
threshold (97 % unless ``--threshold`` says), when a name in the equivalents file is stale (no such mutant,
in a module the run mutated) or is killed (a test tells it apart: it is not equivalent), or when no run
has left results.

Run ``python tests/mutation/report.py`` from the repository's root after ``mutmut run``; with
``--not-killed`` it only lists the mutants not killed, for ``mutmut run`` to try again.
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

EQUIVALENTS = Path("tests/core/mutation_equivalents.toml")
RESULTS = Path("mutants/src")
THRESHOLD = 97.0

_KILLED = frozenset({1, 3})
_SURVIVED = frozenset({0})
_TIMEOUT = frozenset({36, 24, -24, 152, 255})


@dataclass
class ModuleScore:
    """The outcome of one module's mutants."""

    module: str
    killed: list[str] = field(default_factory=list)
    survived: list[str] = field(default_factory=list)
    equivalent: list[str] = field(default_factory=list)
    timeouts: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)

    @property
    def mutants(self) -> int:
        return sum(map(len, (self.killed, self.survived, self.equivalent, self.timeouts, self.other)))

    @property
    def score(self) -> float:
        """Killed mutants as a percentage of those that are not equivalent (100 when there are none)."""
        counted = self.mutants - len(self.equivalent)
        return 100.0 * len(self.killed) / counted if counted else 100.0


@dataclass
class Report:
    """Every module's score, the total, and what is wrong with the equivalents file."""

    modules: list[ModuleScore]
    problems: list[str]

    @property
    def total(self) -> ModuleScore:
        total = ModuleScore("total")
        for score in self.modules:
            for name in ("killed", "survived", "equivalent", "timeouts", "other"):
                getattr(total, name).extend(getattr(score, name))
        return total


def module_name(meta: Path, root: Path) -> str:
    """``vamp.core.units`` for ``<root>/vamp/core/units.py.meta`` (a package for its ``__init__``)."""
    parts = list(meta.relative_to(root).with_suffix("").with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def read_outcomes(root: Path) -> dict[str, dict[str, int | None]]:
    """Each mutated module's mutants and their exit codes, as mutmut left them under ``root``."""
    outcomes: dict[str, dict[str, int | None]] = {}
    for meta in sorted(root.rglob("*.py.meta")):
        outcomes[module_name(meta, root)] = json.loads(meta.read_text("utf-8"))["exit_code_by_key"]
    return outcomes


def read_equivalents(path: Path) -> dict[str, dict[str, str]]:
    """The equivalents file as {module: {mutant: reason}}; a missing file names none."""
    if not path.exists():
        return {}
    data = tomllib.loads(path.read_text("utf-8"))
    return {module: dict(table) for module, table in data.items()}


def score(
    outcomes: Mapping[str, Mapping[str, int | None]], equivalents: Mapping[str, Mapping[str, str]]
) -> Report:
    """Sort every mutant into killed, survived, equivalent, timeouts or other, and check the names."""
    problems: list[str] = []
    for module, table in equivalents.items():
        if module not in outcomes:
            continue  # not mutated by this run: its names cannot be checked
        for mutant, reason in table.items():
            where = f"{EQUIVALENTS} [{module!r}] {mutant!r}"
            if mutant not in outcomes[module]:
                problems.append(f"{where}: no such mutant any more (stale name); remove it")
            elif outcomes[module][mutant] in _KILLED:
                problems.append(f"{where}: a test kills it, so it is not equivalent; remove it")
            elif not isinstance(reason, str) or not reason.strip():
                problems.append(f"{where}: say why no test can tell it apart (a non-empty string)")
    modules: list[ModuleScore] = []
    for module, codes in outcomes.items():
        named = equivalents.get(module, {})
        result = ModuleScore(module)
        for mutant, code in codes.items():
            if code in _KILLED:
                result.killed.append(mutant)
            elif mutant in named:
                result.equivalent.append(mutant)
            elif code in _SURVIVED:
                result.survived.append(mutant)
            elif code in _TIMEOUT:
                result.timeouts.append(mutant)
            else:
                result.other.append(mutant)
        if result.mutants:
            modules.append(result)
    return Report(modules, problems)


def table(report: Report) -> str:
    """The table `make mutation` prints: one row per module, then the total."""
    header = ("module", "mutants", "killed", "survived", "equivalent", "timeouts", "other", "score")
    rows = [header]
    for result in [*report.modules, report.total]:
        rows.append(
            (
                result.module,
                str(result.mutants),
                str(len(result.killed)),
                str(len(result.survived)),
                str(len(result.equivalent)),
                str(len(result.timeouts)),
                str(len(result.other)),
                f"{result.score:.1f} %",
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    lines = [
        "  ".join(
            cell.ljust(width) if column == 0 else cell.rjust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.insert(1, "-" * len(lines[0]))
    lines.insert(len(lines) - 1, "-" * len(lines[0]))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print the score of the last mutation run.")
    parser.add_argument(
        "--threshold", type=float, default=THRESHOLD, help="lowest total score that passes (%%)"
    )
    parser.add_argument("--minutes", type=float, help="how long the run took, to print with the table")
    parser.add_argument(
        "--not-killed", action="store_true", help="only list the mutants not killed, one name a line"
    )
    arguments = parser.parse_args(argv)
    outcomes = read_outcomes(RESULTS)
    if not outcomes:
        print(
            f"No mutation results in {RESULTS}: run `make mutation` (or `mutmut run`) first.", file=sys.stderr
        )
        return 1
    report = score(outcomes, read_equivalents(EQUIVALENTS))
    if arguments.not_killed:
        for result in report.modules:
            for kind in ("survived", "equivalent", "timeouts", "other"):
                for mutant in getattr(result, kind):
                    print(mutant)
        return 0
    total = report.total
    for result in report.modules:
        for kind in ("survived", "timeouts", "other"):
            for mutant in getattr(result, kind):
                print(f"{kind}: {mutant}   (mutmut show {mutant})")
    print(table(report))
    if arguments.minutes is not None:
        print(f"Run took {arguments.minutes:.0f} minutes.")
    for problem in report.problems:
        print(problem, file=sys.stderr)
    failed = bool(report.problems)
    if total.score < arguments.threshold:
        print(
            f"Score {total.score:.1f} % is under the threshold of {arguments.threshold:g} %.", file=sys.stderr
        )
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
