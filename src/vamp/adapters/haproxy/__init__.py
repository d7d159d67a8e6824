"""The HAProxy data plane (issue 13): so far, the pure renderer of routing plans into HAProxy 2.6
configuration.

* ``render`` (with ``render_acls``, ``render_names``, ``render_options``): a routing plan → the text of
  an HAProxy configuration file, and which frontend, backend and server came from which gateway and route.
"""
