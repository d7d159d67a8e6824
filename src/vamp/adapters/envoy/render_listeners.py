"""Plan listeners → Envoy listeners: HTTP connection managers taking routes over RDS, TCP proxies, TLS.

* An HTTP listener binds ``RenderOptions.listen_host`` at its port and takes its route configuration
  (named like the listener) from that configuration's own file, so a weight change rewrites one route
  file and drains no listener. Its connection manager uses the client's address as the remote address
  (``use_remote_address``: the gateway is the edge) and appends that address to ``x-forwarded-for`` itself,
  with a header mutation filter: Envoy's own append writes the machine's first non-loopback address
  instead of the client's for a client on loopback (a ``192.0.2.2`` where ``127.0.0.1`` called). It
  normalises the path before any condition looks at it. With a sticky-instance virtual host it also runs the
  stateful-session filter, which each such virtual host turns on with its own cookie.
* An internal listener (no address) serves the same routes to other gateways that chain to this one, and
  the rewrite hops; it trusts the ``x-forwarded-for`` of the gateway in front of it.
* A TCP listener proxies to its targets by weight (``tcp_proxy``; Envoy wants weights of at least 1, so
  targets with weight 0 are left out) and closes every connection when no target has weight. Its weights
  live in the listener, so changing them drains the listener's connections: TCP proxies have no RDS.
* ``Listener.tls`` terminates TLS with the certificate chain and key files it names.

Pure: builds JSON-able dictionaries only.
"""

from __future__ import annotations

from typing import Any

from vamp import errors
from vamp.adapters.envoy import bootstrap, layout, render_routes
from vamp.adapters.envoy.render_routes import Targets
from vamp.core.routing import plan

JsonObject = dict[str, Any]

_EXTENSIONS = "type.googleapis.com/envoy.extensions"


def listener(
    name: str,
    filters: list[JsonObject],
    *,
    host: str = "",
    port: int | None = None,
    tls: plan.Tls | None = None,
) -> JsonObject:
    """A listener at ``host:port`` running ``filters``; an internal listener when ``port`` is ``None``."""
    chain: JsonObject = {"filters": filters}
    if tls is not None:
        chain["transport_socket"] = _tls(tls)
    place: JsonObject = (
        {"internal_listener": {}} if port is None else {"address": bootstrap.socket_address(port, host)}
    )
    return {"name": name, **place, "filter_chains": [chain]}


def http_connection_manager(
    files: layout.Layout, stat_prefix: str, route_config: str, *, edge: bool, sessions: bool
) -> JsonObject:
    """The HTTP connection manager network filter taking ``route_config`` over RDS."""
    manager = {
        "@type": f"{_EXTENSIONS}.filters.network.http_connection_manager.v3.HttpConnectionManager",
        "stat_prefix": stat_prefix,
        "rds": bootstrap.rds(files, route_config),
        "http_filters": [
            *([_client_address()] if edge else []),
            *([_sessions()] if sessions else []),
            _router(),
        ],
        "use_remote_address": edge,
        "skip_xff_append": edge,
        "normalize_path": True,
    }
    return {"name": "envoy.filters.network.http_connection_manager", "typed_config": manager}


def tcp_proxy(host: plan.VirtualHost, targets: Targets, stat_prefix: str) -> JsonObject:
    """The network filter of a TCP gateway: its one route's targets by weight.

    Raises:
        errors.RoutingError: the gateway asks for what only HTTP can do (conditions, strengths, sticky).
    """
    where = f"TCP gateway '{host.gateway}'"
    if host.sticky is not None or len(host.routes) != 1 or host.routes[0].match is not None:
        raise errors.RoutingError(
            [f"{where}: conditions, condition strengths and sticky sessions need an HTTP port"]
        )
    route = host.routes[0]
    chosen = [(targets.get(w.cluster, where), w.weight) for w in route.clusters if w.weight > 0]
    if not chosen:
        return {
            "name": "envoy.filters.network.direct_response",
            "typed_config": {"@type": f"{_EXTENSIONS}.filters.network.direct_response.v3.Config"},
        }
    proxy: JsonObject = {
        "@type": f"{_EXTENSIONS}.filters.network.tcp_proxy.v3.TcpProxy",
        "stat_prefix": stat_prefix,
    }
    if len(chosen) == 1:
        proxy["cluster"] = targets.envoy_cluster(chosen[0][0])
    else:
        clusters = [{"name": targets.envoy_cluster(target), "weight": weight} for target, weight in chosen]
        proxy["weighted_clusters"] = {"clusters": clusters}
    if any(target.balance is plan.Balance.RING_HASH and target.hash_on == "source" for target, _ in chosen):
        proxy["hash_policy"] = [{"source_ip": {}}]
    return {"name": "envoy.filters.network.tcp_proxy", "typed_config": proxy}


def _client_address() -> JsonObject:
    """Appends the client's own address to ``x-forwarded-for`` (in place of Envoy's append, see above)."""
    append = {
        "header": {"key": "x-forwarded-for", "value": "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%"},
        "append_action": "APPEND_IF_EXISTS_OR_ADD",
    }
    return {
        "name": "envoy.filters.http.header_mutation",
        "typed_config": {
            "@type": f"{_EXTENSIONS}.filters.http.header_mutation.v3.HeaderMutation",
            "mutations": {"request_mutations": [{"append": append}]},
        },
    }


def _sessions() -> JsonObject:
    """The stateful-session filter, off until a virtual host turns it on with its cookie
    (``render_routes.session_per_route``)."""
    return {
        "name": render_routes.SESSION_FILTER,
        "typed_config": {"@type": f"{_EXTENSIONS}.filters.http.stateful_session.v3.StatefulSession"},
    }


def _router() -> JsonObject:
    return {
        "name": "envoy.filters.http.router",
        "typed_config": {"@type": f"{_EXTENSIONS}.filters.http.router.v3.Router"},
    }


def _tls(tls: plan.Tls) -> JsonObject:
    certificate = {
        "certificate_chain": {"filename": tls.certificate},
        "private_key": {"filename": tls.private_key},
    }
    return {
        "name": "envoy.transport_sockets.tls",
        "typed_config": {
            "@type": f"{_EXTENSIONS}.transport_sockets.tls.v3.DownstreamTlsContext",
            "common_tls_context": {"tls_certificates": [certificate]},
        },
    }
