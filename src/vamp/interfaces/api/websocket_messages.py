"""The messages of the WebSocket API (vamp.md §2.3): requests read from text frames, answers written.

A frame holds one message or a list of them, in JSON or YAML (YAML anchors and aliases are refused, so
a small frame cannot grow into a large one). A request is ``{api: "v1", path, action, accept, content,
transaction, data, parameters}``; ``action`` (Peek | Put | Remove) and ``accept``/``content`` (Json |
Yaml | PlainText | JavaScript) are read case-insensitively. ``Request.http`` says which REST request it
stands for: Peek → GET, Put → POST on a collection path (none or one segment) and PUT on an item path,
Remove → DELETE; ``parameters`` become the query string (``true``/``false`` in lower case, lists
repeated; a query written in the path is kept), and the path goes under ``/api/v1`` of the socket's
namespace, or of the namespace its first segment names (``/acme-prod/breeds``).

An answer is ``{api, path, action, status, code, content, transaction, data, parameters}`` with the
enumerations in upper case: ``status`` OK (200, 201) | ACCEPTED (202) | NOCONTENT (204) | ERROR; ``code``
is the HTTP status itself (our addition: Vamp's clients ignore it, ours can tell 401 from 404); ``data``
is the REST body as a string; ``parameters`` are the REST answer's headers (``X-Total-Count``,
``Link``…). A message that cannot be read is answered ``{"status": "ERROR", "error": "<why>"}``.

A message ``{"token": "<secret>"}`` (no ``path``) gives the socket its token, for browsers, which cannot
set headers on a WebSocket; tokens are never taken from the query string, which servers and proxies log.
"""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass
from typing import Any

import yaml

from vamp import errors
from vamp.interfaces.api import namespaces

API = "v1"
PREFIX = "/api/v1"
ACTIONS = {"peek": "PEEK", "put": "PUT", "remove": "REMOVE"}
MEDIA = {
    "json": ("JSON", "application/json"),
    "yaml": ("YAML", "application/x-yaml"),
    "plaintext": ("PLAINTEXT", "text/plain"),
    "javascript": ("JAVASCRIPT", "application/javascript"),
}
STATUSES = {200: "OK", 201: "OK", 202: "ACCEPTED", 204: "NOCONTENT"}
KEYS = ("api", "path", "action", "accept", "content", "transaction", "data", "parameters")
HIDDEN_HEADERS = frozenset(
    {
        "content-length",
        "content-type",
        "content-encoding",
        "cache-control",
        "pragma",
        "x-accel-buffering",
        "vary",
    }
)
"""Headers of the REST answer that say how it travelled, not what it says: not passed on as parameters."""


class _NoAliases(yaml.SafeLoader):
    """YAML without aliases (the pure-Python loader: the C one composes nodes out of reach)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise errors.RequestError(
                "Unreadable message: YAML aliases (*name) are not accepted; write the value."
            )
        return super().compose_node(parent, index)


@dataclass(frozen=True, slots=True)
class Request:
    """One request of the WebSocket API, as read."""

    path: str
    action: str
    """PEEK, PUT or REMOVE."""
    accept: str
    """JSON, YAML, PLAINTEXT or JAVASCRIPT: what the answer's ``data`` is written in."""
    content: str | None
    """The format of ``data``, when it was given."""
    transaction: Any
    data: str | None
    parameters: tuple[tuple[str, str], ...]

    def http(self, namespace: str | None) -> tuple[str, str, str]:
        """The REST request it stands for: method, path (percent-encoded) and query string."""
        given, _, inline = self.path.partition("?")
        path = _without_prefix("/" + given.lstrip("/"))
        first, _, rest = path[1:].partition("/")
        if namespace is None and first and namespaces.problem(first) is None:
            namespace, path = first, _without_prefix("/" + rest)
        segments = [segment for segment in path.split("/") if segment]
        method = {"PEEK": "GET", "REMOVE": "DELETE"}.get(self.action) or (
            "POST" if len(segments) <= 1 else "PUT"
        )
        full = (f"/{namespace}" if namespace else "") + PREFIX + (path if segments else "")
        query = urllib.parse.urlencode(self.parameters)
        return method, full, "&".join(part for part in (inline, query) if part)

    @property
    def content_type(self) -> str | None:
        return None if self.content is None else _media_type(self.content)

    @property
    def accept_type(self) -> str:
        return _media_type(self.accept)


def _without_prefix(path: str) -> str:
    """``path`` without a leading ``/api/v1``, which a path may give or leave out."""
    return path[len(PREFIX) :] or "/" if path == PREFIX or path.startswith(PREFIX + "/") else path


def _media_type(name: str) -> str:
    return next(media for shown, media in MEDIA.values() if shown == name)


def read_frame(text: str) -> list[Any]:
    """The messages of a text frame (one, or a list). Raises ``errors.RequestError`` when unreadable."""
    try:
        found: Any = json.loads(text)
    except ValueError:
        try:
            found = yaml.load(text, Loader=_NoAliases)  # a safe loader, without aliases
        except yaml.YAMLError as exc:
            raise errors.RequestError(
                f"Unreadable message: neither JSON nor YAML ({str(exc).splitlines()[0]})."
            ) from exc
    return found if isinstance(found, list) else [found]


def token_of(message: Any) -> str | None:
    """The secret of a ``{"token": ...}`` message, or ``None`` when the message is a request."""
    if not isinstance(message, dict) or "path" in message or "token" not in message:
        return None
    secret = message["token"]
    if not isinstance(secret, str) or not secret.strip():
        raise errors.RequestError("Unreadable message: 'token' must be the token's secret, a string.")
    return secret.strip()


def read_request(message: Any) -> Request:
    """``message`` as a request. Raises ``errors.RequestError`` saying what would be valid."""
    if not isinstance(message, dict):
        raise errors.RequestError(
            "Unreadable message: a request is a map {api, path, action, accept, content, transaction, data, "
            "parameters}, or a list of them."
        )
    unknown = sorted(str(key) for key in message if key not in KEYS)
    if unknown:
        raise errors.RequestError(
            f"Unreadable message: unknown key {unknown[0]!r}; the keys are {', '.join(KEYS)}."
        )
    api = message.get("api", API)
    if str(api).lower() != API:
        raise errors.RequestError(f"Unreadable message: 'api' {api!r} is not served; the only API is 'v1'.")
    path = message.get("path")
    if not isinstance(path, str):
        raise errors.RequestError(
            "Unreadable message: 'path' must be an API path such as '/breeds/sava:1.0.0'."
        )
    action = _choice(message, "action", ACTIONS, "Peek, Put or Remove", None)
    accept = _choice(message, "accept", {key: shown for key, (shown, _) in MEDIA.items()}, _FORMATS, "JSON")
    content = _choice(message, "content", {key: shown for key, (shown, _) in MEDIA.items()}, _FORMATS, "")
    return Request(
        path=path,
        action=action,
        accept=accept,
        content=content or None,
        transaction=message.get("transaction"),
        data=_data(message.get("data"), content),
        parameters=_parameters(message.get("parameters")),
    )


_FORMATS = "Json, Yaml, PlainText or JavaScript"


def _choice(
    message: dict[str, Any], key: str, choices: dict[str, str], valid: str, default: str | None
) -> str:
    given = message.get(key)
    if given is None and default is not None:
        return default
    chosen = choices.get(given.lower()) if isinstance(given, str) else None
    if chosen is None:
        raise errors.RequestError(f"Unreadable message: {key!r} is {given!r}; it must be {valid}.")
    return chosen


def _data(data: Any, content: str) -> str | None:
    if data is None or isinstance(data, str):
        return data
    if content == "YAML":
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    return json.dumps(data, ensure_ascii=False)


def _parameters(given: Any) -> tuple[tuple[str, str], ...]:
    if given is None:
        return ()
    if not isinstance(given, dict):
        raise errors.RequestError(
            "Unreadable message: 'parameters' must be a map of query parameters, e.g. {validate_only: true}."
        )
    found: list[tuple[str, str]] = []
    for key, value in given.items():
        for item in value if isinstance(value, list) else [value]:
            found.append((str(key), _query_value(item)))
    return tuple(found)


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def answer(request: Request, status: int, headers: list[tuple[bytes, bytes]], body: str) -> dict[str, Any]:
    """The answer to ``request`` from the REST answer ``status``, ``headers`` and ``body``."""
    return {
        "api": API,
        "path": request.path,
        "action": request.action,
        "status": STATUSES.get(status, "ERROR"),
        "code": status,
        "content": request.accept,
        "transaction": request.transaction,
        "data": body,
        "parameters": parameters_of(headers),
    }


def parameters_of(headers: list[tuple[bytes, bytes]]) -> dict[str, str]:
    """A REST answer's headers as an answer's parameters, named as HTTP writes them (``X-Total-Count``)."""
    found: dict[str, str] = {}
    for key, value in headers:
        name = key.decode("latin-1").lower()
        if name not in HIDDEN_HEADERS:
            found["-".join(part.capitalize() for part in name.split("-"))] = value.decode("latin-1")
    return found


def unreadable(error: errors.VampError, message: Any = None) -> dict[str, Any]:
    """The answer to a message that cannot be read (with its transaction, when it has one)."""
    found: dict[str, Any] = {"status": "ERROR", "error": str(error)}
    if isinstance(message, dict) and "transaction" in message:
        found["transaction"] = message["transaction"]
    return found


def event_data(data: str, accept: str) -> str:
    """An event's JSON (as the event stream writes it) in the format a subscription asked for."""
    if accept != "YAML":
        return data
    return yaml.safe_dump(json.loads(data), sort_keys=False, allow_unicode=True, default_flow_style=False)
