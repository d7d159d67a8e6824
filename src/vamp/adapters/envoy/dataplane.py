"""One Envoy as the gateway agent's data plane: render a plan, deliver it, verify it, keep Envoy running.

``EnvoyDataPlane`` implements ``vamp.ports.gateway_agent.DataPlane`` with the rest of this package:

* ``apply`` renders the plan (the renderer is passed in) and delivers the snapshot over the agent's ADS
  server (``xds.XdsServer.publish``: staged, hitless, acknowledged by Envoy, rolled back if Envoy refuses
  it); it then verifies that Envoy reports the new listener and cluster versions (acknowledged on the
  stream; else through the admin endpoint, ``files.accepted``, of those two only), and only then keeps the
  plan as the last good one (``plan.json``, written atomically in a thread by ``kept_plan.Keeper``, so
  that the next plan need not wait for it). Before Envoy sees anything it refuses a plan that listens on a
  port another process holds, naming the gateways on that port (``errors.GatewaysRefused``), and likewise
  the gateways with raw HAProxy conditions, which Envoy cannot run (``haproxy_only``, checked on what
  changed since the last plan: ``render_checks``); when Envoy refuses a plan, the gateways its refusal
  points at are named the same way (``refusals``); a plan Envoy dies of twice is refused, and the ADS
  server goes back to the last good snapshot at once, so a restarted Envoy never gets the plan that killed
  its predecessor;
* the ``Supervisor`` starts Envoy and restarts it when it dies; Envoy takes every resource from the ADS
  server, which gives a (re)connecting Envoy the last good snapshot. At start the server is given the
  kept plan's snapshot before Envoy starts, so Envoy is live on it at once;
* ``traffic`` reads Envoy's per-cluster stats and adds them up per route and gateway (``traffic``) with
  the names the renderer gave the clusters.

ADS, not files: Envoy watches each subscribed file with an inotify instance of its own, and aborts past
the per-user limit (128 by default), which a hundred gateways reach.

Work directory::

    plan.json   the last good plan (RoutingPlan.to_data)
    ads.sock    the ADS server's Unix domain socket
    admin.sock  Envoy's admin endpoint (mode 0600; there is no admin TCP port)
    envoy/      bootstrap.json, envoy.log (0600; the folder 0700)
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol

from vamp import errors
from vamp.adapters import kept_plan, listening_ports
from vamp.adapters.envoy import admin as admin_endpoint
from vamp.adapters.envoy import (
    bootstrap,
    files,
    layout,
    refusals,
    render_checks,
    stats,
    supervisor,
    traffic,
    xds,
)
from vamp.core.routing import plan as routing_plan
from vamp.ports import gateway_agent


class Rendered(Protocol):
    """What the renderer makes of a plan: the snapshot to publish, and what each cluster serves."""

    @property
    def snapshot(self) -> files.Snapshot: ...

    @property
    def clusters(self) -> Mapping[str, traffic.Origin]: ...


Renderer = Callable[[routing_plan.RoutingPlan, layout.Layout], Rendered]
JsonObject = dict[str, Any]

_NOTHING = files.Snapshot("")
_ADMIN_TIMEOUT_SECONDS = 30.0
"""Envoy builds ``/config_dump`` on its main thread, which takes seconds with thousands of clusters."""
_NOTICE_EXIT_SECONDS = 1.0
"""How long Envoy's supervisor may take to notice that Envoy died, once its admin endpoint went away."""


class EnvoyDataPlane:
    """The data plane of one agent: one Envoy, its ADS server and its last good plan, under ``workdir``.

    Use as an async context manager, or call ``start`` and ``stop``.

    Args:
        render: turns a plan into Envoy resources (their file config sources travel over ADS instead).
        node_id: Envoy's ``node.id``.
        base_id: Envoy's ``--base-id``, unique among the Envoys on this machine.
        concurrency: Envoy's worker threads.
        publish_timeout: seconds Envoy has to acknowledge each step of a new configuration.
    """

    def __init__(
        self,
        workdir: Path,
        render: Renderer,
        *,
        node_id: str,
        base_id: int,
        concurrency: int = 2,
        publish_timeout: float = 30.0,
    ) -> None:
        root = workdir.resolve()
        self.files = layout.Layout(root / "xds")
        self._kept = kept_plan.Keeper(root / "plan.json")
        self._render = render
        self._publish_timeout = publish_timeout
        self._xds = xds.XdsServer(root / "ads.sock")
        config = bootstrap.bootstrap_ads(
            node_id=node_id, admin_socket=root / "admin.sock", socket_path=self._xds.socket_path
        )
        self._supervisor = supervisor.Supervisor(
            config, root / "envoy", base_id=base_id, concurrency=concurrency
        )
        self._admin: admin_endpoint.Admin | None = None
        self._rendering: Rendered | None = None
        self._checks = render_checks.Checks()
        """Which gateways have raw HAProxy conditions, checked on the changes from plan to plan."""
        self._deaths: dict[str, int] = {}
        """How often Envoy died while taking the plan of each version (only the latest is kept)."""

    @property
    def log_path(self) -> Path:
        """Envoy's log."""
        return self._supervisor.log_path

    async def start(self) -> None:
        """Start the ADS server on the kept plan, then Envoy, and wait until Envoy is live.

        Raises:
            errors.DataPlaneError: the ADS server or Envoy did not start; the message says why.
        """
        await self._xds.start()
        await self._xds.publish(self._kept_snapshot(), timeout=self._publish_timeout)
        await self._supervisor.start()
        self._admin = admin_endpoint.Admin(self._supervisor.admin_socket, timeout=_ADMIN_TIMEOUT_SECONDS)

    async def stop(self) -> None:
        """Stop Envoy by its PID, then the ADS server; the last plan applied is on disk by then."""
        await self._kept.flush()
        if self._admin is not None:
            await self._admin.aclose()
            self._admin = None
        await self._supervisor.stop()
        await self._xds.stop()

    async def __aenter__(self) -> EnvoyDataPlane:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def apply(self, plan: routing_plan.RoutingPlan) -> str:
        """Render, deliver and verify ``plan``, then keep it as the last good plan; return its version."""
        _refuse_haproxy_only(plan, self._checks)
        rendering = self._rendered(plan)
        admin = self._running()
        self._check_new_ports(plan, rendering.snapshot)
        exits, logged = len(self._supervisor.exits), self._supervisor.log_size()
        try:
            published = await self._xds.publish(rendering.snapshot, timeout=self._publish_timeout)
            # Envoy's acknowledgements on the stream say what its admin endpoint would, without asking Envoy's
            # main thread to match a million stats at 10,000 clusters; it is asked when they do not.
            accepted = (
                published if self._xds.acknowledged() else await files.accepted(admin, wildcards_only=True)
            )
        except errors.PublishError as exc:
            if self._xds.refusals:
                blamed = refusals.blamed(self._xds.refusals, refusals.owners(plan))
                reason = refusals.reason(self._xds.refusals)
                raise errors.GatewaysRefused(str(exc), blamed, reason) from exc
            raise
        except errors.DataPlaneError as exc:
            await self._raise_if_envoy_died(plan, exits, logged, exc)
            raise
        behind = [
            f"{key} is at version {accepted.get(key, 'none')!r}, not {published[key]!r}"
            for key in ("lds", "cds")
            if accepted.get(key) != published[key]
        ]
        if behind:
            raise errors.DataPlaneError(
                f"Envoy does not report routing plan {plan.version} as active yet: {' and '.join(behind)}."
            )
        self._kept.keep(plan)
        self._rendering = rendering
        return plan.version

    def last_good(self) -> routing_plan.RoutingPlan | None:
        """The plan last applied (kept in ``plan.json`` in a thread); before the first, the plan read back
        from ``plan.json``; ``None`` when there is none."""
        return self._kept.last()

    def health(self) -> gateway_agent.Health:
        return self._supervisor.health(admin_url=self._supervisor.admin_url)

    async def traffic(self) -> tuple[gateway_agent.Traffic, ...]:
        """Each gateway's and route's traffic under the last applied plan; nothing before the first."""
        if self._rendering is None:
            return ()
        # A cluster that has served nothing is not read: ``traffic`` reports its route with zeros.
        readings = await stats.read(self._running(), used_only=True)
        return traffic.traffic(self._rendering.clusters, readings)

    def _kept_snapshot(self) -> files.Snapshot:
        """The kept plan's snapshot, for Envoy to start on; nothing if there is none that renders.

        Why a kept plan cannot be read is the agent's to report, when it resumes.
        """
        try:
            kept = self.last_good()
            return _NOTHING if kept is None else self._render(kept, self.files).snapshot
        except Exception:  # whatever it is, Envoy starts empty and the agent says why
            return _NOTHING

    def _rendered(self, plan: routing_plan.RoutingPlan) -> Rendered:
        try:
            return self._render(plan, self.files)
        # Whatever the renderer cannot handle is a plan Envoy will not get, never a reason to stop
        # serving the last good one: the error is reported as a refused plan.
        except Exception as exc:
            raise errors.PublishError(
                f"Routing plan {plan.version} cannot be rendered for Envoy: {exc}"
            ) from exc

    def _check_new_ports(self, plan: routing_plan.RoutingPlan, snapshot: files.Snapshot) -> None:
        """Refuse a plan that listens where another process does, before Envoy sees any of it.

        Envoy would refuse such a listener only at the listener step of a delivery, after the new route
        configurations were live for a moment.
        """
        held = (self._xds.last_good or _NOTHING).listeners
        if snapshot.listeners is held:
            return  # the renderer gives the listeners of the last plan again when they did not change
        known = set(map(id, held))
        fresh = [listener for listener in snapshot.listeners if id(listener) not in known]
        listening_ports.refuse_taken(plan, _addresses(fresh) - _addresses(held), "Envoy")

    async def _raise_if_envoy_died(
        self, plan: routing_plan.RoutingPlan, exits: int, logged: int, unreachable: errors.DataPlaneError
    ) -> None:
        """Tell an Envoy that died while taking ``plan`` from one that did not answer for a moment.

        The ADS server goes back to the last good snapshot, so the restarted Envoy gets that. Envoy may
        have died of something else (a SIGKILL), so the plan is tried once more; if Envoy dies of it again,
        the plan is refused, since every try takes the gateways down for a moment.
        """
        deadline = asyncio.get_running_loop().time() + _NOTICE_EXIT_SECONDS
        while len(self._supervisor.exits) == exits and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.01)
        if len(self._supervisor.exits) == exits:
            return
        good = self._rendering.snapshot if self._rendering is not None else self._kept_snapshot()
        await self._xds.publish(good, timeout=self._publish_timeout)
        died = self._supervisor.exits[-1]
        deaths = self._deaths.get(plan.version, 0) + 1
        self._deaths = {plan.version: deaths}
        what = f"Envoy died while taking routing plan {plan.version} ({died.reason})"
        logged_reason = _critical(self._supervisor.log_tail(logged))
        if deaths < 2:
            raise errors.DataPlaneError(
                f"{what}; it is restarted on the last good configuration, and the plan is tried once more. "
                f"{logged_reason}".rstrip()
            ) from unreachable
        raise errors.PublishError(
            f"{what} for the second time; it is restarted on the last good configuration. "
            f"{logged_reason}".rstrip()
        ) from unreachable

    def _running(self) -> admin_endpoint.Admin:
        if self._admin is None:
            raise errors.DataPlaneError("Envoy has not been started: call EnvoyDataPlane.start first.")
        return self._admin


def _refuse_haproxy_only(plan: routing_plan.RoutingPlan, checks: render_checks.Checks) -> None:
    """Refuse the gateways with raw HAProxy conditions by name, so the agent serves all the others."""
    refused = checks.haproxy_only(plan)
    if refused:
        named = " ".join(f"Gateway '{gateway}': {reason}" for gateway, reason in sorted(refused.items()))
        raise errors.GatewaysRefused(
            f"Routing plan {plan.version} cannot be served by Envoy. {named}", refused
        )


def _critical(logged: str) -> str:
    """What the first critical line in ``logged`` says (``[critical][assert] [at] what``)."""
    lines = [line for line in logged.splitlines() if "[critical]" in line]
    return f"Envoy logged: {lines[0].rpartition('] ')[2]}" if lines else ""


def _addresses(listeners: Iterable[JsonObject]) -> set[tuple[str, int]]:
    """The ``(host, port)`` each listener binds; internal listeners bind none."""
    found = set()
    for listener in listeners:
        address = listener.get("address", {}).get("socket_address")
        if address is not None:
            found.add((str(address["address"]), int(address["port_value"])))
    return found
