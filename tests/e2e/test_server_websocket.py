"""The WebSocket API of a real ``vamp server`` (vamp.md §2.3), over TCP, as Vamp's UI and scripts use it.

The client is a small one over ``wsproto`` (what the server serves WebSockets with): a socket with the
admin token subscribes to events, puts and peeks a breed and sees its archive event arrive; a socket
without a token is answered 401 until it sends its token as a message, as a browser would.
"""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any

import pytest
from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    CloseConnection,
    Message,
    Ping,
    RejectConnection,
    Request,
    TextMessage,
)

from tests.e2e import vamp_process

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

WAIT = 10.0


class Client:
    """One WebSocket to ``/websocket`` of a server on 127.0.0.1, read with a deadline."""

    def __init__(self, port: int, headers: dict[str, str]) -> None:
        self._socket = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
        self._connection = WSConnection(ConnectionType.CLIENT)
        self._kept: list[dict[str, Any]] = []
        extra = [(key.encode(), value.encode()) for key, value in headers.items()]
        self._socket.sendall(
            self._connection.send(Request(host="127.0.0.1", target="/websocket", extra_headers=extra))
        )
        self._text = ""
        deadline = time.monotonic() + WAIT
        while True:
            for event in self._events(deadline):
                if isinstance(event, AcceptConnection):
                    return
                if isinstance(event, RejectConnection):
                    raise AssertionError(f"the server refused the socket: {event.status_code}")

    def _events(self, deadline: float) -> list[Any]:
        assert time.monotonic() < deadline, "no answer on the socket in time"
        data = self._socket.recv(65536)
        assert data, "the server closed the connection"
        self._connection.receive_data(data)
        return list(self._connection.events())

    def send(self, message: Any) -> None:
        self._socket.sendall(self._connection.send(Message(data=json.dumps(message))))

    def next(self) -> dict[str, Any]:
        if self._kept:
            return self._kept.pop(0)
        deadline = time.monotonic() + WAIT
        while True:
            for event in self._events(deadline):
                if isinstance(event, Ping):
                    self._socket.sendall(self._connection.send(event.response()))
                elif isinstance(event, CloseConnection):
                    raise AssertionError(f"the server closed the socket: {event.code}")
                elif isinstance(event, TextMessage):
                    self._text += event.data
                    if event.message_finished:
                        found: dict[str, Any] = json.loads(self._text)
                        self._text = ""
                        self._kept.append(found)
            if self._kept:
                return self._kept.pop(0)

    def answer(self, transaction: str) -> dict[str, Any]:
        skipped: list[dict[str, Any]] = []
        while True:
            found = self.next()
            if found.get("transaction") == transaction:
                self._kept[:0] = skipped
                return found
            skipped.append(found)

    def close(self) -> None:
        self._socket.sendall(self._connection.send(CloseConnection(code=1000)))
        self._socket.close()


def test_a_real_server_answers_and_pushes_events_over_its_websocket(tmp_path: Path) -> None:
    breed = {"name": "probe:1.0.0", "deployable": "magneticio/probe:1.0.0"}
    with vamp_process.started(tmp_path / "home", "server", ready=None) as vamp:
        port = int(vamp.url.rsplit(":", 1)[1])
        client = Client(port, vamp.headers)
        client.send(
            {
                "path": "/events/stream",
                "action": "peek",
                "transaction": "events",
                "parameters": {"tag": "breeds"},
            }
        )
        assert client.answer("events")["status"] == "OK"
        client.send(
            {
                "path": "/breeds",
                "action": "put",
                "content": "json",
                "data": json.dumps(breed),
                "transaction": "put",
            }
        )
        put = client.answer("put")
        client.send({"path": "/breeds/probe:1.0.0", "action": "peek", "transaction": "peek"})
        peek = client.answer("peek")
        event = client.answer("events")
        client.close()

        browser = Client(port, {})
        browser.send({"path": "/breeds", "action": "peek", "transaction": "anonymous"})
        anonymous = browser.answer("anonymous")
        browser.send({"token": vamp.token})
        accepted = browser.next()
        browser.send({"path": "/breeds", "action": "peek", "transaction": "listed"})
        listed = browser.answer("listed")
        browser.close()

    assert (put["status"], put["code"]) == ("OK", 201)
    assert json.loads(peek["data"])["name"] == "probe:1.0.0"
    assert "breeds:probe:1.0.0" in json.loads(event["data"])["tags"]
    assert (anonymous["status"], anonymous["code"]) == ("ERROR", 401)
    assert accepted["status"] == "OK"
    assert [item["name"] for item in json.loads(listed["data"])] == ["probe:1.0.0"]
    assert vamp.token not in vamp.text()
