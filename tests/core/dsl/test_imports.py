"""Templates and ``import`` (vamp.md §1.1): documents built on other artifacts' data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from tests.core.dsl.outcomes import issues, messages, read
from vamp.core import model
from vamp.core.units import Cpu, Memory

STORED: dict[tuple[str, str], dict[str, Any]] = {
    ("templates", "base-scale"): {"cpu": 0.5, "memory": "1GB", "metadata": {"team": "shop", "tier": "a"}},
    ("templates", "small"): {"cpu": 0.2, "instances": 2},
    ("scales", "large"): {"name": "large", "kind": "scales", "cpu": 4, "memory": "8GB", "instances": 3},
    ("templates", "loop-a"): {"import": "loop-b"},
    ("templates", "loop-b"): {"import": "loop-a"},
}


def lookup(kind: str, name: str) -> Mapping[str, Any] | None:
    return STORED.get((kind, name))


def test_imports_merge_in_order_under_the_document() -> None:
    (scale,) = read(
        "kind: scales\nname: mine\nimport: [base-scale, small]\nmemory: 2GB\nmetadata: {tier: b}\n",
        lookup=lookup,
    )
    assert scale == model.Scale(
        name="mine", cpu=Cpu(20), memory=Memory(200_000), instances=2, metadata={"team": "shop", "tier": "b"}
    )


def test_a_stored_artifact_can_be_imported_by_kind_and_name() -> None:
    (scale,) = read("name: larger\nimport: scale/large\ninstances: 5\n", lookup=lookup)
    assert scale == model.Scale(name="larger", cpu=Cpu(400), memory=Memory(800_000), instances=5)


def test_templates_of_the_same_text_can_be_imported_after_them() -> None:
    text = """\
        kind: templates
        name: base
        def: {cpu: 1, memory: 1GB}
        ---
        kind: scales
        name: from-template
        import: base
        """
    assert read(text) == [
        model.Template(name="base", definition={"cpu": 1, "memory": "1GB"}),
        model.Scale(name="from-template", cpu=Cpu(100), memory=Memory(100_000)),
    ]


@pytest.mark.parametrize(
    ("imports", "expected"),
    [
        ("''", [("import", "Empty import error.")]),
        (
            "a/b/c",
            [
                (
                    "import",
                    "Import definition error - it must be a reference to an artifact: a template name or "
                    "'kind/name'. Not 'a/b/c'.",
                )
            ],
        ),
        (
            "{name: a}",
            [
                (
                    "import",
                    "Import definition error - it must be a reference to an artifact: a template name or "
                    "'kind/name'. Not {'name': 'a'}.",
                )
            ],
        ),
        (
            "things/a",
            [
                (
                    "import",
                    "Import definition error - it must be a reference to an artifact: a template name or "
                    "'kind/name'. Not 'things/a': valid kinds are breeds, blueprints, scales, slas, "
                    "escalations, "
                    "conditions, routes, rewrites, templates, gateways, deployments, workflows, releases.",
                )
            ],
        ),
        ("[small, missing]", [("import[1]", "Reference 'templates/missing' cannot be resolved.")]),
        ("breed/sava", [("import", "Reference 'breeds/sava' cannot be resolved.")]),
        ("loop-a", [("import", "Import cycle: templates/loop-a -> templates/loop-b -> templates/loop-a.")]),
    ],
)
def test_what_cannot_be_imported_is_an_issue(imports: str, expected: list[tuple[str, str]]) -> None:
    text = f"kind: scales\nname: s\ncpu: 1\nmemory: 1GB\nimport: {imports}\n"
    found = [(issue.path, issue.message) for issue in issues(text, lookup=lookup)]
    assert found == expected


def test_without_a_lookup_only_templates_of_the_text_are_found() -> None:
    assert messages("kind: scales\nname: s\nimport: small\n") == [
        ("import", "Reference 'templates/small' cannot be resolved.")
    ]


def test_a_template_s_definition_must_be_a_map() -> None:
    assert messages("kind: templates\nname: t\ndefinition: [a]\n") == [
        ("definition", "Expected a map, not a list.")
    ]
