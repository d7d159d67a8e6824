"""The gateway agent process (``vamp agent``): wiring, and its small HTTP endpoint.

* ``process``    builds the plan source, the Envoy data plane and the agent's loops from ``Settings`` and
                 runs them until SIGTERM or SIGINT;
* ``endpoint``   the HTTP endpoint on 127.0.0.1: ``/health``, ``/status``, ``/metrics.json``, ``/metrics``;
* ``prometheus`` the traffic in Prometheus' text exposition format.

No routing or delivery rules live here: those are in the core, the services and the adapters.
"""
