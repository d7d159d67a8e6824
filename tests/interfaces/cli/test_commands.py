"""Every CLI command over HTTP against the real API: its output for people and scripts, and its error line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.e2e.backends import free_port
from tests.interfaces.api import harness
from tests.interfaces.cli.conftest import Served
from vamp.core import model

SAVA_1_0 = "kind: blueprints\n" + harness.SAVA_1_0
SAVA_1_1 = "kind: blueprints\n" + harness.SAVA_1_1
FOO = "kind: gateways\nname: foo\nport: 9060/http\nroutes:\n  '[10.0.0.9:8080]': {weight: 100%}\n"


def lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def canary(served: Served) -> None:
    """sava 1.0 deployed as ``sava``, 1.1 merged in."""
    assert served.vamp("create", "-f", "-", stdin=SAVA_1_0 + "---\n" + SAVA_1_1).exit_code == 0
    assert served.vamp("deploy", "sava:1.0", "sava").exit_code == 0
    assert served.vamp("merge", "sava:1.1", "sava").exit_code == 0


def test_create_stores_every_document_and_lists_what_it_stored(served: Served, tmp_path: Path) -> None:
    documents = tmp_path / "docs.yml"
    documents.write_text(SAVA_1_0 + "---\n" + FOO)

    result = served.vamp("create", "-f", str(documents))

    assert result.exit_code == 0, result.output
    assert lines(result.stdout) == ["NAME KIND", "sava:1.0.0 breeds", "sava:1.0 blueprints", "foo gateways"]


def test_create_shows_the_servers_message_for_a_bad_document(served: Served) -> None:
    result = served.vamp("create", "-f", "-", stdin="kind: breeds\nname: x\ndeployable: a/b\nports: 7\n")

    assert result.exit_code == 1
    assert lines(result.stderr) == [
        "error: ports: Expected a map of port names to port values, not the number 7."
    ]


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (
            "breeds",
            ["NAME DEPLOYABLE PORTS", "sava:1.0.0 container/docker: magneticio/sava:1.0.0 webport=8080/http"],
        ),
        ("blueprint", ["NAME CLUSTERS", "sava:1.0 sava"]),
        ("gateways", ["NAME PORT ROUTES DEPLOYED", "foo 9060/http [10.0.0.9:8080] 100% no"]),
    ],
)
def test_list_shows_a_table_per_kind(served: Served, kind: str, expected: list[str]) -> None:
    served.vamp("create", "-f", "-", stdin=SAVA_1_0 + "---\n" + FOO)

    result = served.vamp("list", kind)

    assert result.exit_code == 0, result.output
    assert lines(result.stdout) == expected


def test_deployments_are_listed_with_the_state_of_each_service(served: Served) -> None:
    canary(served)

    result = served.vamp("list", "deployments")

    assert lines(result.stdout) == [
        "NAME STATE SERVICES PORTS",
        "sava deploying sava/sava:1.0.0 updating (0 running)",
        "sava/sava:1.1.0 updating (0 running)",
    ]


def test_gateways_are_listed_with_routes_and_weights(served: Served) -> None:
    canary(served)

    result = served.vamp("list", "gateways")

    assert lines(result.stdout) == [
        "NAME PORT ROUTES DEPLOYED",
        "sava/9050 9050/http sava/sava/webport 100% no",
        "sava/sava/webport - sava/sava/sava:1.0.0/webport 100% no",
        "sava/sava/sava:1.1.0/webport 0%",
    ]


@pytest.mark.parametrize("format", ["json", "yaml"])
def test_lists_are_data_for_scripts(served: Served, format: str) -> None:
    served.vamp("create", "-f", "-", stdin=FOO)

    result = served.vamp("list", "gateways", "--output", format)

    found = json.loads(result.stdout) if format == "json" else yaml.safe_load(result.stdout)
    assert [(item["name"], item["port"], item["deployed"]) for item in found] == [("foo", "9060/http", False)]


def test_describe_shows_a_deployments_services(served: Served) -> None:
    canary(served)

    result = served.vamp("describe", "deployments", "sava")

    assert lines(result.stdout) == [
        "Deployment sava: deploying",
        "CLUSTER SERVICE STATE INSTANCES NOTE",
        "sava sava:1.0.0 updating -",
        "sava sava:1.1.0 updating -",
    ]


def test_describe_shows_a_gateways_routes(served: Served) -> None:
    canary(served)
    served.vamp(
        "update-gateway", "sava/sava/webport", "--route", "sava:1.1.0", "--condition", "user-agent == Firefox"
    )

    result = served.vamp("describe", "gateway", "sava/sava/webport")

    assert lines(result.stdout) == [
        "Gateway sava/sava/webport on no port yet (not served)",
        "ROUTE WEIGHT CONDITION STRENGTH TARGETS",
        "sava/sava/sava:1.0.0/webport 100% -",
        "sava/sava/sava:1.1.0/webport 0% user-agent == Firefox 100% -",
    ]


def test_describe_shows_other_kinds_as_yaml(served: Served) -> None:
    served.vamp("create", "-f", "-", stdin=SAVA_1_0)

    result = served.vamp("describe", "breeds", "sava:1.0.0")

    assert yaml.safe_load(result.stdout) == {
        "name": "sava:1.0.0",
        "kind": "breeds",
        "deployable": {"type": "container/docker", "definition": "magneticio/sava:1.0.0"},
        "ports": {"webport": "8080/http"},
        "metadata": {},
        "environment_variables": {},
        "constants": {},
        "arguments": [],
        "dependencies": {},
        "health_checks": None,
    }


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ("describe", "breeds", "nope"),
            "error: There is no breed 'nope'; `vamp list breeds` shows the names.",
        ),
        (
            ("list", "things"),
            "error: Unknown kind 'things'; the kinds are: deployments, gateways, blueprints, breeds, scales, "
            "slas, escalations, conditions, routes, rewrites, templates, workflows, releases.",
        ),
        (
            ("delete", "deployments", "sava"),
            "error: A deployment is removed by undeploying it: vamp undeploy sava",
        ),
        (
            ("deploy", "sava"),
            "error: Give a blueprint and a deployment name (vamp deploy sava:1.0 sava), not 'sava'.",
        ),
        (
            ("deploy", "-f", "x.yml", "a", "b"),
            "error: Give only the deployment's name after --file, not 'a', 'b'.",
        ),
        (
            ("merge", "sava:1.1", "nothing"),
            "error: There is no deployment 'nothing'; `vamp list deployments` shows the names.",
        ),
        (
            ("deploy", "nope", "sava"),
            "error: There is no blueprint 'nope'; `vamp list blueprints` shows the names.",
        ),
        (
            ("update-gateway", "sava/sava/webport"),
            "error: Say what to change: --weights ROUTE@N%,... or --route ROUTE with --condition/--strength.",
        ),
        (
            ("update-gateway", "sava/sava/webport", "--weights", "sava:1.1.0=10"),
            "error: Cannot read the weight 'sava:1.1.0=10': write ROUTE@N%, e.g. sava:1.1.0@10%.",
        ),
        (
            ("update-gateway", "sava/sava/webport", "--weights", "sava:9@10%"),
            "error: Gateway 'sava/sava/webport' has no route 'sava:9'; its routes are: "
            "sava/sava/sava:1.0.0/webport, sava/sava/sava:1.1.0/webport.",
        ),
        (
            ("update-gateway", "sava/sava/webport", "--weights", "sava:1.1.0@10%"),
            "error: routes: Total route weight must be either 0% or 100%: sava/sava/webport. "
            "The weights total 110% (routes without a weight share what the others leave).",
        ),
        (
            ("update-gateway", "sava/sava/webport", "--condition", "host == a"),
            "error: --condition and --strength change one route: name it with --route.",
        ),
        (
            ("undeploy", "sava", "--service", "sava:1.0.0"),
            "error: Invalid route weight in cluster 'sava/sava' - after updating the services and routes, "
            "weight 0% is invalid for port: 'webport'. Move all weight to the remaining services first, "
            "then slice.",
        ),
        (
            ("undeploy", "sava", "--service", "sava:9"),
            "error: Deployment 'sava' has no service 'sava:9'; its services are: sava:1.0.0, sava:1.1.0.",
        ),
        (("emit", "--type", "bad type!", "--tag", "a"), None),
    ],
)
def test_every_mistake_is_one_line_and_exit_code_1(
    served: Served, arguments: tuple[str, ...], message: str | None
) -> None:
    canary(served)

    result = served.vamp(*arguments)

    assert result.exit_code == 1
    assert len(lines(result.stderr)) == 1, result.stderr
    if message is not None:
        assert lines(result.stderr) == [message]


def test_an_unreachable_server_says_how_to_start_one() -> None:
    port = free_port()
    from typer.testing import CliRunner

    from vamp.interfaces.cli.main import app

    result = CliRunner().invoke(app, ["list", "deployments", "--server", f"http://127.0.0.1:{port}"])

    assert result.exit_code == 1
    assert lines(result.stderr) == [
        f"error: Cannot reach the Vamp server at http://127.0.0.1:{port} (connection refused). "
        "Start it with `vamp up` or set --server."
    ]


def test_deploy_from_a_file_and_undeploy_the_whole_deployment(served: Served, tmp_path: Path) -> None:
    blueprint = tmp_path / "sava.yml"
    blueprint.write_text(SAVA_1_0)

    deployed = served.vamp("deploy", "-f", str(blueprint), "shop")
    removed = served.vamp("undeploy", "shop")

    assert deployed.exit_code == 0, deployed.output
    assert lines(deployed.stdout)[0] == "Deployment shop: deploying"
    assert removed.exit_code == 0, removed.output
    assert lines(removed.stdout) == ["Deployment 'shop' is being removed."]
    stored = served.run(served.api.store.get("default", "deployments", "shop"))
    assert stored is not None
    statuses = [service["status"]["intention"] for service in stored.data["clusters"]["sava"]["services"]]
    assert statuses == ["Undeployment"]


def test_weights_and_conditions_are_changed_by_route_or_service_name(served: Served) -> None:
    canary(served)

    moved = served.vamp(
        "update-gateway", "sava/sava/webport", "--weights", "sava:1.0.0@90%,sava/sava/sava:1.1.0/webport@10"
    )
    conditioned = served.vamp(
        "update-gateway", "sava/sava/webport", "--route", "sava:1.1.0",
        "--condition", "user-agent == Firefox", "--strength", "50%", "--output", "json",
    )  # fmt: skip
    cleared = served.vamp("update-gateway", "sava/sava/webport", "--route", "sava:1.1.0", "--condition", "")

    assert moved.exit_code == 0, moved.output
    assert lines(moved.stdout)[2:] == [
        "sava/sava/sava:1.0.0/webport 90% -",
        "sava/sava/sava:1.1.0/webport 10% -",
    ]
    route = json.loads(conditioned.stdout)["routes"]["sava/sava/sava:1.1.0/webport"]
    assert (route["weight"], route["condition"], route["condition_strength"]) == (
        "10%",
        {"condition": "user-agent == Firefox"},
        "50%",
    )
    assert lines(cleared.stdout)[-1] == "sava/sava/sava:1.1.0/webport 10% 50% -"


def test_undeploy_one_service_after_moving_its_traffic(served: Served) -> None:
    canary(served)
    served.vamp("update-gateway", "sava/sava/webport", "--weights", "sava:1.0.0@0%,sava:1.1.0@100%")

    result = served.vamp("undeploy", "sava", "--service", "sava:1.0.0")

    assert result.exit_code == 0, result.output
    assert lines(result.stdout) == ["Service 'sava:1.0.0' of deployment 'sava' is being removed."]
    stored = served.run(served.api.store.get("default", "deployments", "sava"))
    assert stored is not None
    intentions = {
        service["breed"]["name"]: service["status"]["intention"]
        for service in stored.data["clusters"]["sava"]["services"]
    }
    assert intentions == {"sava:1.0.0": "Undeployment", "sava:1.1.0": "Deployment"}


def test_delete_removes_an_artifact(served: Served) -> None:
    served.vamp("create", "-f", "-", stdin=FOO)

    result = served.vamp("delete", "gateway", "foo")

    assert lines(result.stdout) == ["Deleted gateway 'foo'."]
    assert served.vamp("list", "gateways", "-o", "json").stdout.strip() == "[]"


def test_emit_publishes_and_events_shows_the_newest(served: Served) -> None:
    emitted = served.vamp(
        "emit", "--tag", "deployments:sava", "--tag", "canary", "--value", '{"step": 2}', "-o", "json"
    )
    served.vamp("emit", "--tag", "other", "--type", "release", "--value", "plain text")

    shown = served.vamp("events", "--tag", "deployments:sava", "-o", "json")
    table = served.vamp("events", "--type", "release")

    event = json.loads(emitted.stdout)
    assert (event["tags"], event["value"], event["type"]) == (
        ["deployments", "deployments:sava", "canary"],
        {"step": 2},
        "event",
    )
    assert [item["id"] for item in json.loads(shown.stdout)] == [event["id"]]
    assert lines(table.stdout) == [
        "TIME TYPE TAGS VALUE",
        "2024-05-01T12:00:00+00:00 release other plain text",
    ]


def test_events_show_an_events_own_plain_tags_but_not_those_its_other_tags_brought(served: Served) -> None:
    served.vamp("emit", "--tag", "workflows:canary", "--tag", "updated", "--value", "step")

    table = served.vamp("events", "--tag", "workflows:canary")

    assert lines(table.stdout) == [
        "TIME TYPE TAGS VALUE",
        "2024-05-01T12:00:00+00:00 event workflows:canary, updated step",
    ]


def test_metrics_show_the_gateway_and_each_route(served: Served) -> None:
    canary(served)
    served.api.metrics.report("default", "sava/sava/webport", None, requests=300, rate=5.0)
    served.api.metrics.report("default", "sava/sava/webport", "sava/sava/sava:1.0.0/webport", requests=300)

    table = served.vamp("metrics", "gateway", "sava/sava/webport", "--window", "60")
    data = served.vamp("metrics", "gateway", "sava/sava/webport", "--route", "sava:1.0.0", "-o", "json")

    assert lines(table.stdout) == [
        "ROUTE REQUESTS RATE/S 2XX 4XX 5XX P50 MS P95 MS P99 MS HEALTH",
        "sava/sava/webport 300 5.0 98 0 2 10.0 40.0 90.0 98%",
        "sava/sava/sava:1.0.0/webport 300 1.5 98 0 2 10.0 40.0 90.0 98%",
        "sava/sava/sava:1.1.0/webport - - - - - - - - -",
    ]
    assert served.api.metrics.windows[:3] == [60.0, 60.0, 60.0]
    assert json.loads(data.stdout)["sava/sava/sava:1.0.0/webport"]["requests"] == 300


def test_version_shows_the_cli_and_the_server(served: Served) -> None:
    result = served.vamp("version")

    assert lines(result.stdout) == ["vamp 0.1.0", f"server 0.1.0 at {served.url} (memory store)"]


def test_the_namespace_option_reaches_another_namespace(served: Served) -> None:
    served.vamp("create", "-f", "-", stdin=FOO)

    other = served.vamp("list", "gateways", "--namespace", "acme-prod", "-o", "json")
    bad = served.vamp("list", "gateways", "--namespace", "nope")

    assert json.loads(other.stdout) == []
    assert bad.exit_code == 1
    assert lines(bad.stderr)[0].startswith("error: Invalid namespace 'nope'")


def test_the_model_reads_what_the_cli_shows(served: Served) -> None:
    """``--output json`` of a deployment reads back as a deployment: scripts can trust it."""
    canary(served)

    data = json.loads(served.vamp("describe", "deployments", "sava", "-o", "json").stdout)

    assert data["name"] == "sava"
    assert model.Intention(data["clusters"]["sava"]["services"][0]["status"]["intention"])
