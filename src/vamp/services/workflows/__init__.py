"""Workflows at run time (vamp.md §7): what makes stored workflows run, on whichever runtime the server has.

* ``controller`` — ``WorkflowController``, the level-triggered loop (leader only) that schedules and
  unschedules workflows on the runtime (``ports.workflows.WorkflowRuntime``), writes their statuses
  compare-and-set, deletes stopped ones and publishes their lifecycle events;
* ``stored_specs`` — ``StoredSpecs``: the specs of stored workflows, made once per revision;
* ``tokens`` — ``WorkflowTokens``: the API token each scheduled workflow's runs call the API with
  (``workflow-<name>``, role operator, scoped to its namespace), minted when it is scheduled and revoked
  when it is unscheduled;
* ``triggers`` — ``Triggers``: runs event-scheduled workflows, once per matching event;
* ``requests`` — ``WorkflowRequests``, the API's side: a workflow's status read and set by hand, stop
  (``DELETE``), its executions, and Vamp's rules for storing one.

The pure decisions are ``vamp.core.workflows`` (``specs``: the spec of a stored workflow; ``lifecycle``:
the next step of one; ``rules``: when one may be stored).
"""
