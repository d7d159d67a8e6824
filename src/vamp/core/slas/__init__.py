"""SLAs and escalations in the pure core (vamp.md §1.13–1.14): when a cluster is out of its SLA, and
what its escalations do to the scales of its deployment.

``window`` judges a ``response_time_sliding_window`` SLA from the response times measured over its
window, reads and writes SLA events (``sla:escalate``, ``sla:deescalate``); ``escalations`` applies an
SLA's escalations to the first services' scales and says what it applied and why not, with the
``escalation`` events that tell it. The SLA monitor and the escalator (``vamp.services.slas``) observe
and act; here there is no I/O and no clock: the caller passes the time.

Import the modules and qualify names (``from vamp.core.slas import window`` … ``window.judge``).
"""
