"""A token's record as stored: never its secret, only the secret's digest.

Secrets are random (256 bits, minted by ``vamp.services.access``) and shown once, at creation. Since a
secret is random and long, one SHA-256 of it is as safe to keep as a slow password hash would be, and lets
a request's token be found by its digest in one lookup.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from vamp.core.access.names import Scope
from vamp.core.access.roles import Role


def digest(secret: str) -> str:
    """The digest a token's secret is stored and found by."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Token:
    """A token: its name (unique within its scope), role, scope and lifetime."""

    name: str
    role: Role
    scope: Scope
    digest: str
    created: datetime
    expires: datetime | None = None
    last_used: datetime | None = None
    created_by: str | None = None
    """Who made it: ``<scope>/<name>`` of the token that created it; ``None`` for the server's own."""

    @property
    def label(self) -> str:
        """How events and messages name the token: ``<scope>/<name>``."""
        return f"{self.scope}/{self.name}"

    def expired(self, now: datetime) -> bool:
        return self.expires is not None and now >= self.expires


def made_by(label: str | None) -> tuple[str, ...]:
    """The tag that names the token behind a change in its event (``token:<scope>/<name>``); none when
    no token made it (the server's own loops)."""
    return (f"token:{label}",) if label else ()
