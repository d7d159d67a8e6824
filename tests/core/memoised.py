"""The core's memoised functions and module-level caches, found and emptied.

The core caches parses (``selector.parse``, ``dnf.compile``, ``parse_rewrite``, compiled regexes) and
plain-data encoders. A cache filled by one test answers the next one without running the code behind it,
which a mutation run cannot afford: mutmut runs the whole suite once in its main process, then forks a
child per mutant, so a child starts with the caches the unmutated code filled and a mutant of a parser
behind a cache is never executed. ``tests/core/conftest.py`` empties them before every test.

Memoised functions are found, not listed: every ``functools.cache``/``lru_cache`` wrapper defined in a
loaded ``vamp.core`` module. Module-level dicts used as caches cannot be told from tables, so they are
named in ``DICT_CACHES``; ``tests/mutation/test_report.py`` checks the source has no cache left out. The
memories of the last instances seen (``selector.Index.of``, ``reconcile.addressing``) are in ``REMEMBERED``.
"""

import functools
import sys
from types import ModuleType
from typing import Any

DICT_CACHES = {"vamp.core.routing.plain_data": ("_ENCODERS",)}
"""Module-level dicts filled on first use, by module."""

REMEMBERED = {
    "vamp.core.selector.index": ("_REMEMBERED",),
    "vamp.core.reconcile.addressing": ("_REMEMBERED",),
}
"""Module-level memories of the last instances seen (with what was worked out of them), by module; each
has ``clear()``."""


def _core_modules() -> list[ModuleType]:
    return [module for name, module in list(sys.modules.items()) if name.startswith("vamp.core")]


def memoised_functions() -> dict[str, Any]:
    """Every memoised function of a loaded core module, by qualified name."""
    found: dict[str, Any] = {}
    for module in _core_modules():
        for name, value in vars(module).items():
            if isinstance(value, functools._lru_cache_wrapper) and value.__module__ == module.__name__:
                found[f"{module.__name__}.{name}"] = value
    return found


def empty_all() -> None:
    """Empty every memoised function and every dict cache of the loaded core modules."""
    for function in memoised_functions().values():
        function.cache_clear()
    for module in _core_modules():
        for name in (*DICT_CACHES.get(module.__name__, ()), *REMEMBERED.get(module.__name__, ())):
            getattr(module, name).clear()
