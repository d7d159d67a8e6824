"""The Envoy data plane: render routing plans into Envoy resources, deliver them, keep Envoy running,
read its statistics.

Modules, from pure to I/O:

* ``render`` (with ``render_listeners``, ``render_routes``, ``render_matchers``, ``render_clusters``,
  ``render_names``, ``render_options``): a routing plan → the Envoy v3 resources of one snapshot;
* ``layout``        where each xDS resource lives on disk;
* ``bootstrap``     Envoy's static bootstrap and the config sources that point at files or the ADS stream;
* ``xds_resources`` and ``xds_stream``: resources as protocol buffers, and the ADS protocol of one stream;
* ``traffic``       Envoy's per-cluster statistics added up per gateway and route;
* ``files``         delivers snapshots through files, written atomically in an order that never breaks a
                    reference, and checks through the admin endpoint which versions Envoy accepted;
* ``xds``           delivers snapshots over a gRPC ADS stream, acknowledged by Envoy;
* ``admin``         a small client for Envoy's admin endpoint;
* ``stats``         per-cluster request counts and latency histograms, and rates between two readings;
* ``supervisor``    starts Envoy, waits until it is live, restarts it when it dies, stops it;
* ``dataplane``     all of it as the gateway agent's data plane (``vamp.ports.gateway_agent.DataPlane``).
"""
