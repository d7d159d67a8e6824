"""``vamp agent``: run a gateway agent, which serves routing plans on its own Envoy or HAProxy.

Parses the options, sets up logging and hands over to ``vamp.interfaces.agent.process``. A mistake in
the options or the environment ends the agent at once with one clear line and exit code 1; a bad plan
arriving later is only logged and reported on ``/status``, and the agent keeps serving.
"""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import Annotated

import typer

from vamp import errors
from vamp.interfaces import credentials
from vamp.interfaces.agent import proxies
from vamp.interfaces.cli import output
from vamp.interfaces.cli import server as server_command

HELP = "\n\n".join(
    (
        "Run a gateway agent: serve routing plans on its own proxy, Envoy or HAProxy (--proxy), supervise "
        "it, expose status and metrics.",
        "Give exactly one source of plans: --plan FILE|DIR or --server URL. Gateway ports, including the "
        "shared virtual-host port, come from the plan. With --server, the agent serves the server's default "
        "namespace, or the namespaces given with --namespace (repeatable) or --all-namespaces, in one plan: "
        "the gateways of other namespaces than the default are named [NAMESPACE]GATEWAY in its metrics.",
        "The agent keeps its proxy serving the last good plan: an invalid plan is logged and shown on "
        "/status, never delivered; a killed proxy is restarted on it; a restarted agent serves it at once.",
        "Endpoints on HOST:PORT (--bind, --listen): /health, /status, /metrics.json and /metrics "
        "(Prometheus), the same on either proxy. The proxy's admin socket is in WORKDIR (mode 0600), for "
        "the agent only. SIGTERM or SIGINT stops the agent and its proxy (exit code 0).",
    )
)
"""The help text, one line per paragraph (Typer keeps line breaks inside a paragraph)."""


def agent(
    plan: Annotated[
        Path | None,
        typer.Option(
            "--plan",
            metavar="FILE|DIR",
            help="Serve the routing plan in this JSON or YAML file, read again whenever it changes; "
            "for a directory, the newest plan file in it.",
        ),
    ] = None,
    server: Annotated[
        str | None,
        typer.Option(
            "--server",
            metavar="URL",
            help="Serve the routing plans the Vamp server at URL publishes (long-polls URL/api/v1/vga/plan).",
        ),
    ] = None,
    token_file: Annotated[
        Path | None,
        typer.Option(
            "--token-file",
            metavar="FILE",
            help="With --server: a file holding the agent's token (role agent); else $VAMP_TOKEN.",
        ),
    ] = None,
    namespace: Annotated[
        list[str] | None,
        typer.Option(
            "--namespace",
            metavar="N",
            help="With --server: serve the gateways of namespace N (repeatable), all in one plan.  "
            "[default: the server's default namespace]",
        ),
    ] = None,
    all_namespaces: Annotated[
        bool,
        typer.Option(
            "--all-namespaces",
            help="With --server: serve the gateways of every namespace of the server, all in one plan.",
        ),
    ] = False,
    workdir: Annotated[
        Path,
        typer.Option(
            "--workdir",
            help="Where the agent keeps the last good plan, its proxy's configuration and log; "
            "one agent each.",
        ),
    ] = Path(".vamp/agent"),
    listen: Annotated[
        int,
        typer.Option(
            "--listen", min=1, max=65535, metavar="PORT", help="Port of the status and metrics endpoint."
        ),
    ] = 9090,
    bind: Annotated[
        str,
        typer.Option(
            "--bind",
            metavar="HOST",
            help="Address the gateway ports and the endpoint listen on; 0.0.0.0 to serve other machines.",
        ),
    ] = "127.0.0.1",
    concurrency: Annotated[
        int | None,
        typer.Option(
            "--concurrency",
            min=1,
            metavar="N",
            help="Envoy's worker threads (HAProxy decides its own).  [default: one per CPU]",
        ),
    ] = None,
    proxy: Annotated[proxies.Proxy, typer.Option("--proxy", help=proxies.HELP)] = proxies.Proxy.ENVOY,
) -> None:
    """Run a gateway agent (``HELP`` says what it does)."""
    # Imported here, not at the top: the other commands need neither a proxy nor a web server.
    from vamp.interfaces.agent import process

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per admin request is noise
    # Stripped: a Kubernetes Secret made from a file keeps the file's last newline.
    token = server_command.secret_of(token_file, "--token-file", credentials.TOKEN_VARIABLE)
    settings = process.Settings(
        workdir=workdir,
        plan=plan,
        server=server,
        token=token,
        namespaces=tuple(namespace or ()),
        all_namespaces=all_namespaces,
        listen=listen,
        bind=bind,
        concurrency=concurrency or os.cpu_count() or 1,
        proxy=proxy,
    )
    try:
        asyncio.run(process.serve(settings))
    except (errors.VampError, ExceptionGroup) as exc:  # raised inside the agent's task group too
        problem = server_command.first_error(exc)
        if problem is None:
            raise
        output.fail(str(problem))
