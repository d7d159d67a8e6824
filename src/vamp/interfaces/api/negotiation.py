"""JSON and YAML in and out (vamp.md §2.1): request bodies by ``Content-Type``, responses by ``Accept``.

A body is ``application/json`` or ``application/x-yaml`` (a body without a ``Content-Type`` is read as
YAML, of which JSON is a part); any other type is refused. Responses are YAML when ``Accept`` prefers
``application/x-yaml``, JSON otherwise; an ``Accept`` that allows neither (nor ``*/*``) is refused
before the request does anything. The body's text goes to the DSL as it is: the DSL reads both.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

import yaml
from fastapi import Request
from starlette.responses import Response

from vamp import errors

JSON = "application/json"
YAML = "application/x-yaml"
UNSUPPORTED = f"Only the following media types are supported: {JSON}, {YAML}."

_Dumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class Format(StrEnum):
    JSON = JSON
    YAML = YAML


_ACCEPTED = {
    JSON: Format.JSON,
    "application/*": Format.JSON,
    "*/*": Format.JSON,
    YAML: Format.YAML,
    "application/yaml": Format.YAML,
    "text/yaml": Format.YAML,
}


def _media_types(header: str) -> list[tuple[str, float]]:
    """The media types of an ``Accept`` header with their quality, most wanted first."""
    found: list[tuple[str, float]] = []
    for part in header.split(","):
        media, *parameters = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for parameter in parameters:
            key, _, value = parameter.partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media:
            found.append((media.lower(), quality))
    return sorted(found, key=lambda item: -item[1])


def response_format(request: Request) -> Format:
    """The format the client accepts: YAML when it prefers it, else JSON.

    Raises:
        errors.RequestError: ``Accept`` allows neither JSON nor YAML.
    """
    header = request.headers.get("accept", "").strip()
    if not header:
        return Format.JSON
    for media, quality in _media_types(header):
        if quality > 0 and media in _ACCEPTED:
            return _ACCEPTED[media]
    raise errors.RequestError(UNSUPPORTED)


async def check_accept(request: Request) -> None:
    """A dependency of the API's routes: refuse an ``Accept`` the API cannot answer, before acting."""
    response_format(request)


async def body_text(request: Request) -> str:
    """The request body as text, checked to be JSON or YAML by its ``Content-Type``.

    Raises:
        errors.RequestError: another media type, or a body that is not UTF-8.
    """
    raw = await request.body()
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if raw and content_type and content_type not in (JSON, YAML):
        raise errors.RequestError(UNSUPPORTED)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise errors.RequestError(
            f"The body is not UTF-8 text (byte {exc.start}); send JSON or YAML in UTF-8."
        ) from exc


def render(request: Request, data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """``data`` (plain JSON-able data) in the format the client accepts (JSON when it accepts neither)."""
    try:
        chosen = response_format(request)
    except errors.RequestError:
        chosen = Format.JSON
    if chosen is Format.YAML:
        text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False)
    else:
        text = json.dumps(data, ensure_ascii=False, allow_nan=False)
    return Response(text, status_code=status, headers=headers, media_type=chosen.value)
