"""Names that cannot be carried safely into a routing plan, Envoy or a terminal are refused where written.

A gateway named ``a%b`` (Envoy reads ``%`` as a formatter) or holding a NUL once made Envoy refuse every
route at once; bidi marks make a name display as another. Every artifact name, reference, cluster and
route path is checked by one rule (``model.unsafe_name_problem``), and the issue names the place.
"""

from __future__ import annotations

import json

import pytest

from tests.core.dsl.outcomes import issues
from vamp.core import model

UNSAFE = {
    "percent": "a%b",
    "nul": "p\u0000x",
    "escape": "p\u001bx",
    "delete": "p\u007fx",
    "bidi override": "ab\u202ecd",
    "bidi isolate": "ab\u2066cd",
    "right-to-left mark": "ab\u200fcd",
    "300 characters": "a" * 300,
}
"""Each name that must be refused, by why."""


def _quoted(name: str) -> str:
    return json.dumps(name)


@pytest.mark.parametrize("name", UNSAFE.values(), ids=UNSAFE.keys())
def test_a_gateway_with_an_unsafe_name_is_refused_at_its_name(name: str) -> None:
    (issue,) = issues(
        f"name: {_quoted(name)}\nport: 9050\nroutes: {{sava/sava/webport: {{weight: 100%}}}}\n", "gateways"
    )
    assert issue.path == "name"
    assert (issue.line, issue.column) == (1, 7)
    assert "may not hold control characters, '%' or bidirectional-text marks" in issue.message
    assert "at most 253 characters" in issue.message


@pytest.mark.parametrize("name", UNSAFE.values(), ids=UNSAFE.keys())
def test_a_breed_with_an_unsafe_name_is_refused(name: str) -> None:
    text = f"name: {_quoted(name)}\ndeployable: magneticio/sava:1.0.0\n"
    assert [issue.path for issue in issues(text, "breeds")] == ["name"]


def test_the_message_says_what_was_found_and_cuts_long_names_short() -> None:
    assert model.unsafe_name_problem("a%b") == (
        "Illegal name - names may not hold control characters, '%' or bidirectional-text marks, and have at "
        "most 253 characters; this one holds '%': 'a%b'."
    )
    long = model.unsafe_name_problem("a" * 300)
    assert long is not None
    assert long.endswith("this one has 300: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'… (300 characters).")


@pytest.mark.parametrize(
    "name", ["sava:1.0.0", "sava/sava/webport", "a" * 253, "ünïcode-名前", "sava_1.0.0-rc.1"]
)
def test_names_users_write_stay_valid(name: str) -> None:
    assert model.name_problem(name, allow_slash=True) is None


def test_a_route_path_with_a_percent_is_refused_at_its_key() -> None:
    text = "name: sava\nport: 9050\nroutes:\n  sava/sa%va/webport: {weight: 100%}\n"
    (issue,) = issues(text, "gateways")
    assert issue.path == "routes.sava/sa%va/webport"
    assert issue.message.startswith("Illegal route path - names may not hold control characters, '%'")


@pytest.mark.parametrize(
    ("cluster", "breed", "path", "found"),
    [
        ("sa\\u202eva", "sava:1.0.0", "clusters.sa\u202eva", "'\\u202e': 'sa\\u202eva'"),
        ("sava", "sava\\u0000:1.0.0", "clusters.sava.services[0].breed", "'\\x00': 'sava\\x00:1.0.0'"),
    ],
    ids=["cluster", "breed reference"],
)
def test_unsafe_cluster_names_and_references_in_a_blueprint_are_refused_at_their_place(
    cluster: str, breed: str, path: str, found: str
) -> None:
    text = f'name: sava:1.0\nclusters:\n  "{cluster}":\n    services:\n      breed: "{breed}"\n'
    assert [(issue.path, issue.message.split("; ")[1]) for issue in issues(text, "blueprints")] == [
        (path, f"this one holds {found}.")
    ]
