"""Observed instances for the selector tests: a factory with sensible defaults, and the canonical fleet."""

from __future__ import annotations

from typing import Any

from vamp.core import model


def observed(
    name: str, ip: str = "10.0.0.1", ports: tuple[int, ...] = (8080,), **fields: Any
) -> model.ObservedInstance:
    """An instance named ``name`` with the given port numbers; other fields as given."""
    return model.ObservedInstance(
        name=name, ip=ip, ports=tuple(model.ObservedPort(number=number) for number in ports), **fields
    )


# The example of vamp.md §1.10: two versions of ``foo`` and an unrelated ``bar``.
FOO_1 = observed("foo-1-0-3-a", ip="10.0.0.1", labels={"app": "foo", "version": "1.0.3"})
FOO_1_B = observed("foo-1-0-3-b", ip="10.0.0.2", labels={"app": "foo", "version": "1.0.3"})
FOO_2 = observed("foo-2-0-1-a", ip="10.0.0.3", labels={"app": "foo", "version": "2.0.1"})
BAR = observed("bar-1-a", ip="10.0.0.4", labels={"app": "bar", "version": "1.0.3"})
FLEET = (FOO_1, FOO_1_B, FOO_2, BAR)
