"""Where the gateway agent gets its routing plans: implementations of ``ports.gateway_agent.PlanSource``.

* ``files``  a plan file, or the newest plan file in a directory, read again whenever it changes;
* ``server`` the Vamp server's long-poll API (``GET /api/v1/vga/plan?version=…&wait=…``).

Sources only read: they hand over plain data and say where it came from, or why they have none. Whether
the data is a valid plan is for the agent to decide.
"""
