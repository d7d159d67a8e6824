"""The gateway agents as a source of traffic metrics: the server's side of ``vamp agent``'s ``/metrics.json``.

* ``reports``: one ``/metrics.json`` answer read into counters per gateway and route (pure);
* ``series``:  bounded time series of those counters, and what they add up to over a window (pure);
* ``collector``: ``AgentMetrics``, which polls every agent and implements ``ports.metrics.MetricsReader``.
"""
