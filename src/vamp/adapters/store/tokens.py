"""API tokens in the SQL store: the ``tokens`` table's queries, for ``sql.SqlStore``'s ``TokenStore`` side.

A token is a row keyed by the digest of its secret, unique by (scope, name). Adding one whose scope holds
that name already raises ``errors.ConflictError`` (or replaces it, when asked: the server's own admin and
agent tokens are set again at every start), also when two requests add the name at once: one is kept,
the others refused. Rows come back as ``vamp.core.access.Token``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from vamp import errors
from vamp.adapters.store import database, rules
from vamp.adapters.store.tables import tokens
from vamp.core import access


class SqlTokens:
    """The tokens of one SQL database."""

    def __init__(self, db: database.Database) -> None:
        self._db = db

    async def add_token(self, token: access.Token, *, replace: bool = False) -> None:
        same_name = (tokens.c.scope == str(token.scope), tokens.c.name == token.name)

        def write(connection: sa.Connection) -> None:
            found = connection.scalar(sa.select(tokens.c.digest).where(*same_name).with_for_update())
            if found is not None and not replace:
                raise errors.ConflictError(_exists(token))
            if replace:
                connection.execute(sa.delete(tokens).where(*same_name))
                connection.execute(sa.delete(tokens).where(tokens.c.digest == token.digest))
            try:
                connection.execute(sa.insert(tokens).values(_row(token)))
            except sa_exc.IntegrityError:
                # PostgreSQL: another transaction added the name after this one looked (FOR UPDATE locks
                # only rows that exist), and the unique constraint caught it. (Deleting the name first,
                # as a replacement does, would have removed the other transaction's token instead.)
                raise errors.ConflictError(_exists(token)) from None

        await self._db.write(f"save the token {token.label}", write)

    async def token_by_digest(self, digest: str) -> access.Token | None:
        def query(connection: sa.Connection) -> access.Token | None:
            row = connection.execute(sa.select(tokens).where(tokens.c.digest == digest)).one_or_none()
            return None if row is None else _token(row)

        async def load() -> access.Token | None:
            return await self._db.read("look up a token", query)

        # A token is immutable: readers may share it. Any commit (a revocation too) reads it anew.
        return await self._db.reads.read(("token", digest), load)

    async def tokens(self) -> Sequence[access.Token]:
        query = sa.select(tokens).order_by(tokens.c.scope, tokens.c.name)
        async with self._db.transaction("list the tokens") as connection:
            return [_token(row) for row in (await connection.execute(query)).all()]

    async def remove_token(self, scope: str, name: str) -> access.Token | None:
        same_name = (tokens.c.scope == scope, tokens.c.name == name)

        def write(connection: sa.Connection) -> access.Token | None:
            row = connection.execute(sa.delete(tokens).where(*same_name).returning(*tokens.c)).one_or_none()
            return None if row is None else _token(row)

        return await self._db.write(f"revoke the token {scope}/{name}", write)

    async def token_used(self, digest: str, when: datetime) -> None:
        statement = sa.update(tokens).where(tokens.c.digest == digest).values(last_used=rules.as_utc(when))
        await self._db.write("record a token's use", lambda connection: connection.execute(statement))


def _exists(token: access.Token) -> str:
    return (
        f"There is a token named {token.name!r} in scope {str(token.scope)!r} already; "
        "pick another name, or revoke that one first."
    )


def _row(token: access.Token) -> dict[str, Any]:
    return {
        "digest": token.digest,
        "scope": str(token.scope),
        "scope_kind": token.scope.kind.value,
        "name": token.name,
        "role": token.role.value,
        "created": token.created,
        "expires": token.expires,
        "last_used": token.last_used,
        "created_by": token.created_by,
    }


def _token(row: sa.Row[Any]) -> access.Token:
    return access.Token(
        name=row.name,
        role=access.Role(row.role),
        scope=access.Scope(access.ScopeKind(row.scope_kind), row.scope),
        digest=row.digest,
        created=row.created,
        expires=row.expires,
        last_used=row.last_used,
        created_by=row.created_by,
    )
