"""The reconciler's decisions (DESIGN.md §4 "Reconciler"): observe → **decide** → act → record.

``vamp.services.reconciler`` and ``vamp.services.gateways`` observe the store and the runtime driver,
and ask this package what to do; it answers with values only, so every decision is tested without
fakes. Import the modules and qualify (``from vamp.core.reconcile import deployment`` …
``deployment.decide(...)``):

* ``deployment`` — one deployment's services: deploy, redeploy, undeploy, phases, timeouts, pruning;
* ``gateways`` — a namespace's gateways: ports assigned, selector routes refreshed, what to store;
* ``addressing`` — the instances as a namespace's gateways see them (route paths of its own only);
* ``events`` — the events of every transition, with Vamp's tags;
* ``messages`` — what the reconciler writes on services and reports about gateways.

Pure: no I/O, no clock (the time is passed in), no asyncio.
"""
