"""The project's own exceptions: every error a user can meet, each carrying what they need to fix it.

Any layer may import this module; it imports nothing from the project. Adapters translate library
exceptions into these (``raise DriverError(...) from exc``), and the API maps each type to one HTTP
status in one table.

The tree::

    VampError
    ├── DslError              a document (YAML/JSON) is wrong; carries every Issue found, not just the first
    ├── ExpressionSyntaxError a selector or condition expression cannot be parsed; points at the character
    │   ├── SelectorSyntaxError
    │   └── ConditionSyntaxError
    │       └── RewriteSyntaxError   a path rewrite ``NEW_PATH if CONDITION`` cannot be parsed
    ├── DeploymentError       a merge or slice would leave a deployment invalid (e.g. weights)
    ├── RoutingError          gateways cannot be compiled into a routing plan
    ├── NotFoundError         an artifact, event or resource does not exist
    ├── ConflictError         someone else changed the artifact first (compare-and-set lost); read and retry
    ├── StoreError            the store cannot be reached or refused an operation
    ├── DriverError           the runtime (local processes, Kubernetes) refused or failed an operation
    │   └── GatewaysNotExposed … for some gateways' Services only, which it names; the others are exposed
    ├── PublishError          a routing plan could not be delivered to, or activated by, the data plane
    │   └── GatewaysRefused   … because of some of its gateways, which it names
    ├── DataPlaneError        the data plane (Envoy) cannot be started or its admin endpoint does not answer
    ├── PlanSourceError       the gateway agent cannot read routing plans from its source (a file, the server)
    ├── RequestError          an API request cannot be understood: its media type, a parameter, the namespace
    │   └── BodyTooLargeError a request body is larger than the server takes (``--max-body``)
    ├── UnauthorizedError     a request carries no token, or one that is unknown, revoked or expired
    ├── ForbiddenError        a request's token may not do what it asks; the message says which token would
    └── UnavailableError      the server does not run the part a request needs (workflows, without a runtime)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


class VampError(Exception):
    """Root of every error this project raises on purpose."""


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in a document.

    ``document`` counts from 0 within the text that was read; ``path`` is the dotted path of the value
    (``clusters.sava.services[0].scale.cpu``), empty for the document itself; ``line`` and ``column``
    count from 1 and point at the value in the source text, or are 0 when the value has no place there
    (it was built by a shorthand, or the model was not read from text).
    """

    message: str
    path: str = ""
    document: int = 0
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{where}{self.message}"

    def located(self, source: str = "<input>") -> str:
        """The issue as ``SOURCE:LINE:COL: path: message`` (``SOURCE[doc N]`` when there is no line)."""
        if self.line:
            return f"{source}:{self.line}:{self.column}: {self}"
        return f"{source}[document {self.document}]: {self}"


class DslError(VampError):
    """A document does not describe a valid artifact. ``issues`` lists every problem found."""

    def __init__(self, issues: Iterable[Issue]) -> None:
        self.issues: tuple[Issue, ...] = tuple(issues)
        super().__init__("; ".join(str(issue) for issue in self.issues) or "Invalid document.")

    @classmethod
    def single(cls, message: str, path: str = "") -> DslError:
        return cls([Issue(message, path)])


class ExpressionSyntaxError(VampError):
    """An expression could not be parsed; ``position`` is the 0-based offset of the offending character."""

    language = "expression"

    def __init__(self, text: str, position: int, message: str) -> None:
        self.text = text
        self.position = max(0, min(position, len(text)))
        self.reason = message
        super().__init__(f"Invalid {self.language} {text!r}: {message} at position {self.position + 1}.")

    def caret(self) -> str:
        """Two lines: the expression, and a caret under the offending character."""
        return f"{self.text}\n{' ' * self.position}^"

    def explain(self) -> str:
        """The message, then the expression with a caret under the offending character."""
        return f"{self}\n{self.caret()}"


class SelectorSyntaxError(ExpressionSyntaxError):
    language = "selector"


class ConditionSyntaxError(ExpressionSyntaxError):
    language = "condition"


class RewriteSyntaxError(ConditionSyntaxError):
    language = "path rewrite"


class DeploymentError(VampError):
    """A merge or slice of a deployment cannot be done as asked; the message says why and what to do."""


class RoutingError(VampError):
    """Gateways cannot be compiled into a routing plan; ``problems`` names each gateway and route at fault."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems))


class NotFoundError(VampError):
    """Something asked for does not exist; the message names what and where."""


class NothingMeasuredError(NotFoundError):
    """A gateway, route or deployment exists but nothing was measured for it in the window asked for."""


class ConflictError(VampError):
    """A compare-and-set write lost: the artifact changed since it was read. Read it again and retry."""


class StoreError(VampError):
    """The store cannot be reached or refused an operation; the message says which and why."""


class DriverError(VampError):
    """The runtime refused or failed an operation on a service; the message names the service."""


class GatewaysNotExposed(DriverError):
    """The runtime refused to expose some gateways (a Service each) and exposed the others: ``gateways``
    maps each gateway refused to the runtime's reason; ``addresses`` is where the others are reached, by
    gateway name (``ports.exposure.ServiceAddress`` each)."""

    def __init__(self, message: str, gateways: Mapping[str, str], addresses: Mapping[str, Any]) -> None:
        self.gateways = dict(gateways)
        self.addresses = dict(addresses)
        super().__init__(message)


class PublishError(VampError):
    """A routing plan could not be delivered to, or activated by, the data plane."""


class GatewaysRefused(PublishError):
    """The data plane refused a routing plan because of some of its gateways: ``gateways`` maps each
    gateway at fault to the data plane's reason. When it cannot tell which (``gateways`` empty), ``reason``
    is what it said, in its own words, for the gateway a search finds."""

    def __init__(self, message: str, gateways: Mapping[str, str], reason: str = "") -> None:
        self.gateways = dict(gateways)
        self.reason = reason
        super().__init__(message)


class DataPlaneError(VampError):
    """The data plane process cannot be started or kept running, or its admin endpoint does not answer."""


class PlanSourceError(VampError):
    """The gateway agent cannot read routing plans from its source; the message names it and says why."""


class RequestError(VampError):
    """An API request cannot be understood (media type, query parameter, namespace); the message says what
    would be accepted."""


class UnauthorizedError(VampError):
    """A request has no valid token: none, or one unknown, revoked or expired; the message says how to get
    one."""


class ForbiddenError(VampError):
    """A request's token may not do what the request asks; the message names the role and scope that may."""


class UnavailableError(VampError):
    """The server does not run the part a request needs (a server without a workflow runtime asked for
    workflow executions); the message says which part and how to run a server that has it."""


class BodyTooLargeError(RequestError):
    """A request body is larger than the server's limit; the message says the limit and how to raise it."""
