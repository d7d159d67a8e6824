"""The API tokens of workflows: each scheduled workflow's runs call the API with a token of their own.

The token of workflow ``name`` is ``workflow-<name>`` (``workflow-<digest of the name>`` when the name
makes no valid token name), role operator, scoped to the workflow's namespace: its runs read and write
that namespace and nothing else. It is minted when the workflow is scheduled (replacing one left by a
crash) and revoked when it is unscheduled or its workflow deleted. Only its digest is stored, so a server
started again over running workflows cannot hand their token out again: it keeps them running as they
are, and mints a new one only when it schedules a workflow anew.
"""

from __future__ import annotations

import hashlib

from vamp.core import access
from vamp.core.workflows import runs
from vamp.services.access import tokens as token_service

PREFIX = "workflow-"


def token_name(key: runs.WorkflowKey) -> str:
    """The name of the token of the workflow ``key``."""
    name = PREFIX + key.name
    if access.token_name_problem(name) is None:
        return name
    return PREFIX + hashlib.sha256(key.name.encode()).hexdigest()[:16]


class WorkflowTokens:
    """Mints and revokes workflows' tokens among the server's ``tokens``."""

    def __init__(self, tokens: token_service.Tokens) -> None:
        self._tokens = tokens

    async def mint(self, key: runs.WorkflowKey) -> str:
        """A new token for the workflow ``key`` (any it had is revoked); its secret."""
        scope = access.Scope(access.ScopeKind.NAMESPACE, key.namespace)
        _, secret = await self._tokens.issue(token_name(key), access.Role.OPERATOR, scope)
        return secret

    async def revoke(self, key: runs.WorkflowKey) -> None:
        """Revoke the token of the workflow ``key``, if it has one."""
        await self._tokens.withdraw(token_name(key), access.Scope(access.ScopeKind.NAMESPACE, key.namespace))
