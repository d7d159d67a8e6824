"""The HAProxy data plane (issue 13): the pure renderer of routing plans into HAProxy 2.6 configuration,
the client of a running HAProxy's runtime API, and the data plane that delivers plans to a supervised
HAProxy without dropping a request.

* ``render`` (with ``render_acls``, ``render_names``, ``render_options``): a routing plan → the text of
  an HAProxy configuration file, and which frontend, backend and server came from which gateway and route;
* ``runtime``: the stats-socket client (``show stat``, ``show info``, server weights and states, adding
  and deleting servers), HAProxy's refusals as ``errors.DataPlaneError``;
* ``stats``: the traffic between two ``show stat`` readings, per backend and server;
* ``dataplane`` (``HaproxyDataPlane``, the agent's ``DataPlane``), with ``supervisor`` (master-worker
  HAProxy kept running, reloaded, restarted), ``files`` (the configuration and weight maps in place, and
  ``haproxy -c`` on a candidate), ``delivery`` (runtime change or reload, pure), ``runtime_delivery``
  (map swaps and servers through the runtime API), ``refusals`` (HAProxy's complaints to gateways) and
  ``traffic`` (``show stat`` per gateway and route).
"""
