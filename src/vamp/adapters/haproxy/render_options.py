"""How the HAProxy renderer turns a routing plan into configuration where the plan leaves a choice open.

The defaults are those of Vamp's own HAProxy gateway agent (vamp.md §1.9 "Timeouts", §6.1), the same the
Envoy renderer follows. ``render`` re-exports ``RenderOptions``; this module exists so the ``render_*``
modules can read the options without importing ``render``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class RenderOptions:
    """The data-plane choices a routing plan does not make.

    Attributes:
        listen_host: the address every gateway port is bound to.
        stats_socket: the path of HAProxy's runtime API socket (``stats socket``, admin level), through
            which the agent reads statistics and changes weights; ``None`` for no socket.
        files_directory: the folder where the data plane writes ``Rendering.files`` (the PEM files of TLS
            listeners) next to the configuration; the configuration names them there. Needed only by a
            plan that terminates TLS.
        instance_name: a name of this HAProxy that no other HAProxy on its host has (its folder will do):
            a gateway chained to another reaches it over an abstract UNIX socket named after both (no
            network hop; abstract names are shared by every process of the host, hence the name);
            ``None`` chains through the other gateway's local port, as a client would.
        connect_timeout_s: how long to wait for a connection to a target (``timeout connect``).
        client_timeout_s: how long a client may stay silent (``timeout client``).
        server_timeout_s: how long a target may take to answer (``timeout server``).
        retries: how often connecting to a target is tried again, each time on another instance where
            there is one (``retries`` with ``option redispatch 1``); 0 for none.
        maps_folder: the absolute folder of the weight maps (``Rendering.maps``, one file per frontend),
            which the runtime API can change without a reload; ``None`` writes the weights into the text
            as constants. It must not contain spaces, commas or parentheses (it is a sample argument).
        drain_on_reload: after a reload, the old worker closes no idle client connection itself
            (``close-spread-time infinite``): it answers the next request on each with ``Connection:
            close`` (``http-after-response`` ``if { stopping }``), so the client reconnects, to the new
            worker, at a moment of its choosing. HAProxy's default closes idle connections at once, which
            fails the requests clients send on them at that moment (2 in 4,000 over 10 reloads, measured;
            still 1 in 800 with ``close-spread-time 1s``; none with this in 8 runs).
        latency_map: the path of the latency bucket map (``render_latency``), which makes every backend
            count its response times into latency buckets; ``None`` counts none. A map in
            ``maps_folder`` is one of ``Rendering.maps`` (written, checked and kept with them); the
            caller writes one elsewhere (``render_latency.bucket_map``). It must hold only letters, digits
            and ``_./-`` (it is a sample argument).
        health_check_interval_s: how often every instance of a route is checked, by connecting to it,
            while requests reach it (``render_backends.health_checks``: every 500 ms once one could
            not); ``None`` for no health checks.
        route_header: add an ``x-vamp-route`` response header naming the route that answered
            (``<gateway>//<route>``; once per gateway when gateways chain), as Envoy's ``route_header``.
        tls_files: the contents of the certificate and key files the plan's TLS listeners name, by path,
            read by the caller (``certificates.read``; the renderer reads no file), as ``render``'s
            ``tls_files`` (which adds to these): how a data plane that is handed a renderer passes them.
    """

    listen_host: str = "127.0.0.1"
    stats_socket: str | None = None
    files_directory: str | None = None
    instance_name: str | None = None
    connect_timeout_s: float = 5.0
    client_timeout_s: float = 50.0
    server_timeout_s: float = 50.0
    retries: int = 2
    maps_folder: str | None = None
    drain_on_reload: bool = False
    latency_map: str | None = None
    health_check_interval_s: float | None = 10.0
    route_header: bool = True
    tls_files: Mapping[str, bytes] = field(default_factory=dict, repr=False)


def duration(seconds: float) -> str:
    """An HAProxy time in milliseconds: ``5000ms``, ``250ms`` (never below 1 ms)."""
    return f"{max(1, round(seconds * 1000))}ms"
