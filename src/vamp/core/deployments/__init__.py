"""Deployments as pure functions (vamp.md §1.6–1.8, §3.1–3.3): what the API and the reconciler decide with.

Resolve a blueprint's references, merge it into a deployment (a canary starts), slice services out (it
ends), drop what has been undeployed, turn a deployment back into a blueprint, find a cluster or service
by name, compute one service's environment, and say in a word what a service or deployment is doing. The
caller passes the time and everything else; nothing here does I/O or reads the clock.

Import the package and qualify: ``from vamp.core import deployments`` … ``deployments.merge(...)``.
"""

from vamp.core.deployments.commands import command_breeds, not_allowed
from vamp.core.deployments.environment import service_environment
from vamp.core.deployments.export import as_blueprint
from vamp.core.deployments.merge import merge
from vamp.core.deployments.parts import cluster_of, service_of
from vamp.core.deployments.resolve import Lookup, inline_breeds, resolve_blueprint, with_breed_references
from vamp.core.deployments.slice import prune, slice_services
from vamp.core.deployments.status import DeploymentState, ServiceState, deployment_state, service_state

__all__ = [
    "DeploymentState",
    "Lookup",
    "ServiceState",
    "as_blueprint",
    "cluster_of",
    "command_breeds",
    "deployment_state",
    "inline_breeds",
    "merge",
    "not_allowed",
    "prune",
    "resolve_blueprint",
    "service_environment",
    "service_of",
    "service_state",
    "slice_services",
    "with_breed_references",
]
