"""Where the gateway agent gets its routing plans: implementations of ``ports.gateway_agent.PlanSource``.

* ``files``  a plan file, or the newest plan file in a directory, read again whenever it changes;
* ``server`` the Vamp server's long-poll API (``GET /api/v1/vga/plan?version=…&wait=…``).

Sources only read: they hand over a plan's JSON text as read (or the plain data of a YAML file) and say
where it came from, or why they have none. Whether the text is JSON, and a valid plan, is for the agent
to decide: it decodes only what changed since the last plan.
"""
