"""What every document shares: kinds, names, metadata, unexpected keys, several documents, issues."""

from __future__ import annotations

import json

import pytest

from tests.core.dsl.outcomes import located, messages, one, read
from vamp import errors
from vamp.core import dsl, model
from vamp.core.units import Cpu, Memory

SCALE = "name: small\ncpu: 0.2\nmemory: 64MB\n"
SMALL = model.Scale(name="small", cpu=Cpu(20), memory=Memory(6400))


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (SCALE, "scales"),
        (SCALE, "scale"),
        ("kind: scales\n" + SCALE, None),
        ("kind: scale\n" + SCALE, None),
        ("kind: scales\n" + SCALE, "scales"),
        ("kind: scale\n" + SCALE, "scales"),
    ],
)
def test_the_kind_comes_from_the_document_or_the_caller_plural_or_singular(
    text: str, kind: str | None
) -> None:
    assert read(text, kind) == [SMALL]


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        (
            "kind: breeds\n" + SCALE,
            "scales",
            [("kind", "Inconsistent kind: given 'breeds' but found 'scales'.")],
        ),
        (
            "kind: breed\n" + SCALE,
            "scale",
            [("kind", "Inconsistent kind: given 'breed' but found 'scales'.")],
        ),
        (
            "kind: things\n" + SCALE,
            None,
            [
                (
                    "kind",
                    "Unsupported kind 'things'; valid kinds are: breeds, blueprints, scales, slas, "
                    "escalations, "
                    "conditions, routes, rewrites, templates, gateways, deployments, workflows, releases.",
                )
            ],
        ),
        (
            SCALE,
            None,
            [
                (
                    "",
                    "Missing kind; say which kind of artifact this is with 'kind:', one of: breeds, "
                    "blueprints, "
                    "scales, slas, escalations, conditions, routes, rewrites, templates, gateways, "
                    "deployments, "
                    "workflows, releases.",
                )
            ],
        ),
        ("kind: [scales]\n" + SCALE, None, [("kind", "Expected a string, not a list.")]),
        (
            "- 1\n- [a]\n",
            "scales",
            [
                ("", "Expected an artifact (a map of fields), not the number 1."),
                ("", "Expected an artifact (a map of fields), not a list."),
            ],
        ),
    ],
)
def test_a_wrong_or_missing_kind_is_an_issue(
    text: str, kind: str | None, expected: list[tuple[str, str]]
) -> None:
    assert messages(text, kind) == expected


def test_an_unknown_kind_asked_for_is_an_issue() -> None:
    with pytest.raises(errors.DslError, match="Unsupported kind 'things'"):
        dsl.read(SCALE, kind="things")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "a b",
            "Illegal name or reference - white space characters, '/', '[' and ']' are not allowed: 'a b'.",
        ),
        (
            "a/b",
            "Illegal name or reference - white space characters, '/', '[' and ']' are not allowed: 'a/b'.",
        ),
        (
            "a[1]",
            "Illegal name or reference - white space characters, '/', '[' and ']' are not allowed: 'a[1]'.",
        ),
        ("1.10", "Expected a string, not the number 1.1 (write it in quotes if you mean the text: '1.1')."),
        ("~", "Missing value for required key 'name' in scale."),
    ],
)
def test_names_are_checked(name: str, message: str) -> None:
    assert messages(f"name: {name}\ncpu: 1\nmemory: 1GB\n", "scales") == [("name", message)]


def test_a_name_is_required() -> None:
    assert located("cpu: 1\nmemory: 1GB\n", "scales") == ["1:1 name: Missing required key 'name' in scale."]


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        ("{owner: team-a, tags: [a, b]}", {"owner": "team-a", "tags": ["a", "b"]}),
        ("~", {}),
        ("{}", {}),
    ],
)
def test_metadata_is_a_free_map(metadata: str, expected: dict[str, object]) -> None:
    found = one(SCALE + f"metadata: {metadata}\n", "scales")
    assert found.metadata == expected


def test_metadata_must_be_a_map() -> None:
    assert messages(SCALE + "metadata: owner\n", "scales") == [
        ("metadata", "Unsupported metadata - it must be a map of keys to values, not the string 'owner'.")
    ]


def test_lookup_name_is_accepted_and_ignored() -> None:
    assert read(SCALE + "lookup_name: 5a3f\n", "scales") == [SMALL]


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (
            "cpus",
            "Unexpected key 'cpus' in scale; valid keys are: cpu, instances, memory, metadata, name. "
            "Did you mean 'cpu'?",
        ),
        ("zzz", "Unexpected key 'zzz' in scale; valid keys are: cpu, instances, memory, metadata, name."),
    ],
)
def test_unexpected_keys_are_reported_with_the_valid_ones(key: str, message: str) -> None:
    assert located(SCALE + f"{key}: 1\n", "scales") == [f"4:1 {key}: {message}"]


def test_every_issue_of_every_document_is_reported_together_in_text_order() -> None:
    text = """\
        name: small
        cpu: lots
        memory: 64
        ---
        kind: breeds
        name: sava
        deployable: magneticio/sava:1.0.0
        ports: {web.port: 8080}
        ---
        kind: scales
        name: ok
        cpu: 1
        memory: 1GB
        wieght: 1
        """
    assert located(text, None) == [
        "1:1 Missing kind; say which kind of artifact this is with 'kind:', one of: breeds, blueprints, "
        "scales, "
        "slas, escalations, conditions, routes, rewrites, templates, gateways, deployments, "
        "workflows, releases.",
        "8:9 ports['web.port']: Illegal strict name - white space characters, '/', '[', ']' and '.' are not "
        "allowed: 'web.port'.",
        "14:1 wieght: Unexpected key 'wieght' in scale; valid keys are: cpu, instances, memory, metadata, "
        "name.",
    ]


def test_issues_name_their_document() -> None:
    text = "kind: scales\nname: a\ncpu: 1\nmemory: 1GB\n---\nkind: scales\nname: b\ncpu: x\nmemory: 1GB\n"
    with pytest.raises(errors.DslError) as caught:
        dsl.read(text)
    (issue,) = caught.value.issues
    assert (issue.document, issue.line, issue.column, issue.path) == (1, 8, 6, "cpu")
    assert issue.located("scales.yml") == (
        "scales.yml:8:6: cpu: Expected CPU cores such as 0.2, 2 or '500m', not 'x'."
    )


def test_read_one_wants_exactly_one_artifact() -> None:
    assert dsl.read_one(SCALE, kind="scales") == SMALL
    for text, count in (("", 0), (SCALE + "---\n" + SCALE, 2)):
        with pytest.raises(errors.DslError) as caught:
            dsl.read_one(text, kind="scale")
        assert str(caught.value) == f"Expected exactly one artifact of kind 'scales', found {count}."


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "scales", "name": "small", "cpu": 0.2, "memory": "64MB"},
        [{"kind": "scales", "name": "small", "cpu": 0.2, "memory": "64MB"}],
    ],
)
def test_data_already_parsed_reads_like_text(data: object) -> None:
    assert dsl.read_data(data) == [SMALL]


def test_issues_of_data_already_parsed_have_no_line() -> None:
    with pytest.raises(errors.DslError) as caught:
        dsl.read_data(
            [{"kind": "scales", "name": "a", "cpu": 1, "memory": "1GB"}, {"kind": "scales", "name": "b"}]
        )
    assert [(issue.document, issue.path, issue.line, issue.message) for issue in caught.value.issues] == [
        (1, "cpu", 0, "Missing required key 'cpu' in scale."),
        (1, "memory", 0, "Missing required key 'memory' in scale."),
    ]
    assert (
        caught.value.issues[0].located() == "<input>[document 1]: cpu: Missing required key 'cpu' in scale."
    )


def test_nothing_to_read_is_no_artifact() -> None:
    assert dsl.read("") == []
    assert dsl.read_data(None) == []


def test_a_key_without_a_value_is_a_key_not_given() -> None:
    text = """\
        name: sava:1.0
        gateways: ~
        environment_variables: ~
        dialects: ~
        clusters:
          sava:
            services:
              - breed: sava:1.0.0
                scale: ~
                arguments: ~
                env: ~
                health_checks: ~
                network: ~
            sla: ~
            gateways: ~
            metadata: ~
        """
    assert read(text, "blueprints") == [
        model.Blueprint(
            name="sava:1.0",
            clusters={"sava": model.Cluster(services=(model.Service(breed=model.Ref(name="sava:1.0.0")),))},
        )
    ]


def test_a_required_key_without_a_value_is_missing_its_value() -> None:
    assert located("name: small\ncpu: ~\nmemory: 1GB\n", "scales") == [
        "2:6 cpu: Missing value for required key 'cpu' in scale."
    ]


def test_json_reads_like_yaml() -> None:
    blueprint = model.Blueprint(
        name="sava:1.0",
        clusters={
            "sava": model.Cluster(
                services=(model.Service(breed=model.Ref(name="sava:1.0.0"), scale=model.Ref(name="small")),)
            )
        },
    )
    text = json.dumps([dsl.to_data(blueprint), dsl.to_data(SMALL)], indent="\t")
    assert dsl.read(text) == [blueprint, SMALL]


def test_an_artifact_inside_another_must_be_of_its_kind() -> None:
    text = "name: bp\nclusters: {sava: {breed: {kind: scales, name: sava:1.0.0, deployable: x}}}\n"
    assert messages(text, "blueprints") == [
        ("clusters.sava.services[0].breed.kind", "Inconsistent kind: given 'scales' but found 'breeds'.")
    ]
