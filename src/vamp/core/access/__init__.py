"""Access: organisations, environments, tokens, roles and what each role may do — the pure rules.

``names`` checks organisation, environment and token names and reads scopes; ``roles`` says which role
may do what where; ``tokens`` holds a token's record and how a secret becomes its digest. Storing
tokens, checking requests and minting secrets belong to ``vamp.services.access``.
"""

from vamp.core.access.names import (
    SERVER,
    Scope,
    ScopeKind,
    environment_problem,
    namespace_of,
    organisation_problem,
    read_scope,
    split_namespace,
    token_name_problem,
)
from vamp.core.access.roles import ROLE_TABLE, Permission, Role, allows, may_grant, refusal
from vamp.core.access.tokens import Token, digest, made_by

__all__ = [
    "ROLE_TABLE",
    "SERVER",
    "Permission",
    "Role",
    "Scope",
    "ScopeKind",
    "Token",
    "allows",
    "digest",
    "environment_problem",
    "made_by",
    "may_grant",
    "namespace_of",
    "organisation_problem",
    "read_scope",
    "refusal",
    "split_namespace",
    "token_name_problem",
]
