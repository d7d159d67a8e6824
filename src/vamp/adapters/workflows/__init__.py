"""The local workflow runtime: workflows as processes on this machine (vamp.md §7, issue 14).

``runtime.LocalWorkflows(home, node_modules=…, allow_commands=…)`` implements
``vamp.ports.workflows.WorkflowRuntime``. Inside, from the outside in:

* ``runtime``    the port: schedule, unschedule, execute, report; refuses what may not run here; adopts an
                 earlier runtime's runs on first use;
* ``workflow``   one scheduled workflow: the loop of its schedule (daemon, period, time), the environment
                 of its runs, its failure;
* ``execution``  one run: its process (through ``vamp.adapters.local.processes``), its output files, its
                 timeout, how it ended;
* ``records``    what is kept under the home: the scheduled spec and token, the script, the executions.

When runs start (a daemon's back-off, a time schedule's ticks) is pure arithmetic in
``vamp.core.workflows.cadence``.
"""
