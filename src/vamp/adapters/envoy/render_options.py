"""How the renderer turns a routing plan into Envoy resources where the plan leaves a choice open.

The defaults follow Vamp's HAProxy gateway agent where Vamp had one (vamp.md §1.9 "Timeouts", §6.1) and
Envoy's own advice where it did not. ``render`` re-exports ``RenderOptions``; this module exists so the
``render_*`` modules can read the options without importing ``render``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RenderOptions:
    """The data-plane choices a routing plan does not make.

    Attributes:
        listen_host: the address every gateway port is bound to.
        connect_timeout_s: how long to wait for a connection to a target (HAProxy's ``timeout connect 5s``).
        route_timeout_s: how long a request may take upstream before the client gets a 504 (HAProxy's
            ``timeout server 50s``; Envoy's default of 15 s would cut off Vamp users' slow requests).
        retries: how often a request is tried again on another instance when connecting failed, the
            stream was refused or the connection was reset (HAProxy's ``retries`` + ``redispatch``); 0
            for none. Only idempotent methods (GET, HEAD, OPTIONS, PUT, DELETE, TRACE) are retried: a
            reset can come after the target acted on the request, and Envoy applies one retry policy to
            all methods of a route, so a POST is answered with the failure rather than sent twice.
        health_check_interval_s: how often every instance of a route is checked (HTTP ``GET /``, TCP
            connect); ``None`` for no active health checks (e.g. for very many clusters).
        stats_prefix: put in front of the ``stat_prefix`` of each listener (``http.<prefix><listener>.``).
        route_header: add an ``x-vamp-route`` response header naming the route that answered
            (``<gateway>//<route>``; once per gateway when gateways chain).
    """

    listen_host: str = "127.0.0.1"
    connect_timeout_s: float = 5.0
    route_timeout_s: float = 50.0
    retries: int = 2
    health_check_interval_s: float | None = 1.0
    stats_prefix: str = ""
    route_header: bool = True


def duration(seconds: float) -> str:
    """An Envoy ``Duration`` in its JSON form: ``5s``, ``0.25s``."""
    return f"{seconds:.9f}".rstrip("0").rstrip(".") + "s"
