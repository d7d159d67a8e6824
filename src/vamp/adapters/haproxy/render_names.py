"""HAProxy names for the parts of a routing plan: readable, unique, stable and valid.

Plan names contain characters HAProxy proxy and server names may not (``sava/9050``,
``db//[10.0.2.1:5432]``; HAProxy allows letters, digits, ``-``, ``_``, ``.`` and ``:``). Each name here
keeps a readable slug of the plan name and ends in a short hash of the whole plan name, so two plan names
never share an HAProxy name and a plan name always gets the same one (statistics survive a new plan).

Pure: strings in, strings out.
"""

from __future__ import annotations

import hashlib
import re

_NOT_SLUG = re.compile(r"[^A-Za-z0-9_.-]+")
_SLUG_LENGTH = 60
_HASH_LENGTH = 10

UNROUTED = "vamp-unrouted"
"""The backend without servers that answers 503 to requests no route takes (its name has no hash, so no
plan name can give it)."""

UNROUTED_TCP = "vamp-unrouted-tcp"
"""The backend without servers that a TCP gateway without weight sends its connections to (closed)."""


def haproxy_name(plan_name: str) -> str:
    """The HAProxy name of a frontend, backend or server named ``plan_name`` in the plan.

    >>> haproxy_name("sava/9050")
    'sava_9050-577f0a469e'
    """
    slug = _NOT_SLUG.sub("_", plan_name).strip("_-.")[:_SLUG_LENGTH]
    digest = hashlib.sha256(plan_name.encode()).hexdigest()[:_HASH_LENGTH]
    return f"{slug}-{digest}" if slug else digest


def chain_socket(instance: str, gateway: str) -> str:
    """The abstract UNIX socket through which other gateways reach ``gateway`` inside the HAProxy named
    ``instance`` (``RenderOptions.instance_name``): abstract names are shared by the whole host, so the
    name carries a hash of the instance's.

    >>> chain_socket("/var/lib/vamp/haproxy", "sava/9050")
    'abns@vamp-161f052761-sava_9050-577f0a469e'
    """
    digest = hashlib.sha256(instance.encode()).hexdigest()[:_HASH_LENGTH]
    return f"abns@vamp-{digest}-{haproxy_name(gateway)}"
