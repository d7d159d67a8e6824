"""The deployment reconciler: keeps every stored deployment running as it says (vamp.md §3.4).

One pass over one deployment is observe → decide → act → record:

* observe: the stored deployment, with its revision, and what the driver runs in its namespace;
* decide: ``vamp.core.reconcile.deployment.decide``, which is pure;
* act: deploy and undeploy through the driver; an action that fails is decided again with its error,
  so the service records why it is not moving, and the pass fails, to be retried with backoff;
* record: the deployment is written back compare-and-set, or deleted when nothing is left of it. When a
  user changed it meanwhile (``ConflictError``), the pass starts over from what is stored now: a user's
  merge is never overwritten. Then the events of every transition: ``synchronization`` events with
  Vamp's tags (``deployments:<d>``, ``clusters:<c>``, ``services:<breed>``,
  ``synchronization:deployed|redeploy|undeployed``) and a ``deployment-service`` event for each phase
  a service enters, whose value gives the reason (``vamp.core.reconcile.events``).

Passes run on a work queue keyed by (namespace, deployment): a user's change reaches ``enqueue`` through
the ``changes.Notifier`` the deployment service calls; a change the driver reports and a periodic resync
enqueue every stored deployment, and every deployment the driver runs something of (so what a deleted
deployment left behind is removed). A pass that changed something enqueues its deployment again, so a
service waiting on a dependency that has just become ready goes ahead at once.

Every decision is made from the store and the driver alone, so a reconciler started after a crash, at
any moment, converges to the same state. A stored deployment is read as the deployment service reads it
(``deployment_revisions``). Through ports only: no adapter is imported here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta

from vamp import errors
from vamp.core import dsl, model, runtime
from vamp.core.reconcile import deployment as decisions
from vamp.ports import runtime as runtime_port
from vamp.ports import store
from vamp.services import artifacts as artifacts_service
from vamp.services import changes, deployment_revisions, events, stored_models, workqueue

log = logging.getLogger("vamp.reconciler")

KIND = deployment_revisions.KIND
CONFLICT_RETRIES = 5

Key = tuple[str, str]
"""(namespace, deployment name)."""


def utc_now() -> datetime:
    """The default clock."""
    return datetime.now(UTC)


class Reconciler:
    """Reconciles the deployments of every namespace it knows, one work-queue key per deployment.

    Args:
        namespaces: the namespaces to resync from the start; others are learnt from ``enqueue``.
        clock: the time, timezone-aware: statuses and events are stamped with it, timeouts measured.
        timeout: how long a service may stay in one phase before it fails; zero never fails it.
        resync: seconds between resyncs of everything when nothing else wakes the reconciler.
        workers: deployments reconciled at the same time.
        notifier: hears of every deployment a pass changed (its gateways may have changed with it: a
            service pruned, instances moved), so the gateway synchroniser looks again at once.
    """

    def __init__(
        self,
        artifacts: store.ArtifactStore,
        driver: runtime_port.RuntimeDriver,
        publisher: events.Events,
        *,
        namespaces: Iterable[str] = ("default",),
        clock: Callable[[], datetime] = utc_now,
        timeout: timedelta = decisions.DEFAULT_TIMEOUT,
        resync: float = 5.0,
        workers: int = 4,
        backoff: workqueue.Backoff | None = None,
        notifier: changes.Notifier | None = None,
    ) -> None:
        self._store = artifacts
        self._driver = driver
        self._events = publisher
        self._namespaces = set(namespaces)
        self._clock = clock
        self._timeout = timeout
        self._resync = resync
        self._workers = workers
        self._queue: workqueue.WorkQueue[Key] = workqueue.WorkQueue("reconciler", backoff=backoff)
        self._notifier = notifier
        self._models = stored_models.StoredModels(artifacts_service.model_of)

    @property
    def queue(self) -> workqueue.WorkQueue[Key]:
        """The work queue of the passes, for what it counts (``WorkQueue.passes``, ``depth``)."""
        return self._queue

    def enqueue(self, namespace: str, deployment: str) -> None:
        """Reconcile ``deployment`` soon: it was just changed, so any backoff it was in is over."""
        self._namespaces.add(namespace)
        self._queue.add((namespace, deployment), reset_backoff=True)

    async def run(self) -> None:
        """Reconcile until cancelled: resync at once, then on every driver change and periodically."""
        async with asyncio.TaskGroup() as group:
            group.create_task(self._queue.run(self._handle, workers=self._workers), name="reconciler: queue")
            group.create_task(
                workqueue.wake_up(self.resync, self._driver.changes, period=self._resync, name="reconciler"),
                name="reconciler: resync",
            )

    async def resync(self) -> None:
        """Enqueue every stored deployment, and every one the driver runs something of, in every namespace."""
        for namespace in sorted(self._namespaces):
            stored = await self._store.list(namespace, KIND)
            running = await self._driver.services(namespace)
            names = {artifact.name for artifact in stored.items} | {state.key.deployment for state in running}
            for name in sorted(names):
                self._queue.add((namespace, name))

    async def reconcile(self, namespace: str, name: str) -> None:
        """One pass over the deployment ``name`` of ``namespace``: observe, decide, act, record.

        Raises:
            errors.DriverError: a driver action failed; the service says why and the pass should be
                retried later.
            errors.ConflictError: the deployment kept changing under this pass.
            errors.StoreError: the stored deployment cannot be read.
        """
        for _ in range(CONFLICT_RETRIES):
            try:
                changed = await self._pass(namespace, name)
            except errors.ConflictError as exc:
                log.debug("deployment %s/%s changed while reconciled, again: %s", namespace, name, exc)
                continue
            if changed:
                self._queue.add((namespace, name))
            return
        raise errors.ConflictError(
            f"Deployment '{name}' in namespace '{namespace}' kept changing while it was reconciled "
            f"({CONFLICT_RETRIES} times in a row); it is reconciled again later."
        )

    async def _handle(self, key: Key) -> None:
        await self.reconcile(*key)

    async def _pass(self, namespace: str, name: str) -> bool:
        """One pass; whether it changed what is stored."""
        stored = await self._store.get(namespace, KIND, name)
        deployment = None if stored is None else deployment_revisions.deployment_of(stored, self._models)
        observed = await self._driver.services(namespace)
        now = self._clock()

        def decide(failures: Mapping[runtime.ServiceKey, str]) -> decisions.Decision:
            return decisions.decide(
                deployment,
                name,
                observed,
                namespace=namespace,
                now=now,
                timeout=self._timeout,
                failures=failures,
            )

        decision = decide({})
        failures = await self._act(decision.actions)
        if failures:
            decision = decide(failures)
        changed = await self._record(stored, deployment, decision)
        for event in decision.events:
            await self._events.publish(namespace, event)
        if failures:
            raise errors.DriverError("; ".join(failures.values()))
        return changed

    async def _act(self, actions: Iterable[decisions.Action]) -> dict[runtime.ServiceKey, str]:
        """Take every action at once; the message of each that failed, by service."""
        actions = tuple(actions)
        outcomes = await asyncio.gather(*(self._take(action) for action in actions))
        return {key: message for key, message in outcomes if message is not None}

    async def _take(self, action: decisions.Action) -> tuple[runtime.ServiceKey, str | None]:
        key = action.spec.key if isinstance(action, decisions.Deploy) else action.key
        try:
            if isinstance(action, decisions.Deploy):
                await self._driver.deploy(action.spec)
            else:
                await self._driver.undeploy(action.key)
        except errors.DriverError as exc:
            return key, str(exc)
        return key, None

    async def _record(
        self,
        stored: store.StoredArtifact | None,
        deployment: model.Deployment | None,
        decision: decisions.Decision,
    ) -> bool:
        if stored is None or decision.deployment == deployment:
            return False
        if decision.deployment is None:
            await self._store.delete(stored.namespace, KIND, stored.name, revision=stored.revision)
        else:
            data = dsl.to_data(decision.deployment)
            await self._store.put(stored.namespace, KIND, stored.name, data, revision=stored.revision)
        if self._notifier is not None:
            self._notifier.gateways_changed(stored.namespace)
        return True
