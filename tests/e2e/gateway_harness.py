"""Real gateways end to end: models → ``compile_plan`` → ``render`` → ``files.publish`` → Envoy → backends.

``Gateways`` holds one Envoy and a set of named backends for a whole test module (the ``gateways``
fixture of ``conftest``). Every backend is the one ready instance of service ``shop/web/<name>``
at port ``http``, so a route to backend ``a`` is ``route("a")``. ``serve`` publishes a whole plan, which
replaces what the previous test served.

Statistics: ``expect_shares`` checks a traffic split both ways the issue asks — every route within ±5
percentage points, and within the binomial bounds that a fair split leaves with probability 1e-6 — so a
sample too small for ±5 points to mean anything, or a route that got nothing, shows up.
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import math
import socket
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.core.routing.build import gateway, instance
from tests.e2e.backends import HOST, Backends, Connection, Response
from vamp.adapters.envoy import render
from vamp.core import model
from vamp.core.routing.compile import compile_plan

if TYPE_CHECKING:  # conftest builds ``Gateways`` for its ``gateways`` fixture, so it imports this module
    from tests.e2e.conftest import Envoy

__all__ = [
    "Gateways",
    "cookie_of",
    "expect_shares",
    "free_ports",
    "gateway",
    "requests",
    "route",
    "self_signed",
    "send",
]

BACKENDS = ("a", "b", "c", "d", "e")
CONNECTIONS = 4


def route(backend: str) -> str:
    """The route path to the instance of backend ``backend``."""
    return f"shop/web/{backend}/http"


@dataclass
class Gateways:
    """One Envoy and the backends behind it."""

    envoy: Envoy
    backends: Backends

    def instances(self) -> list[model.ObservedInstance]:
        """One instance per backend: service ``shop/web/<backend>`` at port ``http``."""
        return [
            instance(name, "127.0.0.1", {"http": port}, service=f"shop/web/{name}")
            for name, port in self.backends.ports.items()
        ]

    async def serve(
        self,
        *gateways: model.Gateway,
        instances: Iterable[model.ObservedInstance] | None = None,
        shared_port: int | None = None,
    ) -> render.Rendering:
        """Compile ``gateways`` over the instances (``instances()`` by default), render and publish them;
        fail on any problem in the plan."""
        compiled = compile_plan(
            gateways, self.instances() if instances is None else instances, shared_port=shared_port
        )
        assert compiled.problems == (), compiled.problems
        rendering = render.render(compiled, self.envoy.files)
        await self.envoy.publish(rendering.snapshot)
        return rendering


async def send(
    port: int, count: int, path: str = "/", headers: Mapping[str, str] | None = None
) -> Counter[str]:
    """Send ``count`` GET requests; count them by the backend that answered (or the status, if none)."""
    responses = await requests(port, count, path, headers)
    return Counter(response.backend or str(response.status) for response in responses)


async def requests(
    port: int,
    count: int,
    path: str = "/",
    headers: Mapping[str, str] | None = None,
    connections: int = CONNECTIONS,
) -> list[Response]:
    """The responses to ``count`` GET requests, sent over ``connections`` keep-alive connections at once."""

    async def client(share: int) -> list[Response]:
        connection = Connection(port)
        try:
            return [await connection.request(path, headers) for _ in range(share)]
        finally:
            await connection.close()

    shares = [count // connections + (index < count % connections) for index in range(connections)]
    batches = await asyncio.gather(*(client(share) for share in shares if share))
    return [response for batch in batches for response in batch]


def expect_shares(counts: Counter[str], percent: Mapping[str, float]) -> None:
    """Assert that each backend got its ``percent`` of ``counts`` (±5 points, and binomially plausible)."""
    total = sum(counts.values())
    assert set(counts) <= {name for name, share in percent.items() if share > 0}, counts
    for name, share in percent.items():
        seen = counts.get(name, 0)
        low, high = binomial_bounds(total, share / 100)
        assert abs(100 * seen / total - share) <= 5.0, f"{name}: {seen} of {total}, expected {share} %"
        assert low <= seen <= high, f"{name}: {seen} of {total} is outside [{low}, {high}] for {share} %"


def binomial_bounds(n: int, p: float, tail: float = 1e-6) -> tuple[int, int]:
    """The counts out of ``n`` trials of probability ``p`` beyond which each tail holds less than ``tail``."""
    if p <= 0 or p >= 1:
        return (0, 0) if p <= 0 else (n, n)
    log_pmf = [
        math.lgamma(n + 1)
        - math.lgamma(k + 1)
        - math.lgamma(n - k + 1)
        + k * math.log(p)
        + (n - k) * math.log1p(-p)
        for k in range(n + 1)
    ]
    pmf = [math.exp(value) for value in log_pmf]
    below, low = 0.0, 0
    while below + pmf[low] < tail:
        below += pmf[low]
        low += 1
    above, high = 0.0, n
    while above + pmf[high] < tail:
        above += pmf[high]
        high -= 1
    return low, high


def self_signed(directory: Path, name: str = "shop") -> tuple[Path, Path]:
    """A certificate for localhost and 127.0.0.1, and its key: PEM files ``<name>.pem``, ``<name>.key``."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    certificate_file, key_file = directory / f"{name}.pem", directory / f"{name}.key"
    certificate_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return certificate_file, key_file


def free_ports(count: int) -> list[int]:
    """``count`` different ports on 127.0.0.1 that nothing listens on right now."""
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind((HOST, 0))
        return [int(probe.getsockname()[1]) for probe in probes]
    finally:
        for probe in probes:
            probe.close()


def cookie_of(response: Response, name: str) -> str | None:
    """The value the response's ``set-cookie`` header gives cookie ``name``, if it sets it."""
    for part in response.headers.get("set-cookie", "").split(","):
        key, _, rest = part.strip().partition("=")
        if key == name:
            return rest.split(";")[0]
    return None
