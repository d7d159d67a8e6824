"""The tokens of the selector language and the tokenizer that reads them (vamp.md §1.10).

The language is context-sensitive in one place: the parenthesised text right after a word
(``label(app)(foo)``, ``image(magneticio/sava:(1\\..*))``) is a regular expression, not more selector.
So the tokenizer reads each parenthesised group that follows a word as one raw ``ARGUMENT`` token,
balancing the parentheses inside it and skipping escaped characters and character classes; every other
parenthesis is a grouping token. It does not know which words are operands: the ``parser`` decides that.

Tokens are produced lazily, so the parser reports the leftmost error in the text.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass
from enum import Enum, auto

from vamp.errors import SelectorSyntaxError


class Kind(Enum):
    WORD = auto()
    ARGUMENT = auto()
    LPAREN = auto()
    RPAREN = auto()
    AND = auto()
    OR = auto()
    NOT = auto()
    OTHER = auto()
    END = auto()


_KEYWORDS = {"and": Kind.AND, "or": Kind.OR, "not": Kind.NOT}

# Longest first, so ``&&`` is one token rather than two.
_SYMBOLS = (
    ("&&", Kind.AND),
    ("||", Kind.OR),
    ("&", Kind.AND),
    ("|", Kind.OR),
    ("!", Kind.NOT),
    ("(", Kind.LPAREN),
    (")", Kind.RPAREN),
)


@dataclass(frozen=True, slots=True)
class Token:
    """A piece of the text: ``text`` as written (an argument with its parentheses) from offset ``start``."""

    kind: Kind
    text: str
    start: int

    @property
    def argument(self) -> str:
        """The text inside an argument's parentheses."""
        return self.text[1:-1]

    def describe(self) -> str:
        """The token as an error message names it."""
        return "the end of the selector" if self.kind is Kind.END else repr(self.text)


def tokenize(text: str) -> Iterator[Token]:
    """The tokens of ``text``, ending with one ``END`` token.

    Raises:
        SelectorSyntaxError: an argument's ``(`` is never closed.
    """
    position = _skip_space(text, 0)
    while position < len(text):
        if _is_word_character(text[position]):
            end = _word_end(text, position)
            word = text[position:end]
            kind = _KEYWORDS.get(word.lower(), Kind.WORD)
            yield Token(kind, word, position)
            position = end
            if kind is Kind.WORD:
                position = yield from _arguments(text, word, position)
        else:
            token = _symbol(text, position)
            yield token
            position += len(token.text)
        position = _skip_space(text, position)
    yield Token(Kind.END, "", len(text))


def _arguments(text: str, word: str, position: int) -> Generator[Token, None, int]:
    """Yield the parenthesised arguments right after ``word``; return the offset after the last one."""
    while True:
        opening = _skip_space(text, position)
        if not text.startswith("(", opening):
            return position
        closing = _closing(text, opening)
        if closing is None:
            raise SelectorSyntaxError(
                text,
                len(text),
                f"expected ')' to close the '(' after {word} at position {opening + 1}, "
                "found the end of the selector",
            )
        yield Token(Kind.ARGUMENT, text[opening : closing + 1], opening)
        position = closing + 1


def _closing(text: str, opening: int) -> int | None:
    """The offset of the ``)`` that closes the ``(`` at ``opening``, or ``None`` when there is none."""
    depth = 0
    position = opening + 1
    while position < len(text):
        char = text[position]
        if char == "\\":
            position += 2
            continue
        if char == "[":
            position = _class_end(text, position)
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                return position
            depth -= 1
        position += 1
    return None


def _class_end(text: str, opening: int) -> int:
    """The offset after the character class opened at ``opening``, in which parentheses are plain.

    A ``]`` right after ``[`` or ``[^`` is a member, not the end. An unterminated class counts as a
    plain ``[``, so the regular expression compiler reports it, pointing at the right place.
    """
    position = opening + 1
    if text.startswith("^", position):
        position += 1
    if text.startswith("]", position):
        position += 1
    while position < len(text):
        char = text[position]
        if char == "\\":
            position += 2
            continue
        if char == "]":
            return position + 1
        position += 1
    return opening + 1


def _symbol(text: str, position: int) -> Token:
    for symbol, kind in _SYMBOLS:
        if text.startswith(symbol, position):
            return Token(kind, symbol, position)
    return Token(Kind.OTHER, text[position], position)


def _is_word_character(char: str) -> bool:
    return char.isalnum() or char == "_"


def _word_end(text: str, position: int) -> int:
    while position < len(text) and _is_word_character(text[position]):
        position += 1
    return position


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position].isspace():
        position += 1
    return position
