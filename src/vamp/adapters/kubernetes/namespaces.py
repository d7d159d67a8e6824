"""Vamp namespaces as Kubernetes Namespaces of the same name, created the first time something goes there.

An environment ``prod`` of organisation ``acme`` is the Namespace ``acme-prod`` (vamp.md §4), labelled
by ``manifests.namespace``; ``default`` is Kubernetes' own. A Namespace is created at most once per
process, unless an apply finds it gone (someone deleted it): then it is created again and the apply
retried once. Creating needs only the ``create`` verb on Namespaces: one that exists already is fine.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any, cast

from lightkube.resources.core_v1 import Namespace

from vamp.adapters.kubernetes import client as kube
from vamp.adapters.kubernetes import manifests


class Namespaces:
    """Applies objects into Namespaces, creating each Namespace when first needed."""

    def __init__(self, client: kube.KubernetesClient) -> None:
        self._client = client
        self._ensured: set[str] = set()

    async def ensure(self, name: str) -> None:
        """Create the Namespace ``name`` unless it exists (or this process made sure of it before)."""
        if name in self._ensured:
            return
        wanted = cast(Namespace, Namespace.from_dict(manifests.namespace(name)))
        with contextlib.suppress(kube.Conflict):  # it exists: made by someone else, or by an earlier run
            await self._client.create(wanted)
        self._ensured.add(name)

    async def apply(self, kind: type[kube.R], manifest: Mapping[str, Any]) -> kube.R:
        """Server-side apply ``manifest`` into its Namespace, creating the Namespace when it is missing."""
        namespace = manifest["metadata"]["namespace"]
        await self.ensure(namespace)
        try:
            return await self._client.apply(kind, manifest)
        except kube.NotFound:
            self._ensured.discard(namespace)
            await self.ensure(namespace)
            return await self._client.apply(kind, manifest)
