"""YAML (and JSON) text → plain data, remembering where in the text every key and value starts.

PyYAML composes the text into nodes (with the C loader when it is there); this module turns the nodes
into dicts, lists and scalars itself, so that it can record the line and column of every value and
key by path, report duplicate keys (Vamp let them slip past its weight rules, issue #648), apply
merge keys (``<<``) and keep timestamps as the strings they were written as. JSON is YAML, so it is
read the same way. Each artifact becomes one ``Document``: the documents of a multi-document text
(``---``), or the items of a text that is one list. Problems become ``errors.Issue`` values; nothing
here raises. It reads no files: the caller hands in the text.

Hostile text is refused quickly, with limits no real Vamp document comes near: before composing, one
pass over PyYAML's event stream counts values and nesting and stops at the first that goes beyond
``MAX_DOCUMENT_VALUES`` values in one document, ``MAX_VALUES`` in the text, or ``MAX_DEPTH`` levels (so
a 4 MiB document of keys costs a fraction of its full parse, and a deeply nested one never reaches the
recursive composer; a body of many documents, such as 10,000 gateways, is read); while converting, aliases may
add at most ``MAX_ALIAS_VALUES`` values to those the text holds (a "billion laughs" text stops
there); whole numbers of more than ``MAX_DIGITS`` digits and infinite or not-a-number floats are
refused where they are written (Python refuses to make an ``int`` of more than 4,300 digits, and JSON
has no infinity).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import yaml

from vamp import errors
from vamp.core.validation.problems import Path, render

Mark = tuple[int, int]
"""Line and column, both counting from 1; ``(0, 0)`` when there is no place in the text."""

NOWHERE: Mark = (0, 0)
MAX_DEPTH = 100
"""Values may nest this many levels deep (Vamp's deepest forms need about ten)."""
MAX_DOCUMENT_VALUES = 50_000
"""A document (of a multi-document text, or an item of a text that is one list) may hold this many values:
keys, scalars, maps and lists."""
MAX_VALUES = 1_000_000
"""A text may hold (and its aliases expand to) this many values: a body of 10,000 gateways holds some
100,000; a 4 MiB body (the API's default limit) cannot hold this many."""
MAX_ALIAS_VALUES = 10_000
"""Aliases (``*name``) may add this many values to those written out (Vamp documents rarely use them)."""
MAX_DIGITS = 100
"""A whole number may have this many digits (Vamp's largest, a memory size in bytes, needs about 15)."""

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_CONSTRUCTOR = yaml.constructor.SafeConstructor()

_TAG = "tag:yaml.org,2002:"
_MERGE = _TAG + "merge"
_MAP = _TAG + "map"
_SEQ = _TAG + "seq"
_STR = _TAG + "str"
_TIMESTAMP = _TAG + "timestamp"
_NULL = _TAG + "null"
_BOOL = _TAG + "bool"
_INT = _TAG + "int"
_FLOAT = _TAG + "float"
_TRUE = frozenset({"yes", "true", "on"})


@dataclass(slots=True)
class Document:
    """One artifact's plain data, and where each of its values and keys starts in the text."""

    index: int
    data: object
    marks: dict[Path, Mark] = field(default_factory=dict)
    key_marks: dict[Path, Mark] = field(default_factory=dict)

    def mark(self, path: Path) -> Mark:
        """Where the value at ``path`` starts, or its nearest ancestor that is in the text."""
        while path not in self.marks:
            if not path:
                return NOWHERE
            path = path[:-1]
        return self.marks[path]

    def key_mark(self, path: Path) -> Mark:
        """Where the key of the value at ``path`` starts (where the value does, for list items)."""
        return self.key_marks.get(path) or self.mark(path)


@dataclass(slots=True)
class Loaded:
    documents: list[Document]
    issues: list[errors.Issue]


class _TooLarge(Exception):
    """Aliases expand to more values than any artifact needs (a "billion laughs" text)."""


def load(text: str) -> Loaded:
    """Every artifact in ``text``, in order, and the problems found while reading the YAML itself."""
    loaded = Loaded([], [])
    written = _written(text)
    if isinstance(written, errors.Issue):
        loaded.issues.append(written)
        return loaded
    budget = _Budget(min(MAX_VALUES, written + MAX_ALIAS_VALUES))
    nodes = iter(yaml.compose_all(text, Loader=_Loader))
    while True:
        try:
            root = next(nodes)
        except StopIteration:
            return loaded
        except yaml.YAMLError as exc:
            loaded.issues.append(_syntax_issue(exc, text, len(loaded.documents)))
            return loaded
        except RecursionError:
            loaded.issues.append(errors.Issue(_too_deep(), "", len(loaded.documents)))
            return loaded
        try:
            _add_root(loaded, root, budget)
        except _TooLarge:
            message = (
                f"Aliases expand the text to more than {budget.limit:,} values (at most "
                f"{MAX_ALIAS_VALUES:,} more than the {written:,} written, and {MAX_VALUES:,} in all); "
                "split it up."
            )
            loaded.issues.append(errors.Issue(message, "", len(loaded.documents)))
            return loaded


_OPENING = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSING = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
_VALUES = (yaml.ScalarEvent, yaml.AliasEvent, *_OPENING)


def _written(text: str) -> int | errors.Issue:
    """How many values ``text`` holds as written (aliases count one each); an issue when it holds more
    than ``MAX_VALUES``, one of its documents more than ``MAX_DOCUMENT_VALUES``, or it nests deeper than
    ``MAX_DEPTH``.

    One pass over the event stream, stopped at the first value beyond a limit. Syntax errors are left to
    the composer, which reports them with their place.
    """
    values = 0
    depth = 0
    document = 0
    """The index of the document being read."""
    in_document = 0
    """The values of that document so far."""
    top_list = False
    """Whether the YAML document being read is one list, whose items are documents."""
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, _VALUES):
                if depth == 0:
                    top_list = isinstance(event, yaml.SequenceStartEvent)
                elif depth == 1 and top_list and in_document:
                    document, in_document = document + 1, 0
                values += 1
                in_document += not (depth == 0 and top_list)  # the list holding the documents is none
                if values > MAX_VALUES:
                    message = f"The text holds more than {MAX_VALUES:,} values; split it up."
                    return errors.Issue(message, "", document, *_event_position(event))
                if in_document > MAX_DOCUMENT_VALUES:
                    message = f"The document holds more than {MAX_DOCUMENT_VALUES:,} values; split it up."
                    return errors.Issue(message, "", document, *_event_position(event))
            if isinstance(event, _OPENING):
                depth += 1
                if depth > MAX_DEPTH + 1:  # + 1: the items of a top-level list are documents
                    return errors.Issue(_too_deep(), "", document, *_event_position(event))
            elif isinstance(event, _CLOSING):
                depth -= 1
            elif isinstance(event, yaml.DocumentEndEvent):
                document, in_document = document + 1, 0
    except yaml.YAMLError:
        return values
    return values


def _event_position(event: yaml.Event) -> Mark:
    mark = event.start_mark
    return NOWHERE if mark is None else (mark.line + 1, mark.column + 1)


def _add_root(loaded: Loaded, root: yaml.Node, budget: _Budget) -> None:
    if isinstance(root, yaml.SequenceNode):
        for item in root.value:
            _add_document(loaded, item, budget)
    elif not (isinstance(root, yaml.ScalarNode) and root.tag == _NULL):
        _add_document(loaded, root, budget)


def _add_document(loaded: Loaded, node: yaml.Node, budget: _Budget) -> None:
    document = Document(len(loaded.documents), None)
    converter = _Converter(document, loaded.issues, budget)
    document.data = converter.value(node, (), 0)
    loaded.documents.append(document)


class _Budget:
    __slots__ = ("left", "limit")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.left = limit

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise _TooLarge


def _position(node: yaml.Node) -> Mark:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def _too_deep() -> str:
    return f"Values nested more than {MAX_DEPTH} levels deep are not supported."


class _Converter:
    """Turns the nodes of one document into plain data, recording marks and issues on the way."""

    __slots__ = ("active", "budget", "document", "issues")

    def __init__(self, document: Document, issues: list[errors.Issue], budget: _Budget) -> None:
        self.document = document
        self.issues = issues
        self.budget = budget
        self.active: set[int] = set()

    def issue(self, path: Path, mark: Mark, message: str) -> None:
        self.issues.append(errors.Issue(message, render(path), self.document.index, *mark))

    def value(self, node: yaml.Node, path: Path, depth: int) -> object:
        self.budget.spend()
        start = node.start_mark
        mark = self.document.marks[path] = (start.line + 1, start.column + 1)
        if depth > MAX_DEPTH:
            self.issue(path, mark, _too_deep())
            return None
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, path)
        if id(node) in self.active:
            self.issue(path, mark, "An alias cannot be used inside the value it names.")
            return None
        self.active.add(id(node))
        try:
            return self.collection(node, path, mark, depth)
        finally:
            self.active.discard(id(node))

    def collection(self, node: yaml.Node, path: Path, mark: Mark, depth: int) -> object:
        if isinstance(node, yaml.MappingNode):
            if node.tag != _MAP:
                self.issue(path, mark, _unsupported_tag(node.tag))
            result = self.mapping(node, path, depth)
            self.document.marks[path] = mark
            return result
        if node.tag != _SEQ:
            self.issue(path, mark, _unsupported_tag(node.tag))
        return [self.value(item, (*path, index), depth + 1) for index, item in enumerate(node.value)]

    def scalar(self, node: yaml.ScalarNode, path: Path) -> object:
        tag = node.tag
        if tag in (_STR, _TIMESTAMP):
            return node.value
        if tag == _NULL:
            return None
        if tag == _BOOL:
            return node.value.lower() in _TRUE
        if tag == _INT:
            digits = len(node.value.lstrip("+-"))
            if digits > MAX_DIGITS:
                message = f"Whole numbers of more than {MAX_DIGITS} digits are not supported ({digits} here)."
                self.issue(path, _position(node), message)
                return None
            return _CONSTRUCTOR.construct_yaml_int(node)
        if tag == _FLOAT:
            number = _CONSTRUCTOR.construct_yaml_float(node)
            if not math.isfinite(number):
                self.issue(path, _position(node), f"Expected a finite number, not {node.value!r}.")
                return None
            return number
        self.issue(path, _position(node), _unsupported_tag(tag))
        return node.value

    def mapping(self, node: yaml.MappingNode, path: Path, depth: int) -> dict[str, object]:
        result: dict[str, object] = {}
        merges = [value for key, value in node.value if key.tag == _MERGE]
        for merged in reversed(merges):
            self.merge(merged, path, depth, result)
        seen: dict[str, Mark] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                continue
            key_mark = _position(key_node)
            if not isinstance(key_node, yaml.ScalarNode):
                self.issue(
                    path, key_mark, "A key must be a plain value (a string or a number), not a map or a list."
                )
                continue
            key = key_node.value
            key_path = (*path, key)
            if key in seen:
                first_line = seen[key][0]
                message = (
                    f"Duplicate key {key!r} (first at line {first_line}); each key may appear only once."
                )
                self.issue(key_path, key_mark, message)
                continue
            seen[key] = key_mark
            self.document.key_marks[key_path] = key_mark
            result[key] = self.value(value_node, key_path, depth + 1)
        return result

    def merge(self, node: yaml.Node, path: Path, depth: int, into: dict[str, object]) -> None:
        """Apply a merge key: earlier maps of a list win over later ones, the map's own keys over all."""
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        for source in reversed(sources):
            if not isinstance(source, yaml.MappingNode):
                self.issue(path, _position(source), "A merge key '<<' takes a map, or a list of maps.")
                continue
            merged = self.value(source, path, depth + 1)
            if isinstance(merged, dict):
                into.update(merged)


def _unsupported_tag(tag: str) -> str:
    return f"Unsupported YAML tag {tag!r}; use plain maps, lists, strings, numbers, booleans and null."


def _syntax_issue(exc: yaml.YAMLError, text: str, document: int) -> errors.Issue:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        message = f"Error: {exc.problem}"
        if exc.context:
            message += f" ({exc.context}"
            if exc.context_mark is not None:
                message += (
                    f" that starts at line {exc.context_mark.line + 1}, column {exc.context_mark.column + 1}"
                )
            message += ")"
        return errors.Issue(message + ".", "", document, mark.line + 1, mark.column + 1)
    if isinstance(exc, yaml.reader.ReaderError):
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        character = f"#x{exc.character:04x}" if isinstance(exc.character, int) else repr(exc.character)
        return errors.Issue(
            f"Error: unacceptable character {character}: {exc.reason}.", "", document, line, column
        )
    return errors.Issue(f"Error: {exc}.", "", document)
