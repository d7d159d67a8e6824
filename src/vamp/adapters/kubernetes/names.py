"""Kubernetes names, label keys and label values for Vamp's objects: pure, deterministic, always valid.

Vamp names are free text (``sava:1.0.0``, ``sava/sava/webport``); Kubernetes wants DNS labels for object
and port names and a small alphabet for labels. This module owns those translations (vamp.md §5). A name
that cannot be kept as it is becomes a hash, so two Vamp names never share a Kubernetes name; the exact
Vamp names travel in annotations (``manifests``) so they can be read back. No I/O here.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

_DNS_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
_ID_LIMIT = 32
"""Names shorter than this are kept as they are in object names (vamp.md §5)."""
_ID_HASH = 20
_SERVICE_NAME = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_SERVICE_LIMIT = 25
_LABEL_LIMIT = 63
_LABEL_FORBIDDEN = re.compile(r"[^A-Za-z0-9_.-]")
_LABEL_EDGES = "_.-"
_PORT_LIMIT = 15
_PORT_FORBIDDEN = re.compile(r"[^a-z0-9-]+")


def sha1(text: str) -> str:
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def resource_id(name: str) -> str:
    """``name`` itself when it is a DNS label shorter than 32 characters, else 20 hex digits of its SHA-1."""
    if len(name) < _ID_LIMIT and _DNS_LABEL.match(name):
        return name
    return sha1(name)[:_ID_HASH]


def deployment_name(deployment: str, breed: str) -> str:
    """The Deployment of a service: ``<id(deployment)>-<id(breed)>``, a DNS label of at most 63 characters."""
    return f"{resource_id(deployment)}-{resource_id(breed)}"


def gateway_service_name(gateway: str) -> str:
    """The Service of a gateway: its name when short and a DNS label, else ``hex<20 hex digits of SHA-1>``."""
    if len(gateway) < _SERVICE_LIMIT and _SERVICE_NAME.match(gateway):
        return gateway
    return f"hex{sha1(gateway)[:_ID_HASH]}"


def label_value(value: str) -> str:
    """``value`` as a label value: other characters become ``_``, edges must be alphanumeric, at most 63.

    A value too long keeps its first 52 characters and a hash of the whole, so it stays distinct.
    """
    cleaned = _LABEL_FORBIDDEN.sub("_", value).strip(_LABEL_EDGES)
    if len(cleaned) <= _LABEL_LIMIT:
        return cleaned
    return f"{cleaned[:52].rstrip(_LABEL_EDGES)}.{sha1(value)[:10]}"


def label_key(key: str) -> str | None:
    """``key`` as a label key (``[prefix/]name``), or ``None`` when nothing valid is left of it."""
    prefix, _, name = key.rpartition("/")
    name = label_value(name)
    if not name:
        return None
    prefix = re.sub(r"[^a-z0-9.-]+", "-", prefix.lower()).strip(".-")
    return f"{prefix}/{name}" if prefix else name


def labels(values: dict[str, str]) -> dict[str, str]:
    """Every label whose key survives ``label_key``, with its value through ``label_value``."""
    result: dict[str, str] = {}
    for key, value in values.items():
        valid = label_key(key)
        if valid is not None:
            result[valid] = label_value(value)
    return result


def port_names(names: Iterable[str]) -> dict[str, str]:
    """A container port name for each breed port name, unique, at most 15 characters, a lowercase DNS label.

    ``webport`` stays ``webport``; ``Web_Port`` becomes ``web-port``; a name too long, without a letter
    or taken already becomes ``p`` and 14 hex digits of its SHA-1.
    """
    result: dict[str, str] = {}
    for name in names:
        candidate = _PORT_FORBIDDEN.sub("-", name.lower()).strip("-")
        usable = 0 < len(candidate) <= _PORT_LIMIT and re.search("[a-z]", candidate) and "--" not in candidate
        if not usable or candidate in result.values():
            candidate = f"p{sha1(name)[: _PORT_LIMIT - 1]}"
        result[name] = candidate
    return result
