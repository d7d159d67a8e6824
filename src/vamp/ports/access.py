"""The access ports: where tokens are kept, and how a runtime makes and removes an environment's home.

``TokenStore`` keeps token records (never secrets), unique by (scope, name) and found by the digest of
their secret; it is implemented by the artifact stores (memory, SQLite, PostgreSQL) beside the
artifacts. ``EnvironmentRuntime`` is told when an environment is created or removed: on Kubernetes its
Namespace is made (labelled with the organisation and environment) or deleted; locally there is nothing
to do.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from vamp.core import access


class TokenStore(Protocol):
    async def add_token(self, token: access.Token, *, replace: bool = False) -> None:
        """Keep ``token``. Raises ``errors.ConflictError`` when its scope holds one of that name already,
        unless ``replace`` (then that one is replaced)."""
        ...

    async def token_by_digest(self, digest: str) -> access.Token | None:
        """The token whose secret has ``digest``, or ``None``."""
        ...

    async def tokens(self) -> Sequence[access.Token]:
        """Every token, by scope and name."""
        ...

    async def remove_token(self, scope: str, name: str) -> access.Token | None:
        """Forget a token; ``None`` when there was none (not an error)."""
        ...

    async def token_used(self, digest: str, when: datetime) -> None:
        """Record that the token with ``digest`` was used at ``when``."""
        ...


class EnvironmentRuntime(Protocol):
    async def environment_created(self, namespace: str, organisation: str, environment: str) -> None:
        """Make the environment's home on the runtime (idempotent)."""
        ...

    async def environment_removed(self, namespace: str) -> None:
        """Remove the environment's home and everything left in it (idempotent)."""
        ...
