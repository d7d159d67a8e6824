"""Test strategy.

* ``tests/core`` tests the pure core table-driven, with no fakes at all: inputs are documents and models,
  outputs are models, plans and exact error messages. Hypothesis checks the properties the issues name.
* Tests that start real parts (Envoy, PostgreSQL, a Kubernetes control plane) carry the ``e2e`` marker;
  ``make test`` runs them all.
"""

from hypothesis import HealthCheck, settings

settings.register_profile(
    "vamp", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("vamp")
