"""Where the server runs things: the runtime the settings ask for, built and closed (the wiring's part).

``opened`` gives a ``Runtime``: on the local driver, the process driver with ``AlwaysLeader`` and
workflows as processes under ``HOME/workflows`` (scripts finding vamp-node-client); on Kubernetes, the
Kubernetes driver, a Lease election in the server's own namespace, a Service per gateway, environments
as Namespaces and workflows as Kubernetes objects. On exit the workflow runtime is closed first, then
the driver (the local ones stop every process they run), then the Kubernetes client.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from vamp import settings
from vamp.adapters.local import driver as local_driver
from vamp.adapters.workflows import runtime as local_workflows
from vamp.interfaces import workflow_scripts
from vamp.ports import access as access_port
from vamp.ports import exposure, leadership, runtime
from vamp.ports import workflows as workflows_port
from vamp.services import leadership as single_leader


@dataclass(frozen=True, slots=True)
class Runtime:
    """Where services run, who leads, how gateways are reached from outside (if at all), how to let go."""

    driver: runtime.RuntimeDriver
    leadership: leadership.Leadership
    close: Callable[[], Awaitable[None]]
    gateway_exposure: exposure.GatewayExposure | None = None
    environments: access_port.EnvironmentRuntime | None = None
    """Told of environments created and removed; ``None``: they need nothing of the runtime."""
    workflows: workflows_port.WorkflowRuntime | None = None
    """Where workflows run (closed by ``close``); ``None``: this server runs none."""


@contextlib.asynccontextmanager
async def opened(config: settings.Settings) -> AsyncIterator[Runtime]:
    """The driver, the leadership and the workflow runtime the settings ask for, closed on exit."""
    if config.driver is settings.Driver.KUBERNETES:
        found = await _kubernetes(config)
    else:
        driver = local_driver.LocalDriver(config.home, allow_commands=config.allow_command_deployables)
        flows = _local_workflows(config)

        async def close() -> None:
            try:
                await flows.close()
            finally:
                await driver.close()

        found = Runtime(driver, single_leader.AlwaysLeader(), close, workflows=flows)
    try:
        yield found
    finally:
        await found.close()


async def _kubernetes(config: settings.Settings) -> Runtime:
    """The Kubernetes driver, a Lease election in the server's own namespace, and environments as
    Namespaces."""
    # Imported here: lightkube is only needed when Vamp runs on Kubernetes.
    from vamp.adapters.kubernetes import client, driver, environments, lease, services
    from vamp.adapters.kubernetes import config as kube_config
    from vamp.adapters.kubernetes import workflows as kube_workflows

    kube = client.KubernetesClient(kube_config.load(config.kubeconfig))
    kube_driver = driver.KubernetesDriver(kube, identity=config.identity)
    flows = kube_workflows.KubernetesWorkflows(
        kube, identity=config.identity, script_image=config.workflow_image
    )

    async def close() -> None:
        try:
            await flows.close()
            await kube_driver.close()
        finally:
            await kube.close()

    election = lease.LeaderElection(
        kube,
        kube.namespace,
        identity=config.identity,
        lease_duration=config.lease.duration,
        renew_deadline=config.lease.renew_deadline,
        retry_period=config.lease.retry_period,
    )
    exposed = services.GatewayServices(kube, agent_port=config.shared_port or 80)
    return Runtime(
        kube_driver, election, close, exposed, environments.KubernetesEnvironments(kube), workflows=flows
    )


def _local_workflows(config: settings.Settings) -> workflows_port.WorkflowRuntime:
    """Workflows as processes on this machine, under ``HOME/workflows``; scripts find vamp-node-client."""
    return local_workflows.LocalWorkflows(
        config.home / "workflows",
        node_modules=workflow_scripts.NODE_MODULES,
        allow_commands=config.allow_command_deployables,
    )
