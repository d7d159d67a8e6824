"""Gateway conditions on both data planes: every condition form routes as the match IR's reference
semantics (``condition.Match.test``) say, and condition strength sends its share of the matching requests.

Each condition gets its own gateway (route ``a`` at 100 %, route ``b`` at 0 % with the condition at 100 %
strength), a batch of them served in one plan; every request of ``REQUESTS`` goes to every gateway, and
must reach ``b`` exactly when the reference semantics say the condition holds for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.e2e.backends import Connection, free_port
from tests.e2e.dataplane.planes import Plane
from tests.e2e.gateway_harness import expect_shares, free_ports, gateway, route, send
from vamp.core import condition, model

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]


FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"
CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
SAFARI = "Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15"
EDGE = f"{CHROME} Edg/120.0"
IE = "Mozilla/5.0 (Windows NT 10.0; Trident/7.0; rv:11.0) like Gecko"


@dataclass(frozen=True)
class Sent:
    """A request as sent (``target`` with its query string; ``host``; other headers, cookie included)."""

    method: str
    target: str
    host: str
    headers: tuple[tuple[str, str], ...] = ()

    def reference(self) -> condition.Request:
        """The request as the match IR sees it: path without query, host without port, parsed cookies."""
        split = urlsplit(self.target)
        headers = dict(self.headers)
        cookies = dict(
            part.strip().partition("=")[::2] for part in headers.get("cookie", "").split(";") if part.strip()
        )
        return condition.Request(
            method=self.method,
            path=split.path,
            host=self.host.rpartition(":")[0] if ":" in self.host else self.host,
            headers=headers,
            cookies=cookies,
            query=dict(parse_qsl(split.query, keep_blank_values=True)),
        )


REQUESTS = [
    Sent("GET", "/", "shop.example"),
    Sent(
        "GET",
        "/v1/users?debug=1&x=2",
        "Shop.Example:8080",
        (("user-agent", FIREFOX), ("cookie", "group=beta; o=1")),
    ),
    Sent("POST", "/api/v2/items?debug", "other.example", (("user-agent", CHROME), ("x-canary", ""))),
    Sent("GET", "/login", "shop.example", (("user-agent", SAFARI), ("cookie", "group=betamax"))),
    Sent(
        "DELETE",
        "/v2/x/y",
        "SHOP.EXAMPLE",
        (("x-canary", "yes"), ("x-version", "2.13"), ("cookie", "xgroup=beta")),
    ),
    Sent("GET", "/Login?debug=0", "shop.example", (("cookie", "group="), ("x-version", "12.1"))),
    Sent("PUT", "/api?x=1&debug=10", "shop.example", (("user-agent", EDGE), ("x-canary", "no"))),
    Sent("GET", "/search?q=a&debug=1", "shop.example:80", (("user-agent", IE), ("cookie", "a=1;group=beta"))),
    Sent("GET", "/v1", "shop.example", (("user-agent", "curl/8.5"), ("cookie", "beta=yes"))),
]

CONDITIONS = [
    "user-agent == Firefox",
    "user-agent != Firefox",
    "user-agent == Chrome",
    "user-agent == Safari",
    "user-agent == Edge",
    "user-agent == IE",
    "user-agent == curl",
    "host == shop.example",
    "host != shop.example",
    "has header x-canary",
    "misses header x-canary",
    "header x-canary == yes",
    "header x-canary != yes",
    "header x-canary has y",
    "header x-canary misses y",
    'header x-canary != ""',
    'header x-canary == ""',
    r"header x-version ~ 2\.[0-9]+",
    "has cookie group",
    "misses cookie group",
    "cookie group == beta",
    "cookie group != beta",
    "cookie group has bet",
    "cookie group misses bet",
    "cookie group ~ beta.*",
    'cookie group == ""',
    'cookie group != ""',
    "has query debug",
    "misses query debug",
    "query debug == 1",
    "query debug != 1",
    "query debug has 1",
    "query debug ~ [0-9]+",
    "path == /login",
    "path != /login",
    "path prefix /api",
    "path ~ /v[0-9]+/.*",
    "path has users",
    "path misses api",
    "method == POST",
    "method != GET",
    "user-agent == Firefox or has header x-canary",
    "(path prefix /api or path prefix /v1) and not has cookie group",
    "path prefix /v1 and path misses users",
    "not (host == shop.example and method == GET)",
    "true",
    "false",
]
"""Every condition form; those on empty values (``== ""``) also check what HAProxy's cookie and
parameter fetches do with an empty value."""

BATCH = 12


def condition_gateway(index: int, port: int, text: str) -> model.Gateway:
    """Route ``a`` at 100 %, route ``b`` at 0 % with the condition at 100 % strength."""
    condition_b = {"weight": "0%", "condition": {"definition": text}, "condition_strength": "100%"}
    return gateway(f"condition-{index}", port, {route("a"): {"weight": "100%"}, route("b"): condition_b})


async def misrouted(ports: dict[str, int]) -> list[str]:
    """Sends every sample request to each condition's gateway (``ports``: condition text → port; route
    ``b`` takes the matching requests, ``a`` the rest) and lists each that did not go where the reference
    semantics (``condition.compile(text).test``) say."""
    wrong = []
    for text, port in ports.items():
        match = condition.compile(text)
        connection = Connection(port)
        for sent in REQUESTS:
            headers = {"host": sent.host, **dict(sent.headers)}
            response = await connection.request(sent.target, headers, sent.method)
            expected = "b" if match.test(sent.reference()) else "a"
            if response.backend != expected:
                wrong.append(
                    f"{text!r} on {sent}: went to {response.backend or response.status}, not {expected}"
                )
        await connection.close()
    return wrong


@pytest.mark.parametrize(
    "batch", [CONDITIONS[start : start + BATCH] for start in range(0, len(CONDITIONS), BATCH)], ids=str
)
async def test_every_condition_form_routes_as_the_reference_semantics_say(
    data_plane: Plane, batch: list[str]
):
    ports = dict(zip(batch, free_ports(len(batch)), strict=True))
    await data_plane.serve(*(condition_gateway(index, ports[text], text) for index, text in enumerate(batch)))

    wrong = await misrouted(ports)

    assert wrong == [], "\n".join(wrong)


@pytest.mark.envoy_lacks('an empty query value (`query debug == ""`) matching a bare `?debug`')
async def test_an_empty_query_value_matches_a_bare_parameter(data_plane: Plane):
    text = 'query debug == ""'
    [port] = free_ports(1)
    await data_plane.serve(condition_gateway(0, port, text))

    wrong = await misrouted({text: port})

    assert wrong == [], "\n".join(wrong)


def strength_gateway(port: int, strength: str) -> model.Gateway:
    return gateway(
        "shop",
        port,
        {
            route("a"): {"weight": "50%"},
            route("b"): {"weight": "50%"},
            route("c"): {
                "weight": "0%",
                "condition": {"definition": "has header x-beta"},
                "condition_strength": strength,
            },
        },
    )


@pytest.mark.parametrize(
    ("strength", "matching"),
    [
        ("100%", {"c": 100}),
        # The half that the condition does not draw follows the weights, independently of the draw.
        ("50%", {"c": 50, "a": 25, "b": 25}),
        ("0%", {"a": 50, "b": 50}),
    ],
)
async def test_condition_strength_sends_its_share_and_the_rest_follow_the_weights(
    data_plane: Plane, strength: str, matching: dict[str, float]
):
    port = free_port()
    await data_plane.serve(strength_gateway(port, strength))

    drawn = await send(port, 2000, headers={"x-beta": "1"})
    others = await send(port, 2000)

    expect_shares(drawn, matching)
    expect_shares(others, {"a": 50, "b": 50})


async def test_the_alternatives_of_one_condition_keep_its_strength(data_plane: Plane):
    port = free_port()
    either = {"definition": "has header x-one or has header x-two"}
    await data_plane.serve(
        gateway(
            "shop",
            port,
            {
                route("a"): {"weight": "100%"},
                route("b"): {"weight": "0%", "condition": either, "condition_strength": "30%"},
            },
        )
    )

    both = await send(port, 2000, headers={"x-one": "1", "x-two": "1"})

    expect_shares(both, {"b": 30, "a": 70})
