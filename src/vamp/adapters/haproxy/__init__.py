"""The HAProxy data plane (issue 13): so far, the pure renderer of routing plans into HAProxy 2.6
configuration, and the client of a running HAProxy's runtime API.

* ``render`` (with ``render_acls``, ``render_names``, ``render_options``): a routing plan → the text of
  an HAProxy configuration file, and which frontend, backend and server came from which gateway and route;
* ``runtime``: the stats-socket client (``show stat``, ``show info``, server weights and states, adding
  and deleting servers), HAProxy's refusals as ``errors.DataPlaneError``;
* ``stats``: the traffic between two ``show stat`` readings, per backend and server.
"""
