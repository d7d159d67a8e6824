"""The Envoy data plane: configure it through files, keep it running, read its statistics.

Modules, from pure to I/O:

* ``layout``     where each xDS resource lives on disk (pure);
* ``bootstrap``  Envoy's static bootstrap and the config sources that point at those files (pure);
* ``files``      writes snapshots of resources atomically, in an order that never breaks a reference, and
                 checks through the admin endpoint which versions Envoy has accepted;
* ``admin``      a small client for Envoy's admin endpoint;
* ``supervisor`` starts Envoy, waits until it is live, restarts it when it dies, stops it;
* ``stats``      per-cluster request counts and latency histograms, and rates between two readings.

Rendering a routing plan into listeners, routes and clusters is the renderer's job, not this package's.
"""
