"""Workflows at run time (vamp.md §1.15, §7): what a workflow runtime is asked to run and reports back
(``runs``), and the pure decisions of the workflow controller.

Import the modules and qualify names (``from vamp.core.workflows import runs`` … ``runs.WorkflowSpec``).
"""
