"""The syntax tree of a condition: boolean structure over matcher leaves, as the user wrote it.

``parser`` builds it, ``dnf`` normalises it into a ``match.Match``. Every node can also be evaluated
directly against a request (``test``), which is how the normal form is checked to keep the meaning.
Operands are already resolved to ``match.Matcher`` leaves (browser presets to small trees of them), so
this module knows no spelling of the language.
"""

from __future__ import annotations

from dataclasses import dataclass

from vamp.core.condition.match import Matcher, Request


@dataclass(frozen=True, slots=True)
class Constant:
    """``true`` or ``false``."""

    value: bool

    def test(self, request: Request) -> bool:
        return self.value


@dataclass(frozen=True, slots=True)
class Atom:
    """One operand, such as ``has cookie session``: a single matcher."""

    matcher: Matcher

    def test(self, request: Request) -> bool:
        return self.matcher.test(request)


@dataclass(frozen=True, slots=True)
class Not:
    """``not X`` / ``! X``."""

    operand: Expr

    def test(self, request: Request) -> bool:
        return not self.operand.test(request)


@dataclass(frozen=True, slots=True)
class And:
    """``X and Y and …``: two or more operands, in the order written."""

    operands: tuple[Expr, ...]

    def test(self, request: Request) -> bool:
        return all(operand.test(request) for operand in self.operands)


@dataclass(frozen=True, slots=True)
class Or:
    """``X or Y or …``: two or more operands, in the order written."""

    operands: tuple[Expr, ...]

    def test(self, request: Request) -> bool:
        return any(operand.test(request) for operand in self.operands)


Expr = Constant | Atom | Not | And | Or
"""Any condition expression."""
