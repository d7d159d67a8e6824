"""What the discovery bench sees, as a user would: pods Ready through a plain list-watch of the API server
(Kubernetes' own part, the floor), and routes with endpoints through the routing plan, long-polled as the
gateway agents read it. Each is noted with the monotonic time this process first saw it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import httpx
from lightkube.resources.core_v1 import Pod

from vamp.adapters.kubernetes import client

LABEL = {"vamp-bench": "true"}
"""The label on every object the bench creates."""


@dataclass
class Seen:
    """When this process first saw each Deployment's pods all Ready (list-watch) and its route served with
    as many endpoints (long poll)."""

    replicas: int
    deadline: float
    ready: dict[tuple[str, str], float] = field(default_factory=dict)
    """(app, version) → monotonic time its pods were first seen all Ready."""
    routed: dict[tuple[str, str], float] = field(default_factory=dict)
    """(app, version) → monotonic time the plan first had an endpoint for each of its pods."""
    ready_pods: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def ready_and_routed(self, key: tuple[str, str]) -> bool:
        return key in self.ready and key in self.routed

    def note(self, table: dict[tuple[str, str], float], key: tuple[str, str]) -> None:
        if key not in table:
            table[key] = time.monotonic()
            self.changed.set()

    def note_ready(self, key: tuple[str, str], pod: str) -> None:
        pods = self.ready_pods.setdefault(key, set())
        pods.add(pod)
        if len(pods) >= self.replicas:
            self.note(self.ready, key)

    async def until(self, description: str, done: Callable[[], bool]) -> float:
        """Wait until ``done()`` holds; the time it first did."""
        deadline = time.monotonic() + self.deadline
        while not done():
            self.changed.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise SystemExit(f"gave up waiting for {description} after {self.deadline:.0f} s")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), remaining)
        return time.monotonic()

    def covers(self, table: dict[tuple[str, str], float], keys: set[tuple[str, str]]) -> bool:
        """Whether ``table`` has every one of ``keys`` (counted first: the set test runs once at the end)."""
        return len(table) >= len(keys) and keys <= table.keys()


async def watch_pods(kube: client.KubernetesClient, seen: Seen) -> None:
    """A plain list-watch of the benchmark's pods (the Kubernetes baseline), relisting on 410."""
    while True:
        listing = await kube.list(Pod, labels=LABEL)
        for pod in listing.items:
            _note_pod(seen, pod)
        version = listing.resource_version
        with contextlib.suppress(client.Gone):
            while True:
                async for event in kube.watch(Pod, resource_version=version, server_timeout=60, labels=LABEL):
                    version = event.resource_version
                    if event.object is not None and event.type != "DELETED":  # not a bookmark
                        _note_pod(seen, event.object)


def _note_pod(seen: Seen, pod: Pod) -> None:
    labels = (pod.metadata.labels if pod.metadata else None) or {}
    conditions = (pod.status.conditions if pod.status else None) or []
    if any(c.type == "Ready" and c.status == "True" for c in conditions):
        seen.note_ready(
            (labels["app"], labels["version"]), (pod.metadata.name if pod.metadata else None) or ""
        )


async def watch_plan(api: httpx.AsyncClient, seen: Seen) -> None:
    """Long-poll the routing plan as an agent does; note each route the first time it has an endpoint for
    each of its pods."""
    version = ""
    while True:
        answer = await api.get("/api/v1/vga/plan", params={"version": version, "wait": 30})
        if answer.status_code != httpx.codes.OK:
            continue
        plan = answer.json()
        version = plan["version"]
        for target in plan["clusters"]:
            if len(target["endpoints"]) >= seen.replicas:
                gateway, _, route = target["name"].partition("//")
                seen.note(seen.routed, (gateway, route.strip("()")))


@contextlib.asynccontextmanager
async def watching(kube: client.KubernetesClient, api: httpx.AsyncClient, seen: Seen) -> AsyncIterator[None]:
    watchers = [asyncio.create_task(watch_pods(kube, seen)), asyncio.create_task(watch_plan(api, seen))]
    try:
        yield
    finally:
        for task in watchers:
            task.cancel()
        await asyncio.gather(*watchers, return_exceptions=True)
