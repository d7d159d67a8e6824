"""Conditions to HAProxy ACLs: each matcher of the match IR → one named ACL, each conjunction → the
ACL names that must all hold (negated ones with ``!``).

What each field becomes (the reference semantics are ``condition.Matcher.test``):

==========  ================================================================================================
header      ``req.fhdr(NAME)``: the whole value of the header's last occurrence (``req.hdr`` would split it
            at commas)
cookie      ``req.cook(NAME)``
query       ``url_param(NAME)``: the raw, undecoded value, as on Envoy
host        ``req.hdr(host),field(1,:)``: the Host header without its port, always case-insensitive
path        ``path``: the path without the query string
method      ``method``
haproxy     the raw HAProxy condition's own text (``< hdr(x-user) -m str alice >``), checked when it was
            read (``condition.raw_acl``); in a route's conjunction it is an anonymous ACL, ``{ … }``
            (``anonymous``), on the line of that route alone, so whatever HAProxy says of it names the
            route's line
==========  ================================================================================================

and each operator: ``PRESENT`` → ``-m found``; ``EQUALS`` → ``-m str``; ``PREFIX`` → ``-m beg``;
``CONTAINS`` → ``-m sub``; ``REGEX`` → ``-m reg`` anchored as ``^(?:…)$`` (the IR's regex must match the
whole subject; HAProxy's searches); ``ignore_case`` → ``-i``. An empty text value (which HAProxy cannot
take as a pattern) becomes the regex that means the same.

HAProxy's ``req.cook`` and ``url_param`` find no sample for an empty cookie (``group=``) or a parameter
without a value (``?debug``), where the IR sees an empty value. So their presence is a regex over the raw
Cookie headers or ``query``, and a test that holds for an empty value gets a second ``acl`` line of the
same name (lines of one name are alternatives) that finds the empty value in the raw text.

The ACL itself is always the positive test; negation is ``!`` where it is used. HAProxy gives exactly the
IR's semantics for missing subjects: a test of a missing header, cookie or parameter fails, so its
negation holds.

Values are written in single quotes (nothing is expanded or escaped inside them); a quote in a value is
closed, escaped and reopened (``'it'\\''s'``). Pure: text in, text out.
"""

from __future__ import annotations

import re

from vamp import errors
from vamp.core import condition
from vamp.core.condition import Field, Op

_PLAIN = re.compile(r"[A-Za-z0-9_./:@%+=,-]+")
_ARGUMENT = re.compile(r"[A-Za-z0-9_.!%&*+^|~-]+")
_REGEX_SPECIAL = re.compile(r"[\\.+*?()|\[\]{}^$]")


def acl(name: str, matcher: condition.Matcher) -> tuple[str, ...]:
    """The ``acl`` lines, all called ``name`` (any of them holds), of the positive test of ``matcher``.

    Usually one line; a second for a cookie or query parameter test that holds for an empty value, since
    HAProxy's ``req.cook`` and ``url_param`` find no sample for ``group=`` or ``?debug``.
    """
    positive = condition.Matcher(
        matcher.field, matcher.name, matcher.op, matcher.value, False, matcher.ignore_case
    )
    lines = [
        f"acl {name} {test(matcher.field, matcher.name, matcher.op, matcher.value, matcher.ignore_case)}"
    ]
    empty_differs = matcher.field in (Field.COOKIE, Field.QUERY) and matcher.op is not Op.PRESENT
    if empty_differs and positive.test(_empty(matcher.field, matcher.name or "")):
        match matcher.field:
            case Field.COOKIE:
                regex = rf"(?:^|;)\s*{literal(_argument(matcher.name))}=(?:;|$)"
                lines.append(f"acl {name} req.hdr(cookie) -m reg {quoted(regex)}")
            case Field.QUERY:
                regex = f"(?:^|&){literal(_argument(matcher.name))}=?(?:&|$)"
                lines.append(f"acl {name} query -m reg {quoted(regex)}")
    return tuple(lines)


def _empty(field: Field, name: str) -> condition.Request:
    """A request whose cookie or query parameter ``name`` is there with an empty value."""
    return (
        condition.Request(cookies={name: ""})
        if field is Field.COOKIE
        else condition.Request(query={name: ""})
    )


def anonymous(matcher: condition.Matcher) -> str:
    """A raw HAProxy condition as a term of a condition: ``{ … }``, with ``!`` when negated."""
    return f"{'!' if matcher.negated else ''}{{ {matcher.value} }}"


def test(field: Field, name: str | None, op: Op, value: str | None, ignore_case: bool) -> str:
    """The fetch, flags and pattern of one ACL test (without ``acl NAME``)."""
    if field is Field.HAPROXY:
        return value or ""
    fetch = _fetch(field, name)
    flags = "-i " if ignore_case or field is Field.HOST else ""
    if op is Op.PRESENT or value is None:
        return _presence(field, name, fetch)
    match op:
        case Op.EQUALS if value:
            return f"{fetch} {flags}-m str {quoted(value)}"
        case Op.PREFIX if value:
            return f"{fetch} {flags}-m beg {quoted(value)}"
        case Op.CONTAINS if value:
            return f"{fetch} {flags}-m sub {quoted(value)}"
        case Op.EQUALS:
            regex = ""
        case Op.PREFIX | Op.CONTAINS:  # every value begins with and contains the empty text
            regex = ".*"
        case _:
            regex = value
    return f"{fetch} {flags}-m reg {quoted(f'^(?:{regex})$')}"


def domains(name: str, names: tuple[str, ...]) -> tuple[str, ...]:
    """The ``acl`` lines, all called ``name`` (so any of them holds), of a virtual host's domains.

    ``*`` is every host (no line at all: ``()``); ``*.example.com`` ends with ``.example.com``;
    ``example.*`` begins with ``example.``; other names are compared whole, all case-insensitively.
    """
    if "*" in names:
        return ()
    lines = []
    host = _fetch(Field.HOST, None)
    for domain in names:
        if domain.startswith("*"):
            lines.append(f"acl {name} {host} -i -m end {quoted(domain[1:])}")
        elif domain.endswith("*"):
            lines.append(f"acl {name} {host} -i -m beg {quoted(domain[:-1])}")
        else:
            lines.append(f"acl {name} {host} -i -m str {quoted(domain)}")
    return tuple(lines)


def quoted(text: str) -> str:
    """``text`` as one word of an HAProxy configuration line, taken literally."""
    if _PLAIN.fullmatch(text):
        return text
    return "'" + text.replace("'", "'\\''") + "'"


def literal(text: str) -> str:
    """A PCRE regex matching exactly ``text``."""
    return _REGEX_SPECIAL.sub(r"\\\g<0>", text)


def _presence(field: Field, name: str | None, fetch: str) -> str:
    """The test that a named subject is there, even empty: HAProxy finds no sample for an empty cookie
    (``group=``) or a parameter without ``=`` (``?debug``), so those two search the raw text instead."""
    match field:
        case Field.COOKIE:
            regex = rf"(?:^|;)\s*{literal(_argument(name))}="
            return f"req.hdr(cookie) -m reg {quoted(regex)}"
        case Field.QUERY:
            regex = f"(?:^|&){literal(_argument(name))}(?:=|&|$)"
            return f"query -m reg {quoted(regex)}"
        case _:
            return f"{fetch} -m found"


def _fetch(field: Field, name: str | None) -> str:
    match field:
        case Field.HEADER:
            return f"req.fhdr({_argument(name)})"
        case Field.COOKIE:
            return f"req.cook({_argument(name)})"
        case Field.QUERY:
            return f"url_param({_argument(name)})"
        case Field.HOST:
            return "req.hdr(host),field(1,:)"
        case Field.PATH:
            return "path"
        case Field.METHOD:
            return "method"
        case Field.HAPROXY:
            raise errors.RoutingError(["a raw HAProxy condition has no fetch of its own; it is its own test"])


def _argument(name: str | None) -> str:
    """A header, cookie or parameter name as a fetch argument; names that would break it are refused."""
    text = name or ""
    if not _ARGUMENT.fullmatch(text):
        raise errors.RoutingError(
            [
                f"the name {text!r} in a condition cannot be tested on HAProxy; "
                "a name there is made of letters, digits and any of - _ . ! % & * + ^ | ~"
            ]
        )
    return text
