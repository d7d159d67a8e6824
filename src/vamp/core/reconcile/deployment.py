"""Deciding what one deployment needs next, from what is stored and what the runtime reports (vamp.md §3.4).

``decide`` is level-triggered: it looks only at the stored deployment and the driver's ``ServiceState``s,
never at what happened before, so running it again after a crash, or twice, decides the same. For each
service it returns the status to record, the driver actions to take and the events of each transition:

* intention ``Deployment``: while nothing runs yet, wait until every dependency has a service that is
  ``Done`` and its gateway ports are assigned; deploy when the driver runs nothing, redeploy when the
  driver runs another spec (its digest differs from ``deployments.spec``'s: any change rolls out);
  ``Updating`` while fewer than ``scale.instances`` instances are ready, ``Done`` when all are, ``Failed``
  when the driver says why the service cannot run;
* intention ``Undeployment``: undeploy while the driver runs anything of it, ``Done`` once it is gone;
* a service that is neither done nor failed within ``timeout`` of entering its phase fails, with the
  reason it was waiting for; a failed service is not deployed again until the user changes it (a merge
  that changes it, a new scale), but one that has come good meanwhile is ``Done`` again; undeploying goes
  on even after a failure;
* whatever the driver runs for the deployment that it no longer has is undeployed;
* finally the undeployed services, and clusters without services, are pruned; nothing left means the
  deployment is to be deleted.

``failures`` are the driver actions that just failed: deciding again with them records why, keeps
the phase (the action did not happen) and retries on the next pass. Pure: times are passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType

from vamp import errors
from vamp.core import deployments, model, runtime
from vamp.core.deployments import dependencies, spec
from vamp.core.reconcile import events, messages

DEFAULT_TIMEOUT = timedelta(seconds=600)
_NO_FAILURES: Mapping[runtime.ServiceKey, str] = MappingProxyType({})

Phase = model.PhaseName


@dataclass(frozen=True, slots=True)
class Deploy:
    """Make the driver run ``spec`` (create the service, or replace instances of another digest)."""

    spec: runtime.ServiceSpec


@dataclass(frozen=True, slots=True)
class Undeploy:
    """Make the driver stop and remove every instance of the service."""

    key: runtime.ServiceKey


Action = Deploy | Undeploy


@dataclass(frozen=True, slots=True)
class Decision:
    """What to store, what to ask of the driver, and what to tell (in that order of importance)."""

    deployment: model.Deployment | None
    """The deployment to store; ``None`` when nothing is left of it (delete it if it is stored)."""
    actions: tuple[Action, ...] = ()
    events: tuple[model.Event, ...] = ()


def decide(
    deployment: model.Deployment | None,
    name: str,
    observed: Iterable[runtime.ServiceState],
    *,
    namespace: str,
    now: datetime,
    timeout: timedelta = DEFAULT_TIMEOUT,
    failures: Mapping[runtime.ServiceKey, str] = _NO_FAILURES,
) -> Decision:
    """What the deployment ``name`` (``None``: not stored) in ``namespace`` needs next.

    Args:
        observed: what the driver runs; services of other deployments or namespaces are ignored.
        now: the time of this decision: the ``since`` of every phase entered and of every event.
        timeout: how long a service may stay in a phase before it fails; zero never fails it.
        failures: driver actions that just failed, by service, with the driver's message.
    """
    states = {
        state.key: state
        for state in observed
        if state.key.namespace == namespace and state.key.deployment == name
    }
    if deployment is None:
        return Decision(None, tuple(Undeploy(key) for key in sorted(states, key=str)))
    context = _Context(deployment, namespace, now, timeout, states, failures)
    clusters: dict[str, model.DeploymentCluster] = {}
    actions: list[Action] = []
    notes: list[model.Event] = []
    for cluster_name, cluster in deployment.clusters.items():
        steps = [context.step(cluster_name, service) for service in cluster.services]
        clusters[cluster_name] = cluster.model_copy(update={"services": tuple(s.service for s in steps)})
        for step in steps:
            actions.extend(step.actions)
            notes.extend(step.events)
    kept = {
        context.key(c, s.breed.name) for c, cluster in deployment.clusters.items() for s in cluster.services
    }
    actions.extend(Undeploy(key) for key in sorted(states.keys() - kept, key=str))
    updated = deployments.prune(deployment.model_copy(update={"clusters": clusters}))
    return Decision(updated, tuple(actions), tuple(notes))


@dataclass(frozen=True, slots=True)
class _Step:
    service: model.DeploymentService
    actions: tuple[Action, ...] = ()
    events: tuple[model.Event, ...] = ()


@dataclass(frozen=True, slots=True)
class _Context:
    deployment: model.Deployment
    namespace: str
    now: datetime
    timeout: timedelta
    states: Mapping[runtime.ServiceKey, runtime.ServiceState]
    failures: Mapping[runtime.ServiceKey, str]

    def key(self, cluster: str, breed: str) -> runtime.ServiceKey:
        return runtime.ServiceKey(self.namespace, self.deployment.name, cluster, breed)

    def step(self, cluster: str, service: model.DeploymentService) -> _Step:
        key = self.key(cluster, service.breed.name)
        observed = self.states.get(key)
        service = service.model_copy(update={"instances": _instances(observed)})
        if service.status.intention is model.Intention.UNDEPLOYMENT:
            step = self._undeploying(key, service, observed)
        elif service.status.phase.name is Phase.FAILED:
            step = self._failed(key, cluster, service, observed)
        else:
            step = self._deploying(key, cluster, service, observed)
        return self._timed(key, step)

    def _deploying(
        self,
        key: runtime.ServiceKey,
        cluster: str,
        service: model.DeploymentService,
        observed: runtime.ServiceState | None,
    ) -> _Step:
        phase = service.status.phase.name
        waiting = None if observed is not None else self._waiting_for(service)
        if waiting is not None:
            return self._enter(key, service, phase, waiting)
        wanted = self._spec(cluster, service)
        if isinstance(wanted, str):
            return self._enter(key, service, phase, wanted)
        if key in self.failures:
            return self._enter(key, service, phase, self.failures[key])
        if observed is None or observed.digest != wanted.digest:
            redeploy = observed is not None
            step = self._enter(
                key, service, Phase.UPDATING, messages.REDEPLOYING if redeploy else messages.DEPLOYING
            )
            sync = (
                (events.synchronization(key, "redeploy", self.now),)
                if redeploy and phase is not Phase.UPDATING
                else ()
            )
            return _Step(step.service, (Deploy(wanted),), (*step.events, *sync))
        if observed.failure is not None:
            return self._enter(key, service, Phase.FAILED, self._error(key, observed.failure))
        if _complete(service, observed):
            return self._done(key, service, "deployed", None)
        ready = messages.INSTANCES_READY.format(
            ready=observed.ready, wanted=service.scale.instances, running=len(observed.instances)
        )
        return self._enter(key, service, Phase.UPDATING, ready)

    def _failed(
        self,
        key: runtime.ServiceKey,
        cluster: str,
        service: model.DeploymentService,
        observed: runtime.ServiceState | None,
    ) -> _Step:
        if observed is None or observed.failure is not None or not _complete(service, observed):
            return _Step(service)
        wanted = self._spec(cluster, service)
        if isinstance(wanted, str) or observed.digest != wanted.digest:
            return _Step(service)
        return self._done(key, service, "deployed", messages.RECOVERED)

    def _undeploying(
        self, key: runtime.ServiceKey, service: model.DeploymentService, observed: runtime.ServiceState | None
    ) -> _Step:
        phase = service.status.phase.name
        if observed is None:
            return self._done(key, service, "undeployed", None)
        if key in self.failures:
            return self._enter(key, service, phase, self.failures[key])
        if phase is Phase.FAILED:
            return _Step(service, (Undeploy(key),))
        step = self._enter(key, service, Phase.UPDATING, messages.UNDEPLOYING)
        return _Step(step.service, (Undeploy(key),), step.events)

    def _spec(self, cluster: str, service: model.DeploymentService) -> runtime.ServiceSpec | str:
        """What to run for ``service``, or why it cannot run (its environment cannot be resolved)."""
        try:
            return spec.service_spec(self.deployment, cluster, service.breed.name, namespace=self.namespace)
        except errors.DeploymentError as exc:
            return str(exc)

    def _waiting_for(self, service: model.DeploymentService) -> str | None:
        """Why the service cannot be deployed yet, or ``None`` when its dependencies are ready."""
        for alias, dependency in service.breed.dependencies.items():
            host = service.dependencies.get(alias)
            cluster = self.deployment.clusters.get(host) if host else None
            if host is None or cluster is None:
                return messages.NO_DEPENDENCY_CLUSTER.format(alias=alias)
            done = [
                candidate
                for candidate in cluster.services
                if candidate.status.intention is model.Intention.DEPLOYMENT
                and candidate.status.phase.name is Phase.DONE
                and dependencies.matches(dependency.name, candidate.breed.name)
            ]
            if not done:
                return messages.DEPENDENCY_NOT_DONE.format(alias=alias, breed=dependency.name, cluster=host)
            for port in (port for candidate in done for port in candidate.breed.ports):
                if f"{host}.{port.name}" not in self.deployment.ports:
                    return messages.DEPENDENCY_PORT.format(alias=alias, port=f"{host}.{port.name}")
        return None

    def _enter(
        self, key: runtime.ServiceKey, service: model.DeploymentService, phase: Phase, note: str | None
    ) -> _Step:
        """The service in ``phase`` with ``note``; entering a new phase starts its clock and is told."""
        status = service.status
        if status.phase.name is phase:
            if status.phase.notification == note:
                return _Step(service)
            changed = status.model_copy(
                update={"phase": status.phase.model_copy(update={"notification": note})}
            )
            return _Step(service.model_copy(update={"status": changed}))
        entered = status.model_copy(
            update={"phase": model.Phase(name=phase, since=self.now, notification=note)}
        )
        return _Step(
            service.model_copy(update={"status": entered}),
            events=(events.phase_changed(key, entered, self.now),),
        )

    def _done(
        self, key: runtime.ServiceKey, service: model.DeploymentService, what: str, note: str | None
    ) -> _Step:
        step = self._enter(key, service, Phase.DONE, note)
        if not step.events:
            return step
        return _Step(step.service, events=(*step.events, events.synchronization(key, what, self.now)))

    def _timed(self, key: runtime.ServiceKey, step: _Step) -> _Step:
        """The step, or the service failed when its phase has lasted longer than the timeout."""
        status = step.service.status
        if status.phase.name in (Phase.DONE, Phase.FAILED) or not self.timeout:
            return step
        if self.now - status.phase.since < self.timeout:
            return step
        undeploying = status.intention is model.Intention.UNDEPLOYMENT
        reason = messages.not_done(undeploying, self.timeout, status.phase.notification)
        failed = self._enter(key, step.service, Phase.FAILED, self._error(key, reason))
        keep = tuple(action for action in step.actions if isinstance(action, Undeploy))
        return _Step(failed.service, keep, (*step.events, *failed.events))

    def _error(self, key: runtime.ServiceKey, reason: str) -> str:
        return messages.SERVICE_ERROR.format(deployment=key.deployment, service=key.service, reason=reason)


def _complete(service: model.DeploymentService, observed: runtime.ServiceState) -> bool:
    """Exactly ``scale.instances`` instances, every one ready."""
    return observed.ready == len(observed.instances) == service.scale.instances


def _instances(observed: runtime.ServiceState | None) -> tuple[model.Instance, ...]:
    """The observed instances as the deployment records them, by name: a driver's order is no change."""
    if observed is None:
        return ()
    return tuple(
        model.Instance(
            name=instance.name,
            host=instance.ip,
            ports={port.name: port.number for port in instance.ports if port.name},
            deployed=instance.ready,
        )
        for instance in sorted(observed.instances, key=lambda instance: instance.name)
    )
