"""Envoy names and cookie names for the parts of a routing plan: readable, unique, stable and valid.

Plan names contain characters Envoy names may not (``sava/9050``, ``sava/9050//[10.0.0.1:80]``): Envoy
names become file names and the middle of stat names, so they must pass ``layout.check_name``. Each name
here keeps a readable slug of the plan name and ends in a short hash of the whole plan name, so two plan
names never share an Envoy name and a plan name always gets the same one (stats and files survive a new
plan). The suffixed names of the hops (``-internal``, ``-rewrite``) cannot clash with these, which always
end in the hash.

Pure: strings in, strings out. What the names are used for is the other ``render_*`` modules' business.
"""

from __future__ import annotations

import hashlib
import re

_NOT_SLUG = re.compile(r"[^A-Za-z0-9_-]+")
_SLUG_LENGTH = 60
_HASH_LENGTH = 10


def envoy_name(plan_name: str) -> str:
    """The Envoy name of a listener, cluster or virtual host named ``plan_name`` in the plan.

    >>> envoy_name("sava/9050")
    'sava_9050-577f0a469e'
    """
    slug = _NOT_SLUG.sub("_", plan_name).strip("_-")[:_SLUG_LENGTH]
    digest = route_id(plan_name)
    return f"{slug}-{digest}" if slug else digest


def route_id(plan_name: str) -> str:
    """A short, stable id of a plan name: the value of a sticky-route cookie that remembers a route."""
    return hashlib.sha256(plan_name.encode()).hexdigest()[:_HASH_LENGTH]


def internal_listener(gateway: str) -> str:
    """The internal listener through which other gateways reach ``gateway`` without a network hop."""
    return f"{envoy_name(gateway)}-internal"


def rewrite_hop(cluster: str) -> str:
    """The internal listener, route configuration and cluster that rewrite paths on the way to ``cluster``."""
    return f"{envoy_name(cluster)}-rewrite"


def route_cookie(gateway: str) -> str:
    """The cookie that keeps a client of ``gateway`` on its route (``sticky: route``)."""
    return f"vamp_{envoy_name(gateway)}"


def instance_cookie(owner: str) -> str:
    """The stateful-session cookie that keeps a client on one instance (``sticky: instance``).

    ``owner`` is the gateway, or the target cluster for the rewrite hop in front of it: every connection
    manager that picks instances has a cookie of its own, so one never overwrites the other's.
    """
    return f"vamp_{envoy_name(owner)}_instance"
