"""Asking HAProxy itself which raw HAProxy conditions of a plan it refuses, and naming their gateways.

The parser checks the form of a raw condition ``< … >`` (``condition.raw_acl``: one line, nothing that
breaks out of an ACL or loads a file); only HAProxy knows its fetches, matching methods and converters.
``refused(plan)`` writes every distinct raw condition of the plan (in routes and path rewrites) on a line
of its own in a small check configuration, as the anonymous ACL the renderer makes of it, and runs
``haproxy -c`` on it (from standard input: no file is written). HAProxy stops at the first error of a
configuration and names its line, so a refused condition is left out and HAProxy asked again, until it
takes the rest: at most one run per refused condition, plus one. Each gateway using a refused condition
gets HAProxy's words as its reason; ``check(plan)`` raises them as ``errors.GatewaysRefused``, so the
HAProxy data plane refuses just those gateways before its own ``haproxy -c`` of the whole configuration,
and the agent serves the others.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from dataclasses import dataclass

from vamp import errors
from vamp.core import condition
from vamp.core.routing import isolation
from vamp.core.routing import plan as routing_plan

_CHECK_TIMEOUT_SECONDS = 60.0
_PREAMBLE = ("defaults", "    mode http", "backend vamp-raw-conditions")
_REFUSED_LINE = re.compile(r"\[/dev/stdin:(?P<line>\d+)\]\s*:\s*(?P<what>.*)")
_CONDITION_SAID = re.compile(r".*?condition\s*:\s*")


@dataclass(frozen=True, slots=True)
class _Use:
    """Where a raw condition is used: its gateway and route."""

    gateway: str
    route: str


async def check(plan: routing_plan.RoutingPlan, *, haproxy: str = "haproxy") -> None:
    """Refuse the gateways of ``plan`` with raw conditions HAProxy refuses, each with HAProxy's words.

    Raises:
        errors.GatewaysRefused: names them, each with its reason.
        errors.DataPlaneError: as ``refused``.
    """
    found = await refused(plan, haproxy=haproxy)
    if found:
        named = " ".join(f"Gateway '{gateway}': {reason}" for gateway, reason in sorted(found.items()))
        raise errors.GatewaysRefused(
            f"Routing plan {plan.version} cannot be served by HAProxy. {named}", found
        )


async def refused(plan: routing_plan.RoutingPlan, *, haproxy: str = "haproxy") -> dict[str, str]:
    """Each gateway of ``plan`` with a raw condition HAProxy refuses, and HAProxy's reason; ``{}`` when
    HAProxy takes them all (or there are none).

    Raises:
        errors.DataPlaneError: HAProxy cannot be run, or refused the check for another reason; the message
            says what HAProxy said.
    """
    uses = _uses(plan)
    found: dict[str, str] = {}
    remaining = list(uses)
    while remaining:
        output = await _check(haproxy, remaining)
        if output is None:
            break
        line, said = output
        text = remaining.pop(line - len(_PREAMBLE) - 1)
        for use in uses[text]:
            reason = f"HAProxy refused the raw condition '< {text} >' of route '{use.route}': {said}"
            found.setdefault(use.gateway, reason)
    return found


def _uses(plan: routing_plan.RoutingPlan) -> dict[str, list[_Use]]:
    """Every distinct raw condition of ``plan``, in order, with where it is used."""
    uses: dict[str, list[_Use]] = {}
    for gateway, route, match in _matches(plan):
        for conjunction in match.disjuncts:
            for matcher in conjunction.matchers:
                if matcher.field is condition.Field.HAPROXY and matcher.value is not None:
                    uses.setdefault(matcher.value, []).append(_Use(gateway, route))
    return uses


def _matches(plan: routing_plan.RoutingPlan) -> Iterator[tuple[str, str, condition.Match]]:
    for listener in plan.listeners:
        for host in listener.virtual_hosts:
            for route in host.routes:
                if route.match is not None:
                    yield host.gateway, route.name.removeprefix(f"{host.gateway}//"), route.match
    for cluster in plan.clusters:
        for rewrite in cluster.rewrites:
            yield isolation.owner(cluster), cluster.origin().route, rewrite.match


async def _check(haproxy: str, texts: list[str]) -> tuple[int, str] | None:
    """``None`` when HAProxy takes every one of ``texts``; else the line it refused and what it said."""
    lines = [*_PREAMBLE, *(f"    http-request deny if {{ {text} }}" for text in texts)]
    try:
        process = await asyncio.create_subprocess_exec(
            haproxy,
            "-c",
            "-f",
            "/dev/stdin",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
    except OSError as exc:
        raise errors.DataPlaneError(
            f"HAProxy ({haproxy}) cannot be run to check raw HAProxy conditions: {exc}"
        ) from exc
    try:
        data, _ = await asyncio.wait_for(
            process.communicate("\n".join(lines).encode() + b"\n"), _CHECK_TIMEOUT_SECONDS
        )
    except TimeoutError:
        process.kill()
        await process.wait()
        raise errors.DataPlaneError(
            f"HAProxy ({haproxy}) did not check the raw HAProxy conditions within "
            f"{_CHECK_TIMEOUT_SECONDS:.0f} s"
        ) from None
    output = data.decode(errors="replace")
    if "Configuration file has no error" in output or process.returncode == 0:
        return None
    for found in _REFUSED_LINE.finditer(output):
        line = int(found.group("line"))
        if len(_PREAMBLE) < line <= len(lines):
            said = _CONDITION_SAID.sub("", found.group("what"), count=1).strip()
            return line, said
    raise errors.DataPlaneError(
        f"HAProxy ({haproxy}) refused the check of the raw HAProxy conditions: {output.strip()}"
    )
