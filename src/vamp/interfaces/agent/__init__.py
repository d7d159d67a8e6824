"""The gateway agent process (``vamp agent``): wiring, and its small HTTP endpoint.

* ``process``    builds the plan source, the data plane (Envoy or HAProxy) and the agent's loops from
                 ``Settings`` and runs them until SIGTERM or SIGINT;
* ``proxies``    the data planes ``--proxy`` chooses from, their help, and where HAProxy's binary is;
* ``endpoint``   the HTTP endpoint on 127.0.0.1: ``/health``, ``/status``, ``/metrics.json``, ``/metrics``;
* ``prometheus`` the traffic in Prometheus' text exposition format.

No routing or delivery rules live here: those are in the core, the services and the adapters.
"""
