"""What ``vamp server`` and ``vamp up`` are told: the server's settings and their defaults.

Built once from the command line (and ``$VAMP_HOME``) by the CLI and handed to the composition root
(``vamp.interfaces.wiring``), which builds every part from them. Only ``vamp.interfaces`` imports this
module (an import-linter contract keeps it so): the services and adapters are given plain arguments.
Reads the environment only when asked to (``home``); checks nothing that needs I/O.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

HOME_VARIABLE = "VAMP_HOME"
DEFAULT_HOME = Path(".vamp")
STORE_FILE = "vamp.db"
GATEWAY_PORTS = (40000, 45000)
"""Vamp's range for gateways without a port (``vamp.operation.gateway.port-range``)."""
WORKFLOW_IMAGE = "vamp-workflow:latest"
"""The image workflow scripts run in on Kubernetes (``--workflow-image``): a placeholder, like the server's
``vamp:latest``; it must carry ``node`` and vamp-node-client on its ``NODE_PATH``."""


class Driver(StrEnum):
    """Where deployment services run."""

    LOCAL = "local"
    KUBERNETES = "kubernetes"


@dataclass(frozen=True, slots=True)
class LeaseTimings:
    """How the servers elect a leader on Kubernetes (seconds), as client-go names them.

    A leader renews its Lease every ``retry_period`` and steps down when it has not renewed it for
    ``renew_deadline``; a follower takes over a Lease not renewed for ``duration``.
    """

    duration: float = 15.0
    renew_deadline: float = 10.0
    retry_period: float = 2.0

    def problem(self) -> str | None:
        """What is wrong with these timings, in the server's flags, or ``None``.

        A leader must have stepped down before a follower may take over, or two would lead at once.
        """
        if self.retry_period < self.renew_deadline < self.duration and (
            self.renew_deadline + self.retry_period < self.duration
        ):
            return None
        return (
            f"--retry-period ({self.retry_period:g} s) < --renew-deadline ({self.renew_deadline:g} s) < "
            f"--lease-duration ({self.duration:g} s) must hold, and --renew-deadline + --retry-period must "
            f"be less than --lease-duration (the defaults: 2, 10 and 15 s)."
        )


def _identity() -> str:
    """Who this server is among several (the leader election's candidate name): its Pod, else host and PID."""
    return os.environ.get("POD_NAME") or f"{socket.gethostname()}-{os.getpid()}"


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the server is told.

    ``store`` is a store address (``sqlite:///PATH`` or ``postgresql://…``); ``agents`` are the base URLs
    of the gateway agents whose metrics the server collects, and ``agents_dns`` the host name and port
    of a headless Service whose every address is one more (asked again before every poll);
    ``shared_port`` is the agents' shared virtual-host port (``None``: none); ``gateway_host`` is where
    users reach gateways;
    ``gateway_ports`` the first and last port given to gateways without one; ``lease`` the leader
    election's timings on Kubernetes; ``allow_command_deployables`` whether breeds may run shell commands
    on the server's machine (``vamp up``, or ``vamp server --allow-command-deployables``);
    ``cors_origins`` the web origins whose pages may call the API (none: CORS is off).
    """

    home: Path
    store: str
    port: int = 8080
    bind: str = "127.0.0.1"
    namespace: str = "default"
    driver: Driver = Driver.LOCAL
    kubeconfig: Path | None = None
    agents: tuple[str, ...] = ()
    agents_dns: tuple[str, int] | None = None
    shared_port: int | None = 80
    gateway_host: str = "127.0.0.1"
    gateway_ports: tuple[int, int] = GATEWAY_PORTS
    lease: LeaseTimings = LeaseTimings()
    identity: str = field(default_factory=_identity)
    admin_token: str | None = field(default=None, repr=False)
    """The admin token's secret, when given (``--admin-token-file``, ``$VAMP_ADMIN_TOKEN``); else the one in
    ``HOME/admin-token``, made at the first start."""
    agent_token: str | None = field(default=None, repr=False)
    """The gateway agents' token's secret, when given (``--agent-token-file``, ``$VAMP_AGENT_TOKEN``)."""
    allow_command_deployables: bool = False
    cors_origins: tuple[str, ...] = ()
    max_body: int = 4 * 1024 * 1024
    """The largest request body in bytes (``--max-body``)."""
    workflow_image: str = WORKFLOW_IMAGE
    """On Kubernetes, the image workflow scripts (``application/javascript`` breeds) run in."""
    workflow_api_url: str | None = None
    """The API URL workflow runs call (``VAMP_URL``); ``None``: ``url`` (``--workflow-api-url``)."""
    max_instances: int = 1000
    max_cpu: str = "64"
    max_memory: str = "1024Gi"
    """The largest scale a service may ask for (``--max-instances``, ``--max-cpu``, ``--max-memory``), as
    given: CPU cores and memory in the DSL's units."""
    sla_period: float = 5.0
    """Seconds between two judgements of the clusters' SLAs (``--sla-period``); 0: SLAs and escalations
    are off."""
    gateway_driver: str = "envoy"
    """The data plane of the gateway agents, as ``/api/v1/info`` names it: ``envoy`` or ``haproxy``, the
    one ``vamp up --proxy`` starts its agent with; ``vamp server``'s agents are started apart, Envoy's
    the default (``vamp agent --proxy``)."""

    @property
    def url(self) -> str:
        """Where the API is reached from this machine."""
        host = "127.0.0.1" if self.bind in ("0.0.0.0", "") else self.bind
        return f"http://{host}:{self.port}"

    @property
    def persistence(self) -> str:
        """The store's kind, as ``/api/v1/info`` names it: ``sqlite`` or ``postgresql``."""
        return "postgresql" if self.store.startswith(("postgresql", "postgres:")) else "sqlite"


def home(given: Path | None, environ: Mapping[str, str] = os.environ) -> Path:
    """The home folder: the one given, else ``$VAMP_HOME``, else ``./.vamp``."""
    if given is not None:
        return given
    return Path(environ[HOME_VARIABLE]) if environ.get(HOME_VARIABLE) else DEFAULT_HOME


def port_range(text: str) -> tuple[int, int]:
    """``FIRST-LAST`` as two ports.

    Raises:
        ValueError: with a message naming the text and the form expected.
    """
    first, dash, last = text.partition("-")
    try:
        found = (int(first), int(last)) if dash else None
    except ValueError:
        found = None
    if found is None or not 1 <= found[0] <= found[1] <= 65535:
        raise ValueError(f"{text!r} is not a port range: write FIRST-LAST, e.g. 40000-45000.")
    return found


def store_address(home: Path, given: str | None) -> str:
    """The store: the address given, else the SQLite file ``vamp.db`` in the home folder."""
    return given if given else f"sqlite:///{(home / STORE_FILE).absolute()}"
