"""Deployments (vamp.md §1.6): Vamp's GET shape read back, and read as the blueprint it describes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.core.dsl.outcomes import messages
from vamp.core import dsl, model
from vamp.core.units import Cpu, Duration, Memory, Percentage

DATA = Path(__file__).parents[2] / "data" / "dsl"
TEXT = (DATA / "sava-deployment.yml").read_text()
BREED = model.Breed(
    name="sava:1.0.0",
    deployable=model.Deployable(definition="magneticio/sava:1.0.0"),
    ports=(model.Port(name="webport", number=8080),),
    environment_variables=(model.EnvironmentVariable(name="DEBUG"),),
)
SCALE = model.Scale(cpu=Cpu(20), memory=Memory(6400))


def test_a_deployment_reads_with_status_instances_and_assigned_ports() -> None:
    (deployment,) = dsl.read(TEXT)
    assert isinstance(deployment, model.Deployment)
    (service,) = deployment.clusters["sava"].services
    assert service == model.DeploymentService(
        breed=BREED,
        scale=SCALE,
        status=model.ServiceStatus(
            intention=model.Intention.DEPLOYMENT,
            since=datetime(2024, 5, 1, 10, 0, tzinfo=UTC),
            phase=model.Phase(name=model.PhaseName.DONE, since=datetime(2024, 5, 1, 10, 0, 30, tzinfo=UTC)),
        ),
        environment_variables={"DEBUG": "1"},
        arguments=(model.Argument(key="privileged", value="true"),),
        network="BRIDGE",
        instances=(model.Instance(name="sava-1-0-0-5f7b9", host="10.0.0.12", ports={"webport": 8080}),),
    )
    assert deployment.clusters["sava"].gateways == {
        "webport": model.Gateway(
            port=model.GatewayPort(number=40001),
            virtual_hosts=("webport.sava.sava.vamp",),
            routes={"sava:1.0.0": model.Route(weight=Percentage.of(100))},
        )
    }
    assert deployment.gateways == {
        "9050": model.Gateway(
            port=model.GatewayPort(number=9050),
            routes={"sava/sava/webport": model.Route(weight=Percentage.of(100))},
        )
    }
    assert (deployment.ports, deployment.environment_variables, deployment.hosts) == (
        {"sava.webport": 40001},
        {"sava.DEBUG": "1"},
        {"sava": "10.0.0.5"},
    )


def test_a_deployment_document_merges_as_the_blueprint_it_describes() -> None:
    (blueprint,) = dsl.read(TEXT, kind="blueprints", merging=True)
    assert blueprint == model.Blueprint(
        name="sava",
        gateways={
            "9050": model.Gateway(
                port=model.GatewayPort(number=9050),
                routes={"sava/webport": model.Route(weight=Percentage.of(100))},
            )
        },
        environment_variables={"sava.DEBUG": "1"},
        clusters={
            "sava": model.Cluster(
                services=(
                    model.Service(
                        breed=BREED,
                        scale=SCALE,
                        environment_variables={"DEBUG": "1"},
                        arguments=(model.Argument(key="privileged", value="true"),),
                        network="BRIDGE",
                    ),
                ),
                gateways={
                    "webport": model.Gateway(
                        virtual_hosts=("webport.sava.sava.vamp",),
                        routes={"sava:1.0.0": model.Route(weight=Percentage.of(100))},
                    )
                },
            )
        },
    )


def test_a_deployment_document_is_no_blueprint_unless_merging() -> None:
    assert messages(TEXT, "blueprints") == [
        ("kind", "Inconsistent kind: given 'deployments' but found 'blueprints'.")
    ]


SERVICE = """\
name: sava
clusters:
  sava:
    services:
      - status:
          intention: Deployment
          since: 2024-05-01T10:00:00Z
          phase: {name: Initiated, since: 2024-05-01}
        breed: {name: sava:1.0.0, deployable: magneticio/sava:1.0.0}
        scale: {cpu: 1, memory: 1GB}
"""


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "breed: {name: sava:1.0.0, deployable: magneticio/sava:1.0.0}",
            "breed: sava:1.0.0",
            [
                (
                    "clusters.sava.services[0].breed",
                    "A deployment service needs its full breed, not a reference; give the breed inline.",
                )
            ],
        ),
        (
            "scale: {cpu: 1, memory: 1GB}",
            "scale: {reference: small}",
            [
                (
                    "clusters.sava.services[0].scale",
                    "A deployment service needs its full scale, not a reference; give the scale inline.",
                )
            ],
        ),
        (
            "intention: Deployment",
            "intention: Deploy",
            [
                (
                    "clusters.sava.services[0].status.intention",
                    "Undefined intention: Deploy; valid values are: Deployment, Undeployment.",
                )
            ],
        ),
        (
            "name: Initiated",
            "name: Waiting",
            [
                (
                    "clusters.sava.services[0].status.phase.name",
                    "Undefined phase: Waiting; valid values are: Initiated, Updating, Done, Failed.",
                )
            ],
        ),
        (
            "since: 2024-05-01}",
            "since: yesterday}",
            [
                (
                    "clusters.sava.services[0].status.phase.since",
                    "Expected an ISO-8601 time such as '2024-01-31T12:00:00Z', not 'yesterday'.",
                )
            ],
        ),
        (
            "        scale: {cpu: 1, memory: 1GB}\n",
            "",
            [("clusters.sava.services[0].scale", "Missing required key 'scale' in deployment service.")],
        ),
    ],
)
def test_what_is_not_a_deployment_is_an_issue(old: str, new: str, expected: list[tuple[str, str]]) -> None:
    assert old in SERVICE
    assert messages(SERVICE.replace(old, new), "deployments") == expected


def test_deployment_rules_are_checked_on_read() -> None:
    text = TEXT.replace("      webport:\n        name:", "      admin:\n        name:").replace(
        "          sava:1.0.0:\n            lookup_name", "          sava:2.0.0:\n            lookup_name"
    )
    assert messages(text) == [
        (
            "clusters.sava.gateways.admin",
            "Gateway port 'admin' cannot be resolved: no breed of cluster 'sava' has a port named 'admin' "
            "(ports: 'webport').",
        ),
        (
            "clusters.sava.gateways.admin.routes['sava:2.0.0']",
            "Unresolved service route for 'sava' and 'sava:2.0.0'; the services are: 'sava:1.0.0'.",
        ),
    ]


def test_a_deployed_sla_keeps_the_names_of_the_stored_sla_and_escalations_it_was_resolved_from() -> None:
    grow = model.ScaleEscalation(name="grow", type="scale_instances", minimum=1, maximum=3, scale_by=1)
    sla = model.Sla(
        name="fast",
        type="response_time_sliding_window",
        threshold=model.Threshold(upper=150, lower=50),
        window=model.Window(interval=Duration(10), cooldown=Duration(20)),
        escalations=(model.GroupEscalation(name="either", type="to_one", escalations=(grow,)), grow),
    )
    (deployment,) = dsl.read(TEXT)
    assert isinstance(deployment, model.Deployment)
    for cluster_sla in (sla, sla.model_copy(update={"name": None})):
        cluster = deployment.clusters["sava"].model_copy(update={"sla": cluster_sla})
        resolved = deployment.model_copy(update={"clusters": {"sava": cluster}})

        assert dsl.read(dsl.write([resolved])) == [resolved]
