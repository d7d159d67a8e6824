"""Routing: from gateways and observed instances to a data-plane-neutral routing plan (vamp.md §1.9–1.11).

Import the modules and qualify (``from vamp.core.routing import compile, plan`` …
``compile.compile_plan(...)``). In the order data flows:

* ``deployment_gateways`` — a deployment's gateways, named and with full route paths;
* ``ports`` — free ports for gateways without one, and gateways that claim the same port;
* ``selection`` — the routes and targets gateway and route selectors find;
* ``weights`` — Vamp's weight rules (filling, the 0-or-100 rule);
* ``paths`` and ``targets`` — what a route path points at, and its endpoints;
* ``gateway_routes`` — one gateway compiled: target clusters and the ordered route table;
* ``gateway_parts`` — a gateway's compiled part and what it is compiled from, to reuse it unchanged;
* ``hosts`` — automatic and given virtual host names;
* ``compile`` — the whole plan, with listeners, compiled whole or from the previous build; ``plan`` —
  the plan itself (``plain_data`` carries it as JSON-able data); ``combined`` — the plans of several
  namespaces as one.

This package imports nothing on purpose: ``vamp.core.selector`` uses ``weights``, and ``compile`` uses
the selector package, so importing them here would make the two packages import each other.
"""
