"""Plain data: frozen dataclasses to JSON-able values and back, and the types it refuses to guess."""

from dataclasses import dataclass
from enum import StrEnum

import pytest

from vamp.core.routing import plain_data


class Colour(StrEnum):
    RED = "red"


@dataclass(frozen=True, slots=True)
class Leaf:
    name: str
    size: int
    on: bool
    colour: Colour | None


@dataclass(frozen=True, slots=True)
class Tree:
    leaves: tuple[Leaf, ...]
    top: Leaf | None


@dataclass(frozen=True, slots=True)
class Odd:
    either: int | str


@pytest.mark.parametrize(
    ("value", "data"),
    [
        ("text", "text"),
        (3, 3),
        (None, None),
        (Colour.RED, "red"),
        (
            Tree((Leaf("a", 1, True, Colour.RED),), None),
            {"leaves": [{"name": "a", "size": 1, "on": True, "colour": "red"}], "top": None},
        ),
    ],
)
def test_values_become_plain_data(value, data):
    assert plain_data.encode(value) == data


def test_plain_data_reads_back():
    tree = Tree((Leaf("a", 1, True, Colour.RED), Leaf("b", 2, False, None)), Leaf("c", 3, True, None))
    assert plain_data.decode(Tree, plain_data.encode(tree)) == tree


@pytest.mark.parametrize(
    ("write", "message"),
    [
        (lambda: plain_data.encode(1.5), "cannot write float values as plain data"),
        (
            lambda: plain_data.decode(Odd, {"either": 1}),
            "only 'X | None' unions are supported, not int | str",
        ),
        (lambda: plain_data.decode(float, 1.5), "cannot read plain data into <class 'float'>"),
    ],
)
def test_types_outside_the_plan_are_refused(write, message):
    with pytest.raises(TypeError) as raised:
        write()
    assert str(raised.value) == message
