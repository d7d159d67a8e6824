"""Finding the ``$`` references in a value (vamp.md §1.8), so rules can check what they name.

``$backend.host``, ``${backend.ports.port}``, ``$VAR``; ``$$`` is a literal ``$`` and global references
such as ``${config://vamp.key}`` name no artifact. Resolving the values is the deployment engine's
job; this module only finds the names.
"""

from __future__ import annotations

import re

_REFERENCE = re.compile(r"\$\$|\$\{([^}]*)\}|\$([\w-]+(?:\.[\w-]+)*)")


def references(value: str | None) -> list[tuple[str, ...]]:
    """The references in ``value`` split into parts: ``"$a.host:$a.ports.p"`` → ``[("a", "host"), …]``."""
    if not value or "$" not in value:
        return []
    found: list[tuple[str, ...]] = []
    for match in _REFERENCE.finditer(value):
        text = match.group(1) if match.group(1) is not None else match.group(2)
        if text and "://" not in text:
            found.append(tuple(text.strip().split(".")))
    return found


def trait_exists(parts: tuple[str, ...], ports: set[str], variables: set[str], constants: set[str]) -> bool:
    """Whether ``group.host``, ``group.ports.p``, ``group.environment_variables.V`` or ``group.constants.C``
    names something that exists, given the names a breed (or cluster) has."""
    if parts[1:] == ("host",):
        return True
    if len(parts) != 3:
        return False
    kind, name = parts[1], parts[2]
    return (
        (kind == "ports" and name in ports)
        or (kind == "environment_variables" and name in variables)
        or (kind == "constants" and name in constants)
    )
