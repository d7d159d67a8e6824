"""``vamp deploy``, ``merge`` and ``undeploy``: blueprints into deployments and services out of them.

As Vamp's CLI did: ``deploy`` and ``merge`` send a blueprint (stored, by name, or from a file) to
``PUT /deployments/NAME``, which creates the deployment or merges into it; ``undeploy`` reads the
deployment back as a blueprint and slices it out whole (``DELETE`` with that body), or only the named
service. The server answers at once and deploys in the background; ``--wait`` follows it with a spinner
until every service is deployed (or removed), and ends with exit code 1 when one fails.
"""

from __future__ import annotations

import json
import time
from typing import Annotated, Any

import typer

from vamp.interfaces.cli import artifacts, client, documents, output, tables

File = Annotated[
    str | None,
    typer.Option("--file", "-f", help="Send the blueprint in this YAML or JSON file ('-': standard input)."),
]
Wait = Annotated[
    bool, typer.Option("--wait/--no-wait", help="Wait until every service is deployed (or removed).")
]
Timeout = Annotated[float, typer.Option("--timeout", min=1, metavar="SECONDS", help="How long --wait waits.")]
POLL_SECONDS = 0.5


def deploy(
    names: Annotated[
        list[str],
        typer.Argument(
            metavar="[BLUEPRINT] DEPLOYMENT",
            help="The stored blueprint to deploy and the deployment to create or merge into; "
            "only the deployment with --file.",
        ),
    ],
    file: File = None,
    wait: Wait = False,
    timeout: Timeout = 300.0,
    server: client.Server = client.DEFAULT_SERVER,
    namespace: client.Namespace = None,
    format: client.Output = output.Format.TABLE,
) -> None:
    """Deploy a blueprint as a deployment (merged into it when it exists)."""
    wanted = 1 if file else 2
    if len(names) != wanted:
        given = ", ".join(repr(name) for name in names)
        output.fail(
            f"Give only the deployment's name after --file, not {given}."
            if file
            else f"Give a blueprint and a deployment name (vamp deploy sava:1.0 sava), not {given}."
        )
    deployment = names[-1]
    with artifacts.calling(server, namespace) as api:
        body = documents.read_source(file) if file else _blueprint(api, names[0])
        api.request("PUT", client.path("deployments", deployment), body)
        _answer(api, deployment, wait, timeout, format)


def merge(
    blueprint: Annotated[str, typer.Argument(help="The stored blueprint to merge.")],
    deployment: Annotated[str, typer.Argument(help="The deployment to merge it into.")],
    wait: Wait = False,
    timeout: Timeout = 300.0,
    server: client.Server = client.DEFAULT_SERVER,
    namespace: client.Namespace = None,
    format: client.Output = output.Format.TABLE,
) -> None:
    """Merge a blueprint into a running deployment: new services start at 0 % of the traffic."""
    with artifacts.calling(server, namespace) as api:
        artifacts.read(api, "deployments", deployment)
        api.request("PUT", client.path("deployments", deployment), _blueprint(api, blueprint))
        _answer(api, deployment, wait, timeout, format)


def undeploy(
    deployment: Annotated[str, typer.Argument(help="The deployment to remove services from.")],
    service: Annotated[
        str | None,
        typer.Option("--service", metavar="BREED", help="Remove only this service (e.g. sava:1.0.0)."),
    ] = None,
    wait: Wait = False,
    timeout: Timeout = 300.0,
    server: client.Server = client.DEFAULT_SERVER,
    namespace: client.Namespace = None,
) -> None:
    """Remove a deployment, or one service of it (move its traffic away first)."""
    with artifacts.calling(server, namespace) as api:
        artifacts.read(api, "deployments", deployment)
        blueprint = api.get(client.path("deployments", deployment), as_blueprint="true")
        body = blueprint if service is None else only(blueprint, service, deployment)
        api.request(
            "DELETE", client.path("deployments", deployment), json.dumps(body), content_type=client.JSON
        )
        if wait:
            removed(api, deployment, service, timeout)
        what = (
            f"Service '{service}' of deployment '{deployment}'" if service else f"Deployment '{deployment}'"
        )
        output.stdout.print(f"{what} {'removed' if wait else 'is being removed'}.")


def only(blueprint: dict[str, Any], breed: str, deployment: str) -> dict[str, Any]:
    """The part of ``blueprint`` that names the service ``breed``, and nothing else."""
    clusters: dict[str, Any] = {}
    for name, cluster in blueprint.get("clusters", {}).items():
        services = [item for item in cluster.get("services", []) if _breed(item) == breed]
        if services:
            clusters[name] = {"services": services}
    if not clusters:
        known = sorted(
            {
                _breed(item)
                for cluster in blueprint.get("clusters", {}).values()
                for item in cluster.get("services", [])
            }
        )
        output.fail(
            f"Deployment '{deployment}' has no service '{breed}'; its services are: {', '.join(known)}."
        )
    return {"name": blueprint["name"], "kind": "blueprints", "clusters": clusters}


def _breed(service: Any) -> str:
    breed = service.get("breed") if isinstance(service, dict) else None
    if isinstance(breed, dict):
        return str(breed.get("name") or breed.get("reference") or "")
    return str(breed or "")


def _blueprint(api: client.Client, name: str) -> str:
    return json.dumps(artifacts.read(api, "blueprints", name))


def _answer(api: client.Client, deployment: str, wait: bool, timeout: float, format: output.Format) -> None:
    found = deployed(api, deployment, timeout) if wait else api.get(client.path("deployments", deployment))
    artifacts.show(found, format, lambda: tables.deployment(found))


def deployed(api: client.Client, deployment: str, timeout: float) -> Any:
    """The deployment once every service is deployed, waiting with a spinner.

    Raises:
        client.ApiError: a service failed (its notification says why), or ``timeout`` passed.
    """
    deadline = time.monotonic() + timeout
    with output.stderr.status(f"Deploying {deployment}…") as spinner:
        while True:
            found = api.get(client.path("deployments", deployment))
            states = tables.services(found)
            for cluster, breed, state, note, _ in states:
                if state == "failed":
                    raise client.ApiError(
                        note or f"Service {cluster}/{breed} of deployment '{deployment}' failed."
                    )
            done = sum(state == "deployed" for _, _, state, _, _ in states)
            if done == len(states):
                return found
            _check(deadline, timeout, f"deployment '{deployment}' is deployed")
            spinner.update(f"Deploying {deployment}: {done} of {len(states)} services deployed…")
            time.sleep(POLL_SECONDS)


def removed(api: client.Client, deployment: str, service: str | None, timeout: float) -> None:
    """Return once the deployment (or its ``service``) is gone, waiting with a spinner."""
    deadline = time.monotonic() + timeout
    what = f"{deployment} {service}" if service else deployment
    with output.stderr.status(f"Removing {what}…"):
        while True:
            try:
                found = api.get(client.path("deployments", deployment))
            except client.ApiError as exc:
                if exc.status == 404:
                    return
                raise
            if service is not None and all(breed != service for _, breed, _, _, _ in tables.services(found)):
                return
            _check(deadline, timeout, f"{what} is removed")
            time.sleep(POLL_SECONDS)


def _check(deadline: float, timeout: float, what: str) -> None:
    if time.monotonic() > deadline:
        raise client.ApiError(
            f"Gave up waiting after {timeout:g} s until {what}; "
            "`vamp describe deployments NAME` shows how far it got."
        )
