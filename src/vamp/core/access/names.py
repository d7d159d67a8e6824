"""Names of organisations, environments and tokens, and scopes: where a token's role applies.

An organisation and an environment are each lower-case letters and digits, so the namespace
``<organisation>-<environment>`` is unambiguous and a valid Kubernetes Namespace name (at most 63
characters). The server's default namespace (``default`` unless ``--namespace`` says otherwise) belongs to
no organisation; it exists from the first start.

A scope is written as text: ``server`` (everything), an organisation (``acme``: its environments), or a
namespace (``acme-prod``, or the default namespace). So an organisation may be named neither ``server``
nor like the default namespace.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

NAMESPACE_LENGTH = 63
"""A Kubernetes Namespace name's longest length, and so a Vamp namespace's."""
TOKEN_NAME_LENGTH = 63

_PART = re.compile(r"^[a-z0-9]+$")
_TOKEN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
SERVER = "server"
"""The scope of the whole server, as written."""


class ScopeKind(StrEnum):
    SERVER = "server"
    ORGANISATION = "organisation"
    NAMESPACE = "namespace"


@dataclass(frozen=True, slots=True)
class Scope:
    """Where a token's role applies: the server, one organisation's environments, or one namespace."""

    kind: ScopeKind
    name: str = SERVER

    def __str__(self) -> str:
        return self.name

    def covers_namespace(self, namespace: str) -> bool:
        """Whether a token of this scope reaches ``namespace``."""
        match self.kind:
            case ScopeKind.SERVER:
                return True
            case ScopeKind.ORGANISATION:
                return namespace.startswith(f"{self.name}-")
            case ScopeKind.NAMESPACE:
                return namespace == self.name

    def covers_organisation(self, organisation: str) -> bool:
        """Whether this scope holds all of ``organisation`` (the server, or the organisation itself)."""
        return self.kind is ScopeKind.SERVER or (
            self.kind is ScopeKind.ORGANISATION and self.name == organisation
        )

    def touches_organisation(self, organisation: str) -> bool:
        """Whether this scope reaches into ``organisation`` at all (all of it, or one environment)."""
        return self.covers_organisation(organisation) or (
            self.kind is ScopeKind.NAMESPACE and self.name.startswith(f"{organisation}-")
        )

    def covers(self, other: Scope) -> bool:
        """Whether everything ``other`` reaches, this scope reaches too."""
        match other.kind:
            case ScopeKind.SERVER:
                return self.kind is ScopeKind.SERVER
            case ScopeKind.ORGANISATION:
                return self.covers_organisation(other.name)
            case ScopeKind.NAMESPACE:
                return self.covers_namespace(other.name)


def _part_problem(what: str, name: str) -> str | None:
    if not _PART.match(name):
        return (
            f"Invalid {what} name {name!r}: use lower-case letters and digits only (e.g. 'acme', 'prod'), "
            "so that '<organisation>-<environment>' names one namespace."
        )
    return None


def organisation_problem(name: str, default_namespace: str = "default") -> str | None:
    """Why ``name`` cannot name an organisation, or ``None``."""
    if (problem := _part_problem("organisation", name)) is not None:
        return problem
    if name in (SERVER, default_namespace):
        return f"Invalid organisation name {name!r}: '{SERVER}' and '{default_namespace}' are reserved."
    if len(name) > NAMESPACE_LENGTH - 2:
        return f"Invalid organisation name {name!r}: at most {NAMESPACE_LENGTH - 2} characters."
    return None


def environment_problem(organisation: str, name: str) -> str | None:
    """Why ``name`` cannot name an environment of ``organisation``, or ``None``."""
    if (problem := _part_problem("environment", name)) is not None:
        return problem
    namespace = namespace_of(organisation, name)
    if len(namespace) > NAMESPACE_LENGTH:
        return (
            f"Invalid environment name {name!r}: the namespace {namespace!r} would be longer than "
            f"{NAMESPACE_LENGTH} characters."
        )
    return None


def token_name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a token, or ``None``."""
    if not _TOKEN_NAME.match(name) or len(name) > TOKEN_NAME_LENGTH:
        return (
            f"Invalid token name {name!r}: letters, digits, '.', '_' and '-', starting with a letter or "
            f"digit, at most {TOKEN_NAME_LENGTH} characters."
        )
    return None


def namespace_of(organisation: str, environment: str) -> str:
    return f"{organisation}-{environment}"


def split_namespace(namespace: str) -> tuple[str, str] | None:
    """``(organisation, environment)`` of an environment's namespace; ``None`` for any other name."""
    organisation, dash, environment = namespace.partition("-")
    if dash and _PART.match(organisation) and _PART.match(environment):
        return organisation, environment
    return None


def read_scope(text: str, default_namespace: str = "default") -> Scope:
    """The scope ``text`` names: ``server``, an organisation, a namespace or the default namespace.

    Raises:
        ValueError: ``text`` names none of them; the message lists the forms.
    """
    if text == SERVER:
        return Scope(ScopeKind.SERVER)
    if text == default_namespace or split_namespace(text) is not None:
        return Scope(ScopeKind.NAMESPACE, text)
    if _PART.match(text):
        return Scope(ScopeKind.ORGANISATION, text)
    raise ValueError(
        f"Invalid scope {text!r}: write '{SERVER}', an organisation ('acme'), or a namespace "
        f"('acme-prod', or '{default_namespace}')."
    )
