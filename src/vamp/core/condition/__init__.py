"""The condition language and path rewrites (vamp.md §1.9, §1.11), compiled to a neutral match IR.

``compile("user-agent == Firefox and not has cookie beta")`` gives a ``Match`` in disjunctive normal
form that any data plane can render; ``Match.test(Request(...))`` is the reference semantics.
``parse_rewrite("/api%[path] if { path_beg /v1 }")`` reads a path rewrite. The modules:

* ``match``: the IR (``Field``, ``Op``, ``Matcher``, ``Conjunction``, ``Match``) and ``Request``;
* ``scanner`` and ``parser``: text to the syntax tree (``syntax``); ``browsers``: user-agent presets;
  ``raw_acl``: the checks on Vamp's raw HAProxy conditions ``< … >`` (only HAProxy runs them);
* ``dnf``: the tree to a ``Match`` (``compile``); ``render``: a ``Match`` back to text (``describe``);
* ``rewrite``: ``PathRewrite`` and ``parse_rewrite``.

Callers treat an empty condition as "no condition"; ``compile`` refuses blank text.
"""

from vamp.core.condition.browsers import PRESETS
from vamp.core.condition.dnf import MAX_ALTERNATIVES, compile, normalize
from vamp.core.condition.match import Conjunction, Field, Match, Matcher, Op, Request
from vamp.core.condition.parser import SUPPORTED_FORMS, parse
from vamp.core.condition.render import describe
from vamp.core.condition.rewrite import ORIGINAL_PATH, PathRewrite, parse_rewrite
from vamp.core.condition.syntax import And, Atom, Constant, Expr, Not, Or

__all__ = [
    "MAX_ALTERNATIVES",
    "ORIGINAL_PATH",
    "PRESETS",
    "SUPPORTED_FORMS",
    "And",
    "Atom",
    "Conjunction",
    "Constant",
    "Expr",
    "Field",
    "Match",
    "Matcher",
    "Not",
    "Op",
    "Or",
    "PathRewrite",
    "Request",
    "compile",
    "describe",
    "normalize",
    "parse",
    "parse_rewrite",
]
