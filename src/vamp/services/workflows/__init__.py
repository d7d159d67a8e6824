"""Workflows (vamp.md §1.15, §7): their statuses, executions and storing rules for the API (``requests``)."""
