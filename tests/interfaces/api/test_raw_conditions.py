"""Raw HAProxy conditions ``< … >`` through the API: gateways and stored conditions that hold one are
taken (also with ``?validate_only=true``), and the answer says they run only on the HAProxy data plane;
one that could break out of HAProxy's configuration is refused with the place and what is allowed."""

from __future__ import annotations

import pytest

from tests.interfaces.api.harness import Harness
from vamp.core.condition import raw_acl

pytestmark = pytest.mark.anyio

RAW = "< hdr(x-user) -m str alice >"
NOTE = (
    "raw HAProxy conditions run only on the HAProxy data plane: `vamp agent --proxy haproxy`; a gateway "
    "agent on Envoy refuses the gateway and serves the others"
)


def shop(condition: str) -> dict[str, object]:
    return {
        "name": "shop",
        "port": "9050/http",
        "routes": {
            "[127.0.0.1:8001]": {"weight": "100%"},
            "[127.0.0.1:8002]": {"weight": "0%", "condition": condition},
        },
    }


async def test_validate_only_takes_a_gateway_with_a_raw_condition_and_says_where_it_runs(
    api: Harness,
) -> None:
    checked = await api.client.put("/api/v1/gateways/shop?validate_only=true", json=shop(RAW))

    assert checked.status_code == 202
    routes = checked.json()["routes"]
    assert routes["[127.0.0.1:8002]"]["condition"] == {"condition": RAW}
    assert routes["[127.0.0.1:8002]"]["note"] == NOTE == raw_acl.NOTE
    assert "note" not in routes["[127.0.0.1:8001]"]
    assert (await api.client.get("/api/v1/gateways/shop")).status_code == 404


async def test_a_stored_gateway_shows_the_note_and_what_get_shows_goes_back(api: Harness) -> None:
    assert (
        await api.client.put("/api/v1/gateways/shop", json=shop(f"not {RAW} and has cookie a"))
    ).status_code == 202

    shown = (await api.client.get("/api/v1/gateways/shop")).json()
    assert shown["routes"]["[127.0.0.1:8002]"]["note"] == NOTE
    assert (await api.client.put("/api/v1/gateways/shop", json=shown)).status_code == 202

    plain = (await api.client.put("/api/v1/gateways/shop", json=shop("has cookie a"))).json()
    assert "note" not in plain["routes"]["[127.0.0.1:8002]"]


async def test_a_stored_raw_condition_says_where_it_runs(api: Harness) -> None:
    body = {"name": "alice", "condition": RAW}
    created = await api.client.put("/api/v1/conditions/alice", json=body)
    assert created.status_code in (200, 201, 202)

    shown = (await api.client.get("/api/v1/conditions/alice")).json()
    assert shown["condition"] == RAW
    assert shown["note"] == NOTE
    assert (await api.client.put("/api/v1/conditions/alice", json=shown)).status_code in (200, 202)


async def test_a_raw_condition_that_could_break_out_is_refused_with_the_place_and_what_is_allowed(
    api: Harness,
) -> None:
    refused = await api.client.put(
        "/api/v1/gateways/shop?validate_only=true", json=shop("< hdr(x) -m found } frontend evil { >")
    )

    assert refused.status_code == 400
    message = refused.json()["message"]
    assert "routes['[127.0.0.1:8002]'].condition: Invalid condition" in message
    assert "a raw HAProxy condition cannot hold '}'" in message
    assert "such as '< hdr(x-user) -m str alice >'" in message
