"""Input limits of the API: body size (413), page numbers, long integers, scales and unsafe names (400).

Each answer is a ``{"message"}`` that says the limit and what would be valid, never a 500. The same
hostile inputs are sent to a real server, with timings, in ``tests/e2e/test_hostile_input.py``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.interfaces.api import harness
from tests.interfaces.api.harness import JSON, YAML, Harness
from vamp.adapters.store import memory
from vamp.core import units, validation
from vamp.interfaces.api import app as api_app
from vamp.interfaces.api import body_limit

pytestmark = pytest.mark.anyio

BREED = "name: sava:1.0.0\ndeployable: magneticio/sava:1.0.0\n"


def _blueprint(scale: str) -> str:
    return (
        "name: sava:1.0\nclusters:\n  sava:\n    services:\n"
        f"      breed: {{name: sava:1.0.0, deployable: magneticio/sava:1.0.0}}\n      scale: {scale}\n"
    )


async def test_a_body_over_the_limit_is_413_saying_the_limit_and_the_flag(api: Harness) -> None:
    answer = await api.client.post("/api/v1/breeds", content=BREED + "#" * (4 * 1024 * 1024), headers=YAML)

    assert answer.status_code == 413
    assert answer.json() == {
        "message": "The request body is larger than this server takes: at most 4 MiB (4,194,304 bytes). "
        "Send less (split a bulk request), or start the server with a larger --max-body "
        "(e.g. --max-body 8MiB)."
    }
    assert (await api.client.get("/api/v1/breeds")).json() == []


async def test_a_chunked_body_is_counted_as_it_arrives(api: Harness) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield BREED.encode()
        for _ in range(80):
            yield b"#" * 65536 + b"\n"

    answer = await api.client.post("/api/v1/breeds", content=chunks(), headers=YAML)

    assert answer.status_code == 413
    assert "at most 4 MiB" in answer.json()["message"]


async def test_a_body_within_the_limit_is_read() -> None:
    small = harness.build(memory.MemoryStore(clock=lambda: harness.NOW), api_app.Settings(max_body=1024))
    async with small.client:
        fits = await small.client.post("/api/v1/breeds", content=BREED, headers=YAML)
        too_large = await small.client.post("/api/v1/breeds", content=BREED + "#" * 1024, headers=YAML)

    assert fits.status_code == 201
    assert too_large.status_code == 413
    assert "at most 1 KiB (1,024 bytes)" in too_large.json()["message"]


@pytest.mark.parametrize(
    ("text", "size"), [("4194304", 4194304), ("4MiB", 4194304), ("512KiB", 524288), ("1MB", 10**6)]
)
def test_sizes_are_read_in_bytes_and_binary_units(text: str, size: int) -> None:
    assert body_limit.parse_size(text) == size


@pytest.mark.parametrize("text", ["", "0", "4 lots", "-1", "1.5MiB"])
def test_a_size_that_is_not_one_says_the_forms(text: str) -> None:
    with pytest.raises(ValueError, match="write bytes, or a number with KiB, MiB or GiB"):
        body_limit.parse_size(text)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "page=" + "1" + "0" * 30,
            "Invalid query parameter 'page': a page is from 1 to 1,000,000, not 1" + "0" * 30 + ".",
        ),
        ("page=0", "Invalid query parameter 'page': a page is from 1 to 1,000,000, not 0."),
        ("page=" + "9" * 5000, "Invalid query parameter 'page': Unable to parse input string as an integer"),
        ("per_page=" + "9" * 5000, "Invalid query parameter 'per_page': Unable to parse input string"),
    ],
)
async def test_page_numbers_out_of_range_are_400_with_the_range(
    api: Harness, query: str, message: str
) -> None:
    answer = await api.client.get(f"/api/v1/breeds?{query}")

    assert answer.status_code == 400
    assert answer.json()["message"].startswith(message)


async def test_the_last_page_allowed_is_an_empty_page(api: Harness) -> None:
    answer = await api.client.get("/api/v1/breeds?page=1000000&per_page=1000000")

    assert answer.status_code == 200
    assert answer.json() == []


async def test_an_integer_of_5000_digits_in_a_json_body_is_400_at_its_place(api: Harness) -> None:
    body = '{"name": "sava", "port": 9050, "routes": {"a/b": {"weight": %s}}}' % ("9" * 5000)

    answer = await api.client.post("/api/v1/gateways", content=body, headers=JSON)

    assert answer.status_code == 400
    (issue,) = answer.json()["issues"]
    assert issue["path"] == "routes.a/b.weight"
    assert issue["message"] == "Whole numbers of more than 100 digits are not supported (5000 here)."


@pytest.mark.parametrize(
    ("scale", "path", "message"),
    [
        (
            "{instances: 100000000000000000000000000, cpu: 1, memory: 1GB}",
            "clusters.sava.services[0].scale.instances",
            "At most 1,000 instances are allowed on this server, not 100,000,000,000,000,000,000,000,000 "
            "(the server's --max-instances).",
        ),
        (
            "{cpu: 65, memory: 1GB}",
            "clusters.sava.services[0].scale.cpu",
            "At most 64.00 CPUs are allowed on this server, not 65.00 (the server's --max-cpu).",
        ),
        (
            "{cpu: 1, memory: 100000000000000000000000GB}",
            "clusters.sava.services[0].scale.memory",
            "At most 1048576.00MB of memory is allowed on this server, not "
            "100000000000000000000000000.00MB (the server's --max-memory).",
        ),
    ],
)
async def test_scales_beyond_the_servers_limits_are_400_naming_the_path_and_the_limit(
    api: Harness, scale: str, path: str, message: str
) -> None:
    answer = await api.client.post("/api/v1/blueprints", content=_blueprint(scale), headers=YAML)

    assert answer.status_code == 400
    assert [(issue["path"], issue["message"]) for issue in answer.json()["issues"]] == [(path, message)]


async def test_scale_limits_are_the_servers_and_apply_to_scales_and_deployments() -> None:
    limits = validation.ScaleLimits(instances=3, cpu=units.Cpu.parse(2), memory=units.Memory.parse("1GB"))
    small = harness.build(
        memory.MemoryStore(clock=lambda: harness.NOW), api_app.Settings(scale_limits=limits)
    )
    async with small.client:
        fits = await small.client.post(
            "/api/v1/scales", content="name: s\ninstances: 3\ncpu: 2\nmemory: 1GB\n", headers=YAML
        )
        scale = await small.client.post(
            "/api/v1/scales", content="name: s\ninstances: 4\ncpu: 2\nmemory: 1GB\n", headers=YAML
        )
        deployment = await small.client.put(
            "/api/v1/deployments/sava",
            content=_blueprint("{instances: 1, cpu: 1, memory: 2GB}"),
            headers=YAML,
        )

    assert fits.status_code == 201
    assert scale.status_code == 400
    assert scale.json()["issues"][0]["path"] == "instances"
    assert "At most 3 instances" in scale.json()["message"]
    assert deployment.status_code == 400
    assert deployment.json()["issues"][0]["path"] == "clusters.sava.services[0].scale.memory"


def test_scale_limits_of_the_flags_name_the_flag_when_wrong() -> None:
    assert api_app.scale_limits(5, "500m", "2Gi") == validation.ScaleLimits(
        5, units.Cpu.parse("500m"), units.Memory.parse("2Gi")
    )
    with pytest.raises(Exception, match="--max-memory: Expected memory such as"):
        api_app.scale_limits(5, "1", "lots")
    with pytest.raises(Exception, match="--max-cpu: Expected CPU cores"):
        api_app.scale_limits(5, "many", "1GB")


@pytest.mark.parametrize("name", ["a%b", "p\u0000x", "ab\u202ecd", "a" * 300])
async def test_a_gateway_with_an_unsafe_name_is_400_and_not_stored(api: Harness, name: str) -> None:
    body = {"name": name, "port": 9050, "routes": {"[127.0.0.1:8080]": {"weight": "100%"}}}

    answer = await api.client.post("/api/v1/gateways", json=body)

    assert answer.status_code == 400
    assert answer.json()["issues"][0]["path"] == "name"
    assert "may not hold control characters, '%' or bidirectional-text marks" in answer.json()["message"]
    assert (await api.client.get("/api/v1/gateways")).json() == []
