"""How the HAProxy renderer turns a routing plan into configuration where the plan leaves a choice open.

The defaults are those of Vamp's own HAProxy gateway agent (vamp.md §1.9 "Timeouts", §6.1), the same the
Envoy renderer follows. ``render`` re-exports ``RenderOptions``; this module exists so the ``render_*``
modules can read the options without importing ``render``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RenderOptions:
    """The data-plane choices a routing plan does not make.

    Attributes:
        listen_host: the address every gateway port is bound to.
        stats_socket: the path of HAProxy's runtime API socket (``stats socket``, admin level), through
            which the agent reads statistics and changes weights; ``None`` for no socket.
        connect_timeout_s: how long to wait for a connection to a target (``timeout connect``).
        client_timeout_s: how long a client may stay silent (``timeout client``).
        server_timeout_s: how long a target may take to answer (``timeout server``).
        retries: how often connecting to a target is tried again, on another instance (``retries`` with
            ``option redispatch``); 0 for none.
        maps_folder: the absolute folder of the weight maps (``Rendering.maps``, one file per frontend),
            which the runtime API can change without a reload; ``None`` writes the weights into the text
            as constants. It must not contain spaces, commas or parentheses (it is a sample argument).
        latency_map: the path of the latency bucket map (``render_latency``), which makes every backend
            count its response times into latency buckets; ``None`` counts none. A map in
            ``maps_folder`` is one of ``Rendering.maps`` (written, checked and kept with them); the
            caller writes one elsewhere (``render_latency.bucket_map``). It must hold only letters, digits
            and ``_./-`` (it is a sample argument).
        close_spread_s: after a reload, the old worker closes its client connections over this many
            seconds (``close-spread-time``), each after a response (``Connection: close``) where it can,
            rather than all idle ones at once, which races with requests clients send on them; ``None``
            for HAProxy's default (all at once).
    """

    listen_host: str = "127.0.0.1"
    stats_socket: str | None = None
    connect_timeout_s: float = 5.0
    client_timeout_s: float = 50.0
    server_timeout_s: float = 50.0
    retries: int = 2
    maps_folder: str | None = None
    latency_map: str | None = None
    close_spread_s: float | None = None


def duration(seconds: float) -> str:
    """An HAProxy time in milliseconds: ``5000ms``, ``250ms`` (never below 1 ms)."""
    return f"{max(1, round(seconds * 1000))}ms"
