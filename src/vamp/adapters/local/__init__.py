"""The local runtime driver: deployment services as processes on this machine (DESIGN.md §4).

``driver.LocalDriver(home)`` implements ``vamp.ports.runtime.RuntimeDriver``. Inside, from the outside in:

* ``driver``     the port: deploy, undeploy, report; adopts an earlier run's processes on first use;
* ``service``    one deployment service: starts, scales and replaces its instances (rolling);
* ``instance``   one numbered instance: its process, ports, environment, log, restarts and failure;
* ``readiness``  HTTP health checks, or a TCP connect to the first port, while a process runs;
* ``processes``  spawning a shell command in its own session, recognising it by PID and start time,
                 stopping its whole process group;
* ``port_pool``  free ports from the driver's range;
* ``records``    what is kept under the home folder so that a later run can adopt what still runs.

Its background tasks end through ``vamp.adapters.tasks`` and its readers wake through
``vamp.adapters.wakeups``, both shared with the Kubernetes driver.

Docker images are the Kubernetes driver's business: this package refuses them with a message saying so.
"""
