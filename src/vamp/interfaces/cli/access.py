"""``vamp organisation``, ``vamp environment``, ``vamp token``, ``vamp login`` and ``vamp logout``.

Organisations and environments are the server's tenants (an environment is the namespace
``<organisation>-<environment>``); tokens carry a role and a scope. ``vamp token create`` prints the new
token's secret once, on its own line, so a script can take it (``--output json`` gives it as ``token``).
``vamp login`` keeps a token for one server in the user's config folder (0600), and every command then
sends it to that server; ``$VAMP_TOKEN`` wins over it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from vamp.interfaces import credentials
from vamp.interfaces.cli import client, output, tables
from vamp.interfaces.cli import server as server_command
from vamp.interfaces.cli.artifacts import calling, show

organisations = typer.Typer(
    help="Create, list and delete organisations (admin tokens only).", no_args_is_help=True
)
environments = typer.Typer(
    help="Create, list and delete an organisation's environments (the namespaces ORG-ENV).",
    no_args_is_help=True,
)
tokens = typer.Typer(help="Create, list and revoke API tokens.", no_args_is_help=True)

Name = Annotated[str, typer.Argument(metavar="NAME", help="Lower-case letters and digits.")]
Organisation = Annotated[str, typer.Option("--organisation", "-O", metavar="ORG", help="The organisation.")]
Force = Annotated[
    bool, typer.Option("--force", help="Undeploy and delete what it holds instead of refusing.")
]
ROLES = "admin, owner, operator, viewer or agent"


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value)


@organisations.command("create")
def create_organisation(name: Name, server: client.Server = client.DEFAULT_SERVER) -> None:
    """Create an organisation."""
    with calling(server, None) as api:
        api.request("POST", "organisations", _json({"name": name}), content_type=client.JSON)
    output.stdout.print(
        f"Organisation {name} created. Add an environment: vamp environment create ENV -O {name}"
    )


@organisations.command("list")
def list_organisations(
    server: client.Server = client.DEFAULT_SERVER, format: client.Output = output.Format.TABLE
) -> None:
    """List the organisations your token reaches."""
    with calling(server, None) as api:
        found = api.get("organisations")
    show(found, format, lambda: tables.names(found))


@organisations.command("delete")
def delete_organisation(
    name: Name, force: Force = False, server: client.Server = client.DEFAULT_SERVER
) -> None:
    """Delete an organisation, its environments and its tokens."""
    with calling(server, None) as api:
        api.request("DELETE", f"organisations/{client.quoted(name)}", params={"force": str(force).lower()})
    output.stdout.print(f"Organisation {name} deleted.")


@environments.command("create")
def create_environment(
    name: Name, organisation: Organisation, server: client.Server = client.DEFAULT_SERVER
) -> None:
    """Create an environment: the namespace ORG-NAME (on Kubernetes, a Namespace of that name)."""
    with calling(server, None) as api:
        made = api.request(
            "POST",
            f"organisations/{client.quoted(organisation)}/environments",
            _json({"name": name}),
            content_type=client.JSON,
        )
    namespace = made["namespace"]
    output.stdout.print(f"Environment {namespace} created. Use it with --namespace {namespace}.")


@environments.command("list")
def list_environments(
    organisation: Organisation,
    server: client.Server = client.DEFAULT_SERVER,
    format: client.Output = output.Format.TABLE,
) -> None:
    """List an organisation's environments your token reaches."""
    with calling(server, None) as api:
        found = api.get(f"organisations/{client.quoted(organisation)}/environments")
    show(found, format, lambda: tables.names(found, [("NAMESPACE", "namespace")]))


@environments.command("delete")
def delete_environment(
    name: Name,
    organisation: Organisation,
    force: Force = False,
    server: client.Server = client.DEFAULT_SERVER,
) -> None:
    """Delete an environment; refused while it holds deployments or gateways, unless --force."""
    path = f"organisations/{client.quoted(organisation)}/environments/{client.quoted(name)}"
    with calling(server, None) as api:
        api.request("DELETE", path, params={"force": str(force).lower()})
    output.stdout.print(f"Environment {organisation}-{name} deleted.")


@tokens.command("create")
def create_token(
    name: Annotated[
        str, typer.Option("--name", metavar="NAME", help="The token's name, unique in its scope.")
    ],
    role: Annotated[str, typer.Option("--role", metavar="ROLE", help=f"One of: {ROLES}.")],
    scope: Annotated[
        str,
        typer.Option(
            "--scope", metavar="SCOPE", help="server, an organisation (acme), or a namespace (acme-prod)."
        ),
    ],
    expires: Annotated[
        str | None,
        typer.Option("--expires", metavar="WHEN", help="A lifetime (30d, 12h) or an ISO 8601 time."),
    ] = None,
    server: client.Server = client.DEFAULT_SERVER,
    format: client.Output = output.Format.TABLE,
) -> None:
    """Create a token and print its secret: it is shown this once only."""
    body: dict[str, Any] = {"name": name, "role": role, "scope": scope}
    if expires is not None:
        body["expires"] = expires
    with calling(server, None) as api:
        made = api.request("POST", "tokens", _json(body), content_type=client.JSON)
    if format is not output.Format.TABLE:
        output.data(made, format)
        return
    output.stderr.print(
        f"Token {made['name']} ({made['role']} of {made['scope']}) created. Its secret, shown only now:"
    )
    typer.echo(made["token"])


@tokens.command("list")
def list_tokens(
    server: client.Server = client.DEFAULT_SERVER, format: client.Output = output.Format.TABLE
) -> None:
    """List the tokens you manage (never their secrets)."""
    with calling(server, None) as api:
        found = api.get("tokens")
    columns = [("ROLE", "role"), ("SCOPE", "scope"), ("EXPIRES", "expires"), ("LAST USED", "last_used")]
    show(found, format, lambda: tables.names(found, columns))


@tokens.command("revoke")
def revoke_token(
    name: Annotated[str, typer.Argument(metavar="NAME", help="The token's name.")],
    scope: Annotated[
        str | None, typer.Option("--scope", metavar="SCOPE", help="Its scope; your own token's by default.")
    ] = None,
    server: client.Server = client.DEFAULT_SERVER,
) -> None:
    """Revoke a token: the next request with it is refused."""
    with calling(server, None) as api:
        api.request("DELETE", f"tokens/{client.quoted(name)}", params={"scope": scope} if scope else None)
    output.stdout.print(f"Token {name} revoked.")


def login(
    server: client.Server = client.DEFAULT_SERVER,
    token_file: Annotated[
        str | None,
        typer.Option("--token-file", metavar="FILE", help="Read the token from FILE ('-': standard input)."),
    ] = None,
) -> None:
    """Keep a token for a server, checked against it; later commands send it there by themselves.

    Without --token-file the token is asked for (not echoed).
    """
    if token_file == "-":
        secret = sys.stdin.readline().strip()
    elif token_file is not None:
        secret = server_command.secret_of(Path(token_file), "--token-file", credentials.TOKEN_VARIABLE) or ""
    else:
        secret = typer.prompt("Token", hide_input=True).strip()
    if not secret:
        output.fail("No token given.")
    with client.Client(server, token=secret) as api:
        try:
            found = api.get("tokens/self")
        except client.ApiError as exc:
            output.fail(str(exc))
    path = credentials.save_login(server, secret)
    output.stdout.print(
        f"Logged in to {server} as {found['name']} ({found['role']} of {found['scope']}); "
        f"the token is in {path}."
    )


def logout(server: client.Server = client.DEFAULT_SERVER) -> None:
    """Forget the token kept for a server."""
    if credentials.forget_login(server):
        output.stdout.print(f"Forgot the token for {server}.")
    else:
        output.stdout.print(f"No token was kept for {server}.")
