"""Parsing selectors: every operand and spelling, precedence, parentheses, and errors with their caret."""

import re

import pytest

from vamp.core import selector
from vamp.core.selector import syntax
from vamp.errors import SelectorSyntaxError


def pattern(text: str) -> syntax.Pattern:
    return syntax.Pattern(text, re.compile(text))


def named(text: str) -> syntax.FieldMatch:
    return syntax.FieldMatch(syntax.Field.NAME, pattern(text))


DEEP_REGEX = "(" * 1000 + ")" * 1000
"""Groups nested deeper than Python's regular expression parser can recurse."""

T = syntax.Constant(True)
F = syntax.Constant(False)


@pytest.mark.parametrize(
    ("text", "root"),
    [
        ("name(sava:1.0)", named("sava:1.0")),
        ("id(sava:1.0)", named("sava:1.0")),
        ("kind(service)", syntax.FieldMatch(syntax.Field.KIND, pattern("service"))),
        ("type(container)", syntax.FieldMatch(syntax.Field.KIND, pattern("container"))),
        ("namespace(default)", syntax.FieldMatch(syntax.Field.NAMESPACE, pattern("default"))),
        ("group(vamp-.*)", syntax.FieldMatch(syntax.Field.NAMESPACE, pattern("vamp-.*"))),
        ("namespace($namespace)", syntax.CurrentNamespace()),
        ("namespace(${namespace})", syntax.CurrentNamespace()),
        ("group($namespace)", syntax.CurrentNamespace()),
        (
            "image(magneticio/sava:1.0.*)",
            syntax.FieldMatch(syntax.Field.IMAGE, pattern("magneticio/sava:1.0.*")),
        ),
        ("ip(172.17.0.1)", syntax.FieldMatch(syntax.Field.IP, pattern("172.17.0.1"))),
        ("host(10\\.0\\..*)", syntax.FieldMatch(syntax.Field.IP, pattern("10\\.0\\..*"))),
        ("label(app)(foo)", syntax.LabelMatch(pattern("app"), pattern("foo"))),
        ("label(version)((.*))", syntax.LabelMatch(pattern("version"), pattern("(.*)"))),
        ("label(io.vamp.*)(sava:1.1.*)", syntax.LabelMatch(pattern("io.vamp.*"), pattern("sava:1.1.*"))),
        ("port(8080)", syntax.PortNumber(8080)),
        ("port( 8080 )", syntax.PortNumber(8080)),
        ("port_index(0)", syntax.PortIndex(0)),
        ("index(1)", syntax.PortIndex(1)),
        ("true", T),
        ("t", T),
        ("1", T),
        ("false", F),
        ("f", F),
        ("0", F),
    ],
)
def test_every_operand_and_spelling(text, root):
    assert selector.parse(text).root == root


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("name((.*))", "(.*)"),
        ("image(magneticio/sava:(1\\..*))", "magneticio/sava:(1\\..*)"),
        ("name(a(b(c)d)e)", "a(b(c)d)e"),
        ("name(a\\)b)", "a\\)b"),
        ("name(a\\(b)", "a\\(b"),
        ("name([)(])", "[)(]"),
        ("name([]()])", "[]()]"),
        ("name([^]()])", "[^]()]"),
        ("name(a b)", "a b"),
        ("name()", ""),
    ],
)
def test_an_argument_is_regex_text_with_balanced_parentheses(text, value):
    root = selector.parse(text).root
    assert isinstance(root, syntax.FieldMatch)
    assert root.pattern.text == value


@pytest.mark.parametrize(
    ("text", "root"),
    [
        ("t || f && f", syntax.AnyOf((T, syntax.AllOf((F, F))))),
        ("t | f & f", syntax.AnyOf((T, syntax.AllOf((F, F))))),
        ("t or f and f", syntax.AnyOf((T, syntax.AllOf((F, F))))),
        ("f && f || t", syntax.AnyOf((syntax.AllOf((F, F)), T))),
        ("!t && f", syntax.AllOf((syntax.Not(T), F))),
        ("not t or f", syntax.AnyOf((syntax.Not(T), F))),
        ("!(t || f)", syntax.Not(syntax.AnyOf((T, F)))),
        ("(t || f) && f", syntax.AllOf((syntax.AnyOf((T, F)), F))),
        ("t && f && t", syntax.AllOf((T, F, T))),
        ("t || f || t", syntax.AnyOf((T, F, T))),
        ("((t))", T),
        ("!!t", syntax.Not(syntax.Not(T))),
        ("not not t", syntax.Not(syntax.Not(T))),
        ("!!!t", syntax.Not(T)),
        ("! ! ! ! t", syntax.Not(syntax.Not(T))),
    ],
)
def test_precedence_not_before_and_before_or(text, root):
    assert selector.parse(text).root == root


@pytest.mark.parametrize(
    "text",
    [
        "LABEL(app)(foo) AND NOT Name(x) OR TRUE",
        "Label(app)(foo) And Not NAME(x) Or T",
        "label(app)(foo)&&!name(x)||1",
        "  label (app) (foo)\n&&\t! name (x) ||   true  ",
        "label(app)(foo) & not name(x) | t",
    ],
)
def test_keywords_are_case_insensitive_and_whitespace_is_flexible(text):
    expected = syntax.AnyOf(
        (syntax.AllOf((syntax.LabelMatch(pattern("app"), pattern("foo")), syntax.Not(named("x")))), T)
    )
    assert selector.parse(text).root == expected


def test_regular_expressions_keep_their_case():
    assert selector.parse("NAME(Sava)").root == named("Sava")


def test_parses_are_cached():
    assert selector.parse("label(app)(foo)") is selector.parse("label(app)(foo)")


def test_a_selector_remembers_its_text():
    parsed = selector.parse("label(app)(foo)")
    assert (parsed.text, str(parsed)) == ("label(app)(foo)", "label(app)(foo)")


VALID = (
    "name, id, kind, type, namespace, group, image, label, ip, host, port, port_index, index, "
    "true, t, 1, false, f and 0"
)


@pytest.mark.parametrize(
    ("text", "message", "caret"),
    [
        ("", "expected an operand such as label(app)(foo), found the end of the selector", ""),
        ("   ", "expected an operand such as label(app)(foo), found the end of the selector", "   "),
        (
            "lable(app)(x)",
            f"unknown operand 'lable'; did you mean 'label'? valid operands are {VALID}",
            "",
        ),
        ("version(1)", f"unknown operand 'version'; valid operands are {VALID}", ""),
        (
            "(label(app)(foo)",
            "expected 'and', 'or' or ')' to close the '(' at position 1, found the end of the selector",
            "                ",
        ),
        (
            "(t || (f)",
            "expected 'and', 'or' or ')' to close the '(' at position 1, found the end of the selector",
            "         ",
        ),
        ("label(app)(foo))", "expected 'and', 'or' or the end of the selector, found ')'", "               "),
        ("t f", "expected 'and', 'or' or the end of the selector, found 'f'", "  "),
        ("name(a) # b", "expected 'and', 'or' or the end of the selector, found '#'", "        "),
        ("t &&", "expected an operand such as label(app)(foo), found the end of the selector", "    "),
        ("&& t", "expected an operand such as label(app)(foo), found '&&'", ""),
        ("t || )", "expected an operand such as label(app)(foo), found ')'", "     "),
        ("!", "expected an operand such as label(app)(foo), found the end of the selector", " "),
        ("()", "expected an operand such as label(app)(foo), found ')'", " "),
        ("name", "expected '(' after name, as in name(sava), found the end of the selector", "    "),
        ("image && t", "expected '(' after image, as in image(magneticio/sava:1.0.0), found '&&'", "      "),
        (
            "label(app)",
            "expected the label value in parentheses after label(app), as in label(app)(foo), "
            "found the end of the selector",
            "          ",
        ),
        ("name(a)(b)", "name takes one argument, found '(b)'", "       "),
        ("label(a)(b)(c)", "label takes two arguments, found '(c)'", "           "),
        ("true(x)", "true takes no argument, found '(x)'", "    "),
        (
            "name(sava",
            "expected ')' to close the '(' after name at position 5, found the end of the selector",
            "         ",
        ),
        (
            "label(app)((.*)",
            "expected ')' to close the '(' after label at position 11, found the end of the selector",
            "               ",
        ),
        (
            "name(a\\)",
            "expected ')' to close the '(' after name at position 5, found the end of the selector",
            "        ",
        ),
        (
            "name(a[)",
            "invalid regular expression 'a[' in name(...): unterminated character set",
            "      ",
        ),
        ("label(app)(**)", "invalid regular expression '**' in label(...): nothing to repeat", "           "),
        (
            "image(a{99999999999})",
            "invalid regular expression 'a{99999999999}' in image(...): a repetition count is too large",
            "      ",
        ),
        ("port(http)", "expected a whole number in port(...), as in port(8080), found 'http'", "     "),
        ("index(-1)", "expected a whole number in index(...), as in index(0), found '-1'", "      "),
        (
            "port_index()",
            "expected a whole number in port_index(...), as in port_index(0), found ''",
            "           ",
        ),
        ("(" * 51 + "t" + ")" * 51, "parentheses nest more than 50 levels deep", " " * 50),
        ("t && " + "(" * 51 + "t" + ")" * 51, "parentheses nest more than 50 levels deep", " " * 55),
        # a regular expression nesting deeper than Python's parser recurses is refused, not a crash
        (
            f"name({DEEP_REGEX})",
            f"invalid regular expression '{DEEP_REGEX}' in name(...): its groups nest too deeply",
            "     ",
        ),
    ],
)
def test_syntax_errors_say_what_is_wrong_and_point_at_it(text, message, caret):
    with pytest.raises(SelectorSyntaxError) as caught:
        selector.parse(text)
    assert caught.value.reason == message
    assert caught.value.caret() == f"{text}\n{caret}^"


def test_a_syntax_error_reads_as_a_sentence():
    with pytest.raises(SelectorSyntaxError) as caught:
        selector.parse("lable(app)(x)")
    assert str(caught.value).startswith(
        "Invalid selector 'lable(app)(x)': unknown operand 'lable'; did you mean"
    )
    assert str(caught.value).endswith("at position 1.")


def test_nesting_up_to_the_limit_is_fine():
    text = "(" * selector.MAX_DEPTH + "t" + ")" * selector.MAX_DEPTH
    assert selector.parse(text).root == T
