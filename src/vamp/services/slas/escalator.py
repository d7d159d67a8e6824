"""The escalator: acts on SLA events by scaling services, and tells what it did in ``escalation`` events.

An SLA event (tags ``sla:escalate`` or ``sla:deescalate``, ``deployment:<d>``, ``cluster:<c>``) comes
from the SLA monitor or from anyone who publishes one (``POST /api/v1/events``, ``vamp emit``): Vamp let
third parties trigger escalations this way, and ``escalation_only`` SLAs work only so. For each, one pass
is observe → decide → act → record:

* observe: the deployment and the cluster's SLA (``cluster_slas.resolved``);
* decide: ``vamp.core.slas.escalations.escalate`` over the first service of each cluster, within the
  server's scale limits;
* act: each new scale through ``DeploymentService.set_scale``, the path a user's ``PUT …/scale`` takes
  (the service is deployed again by the reconciler, with the archive events of any change);
* record: an ``escalation:escalate`` or ``escalation:deescalate`` event per escalation applied, or one
  ``escalation:none`` event with the reason when nothing applied (at a bound, no such deployment …).

The escalator hears every event the store keeps (``listen``), in every namespace, but only while it runs,
that is while its server leads; events published through another server on a shared database are not
heard (as the event stream's). Events are handled one at a time, in order.
"""

from __future__ import annotations

import asyncio
import logging

from vamp import errors
from vamp.core import model, validation
from vamp.core.slas import escalations, window
from vamp.ports import store
from vamp.services import artifacts, deployments, events
from vamp.services.slas import cluster_slas

log = logging.getLogger("vamp.slas")

BACKLOG = 1000
"""SLA events waiting to be handled; beyond that the newest are dropped, with a warning."""


class Escalator:
    """Acts on the SLA events of every namespace.

    Args:
        publisher: where escalation events go.
        limits: the server's scale limits; an escalation beyond them does not apply.
    """

    def __init__(
        self,
        deployment_service: deployments.DeploymentService,
        artifact_service: artifacts.ArtifactService,
        publisher: events.Events,
        *,
        limits: validation.ScaleLimits = validation.DEFAULT_LIMITS,
    ) -> None:
        self._deployments = deployment_service
        self._artifacts = artifact_service
        self._publisher = publisher
        self._limits = limits
        self._queue: asyncio.Queue[tuple[str, model.Event]] | None = None

    def listen(self, artifact_store: store.ArtifactStore) -> None:
        """Hear of every event ``artifact_store`` keeps (handled only while ``run`` runs)."""
        artifact_store.listen(self._heard)

    async def run(self) -> None:
        """Handle the SLA events heard from now on, until cancelled; a failed one is logged."""
        self._queue = asyncio.Queue(maxsize=BACKLOG)
        try:
            while True:
                namespace, event = await self._queue.get()
                try:
                    await self.handle(namespace, event)
                except Exception:  # one event's failure must never stop the others
                    log.exception("escalator: SLA event %s in %s failed", event.id, namespace)
        finally:
            self._queue = None

    async def handle(self, namespace: str, event: model.Event) -> tuple[model.Event, ...]:
        """Act on one event; the escalation events published (none when it is no SLA event)."""
        signal = window.signal_of(event)
        if signal is None:
            return ()
        try:
            outcome, failures = await self._escalate(namespace, signal)
        except errors.NotFoundError as exc:
            found = [escalations.none_event(signal.deployment, signal.direction, signal.cluster, str(exc))]
        else:
            found = (
                []
                if failures and not outcome.applied
                else escalations.events(signal.deployment, signal.direction, signal.cluster, outcome)
            )
            found += [
                escalations.none_event(signal.deployment, signal.direction, cluster, reason)
                for cluster, reason in failures.items()
            ]
        for item in found:
            log.info("escalation in %s: %s %s", namespace, ", ".join(item.tags), item.value)
        return await self._publisher.publish_all(namespace, found)

    async def _escalate(
        self, namespace: str, signal: window.Signal
    ) -> tuple[escalations.Outcome, dict[str, str]]:
        """Decide and set the new scales; the outcome, and why a cluster's scale could not be set."""
        try:
            deployment = await self._deployments.get(namespace, signal.deployment)
        except errors.NotFoundError:
            what = f"There is no deployment '{signal.deployment}' in namespace '{namespace}'."
            raise errors.NotFoundError(what) from None
        cluster = deployment.clusters.get(signal.cluster)
        if cluster is None:
            raise errors.NotFoundError(f"Deployment '{signal.deployment}' has no cluster '{signal.cluster}'.")
        if cluster.sla is None:
            raise errors.NotFoundError(f"Cluster '{signal.deployment}/{signal.cluster}' has no SLA.")
        sla = await cluster_slas.resolved(self._artifacts, namespace, cluster.sla)
        before = escalations.first_services(deployment)
        outcome = escalations.escalate(
            signal.direction, sla.escalations, cluster=signal.cluster, services=before, limits=self._limits
        )
        failures: dict[str, str] = {}
        for name, found in outcome.changed(before).items():
            try:
                await self._deployments.set_scale(
                    namespace, deployment.name, name, found.service, found.scale
                )
            except errors.VampError as exc:
                failures[name] = f"Scaling '{found.service}' of cluster '{name}' failed: {exc}"
        if failures:
            applied = tuple(item for item in outcome.applied if item.cluster not in failures)
            outcome = escalations.Outcome(outcome.services, applied, outcome.skipped)
        return outcome, failures

    def _heard(self, namespace: str, event: model.Event) -> None:
        queue = self._queue
        if queue is None or window.SLA_TAG not in event.tags:
            return
        try:
            queue.put_nowait((namespace, event))
        except asyncio.QueueFull:
            log.warning("escalator: more than %d SLA events wait; event %s is dropped", BACKLOG, event.id)
