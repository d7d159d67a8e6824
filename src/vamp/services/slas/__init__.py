"""SLAs and escalations at run time (vamp.md §1.13–1.14, docs/slas.md).

``monitor.SlaMonitor`` judges every deployed cluster's ``response_time_sliding_window`` SLA every
``period`` seconds from the measured response times of its gateways and publishes SLA events;
``escalator.Escalator`` acts on SLA events (the monitor's or anyone's) by scaling services through the
deployment service, and publishes ``escalation`` events; ``cluster_slas`` resolves a cluster's SLA and
its escalations from the stored artifacts. Both loops run only while their server leads.
"""
