"""The full path of a gateway's route, as the metrics name it, from what a release calls it.

A release names its baseline and candidate (``from``, ``to``) by route path, by service (``sava:1.0.0``)
or by selector route (``(1.0.3)``); the metrics, and so ``MetricsReader.served``, know a route only by its
full path in its gateway. ``route_path`` reads the gateway as the API shows it (a deployment's gateways
are views of the deployment, free-standing ones are stored, with the routes a selector found) and
matches by ``vamp.core.routing.route_references``. Through ports only.
"""

from __future__ import annotations

from vamp.core.routing import route_references
from vamp.services import gateway_artifacts


async def route_path(
    gateways: gateway_artifacts.GatewayService, namespace: str, gateway: str, given: str
) -> str:
    """The full path of the route of ``gateway`` in ``namespace`` that ``given`` names.

    Raises:
        errors.NotFoundError: there is no such gateway; or no route of it, or several, match ``given``
            (the message lists the gateway's routes).
    """
    found = await gateways.get(namespace, gateway)
    return route_references.route_path(gateway, found.routes, given)
