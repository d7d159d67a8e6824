"""The HAProxy data plane (issue 13): so far, the pure renderer of routing plans into HAProxy 2.6
configuration, and the client of a running HAProxy's runtime API.

* ``render`` (with ``render_acls``, ``render_backends``, ``render_edge``, ``render_names``,
  ``render_options``, ``render_tcp``, ``render_tls``): a routing plan → the text of an HAProxy
  configuration file, the TLS files it names, and which frontend, backend and server came from which
  gateway and route;
* ``certificates``: reads the TLS files a plan names, for the renderer;
* ``runtime``: the stats-socket client (``show stat``, ``show info``, server weights and states, adding
  and deleting servers), HAProxy's refusals as ``errors.DataPlaneError``;
* ``stats``: the traffic between two ``show stat`` readings, per backend and server.
"""
