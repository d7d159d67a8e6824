"""The condition language's grammar (vamp.md §1.11): text in, a ``syntax.Expr`` out.

::

    expression  := conjunction (("or" | "||" | "|") conjunction)*
    conjunction := factor (("and" | "&&" | "&") factor)*
    factor      := ("not" | "!") factor | "(" expression ")" | operand
    operand     := "true" | "false"
                 | "<" RAW_HAPROXY_ACL ">" | "{" RAW_HAPROXY_ACL "}"
                 | ("has" | "contains" | "misses") ("header" | "cookie" | "query") NAME
                 | ("user-agent" | "user.agent" | "useragent") UA_OP VALUE
                 | "host" HOST_OP VALUE
                 | ("header" | "cookie" | "query") NAME FIELD_OP VALUE
                 | "path" PATH_OP VALUE
                 | "method" ("==" | "=" | "!=") VALUE

Keywords are case-insensitive. Each operator table below says what its spellings mean; ``user-agent``
values naming a browser expand to that browser's preset (``browsers``), host comparisons ignore case,
header names are lower-cased and methods upper-cased. Regular expressions are checked here, so a bad one
is reported where it was written. Vamp's raw HAProxy ACLs (``< … >``, and ``{ … }`` of older docs) are
read into a ``Field.HAPROXY`` matcher, their text checked by ``raw_acl`` (one line, bounded, nothing
that could break out of an HAProxy ACL or load a file); only the HAProxy data plane runs them.

Any text gives either an expression or a ``ConditionSyntaxError``; this module must not normalise
(``dnf``).
"""

from __future__ import annotations

import re

from vamp.core.condition import browsers, raw_acl
from vamp.core.condition.match import Field, Matcher, Op
from vamp.core.condition.scanner import Scanner, Value
from vamp.core.condition.syntax import And, Atom, Constant, Expr, Not, Or

_EQUALS, _DIFFERS = (Op.EQUALS, False), (Op.EQUALS, True)
_CONTAINS, _MISSES = (Op.CONTAINS, False), (Op.CONTAINS, True)
_REGEX, _PREFIX = (Op.REGEX, False), (Op.PREFIX, False)

_USER_AGENT_OPERATORS = {
    **dict.fromkeys(["==", "=", "is", "has", "contains"], _CONTAINS),
    **dict.fromkeys(["!=", "!", "not", "is not", "misses"], _MISSES),
}
_HOST_OPERATORS = {
    **dict.fromkeys(["==", "=", "is", "has", "contains"], _EQUALS),
    **dict.fromkeys(["!=", "!", "not", "is not", "misses"], _DIFFERS),
}
_FIELD_OPERATORS = {
    **dict.fromkeys(["==", "="], _EQUALS),
    "!=": _DIFFERS,
    **dict.fromkeys(["has", "contains"], _CONTAINS),
    "misses": _MISSES,
    **dict.fromkeys(["~", "matches"], _REGEX),
}
_PATH_OPERATORS = {**_FIELD_OPERATORS, **dict.fromkeys(["prefix", "starts with"], _PREFIX)}
_METHOD_OPERATORS = {**dict.fromkeys(["==", "="], _EQUALS), "!=": _DIFFERS}

_USER_AGENT = frozenset({"user-agent", "user.agent", "useragent"})
_NAMED = {"header": Field.HEADER, "cookie": Field.COOKIE, "query": Field.QUERY}
_PRESENCE = {"has": False, "contains": False, "misses": True}
_OPERANDS = (
    "user-agent, host, header, cookie, query, path, method, has, misses, true, false, not, '(' "
    "or a raw HAProxy condition '< … >'"
)
_MAX_DEPTH = 64

SUPPORTED_FORMS = (
    "user-agent == Firefox | user-agent != IE   (Chrome, Firefox, Safari, Edge, IE, or any text)",
    "host == www.example.com",
    "has header X-Beta | misses header X-Beta | header X-Beta == yes | header X-Beta has ye",
    "has cookie beta | misses cookie beta | cookie beta == yes | cookie beta ~ y.*",
    "has query beta | misses query beta | query beta == yes | query beta ~ y.*",
    "path == /login | path prefix /api | path ~ /v[0-9]+/.*",
    "method == GET | method != POST",
    "true | false",
    "< hdr(x-user) -m str alice >   (a raw HAProxy ACL: runs only on the HAProxy data plane)",
)
"""One example line per kind of operand, for messages that list what the language supports."""


def parse(text: str) -> Expr:
    """Read a condition.

    Raises:
        errors.ConditionSyntaxError: the text is blank or not a condition; it points at the offending
            character and says what would be valid there.
    """
    return _Parser(text).expression_only()


class _Parser:
    def __init__(self, text: str) -> None:
        self.scan = Scanner(text)
        self.depth = 0

    def expression_only(self) -> Expr:
        if self.scan.at_end():
            raise self.scan.error("the condition is empty; write one such as 'user-agent == Firefox'")
        expression = self.expression()
        if not self.scan.at_end():
            raise self.scan.error(f"expected 'and', 'or' or the end, found {self.scan.found()}")
        return expression

    def expression(self) -> Expr:
        operands = [self.conjunction()]
        while self.scan.take("or", "||", "|"):
            operands.append(self.conjunction())
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def conjunction(self) -> Expr:
        operands = [self.factor()]
        while self.scan.take("and", "&&", "&"):
            operands.append(self.factor())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def factor(self) -> Expr:
        start = self.scan.skip_space()
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise self.scan.error(f"the condition nests deeper than {_MAX_DEPTH} levels; simplify it")
        if self.scan.take("not", "!"):
            factor: Expr = Not(self.factor())
        elif self.scan.take("("):
            factor = self.expression()
            if self.scan.at_end():
                raise self.scan.error("this '(' is never closed; add a ')'", start)
            if not self.scan.take(")"):
                raise self.scan.error(f"expected 'and', 'or' or ')', found {self.scan.found()}")
        else:
            factor = self.operand()
        self.depth -= 1
        return factor

    def operand(self) -> Expr:
        if self.scan.peek() in raw_acl.OPENERS:
            return self.raw()
        start = self.scan.position
        word = self.scan.take_word()
        if word in ("true", "false"):
            return Constant(word == "true")
        if word in _PRESENCE and (field := self.scan.take(*_NAMED)):
            name = self.name(_NAMED[field], f"{word} {field}")
            return _negated(Atom(Matcher(_NAMED[field], name, Op.PRESENT, None)), _PRESENCE[word])
        if word in _PRESENCE:
            raise self.scan.error(
                f"expected 'header', 'cookie' or 'query' after {word!r}, found {self.scan.found()}"
            )
        if word in _USER_AGENT:
            op, negated, after = self.operator(word, _USER_AGENT_OPERATORS)
            return _negated(browsers.user_agent(self.value(after, op).text), negated)
        if word == "host":
            return self.comparison(Field.HOST, None, word, _HOST_OPERATORS, ignore_case=True)
        if word in _NAMED:
            name = self.name(_NAMED[word], word)
            return self.comparison(_NAMED[word], name, f"{word} {name}", _FIELD_OPERATORS)
        if word == "path":
            return self.comparison(Field.PATH, None, word, _PATH_OPERATORS)
        if word == "method":
            return self.comparison(Field.METHOD, None, word, _METHOD_OPERATORS)
        self.scan.position = start
        raise self.scan.error(f"expected a condition ({_OPERANDS}), found {self.scan.found()}")

    def raw(self) -> Expr:
        """A raw HAProxy condition ``< … >`` (or ``{ … }``): its text, checked, as one matcher."""
        start = self.scan.position
        opener = self.scan.text[start]
        closer = raw_acl.OPENERS[opener]
        end = self.scan.text.find(closer, start + 1)
        if end < 0:
            raise self.scan.error(f"this {opener!r} is never closed; add a {closer!r}", start)
        inner = self.scan.text[start + 1 : end]
        problem = raw_acl.problem(inner)
        if problem is not None:
            message, offset = problem
            raise self.scan.error(message, start + 1 + offset)
        self.scan.position = end + 1
        return Atom(Matcher(Field.HAPROXY, None, Op.ACL, inner.strip()))

    def comparison(
        self,
        field: Field,
        name: str | None,
        subject: str,
        operators: dict[str, tuple[Op, bool]],
        *,
        ignore_case: bool = False,
    ) -> Expr:
        op, negated, after = self.operator(subject, operators)
        value = self.value(after, op).text
        if field is Field.METHOD:
            value = value.upper()
        return _negated(Atom(Matcher(field, name, op, value, ignore_case=ignore_case)), negated)

    def name(self, field: Field, after: str) -> str:
        name = self.scan.take_name(f"a {field} name after {after!r}").text
        return name.lower() if field is Field.HEADER else name

    def operator(self, subject: str, operators: dict[str, tuple[Op, bool]]) -> tuple[Op, bool, str]:
        """The operator after ``subject``: what it tests, whether negated, and ``subject`` with it."""
        spelling = self.scan.take(*operators)
        if spelling is None:
            listed = ", ".join(operators)
            raise self.scan.error(
                f"expected an operator after {subject!r} ({listed}), found {self.scan.found()}"
            )
        return *operators[spelling], f"{subject} {spelling}"

    def value(self, after: str, op: Op) -> Value:
        value = self.scan.take_value(after)
        if op is Op.REGEX:
            problem = regex_problem(value.text)
            if problem:
                message, offset = problem
                raise self.scan.error(
                    f"invalid regular expression {value.text!r}: {message}", value.start + offset
                )
        return value


def regex_problem(regex: str) -> tuple[str, int] | None:
    """Why ``regex`` is not a valid regular expression, and at which offset; ``None`` when it is valid."""
    try:
        re.compile(regex)
    except re.error as error:
        return error.msg, error.pos or 0
    except OverflowError:
        return "a repetition count is too large", 0
    except RecursionError:
        return "it nests too deeply", 0
    return None


def _negated(expr: Expr, negated: bool) -> Expr:
    return Not(expr) if negated else expr
