"""The reader's view of a document: cursors over values that know their path and report issues there.

A ``Cursor`` holds one value, its path in the artifact as Vamp's canonical form spells it
(``clusters.sava.services[0].breed``) and the path where the value actually is in the text, which
differs when it came from a shorthand (``clusters: {sava: sava:1.0.0}``) or an alias key (``env``).
``Fields`` reads one map: it remembers the keys a reader asked for, reports every other key as
unexpected (suggesting the closest valid one), and builds the model only when nothing inside it
went wrong, so a reader can read on after a problem and report all of them. A ``Reader`` reads one
value; ``Fields.read`` applies one to a key's value (or gives a default), ``list_of``, ``map_of`` and
``each`` to many values, leaving out those it could not read. Every problem becomes an
``errors.Issue`` with the document index, the rendered path, and the line and column of the value
(or of the nearest ancestor that is in the text). Nothing here raises on bad input.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any, TypeVar, overload

import pydantic

from vamp import errors
from vamp.core import model, units
from vamp.core.dsl.source import Document, Mark
from vamp.core.validation.problems import Path, render

ISO_EXAMPLE = "2024-01-31T12:00:00Z"

M = TypeVar("M", bound=pydantic.BaseModel)
U = TypeVar("U")
R = TypeVar("R")
D = TypeVar("D")

Reader = Callable[["Cursor"], U | None]
"""Reads one value into ``U``; ``None`` when it reported why it could not."""


class Context:
    """One document being read: its data and marks, the shared list of issues, and shorthand moves."""

    __slots__ = ("document", "issues", "moved")

    def __init__(self, document: Document, issues: list[errors.Issue]) -> None:
        self.document = document
        self.issues = issues
        self.moved: dict[Path, Path] = {}

    def report(self, path: Path, mark: Mark, message: str) -> None:
        self.issues.append(errors.Issue(message, render(path), self.document.index, *mark))

    def locate(self, path: Path) -> Mark:
        """Where the value at canonical ``path`` is in the text, following shorthand moves."""
        for length in range(len(path), -1, -1):
            moved = self.moved.get(path[:length])
            if moved is not None:
                return self.document.mark(moved + path[length:])
        return self.document.mark(path)

    def root(self, data: object) -> Cursor:
        return Cursor(self, data, (), ())


def describe(value: object) -> str:
    """A value as a message names it: ``the string 'x'``, ``the number 5``, ``a map``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, dict | list):
        return "a list" if isinstance(value, list) else "a map"
    return f"a {type(value).__name__}"


def scalar_text(value: object) -> str:
    """A scalar as the string Vamp makes of it: ``true``, ``1200``, ``0.5``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Cursor:
    """A value, its canonical path and its path in the text."""

    __slots__ = ("at_key", "context", "path", "source", "value")

    def __init__(
        self, context: Context, value: object, path: Path, source: Path, *, at_key: bool = False
    ) -> None:
        self.context = context
        self.value = value
        self.path = path
        self.source = source
        self.at_key = at_key

    def child(self, key: str | int, value: object, *source_keys: str | int) -> Cursor:
        """The value at ``key``; ``source_keys`` say where it is in the text when that differs."""
        if not source_keys or source_keys == (key,):
            return Cursor(self.context, value, (*self.path, key), (*self.source, key))
        cursor = Cursor(self.context, value, (*self.path, key), (*self.source, *source_keys))
        self.context.moved[cursor.path] = cursor.source
        return cursor

    def moved(self, *suffix: str | int, value: object = None) -> Cursor:
        """This place in the text, read as the value at ``path + suffix`` (a shorthand's expansion)."""
        cursor = Cursor(
            self.context, self.value if value is None else value, (*self.path, *suffix), self.source
        )
        self.context.moved[cursor.path] = self.source
        return cursor

    def inner(self, key: str | int, value: object) -> Cursor:
        """The value at ``key`` of this map, read as this value itself (``X`` of ``{breed: X}``)."""
        cursor = Cursor(self.context, value, self.path, (*self.source, key))
        self.context.moved[self.path] = cursor.source
        return cursor

    def by_key(self) -> Cursor:
        """This value, with its issues placed at its key (a route path, a port) rather than at the value."""
        return Cursor(self.context, self.value, self.path, self.source, at_key=True)

    def key(self, key: str) -> Cursor:
        """The key ``key`` of this map as a value of its own (to check it as a name or a port)."""
        return Cursor(self.context, key, (*self.path, key), (*self.source, key), at_key=True)

    def error(self, message: str) -> None:
        document = self.context.document
        mark = document.key_mark(self.source) if self.at_key else document.mark(self.source)
        self.context.report(self.path, mark, message)

    def expected(self, what: str) -> None:
        self.error(f"Expected {what}, not {describe(self.value)}.")

    def fields(self, what: str, forms: str = "") -> Fields | None:
        """This map's fields, for a reader of ``what`` (a route, a breed); ``None`` if it is no map.

        ``forms`` says what else the value could have been, for the message when it is no map.
        """
        if isinstance(self.value, dict):
            return Fields(self, self.value, what)
        self.expected(forms or f"a map of {what} fields")
        return None

    def items(self, what: str = "a map") -> Iterator[tuple[str, Cursor]]:
        """The entries of a map; none for null (a key given without a value)."""
        if self.value is None:
            return
        if not isinstance(self.value, dict):
            self.expected(what)
            return
        for key, value in self.value.items():
            yield key, self.child(key, value)

    def elements(self, what: str = "a list") -> Iterator[Cursor]:
        """The items of a list; none for null."""
        if self.value is None:
            return
        if not isinstance(self.value, list):
            self.expected(what)
            return
        for index, value in enumerate(self.value):
            yield self.child(index, value)

    def list_of(self, read: Reader[U], what: str = "a list") -> tuple[U, ...]:
        """What ``read`` makes of each item of this list (see ``each``)."""
        return each(self.elements(what), read)

    def map_of(self, read: Reader[U], what: str = "a map") -> dict[str, U]:
        """What ``read`` makes of each value of this map, by key; values it could not read are left out."""
        found: dict[str, U] = {}
        for key, item in self.items(what):
            value = read(item)
            if value is not None:
                found[key] = value
        return found

    def string(self, hint: str = "") -> str | None:
        if isinstance(self.value, str):
            return self.value
        if isinstance(self.value, int | float) and not isinstance(self.value, bool):
            hint = hint or f" (write it in quotes if you mean the text: '{self.value}')"
        self.error(f"Expected a string, not {describe(self.value)}{hint}.")
        return None

    def text(self) -> str | None:
        """A scalar as a string (``true`` → ``"true"``, ``1200`` → ``"1200"``); maps and lists are errors."""
        if isinstance(self.value, dict | list):
            self.expected("a string, a number or a boolean")
            return None
        return None if self.value is None else scalar_text(self.value)

    def integer(self, minimum: int | None = None) -> int | None:
        value = self.value
        if not isinstance(value, int) or isinstance(value, bool):
            self.expected("a whole number")
            return None
        if minimum is not None and value < minimum:
            self.error(f"Expected a whole number of at least {minimum}, not {value}.")
            return None
        return value

    def number(self) -> float | None:
        if not isinstance(self.value, int | float) or isinstance(self.value, bool):
            self.expected("a number")
            return None
        return float(self.value)

    def boolean(self) -> bool | None:
        if isinstance(self.value, bool):
            return self.value
        self.expected("true or false")
        return None

    def timestamp(self) -> datetime | None:
        """An ISO-8601 time (``2024-01-31T12:00:00Z``)."""
        text = self.string()
        if text is None:
            return None
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            self.error(f"Expected an ISO-8601 time such as '{ISO_EXAMPLE}', not {text!r}.")
            return None

    def unit(self, parse: Callable[[object], U]) -> U | None:
        try:
            return parse(self.value)
        except units.UnitError as exc:
            self.error(str(exc))
            return None

    def name(self, *, strict: bool = False, allow_slash: bool = False) -> str | None:
        text = self.string()
        if text is None:
            return None
        problem = model.name_problem(text, strict=strict, allow_slash=allow_slash)
        if problem is not None:
            self.error(problem)
            return None
        return text

    def mapping(self) -> dict[str, Any] | None:
        """Free-form data (metadata, dialects, template definitions): any map, kept as it is."""
        if isinstance(self.value, dict):
            return self.value
        self.expected("a map")
        return None


class Fields:
    """The keys of one map. Keys no reader asked for are reported by ``finish`` as unexpected."""

    __slots__ = ("asked", "cursor", "ignored", "start", "values", "what")

    def __init__(self, cursor: Cursor, values: dict[str, object], what: str) -> None:
        self.cursor = cursor
        self.values = values
        self.what = what
        self.asked: set[str] = set()
        self.ignored: set[str] = set()
        self.start = len(cursor.context.issues)

    @property
    def failed(self) -> bool:
        """Whether anything inside this map has been reported since reading it began."""
        return len(self.cursor.context.issues) > self.start

    def has(self, key: str) -> bool:
        return key in self.values

    def get(self, key: str) -> Cursor | None:
        """The value of ``key``; ``None`` when it is not given, or given as null (as Vamp reads it)."""
        self.asked.add(key)
        if self.values.get(key) is None:
            return None
        return self.cursor.child(key, self.values[key])

    @overload
    def read(self, key: str, read: Callable[[Cursor], R], *, alias: str | None = None) -> R | None: ...

    @overload
    def read(
        self, key: str, read: Callable[[Cursor], R], default: D, *, alias: str | None = None
    ) -> R | D: ...

    def read(
        self, key: str, read: Callable[[Cursor], R], default: D | None = None, *, alias: str | None = None
    ) -> R | D | None:
        """What ``read`` makes of the value of ``key`` (or of ``alias``, see ``first``); ``default`` when
        it is not given, or given as null."""
        if alias is not None:
            found = self.first(key, alias)
            return default if found is None else read(found)
        self.asked.add(key)
        value = self.values.get(key)
        return default if value is None else read(self.cursor.child(key, value))

    def read_required(self, key: str, read: Reader[U]) -> U | None:
        """What ``read`` makes of the value of ``key``, which must be given (see ``require``)."""
        found = self.require(key)
        return None if found is None else read(found)

    def require(self, key: str) -> Cursor | None:
        found = self.get(key)
        if found is None and key in self.values:
            self.cursor.child(key, None).error(f"Missing value for required key {key!r} in {self.what}.")
        elif found is None:
            self.missing(key)
        return found

    def missing(self, key: str, hint: str = "") -> None:
        self.cursor.context.report(
            (*self.cursor.path, key),
            self.cursor.context.document.mark(self.cursor.source),
            f"Missing required key {key!r} in {self.what}{hint}.",
        )

    def first(self, key: str, alias: str) -> Cursor | None:
        """The value of ``key``, also accepted under ``alias`` (``env`` for ``environment_variables``)."""
        self.asked.update((key, alias))
        if key in self.values and alias in self.values:
            self.cursor.child(alias, self.values[alias]).error(
                f"Give either {key!r} or {alias!r} in {self.what}, not both."
            )
            return None
        if self.values.get(alias) is not None:
            return self.cursor.child(key, self.values[alias], alias)
        return self.get(key)

    def ignore(self, *keys: str) -> None:
        """Accept keys that Vamp writes in its output and a user may send back; their values are unused."""
        self.ignored.update(keys)

    def finish(self) -> None:
        """Report every key no reader asked for (and that is not ignored) as unexpected."""
        unexpected = [key for key in self.values if key not in self.asked and key not in self.ignored]
        valid = sorted(self.asked) if unexpected else []
        for key in unexpected:
            path = (*self.cursor.path, key)
            mark = self.cursor.context.document.key_mark((*self.cursor.source, key))
            message = f"Unexpected key {key!r} in {self.what}; valid keys are: {', '.join(valid)}."
            if not valid:
                message = f"Unexpected key {key!r} in {self.what}; it takes no other keys."
            close = difflib.get_close_matches(key, valid, n=1)
            if close:
                message += f" Did you mean {close[0]!r}?"
            self.cursor.context.report(path, mark, message)

    def build(self, cls: type[M], **values: Any) -> M | None:
        """Finish the map and make ``cls`` from ``values``; ``None`` if anything inside was reported."""
        self.finish()
        if self.failed:
            return None
        return build(self.cursor, cls, **values)


def each(items: Iterable[Cursor], read: Reader[U]) -> tuple[U, ...]:
    """What ``read`` makes of each item, leaving out the items it could not read (it reported why)."""
    found = [read(item) for item in items]
    return tuple(value for value in found if value is not None)


def build(cursor: Cursor, cls: type[M], **values: Any) -> M | None:
    """``cls(**values)``; a value the reader let through by mistake becomes an issue, never an exception."""
    try:
        return cls(**values)
    except pydantic.ValidationError as exc:
        for error in exc.errors():
            place = (*cursor.path, *(part for part in error["loc"] if isinstance(part, str | int)))
            cursor.context.report(place, cursor.context.document.mark(cursor.source), f"{error['msg']}.")
        return None
