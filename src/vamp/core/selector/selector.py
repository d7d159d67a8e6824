"""A parsed selector: its text, its syntax tree, and how it matches one port of one instance.

``parse`` makes these (and caches them); ``and_`` combines two, as the gateway service does with the
global selector from configuration. Selecting over many instances at once is ``select``'s job.
"""

from __future__ import annotations

from dataclasses import dataclass

from vamp.core import model
from vamp.core.selector import evaluate, syntax


@dataclass(frozen=True, slots=True)
class Selector:
    """A gateway selector such as ``label(app)(foo) && label(version)((.*))``."""

    text: str
    root: syntax.Node

    def match(
        self, instance: model.ObservedInstance, port_index: int, *, namespace: str | None = None
    ) -> tuple[str, ...] | None:
        """The sorted group values for port ``port_index`` of ``instance``, or ``None`` if it does not match.

        Args:
            instance: the instance to test.
            port_index: the position of the port in ``instance.ports``.
            namespace: the current namespace, for ``namespace($namespace)``; without one that matches nothing.

        Raises:
            IndexError: the instance has no port at ``port_index``.
        """
        if not 0 <= port_index < len(instance.ports):
            raise IndexError(f"instance {instance.name!r} has no port at position {port_index}")
        found = evaluate.groups(self.root, instance, port_index, namespace)
        return None if found is None else tuple(sorted(found))

    def __str__(self) -> str:
        return self.text


def and_(a: Selector, b: Selector) -> Selector:
    """A selector that matches where both ``a`` and ``b`` match, yielding the group values of both."""
    return Selector(f"({a.text}) && ({b.text})", syntax.AllOf((a.root, b.root)))
