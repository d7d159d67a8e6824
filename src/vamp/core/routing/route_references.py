"""Which route of a gateway a user means when naming it as a release's ``from`` or ``to`` (pure).

The metrics name a route by its full path in its gateway, the key it has in the gateway's ``routes`` as
the API shows them: ``sava/sava/sava:1.0.0/webport`` in an internal gateway, ``sava/sava/webport`` or
``[127.0.0.1:8080]`` in a free-standing one, ``(1.0.3)`` for a route a selector found (its group's label
values, ``vamp.core.selector.selection.route_name``). A user may give any of:

1. the full path itself;
2. in an internal gateway (``deployment/cluster/port``), the service: ``sava:1.0.0`` is
   ``deployment/cluster/sava:1.0.0/port``;
3. a selector route's group without its parentheses: ``1.0.3`` is ``(1.0.3)``;
4. one segment of exactly one route's path: ``sava:1.1.0`` in a free-standing gateway whose route is
   ``sava/sava/sava:1.1.0/webport``.

The first rule that finds a route decides. Nothing found, or several routes by segment, is an
``errors.NotFoundError`` that lists the gateway's routes.
"""

from __future__ import annotations

from collections.abc import Iterable

from vamp import errors

_INTERNAL_SEGMENTS = 3
"""An internal gateway is named ``deployment/cluster/port``."""


def route_path(gateway: str, routes: Iterable[str], given: str) -> str:
    """The full path of the route of ``gateway`` (whose routes are ``routes``, by full path) that ``given``
    names.

    Raises:
        errors.NotFoundError: no route, or several, match ``given``; the message lists the routes.
    """
    paths = tuple(routes)
    if given in paths:
        return given
    segments = gateway.split("/")
    if len(segments) == _INTERNAL_SEGMENTS and "/" not in given:
        deployment, cluster, port = segments
        service = f"{deployment}/{cluster}/{given}/{port}"
        if service in paths:
            return service
    if f"({given})" in paths:
        return f"({given})"
    by_segment = [path for path in paths if given in path.split("/")]
    if len(by_segment) == 1:
        return by_segment[0]
    listed = ", ".join(f"'{path}'" for path in paths) or "none"
    if by_segment:
        raise errors.NotFoundError(
            f"Gateway '{gateway}' has several routes named '{given}' in their paths "
            f"({', '.join(repr(path) for path in by_segment)}); give one by its full path."
        )
    raise errors.NotFoundError(
        f"Gateway '{gateway}' has no route '{given}'. Its routes are: {listed}; name one by its full path, "
        "by its service (sava:1.0.0) in a deployment's gateway, or by its selector group ((1.0.3))."
    )
