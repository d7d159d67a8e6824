"""What ``/api/v1/info`` tells about this server, section by section (vamp.md §2.2).

The facts that do not change (version, the server's id, since when it runs, which store) are given at
start; the sections that do are asked of the parts when the request comes: whether the store answers,
which routing plan the gateway agents are served and which of its gateways each agent refused, what the
runtime driver sees. A section whose part
fails says so, and the whole answer is then a failure (Vamp answered 500: usable as a liveness probe).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from vamp import errors
from vamp.ports import metrics, runtime, store
from vamp.services import gateways

MESSAGE = "Hi, I'm Vamp! How are you?"
SECTIONS = ("persistence", "gateway_driver", "container_driver")


@dataclass(frozen=True, slots=True)
class About:
    """What the wiring knows at start: ``persistence`` names the store (``sqlite``, ``postgresql``…),
    ``gateway_driver`` the data plane of the gateway agents (``envoy``, ``haproxy``)."""

    version: str
    uuid: str
    running_since: datetime
    persistence: str
    gateway_driver: str = "envoy"


@dataclass(frozen=True, slots=True)
class Report:
    """The answer, and whether every section asked for could be read."""

    data: dict[str, Any]
    healthy: bool


class InfoService:
    def __init__(
        self,
        about: About,
        store: store.ArtifactStore,
        driver: runtime.RuntimeDriver,
        plans: Callable[[str], gateways.PlanHolder],
        refusals: metrics.RefusalReader | None = None,
    ) -> None:
        self._about = about
        self._store = store
        self._driver = driver
        self._plans = plans
        self._refusals = refusals

    def refused(self, namespace: str) -> dict[str, str]:
        """Why gateway agents refused gateways of ``namespace``, by gateway (one reason per agent)."""
        found: dict[str, list[str]] = {}
        for item in () if self._refusals is None else self._refusals.refused(namespace):
            reasons = found.setdefault(item.gateway, [])
            if item.reason not in reasons:
                reasons.append(item.reason)
        return {gateway: " ".join(reasons) for gateway, reasons in found.items()}

    async def report(self, namespace: str, sections: Collection[str] = SECTIONS) -> Report:
        """The facts and the ``sections`` asked for (names from ``SECTIONS``)."""
        data: dict[str, Any] = {
            "message": MESSAGE,
            "version": self._about.version,
            "uuid": self._about.uuid,
            "running_since": self._about.running_since.isoformat(),
        }
        healthy = True
        for section in SECTIONS:
            if section in sections:
                data[section], ok = await self._section(section, namespace)
                healthy = healthy and ok
        return Report(data, healthy)

    async def _section(self, section: str, namespace: str) -> tuple[dict[str, Any], bool]:
        """One section, and whether its part answered."""
        kind = {
            "persistence": self._about.persistence,
            "gateway_driver": self._about.gateway_driver,
            "container_driver": self._driver.name,
        }[section]
        try:
            found = await self._read(section, namespace)
        except errors.VampError as exc:
            return {"type": kind, "status": "error", "message": str(exc)}, False
        return {"type": kind, **found}, True

    async def _read(self, section: str, namespace: str) -> dict[str, Any]:
        """What the part behind ``section`` says now."""
        if section == "persistence":
            await self._store.list(namespace, "breeds", limit=0)
            return {"status": "ok"}
        if section == "gateway_driver":
            holder = self._plans(namespace)
            plan = holder.current()
            return {
                "plan": None if plan is None else plan.version,
                "problems": list(holder.problems),
                "refused": self._refused_by_agent(namespace),
            }
        instances = await self._driver.instances()
        return {"status": "ok", "instances": len(instances)}

    def _refused_by_agent(self, namespace: str) -> dict[str, list[dict[str, Any]]]:
        """The gateways of ``namespace`` each agent refused: ``{agent: [{gateway, reason, since}]}``."""
        found: dict[str, list[dict[str, Any]]] = {}
        for item in () if self._refusals is None else self._refusals.refused(namespace):
            found.setdefault(item.agent, []).append(
                {"gateway": item.gateway, "reason": item.reason, "since": item.since}
            )
        return found
