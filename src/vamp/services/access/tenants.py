"""Organisations and their environments: the namespaces a server serves besides its default one.

Records live in the artifact store (so each change is an archive event): an organisation as kind
``organisations`` in the server's own store namespace ``_server``, an environment as kind ``environments``
in its organisation's namespace (``acme``). An environment's namespace ``<organisation>-<environment>``
holds the artifacts, deployments and gateways; the default namespace exists from the first start and
belongs to no organisation.

Removing an environment that still holds deployments or free-standing gateways is refused (naming them)
unless forced; forced, its deployments are undeployed (the reconciler stops their services), its gateways
and other artifacts deleted, its tokens revoked and the runtime told (on Kubernetes the Namespace goes).
Removing an organisation removes its environments by the same rule, then its tokens.

A store written before organisations existed holds namespaces ``<a>-<b>`` made on first use: ``adopt``
makes their organisations and environments, so they stay reachable.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from vamp import errors
from vamp.core import access, deployments, model
from vamp.ports import access as access_port
from vamp.ports import store
from vamp.services import artifacts, gateway_artifacts
from vamp.services import deployments as deployment_service
from vamp.services.access import tokens as token_service

log = logging.getLogger("vamp.access")

SERVER_NAMESPACE = token_service.SERVER_NAMESPACE
"""Where organisations are recorded: a store namespace no request can name."""
ORGANISATIONS = "organisations"
ENVIRONMENTS = "environments"


class NoEnvironmentRuntime:
    """The ``EnvironmentRuntime`` of a runtime where an environment needs no home (local processes)."""

    async def environment_created(self, namespace: str, organisation: str, environment: str) -> None:
        return None

    async def environment_removed(self, namespace: str) -> None:
        return None


class Tenants:
    """The organisations and environments of one server."""

    def __init__(
        self,
        store_: store.ArtifactStore,
        runtime: access_port.EnvironmentRuntime,
        tokens: token_service.Tokens,
        deployments_: deployment_service.DeploymentService,
        gateways: gateway_artifacts.GatewayService,
        *,
        default_namespace: str = "default",
    ) -> None:
        self._store = store_
        self._runtime = runtime
        self._tokens = tokens
        self._deployments = deployments_
        self._gateways = gateways
        self.default_namespace = default_namespace

    # Organisations

    async def organisations(self) -> list[str]:
        return [item.name for item in (await self._store.list(SERVER_NAMESPACE, ORGANISATIONS)).items]

    async def organisation_exists(self, name: str) -> bool:
        return await self._store.get(SERVER_NAMESPACE, ORGANISATIONS, name) is not None

    async def create_organisation(self, name: str) -> None:
        """Raises ``errors.RequestError`` for a bad name, ``errors.ConflictError`` when it exists."""
        if (problem := access.organisation_problem(name, self.default_namespace)) is not None:
            raise errors.RequestError(problem)
        try:
            await self._store.put(SERVER_NAMESPACE, ORGANISATIONS, name, {"name": name}, revision=0)
        except errors.ConflictError:
            raise errors.ConflictError(f"There is an organisation {name!r} already.") from None

    async def delete_organisation(self, name: str, *, force: bool = False) -> None:
        """Remove an organisation, its environments (as ``delete_environment``) and its tokens."""
        await self._existing_organisation(name)
        environments = await self.environments(name)
        if not force:
            held = [
                f"{environment}: {what}"
                for environment in environments
                if (what := await self._held(name, environment))
            ]
            if held:
                raise errors.ConflictError(
                    f"Organisation {name!r} still has environments in use ({'; '.join(held)}). Undeploy "
                    "and delete those first, or delete with ?force=true, which undeploys them."
                )
        for environment in environments:
            await self.delete_environment(name, environment, force=True)
        await self._tokens.revoke_within(access.Scope(access.ScopeKind.ORGANISATION, name))
        await self._store.delete(SERVER_NAMESPACE, ORGANISATIONS, name)

    # Environments

    async def environments(self, organisation: str) -> list[str]:
        """Raises ``errors.NotFoundError`` when there is no such organisation."""
        await self._existing_organisation(organisation)
        return [item.name for item in (await self._store.list(organisation, ENVIRONMENTS)).items]

    async def create_environment(self, organisation: str, name: str) -> str:
        """Create an environment and return its namespace.

        Raises:
            errors.NotFoundError: there is no such organisation.
            errors.RequestError: a bad name.
            errors.ConflictError: it exists.
        """
        await self._existing_organisation(organisation)
        if (problem := access.environment_problem(organisation, name)) is not None:
            raise errors.RequestError(problem)
        namespace = access.namespace_of(organisation, name)
        try:
            record = {"name": name, "organisation": organisation, "namespace": namespace}
            await self._store.put(organisation, ENVIRONMENTS, name, record, revision=0)
        except errors.ConflictError:
            raise errors.ConflictError(
                f"Organisation {organisation!r} has an environment {name!r} already."
            ) from None
        await self._runtime.environment_created(namespace, organisation, name)
        return namespace

    async def environment_exists(self, organisation: str, name: str) -> bool:
        return await self._store.get(organisation, ENVIRONMENTS, name) is not None

    async def delete_environment(self, organisation: str, name: str, *, force: bool = False) -> None:
        """Remove an environment.

        Raises:
            errors.NotFoundError: there is no such organisation or environment.
            errors.ConflictError: it holds deployments or gateways, and ``force`` is not set.
        """
        await self._existing_environment(organisation, name)
        namespace = access.namespace_of(organisation, name)
        if not force and (held := await self._held(organisation, name)):
            raise errors.ConflictError(
                f"Environment {namespace!r} still holds {held}. Undeploy and delete them first, or delete "
                "with ?force=true, which undeploys them."
            )
        await self._empty(namespace)
        await self._tokens.revoke_within(access.Scope(access.ScopeKind.NAMESPACE, namespace))
        await self._store.delete(organisation, ENVIRONMENTS, name)
        await self._runtime.environment_removed(namespace)

    # Namespaces

    async def namespace_exists(self, namespace: str) -> bool:
        """Whether requests may go to ``namespace``: the default one, or an environment's."""
        if namespace == self.default_namespace:
            return True
        parts = access.split_namespace(namespace)
        return parts is not None and await self.environment_exists(*parts)

    async def check_namespace(self, namespace: str) -> None:
        """Raises ``errors.NotFoundError`` saying how to create the environment, unless it exists."""
        if await self.namespace_exists(namespace):
            return
        parts = access.split_namespace(namespace)
        organisation, environment = parts if parts is not None else ("ORGANISATION", "ENVIRONMENT")
        raise errors.NotFoundError(
            f"There is no environment {namespace!r}. Create it with `vamp environment create {environment} "
            f"--organisation {organisation}` (POST /api/v1/organisations/{organisation}/environments "
            f'{{"name": "{environment}"}}), after the organisation if it is new.'
        )

    async def check_scope(self, scope: access.Scope) -> None:
        """Raises ``errors.NotFoundError`` saying how to create it, unless ``scope`` names what exists."""
        if scope.kind is access.ScopeKind.ORGANISATION:
            await self._existing_organisation(scope.name)
        elif scope.kind is access.ScopeKind.NAMESPACE:
            await self.check_namespace(scope.name)

    async def namespaces(self) -> list[str]:
        """Every namespace served: the default one and each environment's, in name order."""
        found = {self.default_namespace}
        for organisation in await self.organisations():
            found.update(
                access.namespace_of(organisation, name) for name in await self.environments(organisation)
            )
        return sorted(found)

    async def adopt(self, namespaces: Sequence[str]) -> None:
        """Make the organisations and environments of namespaces stored before they were recorded."""
        for namespace in namespaces:
            parts = access.split_namespace(namespace)
            if parts is None or namespace == self.default_namespace or await self.environment_exists(*parts):
                continue
            organisation, environment = parts
            if access.organisation_problem(organisation, self.default_namespace) is not None:
                continue
            if not await self.organisation_exists(organisation):
                await self.create_organisation(organisation)
            await self.create_environment(organisation, environment)
            log.info(
                "Adopted namespace %s as environment %s of organisation %s.",
                namespace,
                environment,
                organisation,
            )

    # Inside

    async def _existing_organisation(self, name: str) -> None:
        if (problem := access.organisation_problem(name, self.default_namespace)) is not None:
            raise errors.NotFoundError(f"There is no organisation {name!r}, nor can there be. {problem}")
        if not await self.organisation_exists(name):
            raise errors.NotFoundError(
                f"There is no organisation {name!r}; create it with `vamp organisation create {name}`."
            )

    async def _existing_environment(self, organisation: str, name: str) -> None:
        await self._existing_organisation(organisation)
        if not await self.environment_exists(organisation, name):
            raise errors.NotFoundError(
                f"Organisation {organisation!r} has no environment {name!r}; its environments are: "
                f"{', '.join(await self.environments(organisation)) or 'none'}."
            )

    async def _held(self, organisation: str, name: str) -> str:
        """What keeps an environment from being removed: its deployments and free-standing gateways."""
        namespace = access.namespace_of(organisation, name)
        held = []
        for kind in ("deployments", "gateways"):
            names = [item.name for item in (await self._store.list(namespace, kind)).items]
            if names:
                held.append(f"{kind} {', '.join(names)}")
        return " and ".join(held)

    async def _empty(self, namespace: str) -> None:
        """Undeploy every deployment of ``namespace``, and delete its gateways and other artifacts."""
        for item in (await self._store.list(namespace, "deployments")).items:
            deployment = await self._deployments.get(namespace, item.name)
            await self._deployments.slice(namespace, item.name, [deployments.as_blueprint(deployment)])
        for item in (await self._store.list(namespace, "gateways")).items:
            await self._gateways.delete(namespace, item.name)
        for kind in model.KINDS:
            if kind in ("deployments", "gateways"):
                continue
            for item in (await self._store.list(namespace, kind)).items:
                await self._store.delete(namespace, kind, item.name)
                for companion in artifacts.COMPANIONS.get(kind, ()):
                    await self._store.delete(namespace, companion, item.name)
