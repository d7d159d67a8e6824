"""Tokens: authenticate a secret, authorise a token, and create, list and revoke tokens.

A secret is ``vamp_`` and 43 characters of URL-safe base64 (256 random bits); only its SHA-256 is kept.
A token found, not expired, is the request's caller; its last use is recorded at most once a minute, so
reading does not turn every request into a write. Revoking deletes the record, so the next request
with that secret is refused.

Who may manage which tokens is ``vamp.core.access.may_grant``: within the caller's scope, and of a role
no stronger than the caller's (``agent`` tokens by any manager). Each creation and revocation is also an
event (``tokens:<name>``, ``token:created``/``token:revoked``) in the audit trail of the token's scope,
with the caller as its ``token:`` tag: its environment's namespace, its organisation's namespace
(``acme``, where the organisation's environments are recorded), or the server's own; never the default
namespace, whose readers belong to no organisation.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from vamp import errors
from vamp.core import access, model
from vamp.ports import access as access_port
from vamp.ports import store

SERVER_NAMESPACE = "_server"
"""The store namespace of the server's own records (organisations, server-wide tokens' events): one no
request can name."""
PREFIX = "vamp_"
USE_RECORDED_EVERY = timedelta(minutes=1)
NO_TOKEN = (
    "This request needs a token: send the header 'Authorization: Bearer TOKEN'. On this machine `vamp` "
    "finds the admin token of `vamp up` by itself (HOME/admin-token); elsewhere use `vamp login` or "
    "$VAMP_TOKEN."
)
BAD_TOKEN = (
    "The token sent is not valid: it is unknown, revoked or expired. Ask an owner or admin for a new one."
)


def mint() -> str:
    """A new secret."""
    return PREFIX + secrets.token_urlsafe(32)


class Tokens:
    """The tokens of one server, kept in ``store``."""

    def __init__(
        self,
        store_: access_port.TokenStore,
        events: store.ArtifactStore,
        clock: Callable[[], datetime],
        *,
        default_namespace: str = "default",
    ) -> None:
        self._store = store_
        self._events = events
        self._clock = clock
        self.default_namespace = default_namespace

    def now(self) -> datetime:
        return self._clock()

    async def authenticate(self, secret: str | None) -> access.Token:
        """The token of ``secret``.

        Raises:
            errors.UnauthorizedError: no secret, or one of no token, or of an expired one.
        """
        if not secret:
            raise errors.UnauthorizedError(NO_TOKEN)
        token = await self._store.token_by_digest(access.digest(secret))
        now = self._clock()
        if token is None or token.expired(now):
            raise errors.UnauthorizedError(BAD_TOKEN)
        if token.last_used is None or now - token.last_used >= USE_RECORDED_EVERY:
            await self._store.token_used(token.digest, now)
        return token

    @staticmethod
    def authorise(token: access.Token, permission: access.Permission, namespace: str) -> None:
        """Raises ``errors.ForbiddenError`` unless ``token`` may do ``permission`` in ``namespace``."""
        if not access.allows(token.role, token.scope, permission, namespace):
            raise errors.ForbiddenError(
                access.refusal(token.name, token.role, token.scope, permission, namespace)
            )

    def scope(self, text: str) -> access.Scope:
        """The scope ``text`` names. Raises ``errors.RequestError`` saying the forms."""
        try:
            return access.read_scope(text, self.default_namespace)
        except ValueError as exc:
            raise errors.RequestError(str(exc)) from exc

    async def create(
        self,
        caller: access.Token,
        name: str,
        role: access.Role,
        scope: access.Scope,
        *,
        expires: datetime | None = None,
    ) -> tuple[access.Token, str]:
        """A new token and its secret (shown once).

        Raises:
            errors.RequestError: a bad name, a role that cannot have this scope, or an expiry in the past.
            errors.ForbiddenError: the caller may not create it.
            errors.ConflictError: the scope holds a token of that name.
        """
        if (problem := access.token_name_problem(name)) is not None:
            raise errors.RequestError(problem)
        if scope.kind not in role.scopes:
            kinds = " or ".join(kind.value for kind in sorted(role.scopes))
            raise errors.RequestError(
                f"A token of role {role.value!r} has a scope of kind {kinds}, not {scope}."
            )
        now = self._clock()
        if expires is not None and expires <= now:
            raise errors.RequestError(f"The expiry {expires.isoformat()} has passed; give a time to come.")
        self.may_grant(caller, role, scope)
        secret = mint()
        token = access.Token(
            name=name,
            role=role,
            scope=scope,
            digest=access.digest(secret),
            created=now,
            expires=expires,
            created_by=caller.label,
        )
        await self._store.add_token(token)
        await self._record(token, "created")
        return token, secret

    def may_grant(self, caller: access.Token, role: access.Role, scope: access.Scope) -> None:
        """Raises ``errors.ForbiddenError`` unless the caller may create a token of ``role`` in ``scope``."""
        self._may_manage(caller, role, scope, "create")

    def manages_tokens(self, caller: access.Token) -> None:
        """Raises ``errors.ForbiddenError`` unless the caller manages tokens at all (an owner or admin).

        Checked before anything else a request to manage tokens asks, so a token that may not manage
        tokens learns nothing else: neither what a body lacks nor which tokens exist.
        """
        if access.Permission.MANAGE not in access.ROLE_TABLE[caller.role]:
            raise errors.ForbiddenError(self._managers_only(caller))

    async def visible(self, caller: access.Token) -> list[access.Token]:
        """The tokens the caller may manage, by scope and name.

        Raises:
            errors.ForbiddenError: the caller manages no tokens at all.
        """
        self.manages_tokens(caller)
        return [
            token
            for token in await self._store.tokens()
            if access.may_grant(caller.role, caller.scope, token.role, token.scope)
        ]

    async def revoke(self, caller: access.Token, name: str, scope: access.Scope) -> access.Token:
        """Revoke a token: the next request with its secret is refused.

        Raises:
            errors.ForbiddenError: the caller may not revoke it, or any token of ``scope`` (checked before
                whether the token exists, so a token that may not learns nothing of which do).
            errors.NotFoundError: there is no such token within the caller's reach.
        """
        self.manages_tokens(caller)
        if not caller.scope.covers(scope):
            raise errors.ForbiddenError(
                f"The token {caller.name!r} ({caller.role.value} of {caller.scope}) may not revoke tokens of "
                f"scope {str(scope)!r}: tokens are managed within the manager's own scope (an admin token "
                "manages every token)."
            )
        found = [token for token in await self._store.tokens() if token.scope == scope and token.name == name]
        if not found:
            raise errors.NotFoundError(f"There is no token {name!r} in scope {str(scope)!r}.")
        self._may_manage(caller, found[0].role, scope, "revoke")
        removed = await self._store.remove_token(str(scope), name)
        if removed is None:
            raise errors.NotFoundError(f"There is no token {name!r} in scope {str(scope)!r}.")
        await self._record(removed, "revoked")
        return removed

    async def revoke_within(self, scope: access.Scope) -> None:
        """Revoke every token whose scope lies within ``scope`` (an organisation or namespace removed)."""
        for token in await self._store.tokens():
            if scope.covers(token.scope):
                await self._store.remove_token(str(token.scope), token.name)
                await self._record(token, "revoked")

    async def ensure(self, name: str, role: access.Role, secret: str) -> access.Token:
        """Set the server's own token ``name`` (scope ``server``) to ``secret``, replacing any before."""
        token = access.Token(
            name=name,
            role=role,
            scope=access.Scope(access.ScopeKind.SERVER),
            digest=access.digest(secret),
            created=self._clock(),
        )
        existing = await self._store.token_by_digest(token.digest)
        if existing is not None and existing.label == token.label and existing.role is role:
            return existing
        await self._store.add_token(token, replace=True)
        return token

    async def issue(self, name: str, role: access.Role, scope: access.Scope) -> tuple[access.Token, str]:
        """A token the server makes for its own loops (a workflow's runs), with no caller to check,
        replacing any token of that name in ``scope``; the token and its secret. Recorded as ``create``'s.

        Raises:
            errors.RequestError: a bad name, or a role that cannot have this scope.
        """
        if (problem := access.token_name_problem(name)) is not None:
            raise errors.RequestError(problem)
        if scope.kind not in role.scopes:
            raise errors.RequestError(f"A token of role {role.value!r} cannot have the scope {scope}.")
        secret = mint()
        token = access.Token(
            name=name, role=role, scope=scope, digest=access.digest(secret), created=self._clock()
        )
        await self._store.add_token(token, replace=True)
        await self._record(token, "created")
        return token, secret

    async def withdraw(self, name: str, scope: access.Scope) -> access.Token | None:
        """Revoke the token ``name`` of ``scope`` that the server made (``issue``), with no caller to
        check; ``None`` when there is none (not an error)."""
        removed = await self._store.remove_token(str(scope), name)
        if removed is not None:
            await self._record(removed, "revoked")
        return removed

    async def has(self, name: str, scope: access.Scope) -> bool:
        return any(token.name == name and token.scope == scope for token in await self._store.tokens())

    def _may_manage(self, caller: access.Token, role: access.Role, scope: access.Scope, verb: str) -> None:
        if not access.may_grant(caller.role, caller.scope, role, scope):
            if access.Permission.MANAGE not in access.ROLE_TABLE[caller.role]:
                raise errors.ForbiddenError(self._managers_only(caller))
            article = "an" if role.value[0] in "aeiou" else "a"
            raise errors.ForbiddenError(
                f"The token {caller.name!r} ({caller.role.value} of {caller.scope}) may not {verb} {article} "
                f"{role.value} token of scope {str(scope)!r}: tokens are managed within the manager's own "
                "scope, and of a role no stronger than its own (an admin token manages every token)."
            )

    @staticmethod
    def _managers_only(caller: access.Token) -> str:
        return (
            f"The token {caller.name!r} ({caller.role.value} of {caller.scope}) may not manage tokens: "
            "that needs an owner token of the organisation, or an admin token."
        )

    async def _record(self, token: access.Token, what: str) -> None:
        namespace = SERVER_NAMESPACE if token.scope.kind is access.ScopeKind.SERVER else token.scope.name
        tags = ("tokens", f"tokens:{token.name}", "token", f"token:{what}")
        by = access.made_by(store.actor.get())
        value = {"name": token.name, "role": token.role.value, "scope": str(token.scope)}
        await self._events.publish(namespace, model.Event(tags=(*tags, *by), type="access", value=value))


def expiry(text: str, now: datetime) -> datetime:
    """An expiry as given: an ISO 8601 time, or a lifetime from now (``30d``, ``12h``, ``90m``).

    Raises:
        errors.RequestError: neither form.
    """
    units = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
    number, unit = text[:-1], text[-1:]
    if unit in units and number.isdigit() and len(number) <= 6:
        return now + timedelta(**{units[unit]: int(number)})
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise errors.RequestError(
            f"Invalid expiry {text!r}: give an ISO 8601 time (2027-01-31T00:00:00Z) or a lifetime "
            "(30d, 12h, 90m)."
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=now.tzinfo)
