"""The tokenizer of the condition language: reads one token at a time, of the kind the parser expects.

Condition values are free text (``user-agent == Mozilla/5.0 (X11)``, ``path ~ /v(1|2)/.*``), so which
characters make a token depends on where the parser is: the parser asks for a keyword, an operator
spelling, a name or a value, and the scanner reads just that. Rules:

* whitespace (any amount, including none where unambiguous) separates tokens; keywords and operator
  words are case-insensitive and end at a character that cannot continue a word;
* a name (of a header, cookie or query parameter) is one word, or quoted;
* a value is quoted (single or double quotes, no escapes, spaces allowed) or bare; a bare value runs to
  the next ``&``, ``|``, ``and``, ``or``, unbalanced ``)`` or the end, and keeps balanced parentheses.

Every failure is a ``ConditionSyntaxError`` with the offending position; this module must not know the
grammar (``parser``).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from vamp import errors

_WORD = re.compile(r"[A-Za-z_][\w.-]*")
BARE_NAME = re.compile(r"""[^\s()=!~&|<>{}"']+""")
_BOOLEAN_WORD_AHEAD = re.compile(r"\s+(?:and|or)(?![\w.-])", re.IGNORECASE)


@functools.lru_cache(maxsize=64)
def _spelling(spelling: str) -> re.Pattern[str]:
    """A pattern for an operator spelling: symbols as they are, words case-insensitive and whole."""
    if not spelling[0].isalpha():
        return re.compile(re.escape(spelling))
    return re.compile(spelling.replace(" ", r"\s+") + r"(?![\w.-])", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Value:
    """A name or value as read: its text, and where that text starts (inside quotes, when quoted)."""

    text: str
    start: int


class Scanner:
    """A position in a condition's text, with the means to read the next token from it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.position = 0

    def error(self, message: str, position: int | None = None) -> errors.ConditionSyntaxError:
        """An error about the text at ``position`` (by default, the next token)."""
        return errors.ConditionSyntaxError(
            self.text, self.position if position is None else position, message
        )

    def skip_space(self) -> int:
        """Move past whitespace; return the new position."""
        while self.position < len(self.text) and self.text[self.position].isspace():
            self.position += 1
        return self.position

    def at_end(self) -> bool:
        return self.skip_space() == len(self.text)

    def peek(self) -> str:
        """The next character after whitespace, or ``""`` at the end."""
        self.skip_space()
        return self.text[self.position : self.position + 1]

    def found(self) -> str:
        """The next token as an error message quotes it."""
        if self.at_end():
            return "the end"
        word = _WORD.match(self.text, self.position)
        return repr(word.group() if word else self.text[self.position])

    def take_word(self) -> str | None:
        """The next word, lower-cased, or ``None`` (and nothing read) when no word follows."""
        word = _WORD.match(self.text, self.skip_space())
        if word is None:
            return None
        self.position = word.end()
        return word.group().lower()

    def take(self, *spellings: str) -> str | None:
        """Read the longest of ``spellings`` that follows; ``None`` (and nothing read) when none does."""
        self.skip_space()
        for spelling in sorted(spellings, key=len, reverse=True):
            found = _spelling(spelling).match(self.text, self.position)
            if found:
                self.position = found.end()
                return spelling
        return None

    def take_name(self, what: str) -> Value:
        """A header, cookie or query parameter name: one word, or quoted; ``what`` names it in errors."""
        start = self.skip_space()
        if self._at_quote():
            name = self._quoted()
        else:
            bare = BARE_NAME.match(self.text, start)
            name = Value(bare.group() if bare else "", start)
            self.position = start + len(name.text)
        if not name.text:
            raise self.error(f"expected {what}, found {self._found_at(start)}", start)
        return name

    def take_value(self, after: str) -> Value:
        """A quoted or bare value; ``after`` is what came before it, for errors."""
        start = self.skip_space()
        if self._at_quote():
            return self._quoted()
        value = self._bare()
        if not value.text:
            raise self.error(f"expected a value after {after!r}, found {self._found_at(start)}", start)
        return value

    def _at_quote(self) -> bool:
        return self.text[self.position : self.position + 1] in ("'", '"')

    def _found_at(self, position: int) -> str:
        self.position = position
        return self.found()

    def _quoted(self) -> Value:
        quote, start = self.text[self.position], self.position
        end = self.text.find(quote, start + 1)
        if end < 0:
            raise self.error(f"this {quote} is never closed; add a closing {quote}", start)
        self.position = end + 1
        return Value(self.text[start + 1 : end], start + 1)

    def _bare(self) -> Value:
        start = end = self.position
        depth = 0
        while end < len(self.text) and not self._ends_value(end, depth):
            depth += {"(": 1, ")": -1}.get(self.text[end], 0)
            end += 1
        self.position = start + len(self.text[start:end].rstrip())
        return Value(self.text[start : self.position], start)

    def _ends_value(self, position: int, depth: int) -> bool:
        if depth > 0:
            return False
        char = self.text[position]
        # Only where a run of whitespace starts, so that long runs are read in linear time.
        run_starts = char.isspace() and not self.text[position - 1].isspace()
        return char in "&|)" or (run_starts and bool(_BOOLEAN_WORD_AHEAD.match(self.text, position)))
