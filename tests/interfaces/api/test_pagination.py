"""Pages of list endpoints: ``?page=``/``?per_page=`` (at most 30), ``X-Total-Count`` and ``Link``."""

from __future__ import annotations

import pytest

from tests.interfaces.api.harness import YAML, Harness

pytestmark = pytest.mark.anyio


async def _scales(api: Harness, count: int) -> None:
    body = "".join(f"---\nname: s{index:02d}\ncpu: 1\nmemory: 1GB\n" for index in range(count))
    await api.client.post("/api/v1/scales", content=body, headers=YAML)


def _link(page: int, per_page: int) -> str:
    return f"<http://vamp/api/v1/scales?page={page}&per_page={per_page}>"


@pytest.mark.parametrize(
    ("query", "names", "links"),
    [
        ("", [f"s{index:02d}" for index in range(30)], [(1, "first"), (2, "next"), (3, "last")]),
        (
            "?page=2&per_page=30",
            [f"s{index:02d}" for index in range(30, 60)],
            [(1, "first"), (1, "prev"), (3, "next"), (3, "last")],
        ),
        ("?page=3", [f"s{index:02d}" for index in range(60, 65)], [(1, "first"), (2, "prev"), (3, "last")]),
        ("?page=4", [], [(1, "first"), (3, "prev"), (3, "last")]),
    ],
)
async def test_pages_of_30_with_links(
    api: Harness, query: str, names: list[str], links: list[tuple[int, str]]
) -> None:
    await _scales(api, 65)

    page = await api.client.get(f"/api/v1/scales{query}")

    assert [item["name"] for item in page.json()] == names
    assert page.headers["x-total-count"] == "65"
    assert page.headers["link"] == ", ".join(f'{_link(number, 30)}; rel="{rel}"' for number, rel in links)


async def test_per_page_is_capped_at_30(api: Harness) -> None:
    await _scales(api, 40)

    page = await api.client.get("/api/v1/scales?per_page=100")

    assert len(page.json()) == 30
    assert page.headers["link"].endswith(f'{_link(2, 30)}; rel="last"')


async def test_smaller_pages_keep_their_size_and_other_parameters(api: Harness) -> None:
    await _scales(api, 5)

    page = await api.client.get("/api/v1/scales?per_page=2&page=2&expand_references=true")

    assert [item["name"] for item in page.json()] == ["s02", "s03"]
    assert page.links["next"]["url"] == "http://vamp/api/v1/scales?expand_references=true&page=3&per_page=2"
    assert page.links["first"]["url"] == "http://vamp/api/v1/scales?expand_references=true&page=1&per_page=2"


async def test_an_empty_list_has_one_page(api: Harness) -> None:
    page = await api.client.get("/api/v1/scales")

    assert page.json() == []
    assert page.headers["x-total-count"] == "0"
    assert page.headers["link"] == f'{_link(1, 30)}; rel="first", {_link(1, 30)}; rel="last"'
