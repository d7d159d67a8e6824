"""Reading YAML text into plain data: places of values, duplicate keys, merges, documents, syntax errors."""

from __future__ import annotations

import json
import textwrap
import time

import pytest

from tests.core.dsl.outcomes import located
from vamp import errors
from vamp.core.dsl import source


def load(text: str) -> source.Loaded:
    return source.load(textwrap.dedent(text))


def test_every_value_and_key_has_its_line_and_column() -> None:
    (document,) = load(
        """\
        name: sava
        clusters:
          sava:
            services: [a, {breed: b}]
        """
    ).documents
    assert document.marks[("name",)] == (1, 7)
    assert document.marks[("clusters", "sava")] == (4, 5)
    assert document.marks[("clusters", "sava", "services", 1, "breed")] == (4, 27)
    assert document.key_marks[("clusters", "sava", "services")] == (4, 5)
    assert document.mark(("clusters", "sava", "services", 0, "breed", "ports")) == (4, 16)
    assert document.mark(("nowhere",)) == (1, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("port: 9050", 9050),
        ("port: '9050'", "9050"),
        ("on: yes", True),
        ("off: Off", False),
        ("none: ~", None),
        ("hex: 0x10", 16),
        ("big: 1_000", 1000),
        ("cpu: .5", 0.5),
        ("day: 2024-01-31", "2024-01-31"),
        ("since: 2001-12-14t21:59:43.10-05:00", "2001-12-14t21:59:43.10-05:00"),
        ("text: !!str 12", "12"),
    ],
)
def test_scalars_are_read_as_yaml_1_1_says_but_times_stay_as_written(text: str, expected: object) -> None:
    (document,) = load(text).documents
    assert isinstance(document.data, dict)
    assert list(document.data.values()) == [expected]


def test_keys_are_the_text_they_were_written_as() -> None:
    (document,) = load("9050: a\n1.10: b\n~: c\ntrue: d\n").documents
    assert document.data == {"9050": "a", "1.10": "b", "~": "c", "true": "d"}


def test_a_duplicate_key_is_an_error_at_the_second_key() -> None:
    """Vamp issue #648: a second ``weight`` silently replaced the first and slipped past the weight rules."""
    text = """\
        name: sava
        kind: gateways
        port: 9050
        routes:
          sava/sava/webport:
            weight: 50%
            weight: 100%
          other/other/webport:
            weight: 50%
        """
    assert located(text) == [
        "7:5 routes.sava/sava/webport.weight: Duplicate key 'weight' (first at line 6); each key may appear "
        "only once."
    ]


def test_a_duplicate_route_is_an_error() -> None:
    text = """\
        name: sava
        kind: gateways
        routes:
          sava/sava/webport: {weight: 50%}
          sava/sava/webport: {weight: 50%}
        """
    assert located(text) == [
        "5:3 routes.sava/sava/webport: Duplicate key 'sava/sava/webport' (first at line 4); "
        "each key may appear only once."
    ]


def test_merge_keys_take_the_maps_they_name_under_the_map_s_own_keys() -> None:
    (document,) = load(
        """\
        base: &base {cpu: 0.2, memory: 64MB, instances: 1}
        more: &more {instances: 3, extra: x}
        scale:
          <<: [*more, *base]
          cpu: 0.5
        """
    ).documents
    assert isinstance(document.data, dict)
    assert document.data["scale"] == {"cpu": 0.5, "memory": "64MB", "instances": 3, "extra": "x"}
    assert document.marks[("scale", "memory")] == (1, 32)
    assert document.marks[("scale", "cpu")] == (5, 8)


def test_a_merged_key_written_again_is_no_duplicate() -> None:
    (document,) = load("a: &a {x: 1}\nb:\n  <<: *a\n  x: 2\n").documents
    assert document.data == {"a": {"x": 1}, "b": {"x": 2}}


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("a: 1\n---\nb: 2\n", 2),
        ("- a: 1\n- b: 2\n- c: 3\n", 3),
        ("---\n---\na: 1\n---\n", 1),
        ("", 0),
        ('[{"a": 1}, {"b": 2}]', 2),
    ],
)
def test_each_artifact_is_a_document_whether_separated_or_listed(text: str, count: int) -> None:
    loaded = source.load(text)
    assert [document.index for document in loaded.documents] == list(range(count))
    assert loaded.issues == []


def test_json_with_tabs_reads_like_yaml() -> None:
    (document,) = source.load(
        '{\n\t"name": "sava",\n\t"ports": {\n\t\t"webport": "8080/http"\n\t}\n}'
    ).documents
    assert document.data == {"name": "sava", "ports": {"webport": "8080/http"}}
    assert document.marks[("ports", "webport")] == (4, 14)


@pytest.mark.parametrize(
    ("text", "issue"),
    [
        (
            "name: sava\nports: [8080\nkind: breeds\n",
            errors.Issue(
                "Error: did not find expected ',' or ']' (while parsing a flow sequence that starts at line "
                "2, "
                "column 8).",
                "",
                0,
                3,
                5,
            ),
        ),
        (
            "a: 1\n---\nname: b: c\n",
            errors.Issue("Error: mapping values are not allowed in this context.", "", 1, 3, 8),
        ),
        ("a: *nowhere\n", errors.Issue("Error: found undefined alias.", "", 0, 1, 4)),
        (
            "a: \x00\n",
            errors.Issue(
                "Error: unacceptable character #x0000: control characters are not allowed.", "", 0, 1, 4
            ),
        ),
        (
            "a: !!binary aGVsbG8=\n",
            errors.Issue(
                "Unsupported YAML tag 'tag:yaml.org,2002:binary'; use plain maps, lists, strings, numbers, "
                "booleans and null.",
                "a",
                0,
                1,
                4,
            ),
        ),
        (
            "a: !thing {b: 1}\n",
            errors.Issue(
                "Unsupported YAML tag '!thing'; use plain maps, lists, strings, numbers, booleans and null.",
                "a",
                0,
                1,
                4,
            ),
        ),
        (
            "a: &x\n  b: *x\n",
            errors.Issue("An alias cannot be used inside the value it names.", "a.b", 0, 1, 4),
        ),
        (
            "a: &x {<<: *x}\n",
            errors.Issue("An alias cannot be used inside the value it names.", "a", 0, 1, 4),
        ),
        (
            "{[a]: b}\n",
            errors.Issue(
                "A key must be a plain value (a string or a number), not a map or a list.", "", 0, 1, 2
            ),
        ),
        (
            "a: &x {b: 1}\nc: {<<: [1]}\n",
            errors.Issue("A merge key '<<' takes a map, or a list of maps.", "c", 0, 2, 10),
        ),
    ],
)
def test_what_is_not_yaml_for_vamp_is_an_issue_at_its_place(text: str, issue: errors.Issue) -> None:
    assert source.load(text).issues == [issue]


def test_values_nested_too_deep_are_an_issue() -> None:
    loaded = source.load("a: " + "[" * 250 + "]" * 250)
    assert [issue.message for issue in loaded.issues] == [
        "Values nested more than 100 levels deep are not supported."
    ]


def test_json_nested_too_deep_is_an_issue_at_the_level_too_many() -> None:
    loaded = source.load('{"a": ' * 150 + "1" + "}" * 150)
    assert [(issue.message, issue.line, issue.column) for issue in loaded.issues] == [
        ("Values nested more than 100 levels deep are not supported.", 1, 607)
    ]


def test_a_text_of_very_many_keys_is_refused_before_it_is_read_in_full() -> None:
    text = json.dumps({f"key{index}": index for index in range(300_000)})  # about 4.4 MB
    started = time.perf_counter()
    loaded = source.load(text)
    elapsed = time.perf_counter() - started
    assert [issue.message for issue in loaded.issues] == [
        "The document holds more than 50,000 values; split it up."
    ]
    assert loaded.documents == []
    assert elapsed < 1.0, f"refusing took {elapsed:.2f} s"


def test_documents_of_real_size_are_read() -> None:
    text = "---\n".join(
        f"name: breed{index}\nenvironment_variables: {json.dumps({f'V{i}': i for i in range(100)})}\n"
        for index in range(100)
    )
    loaded = source.load(text)
    assert loaded.issues == []
    assert len(loaded.documents) == 100


@pytest.mark.parametrize("number", ["9" * 5000, "-" + "1" * 101, "0x" + "f" * 120])
def test_whole_numbers_of_too_many_digits_are_an_issue_at_their_place(number: str) -> None:
    loaded = source.load(f"scale:\n  instances: {number}\n")
    assert len(loaded.issues) == 1
    issue = loaded.issues[0]
    assert (issue.path, issue.line, issue.column) == ("scale.instances", 2, 14)
    assert issue.message.startswith("Whole numbers of more than 100 digits are not supported")


def test_a_whole_number_of_a_hundred_digits_is_read() -> None:
    assert source.load(f"a: {'9' * 100}").documents[0].data == {"a": int("9" * 100)}


@pytest.mark.parametrize("number", [".inf", "-.Inf", ".nan", "1.0e+400", "1" * 400 + ".0"])
def test_infinite_numbers_are_an_issue(number: str) -> None:
    loaded = source.load(f"a: {number}")
    assert [(issue.path, issue.message) for issue in loaded.issues] == [
        ("a", f"Expected a finite number, not {number!r}.")
    ]


def test_aliases_that_expand_beyond_reason_are_an_issue(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(source, "MAX_VALUES", 1000)
    laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + level)}: &{chr(98 + level)} [{', '.join(['*' + chr(97 + level)] * 10)}]\n"
        for level in range(4)
    )
    loaded = source.load(laughs)
    assert [issue.message for issue in loaded.issues] == [
        "Aliases expand the text to more than 1,000 values (at most 10,000 more than the 61 written, and "
        "1,000 in all); split it up."
    ]


def test_an_alias_bomb_stops_after_ten_thousand_values_more_than_it_holds() -> None:
    bomb = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"{chr(98 + level)}: &{chr(98 + level)} [{', '.join(['*' + chr(97 + level)] * 9)}]\n"
        for level in range(8)
    )
    started = time.perf_counter()
    loaded = source.load(bomb)
    elapsed = time.perf_counter() - started
    assert [issue.message for issue in loaded.issues] == [
        "Aliases expand the text to more than 10,100 values (at most 10,000 more than the 100 written, and "
        "1,000,000 in all); split it up."
    ]
    assert elapsed < 0.5, f"refusing took {elapsed:.2f} s"


def test_aliases_within_reason_are_expanded() -> None:
    text = "base: &base {cpu: 1, memory: 1GB}\n" + "".join(f"s{index}: *base\n" for index in range(1000))
    loaded = source.load(text)
    assert loaded.issues == []
    assert loaded.documents[0].data == {"base": {"cpu": 1, "memory": "1GB"}} | {
        f"s{index}": {"cpu": 1, "memory": "1GB"} for index in range(1000)
    }


def test_a_body_of_ten_thousand_small_documents_is_read() -> None:
    documents = [
        f"name: app{n}\nport: {20000 + n}/http\nselector: label(app)(app{n})\n" for n in range(10_000)
    ]
    as_json = json.dumps([{"name": f"app{n}", "port": f"{20000 + n}/http"} for n in range(10_000)])

    for text in ("---\n".join(documents), as_json):
        loaded = source.load(text)
        assert loaded.issues == []
        assert len(loaded.documents) == 10_000


@pytest.mark.parametrize("listed", [False, True], ids=["documents", "list"])
def test_one_document_of_too_many_values_is_refused_naming_it(listed: bool) -> None:
    small, large = {"name": "small"}, {f"key{index}": index for index in range(30_000)}
    if listed:
        text = json.dumps([small, small, large])
    else:
        text = "\n---\n".join(json.dumps(document) for document in (small, small, large))

    loaded = source.load(text)

    assert [(issue.message, issue.document) for issue in loaded.issues] == [
        ("The document holds more than 50,000 values; split it up.", 2)
    ]
    assert loaded.documents == []


def test_a_text_of_too_many_values_in_all_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(source, "MAX_VALUES", 1000)
    text = "---\n".join(f"name: app{n}\nport: {20000 + n}/http\n" for n in range(300))

    loaded = source.load(text)

    assert [(issue.message, issue.document) for issue in loaded.issues] == [
        ("The text holds more than 1,000 values; split it up.", 200)
    ]
