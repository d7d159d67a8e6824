"""Properties: any text gives a tree or a syntax error; the normal form means what the tree means."""

from collections.abc import Callable
from typing import TypeVar

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.core.condition.ir import cookie, host, method, named, path, present, ua
from vamp import errors
from vamp.core import condition
from vamp.core.condition import And, Atom, Constant, Expr, Field, Match, Not, Op, Or, Request

T = TypeVar("T")

FRAGMENTS = [
    *"()<>{}!=~&|\"' \t\n",
    "and", "or", "not", "&&", "||", "==", "!=", "is", "has", "contains", "misses", "matches", "prefix",
    "starts with", "true", "false", "user-agent", "User.Agent", "host", "header", "cookie", "query",
    "path", "method", "x", "Firefox", "IE", "/v1", "[", "]", "*", "\\", "(?i)", "if", "%[path]",
    "path_beg", "path_reg", "{ path_beg /v1 }", "/api%[path]",
]  # fmt: skip

texts = st.one_of(st.text(max_size=60), st.lists(st.sampled_from(FRAGMENTS), max_size=14).map(" ".join))
glued = st.lists(st.sampled_from(FRAGMENTS), max_size=14).map("".join)


def outcome(read: Callable[[str], T], text: str) -> T | errors.ConditionSyntaxError:
    """What ``read`` makes of ``text``: its result, or the syntax error it raised."""
    try:
        return read(text)
    except errors.ConditionSyntaxError as error:
        return error


@settings(max_examples=200, deadline=None)
@given(st.one_of(texts, glued))
def test_any_text_compiles_or_gives_a_condition_syntax_error(text):
    match = outcome(condition.compile, text)
    if isinstance(match, errors.ConditionSyntaxError):
        assert 0 <= match.position <= len(text)
    else:
        assert isinstance(match, Match)
        assert isinstance(condition.parse(text), Constant | Atom | Not | And | Or)


@settings(max_examples=200, deadline=None)
@given(st.one_of(texts, glued))
def test_any_text_reads_as_a_rewrite_or_gives_a_rewrite_syntax_error(text):
    rewrite = outcome(condition.parse_rewrite, text)
    if isinstance(rewrite, errors.ConditionSyntaxError):
        assert isinstance(rewrite, errors.RewriteSyntaxError)
        assert 0 <= rewrite.position <= len(text)
    else:
        assert rewrite.replacement.startswith("/")


# Matchers the parser can produce, over a small world of requests so that each one sometimes holds.
MATCHERS = [
    ua("Firefox"),
    ua("Chrome"),
    present(Field.HEADER, "x-beta"),
    named(Field.HEADER, "x-beta", Op.EQUALS, "yes"),
    named(Field.HEADER, "x-beta", Op.REGEX, "y.*"),
    cookie("a"),
    named(Field.COOKIE, "b", Op.CONTAINS, "1"),
    present(Field.QUERY, "q"),
    named(Field.QUERY, "q", Op.EQUALS, "1"),
    host("example.com"),
    path(Op.PREFIX, "/api"),
    path(Op.REGEX, "/v[0-9]+/.*"),
    path(Op.EQUALS, "/"),
    method("POST"),
]


def trees(atoms: st.SearchStrategy[Atom]) -> st.SearchStrategy[Expr]:
    leaves = st.one_of(atoms, st.booleans().map(Constant))
    return st.recursive(
        leaves,
        lambda children: st.one_of(
            children.map(Not),
            st.lists(children, min_size=2, max_size=3).map(tuple).map(And),
            st.lists(children, min_size=2, max_size=3).map(tuple).map(Or),
        ),
        max_leaves=8,
    )


positive_atoms = st.sampled_from(MATCHERS).map(Atom)
any_atoms = st.builds(lambda matcher, negated: Atom(matcher.negate() if negated else matcher),
                      st.sampled_from(MATCHERS), st.booleans())  # fmt: skip

requests = st.builds(
    Request,
    method=st.sampled_from(["GET", "POST"]),
    path=st.sampled_from(["/", "/api/v1/x", "/v2/x", "/apix"]),
    host=st.sampled_from(["example.com", "EXAMPLE.com", "other.example"]),
    headers=st.dictionaries(
        st.sampled_from(["User-Agent", "x-beta", "X-Beta"]),
        st.sampled_from(["", "yes", "Firefox/121", "Chrome Firefox", "y"]),
        max_size=2,
    ),
    cookies=st.dictionaries(st.sampled_from(["a", "b"]), st.sampled_from(["", "1", "21"]), max_size=2),
    query=st.dictionaries(st.just("q"), st.sampled_from(["1", "2"]), max_size=1),
)


@settings(max_examples=200, deadline=None)
@given(trees(any_atoms), st.lists(requests, min_size=1, max_size=8))
def test_the_normal_form_means_what_the_tree_means(tree, sample):
    match = condition.normalize(tree, "")
    for request in sample:
        assert match.test(request) == tree.test(request)


@settings(max_examples=200, deadline=None)
@given(trees(any_atoms))
def test_described_matches_compile_back_to_themselves(tree):
    match = condition.normalize(tree, "")
    assert condition.compile(condition.describe(match)) == match


def written(tree: Expr) -> str:
    """The condition text of ``tree``, parenthesising every compound operand."""
    match tree:
        case Constant(value=value):
            return str(value).lower()
        case Atom(matcher=matcher):
            return condition.describe(Match((condition.Conjunction((matcher,)),)))
        case Not(operand=operand):
            return f"not {grouped(operand)}"
        case And(operands=operands):
            return " and ".join(grouped(operand) for operand in operands)
        case Or(operands=operands):
            return " or ".join(grouped(operand) for operand in operands)


def grouped(tree: Expr) -> str:
    return f"({written(tree)})" if isinstance(tree, And | Or) else written(tree)


@settings(max_examples=200, deadline=None)
@given(trees(positive_atoms))
def test_parsing_written_trees_gives_the_same_tree(tree):
    assert condition.parse(written(tree)) == tree
