"""The mutation report: its arithmetic, its table, and what fails it (stale or killed equivalents)."""

import importlib
import itertools
import json
import re
from pathlib import Path

import pytest

from tests.core import memoised
from tests.mutation import report

KILLED, SURVIVED, NO_TESTS, TIMEOUT = 1, 0, 33, 36
EMPTY_DICT = re.compile(r"[A-Za-z_]\w*\s*(:[^=]+)?=\s*(\{\}|dict\(\))\s*")


def test_a_modules_score_is_killed_over_the_mutants_that_are_not_equivalent():
    outcomes = {"vamp.core.units": {"a": KILLED, "b": KILLED, "c": KILLED, "d": SURVIVED, "e": TIMEOUT}}
    result = report.score(outcomes, {"vamp.core.units": {"d": "0 and -0 parse alike"}})
    (units,) = result.modules
    assert (units.mutants, units.killed, units.survived, units.equivalent, units.timeouts) == (
        5,
        ["a", "b", "c"],
        [],
        ["d"],
        ["e"],
    )
    assert units.score == 75.0
    assert result.problems == []


def test_the_table_has_a_row_per_module_with_mutants_and_the_total():
    outcomes = {
        "vamp.core.units": {"a": KILLED, "b": SURVIVED},
        "vamp.core.releases": {},
        "vamp.core.routing.weights": {"c": KILLED, "d": NO_TESTS},
    }
    lines = report.table(report.score(outcomes, {})).splitlines()
    assert lines[0].split() == [
        "module",
        "mutants",
        "killed",
        "survived",
        "equivalent",
        "timeouts",
        "other",
        "score",
    ]
    assert lines[2].split() == ["vamp.core.units", "2", "1", "1", "0", "0", "0", "50.0", "%"]
    assert lines[3].split() == ["vamp.core.routing.weights", "2", "1", "0", "0", "0", "1", "50.0", "%"]
    assert len(lines) == 6
    assert lines[-1].split() == ["total", "4", "2", "1", "0", "0", "1", "50.0", "%"]


def test_a_name_that_is_no_mutant_or_that_a_test_kills_is_a_problem():
    outcomes = {"vamp.core.units": {"a": KILLED, "b": SURVIVED}}
    equivalents = {
        "vamp.core.units": {"a": "killed after all", "gone": "renamed since", "b": " "},
        "vamp.core.nowhere": {"x": "not mutated by this run, so not checked"},
    }
    where = "tests/core/mutation_equivalents.toml"
    assert report.score(outcomes, equivalents).problems == [
        f"{where} ['vamp.core.units'] 'a': a test kills it, so it is not equivalent; remove it",
        f"{where} ['vamp.core.units'] 'gone': no such mutant any more (stale name); remove it",
        f"{where} ['vamp.core.units'] 'b': say why no test can tell it apart (a non-empty string)",
    ]


def _run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, codes: dict[str, int], equivalents: str) -> int:
    tmp_path.mkdir(exist_ok=True)
    monkeypatch.chdir(tmp_path)
    meta = tmp_path / "mutants/src/vamp/core/releases/__init__.py.meta"
    meta.parent.mkdir(parents=True)
    meta.write_text(json.dumps({"exit_code_by_key": codes}))
    (tmp_path / "tests/core").mkdir(parents=True)
    (tmp_path / "tests/core/mutation_equivalents.toml").write_text(equivalents)
    return report.main([])


def test_the_run_fails_under_the_threshold_and_passes_at_it(tmp_path, monkeypatch, capsys):
    under = {f"m{index}": KILLED for index in range(96)} | {f"s{index}": SURVIVED for index in range(4)}
    assert _run(tmp_path, monkeypatch, under, "") == 1
    output = capsys.readouterr()
    assert output.out.splitlines()[:2] == [
        "survived: s0   (mutmut show s0)",
        "survived: s1   (mutmut show s1)",
    ]
    assert output.err == "Score 96.0 % is under the threshold of 97 %.\n"
    at = {f"m{index}": KILLED for index in range(97)} | {f"s{index}": SURVIVED for index in range(3)}
    assert _run(tmp_path / "at", monkeypatch, at, "") == 0
    assert capsys.readouterr().err == ""


def test_an_equivalent_counts_out_of_the_score_and_a_stale_name_fails_the_run(tmp_path, monkeypatch, capsys):
    codes = {f"m{index}": KILLED for index in range(97)} | {"s1": SURVIVED, "s2": SURVIVED}
    equivalents = '["vamp.core.releases"]\n"s1" = "same order either way"\n"s2" = "same again"\n'
    assert _run(tmp_path, monkeypatch, codes, equivalents) == 0
    assert _run(tmp_path / "again", monkeypatch, codes, equivalents + '"s9" = "gone"\n') == 1
    assert "'s9': no such mutant any more (stale name)" in capsys.readouterr().err


def test_no_results_is_a_failure_that_says_what_to_run(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert report.main([]) == 1
    assert capsys.readouterr().err == (
        "No mutation results in mutants/src: run `make mutation` (or `mutmut run`) first.\n"
    )


def _core_sources():
    source = Path(__file__).parents[2] / "src/vamp/core"
    for path in sorted(source.rglob("*.py")):
        module = ".".join(path.relative_to(source.parents[1]).with_suffix("").parts)
        yield module.removesuffix(".__init__"), path.read_text("utf-8").splitlines()


def test_every_memoised_function_of_the_core_is_one_the_tests_empty():
    decorated = set()
    for module, lines in _core_sources():
        for line, following in itertools.pairwise(lines):
            if line.startswith(("@functools.cache", "@functools.lru_cache", "@lru_cache", "@cache")):
                importlib.import_module(module)
                decorated.add(f"{module}.{following.split('def ', 1)[1].split('(', 1)[0]}")
    assert len(decorated) >= 9
    assert decorated <= set(memoised.memoised_functions())


def test_every_module_level_dict_the_core_fills_as_it_runs_is_one_the_tests_empty():
    empty_at_import = {
        module: tuple(
            line.split(":")[0].split("=")[0].strip() for line in lines if EMPTY_DICT.fullmatch(line)
        )
        for module, lines in _core_sources()
    }
    assert {module: names for module, names in empty_at_import.items() if names} == memoised.DICT_CACHES


def test_not_killed_lists_every_mutant_a_new_test_might_kill(tmp_path, monkeypatch, capsys):
    codes = {"k": KILLED, "s": SURVIVED, "t": TIMEOUT, "n": NO_TESTS}
    _run(tmp_path, monkeypatch, codes, "")
    capsys.readouterr()
    assert report.main(["--not-killed"]) == 0
    assert capsys.readouterr().out.splitlines() == ["s", "t", "n"]
