"""How a release spends its false-alarm budget over the looks it takes at its data.

A release judges its candidate after every step, on all the data since the release started. Testing
each look at the full ``alpha`` would let chance cross the line at some look far more often than
``alpha``. Instead each look gets a share of ``alpha`` by a spending function of the release's progress
``t = look / looks``: the budget spent by look ``k`` is ``alpha * t**RHO`` (Kim and DeMets' power family),
and look ``k`` tests at the increment. The shares add up to ``alpha`` at the last planned look, so by the
union bound the chance of any false alarm over the whole release is at most ``alpha``, whatever the
correlation between looks and however the traffic was split among them.

``RHO = 2`` spends little early, when a step has few samples, and keeps most of the budget for the
later looks that carry most of the data. A look after the last planned one is tested at the last
look's share: the guarantee then grows by that share for each extra look.
"""

from __future__ import annotations

RHO = 2.0
"""The power of the spending function: 1 spends evenly per look, higher values save the budget for later."""


def spent(alpha: float, look: int, looks: int) -> float:
    """The false-alarm budget spent by the end of look ``look`` (1-based) of ``looks`` planned."""
    if looks < 1 or look < 1:
        return 0.0
    progress = min(look, looks) / looks
    return float(alpha * progress**RHO)


def level(alpha: float, look: int, looks: int) -> float:
    """The one-sided significance level look ``look`` tests at: its share of ``alpha``."""
    looks = max(looks, 1)
    look = max(look, 1)
    if look > looks:
        return spent(alpha, looks, looks) - spent(alpha, looks - 1, looks)
    return spent(alpha, look, looks) - spent(alpha, look - 1, looks)
