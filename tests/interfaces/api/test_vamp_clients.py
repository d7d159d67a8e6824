"""What Vamp's clients and integration recipes rely on: paths with a trailing slash, archive events tagged
by the request's verb, and ``DELETE`` by kind and name alone."""

from __future__ import annotations

import pytest

from tests.interfaces.api.harness import SAVA_1_0, YAML, Harness

pytestmark = pytest.mark.anyio

BREED = "name: probe:1\ndeployable: magneticio/sava:1.0.0\nports: {webport: 8080/http}\n"
KINDED = "kind: breed\n" + BREED
GATEWAY = "name: foo\nport: 9060/http\nroutes:\n  '[10.0.0.9:8080]': {weight: 100%}\n"
SCALE = "kind: scale\nname: small\ncpu: 0.2\nmemory: 64MB\n"


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/api/v1/deployments/", None, 200),
        ("GET", "/api/v1/gateways/", None, 200),
        ("GET", "/api/v1/breeds/", None, 200),
        ("GET", "/api/v1/breeds/probe:1/", None, 200),
        ("GET", "/api/v1/info/", None, 200),
        ("GET", "/acme-prod/api/v1/breeds/", None, 200),
        ("PUT", "/api/v1/", KINDED, 202),
        ("POST", "/api/v1/", SCALE, 202),
        ("DELETE", "/api/v1/", KINDED, 202),
        ("POST", "/api/v1/gateways/", GATEWAY, 202),
        ("PUT", "/api/v1/breeds/probe:1/", BREED, 200),
        ("POST", "/acme-prod/api/v1/breeds/", BREED, 201),
        ("DELETE", "/api/v1/breeds/probe:1/", None, 204),
    ],
)
async def test_a_path_with_a_trailing_slash_answers_as_without_one_and_never_redirects(
    api: Harness, method: str, path: str, body: str | None, status: int
) -> None:
    await api.client.post("/api/v1/breeds", content=BREED, headers=YAML)

    answered = await api.client.request(method, path, content=body, headers=YAML)

    assert answered.status_code == status, answered.text
    assert "location" not in answered.headers
    if method == "GET":
        again = await api.client.get(path.rstrip("/"))
        assert answered.json() == again.json()


async def test_the_gateways_list_with_a_slash_is_the_list_not_a_gateway_named_nothing(api: Harness) -> None:
    await api.client.post("/api/v1/gateways", content=GATEWAY, headers=YAML)

    listed = await api.client.get("/api/v1/gateways/")

    assert listed.status_code == 200
    assert [gateway["name"] for gateway in listed.json()] == ["foo"]


@pytest.mark.parametrize(
    ("method", "path", "body", "before", "tag"),
    [
        ("POST", "/api/v1/breeds", BREED, False, "archive:create"),
        ("PUT", "/api/v1/breeds/probe:1", BREED, False, "archive:update"),
        ("PUT", "/api/v1/breeds/probe:1", BREED.replace("1.0.0", "1.1.0"), True, "archive:update"),
        ("PUT", "/api/v1/", KINDED, False, "archive:update"),
        ("PUT", "/api/v1/breeds", BREED, False, "archive:update"),
        ("POST", "/api/v1", KINDED, False, "archive:create"),
        ("DELETE", "/api/v1/breeds/probe:1", None, True, "archive:delete"),
        ("DELETE", "/api/v1/", "kind: breed\nname: probe:1\n", True, "archive:delete"),
    ],
)
async def test_archive_events_are_tagged_by_the_requests_verb_as_vamp_does(
    api: Harness, method: str, path: str, body: str | None, before: bool, tag: str
) -> None:
    if before:
        await api.client.post("/api/v1/breeds", content=BREED, headers=YAML)

    answered = await api.client.request(method, path, content=body, headers=YAML)

    assert answered.status_code < 300, answered.text
    archived = (await api.client.get("/api/v1/events?tag=breeds:probe:1&tag=archive")).json()
    assert archived[0]["tags"][-1] == tag


async def test_a_put_of_a_new_deployment_is_an_update_and_its_slice_a_delete(api: Harness) -> None:
    await api.client.put("/api/v1/deployments/sava", content=SAVA_1_0, headers=YAML)
    await api.client.request("DELETE", "/api/v1/deployments/sava", content=SAVA_1_0, headers=YAML)

    archived = (await api.client.get("/api/v1/events?tag=deployments:sava&tag=archive")).json()

    assert [event["tags"][-1] for event in archived] == ["archive:delete", "archive:update"]


@pytest.mark.parametrize(
    ("path", "body", "gone"),
    [
        ("/api/v1", "---\nkind: breed\nname: probe:1\n", ["breeds/probe:1"]),
        (
            "/api/v1/",
            "kind: breeds\nname: probe:1\n---\nkind: scale\nname: small\n",
            ["breeds/probe:1", "scales/small"],
        ),
        ("/api/v1", KINDED + "---\nkind: gateway\nname: foo\n", ["breeds/probe:1", "gateways/foo"]),
        ("/api/v1/breeds", "name: probe:1\n", ["breeds/probe:1"]),
        ("/api/v1/breeds", "name: probe:1\nports: lots\n", ["breeds/probe:1"]),
        ("/api/v1/gateways", "name: foo\n", ["gateways/foo"]),
        ("/api/v1/scales/", "kind: scale\nname: small\n", ["scales/small"]),
    ],
)
async def test_delete_goes_by_kind_and_name_alone_and_takes_full_documents_too(
    api: Harness, path: str, body: str, gone: list[str]
) -> None:
    await api.client.put("/api/v1", content=KINDED + "---\n" + SCALE, headers=YAML)
    await api.client.post("/api/v1/gateways", content=GATEWAY, headers=YAML)

    deleted = await api.client.request("DELETE", path, content=body, headers=YAML)

    assert deleted.status_code == 202, deleted.text
    assert [f"{item['kind']}/{item['name']}" for item in deleted.json()] == gone
    for artifact in gone:
        assert (await api.client.get(f"/api/v1/{artifact}")).status_code == 404
    left = {"breeds/probe:1", "scales/small", "gateways/foo"} - set(gone)
    for artifact in left:
        assert (await api.client.get(f"/api/v1/{artifact}")).status_code == 200


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/", "kind: deployment\nname: sava\n"),
        ("/api/v1/deployments/", "name: sava\n"),
        ("/api/v1/deployments", "kind: deployments\nname: sava\n"),
    ],
)
async def test_a_deployment_named_alone_is_undeployed_whole(api: Harness, path: str, body: str) -> None:
    await api.client.put("/api/v1/deployments/sava", content=SAVA_1_0, headers=YAML)

    deleted = await api.client.request("DELETE", path, content=body, headers=YAML)

    assert deleted.status_code == 202, deleted.text
    services = deleted.json()[0]["clusters"]["sava"]["services"]
    assert [service["status"]["intention"] for service in services] == ["Undeployment"]


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("/api/v1", "name: probe:1\n", "Missing kind; say which kind of artifact this is with 'kind:'"),
        (
            "/api/v1/breeds",
            "kind: scale\nname: small\n",
            "Inconsistent kind: given 'scale' but found 'breeds'.",
        ),
        ("/api/v1", "kind: breed\nname: probe:1\n---\nkind: breed\ndeployable: x\n", "name"),
    ],
)
async def test_a_delete_whose_kind_or_name_cannot_be_told_deletes_nothing_and_says_why(
    api: Harness, path: str, body: str, message: str
) -> None:
    await api.client.post("/api/v1/breeds", content=BREED, headers=YAML)

    refused = await api.client.request("DELETE", path, content=body, headers=YAML)

    assert refused.status_code == 400
    assert message in refused.json()["issues"][0]["message"]
    assert (await api.client.get("/api/v1/breeds/probe:1")).status_code == 200


RUNNER = "kind: breed\nname: runner:1\ndeployable: magneticio/sava:1.0.0\nports: {webport: 8080/http}\n"
TWO_PORTS = (
    "kind: breed\nname: two:1\ndeployable: magneticio/sava:1.0.0\nports: {webport: 8080/http, admin: 81}\n"
)
SHORT = "    gateways:\n      sticky: route\n      routes:\n        {breed}: {{weight: 100%}}\n"


def _short_form(kind: str, name: str, service: str, breed: str) -> str:
    return f"kind: {kind}\nname: {name}\nclusters:\n  {name}:\n    services: {service}\n" + SHORT.format(
        breed=breed
    )


@pytest.mark.parametrize(
    ("before", "body"),
    [
        (RUNNER, _short_form("deployment", "runner", "[{breed: runner:1}]", "runner:1")),
        (RUNNER, _short_form("deployment", "runner", "runner:1", "runner:1")),
        (
            RUNNER,
            _short_form(
                "deployment",
                "runner",
                "{breed: {name: runner:2, deployable: magneticio/sava:1.0.0, ports: {webport: 8080/http}}}",
                "runner:2",
            ),
        ),
        (
            RUNNER + "---\n" + _short_form("blueprint", "runner", "runner:1", "runner:1"),
            "kind: deployment\nname: runner\n",
        ),
    ],
)
async def test_a_cluster_gateway_in_the_short_form_is_the_gateway_of_the_clusters_only_port(
    api: Harness, before: str, body: str
) -> None:
    await api.client.put("/api/v1", content=before, headers=YAML)

    stored = await api.client.put("/api/v1/", content=body, headers=YAML)

    assert stored.status_code == 202, stored.text
    deployment = (await api.client.get("/api/v1/deployments/runner")).json()
    gateways = deployment["clusters"]["runner"]["gateways"]
    assert list(gateways) == ["webport"]
    assert gateways["webport"]["sticky"] == "route"
    assert [route["weight"] for route in gateways["webport"]["routes"].values()] == ["100%"]


async def test_a_stored_blueprint_keeps_the_short_form_as_it_was_written(api: Harness) -> None:
    await api.client.put("/api/v1", content=RUNNER, headers=YAML)

    await api.client.put(
        "/api/v1", content=_short_form("blueprint", "runner", "runner:1", "runner:1"), headers=YAML
    )

    read = (await api.client.get("/api/v1/blueprints/runner")).json()
    assert read["clusters"]["runner"]["gateways"] == {
        "sticky": "route",
        "routes": {"runner:1": {"weight": "100%"}},
    }


async def test_a_short_form_gateway_over_a_breed_of_several_ports_says_to_name_the_port(api: Harness) -> None:
    await api.client.put("/api/v1", content=TWO_PORTS, headers=YAML)

    refused = await api.client.put(
        "/api/v1/", content=_short_form("deployment", "two", "two:1", "two:1"), headers=YAML
    )

    assert refused.status_code == 400
    issue = refused.json()["issues"][0]
    assert issue["path"] == "clusters.two.gateways"
    assert "more than 1 port defined ('admin', 'webport')" in issue["message"]
    assert "gateways: {admin: {routes: ...}}" in issue["message"]
    assert (await api.client.get("/api/v1/deployments/two")).status_code == 404
