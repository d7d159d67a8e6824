"""Vamp for Python: release microservices with canary, blue/green and A/B releases on an Envoy data plane."""

__version__ = "0.1.0"
