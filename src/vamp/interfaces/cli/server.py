"""``vamp server``: the control plane — REST API, reconciler, gateway synchroniser and metrics collector.

Parses the options into ``vamp.settings.Settings`` and hands over to the composition root
(``vamp.interfaces.wiring``). SIGTERM and SIGINT stop it cleanly (the local driver stops the processes it
runs). A mistake in the options or the environment ends it at once with one clear line, exit code 1.
``run`` is shared with ``vamp up``.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Annotated

import typer

from vamp import errors, settings
from vamp.adapters import private_files
from vamp.adapters.agents import discovery
from vamp.interfaces import credentials, stopping
from vamp.interfaces.api import namespaces
from vamp.interfaces.cli import output

Home = Annotated[
    Path | None,
    typer.Option(
        "--home",
        metavar="DIR",
        help="Where Vamp keeps its store, logs and process records (default: $VAMP_HOME, else ./.vamp).",
    ),
]
Port = Annotated[int, typer.Option("--port", min=1, max=65535, help="The API's port.")]


GatewayPorts = Annotated[
    str,
    typer.Option(
        "--gateway-ports",
        metavar="FIRST-LAST",
        help="The ports given to gateways without one (two Vamps on one machine need two ranges).",
    ),
]
CorsOrigins = Annotated[
    list[str],
    typer.Option(
        "--cors-origin",
        metavar="ORIGIN",
        help="A web origin (https://ui.example.com) whose pages may call the API; repeatable. Default: none.",
    ),
]
DEFAULT_GATEWAY_PORTS = "-".join(str(port) for port in settings.GATEWAY_PORTS)
MaxBody = Annotated[
    str,
    typer.Option(
        "--max-body",
        metavar="SIZE",
        help="The largest request body: bytes, or 512KiB, 4MiB…; a larger one is answered 413.",
    ),
]
DEFAULT_MAX_BODY = "4MiB"
DEFAULT_LEASE = settings.LeaseTimings()
SWITCH_INTERVAL = 0.0005
"""Seconds a thread may hold the GIL while another waits for it (Python's default: 0.005)."""


def server(
    home: Home = None,
    store: Annotated[
        str | None,
        typer.Option(
            "--store",
            metavar="URL",
            help="sqlite:///PATH or postgresql://USER:PASSWORD@HOST:PORT/DATABASE (default: HOME/vamp.db).",
        ),
    ] = None,
    port: Port = 8080,
    bind: Annotated[
        str, typer.Option("--bind", metavar="HOST", help="The API's address; 0.0.0.0 serves other machines.")
    ] = "127.0.0.1",
    namespace: Annotated[
        str, typer.Option("--namespace", metavar="NAME", help="The namespace of plain /api/v1/... paths.")
    ] = "default",
    driver: Annotated[
        settings.Driver, typer.Option("--driver", help="Where deployment services run.")
    ] = settings.Driver.LOCAL,
    kubeconfig: Annotated[
        Path | None,
        typer.Option("--kubeconfig", metavar="PATH", help="With --driver kubernetes: the cluster to use."),
    ] = None,
    agents: Annotated[
        list[str],
        typer.Option(
            "--agent",
            metavar="URL",
            help="A gateway agent whose metrics to collect (http://HOST:9090); repeatable.",
        ),
    ] = [],  # noqa: B006 (Typer reads the default, never changes it)
    agents_dns: Annotated[
        str | None,
        typer.Option(
            "--agents-dns",
            metavar="HOST:PORT",
            help="The gateway agents as a headless Service (vamp-gateway-agent-metrics:9090): every "
            "address the name has is an agent whose metrics to collect, asked again before each poll.",
        ),
    ] = None,
    shared_port: Annotated[
        int,
        typer.Option(
            "--shared-port",
            min=0,
            max=65535,
            metavar="PORT",
            help="The agents' virtual-host port; 0 for none.",
        ),
    ] = 80,
    gateway_host: Annotated[
        str, typer.Option("--gateway-host", metavar="HOST", help="Where users reach the gateways.")
    ] = "127.0.0.1",
    gateway_ports: GatewayPorts = DEFAULT_GATEWAY_PORTS,
    lease_duration: Annotated[
        float,
        typer.Option(
            "--lease-duration",
            min=1,
            metavar="SECONDS",
            help="With --driver kubernetes: a leader not heard of for this long is replaced.",
        ),
    ] = DEFAULT_LEASE.duration,
    renew_deadline: Annotated[
        float,
        typer.Option(
            "--renew-deadline",
            min=0.1,
            metavar="SECONDS",
            help="With --driver kubernetes: a leader unable to renew its Lease this long steps down.",
        ),
    ] = DEFAULT_LEASE.renew_deadline,
    retry_period: Annotated[
        float,
        typer.Option(
            "--retry-period",
            min=0.05,
            metavar="SECONDS",
            help="With --driver kubernetes: how often a leader renews, and a follower tries, the Lease.",
        ),
    ] = DEFAULT_LEASE.retry_period,
    admin_token_file: Annotated[
        Path | None,
        typer.Option(
            "--admin-token-file",
            metavar="FILE",
            help="A file holding the admin token's secret (else $VAMP_ADMIN_TOKEN, else HOME/admin-token, "
            "made at the first start).",
        ),
    ] = None,
    agent_token_file: Annotated[
        Path | None,
        typer.Option(
            "--agent-token-file",
            metavar="FILE",
            help="A file holding the gateway agents' token (role agent, scope server); "
            "else $VAMP_AGENT_TOKEN.",
        ),
    ] = None,
    allow_command_deployables: Annotated[
        bool,
        typer.Option(
            "--allow-command-deployables",
            help="Run breeds whose deployable is {type: command}: shell commands on this machine, as this "
            "server's user (vamp up allows them).",
        ),
    ] = False,
    cors_origins: CorsOrigins = [],  # noqa: B006 (Typer reads the default, never changes it)
    max_body: MaxBody = DEFAULT_MAX_BODY,
    workflow_image: Annotated[
        str,
        typer.Option(
            "--workflow-image",
            metavar="IMAGE",
            help="With --driver kubernetes: the image workflow scripts run in; it must carry node and "
            "vamp-node-client (on its NODE_PATH).",
        ),
    ] = settings.WORKFLOW_IMAGE,
    workflow_api_url: Annotated[
        str | None,
        typer.Option(
            "--workflow-api-url",
            metavar="URL",
            help="The API URL workflow runs call (VAMP_URL); default: this server's. On Kubernetes give "
            "the in-cluster Service's (http://vamp.vamp-system:8080).",
        ),
    ] = None,
    max_instances: Annotated[
        int,
        typer.Option("--max-instances", min=1, metavar="N", help="The most instances a service may ask for."),
    ] = 1000,
    max_cpu: Annotated[
        str, typer.Option("--max-cpu", metavar="CORES", help="The most CPU a service may ask for (64, 500m).")
    ] = "64",
    max_memory: Annotated[
        str,
        typer.Option(
            "--max-memory", metavar="SIZE", help="The most memory a service may ask for (1024Gi, 512MB)."
        ),
    ] = "1024Gi",
) -> None:
    """Run the Vamp server: REST API, reconciler, gateway synchroniser and metrics collector.

    Every request needs a token. The first start makes an admin token and writes it to HOME/admin-token
    (0600), unless one is given; `vamp` on this machine finds it there.
    """
    if namespace != "default" and (problem := namespaces.problem(namespace)) is not None:
        output.fail(problem)
    timings = settings.LeaseTimings(lease_duration, renew_deadline, retry_period)
    if (problem := timings.problem()) is not None:
        output.fail(problem)
    try:
        dns = None if agents_dns is None else discovery.read_target(agents_dns)
    except errors.VampError as exc:
        output.fail(str(exc))
    folder = settings.home(home)
    if driver is settings.Driver.LOCAL or store is None:  # the home holds the store or the processes
        private_home(folder)
    config = settings.Settings(
        home=folder.absolute(),
        store=settings.store_address(folder, store),
        port=port,
        bind=bind,
        namespace=namespace,
        driver=driver,
        kubeconfig=kubeconfig,
        agents=tuple(agents),
        agents_dns=dns,
        shared_port=shared_port or None,
        gateway_host=gateway_host,
        gateway_ports=gateway_ports_of(gateway_ports),
        lease=timings,
        admin_token=secret_of(admin_token_file, "--admin-token-file", "VAMP_ADMIN_TOKEN"),
        agent_token=secret_of(agent_token_file, "--agent-token-file", "VAMP_AGENT_TOKEN"),
        allow_command_deployables=allow_command_deployables,
        cors_origins=tuple(cors_origins),
        max_body=max_body_of(max_body),
        workflow_image=workflow_image,
        workflow_api_url=workflow_api_url,
        max_instances=max_instances,
        max_cpu=max_cpu,
        max_memory=max_memory,
    )
    scale_limits_of(config)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    quiet_libraries()
    # Imported here: the commands that only talk to a server need none of the server's parts.
    from vamp.interfaces import wiring

    run(lambda stop: wiring.serve(config, stop))


def secret_of(path: Path | None, flag: str, variable: str) -> str | None:
    """A token's secret from the file a flag names (a missing or unreadable one ends the command), else from
    an environment variable, else ``None``; stripped of white space either way."""
    if path is None:
        return os.environ.get(variable, "").strip() or None
    try:
        found = credentials.read_secret(path)
    except errors.VampError as exc:
        output.fail(f"{flag}: {exc}")
    if found is None:
        output.fail(f"{flag}: there is no file {path}.")
    return found


def private_home(folder: Path) -> None:
    """Make the home folder its owner's alone (0700); one that cannot be made ends the command."""
    try:
        private_files.folder(folder)
    except OSError as exc:
        output.fail(f"Cannot use {folder} as Vamp's home (--home): {exc.strerror}.")


def gateway_ports_of(text: str) -> tuple[int, int]:
    """The ``--gateway-ports`` range; a wrong one ends the command with one line."""
    try:
        return settings.port_range(text)
    except ValueError as exc:
        output.fail(f"--gateway-ports: {exc}")


def max_body_of(text: str) -> int:
    """The ``--max-body`` size in bytes; a wrong one ends the command with one line."""
    from vamp.interfaces.api import body_limit

    try:
        return body_limit.parse_size(text)
    except ValueError as exc:
        output.fail(f"--max-body: {exc}")


def scale_limits_of(config: settings.Settings) -> None:
    """Check ``--max-cpu`` and ``--max-memory`` before starting; a wrong one ends the command in one line."""
    from vamp.interfaces.api import app

    try:
        app.scale_limits(config.max_instances, config.max_cpu, config.max_memory)
    except errors.RequestError as exc:
        output.fail(str(exc))


def quiet_libraries() -> None:
    """One line per HTTP request made or served is noise in the server's log."""
    for name in ("httpx", "httpx2", "uvicorn.access"):
        logging.getLogger(name).setLevel(logging.WARNING)


def run(main: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    """Run ``main(stop)`` until it returns; SIGTERM and SIGINT set ``stop``. A ``VampError`` ends it with its
    message (``output.fail``), never a traceback."""

    async def until_stopped() -> None:
        with stopping.stopped_by_signals() as stop:
            await main(stop)

    try:
        with serving_tuned():
            asyncio.run(until_stopped())
    except (errors.VampError, ExceptionGroup) as exc:
        problem = first_error(exc)
        if problem is None:
            raise
        output.fail(str(problem).strip() or type(problem).__name__)


@contextlib.contextmanager
def serving_tuned() -> Iterator[None]:
    """The interpreter tuned for serving while the block runs, as it was afterwards.

    Documents are read in a worker thread: a short switch interval lets the event loop take the GIL
    back within a fraction of a millisecond instead of 5 ms, and what is loaded by the start lives as
    long as the server, so the garbage collector need not walk it again (a full collection after a
    large document would hold the GIL for tens of milliseconds). So a large body never slows others.
    """
    interval = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL)
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
        sys.setswitchinterval(interval)


def first_error(exc: BaseException) -> errors.VampError | None:
    """The ``VampError`` that ended a run, found inside task groups' exception groups too."""
    if isinstance(exc, errors.VampError):
        return exc
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            found = first_error(inner)
            if found is not None:
                return found
    return None
