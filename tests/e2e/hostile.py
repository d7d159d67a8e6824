"""The hostile inputs of issue 9, as requests: each one once stalled, bloated or crashed the server.

Shared by ``test_hostile_input.py`` (which asserts each is refused with a 4xx in < 2 s while
``/api/v1/info`` stays fast) and ``bench/api.py`` (which reports ``/info`` latency while they are sent).
Each ``Hostile`` is a request and the status it must get; ``send`` sends one through a client the caller
made (so that headers such as a token are set in one place).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx

JSON = {"content-type": "application/json"}
YAML = {"content-type": "application/x-yaml"}

ALIAS_BOMB = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(98 + level)}: &{chr(98 + level)} [{', '.join(['*' + chr(97 + level)] * 9)}]\n"
    for level in range(8)
)
"""About 460 bytes that expand to 9^9 strings (the "billion laughs")."""


def _blueprint(scale: str) -> str:
    return (
        "name: sava:1.0\nclusters:\n  sava:\n    services:\n"
        f"      breed: {{name: sava:1.0.0, deployable: magneticio/sava:1.0.0}}\n      scale: {scale}\n"
    )


def _many_keys(size: int) -> bytes:
    """A JSON map of as many keys as fit in ``size`` bytes."""
    keys: list[str] = []
    length = 2
    while length < size - 40:
        key = f'"k{len(keys)}": {len(keys)}'
        keys.append(key)
        length += len(key) + 2
    return ("{" + ", ".join(keys) + "}").encode()


def _gateway(name: str) -> bytes:
    return json.dumps(
        {"name": name, "port": 9050, "routes": {"[127.0.0.1:8080]": {"weight": "100%"}}}
    ).encode()


@dataclass(frozen=True)
class Hostile:
    """One hostile request and the status it must be answered with."""

    name: str
    method: str
    path: str
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    chunked: bool = False

    def send(self, client: httpx.Client) -> httpx.Response:
        content: bytes | Iterator[bytes] = self.body
        if self.chunked:
            content = (self.body[start : start + 65536] for start in range(0, len(self.body), 65536))
        return client.request(self.method, self.path, content=content, headers=self.headers)


def inputs() -> list[Hostile]:
    """Every hostile input of issue 9, with the status it gets now."""
    huge_json = _many_keys(12_500_000)
    return [
        Hostile("YAML alias bomb", "POST", "/api/v1/breeds", 400, ALIAS_BOMB.encode(), YAML),
        Hostile("12.5 MB JSON", "POST", "/api/v1/blueprints", 413, huge_json, JSON),
        Hostile("12.5 MB JSON, chunked", "POST", "/api/v1/blueprints", 413, huge_json, JSON, chunked=True),
        Hostile("50 MB YAML", "POST", "/api/v1/breeds", 413, b"k: v\n" * 10_000_000, YAML),
        Hostile(
            "just under 4 MiB of keys", "POST", "/api/v1/breeds", 400, _many_keys(4 * 1024**2 - 1024), JSON
        ),
        Hostile(
            "JSON nested 150 deep", "POST", "/api/v1/breeds", 400, b'{"a": ' * 150 + b"1" + b"}" * 150, JSON
        ),
        Hostile("YAML nested 100,000 deep", "POST", "/api/v1", 400, b"[" * 100_000 + b"]" * 100_000, YAML),
        Hostile("?page=10^30", "GET", "/api/v1/breeds?page=1" + "0" * 30, 400),
        Hostile("5,000-digit page", "GET", "/api/v1/breeds?page=" + "9" * 5000, 400),
        Hostile(
            "5,000-digit integer in YAML",
            "POST",
            "/api/v1/blueprints",
            400,
            _blueprint("{instances: %s, cpu: 1, memory: 1GB}" % ("9" * 5000)).encode(),
            YAML,
        ),
        Hostile(
            "5,000-digit integer in a JSON body",
            "POST",
            "/api/v1/gateways",
            400,
            b'{"name": "g", "port": 9050, "routes": {"a/b": {"weight": ' + b"9" * 5000 + b"}}}",
            JSON,
        ),
        Hostile(
            "instances: 10^26",
            "POST",
            "/api/v1/blueprints",
            400,
            _blueprint("{instances: 1" + "0" * 26 + ", cpu: 1, memory: 1GB}").encode(),
            YAML,
        ),
        Hostile(
            "memory: 10^23 GB",
            "POST",
            "/api/v1/blueprints",
            400,
            _blueprint("{cpu: 1, memory: 1" + "0" * 23 + "GB}").encode(),
            YAML,
        ),
        Hostile("gateway a%b", "POST", "/api/v1/gateways", 400, _gateway("a%b"), JSON),
        Hostile("gateway with a NUL", "POST", "/api/v1/gateways", 400, _gateway("p\u0000x"), JSON),
        Hostile(
            "gateway with a bidi override", "POST", "/api/v1/gateways", 400, _gateway("ab\u202ecd"), JSON
        ),
        Hostile("gateway of 300 characters", "POST", "/api/v1/gateways", 400, _gateway("g" * 300), JSON),
    ]
