"""Where the server keeps its things when not told: the home folder and the store address."""

from __future__ import annotations

from pathlib import Path

import pytest

from vamp import settings


@pytest.mark.parametrize(
    ("given", "environment", "expected"),
    [
        (Path("/srv/vamp"), {"VAMP_HOME": "/elsewhere"}, Path("/srv/vamp")),
        (None, {"VAMP_HOME": "/elsewhere"}, Path("/elsewhere")),
        (None, {"VAMP_HOME": ""}, Path(".vamp")),
        (None, {}, Path(".vamp")),
    ],
)
def test_the_home_is_the_one_given_else_vamp_home_else_dot_vamp(
    given: Path | None, environment: dict[str, str], expected: Path
) -> None:
    assert settings.home(given, environment) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("40000-45000", (40000, 45000)),
        ("9000-9000", (9000, 9000)),
        ("45000-40000", "'45000-40000' is not a port range: write FIRST-LAST, e.g. 40000-45000."),
        ("40000", "'40000' is not a port range: write FIRST-LAST, e.g. 40000-45000."),
        ("a-b", "'a-b' is not a port range: write FIRST-LAST, e.g. 40000-45000."),
        ("0-10", "'0-10' is not a port range: write FIRST-LAST, e.g. 40000-45000."),
    ],
)
def test_a_port_range_is_first_dash_last(text: str, expected: tuple[int, int] | str) -> None:
    if isinstance(expected, str):
        with pytest.raises(ValueError, match="not a port range") as raised:
            settings.port_range(text)
        assert str(raised.value) == expected
    else:
        assert settings.port_range(text) == expected


@pytest.mark.parametrize(
    ("given", "expected", "persistence"),
    [
        (None, "sqlite:////srv/vamp/vamp.db", "sqlite"),
        ("postgresql://vamp@db/vamp", "postgresql://vamp@db/vamp", "postgresql"),
        ("postgres://vamp@db/vamp", "postgres://vamp@db/vamp", "postgresql"),
    ],
)
def test_the_store_is_the_one_given_else_sqlite_in_the_home(
    given: str | None, expected: str, persistence: str
) -> None:
    address = settings.store_address(Path("/srv/vamp"), given)

    assert address == expected
    assert settings.Settings(home=Path("/srv/vamp"), store=address).persistence == persistence
