"""Which gateways HAProxy refused: its ``haproxy -c`` complaints traced back to the gateways of a plan (pure).

HAProxy names the line it could not take: ``[ALERT] … : config : parsing [/…/haproxy.cfg:42] :
unknown keyword …`` from ``haproxy -c``, ``Binding [/…/haproxy.cfg:17] for frontend …: cannot bind
socket`` in its log when a reload fails. The line lies in one section of the rendered text: a
``frontend`` (a plan listener, whose virtual hosts name its gateways) or a ``backend`` (one route of one
gateway, ``Rendering.backends``).
``refused`` names those gateways with HAProxy's words (``errors.GatewaysRefused``); a complaint on no
gateway's section (``global``, ``defaults``, or without a line) names none, and its words become the
reason the agent gives the gateway it finds at fault by searching (``vamp.services.agent``).
"""

from __future__ import annotations

import re

from vamp import errors
from vamp.adapters.haproxy.render import Rendering
from vamp.core.routing import plan as routing_plan

_PARSING = re.compile(r"(?:parsing|Binding) \[[^\]]*?:(\d+)\]\s*:?\s*(.*)")
_ALERT = re.compile(r"\[ALERT\][^:]*:\s*(?:config\s*:\s*)?(.*)")
_GENERIC = ("Error(s) found in configuration file", "Fatal errors found in configuration")


def refused(
    plan: routing_plan.RoutingPlan,
    rendering: Rendering,
    output: str,
) -> errors.GatewaysRefused:
    """The refusal of ``plan`` (rendered as ``rendering``) that ``haproxy -c`` said ``output`` about."""
    sections = _sections(rendering.text)
    listeners = {listener.name: listener for listener in plan.listeners}
    blamed: dict[str, str] = {}
    for line_number, what in _PARSING.findall(output):
        why = _said(what)
        kind, name = sections.get(int(line_number), ("", ""))
        if kind == "frontend" and rendering.frontends.get(name) in listeners:
            for host in listeners[rendering.frontends[name]].virtual_hosts:
                blamed.setdefault(host.gateway, why)
        elif kind == "backend" and name in rendering.backends:
            blamed.setdefault(rendering.backends[name].gateway, why)
    reason = alerts(output)
    message = f"HAProxy refused routing plan {plan.version}; it keeps serving the last good one. {reason}"
    return errors.GatewaysRefused(message.rstrip(), blamed, reason)


def alerts(output: str) -> str:
    """HAProxy's alerts in ``output``, in its own words, without the summary lines."""
    said = []
    for line in output.splitlines():
        found = _ALERT.search(line)
        if found is not None and not any(generic in line for generic in _GENERIC):
            said.append(found.group(1).strip())
    return f"HAProxy said: {' '.join(said)}" if said else ""


def _sections(text: str) -> dict[int, tuple[str, str]]:
    """The ``(kind, name)`` of the section each line (numbered from 1) of ``text`` belongs to."""
    found = {}
    current = ("", "")
    for number, line in enumerate(text.splitlines(), start=1):
        words = line.split()
        if line and not line[0].isspace() and words:
            current = (words[0], words[1] if len(words) > 1 else "")
        found[number] = current
    return found


def _said(what: str) -> str:
    text = what.strip()
    return f"HAProxy refused it: {text}" if text.endswith(".") else f"HAProxy refused it: {text}."
