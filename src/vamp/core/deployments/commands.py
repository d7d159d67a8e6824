"""Command deployables: which services of a blueprint would run a shell command on the server's machine.

A ``{type: command}`` deployable runs its definition as a shell command, as the server's user, on the
machine the local driver runs on. ``vamp up`` (one machine, one user) allows that; ``vamp server`` only
with ``--allow-command-deployables``. This module says which breeds of a blueprint are commands and words
the refusal, for the deployment service (a write, 400) and for the local driver (a stored deployment it
will not start). Pure: no I/O.
"""

from __future__ import annotations

from vamp.core import model

ALLOW_FLAG = "--allow-command-deployables"


def command_breeds(blueprint: model.Blueprint) -> list[str]:
    """The names of the blueprint's service breeds whose deployable is a command, each once, in order."""
    found: dict[str, None] = {}
    for cluster in blueprint.clusters.values():
        for service in cluster.services:
            if isinstance(service.breed, model.Breed) and service.breed.deployable.is_command:
                found[service.breed.name] = None
    return list(found)


def not_allowed(breeds: list[str]) -> str:
    """Why the command deployables of ``breeds`` do not run here, and what would let them."""
    named = ", ".join(f"'{breed}'" for breed in breeds)
    which = f"Breed {named} has" if len(breeds) == 1 else f"Breeds {named} have"
    return (
        f"{which} a {{type: command}} deployable, which runs a shell command on the server's machine; this "
        f"server does not run command deployables. Start it with {ALLOW_FLAG} (vamp up allows them), "
        "or give the breed a container image for the kubernetes driver."
    )
