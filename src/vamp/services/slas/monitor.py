"""The SLA monitor: judges the response-time SLA of every deployed cluster and publishes SLA events.

Every ``period`` seconds, for each namespace, each deployment and each of its clusters that has an SLA
and whose services are all deployed (``window.settled``), one pass is observe → decide → record:

* observe: the cluster's SLA (``cluster_slas.resolved``); the time of its last SLA event, from the event
  store (tags ``sla``, ``deployment:<d>``, ``cluster:<c>``), so a restarted server keeps the cooldown;
  and, when the window is due, the mean response time of each of the cluster's gateways
  (``deployment/cluster/port``) over the last ``window.interval`` seconds, from the metrics reader;
* decide: ``vamp.core.slas.window.judge``;
* record: an ``sla:escalate`` or ``sla:deescalate`` event; the escalator acts on it.

``escalation_only`` SLAs are not judged here (their events come from outside). Other SLA types are
logged once per cluster as unsupported, and left alone. One cluster's failure (a store or metrics
error) is logged and does not stop the others. The monitor runs only while its server leads.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from vamp import errors
from vamp.core import model
from vamp.core.model import sla as sla_model
from vamp.core.slas import window
from vamp.ports import metrics, store
from vamp.services import artifacts, deployments, events
from vamp.services.slas import cluster_slas

log = logging.getLogger("vamp.slas")

DEFAULT_PERIOD = 5.0
"""Seconds between two passes (``--sla-period``)."""


class SlaMonitor:
    """Judges the SLAs of the deployments of every namespace in ``artifact_store``.

    Args:
        reader: the response times the gateway agents measured.
        publisher: where SLA events go.
        clock: the time, timezone-aware.
        period: seconds between two passes.
    """

    def __init__(
        self,
        artifact_store: store.ArtifactStore,
        deployment_service: deployments.DeploymentService,
        artifact_service: artifacts.ArtifactService,
        reader: metrics.MetricsReader,
        publisher: events.Events,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        period: float = DEFAULT_PERIOD,
    ) -> None:
        self._store = artifact_store
        self._deployments = deployment_service
        self._artifacts = artifact_service
        self._reader = reader
        self._publisher = publisher
        self._clock = clock
        self._period = period
        self._told: set[tuple[str, str, str, str]] = set()
        """(namespace, deployment, cluster, what) already logged, to log each once."""

    async def run(self) -> None:
        """A pass every ``period`` seconds until cancelled; a failed pass is logged."""
        while True:
            try:
                await self.check_all()
            except Exception:  # the loop must outlive one failed pass
                log.exception("SLA monitor: a pass failed; the next one comes as usual.")
            await asyncio.sleep(self._period)

    async def check_all(self) -> list[model.Event]:
        """One pass over every cluster with an SLA; the SLA events published."""
        published: list[model.Event] = []
        for namespace in await self._store.namespaces():
            page = await self._deployments.page(namespace)
            for deployment in page.items:
                for cluster in deployment.clusters:
                    try:
                        found = await self.check(namespace, deployment, cluster)
                    except errors.VampError as exc:
                        log.warning("SLA of %s/%s/%s: %s", namespace, deployment.name, cluster, exc)
                        continue
                    if found is not None:
                        published.append(found)
        return published

    async def check(self, namespace: str, deployment: model.Deployment, cluster: str) -> model.Event | None:
        """Judge one cluster's SLA; the SLA event published, if any."""
        found = deployment.clusters[cluster]
        if found.sla is None or not window.settled(found):
            return None
        sla = await cluster_slas.resolved(self._artifacts, namespace, found.sla)
        if sla.type == sla_model.ESCALATION_ONLY:
            return None
        if sla.type != sla_model.RESPONSE_TIME_SLIDING_WINDOW or sla.window is None:
            self._once(
                namespace,
                deployment.name,
                cluster,
                f"SLA type '{sla.type}' is not supported; only {sla_model.RESPONSE_TIME_SLIDING_WINDOW} is "
                f"judged (and {sla_model.ESCALATION_ONLY} escalates on events from outside).",
            )
            return None
        last = await self._last_event(namespace, deployment.name, cluster)
        now = self._clock()
        if not window.due(sla, last, now):
            return None
        interval = float(sla.window.interval.seconds)
        response_times: dict[str, float | None] = {}
        for gateway in window.gateways_of(deployment.name, cluster, found):
            summary = await self._reader.summary(namespace, gateway, None, window=interval)
            response_times[gateway] = None if summary is None else summary.mean
        verdict = window.judge(sla, response_times, last, now)
        log.debug("SLA of %s/%s/%s: %s", namespace, deployment.name, cluster, verdict.reason)
        if verdict.direction is None:
            return None
        log.info(
            "SLA of %s/%s/%s: %s %s", namespace, deployment.name, cluster, verdict.direction, verdict.reason
        )
        return await self._publisher.publish(
            namespace, window.sla_event(deployment.name, cluster, sla, verdict)
        )

    async def _last_event(self, namespace: str, deployment: str, cluster: str) -> datetime | None:
        query = store.EventQuery(tags=window.history_tags(deployment, cluster))
        page = await self._store.events(namespace, query, limit=1)
        return page.items[0].timestamp if page.items else None

    def _once(self, namespace: str, deployment: str, cluster: str, message: str) -> None:
        key = (namespace, deployment, cluster, message)
        if key not in self._told:
            self._told.add(key)
            log.warning("SLA of %s/%s/%s: %s", namespace, deployment, cluster, message)
