"""What a target cluster's backend does besides listing its servers: its mode and balance algorithm, its
path rewrites, the Host of an external target, and the cookies of sticky virtual hosts.

* **mode**: a TCP route's backend is ``mode tcp``; a hashing balance there can only hash the client's
  address (``balance source``), as on Envoy, whose TCP proxy hashes nothing else.
* **path rewrites** (``rewrites``): as on Envoy, the first rewrite whose condition holds applies, and its
  new path has ``%[path]`` for the original path (HAProxy's own log-format fetch, which is where Vamp's
  syntax comes from; any other ``%`` is doubled to stay literal), and the query string is kept
  (``set-path``). Every condition is tested on the original request, before any rewrite: one
  ``set-var(txn.vamp_rewrite)`` per conjunction records the first that holds, then one ``set-path`` per
  rewrite applies it. They run in the backend, so only this route's requests are rewritten, after the
  weighted choice, as Envoy's rewrite hop does.
* **external targets by host name** get their own name as ``Host`` (Envoy's ``host_rewrite_literal``),
  as a browser would send it.
* **x-vamp-route** (``RenderOptions.route_header``, on by default as on Envoy): an HTTP backend adds a
  response header naming its target (``<gateway>//<route>``); a chained request's response gets one line
  per gateway, innermost first, which a client reads as ``back//<route>, front//back``, as on Envoy.
* **health checks** (``RenderOptions.health_check_interval_s``, 10 s by default): every server of a
  backend is checked by connecting to it (``default-server check``; down after 2 failures, up after 1
  success, Envoy's thresholds), so a refusing instance gets no more requests and a route whose every
  instance refuses answers 503 at once instead of after its retries. A request that cannot connect
  (``observe layer4``) switches its server to a check every 500 ms (``on-error fastinter``), so a
  refusing instance is found within about a second of its first failed request while idle instances
  cost one connect per 10 s (a check a second cost an idle HAProxy 5.5 % of a core per 1,000
  servers, measured; Envoy, too, checks an idle cluster rarely: every 60 s). Only a connect: Envoy also asks
  ``GET /`` but sends to every instance when most fail (its panic threshold), where HAProxy would send to
  none, so a service without a page at ``/`` would lose its route. A chained gateway's socket is not
  checked (it is this HAProxy's own frontend). The server lines stay bare, so instances still change
  through the runtime API (``delivery``).
* **sticky: route**: a backend of a sticky virtual host's weighted route sets the gateway's route cookie
  (Envoy's name and value: ``envoy.render_names.route_cookie`` = ``route_id`` of the cluster) on the
  response, when the frontend chose it by weight (``txn.vamp_sticky``): a client that came back with the
  cookie got no new one.
* **sticky: instance**: HAProxy's own cookie persistence (``cookie … insert indirect``) with the
  gateway's instance cookie name; each server's value is a hash of its address, so an instance has one
  value in every backend.

Pure: text in, lines out.
"""

from __future__ import annotations

import ipaddress
from typing import Protocol

from vamp.adapters.envoy import render_names as envoy_names
from vamp.adapters.haproxy import render_acls
from vamp.adapters.haproxy.render_options import duration
from vamp.core import condition, model
from vamp.core.routing import plan

STICKY = "txn.vamp_sticky"
"""Set when a frontend chose a sticky virtual host's route by weight: the backend then sets the cookie."""

ROUTE_HEADER = "x-vamp-route"
"""The response header naming the route (``<gateway>//<route>``) that answered."""

_REWRITE = "txn.vamp_rewrite"
_BALANCES = {
    plan.Balance.ROUND_ROBIN: "roundrobin",
    plan.Balance.LEAST_REQUEST: "leastconn",
    plan.Balance.RANDOM: "random",
}


def mode_and_balance(target: plan.TargetCluster) -> list[str]:
    """The ``mode`` (for TCP) and ``balance`` lines of ``target``'s backend."""
    mode = ["mode tcp"] if target.protocol is model.Protocol.TCP else []
    if target.balance is not plan.Balance.RING_HASH:
        return [*mode, f"balance {_BALANCES[target.balance]}"]
    hashed = target.hash_on or "source"
    if mode or hashed == "source":
        algorithm = "source"
    elif hashed == "path":
        algorithm = "uri"
    elif hashed.startswith("header:"):
        algorithm = f"hdr({hashed.removeprefix('header:')})"
    else:
        algorithm = "source"
    return [*mode, f"balance {algorithm}", "hash-type consistent"]


class Acls(Protocol):
    """The named ACLs of one proxy (``render_rules.Acls``): the ``acl`` lines so far, and the term testing a
    matcher, which adds its ACL to the lines when new."""

    lines: list[str]

    def name(self, matcher: condition.Matcher) -> str: ...


def rewrites(target: plan.TargetCluster, acls: Acls) -> list[str]:
    """The lines that rewrite the paths of ``target``'s requests (none without rewrites), with the ACLs
    of their conditions named in ``acls`` (empty: a backend has ACLs of its own)."""
    chosen: list[str] = []
    applied: list[str] = []
    for number, rewrite in enumerate(target.rewrites, start=1):
        if rewrite.match.never:
            continue
        for conjunction in rewrite.match.disjuncts:
            tests = " ".join(acls.name(matcher) for matcher in conjunction.matchers)
            condition_text = f"!{{ var({_REWRITE}) -m found }} {tests}".rstrip()
            chosen.append(f"http-request set-var({_REWRITE}) int({number}) if {condition_text}")
        path = new_path(rewrite.replacement)
        applied.append(f"http-request set-path {path} if {{ var({_REWRITE}) -m int eq {number} }}")
    return [*acls.lines, *chosen, *applied]


def new_path(replacement: str) -> str:
    """A rewrite's new path as an HAProxy log-format word: ``%[path]`` stays a fetch, other ``%`` are
    literal.

    >>> new_path("/api%[path]")
    '/api%[path]'
    >>> new_path("/100%")
    '/100%%'
    """
    parts = (part.replace("%", "%%") for part in replacement.split(condition.ORIGINAL_PATH))
    return render_acls.quoted(condition.ORIGINAL_PATH.join(parts))


def host_header(target: plan.TargetCluster) -> list[str]:
    """An external target by host name gets that name as ``Host``."""
    if not target.external or not target.endpoints or target.protocol is model.Protocol.TCP:
        return []
    host = target.endpoints[0].host
    if _is_address(host):
        return []
    return [f"http-request set-header host {render_acls.quoted(host)}"]


_FAST_CHECK_S = 0.5
"""How often a server is checked once a request failed to connect to it, until it is up or down again."""


def health_checks(interval_s: float | None) -> list[str]:
    """The ``default-server`` line that checks every server of a backend every ``interval_s`` (none for
    ``None``)."""
    if interval_s is None:
        return []
    return [
        f"default-server check inter {duration(interval_s)} fastinter {duration(_FAST_CHECK_S)} fall 2 "
        "rise 1 observe layer4 error-limit 1 on-error fastinter"
    ]


def route_header(target: plan.TargetCluster) -> list[str]:
    """The ``x-vamp-route`` response header naming ``target`` (none on a TCP route)."""
    if target.protocol is model.Protocol.TCP:
        return []
    name = render_acls.quoted(target.name.replace("%", "%%"))
    return [f"http-response add-header {ROUTE_HEADER} {name}"]


def route_cookie(target: plan.TargetCluster, gateway: str) -> list[str]:
    """The ``set-cookie`` of ``gateway``'s route cookie for this target, when chosen by weight."""
    cookie = f"{envoy_names.route_cookie(gateway)}={envoy_names.route_id(target.name)}; Path=/; HttpOnly"
    return [
        f"http-response add-header set-cookie {render_acls.quoted(cookie)} if {{ var({STICKY}) -m bool }}"
    ]


def instance_cookie(gateway: str) -> list[str]:
    """The cookie persistence of a backend of a ``sticky: instance`` gateway."""
    return [f"cookie {envoy_names.instance_cookie(gateway)} insert indirect nocache httponly"]


def server_cookie(endpoint: plan.Endpoint) -> str:
    """The ``cookie`` value of a server: the same for the same address in every backend."""
    return envoy_names.route_id(f"{endpoint.host}:{endpoint.port}")


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
