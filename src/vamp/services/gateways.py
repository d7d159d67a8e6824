"""Gateway synchronisation: from stored gateways, deployments and running instances to a routing plan.

One pass over one namespace is observe → decide → act → record:

* observe: the stored free-standing gateways, the deployments, the stored routes, conditions and
  rewrites that routes refer to, and every instance the driver sees (in every namespace);
* decide: ``vamp.core.reconcile.gateways.synchronise`` (ports for gateways without one, selector routes
  for what selectors find now), then ``vamp.core.routing.compile.compile_build`` from the namespace's
  previous build: a gateway compiled from what it was compiled from last time keeps its compiled part,
  so a change to one gateway or one instance recompiles what it touches (the plan is the one compiled
  whole);
* act: store what changed in one transaction (``put_many``), compare-and-set, so assigned ports stay and
  new selector routes show up at 0 % through the API; a user's write meanwhile (``ConflictError``)
  stores none of them and starts the pass over;
* record: the plan goes to the namespace's ``PlanHolder`` (on the ``PlanBoard`` of every namespace,
  ``routing_plans``), whose long poll wakes the gateway agents at once; with it the problems met (a
  gateway left out and why) for the API. Then the events: a gateway entering or leaving the plan
  (``gateways:<g>``, ``deployed``/``undeployed``), and every route added, removed or re-weighted, its
  condition or strength changed, or its targets changed (``gateways:<g>``, ``routes:<path>``,
  ``route:<change>``), compared with the namespace's previous pass;
* expose: with a ``GatewayExposure`` (Kubernetes), the plan's gateways are exposed (a Service each,
  ``vamp.services.gateway_exposure``) and where they are reached goes to the ``PlanHolder``, for the
  API's ``service {host, port}``.

Every namespace is one port space (agents may serve them all at once): a port is given to a gateway only
if no gateway of another namespace held it at that namespace's last pass.

Of several servers only the leader (``leadership``) writes: ports, selector routes, events and the
exposure. The others run the same passes read-only, so they hold the same plans for the agents that
long-poll them, and read the addresses the leader exposed.

Passes run on a work queue keyed by namespace: the artifact service calls ``enqueue`` after writing a
gateway or deployment; every change the driver reports (an instance became ready) enqueues every known
namespace with gateways or deployments (the others' plans route to no instance), and a periodic resync
every known namespace. A pass that finds what it decides from (the stored artifacts' revisions,
the instances, the leadership) as the namespace's previous pass did decides nothing again, and stored
artifacts are read as models once per revision (``gateway_reading``): with many gateways, most passes are
cheap. A decision keeps, from the namespace's last one, every gateway stored and selecting as it was, so
one pod becoming Ready re-decides the gateways that may select it. The first pass after a start only sets
the baseline for events: the store and the driver hold everything else, so a restart converges to the
same plan. A stored artifact that
cannot be read is left out and reported, so one bad document never takes the others' traffic down.
The pure work of a pass (reading documents as models, deciding, compiling, telling the events) runs in
the pass thread (``pass_thread``), not on the event loop: the API answers while a large pass runs.
Through ports only: no adapter is imported here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vamp import errors
from vamp.core import dsl, model
from vamp.core.reconcile import events as reconcile_events
from vamp.core.reconcile import gateways as decisions
from vamp.core.routing import compile, ports
from vamp.core.routing import plan as routing_plan
from vamp.ports import exposure as exposure_port
from vamp.ports import leadership as leadership_port
from vamp.ports import runtime as runtime_port
from vamp.ports import store
from vamp.services import changes, events, gateway_exposure, gateway_reading, pass_thread, workqueue
from vamp.services.routing_plans import PlanBoard as PlanBoard
from vamp.services.routing_plans import PlanHolder as PlanHolder

log = logging.getLogger("vamp.gateways")

CONFLICT_RETRIES = 5


class GatewaySynchroniser:
    """Compiles and holds the routing plan of every namespace it knows, one work-queue key per namespace.

    Args:
        namespaces: the namespaces to synchronise from the start; others are learnt from ``enqueue`` and
            ``plans``.
        shared_port: the port of the shared virtual-host listener (``None``: none); no gateway gets it.
        global_selector: ANDed with every selector (``vamp.operation.gateway.selector``).
        automatic_hosts: whether gateways get their automatic host names (``9050.sava.vamp``).
        port_range: the ports gateways without one are given.
        resync: seconds between passes over every namespace when nothing else wakes the synchroniser.
        notifier: hears of every deployment a pass changed (a port assigned to one of its gateways), so
            the reconciler looks again at once: environment variables may name gateway ports.
        exposure: exposes each plan's gateways outside the data plane (``None``: nothing to expose).
        leadership: whether this server leads; one that does not writes nothing (``None``: it always
            leads).
        recheck: seconds after which exposed gateways are exposed again even if they did not change
            (someone may have removed a Service).
        workers: namespaces passed over at the same time. A pass waits for the runtime to expose its
            gateways (seconds on a busy Kubernetes API server) and the others go on meanwhile; their
            reading, deciding and compiling still run one at a time, in the pass thread.
    """

    def __init__(
        self,
        artifacts: store.ArtifactStore,
        driver: runtime_port.RuntimeDriver,
        publisher: events.Events,
        *,
        namespaces: Iterable[str] = ("default",),
        shared_port: int | None = 80,
        global_selector: str = "true",
        automatic_hosts: bool = True,
        port_range: tuple[int, int] = (ports.FIRST_PORT, ports.LAST_PORT),
        resync: float = 5.0,
        workers: int = 8,
        backoff: workqueue.Backoff | None = None,
        notifier: changes.Notifier | None = None,
        exposure: exposure_port.GatewayExposure | None = None,
        leadership: leadership_port.Leadership | None = None,
        recheck: float = 10.0,
    ) -> None:
        self._store = artifacts
        self._driver = driver
        self._events = publisher
        self._shared_port = shared_port
        self._global_selector = global_selector
        self._automatic_hosts = automatic_hosts
        self._port_range = port_range
        self._resync = resync
        self._workers = workers
        self._queue: workqueue.WorkQueue[str] = workqueue.WorkQueue("gateways", backoff=backoff)
        self._notifier = notifier
        self.board = PlanBoard(namespaces, discovered=self._queue.add)
        """The plan of every namespace known, for the agents' long polls."""
        self._seen: dict[str, dict[str, model.Gateway]] = {}
        """The gateways of each namespace's last pass, to tell what changed since (events only)."""
        self._exposure = None if exposure is None else gateway_exposure.Exposure(exposure, recheck=recheck)
        self._leadership = leadership
        self._observed: dict[str, _Observed] = {}
        """What each namespace's last pass decided from: when nothing changed, there is nothing to decide."""
        self._models: dict[tuple[str, str], dict[str, tuple[int, model.Artifact]]] = {}
        """Per namespace and kind, the stored artifacts read at the last pass: name → (revision, model)."""
        self._ports: dict[str, set[int]] = {}
        """The ports the gateways of each namespace held at its last pass."""
        self._syncs: dict[str, decisions.GatewaySync] = {}
        """Each namespace's last decision: a gateway stored and selecting as it was is not decided again."""
        self._problems: dict[str, tuple[str, ...]] = {}
        """The problems each namespace's last pass met (the exposure's come beside them)."""
        self._builds: dict[str, compile.PlanBuild] = {}
        """Each namespace's last plan with its gateways' compiled parts: the next pass recompiles only what
        changed (``compile.compile_build``)."""

    @property
    def queue(self) -> workqueue.WorkQueue[str]:
        """The work queue of the passes, for what it counts (``WorkQueue.passes``, ``depth``)."""
        return self._queue

    def plans(self, namespace: str) -> PlanHolder:
        """The plan holder of ``namespace``; asking for a namespace not known yet synchronises it."""
        return self.board(namespace)

    def forget(self, namespace: str) -> None:
        """Drop what is held of ``namespace`` (it was removed): its plan, so agents serving every namespace
        stop serving it, and its ports, so other namespaces may use them."""
        self.board.forget(namespace)
        for held in (self._seen, self._observed, self._ports, self._builds, self._problems, self._syncs):
            held.pop(namespace, None)
        for key in [key for key in self._models if key[0] == namespace]:
            del self._models[key]

    def enqueue(self, namespace: str) -> None:
        """Synchronise ``namespace`` soon: a gateway or deployment changed, so any backoff is over."""
        self.plans(namespace)
        self._queue.add(namespace, reset_backoff=True)

    async def run(self) -> None:
        """Synchronise until cancelled: every namespace at once, then on driver changes and periodically."""
        async with asyncio.TaskGroup() as group:
            group.create_task(
                self._queue.run(self.synchronise, workers=self._workers), name="gateways: queue"
            )
            group.create_task(
                workqueue.wake_up(
                    self.resync,
                    self._driver.changes,
                    period=self._resync,
                    name="gateways",
                    on_change=self._instances_changed,
                ),
                name="gateways: resync",
            )

    async def synchronise(self, namespace: str) -> None:
        """One pass over the gateways of ``namespace``: observe, decide, act, record.

        Raises:
            errors.ConflictError: the gateways kept changing under this pass.
            errors.DriverError: the driver cannot list its instances.
        """
        for _ in range(CONFLICT_RETRIES):
            try:
                await self._pass(namespace)
            except errors.ConflictError as exc:
                log.debug("gateways of %s changed while synchronised, again: %s", namespace, exc)
                continue
            return
        raise errors.ConflictError(
            f"The gateways of namespace '{namespace}' kept changing while they were synchronised "
            f"({CONFLICT_RETRIES} times in a row); they are synchronised again later."
        )

    async def resync(self) -> None:
        """Synchronise every known namespace soon (a server that just started leading writes and exposes)."""
        for namespace in self.board.namespaces():
            self._queue.add(namespace)

    async def _instances_changed(self) -> None:
        """The driver's instances changed: synchronise soon every namespace whose plan may route to them
        (a namespace without gateways or deployments waits for the periodic resync or its own writes)."""
        for namespace in self.board.namespaces():
            observed = self._observed.get(namespace)
            if observed is None or observed.routing:
                self._queue.add(namespace)

    def _taken(self, namespace: str) -> set[int]:
        """The ports no gateway of ``namespace`` may be given: the shared port, and every port a gateway
        of another namespace holds (every namespace is one port space, agents may serve them all)."""
        # A copy first: this runs in the pass thread while the loop may forget a namespace.
        taken = {port for other, held in list(self._ports.items()) if other != namespace for port in held}
        return taken if self._shared_port is None else {*taken, self._shared_port}

    @property
    def _leading(self) -> bool:
        return self._leadership is None or self._leadership.is_leader

    async def _pass(self, namespace: str) -> None:
        gateways = await self._read(namespace, "gateways")
        deployments = await self._read(namespace, "deployments")
        stored = [await self._read(namespace, kind) for kind in ("routes", "conditions", "rewrites")]
        instances = await self._driver.instances()
        leading = self._leading
        revisions = tuple(read.revisions for read in (gateways, deployments, *stored))
        # A namespace without gateways or deployments has an empty plan whatever runs: a driver change
        # (enqueuing every namespace) decides nothing there again.
        routing = bool(gateways.revisions or deployments.revisions)
        observed = _Observed(revisions, tuple(instances) if routing else (), leading, routing)
        current = self.plans(namespace).current()
        if current is not None and self._observed.get(namespace) == observed:
            await self._expose(namespace, current, leading=leading)
            return
        sync, puts = await pass_thread.run(self._decide, namespace, gateways, deployments, instances)
        if leading and puts:
            # One transaction, compare-and-set: a user's write meanwhile stores none of them.
            await self._store.put_many(namespace, puts)
            if self._notifier is not None:
                for deployment in sync.changed_deployments:
                    self._notifier.deployment_changed(namespace, deployment.name or "")
        routes, conditions, rewrites = stored
        build = await pass_thread.run(
            _compile,
            sync.gateways,
            instances,
            previous=self._builds.get(namespace),
            routes=routes.of(model.Route),
            conditions=conditions.of(model.Condition),
            rewrites=rewrites.of(model.Rewrite),
            shared_port=self._shared_port,
            namespace=namespace,
            global_selector=self._global_selector,
            automatic_hosts=self._automatic_hosts,
        )
        # Kept without its selector index: ``selector.Index.of`` gives the next pass over the same
        # instances (the driver's one tuple) the index it made, and a build holding one per namespace
        # would hold every instance as many times as there are namespaces.
        self._builds[namespace], plan = build.without_index(), build.plan
        unreadable = (problem for read in (gateways, deployments, *stored) for problem in read.problems)
        problems = (*unreadable, *sync.problems, *plan.problems)
        self._problems[namespace] = problems
        await self._record(namespace, sync.gateways, plan, problems, leading=leading)
        self._observed[namespace] = observed
        await self._expose(namespace, plan, leading=leading)

    def _decide(
        self,
        namespace: str,
        gateways: gateway_reading.Read,
        deployments: gateway_reading.Read,
        instances: Sequence[model.ObservedInstance],
    ) -> tuple[decisions.GatewaySync, list[store.Put]]:
        """Ports and selector routes (in the pass thread), and the writes that store what changed."""
        first, last = self._port_range
        sync = decisions.synchronise(
            gateways.of(model.Gateway).values(),
            deployments.of(model.Deployment).values(),
            instances,
            namespace=namespace,
            global_selector=self._global_selector,
            taken=self._taken(namespace),
            first_port=first,
            last_port=last,
            previous=self._syncs.get(namespace),
        )
        self._syncs[namespace] = sync
        # Here, in the one pass thread: a pass over another namespace decides after this one, so it
        # takes none of these ports.
        self._ports[namespace] = {gateway.port.number for gateway in sync.gateways if gateway.port.number}
        puts = [_put("gateways", gateway, gateways.revisions) for gateway in sync.changed_gateways] + [
            _put("deployments", deployment, deployments.revisions) for deployment in sync.changed_deployments
        ]
        return sync, puts

    async def _record(
        self,
        namespace: str,
        gateways: Sequence[model.Gateway],
        plan: routing_plan.RoutingPlan,
        problems: Sequence[str],
        *,
        leading: bool,
    ) -> None:
        holder = self.plans(namespace)
        before = holder.current()
        seen = {gateway.name or "": gateway for gateway in gateways}
        previous, self._seen[namespace] = self._seen.get(namespace), seen
        holder.publish(plan, problems)
        if before is None or previous is None or not leading:
            return
        # One write for the pass's events: each write waits its turn behind the others (a user's too).
        changed = await pass_thread.run(reconcile_events.pass_changes, before, plan, previous, seen)
        await self._events.publish_all(namespace, changed)

    async def _expose(self, namespace: str, plan: routing_plan.RoutingPlan, *, leading: bool) -> None:
        """Expose the plan's gateways (the leader) or read where they are exposed (the others).

        A gateway the runtime refuses to expose is reported as that gateway's problem and the others go on.

        Raises:
            errors.DriverError: the runtime failed to expose them all or to say where they are; the pass
                fails, so it is retried with backoff (its plan is published already).
        """
        if self._exposure is None:
            return
        holder = self.plans(namespace)
        holder.locate(await self._exposure.addresses(namespace, plan, leading=leading))
        # A gateway whose Service the runtime refused is that gateway's problem, beside the pass's own.
        problems = (*self._problems.get(namespace, ()), *self._exposure.problems(namespace))
        if problems != holder.problems:
            holder.publish(plan, problems)

    async def _read(self, namespace: str, kind: str) -> gateway_reading.Read:
        """The stored artifacts of ``kind``; each read as a model once per revision (reading is most of a
        pass's time when a namespace holds many gateways)."""
        known = self._models.get((namespace, kind), {})
        changed = await self._store.changed(
            namespace, kind, {name: revision for name, (revision, _) in known.items()}
        )
        if changed.artifacts:
            models, problems = await pass_thread.run(gateway_reading.models, kind, changed, known)
        else:
            models, problems = {name: known[name] for name in changed.revisions}, []
        self._models[(namespace, kind)] = models
        return gateway_reading.Read(
            {name: found for name, (_, found) in models.items()}, dict(changed.revisions), tuple(problems)
        )


def _put(kind: str, artifact: model.Gateway | model.Deployment, revisions: Mapping[str, int]) -> store.Put:
    """The write of an artifact the pass changed, at the revision the pass read."""
    name = artifact.name or ""
    return store.Put(kind, name, dsl.to_data(artifact), revisions[name])


def _compile(
    gateways: Sequence[model.Gateway],
    instances: Sequence[model.ObservedInstance],
    **options: Any,
) -> compile.PlanBuild:
    """The namespace's plan build (in the pass thread), from the instances it may address."""
    namespace = options["namespace"]
    return compile.compile_build(gateways, decisions.addressable(instances, namespace), **options)


@dataclass(frozen=True, slots=True)
class _Observed:
    """What a pass decides from: the revisions of the stored artifacts it read (gateways, deployments,
    routes, conditions, rewrites), the instances (none when there is no gateway or deployment to route
    to them), and whether this server leads (then it writes)."""

    revisions: tuple[Mapping[str, int], ...]
    instances: tuple[model.ObservedInstance, ...]
    leading: bool
    routing: bool
    """Whether the namespace has gateways or deployments, so that its plan depends on the instances."""
