"""Vamp's raw HAProxy conditions (vamp.md §1.11): ``< hdr(x-user) -m str alice >`` (older docs: ``{ … }``).

The text between the brackets is an HAProxy ACL (a fetch, its flags and patterns) that the HAProxy data
plane places verbatim in its configuration as an anonymous ACL ``{ … }``, in a frontend it may share with
other gateways; no other data plane can run it. Since it becomes configuration text, it is checked here,
conservatively, before anything keeps it:

* one line of at most ``MAX_LENGTH`` characters, not blank, with no control characters;
* no ``#`` (a comment would cut the line), no ``{``, ``}`` (they would close the anonymous ACL and open
  configuration of the text's own), no ``<``, ``>`` (they delimit the form), anywhere, even quoted;
* quotes closed, parentheses balanced (outside quotes), no backslash at the end, and no ``\\x`` escape
  outside single quotes (HAProxy turns ``\\x7d`` into a ``}`` that closes the anonymous ACL);
* it starts with a fetch (a word such as ``hdr``, ``req.cook``, ``path_beg``);
* nothing that reaches outside the request: no file-loading option (``-f`` patterns from a file, ``-M``
  a map file), no map converter (``map``, ``map_str``, … read a file), no ``env()`` fetch and no ``$``
  in double quotes (HAProxy reads the agent's environment there), no ``set-var``/``unset-var`` converter
  (it would write the variables the frontend routes by), no ``debug`` converter, and no fetch or converter
  naming a stick table or another backend or server (``src_inc_gpc0(t)``, ``table_gpc0(t)``,
  ``nbsrv(b)``, ``srv_is_up(b/s)`` …: they read or change what every gateway of the HAProxy shares, such
  as another tenant's servers or the latency counters); the same fetches without an argument, which
  mean the request's own, are taken.

The words are read the way HAProxy splits a line (quotes removed, backslash escapes applied), so quoting
part of a word (``'-f'``, ``ma'p'(…)``) hides nothing. Whether HAProxy itself accepts the ACL is
HAProxy's to say (``haproxy -c``); the HAProxy adapter asks it. Pure: this module must not know the rest
of the condition language (``parser``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

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
    f"{MAX_LENGTH} characters, without '#', '{{', '}}', '<', '>', file options (-f, -M), map converters, "
    "env(), set-var, debug, or a stick table or another backend named as an argument"
)
"""What the raw form takes, for every refusal of it."""

_FETCH = re.compile(r"[A-Za-z_][\w.]*")
_FILE_OPTIONS = frozenset({"-f", "-M"})
_REACHING_OUT = (
    (re.compile(r"\bmap(?:_\w+)?\s*\(", re.IGNORECASE), "map converters load a file"),
    (re.compile(r"(?<![\w.-])env\s*\(", re.IGNORECASE), "the fetch env() reads the agent's environment"),
    (
        re.compile(r",\s*(?:un)?set-var\b", re.IGNORECASE),
        "the converters set-var and unset-var write the variables the frontend routes by",
    ),
    (re.compile(r",\s*debug\b", re.IGNORECASE), "the debug converter writes requests out"),
    (
        re.compile(
            r"(?<![\w.-])(?:sc\d*_|src_|table_|be_|srv_|nbsrv|connslots|avg_queue|queue)[\w.]*\s*\("
            r"|,\s*(?:table_\w+|in_table)\b",
            re.IGNORECASE,
        ),
        "a stick table or another backend named here belongs to every gateway this HAProxy serves",
    ),
)
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
    words = _Words(text)
    found = words.read()
    if found is not None:
        return found
    for start, word in words.words:
        if word in _FILE_OPTIONS:
            return f"the option {word} loads a file; {ALLOWED}", start
        for pattern, why in _REACHING_OUT:
            reaching = pattern.search(word)
            if reaching:
                return f"{why}; {ALLOWED}", start + reaching.start()
    return None


@dataclass
class _Words:
    """The words of a raw condition as HAProxy splits them, each with the offset it starts at."""

    text: str
    words: list[tuple[int, str]] = field(default_factory=list)

    def read(self) -> tuple[str, int] | None:
        """Split ``text`` into ``words``; the first forbidden character or unbalanced quote, parenthesis
        or escape, with its offset, when there is one."""
        quote: str | None = None
        quote_at = 0
        opened: list[int] = []
        word: list[str] = []
        start: int | None = None
        escaped = False
        for offset, char in enumerate(self.text):
            if char in _FORBIDDEN:
                return f"a raw HAProxy condition cannot hold {_FORBIDDEN[char]}; {ALLOWED}", offset
            if escaped:
                escaped = False
                if char in "xX":
                    return f"a raw HAProxy condition cannot use hex escapes (\\x); {ALLOWED}", offset - 1
                word.append(char)
                continue
            if quote is None and char.isspace():
                if start is not None:
                    self.words.append((start, "".join(word)))
                word, start = [], None
                continue
            if start is None:
                start = offset
            if char == "\\" and quote != "'":  # HAProxy escapes outside quotes and in double quotes
                escaped = True
            elif quote is not None:
                if char == quote:
                    quote = None
                elif char == "$" and quote == '"':
                    why = "HAProxy reads the agent's environment at '$' in double quotes; use single quotes"
                    return f"{why}; {ALLOWED}", offset
                else:
                    word.append(char)
            elif char in "'\"":
                quote, quote_at = char, offset
            else:
                if char == "(":
                    opened.append(offset)
                elif char == ")":
                    if not opened:
                        return f"this ')' closes no '('; {ALLOWED}", offset
                    opened.pop()
                word.append(char)
        if quote is not None:
            return f"this {quote} is never closed; add a closing {quote}", quote_at
        if opened:
            return "this '(' is never closed; add a ')'", opened[-1]
        if escaped:
            return f"a raw HAProxy condition cannot end with a backslash; {ALLOWED}", len(self.text) - 1
        if start is not None:
            self.words.append((start, "".join(word)))
        return None
