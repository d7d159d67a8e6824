"""The token store (``ports.access.TokenStore``) on memory, SQLite and PostgreSQL: add, find by digest,
list, revoke, record the last use; names unique per scope; only digests kept, never secrets."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from tests.adapters.store.conftest import START, Backend, Clock
from vamp import errors
from vamp.adapters.store import tables
from vamp.core import access
from vamp.ports import access as access_port

pytestmark = pytest.mark.anyio

SECRET = "vamp_store-test-secret-0123456789abcdefghijklmnopqrs"


def token(name: str = "ci", scope: str = "acme-prod", secret: str = SECRET, **more: Any) -> access.Token:
    return access.Token(
        name=name,
        role=more.pop("role", access.Role.OPERATOR),
        scope=access.read_scope(scope),
        digest=access.digest(secret),
        created=START,
        **more,
    )


def tokens_of(store: object) -> access_port.TokenStore:
    assert hasattr(store, "add_token"), "every artifact store keeps tokens too"
    return store  # type: ignore[return-value]


async def test_a_token_is_found_by_the_digest_of_its_secret(store: object) -> None:
    kept = tokens_of(store)
    added = token(expires=START + timedelta(days=30), created_by="server/admin")

    await kept.add_token(added)

    assert await kept.token_by_digest(access.digest(SECRET)) == added
    assert await kept.token_by_digest(access.digest(SECRET + "x")) is None
    assert await kept.tokens() == [added]


async def test_a_name_is_unique_within_its_scope_only(store: object) -> None:
    kept = tokens_of(store)
    await kept.add_token(token())

    with pytest.raises(errors.ConflictError) as refused:
        await kept.add_token(token(secret="vamp_another", role=access.Role.VIEWER))
    await kept.add_token(token(scope="acme-test", secret="vamp_elsewhere"))
    await kept.add_token(token(scope="acme", secret="vamp_organisation", role=access.Role.OWNER))

    assert str(refused.value) == (
        "There is a token named 'ci' in scope 'acme-prod' already; pick another name, or revoke that one "
        "first."
    )
    assert [(str(found.scope), found.name) for found in await kept.tokens()] == [
        ("acme", "ci"),
        ("acme-prod", "ci"),
        ("acme-test", "ci"),
    ]
    assert (await kept.token_by_digest(access.digest(SECRET))).role is access.Role.OPERATOR  # type: ignore[union-attr]


async def test_replacing_a_token_drops_the_old_secret(store: object) -> None:
    kept = tokens_of(store)
    await kept.add_token(token("admin", "server", role=access.Role.ADMIN))

    await kept.add_token(token("admin", "server", "vamp_new", role=access.Role.ADMIN), replace=True)

    assert await kept.token_by_digest(access.digest(SECRET)) is None
    assert (await kept.token_by_digest(access.digest("vamp_new"))) is not None
    assert len(await kept.tokens()) == 1


async def test_a_revoked_token_is_no_longer_found(store: object) -> None:
    kept = tokens_of(store)
    await kept.add_token(token())
    await kept.add_token(token(scope="acme-test", secret="vamp_other"))

    removed = await kept.remove_token("acme-prod", "ci")
    again = await kept.remove_token("acme-prod", "ci")

    assert removed is not None
    assert removed.label == "acme-prod/ci"
    assert again is None
    assert await kept.token_by_digest(access.digest(SECRET)) is None
    assert [found.label for found in await kept.tokens()] == ["acme-test/ci"]


async def test_the_last_use_is_recorded(store: object, clock: Clock) -> None:
    kept = tokens_of(store)
    await kept.add_token(token())
    clock.advance(timedelta(minutes=5))

    await kept.token_used(access.digest(SECRET), clock.now)

    found = await kept.token_by_digest(access.digest(SECRET))
    assert found is not None
    assert found.last_used == START + timedelta(minutes=5)
    assert found.created == START


async def test_the_database_keeps_digests_never_secrets(durable_backend: Backend, clock: Clock) -> None:
    opened = await durable_backend.open(clock)
    try:
        await tokens_of(opened).add_token(token())
    finally:
        await opened.close()

    engine = durable_backend.engine()
    try:
        with engine.connect() as connection:
            rows = [
                tuple(str(value) for value in row) for row in connection.execute(sa.select(tables.tokens))
            ]
    finally:
        engine.dispose()

    assert len(rows) == 1
    assert access.digest(SECRET) in rows[0]
    assert not any(SECRET in value or SECRET[5:] in value for value in rows[0])


async def test_tokens_survive_a_reopen(durable_backend: Backend, clock: Clock) -> None:
    first = await durable_backend.open(clock)
    await tokens_of(first).add_token(token(expires=START + timedelta(hours=1)))
    await first.close()

    second = await durable_backend.open(clock)
    try:
        found = await tokens_of(second).token_by_digest(access.digest(SECRET))
    finally:
        await second.close()

    assert found == token(expires=START + timedelta(hours=1))


async def test_of_two_tokens_of_one_name_added_at_once_one_is_kept_and_one_refused(store: object) -> None:
    kept = tokens_of(store)
    secrets = [f"vamp_racer-{number}" for number in range(8)]

    outcomes = await asyncio.gather(
        *(kept.add_token(token(secret=secret)) for secret in secrets), return_exceptions=True
    )

    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["ConflictError"] * 7 + ["NoneType"], (
        outcomes
    )
    assert len(await kept.tokens()) == 1
