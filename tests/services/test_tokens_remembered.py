"""Tokens found are remembered for a second: a revocation through this server refuses the very next
request, one through another server on the same store within that second, and expiry is never late."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest

from vamp import errors
from vamp.adapters.store import memory
from vamp.core import access
from vamp.services.access import tokens

pytestmark = pytest.mark.anyio

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def server(kept: memory.MemoryStore, clock: Clock) -> tokens.Tokens:
    return tokens.Tokens(kept, kept, clock)


async def two_servers() -> tuple[tokens.Tokens, tokens.Tokens, access.Token, str, Clock]:
    kept, clock = memory.MemoryStore(clock=lambda: NOW), Clock()
    this, other = server(kept, clock), server(kept, clock)
    admin = await this.ensure("admin", access.Role.ADMIN, "vamp_admin-secret")
    _, secret = await this.create(
        admin, "ci", access.Role.VIEWER, this.scope("server"), expires=NOW + timedelta(hours=1)
    )
    return this, other, admin, secret, clock


async def test_a_revocation_refuses_the_next_request_on_this_server_and_within_a_second_on_another():
    this, other, admin, secret, _ = await two_servers()
    await this.authenticate(secret)
    await other.authenticate(secret)

    await this.revoke(admin, "ci", this.scope("server"))

    with pytest.raises(errors.UnauthorizedError):
        await this.authenticate(secret)
    deadline = time.monotonic() + tokens.REMEMBERED_FOR + 2
    while True:
        try:
            await other.authenticate(secret)
        except errors.UnauthorizedError:
            break
        assert time.monotonic() < deadline, "the other server still takes the revoked token"
        await asyncio.sleep(0.05)  # polling the condition, under the deadline above


async def test_a_remembered_token_expires_on_time():
    this, _, _, secret, clock = await two_servers()
    await this.authenticate(secret)

    clock.now = NOW + timedelta(hours=1, seconds=1)

    with pytest.raises(errors.UnauthorizedError):
        await this.authenticate(secret)
