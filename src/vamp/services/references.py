"""References in stored artifacts shown expanded or collapsed (``?expand_references``, ``?only_references``).

Expanding replaces every reference with the artifact it names, recursively, through the core's
blueprint resolver: a breed, gateway or route is resolved as the one part of a blueprint it would be.
Kinds without references of that sort come back as they are. Collapsing replaces a blueprint's inline
breeds with references to them by name, as the blueprint is stored. Pure: the caller passes ``lookup``.
"""

from __future__ import annotations

from vamp.core import deployments, model

_PLACE = "expanded"
"""The cluster, gateway and route key an artifact is resolved under; it never shows."""


def expanded(artifact: model.Artifact, lookup: deployments.Lookup) -> model.Artifact:
    """``artifact`` with every reference of a blueprint, breed, gateway or route replaced by what it names.

    Raises:
        errors.DslError: a reference names nothing that is stored ("Artifact cannot be found: …").
    """
    match artifact:
        case model.Blueprint():
            return deployments.resolve_blueprint(artifact, lookup)
        case model.Breed():
            service = model.Service(breed=artifact)
            blueprint = model.Blueprint(name=_PLACE, clusters={_PLACE: model.Cluster(services=(service,))})
            breed = deployments.resolve_blueprint(blueprint, lookup).clusters[_PLACE].services[0].breed
            return breed if isinstance(breed, model.Breed) else artifact
        case model.Gateway():
            return _gateway(artifact, lookup)
        case model.Route():
            route = _gateway(model.Gateway(routes={_PLACE: artifact}), lookup).routes[_PLACE]
            return route if isinstance(route, model.Route) else artifact
        case _:
            return artifact


def _gateway(gateway: model.Gateway, lookup: deployments.Lookup) -> model.Gateway:
    blueprint = model.Blueprint(name=_PLACE, gateways={_PLACE: gateway})
    return deployments.resolve_blueprint(blueprint, lookup).gateways[_PLACE]


def only_references(artifact: model.Artifact) -> model.Artifact:
    """A blueprint with its inline breeds as references by name; any other artifact as it is."""
    if isinstance(artifact, model.Blueprint):
        return deployments.with_breed_references(artifact)
    return artifact
