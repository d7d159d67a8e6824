"""The WebSocket API (vamp.md §2.3): Peek/Put/Remove on API paths answered as the REST API answers them,
the transaction echoed, the event stream as a subscription, and the REST API's tokens and roles."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.interfaces.api import harness
from tests.interfaces.api.harness import Harness
from tests.interfaces.api.sockets import Socket
from vamp.core import model
from vamp.interfaces.api import websocket

pytestmark = pytest.mark.anyio

BREED = {"name": "probe:1.0.0", "deployable": "magneticio/probe:1.0.0", "ports": {"webport": "8080/http"}}


async def test_a_subscription_sees_the_archive_events_of_a_breed_put_peeked_and_removed(api: Harness) -> None:
    async with Socket(api) as socket:
        await socket.send(
            {"path": "/events/stream", "action": "Peek", "accept": "Json", "transaction": "events",
             "parameters": {"tag": "archive"}}
        )  # fmt: skip
        listening = await socket.answer("events")
        assert (listening["status"], listening["data"]) == ("OK", "")

        put = await socket.ask("put", path="/breeds", action="Put", content="Json", data=json.dumps(BREED))
        as_json = await socket.ask("json", path="breeds/probe:1.0.0", action="Peek", accept="Json")
        as_yaml = await socket.ask("yaml", path="/breeds/probe:1.0.0", action="Peek", accept="Yaml")
        removed = await socket.ask("remove", path="/breeds/probe:1.0.0", action="Remove")
        gone = await socket.ask("gone", path="/breeds/probe:1.0.0", action="Peek")

        created = await socket.answer("events")
        deleted = await socket.answer("events")

    assert (put["status"], put["code"], put["action"], put["path"]) == ("OK", 201, "PUT", "/breeds")
    assert json.loads(put["data"])["name"] == "probe:1.0.0"
    assert (as_json["status"], as_json["content"]) == ("OK", "JSON")
    assert json.loads(as_json["data"])["deployable"]["definition"] == "magneticio/probe:1.0.0"
    assert (as_yaml["status"], as_yaml["content"]) == ("OK", "YAML")
    assert yaml.safe_load(as_yaml["data"])["ports"] == {"webport": "8080/http"}
    assert (removed["status"], removed["code"], removed["action"], removed["data"]) == (
        "NOCONTENT",
        204,
        "REMOVE",
        "",
    )
    assert (gone["status"], gone["code"]) == ("ERROR", 404)
    created_tags = json.loads(created["data"])["tags"]
    assert "breeds:probe:1.0.0" in created_tags
    assert {"archive:create", "archive:update"} & set(created_tags)
    assert {"breeds:probe:1.0.0", "archive:delete"} <= set(json.loads(deleted["data"])["tags"])
    assert (created["action"], created["content"], created["path"]) == ("PEEK", "JSON", "/events/stream")


async def test_a_subscription_in_yaml_gets_events_in_yaml_filtered_by_type(api: Harness) -> None:
    async with Socket(api) as socket:
        await socket.ask(
            "events", path="/events/stream", action="PEEK", accept="YAML", parameters={"type": "deploy"}
        )
        for kind in ("other", "deploy"):
            event = json.dumps({"tags": ["probe"], "type": kind, "value": kind})
            published = await socket.ask(kind, path="/events", action="Put", content="Json", data=event)
            assert (published["status"], published["code"]) == ("OK", 201)
        pushed = await socket.answer("events")

    assert pushed["content"] == "YAML"
    assert yaml.safe_load(pushed["data"])["value"] == "deploy"


async def test_a_socket_without_a_token_is_answered_401_until_it_sends_one(api: Harness) -> None:
    async with Socket(api, secret=None) as socket:
        refused = await socket.ask("t1", path="/breeds", action="Peek")
        await socket.send({"token": "vamp_not-a-token"})
        unknown = await socket.next()
        await socket.send({"token": harness.ADMIN})
        accepted = await socket.next()
        listed = await socket.ask("t2", path="/breeds", action="Peek")

    assert (refused["status"], refused["code"], refused["transaction"]) == ("ERROR", 401, "t1")
    assert "message" in json.loads(refused["data"])
    assert (unknown["status"], unknown["code"]) == ("ERROR", 401)
    assert "vamp_not-a-token" not in json.dumps(unknown)
    assert accepted == {"status": "OK", "code": 200, "token": "accepted"}
    assert (listed["status"], listed["data"]) == ("OK", "[]")


async def test_a_viewer_cannot_put_but_can_peek(api: Harness) -> None:
    viewer = await api.token("viewer", "acme-prod")
    async with Socket(api, "/acme-prod/websocket", secret=viewer) as socket:
        put = await socket.ask("put", path="/breeds", action="Put", content="Json", data=json.dumps(BREED))
        peek = await socket.ask("peek", path="/breeds", action="Peek")

    assert (put["status"], put["code"], put["transaction"]) == ("ERROR", 403, "put")
    assert "viewer" in json.loads(put["data"])["message"]
    assert (peek["status"], peek["code"]) == ("OK", 200)


async def test_errors_are_the_rest_apis_with_the_transaction_echoed(api: Harness) -> None:
    async with Socket(api) as socket:
        missing = await socket.ask("a", path="/breeds/nothing:1", action="Peek")
        no_route = await socket.ask("b", path="/health/nowhere/at/all/x", action="Peek")
        bad_body = await socket.ask("c", path="/breeds", action="Put", content="Yaml", data="name: probe:1\n")
        bad_yaml = await socket.ask("d", path="/breeds", action="Put", content="Yaml", data="name: [\n")

    assert (missing["status"], missing["code"], missing["transaction"]) == ("ERROR", 404, "a")
    assert (no_route["status"], no_route["code"], no_route["transaction"]) == ("ERROR", 404, "b")
    assert (bad_body["status"], bad_body["code"], bad_body["transaction"]) == ("ERROR", 400, "c")
    assert "deployable" in json.loads(bad_body["data"])["message"]
    assert (bad_yaml["status"], bad_yaml["code"], bad_yaml["transaction"]) == ("ERROR", 400, "d")


async def test_unreadable_messages_are_answered_with_what_would_be_valid(api: Harness) -> None:
    async with Socket(api) as socket:
        await socket.send("{not: [json")
        garbled = await socket.next()
        wrong_action = await socket.ask("x", path="/breeds", action="Get")
        wrong_api = await socket.ask("y", path="/breeds", action="Peek", api="v2")
        await socket.send("a: &x [1]\nb: *x\n")
        aliased = await socket.next()

    assert garbled["status"] == "ERROR"
    assert "JSON nor YAML" in garbled["error"]
    assert wrong_action == {"status": "ERROR", "error": wrong_action["error"], "transaction": "x"}
    assert "Peek, Put or Remove" in wrong_action["error"]
    assert "v1" in wrong_api["error"]
    assert "aliases" in aliased["error"]


async def test_parameters_reach_the_rest_route_and_its_headers_come_back(api: Harness) -> None:
    async with Socket(api) as socket:
        checked = await socket.ask(
            "check", path="/breeds", action="Put", content="Json", data=json.dumps(BREED),
            parameters={"validate_only": True},
        )  # fmt: skip
        not_stored = await socket.ask("peek", path="/breeds/probe:1.0.0", action="Peek")
        for index in range(3):
            breed = {**BREED, "name": f"probe:{index}"}
            await socket.ask(
                f"put{index}", path="/breeds", action="Put", content="Json", data=json.dumps(breed)
            )
        page = await socket.ask("page", path="/breeds", action="Peek", parameters={"per_page": 2, "page": 1})

    assert (checked["status"], checked["code"]) == ("OK", 201)
    assert not_stored["code"] == 404
    assert len(json.loads(page["data"])) == 2
    assert page["parameters"]["X-Total-Count"] == "3"
    assert 'rel="next"' in page["parameters"]["Link"]


async def test_namespaces_come_from_the_socket_path_or_the_first_segment(api: Harness) -> None:
    data = json.dumps(BREED)
    async with Socket(api, "/acme-prod/websocket/") as socket:
        put = await socket.ask("put", path="/breeds/probe:1.0.0", action="Put", content="Json", data=data)
    async with Socket(api) as socket:
        in_prod = await socket.ask("prod", path="/acme-prod/breeds/probe:1.0.0", action="Peek")
        in_default = await socket.ask("default", path="/breeds/probe:1.0.0", action="Peek")
        in_test = await socket.ask("test", path="acme-test/breeds/probe:1.0.0", action="Peek")

    assert (put["status"], put["code"]) == ("OK", 200)
    assert (in_prod["code"], in_default["code"], in_test["code"]) == (200, 404, 404)


async def test_a_frame_may_hold_a_list_of_requests_in_yaml(api: Harness) -> None:
    async with Socket(api) as socket:
        await socket.send(
            "- {api: v1, path: /info, action: peek, accept: json, transaction: one}\n"
            "- {api: v1, path: /breeds, action: peek, accept: yaml, transaction: two}\n"
        )
        one = await socket.answer("one")
        two = await socket.answer("two")

    assert json.loads(one["data"])["version"] == "0.1.0"
    assert (two["content"], yaml.safe_load(two["data"])) == ("YAML", [])


async def test_closing_the_socket_ends_its_subscriptions(api: Harness) -> None:
    async with Socket(api) as socket:
        await socket.ask("events", path="/events/stream", action="Peek")
        assert api.publisher.subscribed == 1
    assert api.publisher.subscribed == 0


async def test_a_subscription_ends_with_an_error_once_its_token_is_revoked(api: Harness) -> None:
    secret = await api.token("viewer", "acme-prod", name="watcher")
    async with Socket(api, "/acme-prod/websocket", secret=secret) as socket:
        await socket.ask("events", path="/events/stream", action="Peek")
        await api.services.publisher.publish("acme-prod", model.Event(tags=("before",)))
        before = await socket.answer("events")
        assert (await api.client.delete("/api/v1/tokens/watcher?scope=acme-prod")).status_code == 204
        api.clock.advance(5)
        await api.services.publisher.publish("acme-prod", model.Event(tags=("after",)))
        ended = await socket.answer("events")

    assert "before" in json.loads(before["data"])["tags"]
    assert (ended["status"], ended["code"]) == ("ERROR", 401)
    assert "revoked" in json.loads(ended["data"])["message"]


async def test_answers_are_text_even_when_the_browser_accepts_gzip(api: Harness) -> None:
    for index in range(20):
        await api.client.put(f"/api/v1/breeds/probe:{index}", json={**BREED, "name": f"probe:{index}"})
    async with Socket(api, headers=((b"accept-encoding", b"gzip, deflate"),)) as socket:
        listed = await socket.ask("list", path="/breeds", action="Peek")

    assert len(listed["data"]) > 1024
    assert len(json.loads(listed["data"])) == 20


async def test_a_socket_holds_a_bounded_number_of_subscriptions(api: Harness) -> None:
    async with Socket(api) as socket:
        for index in range(websocket.MAX_SUBSCRIPTIONS):
            listening = await socket.ask(f"s{index}", path="/events/stream", action="Peek")
            assert listening["status"] == "OK"
        refused = await socket.ask("one too many", path="/events/stream", action="Peek")
        assert api.publisher.subscribed == websocket.MAX_SUBSCRIPTIONS

    assert (refused["status"], refused["code"]) == ("ERROR", 429)
    assert "another socket" in json.loads(refused["data"])["message"]
    assert api.publisher.subscribed == 0
