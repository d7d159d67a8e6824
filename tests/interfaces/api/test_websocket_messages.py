"""Which REST request a WebSocket request stands for (vamp.md §2.3): method, path and query string."""

from __future__ import annotations

import pytest

from vamp.interfaces.api import websocket_messages as messages


def _request(path: str, action: str, **more: object) -> messages.Request:
    return messages.read_request({"path": path, "action": action, **more})


@pytest.mark.parametrize(
    ("path", "action", "namespace", "expected"),
    [
        ("breeds", "Peek", None, ("GET", "/api/v1/breeds")),
        ("/breeds/sava:1.0.0", "PEEK", None, ("GET", "/api/v1/breeds/sava:1.0.0")),
        ("/breeds", "put", None, ("POST", "/api/v1/breeds")),
        ("/breeds/sava:1.0.0", "Put", None, ("PUT", "/api/v1/breeds/sava:1.0.0")),
        ("/", "Put", None, ("POST", "/api/v1")),
        ("", "Remove", None, ("DELETE", "/api/v1")),
        ("/gateways/sava%2F9050", "Remove", None, ("DELETE", "/api/v1/gateways/sava%2F9050")),
        ("/api/v1/deployments/sava", "Put", None, ("PUT", "/api/v1/deployments/sava")),
        ("/acme-prod/breeds", "Peek", None, ("GET", "/acme-prod/api/v1/breeds")),
        ("/acme-prod/api/v1/breeds/a", "Peek", None, ("GET", "/acme-prod/api/v1/breeds/a")),
        ("/acme-prod", "Put", None, ("POST", "/acme-prod/api/v1")),
        ("/breeds", "Peek", "acme-test", ("GET", "/acme-test/api/v1/breeds")),
        ("/events/stream", "Peek", "acme-test", ("GET", "/acme-test/api/v1/events/stream")),
    ],
)
def test_a_request_stands_for_one_rest_request(
    path: str, action: str, namespace: str | None, expected: tuple[str, str]
) -> None:
    method, full, _ = _request(path, action).http(namespace)
    assert (method, full) == expected


def test_parameters_become_the_query_string_as_rest_clients_write_it() -> None:
    request = _request("/breeds", "Put", parameters={"validate_only": True, "tag": ["a", "b"], "page": 2})
    assert request.http(None)[2] == "validate_only=true&tag=a&tag=b&page=2"
    inline = _request("/events?tag=x", "Peek", parameters={"type": "t"})
    assert inline.http(None) == ("GET", "/api/v1/events", "tag=x&type=t")


def test_structured_data_is_written_in_the_content_format() -> None:
    as_yaml = _request("/breeds", "Put", content="yaml", data={"name": "a", "deployable": "x"})
    as_json = _request("/breeds", "Put", content="Json", data={"name": "a"})
    assert (as_yaml.data, as_yaml.content_type) == ("name: a\ndeployable: x\n", "application/x-yaml")
    assert (as_json.data, as_json.content_type) == ('{"name": "a"}', "application/json")


def test_an_answer_names_its_status_in_upper_case_and_keeps_the_answers_headers() -> None:
    request = _request("/breeds", "peek", accept="yaml", transaction="t")
    headers = [(b"x-total-count", b"3"), (b"content-length", b"2"), (b"link", b'<x>; rel="next"')]
    found = messages.answer(request, 202, headers, "[]")
    assert found == {
        "api": "v1",
        "path": "/breeds",
        "action": "PEEK",
        "status": "ACCEPTED",
        "code": 202,
        "content": "YAML",
        "transaction": "t",
        "data": "[]",
        "parameters": {"X-Total-Count": "3", "Link": '<x>; rel="next"'},
    }
