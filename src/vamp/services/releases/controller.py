"""The release controller: runs every release policy that is not over, one pass at a time.

One pass over one release is observe → decide → act → record, like the reconciler's:

* observe: the release as stored (``policies.Releases.tracked``: policy, status and their revisions),
  the full paths of its routes (``route_paths``), and, when the step may be judged, what the routes
  served (``ports.metrics.MetricsReader.served``) after a fresh measurement (``refresh``): the baseline
  and the candidate since the release started, the candidate since its step began;
* decide: ``vamp.core.releases.progress.decide``, which is pure; a plan that asks for gates has the
  webhooks of that moment called (``ports.release_gates``) and is decided again with their findings;
* act: the weights and the candidate's condition are put on the gateway through the gateway service, the
  path a user's ``PUT /api/v1/gateways/{name}`` takes (so validation, archive events and routing plans
  are the same), and only when the gateway does not carry them already; a promotion with ``undeploy``
  slices the baseline's service out of its deployment (the path of ``DELETE /api/v1/deployments/{name}``);
* record: the status is written compare-and-set (``write_status``), with the decision appended and
  published (``record``) when there is one. When the status changed meanwhile (a user's request), the
  pass starts over from what is stored now.

The controller keeps nothing else: the step, when it began, when the release started and the weights it
set are in the stored status, so a controller started after a crash resumes every release at its step,
and puts the weights of its status back on a gateway that lost them. It runs only while its server leads
(the wiring starts it with the reconciler); it passes over every release at start, whenever the store
keeps an event about a release (a policy or status written, a request), and every ``period`` seconds.
It also holds, for the server's ``/metrics``, each release's phase, step and weights (``Gauge``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from vamp import errors
from vamp.core import model
from vamp.core.deployments import export as deployment_export
from vamp.core.releases import judge, moves, progress, traffic
from vamp.ports import metrics, release_gates, store
from vamp.services import deployments, gateway_artifacts, route_paths
from vamp.services.releases import policies

log = logging.getLogger("vamp.releases")

CONFLICT_RETRIES = 5
DEFAULT_PERIOD = 1.0
"""Seconds between two passes over every release when nothing wakes the controller sooner."""


@dataclass(frozen=True, slots=True)
class Gauge:
    """What ``/metrics`` shows of one release: its phase, step (0-based; ``None`` before the first) and
    the weight of each route."""

    namespace: str
    release: str
    phase: model.ReleasePhase
    step: int | None
    weights: Mapping[str, float]


class ReleaseController:
    """Runs the releases of every namespace in ``releases``.

    Args:
        gateways: where weights are set (the API's gateway service).
        deployment_service: where a promoted baseline is sliced out.
        reader: what the routes served.
        gates: calls webhooks; ``None``: a release with webhooks waits, with the reason, until there is.
        clock: the time, timezone-aware.
        period: seconds between passes when nothing wakes the controller sooner.
    """

    def __init__(
        self,
        releases: policies.Releases,
        gateways: gateway_artifacts.GatewayService,
        deployment_service: deployments.DeploymentService,
        reader: metrics.MetricsReader,
        *,
        gates: release_gates.ReleaseGates | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        period: float = DEFAULT_PERIOD,
    ) -> None:
        self._releases = releases
        self._gateways = gateways
        self._deployments = deployment_service
        self._reader = reader
        self._gates = gates
        self._clock = clock
        self._period = period
        self._woken = asyncio.Event()
        self._gauges: dict[tuple[str, str], Gauge] = {}

    def gauges(self) -> list[Gauge]:
        """The last state seen of every release, in namespace and name order."""
        return [self._gauges[key] for key in sorted(self._gauges)]

    def listen(self, artifact_store: store.ArtifactStore) -> None:
        """Pass again as soon as ``artifact_store`` keeps an event about a release."""
        artifact_store.listen(self._heard)

    def wake(self) -> None:
        """Pass over every release soon."""
        self._woken.set()

    async def run(self) -> None:
        """Pass over every release at once, then on every wake-up and every ``period`` seconds, until
        cancelled. A pass that fails is logged; the next one comes as usual."""
        while True:
            self._woken.clear()
            try:
                await self.advance_all()
            except Exception as exc:  # the loop must outlive one failed pass
                _log_failure("release controller: a pass failed", exc)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._period):
                    await self._woken.wait()

    async def advance_all(self) -> None:
        """One pass over every release that is not over; one release's failure does not stop the others."""
        found = await self._releases.all()
        seen = {(tracked.namespace, tracked.policy.name) for tracked in found}
        for key in [key for key in self._gauges if key not in seen]:
            del self._gauges[key]
        for tracked in found:
            self._gauge(tracked.namespace, tracked.policy.name, tracked.status)
            if tracked.status.final:
                continue
            try:
                await self.advance(tracked.namespace, tracked.policy.name)
            except Exception as exc:  # one release's failure must never stop the others
                _log_failure(f"release {tracked.namespace}/{tracked.policy.name}", exc)

    async def advance(self, namespace: str, name: str) -> model.ReleaseStatus:
        """One pass over the release ``name`` of ``namespace``; its status afterwards.

        Raises:
            errors.NotFoundError: there is no such release.
            errors.ConflictError: its status kept changing under this pass.
        """
        for _ in range(CONFLICT_RETRIES):
            tracked = await self._releases.tracked(namespace, name)
            try:
                status = await self._pass(tracked)
            except errors.ConflictError as exc:
                log.debug("release %s/%s changed while advanced, again: %s", namespace, name, exc)
                continue
            self._gauge(namespace, name, status)
            return status
        raise errors.ConflictError(
            f"The status of release '{name}' in namespace '{namespace}' kept changing while it was advanced; "
            "it is tried again at the next pass."
        )

    async def _pass(self, tracked: policies.Tracked) -> model.ReleaseStatus:
        namespace, policy, status = tracked.namespace, tracked.policy, tracked.status
        if status.final:
            return status
        routes = await self._routes(tracked)
        if routes is None:
            return status
        now = self._clock()
        served = await self._served(namespace, policy, status, routes, now)
        gates: dict[model.WebhookMoment, tuple[judge.Finding, ...]] = {}
        while True:
            inputs = moves.Inputs(policy, tracked.policy_revision, routes, now, served, gates)
            plan = progress.decide(inputs, status)
            if plan.gates is None or plan.gates in gates:
                break
            gates[plan.gates] = await self._call_gates(namespace, policy, status, plan)
        decision = plan.decision
        if plan.routing is not None:
            try:
                await self._route(namespace, plan.routing)
            except errors.ConflictError:
                raise
            except errors.VampError as exc:
                return await self._unrouted(tracked, plan.routing, exc)
        if plan.undeploy and decision is not None:
            decision = await self._undeploy(namespace, plan.routing or traffic.promoted(routes), decision)
        if decision is not None:
            written, _ = await self._releases.record(
                namespace, policy.name, decision, status=plan.status, revision=tracked.status_revision
            )
            return written
        if plan.status != status:
            await self._releases.write_status(
                namespace, policy.name, plan.status, revision=tracked.status_revision
            )
        return plan.status

    async def _unrouted(
        self, tracked: policies.Tracked, routing: traffic.Routing, exc: errors.VampError
    ) -> model.ReleaseStatus:
        """Store why the weights could not be set (the release stays where it is, and tries again at the
        next pass); the status as it is now."""
        status = tracked.status
        reason = f"The weights could not be set on gateway '{routing.routes.gateway}': {exc}"
        if status.reason == reason:
            return status
        stuck = status.model_copy(update={"reason": reason})
        await self._releases.write_status(
            tracked.namespace, tracked.policy.name, stuck, revision=tracked.status_revision
        )
        return stuck

    async def _routes(self, tracked: policies.Tracked) -> traffic.Routes | None:
        """The release's gateway and routes by full path; ``None`` (with the reason stored) while a
        release that has not started names a gateway or route that does not exist (yet)."""
        policy, status = tracked.policy, tracked.status
        try:
            baseline = await route_paths.route_path(
                self._gateways, tracked.namespace, policy.gateway, policy.from_
            )
            candidate = await route_paths.route_path(
                self._gateways, tracked.namespace, policy.gateway, policy.to
            )
        except errors.NotFoundError as exc:
            if status.gateway and status.baseline and status.candidate:
                return traffic.Routes(status.gateway, status.baseline, status.candidate)
            reason = f"Waiting for the routes to exist: {exc}"
            if status.reason != reason:
                waiting = status.model_copy(update={"reason": reason})
                await self._releases.write_status(
                    tracked.namespace, policy.name, waiting, revision=tracked.status_revision
                )
            return None
        return traffic.Routes(policy.gateway, baseline, candidate)

    async def _served(
        self,
        namespace: str,
        policy: model.Release,
        status: model.ReleaseStatus,
        routes: traffic.Routes,
        now: datetime,
    ) -> moves.Served:
        if status.started is None or not progress.judging(policy, status, now):
            return moves.Served()
        await self._reader.refresh()
        until = progress.baseline_until(policy, status)
        gateway = routes.gateway
        baseline = await self._reader.served(
            namespace, gateway, routes.baseline, since=status.started, until=until
        )
        candidate = await self._reader.served(namespace, gateway, routes.candidate, since=status.started)
        step = await self._reader.served(namespace, gateway, routes.candidate, since=status.since)
        return moves.Served(_sample(baseline), _sample(candidate), 0 if step is None else step.requests)

    async def _call_gates(
        self, namespace: str, policy: model.Release, status: model.ReleaseStatus, plan: moves.Plan
    ) -> tuple[judge.Finding, ...]:
        moment = plan.gates
        payload: dict[str, Any] = {
            "namespace": namespace,
            "release": policy.name,
            "moment": None if moment is None else moment.value,
            "phase": status.phase.value,
            "step": status.step,
            "weights": {route: str(weight) for route, weight in status.weights.items()},
            "verdict": None if plan.verdict is None else _verdict_data(plan.verdict),
        }
        found: list[judge.Finding] = []
        for hook in policy.webhooks:
            if hook.on is not moment:
                continue
            if self._gates is None:
                refused: str | None = "This server cannot call webhooks."
            else:
                refused = await self._gates.call(hook.url, payload, timeout=float(hook.timeout.seconds))
            outcome = judge.Outcome.PASS if refused is None else judge.Outcome.FAIL
            reason = f"The webhook {hook.name} let the release go on." if refused is None else refused
            found.append(
                judge.Finding(f"webhook:{hook.name}", outcome, None, None, None, None, (0, 0), reason)
            )
        return tuple(found)

    async def _route(self, namespace: str, routing: traffic.Routing) -> None:
        """Put ``routing`` on its gateway, unless the gateway carries it already."""
        gateway = await self._gateways.get(namespace, routing.routes.gateway)
        routes: dict[str, model.Route | model.Ref] = {}
        for path, route in gateway.routes.items():
            current = route if isinstance(route, model.Route) else model.Route()
            if path == routing.routes.candidate:
                condition = (
                    None if routing.condition is None else model.Condition(definition=routing.condition)
                )
                routes[path] = current.model_copy(
                    update={
                        "weight": routing.candidate,
                        "condition": condition,
                        "condition_strength": routing.strength,
                    }
                )
            elif path == routing.routes.baseline:
                routes[path] = current.model_copy(update={"weight": routing.baseline})
            else:
                routes[path] = current.model_copy(update={"weight": traffic.NONE})
        if _same(gateway.routes, routes):
            return
        await self._gateways.save(namespace, gateway.model_copy(update={"routes": routes}))

    async def _undeploy(
        self, namespace: str, routing: traffic.Routing, decision: model.Decision
    ) -> model.Decision:
        """Slice the baseline's service out of its deployment; the decision says whether it was."""
        segments = routing.routes.baseline.split("/")
        if len(segments) != 4:
            why = (
                f" The baseline {routing.routes.baseline} is not a deployment's service: nothing to undeploy."
            )
            return decision.model_copy(update={"reason": decision.reason + why})
        deployment_name, cluster, service, _ = segments
        try:
            found = await self._deployments.get(namespace, deployment_name)
            blueprint = model.Blueprint(
                name=deployment_name,
                clusters={
                    cluster: model.Cluster(
                        services=tuple(
                            item
                            for item in deployment_export.as_blueprint(found)
                            .clusters.get(cluster, model.Cluster())
                            .services
                            if item.breed_name == service
                        )
                    )
                },
            )
            await self._deployments.slice(namespace, deployment_name, [blueprint])
        except errors.VampError as exc:
            return decision.model_copy(update={"reason": f"{decision.reason} It could not be sliced: {exc}"})
        return decision

    def _gauge(self, namespace: str, name: str, status: model.ReleaseStatus) -> None:
        weights = {route: float(weight.percent) for route, weight in status.weights.items()}
        self._gauges[namespace, name] = Gauge(namespace, name, status.phase, status.step, weights)

    def _heard(self, namespace: str, event: model.Event) -> None:
        if any(
            tag in (policies.KIND, policies.STATUS_KIND) or tag.startswith("releases:") for tag in event.tags
        ):
            self._woken.set()


def _same(had: Mapping[str, model.Route | model.Ref], wanted: Mapping[str, model.Route | model.Ref]) -> bool:
    def shown(route: model.Route | model.Ref) -> tuple[object, ...]:
        if not isinstance(route, model.Route):
            return (route,)
        condition = (
            route.condition.definition if isinstance(route.condition, model.Condition) else route.condition
        )
        return (route.weight, condition, route.condition_strength if condition is not None else None)

    return had.keys() == wanted.keys() and all(shown(had[key]) == shown(wanted[key]) for key in had)


def _sample(served: metrics.Served | None) -> judge.Sample:
    if served is None:
        return moves.EMPTY
    return judge.Sample(served.requests, served.errors, served.bounds, served.counts)


def _verdict_data(verdict: judge.Verdict) -> dict[str, Any]:
    return {
        "outcome": verdict.outcome.value,
        "reason": verdict.reason,
        "findings": [dict(finding) for finding in moves.findings_data(verdict.findings)],
    }


def _log_failure(what: str, exc: Exception) -> None:
    if isinstance(exc, errors.VampError):
        log.warning("%s: %s", what, exc)
    else:
        log.error("%s: unexpected error", what, exc_info=exc)
