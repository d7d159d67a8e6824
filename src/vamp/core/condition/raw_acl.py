"""Vamp's raw HAProxy conditions (vamp.md §1.11): ``< hdr(x-user) -m str alice >`` (older docs: ``{ … }``).

The text between the brackets is an HAProxy ACL (a fetch, its flags and patterns) that the HAProxy data
plane places verbatim in its configuration as an anonymous ACL ``{ … }``; no other data plane can run it.
Since it becomes configuration text, it is checked here, conservatively, before anything keeps it:

* one line of at most ``MAX_LENGTH`` characters, not blank, with no control characters;
* no ``#`` (a comment would cut the line), no ``{``, ``}`` (they would close the anonymous ACL and open
  configuration of the text's own), no ``<``, ``>`` (they delimit the form);
* quotes closed and parentheses balanced (outside quotes), read with HAProxy's backslash escapes, and
  no backslash at the end;
* it starts with a fetch (a word such as ``hdr``, ``req.cook``, ``path_beg``);
* no file-loading option (``-f`` patterns from a file, ``-M`` a map file) and no map converter
  (``map``, ``map_str``, … read a file).

Whether HAProxy itself accepts the ACL is HAProxy's to say (``haproxy -c``); the HAProxy adapter asks it.
Pure: this module must not know the rest of the condition language (``parser``).
"""

from __future__ import annotations

import re

MAX_LENGTH = 512
"""The longest raw condition taken, in characters (between the brackets, spaces around it removed)."""

OPENERS = {"<": ">", "{": "}"}
"""The brackets of the raw form: ``< … >`` and, from older docs, ``{ … }``."""

HAPROXY_ONLY = "raw HAProxy conditions run only on the HAProxy data plane: `vamp agent --proxy haproxy`"
"""Why a data plane other than HAProxy refuses a gateway with a raw condition, and where it runs."""

NOTE = f"{HAPROXY_ONLY}; a gateway agent on Envoy refuses the gateway and serves the others"
"""What the API says beside a condition that holds a raw HAProxy condition (output only)."""

ALLOWED = (
    "a raw HAProxy condition is one line holding one HAProxy ACL, such as '< hdr(x-user) -m str alice >' "
    "or '< req.cook(group) -m sub beta >': a fetch, its flags and patterns, at most "
    f"{MAX_LENGTH} characters, without '#', '{{', '}}', '<', '>', file options (-f, -M) or map converters"
)
"""What the raw form takes, for every refusal of it."""

_FETCH = re.compile(r"[A-Za-z_][\w.]*")
_FILE_OPTION = re.compile(r"(?:^|\s)(-[fM])(?=\s|$)")
_MAP_CONVERTER = re.compile(r"\bmap(?:_\w+)?\s*\(", re.IGNORECASE)
_FORBIDDEN = {"#": "'#'", "{": "'{'", "}": "'}'", "<": "'<'", ">": "'>'"}


def problem(text: str) -> tuple[str, int] | None:
    """Why ``text`` (what stands between the brackets) is no raw condition, and at which offset in it;
    ``None`` when it is one. Each message says what is wrong and, through ``ALLOWED``, what is taken."""
    stripped = text.strip()
    lead = len(text) - len(text.lstrip())
    if not stripped:
        return f"the raw HAProxy condition is empty; {ALLOWED}", 0
    if len(stripped) > MAX_LENGTH:
        return f"the raw HAProxy condition is {len(stripped)} characters long; {ALLOWED}", lead
    for offset, char in enumerate(text):
        if char in "\r\n":
            return f"a raw HAProxy condition cannot span lines; {ALLOWED}", offset
        if ord(char) < 0x20 or ord(char) == 0x7F:
            return f"a raw HAProxy condition cannot hold control characters; {ALLOWED}", offset
    if not _FETCH.match(stripped):
        return f"a raw HAProxy condition starts with a fetch; {ALLOWED}", lead
    found = _outside_quotes(text)
    if found is not None:
        return found
    option = _FILE_OPTION.search(text)
    if option:
        return f"the option {option.group(1)} loads a file; {ALLOWED}", option.start(1)
    converter = _MAP_CONVERTER.search(text)
    if converter:
        return f"map converters load a file; {ALLOWED}", converter.start()
    return None


def _outside_quotes(text: str) -> tuple[str, int] | None:
    """The first forbidden character, unclosed quote or unbalanced parenthesis, with its offset."""
    quote: str | None = None
    quote_at = 0
    opened: list[int] = []
    escaped = False
    for offset, char in enumerate(text):
        if char in _FORBIDDEN:
            return f"a raw HAProxy condition cannot hold {_FORBIDDEN[char]}; {ALLOWED}", offset
        if escaped:
            escaped = False
            continue
        if char == "\\" and quote != "'":  # HAProxy escapes outside quotes and in double quotes
            escaped = True
            continue
        if quote is not None:
            if char == quote:
                quote = None
            continue
        if char in "'\"":
            quote, quote_at = char, offset
        elif char == "(":
            opened.append(offset)
        elif char == ")":
            if not opened:
                return f"this ')' closes no '('; {ALLOWED}", offset
            opened.pop()
    if quote is not None:
        return f"this {quote} is never closed; add a closing {quote}", quote_at
    if opened:
        return "this '(' is never closed; add a ')'", opened[-1]
    if escaped:
        return f"a raw HAProxy condition cannot end with a backslash; {ALLOWED}", len(text) - 1
    return None
