"""Fixtures of the core's tests: every test starts with the core's caches empty (see memoised.py).

Applied always, not only under mutmut: emptying a dozen caches costs microseconds a test, and it makes a
test's result independent of what the tests before it parsed, in a normal run as much as in a mutant's.
Per test rather than per session because mutmut also learns which tests run which function from a single
pass over the suite: with a cache kept across tests, only the first test to parse a text would be counted
as running the parser, and the others never run against its mutants.
"""

import pytest

from tests.core import memoised


@pytest.fixture(autouse=True)
def _empty_core_caches() -> None:
    memoised.empty_all()
