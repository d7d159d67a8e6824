"""Pages of list endpoints (vamp.md §2.1): ``?page=`` (from 1) and ``?per_page=`` (default 30, at most 30).

Both are bounded (``MAX_PAGE``, ``MAX_PER_PAGE``): a page beyond them is refused with 400 and the valid
range, rather than reaching the store as an offset it cannot hold (``?page=10^30`` once was a 500). A
``per_page`` above 30 but within the bound is read as 30, as Vamp does.

Every list answer carries ``X-Total-Count`` and a GitHub-style ``Link`` header with the first, previous,
next and last pages (previous and next only where there are such pages); the body is a plain array.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query, Request

from vamp import errors

PER_PAGE = 30
"""The default and largest page size."""
MAX_PAGE = 1_000_000
"""The last page a request may ask for (30 million items in)."""
MAX_PER_PAGE = 1_000_000
"""The largest ``per_page`` accepted (and read as ``PER_PAGE``)."""


@dataclass(frozen=True, slots=True)
class Window:
    """The page asked for; ``per_page`` already capped."""

    page: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def _range(largest: int) -> dict[str, Any]:
    """The range of a parameter as the OpenAPI document states it (checked by ``window`` itself, so that
    a refusal can say the whole range)."""
    return {"minimum": 1, "maximum": largest}


async def window(
    page: Annotated[
        int,
        Query(description=f"The page, from 1 to {MAX_PAGE:,}.", json_schema_extra=_range(MAX_PAGE)),
    ] = 1,
    per_page: Annotated[
        int,
        Query(
            description=f"Items per page: {PER_PAGE} by default, and at most {PER_PAGE}.",
            json_schema_extra=_range(MAX_PER_PAGE),
        ),
    ] = PER_PAGE,
) -> Window:
    """The page asked for.

    Raises:
        errors.RequestError: a page or page size out of its range, with the range.
    """
    if not 1 <= page <= MAX_PAGE:
        raise errors.RequestError(
            f"Invalid query parameter 'page': a page is from 1 to {MAX_PAGE:,}, not {page}."
        )
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise errors.RequestError(
            f"Invalid query parameter 'per_page': a page size is from 1 to {PER_PAGE} (larger ones up to "
            f"{MAX_PER_PAGE:,} are read as {PER_PAGE}), not {per_page}."
        )
    return Window(page, min(per_page, PER_PAGE))


Paged = Annotated[Window, Depends(window)]
"""A route parameter: the page a list request asks for."""


def headers(request: Request, asked: Window, total: int) -> dict[str, str]:
    """``X-Total-Count`` and ``Link`` for the page ``asked`` of ``total`` items."""
    last = max(1, math.ceil(total / asked.per_page))
    pages = {"first": 1}
    if asked.page > 1:
        pages["prev"] = min(asked.page - 1, last)
    if asked.page < last:
        pages["next"] = asked.page + 1
    pages["last"] = last
    links = ", ".join(
        f'<{request.url.include_query_params(page=page, per_page=asked.per_page)}>; rel="{relation}"'
        for relation, page in pages.items()
    )
    return {"X-Total-Count": str(total), "Link": links}
