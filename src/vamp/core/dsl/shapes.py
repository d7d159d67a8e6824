"""The kind of a document that does not say it, told from its keys, as the API's endpoint of a kind would
take it (``POST /api/v1/blueprints`` with a blueprint that has no ``kind``).

Vamp's documents are mostly written for the endpoint of their kind and carry no ``kind:``. ``infer``
looks at the top-level keys: each kind has keys that only it has (``deployable``: a breed; ``clusters``: a
blueprint; ``port``, ``routes``: a gateway; ...). One kind decided: that kind, and the key that decided
it. None, or several: no kind, and a message that says which key would decide it, or which keys
disagree. Route keys (``weight``, ``condition_strength``...) win over ``condition``: a route may have a
condition. A deployment (as the API shows it) has ``clusters`` and is read as the blueprint it describes.
"""

from __future__ import annotations

from dataclasses import dataclass

DECIDING: dict[str, tuple[str, ...]] = {
    "breeds": ("deployable",),
    "blueprints": ("clusters",),
    "gateways": ("port", "routes", "virtual_hosts", "selector", "sticky"),
    "scales": ("cpu", "memory", "instances"),
    "slas": ("threshold", "window"),
    "escalations": ("to_one", "to_all", "scale_by", "minimum", "maximum", "target"),
    "routes": ("weight", "condition_strength", "balance", "rewrites"),
    "conditions": ("condition",),
    "rewrites": ("path",),
    "templates": ("definition", "def"),
    "workflows": ("schedule", "breed", "script"),
    "releases": ("from", "strategy", "steps"),
}
"""The keys that decide a kind: a document with one of them (and none of another kind's) is of that kind."""

SLA_TYPES = ("response_time_sliding_window", "escalation_only")
ESCALATION_TYPES = ("scale_instances", "scale_cpu", "scale_memory")


@dataclass(frozen=True, slots=True)
class Shape:
    """What ``infer`` told: ``kind`` (plural) and the key that decided it, or ``None`` and why not."""

    kind: str | None
    reason: str


def infer(data: dict[str, object]) -> Shape:
    """The kind of a document without ``kind``, from its keys."""
    found: dict[str, str] = {}
    for kind, keys in DECIDING.items():
        key = next((key for key in keys if key in data), None)
        if key is not None:
            found[kind] = key
    given_type = data.get("type")
    if given_type in SLA_TYPES:
        found.setdefault("slas", "type")
    if given_type in ESCALATION_TYPES:
        found.setdefault("escalations", "type")
    if "routes" in found and "conditions" in found:
        del found["conditions"]  # a route with a condition
    if len(found) == 1:
        ((kind, key),) = found.items()
        return Shape(kind, f"it has '{key}'")
    if found:
        says = ", ".join(f"'{key}' says {kind}" for kind, key in found.items())
        return Shape(None, f"Cannot tell which kind this document is: {says}; say which with 'kind:'.")
    deciding = "; ".join(f"{', '.join(keys)}: {kind}" for kind, keys in DECIDING.items())
    return Shape(
        None,
        "Cannot tell which kind this document is: none of its keys decides it; say which with 'kind:', "
        f"or give a key that decides it ({deciding}).",
    )
