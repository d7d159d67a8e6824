"""Environments as Kubernetes Namespaces (``ports.access.EnvironmentRuntime``): made when an environment is
created, deleted when it is removed.

Environment ``prod`` of organisation ``acme`` is the Namespace ``acme-prod``, labelled
``io.vamp/organisation: acme``, ``io.vamp/environment: prod`` and ``app.kubernetes.io/managed-by: vamp``
(``manifests.namespace``), by server-side apply: a Namespace that exists already (made on a first deploy,
or by an earlier server) just gets the labels; one someone else made gets only the two ``io.vamp/``
labels, not ``managed-by``, so it is not Vamp's to delete. A Namespace still terminating (its environment
was removed a moment ago) is waited for, up to ``TERMINATING_WAIT`` seconds, and then made again:
applying to it would change a Namespace about to vanish.

Removing deletes the Namespace, and Kubernetes everything in it. Kubernetes RBAC cannot limit ``delete``
to some Namespaces, so this does: only a Namespace labelled as this environment's and Vamp's is deleted;
any other (say one an administrator made by hand before the environment existed, and that Vamp merely
labelled) is left in place, with a warning in the log. A Namespace that is gone already is fine.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import cast

from lightkube.resources.core_v1 import Namespace

from vamp import errors
from vamp.adapters.kubernetes import client as kube
from vamp.adapters.kubernetes import manifests
from vamp.core import access

log = logging.getLogger("vamp.kubernetes")

TERMINATING_WAIT = 60.0
"""Seconds to wait for a terminating Namespace to be gone before making it again."""
_LOOK_AGAIN = 0.5


class KubernetesEnvironments:
    """Makes and deletes the Namespaces of environments.

    Args:
        client: the API client; not closed here.
        terminating_wait: seconds to wait for a terminating Namespace before giving up.
    """

    def __init__(self, client: kube.KubernetesClient, *, terminating_wait: float = TERMINATING_WAIT) -> None:
        self._client = client
        self._terminating_wait = terminating_wait

    async def environment_created(self, namespace: str, organisation: str, environment: str) -> None:
        """Apply the labelled Namespace ``namespace``, after one of that name still terminating is gone.

        Raises:
            errors.DriverError: the API server refused, or the old Namespace did not go in time.
        """
        existing = await self._unless_terminating(namespace)
        manifest = manifests.namespace(namespace, organisation=organisation, environment=environment)
        if existing is not None and not _managed_by_vamp(existing):
            del manifest["metadata"]["labels"][manifests.LABEL_MANAGED_BY]
            log.warning(
                "Namespace %s existed before environment %s of organisation %s and was not made by Vamp: "
                "it is labelled as the environment's, and will be kept when the environment is removed.",
                namespace,
                environment,
                organisation,
            )
        await self._client.apply(Namespace, manifest)
        log.info("Namespace %s is environment %s of organisation %s.", namespace, environment, organisation)

    async def environment_removed(self, namespace: str) -> None:
        """Delete the Namespace ``namespace`` (and everything in it) if it is this environment's and Vamp's.

        Raises:
            errors.DriverError: the API server refused.
        """
        found = await self._client.get(Namespace, namespace)
        if found is None:
            return
        if not _is_vamps(found, namespace):
            log.warning(
                "Namespace %s was not made by Vamp for this environment (it lacks the labels %s): it is "
                "kept; delete it yourself if it should go.",
                namespace,
                manifests.namespace(namespace)["metadata"]["labels"],
            )
            return
        if await self._client.delete(Namespace, namespace):
            log.info("Namespace %s deleted with its environment.", namespace)

    async def _unless_terminating(self, namespace: str) -> Namespace | None:
        """The Namespace ``namespace`` if it exists, once it is not terminating; ``None`` once it is gone."""
        deadline = time.monotonic() + self._terminating_wait
        while (found := await self._client.get(Namespace, namespace)) is not None and _terminating(found):
            if time.monotonic() >= deadline:
                raise errors.DriverError(
                    f"Cannot make Namespace {namespace}: the one of that name is still being deleted after "
                    f"{self._terminating_wait:g} s (see `kubectl get namespace {namespace} -o yaml`, its "
                    "status.conditions say what holds it). Create the environment again once it is gone."
                )
            await asyncio.sleep(_LOOK_AGAIN)
        return found


def _terminating(found: Namespace) -> bool:
    return found.metadata is not None and found.metadata.deletionTimestamp is not None


def _labels(found: Namespace) -> dict[str, str]:
    return dict((found.metadata.labels if found.metadata is not None else None) or {})


def _managed_by_vamp(found: Namespace) -> bool:
    return _labels(found).get(manifests.LABEL_MANAGED_BY) == manifests.MANAGED_BY


def _is_vamps(found: Namespace, namespace: str) -> bool:
    """Whether ``found`` carries every label Vamp gives the Namespace it makes for ``namespace``."""
    wanted = cast(dict[str, str], manifests.namespace(namespace)["metadata"]["labels"])
    labels = _labels(found)
    return access.split_namespace(namespace) is not None and all(
        labels.get(key) == value for key, value in wanted.items()
    )
