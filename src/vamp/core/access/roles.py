"""Roles and what each may do (issue 9's role table), decided for a token's scope.

=========  ======================================================================================
admin      everything, organisations included; scope ``server`` only
owner      one organisation: read, write and plans in its environments, its environments and tokens
operator   read and write (artifacts, deployments, gateways, events) and plans in its scope
viewer     read only, in its scope
agent      read routing plans (and report metrics), in its scope
=========  ======================================================================================

A token may create tokens only within its own scope and of a role no stronger than its own.
"""

from __future__ import annotations

from enum import StrEnum

from vamp.core.access.names import Scope, ScopeKind


class Permission(StrEnum):
    READ = "read"
    """Read artifacts, deployments, gateways, events, metrics and the server's info."""
    WRITE = "write"
    """Create, change and delete artifacts, deploy and undeploy, move traffic, emit events."""
    PLANS = "plans"
    """Read routing plans, as gateway agents do."""
    MANAGE = "manage"
    """Create and delete an organisation's environments and tokens."""
    ADMINISTER = "administer"
    """Create and delete organisations; tokens of the whole server."""


class Role(StrEnum):
    ADMIN = "admin"
    OWNER = "owner"
    OPERATOR = "operator"
    VIEWER = "viewer"
    AGENT = "agent"

    @property
    def scopes(self) -> frozenset[ScopeKind]:
        """The kinds of scope a token of this role may have."""
        if self is Role.ADMIN:
            return frozenset({ScopeKind.SERVER})
        if self is Role.OWNER:
            return frozenset({ScopeKind.ORGANISATION})
        return frozenset(ScopeKind)


ROLE_TABLE: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.OWNER: frozenset({Permission.READ, Permission.WRITE, Permission.PLANS, Permission.MANAGE}),
    Role.OPERATOR: frozenset({Permission.READ, Permission.WRITE, Permission.PLANS}),
    Role.VIEWER: frozenset({Permission.READ}),
    Role.AGENT: frozenset({Permission.PLANS}),
}
"""What each role may do, within its scope."""

_STRENGTH = {Role.ADMIN: 4, Role.OWNER: 3, Role.OPERATOR: 2, Role.VIEWER: 1, Role.AGENT: 1}


def allows(role: Role, scope: Scope, permission: Permission, namespace: str) -> bool:
    """Whether a token of ``role`` and ``scope`` may do ``permission`` in ``namespace``."""
    return permission in ROLE_TABLE[role] and scope.covers_namespace(namespace)


def may_grant(role: Role, scope: Scope, wanted_role: Role, wanted_scope: Scope) -> bool:
    """Whether a token of ``role`` and ``scope`` may create (or revoke) a token of the wanted kind."""
    if Permission.MANAGE not in ROLE_TABLE[role] or not scope.covers(wanted_scope):
        return False
    if wanted_role is Role.AGENT:
        return True
    return _STRENGTH[wanted_role] <= _STRENGTH[role]


def roles_with(permission: Permission) -> list[Role]:
    return [role for role in Role if permission in ROLE_TABLE[role]]


def refusal(token: str, role: Role, scope: Scope, permission: Permission, namespace: str) -> str:
    """Why a token may not do ``permission`` in ``namespace``, and which would."""
    needed = ", ".join(role.value for role in roles_with(permission))
    return (
        f"The token {token!r} ({role.value} of {scope}) may not {permission.value} in namespace "
        f"{namespace!r}: that needs a token of role {needed} whose scope covers {namespace!r} "
        f"(the server, organisation {namespace.partition('-')[0]!r}, or {namespace!r} itself)."
        if "-" in namespace
        else f"The token {token!r} ({role.value} of {scope}) may not {permission.value} in namespace "
        f"{namespace!r}: that needs a token of role {needed} whose scope is the server or {namespace!r}."
    )
