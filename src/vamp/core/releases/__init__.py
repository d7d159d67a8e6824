"""Releases in the pure core: how a release judges its candidate against its baseline.

``judge`` holds the verdict (the interface a release controller calls once per step), ``proportions``
the tests of error rates, ``ranks`` the rank test and percentiles on latency histograms, and ``spending``
how a release's false-alarm budget is shared among the looks it takes. ``progress`` decides a release's
next move from its policy, stored status and what was served (``moves`` builds the plans, ``traffic``
says which weights and condition each step puts on the gateway); the release controller
(``vamp.services.releases.controller``) does what it says (``docs/releases.md``). No I/O, no clock,
no randomness: the caller passes cumulative counts and gets an answer (pass, fail or wait) with the
figures behind it. The statistics, their choice and the simulation that measures them:
``docs/releases-judge.md``.
"""
