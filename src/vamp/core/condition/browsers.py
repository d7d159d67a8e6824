"""Browser presets: what ``user-agent == <browser>`` means for the five browsers Vamp knows.

A plain ``user-agent == X`` tests that the User-Agent header contains ``X``. When ``X`` names one of
these browsers (in any case, quoted or not), it expands instead to matchers tuned to that browser's
User-Agent, because the browsers' strings contain each other's names:

=========  ===================================================================
Chrome     contains ``Chrome`` and not ``Edg`` and not ``OPR`` (Edge, Opera)
Firefox    contains ``Firefox``
Safari     contains ``Safari`` and ``Version/`` and not ``Chrome``
Edge       contains ``Edg`` (``Edge/`` of old Edge, ``Edg/`` of Chromium Edge)
IE         contains ``MSIE`` (IE ≤ 10) or ``Trident/`` (IE 11)
=========  ===================================================================

To test for the plain text instead, write ``header user-agent contains Safari``. This module holds the
presets only; the parser decides when a value names a browser.
"""

from __future__ import annotations

from vamp.core.condition.match import Field, Matcher, Op
from vamp.core.condition.syntax import And, Atom, Expr, Not, Or


def _contains(text: str) -> Atom:
    return Atom(Matcher(Field.HEADER, "user-agent", Op.CONTAINS, text))


PRESETS: dict[str, Expr] = {
    "chrome": And((_contains("Chrome"), Not(_contains("Edg")), Not(_contains("OPR")))),
    "firefox": _contains("Firefox"),
    "safari": And((_contains("Safari"), _contains("Version/"), Not(_contains("Chrome")))),
    "edge": _contains("Edg"),
    "ie": Or((_contains("MSIE"), _contains("Trident/"))),
}
"""The preset of each browser, keyed by its lower-case name."""


def user_agent(value: str) -> Expr:
    """What ``user-agent == value`` tests: the browser's preset, or that the header contains ``value``."""
    return PRESETS.get(value.lower(), _contains(value))
