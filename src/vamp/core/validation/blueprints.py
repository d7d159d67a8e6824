"""Rules for blueprints and deployments (vamp.md §1.4's numbered list, in Vamp's order, and §1.9).

Cluster names; external gateway routes ``cluster/port`` that resolve; blueprint variables
``cluster.VAR`` (and the ``$cluster…`` references in their values) that exist; cluster routes named
after services, weighing no more than 100 % together; external gateways weighing 0 % or 100 %;
no stickiness or HTTP conditions on TCP ports; each external port once; internal gateways on ports the
breeds have; then the service rules of ``services``. A deployment gets the same rules, less those that
only make sense before deploying (see ``deployment_problems``).
"""

from __future__ import annotations

from collections.abc import Mapping

from vamp import errors
from vamp.core import model
from vamp.core.routing import weights
from vamp.core.validation import breeds, gateways, messages, services
from vamp.core.validation.problems import Path, Problem, issues
from vamp.core.validation.references import references, trait_exists


def blueprint_issues(blueprint: model.Blueprint, *, merging: bool = False) -> list[errors.Issue]:
    """Every rule the blueprint breaks, with paths relative to the blueprint.

    ``merging``: the blueprint is to be merged into a deployment (``POST /deployments``), which may
    already hold the breeds its dependencies need and values for its placeholders.
    """
    return issues(blueprint_problems(blueprint, merging=merging))


def deployment_issues(deployment: model.Deployment) -> list[errors.Issue]:
    """Every rule the deployment breaks, with paths relative to the deployment."""
    return issues(deployment_problems(deployment))


def blueprint_problems(blueprint: model.Blueprint, *, merging: bool = False) -> list[Problem]:
    clusters = blueprint.clusters
    problems = _cluster_name_problems(clusters)
    problems += _external_route_problems(blueprint.gateways, clusters)
    problems += _environment_problems(blueprint.environment_variables, clusters)
    problems += cluster_gateway_problems(clusters)
    problems += external_gateway_problems(blueprint.gateways, route_forms=False)
    if not any(cluster.services for cluster in clusters.values()):
        problems.append(Problem(("clusters",), messages.NO_SERVICE))
    problems += services.service_problems(clusters, blueprint.environment_variables, merging=merging)
    return problems


def deployment_problems(deployment: model.Deployment) -> list[Problem]:
    """The blueprint rules that still hold for a running deployment.

    Its clusters may have been emptied by undeploying, its external gateways route by full paths, and
    the breeds its dependencies need and the values of its placeholders may come from other merges.
    """
    clusters = deployment.clusters
    problems = _cluster_name_problems(clusters)
    problems += cluster_gateway_problems(clusters)
    problems += external_gateway_problems(deployment.gateways, route_forms=True)
    problems += services.service_problems(clusters, deployment.environment_variables, merging=True)
    return problems


def _cluster_name_problems(clusters: services.Clusters) -> list[Problem]:
    problems: list[Problem] = []
    for name in clusters:
        problem = model.name_problem(name)
        if problem is not None:
            problems.append(Problem(("clusters", name), problem))
    return problems


def _breeds(cluster: model.Cluster | model.DeploymentCluster) -> list[model.Breed | model.Ref]:
    return [service.breed for service in cluster.services]


def _traits(cluster: model.Cluster | model.DeploymentCluster) -> tuple[set[str], set[str], set[str]] | None:
    """The port, variable and constant names of a cluster's breeds; ``None`` if a reference hides some."""
    ports: set[str] = set()
    variables: set[str] = set()
    constants: set[str] = set()
    for breed in _breeds(cluster):
        if not isinstance(breed, model.Breed):
            return None
        ports.update(port.name for port in breed.ports)
        variables.update(var.name for var in breed.environment_variables)
        constants.update(constant.name for constant in breed.constants)
    return ports, variables, constants


def _external_route_problems(
    gateways_: Mapping[str, model.Gateway], clusters: services.Clusters
) -> list[Problem]:
    """Routes of blueprint gateways are ``cluster/port``, naming a cluster with a breed with that port."""
    problems: list[Problem] = []
    for key, gateway in gateways_.items():
        for route in gateway.routes:
            cluster, slash, port = route.partition("/")
            found = clusters.get(cluster) if slash and "/" not in port else None
            ports = None if found is None else breeds.port_names(_breeds(found))
            if found is None or (ports is not None and port not in ports):
                problems.append(
                    Problem(("gateways", key, "routes", route), messages.unresolved_gateway_port(key, route))
                )
    return problems


def _environment_problems(
    environment: Mapping[str, str | None], clusters: services.Clusters
) -> list[Problem]:
    """Blueprint variables are ``cluster.NAME`` of a trait of that cluster; references in values resolve."""
    problems: list[Problem] = []
    for key, value in environment.items():
        path: Path = ("environment_variables", key)
        cluster, dot, name = key.partition(".")
        found = clusters.get(cluster) if dot and name else None
        traits = None if found is None else _traits(found)
        if found is None or (traits is not None and not any(name in names for names in traits)):
            problems.append(Problem(path, messages.unresolved_parameter(key, value)))
        for parts in references(value):
            if len(parts) < 2:
                continue
            target = clusters.get(parts[0])
            target_traits = None if target is None else _traits(target)
            if target is None or (target_traits is not None and not trait_exists(parts, *target_traits)):
                problems.append(Problem(path, messages.unresolved_parameter(".".join(parts), value)))
    return problems


def cluster_gateway_problems(clusters: services.Clusters) -> list[Problem]:
    """Internal gateways: on ports of the cluster's breeds, routing to its services, at most 100 % in all."""
    problems: list[Problem] = []
    for name, cluster in clusters.items():
        names = [breed.name for breed in _breeds(cluster)]
        ports = breeds.port_names(_breeds(cluster))
        tcp = {
            port.name
            for breed in _breeds(cluster)
            if isinstance(breed, model.Breed)
            for port in breed.ports
            if port.protocol is model.Protocol.TCP
        }
        for port, gateway in cluster.gateways.items():
            path: Path = ("clusters", name, "gateways", port)
            if ports is not None and port not in ports:
                problems.append(Problem(path, messages.unresolved_internal_port(name, port, sorted(ports))))
            for route in gateway.routes:
                if route not in names:
                    message = messages.unresolved_service_route(name, route, names)
                    problems.append(Problem((*path, "routes", route), message))
            total = gateways.given_total(gateway)
            if total > weights.FULL:
                problems.append(Problem((*path, "routes"), messages.cluster_weight(name, total)))
            if port in tcp:
                problems += gateways.protocol_problems(gateway, path, port)
    return problems


def external_gateway_problems(gateways_: Mapping[str, model.Gateway], *, route_forms: bool) -> list[Problem]:
    """Gateways keyed by port: the gateway rules, and each port number once."""
    problems: list[Problem] = []
    ports: set[int] = set()
    for key, gateway in gateways_.items():
        path: Path = ("gateways", key)
        problems += gateways.gateway_problems(gateway, path, label=key, route_forms=route_forms)
        number = gateway.port.number
        if number is not None and number in ports:
            problems.append(Problem((*path, "port"), messages.duplicate_gateway_port(str(number))))
        if number is not None:
            ports.add(number)
    return problems
