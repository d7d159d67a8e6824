"""Every message the deployment functions give a user, in one place (house rule 14).

Each message names the place, quotes the bad value and says what would be valid. Vamp's own wording is
kept where Vamp has one (vamp.md §1.4, §1.8, §3.2), followed by what to do about it.
"""

from collections.abc import Iterable

MISSING_ARTIFACT = "Artifact cannot be found: {kind} '{name}'."
RECURSIVE_ESCALATION = "Recursive escalation reference detected for escalation '{name}'."
RECURSIVE_DEPENDENCY = (
    "Recursive (cyclic) dependency detected for breed '{breed}'. "
    "A breed cannot depend, directly or through others, on itself: {chain}."
)
UNRESOLVED_DEPENDENCY = (
    "Unresolved breed dependency for breed '{breed}' and dependency '{alias} -> {dependency}'. "
    "Add a breed named '{dependency}' to the blueprint, or deploy one first."
)
UNRESOLVED_BLUEPRINT = (
    "Blueprint '{blueprint}' still refers to {kind} '{name}' at {path}; "
    "resolve the blueprint's references before merging it."
)
INVALID_DEPLOYMENT_NAME = "Invalid deployment name: {problem}"
UNRESOLVED_SERVICE_ROUTE = (
    "Unresolved service route for '{cluster}' and '{route}'. "
    "Route keys of a cluster gateway are the breed names of its services: {services}."
)
UNRESOLVED_ROUTE = (
    "The {where} is still a reference to route '{name}'; "
    "resolve the blueprint's references before merging it."
)
UNRESOLVED_GATEWAY_PORT = (
    "Unresolved gateway port '{port}' in cluster '{cluster}'. "
    "Cluster gateways are keyed by a port name of its breeds: {ports}."
)
UNSUPPORTED_ROUTE_WEIGHTS = (
    "Invalid route weights in cluster '{deployment}/{cluster}' for port '{port}': {problem}. "
    "Give the routes weights that total 100% (routes without a weight share what is left)."
)
INVALID_SLICE_WEIGHT = (
    "Invalid route weight in cluster '{deployment}/{cluster}' - after updating the services and routes, "
    "weight {weight} is invalid for port: '{port}'. "
    "Move all weight to the remaining services first, then slice."
)
SERVICE_NOT_FOUND = (
    "There is no service '{breed}' in cluster '{deployment}/{cluster}'; its services are: {services}."
)
CLUSTER_NOT_FOUND = (
    "There is no cluster '{cluster}' in deployment '{deployment}'; its clusters are: {clusters}."
)
UNRESOLVED_VALUE = (
    "Unresolved value of variable '{variable}' for breed '{breed}'. Give it a value in the blueprint "
    "(environment_variables: {{{cluster}.{variable}: ...}}) or in the service's environment_variables."
)
INVALID_VALUE = (
    "Invalid value of variable '{variable}' for breed '{breed}': {reason} at position {position}.\n{caret}"
)
UNRESOLVED_REFERENCE = (
    "Unresolved reference '{reference}' in variable '{variable}' of breed '{breed}': {reason}."
)
CIRCULAR_REFERENCE = "Circular reference in variable '{variable}' of breed '{breed}': {chain}."


def listing(names: Iterable[str]) -> str:
    """Names for a message: ``a, b, c``, or ``none`` when there are none."""
    return ", ".join(names) or "none"
