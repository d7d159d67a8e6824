"""The recursive-descent parser of the selector language: text to ``Selector`` (vamp.md §1.10).

::

    Expression := Term (("or" | "||" | "|") Term)*
    Term       := Factor (("and" | "&&" | "&") Factor)*
    Factor     := ("!" | "not")* (Operand | "(" Expression ")")
    Operand    := name(V) | id(V) | kind(V) | type(V) | namespace(V) | group(V) | image(V) | label(K)(V)
                | ip(V) | host(V) | port(N) | port_index(N) | index(N) | true | t | 1 | false | f | 0

Keywords and operand names are case-insensitive. Regular expressions are compiled here, so a bad one is
a syntax error pointing into it. Any text gives either a ``Selector`` or a ``SelectorSyntaxError``,
never another exception; that is why nesting is bounded (``MAX_DEPTH``) and repeated negations fold.
"""

from __future__ import annotations

import difflib
import functools
import re
import warnings

from vamp.core.selector import syntax
from vamp.core.selector.selector import Selector
from vamp.core.selector.tokens import Kind, Token, tokenize
from vamp.errors import SelectorSyntaxError

MAX_DEPTH = 50
"""How deeply parentheses may nest; deeper text is rejected rather than exhausting the stack."""

# Every spelling of an operand, and the operand it means.
_OPERANDS = {
    "name": "name",
    "id": "name",
    "kind": "kind",
    "type": "kind",
    "namespace": "namespace",
    "group": "namespace",
    "image": "image",
    "label": "label",
    "ip": "ip",
    "host": "ip",
    "port": "port",
    "port_index": "index",
    "index": "index",
    "true": "true",
    "t": "true",
    "1": "true",
    "false": "false",
    "f": "false",
    "0": "false",
}
_VALID_OPERANDS = ", ".join(list(_OPERANDS)[:-1]) + f" and {list(_OPERANDS)[-1]}"
_EXAMPLE_ARGUMENTS = {
    "name": "(sava)",
    "kind": "(container)",
    "namespace": "(default)",
    "image": "(magneticio/sava:1.0.0)",
    "label": "(app)(foo)",
    "ip": "(10.0.0.1)",
    "port": "(8080)",
    "index": "(0)",
}
_ARITY_TEXT = ("no argument", "one argument", "two arguments")
_CURRENT_NAMESPACE = ("$namespace", "${namespace}")


@functools.lru_cache(maxsize=16_384)  # every gateway's selector of a namespace of 10,000, about 18 MB
def parse(text: str) -> Selector:
    """Parse a gateway selector such as ``label(app)(foo) && label(version)((.*))``.

    Raises:
        SelectorSyntaxError: the text is not a selector; the error points at the offending character.
    """
    return Selector(text, _Parser(text).selector())


class _Parser:
    """One parse of one text: a token stream with one token of lookahead."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._tokens = tokenize(text)
        self._next = next(self._tokens)

    def selector(self) -> syntax.Node:
        node = self._expression(0)
        if self._next.kind is not Kind.END:
            raise self._error(
                self._next.start, f"expected 'and', 'or' or the end of the selector, found {self._found()}"
            )
        return node

    def _expression(self, depth: int) -> syntax.Node:
        terms = [self._term(depth)]
        while self._next.kind is Kind.OR:
            self._advance()
            terms.append(self._term(depth))
        return terms[0] if len(terms) == 1 else syntax.AnyOf(tuple(terms))

    def _term(self, depth: int) -> syntax.Node:
        factors = [self._factor(depth)]
        while self._next.kind is Kind.AND:
            self._advance()
            factors.append(self._factor(depth))
        return factors[0] if len(factors) == 1 else syntax.AllOf(tuple(factors))

    def _factor(self, depth: int) -> syntax.Node:
        negations = 0
        while self._next.kind is Kind.NOT:
            self._advance()
            negations += 1
        node = self._group(depth) if self._next.kind is Kind.LPAREN else self._operand()
        if not negations:
            return node
        # ``!!x`` matches what ``x`` matches but yields no groups, as ``!x`` does; more ``!`` add nothing.
        return syntax.Not(node) if negations % 2 else syntax.Not(syntax.Not(node))

    def _group(self, depth: int) -> syntax.Node:
        opening = self._advance()
        if depth == MAX_DEPTH:
            raise self._error(opening.start, f"parentheses nest more than {MAX_DEPTH} levels deep")
        node = self._expression(depth + 1)
        if self._next.kind is not Kind.RPAREN:
            raise self._error(
                self._next.start,
                f"expected 'and', 'or' or ')' to close the '(' at position {opening.start + 1}, "
                f"found {self._found()}",
            )
        self._advance()
        return node

    def _operand(self) -> syntax.Node:
        if self._next.kind is not Kind.WORD:
            raise self._error(
                self._next.start, f"expected an operand such as label(app)(foo), found {self._found()}"
            )
        word = self._advance()
        operand = _OPERANDS.get(word.text.lower())
        if operand is None:
            raise self._error(word.start, _unknown(word.text))
        if operand in ("true", "false"):
            self._arguments(word, operand, 0)
            return syntax.Constant(operand == "true")
        if operand == "label":
            key, value = self._arguments(word, operand, 2)
            return syntax.LabelMatch(self._pattern(word, key), self._pattern(word, value))
        (argument,) = self._arguments(word, operand, 1)
        if operand == "port":
            return syntax.PortNumber(self._number(word, operand, argument))
        if operand == "index":
            return syntax.PortIndex(self._number(word, operand, argument))
        if operand == "namespace" and argument.argument.strip() in _CURRENT_NAMESPACE:
            return syntax.CurrentNamespace()
        return syntax.FieldMatch(syntax.Field(operand), self._pattern(word, argument))

    def _arguments(self, word: Token, operand: str, arity: int) -> tuple[Token, ...]:
        arguments: list[Token] = []
        while len(arguments) < arity:
            if self._next.kind is not Kind.ARGUMENT:
                raise self._missing_argument(word, operand, arguments)
            arguments.append(self._advance())
        if self._next.kind is Kind.ARGUMENT:
            raise self._error(
                self._next.start, f"{word.text} takes {_ARITY_TEXT[arity]}, found {self._found()}"
            )
        return tuple(arguments)

    def _missing_argument(self, word: Token, operand: str, given: list[Token]) -> SelectorSyntaxError:
        if given:
            written = word.text + given[0].text
            return self._error(
                self._next.start,
                f"expected the label value in parentheses after {written}, as in {written}(foo), "
                f"found {self._found()}",
            )
        return self._error(
            self._next.start,
            f"expected '(' after {word.text}, as in {word.text}{_EXAMPLE_ARGUMENTS[operand]}, "
            f"found {self._found()}",
        )

    def _pattern(self, word: Token, argument: Token) -> syntax.Pattern:
        source = argument.argument
        inside = argument.start + 1
        problem = f"invalid regular expression {source!r} in {word.text}(...)"
        try:
            with warnings.catch_warnings():
                # Python warns about some valid patterns (``[[a]``) that Java reads without complaint.
                warnings.simplefilter("ignore")
                regex = re.compile(source)
        except re.error as exc:
            raise self._error(inside + (exc.pos or 0), f"{problem}: {exc.msg}") from exc
        except OverflowError as exc:
            raise self._error(inside, f"{problem}: a repetition count is too large") from exc
        except RecursionError as exc:
            raise self._error(inside, f"{problem}: its groups nest too deeply") from exc
        return syntax.Pattern(source, regex)

    def _number(self, word: Token, operand: str, argument: Token) -> int:
        digits = argument.argument.strip()
        if digits.isascii() and digits.isdigit():
            try:
                return int(digits)
            except ValueError:  # more digits than Python converts
                pass
        raise self._error(
            argument.start + 1,
            f"expected a whole number in {word.text}(...), as in {word.text}{_EXAMPLE_ARGUMENTS[operand]}, "
            f"found {argument.argument!r}",
        )

    def _advance(self) -> Token:
        token = self._next
        if token.kind is not Kind.END:
            self._next = next(self._tokens)
        return token

    def _found(self) -> str:
        return self._next.describe()

    def _error(self, position: int, message: str) -> SelectorSyntaxError:
        return SelectorSyntaxError(self._text, position, message)


def _unknown(word: str) -> str:
    close = difflib.get_close_matches(word.lower(), _OPERANDS, n=1)
    suggestion = f"did you mean {close[0]!r}? " if close else ""
    return f"unknown operand {word!r}; {suggestion}valid operands are {_VALID_OPERANDS}"
