"""Small bodies of the access routes: one JSON or YAML mapping of a few named string fields.

``{"name": "acme"}`` or ``name: acme``; a missing field, an unknown one or a value that is not a string
is a 400 naming it. Bodies are small and only their top-level strings are read, so YAML aliases cannot
make reading them expensive.
"""

from __future__ import annotations

from collections.abc import Sequence

import yaml
from fastapi import Request

from vamp import errors
from vamp.interfaces.api import negotiation

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


async def mapping(
    request: Request, *, required: Sequence[str], optional: Sequence[str] = ()
) -> dict[str, str]:
    """The body's fields. Raises ``errors.RequestError`` saying what the body should be."""
    text = await negotiation.body_text(request)
    form = ", ".join(f'"{field}": "..."' for field in required)
    try:
        found = yaml.load(text, Loader=_Loader) if text.strip() else None
    except yaml.YAMLError:
        found = None
    if not isinstance(found, dict):
        raise errors.RequestError(f"The body must be a JSON or YAML mapping: {{{form}}}.")
    unknown = [str(key) for key in found if key not in (*required, *optional)]
    if unknown:
        allowed = ", ".join((*required, *optional))
        raise errors.RequestError(f"Unknown field {unknown[0]!r} in the body; the fields are: {allowed}.")
    fields: dict[str, str] = {}
    for key in (*required, *optional):
        value = found.get(key)
        if value is None and key in optional:
            continue
        if value is None:
            raise errors.RequestError(f"The body needs the field {key!r}: {{{form}}}.")
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise errors.RequestError(f"The field {key!r} must be a string.")
        fields[key] = str(value)
    return fields
