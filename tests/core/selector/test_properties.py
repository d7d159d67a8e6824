"""Properties: any text parses or fails cleanly; generated selectors mean what they say; the index never
changes a result; merged weights always total 0 % or 100 %."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.core.selector.instances import observed
from vamp.core import model, selector
from vamp.core.routing import weights
from vamp.core.units import Percentage
from vamp.errors import SelectorSyntaxError

PROPERTY = settings(max_examples=200, deadline=None)


def outcome(text: str) -> selector.Selector | SelectorSyntaxError:
    try:
        return selector.parse(text)
    except SelectorSyntaxError as error:
        return error


def parses_or_fails_cleanly(text: str) -> None:
    result = outcome(text)
    if isinstance(result, SelectorSyntaxError):
        assert 0 <= result.position <= len(text)
        assert result.caret() == f"{text}\n{' ' * result.position}^"
    else:
        assert result.text == text


@PROPERTY
@given(st.text())
def test_any_text_gives_a_selector_or_a_syntax_error(text):
    parses_or_fails_cleanly(text)


FRAGMENTS = [
    "label", "name", "id", "kind", "namespace", "image", "ip", "port", "index", "port_index", "lable",
    "(", ")", "((", "))", "(app)", "(foo)", "((.*))", "(1\\..*)", "([)", "(a{9999999999})", "($namespace)",
    "(8080)", "(x)", "&&", "&", "||", "|", "!", "not ", " and ", " or ", "true", "t", "1", "false", "f", "0",
    " ", "\\", "[", "]", "{", "}", "*", "$", "#", "é", "\n",
]  # fmt: skip


@PROPERTY
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=16).map("".join))
def test_any_mix_of_selector_pieces_gives_a_selector_or_a_syntax_error(text):
    parses_or_fails_cleanly(text)


# A grammar-based strategy: trees of operands whose meaning on SAVA is known, rendered with every spelling
# and only the parentheses precedence needs (plus some it does not), checked against a plain evaluation.

SAVA = observed(
    "sava-1",
    ip="10.0.0.7",
    ports=(8080, 8081),
    image="magneticio/sava:1.0.0",
    labels={"app": "sava", "version": "1.0.0"},
)
LEAVES: list[tuple[str, frozenset[str] | None]] = [
    ("name(sava-1)", frozenset()),
    ("ID(sava-(.*))", frozenset({"1"})),
    ("id(other)", None),
    ("kind(container)", frozenset()),
    ("Type(service)", None),
    ("namespace(default)", frozenset()),
    ("group($namespace)", frozenset()),
    ("namespace(other)", None),
    ("image(magneticio/sava:(1\\..*))", frozenset({"1.0.0"})),
    ("image(other)", None),
    ("label(app)(sava)", frozenset()),
    ("label (version) ((.*))", frozenset({"1.0.0"})),
    ("label((app))((.*))", frozenset({"app=sava"})),
    ("label(app)(other)", None),
    ("ip(10\\.0\\..*)", frozenset()),
    ("host(10.0.0.8)", None),
    ("port(8080)", frozenset()),
    ("port(8081)", None),
    ("index(0)", frozenset()),
    ("port_index(1)", None),
    ("true", frozenset()),
    ("T", frozenset()),
    ("1", frozenset()),
    ("false", None),
    ("F", None),
    ("0", None),
]


@dataclass(frozen=True)
class Tree:
    op: str  # "leaf", "not", "and", "or", "paren"
    spelling: str
    children: tuple[Tree, ...] = ()
    groups: frozenset[str] | None = None

    def render(self) -> str:
        if self.op == "leaf":
            return self.spelling
        if self.op == "paren":
            return f"({self.children[0].render()})"
        if self.op == "not":
            return self.spelling + self.children[0].wrapped(2)
        return self.spelling.join(child.wrapped(1 if self.op == "and" else 0) for child in self.children)

    def wrapped(self, level: int) -> str:
        precedence = {"or": 0, "and": 1, "not": 2}.get(self.op, 3)
        return f"({self.render()})" if precedence < level else self.render()

    def expected(self) -> frozenset[str] | None:
        found = [child.expected() for child in self.children]
        if self.op == "leaf":
            return self.groups
        if self.op == "paren":
            return found[0]
        if self.op == "not":
            return frozenset() if found[0] is None else None
        matched = [groups for groups in found if groups is not None]
        if (self.op == "and" and len(matched) < len(found)) or not matched:
            return None
        return frozenset().union(*matched)


def trees(leaves: Sequence[tuple[str, frozenset[str] | None]]) -> st.SearchStrategy[Tree]:
    def extend(children: st.SearchStrategy[Tree]) -> st.SearchStrategy[Tree]:
        def joined(op: str, spellings: list[str]) -> st.SearchStrategy[Tree]:
            return st.builds(
                Tree,
                st.just(op),
                st.sampled_from(spellings),
                st.lists(children, min_size=2, max_size=3).map(tuple),
            )

        return st.one_of(
            st.builds(
                Tree,
                st.just("not"),
                st.sampled_from(["!", "! ", "not ", "NOT "]),
                children.map(lambda c: (c,)),
            ),
            st.builds(Tree, st.just("paren"), st.just(""), children.map(lambda c: (c,))),
            joined("and", [" && ", "&&", "&", " and ", " AND "]),
            joined("or", [" || ", "||", "|", " or ", " Or "]),
        )

    leaf = st.sampled_from(leaves).map(lambda pair: Tree("leaf", pair[0], groups=pair[1]))
    return st.recursive(leaf, extend, max_leaves=12)


@PROPERTY
@given(trees(LEAVES))
def test_generated_selectors_parse_and_mean_what_they_say(tree):
    expected = tree.expected()
    found = selector.parse(tree.render()).match(SAVA, 0, namespace="default")
    assert found == (None if expected is None else tuple(sorted(expected)))


# The index only narrows: selecting through it gives what evaluating every instance gives.

INDEX_LEAVES = [
    (text, None)
    for text in (
        "name(a)", "name(a|b)", "name(b\\-1)", "kind(service)", "namespace(default)", "namespace($namespace)",
        "image((.*))", "image(img\\.1)", "ip(10\\.0\\.0\\.1)", "label(app)(foo)", "label(app)(foo|bar)",
        "label(version)((.*))", "label(version)(1\\.0)", "label(app)((.*))", "label(.*)(foo)",
        "label((app))((.*))", "port(80)", "index(0)", "true", "false",
    )
]  # fmt: skip

INSTANCES = st.lists(
    st.builds(
        observed,
        name=st.sampled_from(["a", "b", "b-1", "c"]),
        ip=st.sampled_from(["10.0.0.1", "10.0.0.2"]),
        ports=st.lists(st.sampled_from([80, 8080]), max_size=2).map(tuple),
        kind=st.sampled_from(["container", "service"]),
        namespace=st.sampled_from(["default", "other"]),
        image=st.sampled_from([None, "img.1", "img-1"]),
        labels=st.dictionaries(
            st.sampled_from(["app", "version"]), st.sampled_from(["foo", "bar", "1.0", "1-0"]), max_size=2
        ),
        ready=st.booleans(),
    ),
    max_size=8,
)


@PROPERTY
@given(trees(INDEX_LEAVES), INSTANCES, st.sampled_from([None, "default", "other"]))
def test_the_index_never_changes_what_is_selected(tree, instances, namespace):
    parsed = selector.parse(tree.render())
    by_route: defaultdict[str, set[selector.Target]] = defaultdict(set)
    for instance in instances:
        for position, port in enumerate(instance.ports):
            groups = parsed.match(instance, position, namespace=namespace)
            if instance.ready and groups is not None:
                by_route[selector.route_name(groups)].add(
                    selector.Target(instance.name, instance.ip, port.number)
                )
    result = selector.select(parsed, selector.Index(instances), namespace=namespace)
    assert {route: set(selection.targets) for route, selection in result.items()} == by_route
    assert list(result) == sorted(result)
    assert all(list(selection.targets) == sorted(selection.targets) for selection in result.values())


# Merging never breaks the weights.

ROUTE_NAMES = st.sampled_from(["(1)", "(2)", "(3)", "(4)", "(5)"])
EXISTING = st.dictionaries(
    ROUTE_NAMES,
    st.one_of(
        st.builds(model.Ref, name=st.just("stored")),
        st.builds(model.Route, weight=st.one_of(st.none(), st.integers(0, Percentage.FULL).map(Percentage))),
    ),
    max_size=5,
)


@PROPERTY
@given(EXISTING, st.sets(ROUTE_NAMES, max_size=5))
def test_merged_weights_total_zero_or_one_hundred(existing, selected):
    selections = {name: selector.Selection(name, (name[1:-1],), ()) for name in selected}
    merged = selector.merge_routes(existing, selections)
    assert list(merged) == sorted(selected)
    routes = [route for route in merged.values() if isinstance(route, model.Route)]
    total = weights.total([route.weight for route in routes])
    assert total == (weights.FULL if routes else 0)
    assert all(route.weight is not None for route in routes)
    for name, route in merged.items():
        before = existing.get(name)
        if isinstance(before, model.Route) and isinstance(route, model.Route):
            assert route == before.model_copy(update={"weight": route.weight})  # only the weight may change
        elif before is not None:
            assert route is before
