"""The reference language inside variable values (vamp.md §1.8): every form, and how a bad one fails."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vamp import errors
from vamp.core.deployments import references
from vamp.core.deployments.references import Group, Reference, Text


@pytest.mark.parametrize(
    ("value", "parts"),
    [
        ("plain text", (Text("plain text"),)),
        ("", ()),
        ("$sava.host", (Reference(Group.HOST, "host", "sava", "$sava.host"),)),
        ("$sava.ports.webport", (Reference(Group.PORTS, "webport", "sava", "$sava.ports.webport"),)),
        (
            "$db.environment_variables.USER",
            (Reference(Group.ENVIRONMENT_VARIABLES, "USER", "db", "$db.environment_variables.USER"),),
        ),
        ("$db.constants.SCHEMA", (Reference(Group.CONSTANTS, "SCHEMA", "db", "$db.constants.SCHEMA"),)),
        ("$PORT", (Reference(Group.LOCAL, "PORT", None, "$PORT"),)),
        ("${PORT}", (Reference(Group.LOCAL, "PORT", None, "${PORT}"),)),
        ("${ sava.host }", (Reference(Group.HOST, "host", "sava", "${ sava.host }"),)),
        (
            "${db.constants.SCHEMA}x",
            (Reference(Group.CONSTANTS, "SCHEMA", "db", "${db.constants.SCHEMA}"), Text("x")),
        ),
        ("cost: $$5", (Text("cost: $5"),)),
        ("$$$PORT", (Text("$"), Reference(Group.LOCAL, "PORT", None, "$PORT"))),
        (
            "http://$sava.host:$sava.ports.webport/api",
            (
                Text("http://"),
                Reference(Group.HOST, "host", "sava", "$sava.host"),
                Text(":"),
                Reference(Group.PORTS, "webport", "sava", "$sava.ports.webport"),
                Text("/api"),
            ),
        ),
        ("$NAME.txt", (Reference(Group.LOCAL, "NAME", None, "$NAME"), Text(".txt"))),
        (
            "$db.constants.SCHEMA.sql",
            (Reference(Group.CONSTANTS, "SCHEMA", "db", "$db.constants.SCHEMA"), Text(".sql")),
        ),
        ("$sava.host.example", (Reference(Group.HOST, "host", "sava", "$sava.host"), Text(".example"))),
        ("$A$B", (Reference(Group.LOCAL, "A", None, "$A"), Reference(Group.LOCAL, "B", None, "$B"))),
        (
            "$A,$B",
            (Reference(Group.LOCAL, "A", None, "$A"), Text(","), Reference(Group.LOCAL, "B", None, "$B")),
        ),
        (
            "$USER@$sava-db.host",
            (
                Reference(Group.LOCAL, "USER", None, "$USER"),
                Text("@"),
                Reference(Group.HOST, "host", "sava-db", "$sava-db.host"),
            ),
        ),
    ],
)
def test_values_read_into_text_and_references(value: str, parts: tuple[references.Part, ...]) -> None:
    assert references.parse(value) == parts


USAGE = (
    "write '$NAME', '$cluster.host' or '$cluster.GROUP.NAME' (GROUP: ports, environment_variables, constants)"
)


@pytest.mark.parametrize(
    ("value", "position", "reason"),
    [
        ("price: $", 8, f"expected a name after '$': {USAGE}, or '$$' for '$'"),
        ("a $ b", 3, f"expected a name after '$': {USAGE}, or '$$' for '$'"),
        ("x${sava.host", 1, "'${' is not closed by '}'; write '$$' for a literal '$'"),
        ("${}", 2, f"invalid reference '': {USAGE}"),
        ("${ a.b }", 3, f"invalid reference 'a.b': {USAGE}"),
        ("${a.b.c.d}", 2, f"invalid reference 'a.b.c.d': {USAGE}"),
        ("${config://vamp.key}", 2, f"invalid reference 'config://vamp.key': {USAGE}"),
        (
            "$db.secrets.PASSWORD",
            4,
            f"unknown group 'secrets': {USAGE}; or end the name with braces, '${{db}}'",
        ),
    ],
)
def test_malformed_values_say_where_and_what_is_valid(value: str, position: int, reason: str) -> None:
    with pytest.raises(errors.ExpressionSyntaxError) as caught:
        references.parse(value)

    assert (caught.value.position, caught.value.reason) == (position, reason)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_text_with_dollars_doubled_reads_back_as_itself(text: str) -> None:
    parts = references.parse(text.replace("$", "$$"))

    assert parts == ((Text(text),) if text else ())
