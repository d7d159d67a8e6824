"""Writing: canonical YAML and plain data, golden files, and what canonical means in detail."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from vamp.core import dsl, model
from vamp.core.units import Cpu, Duration, Memory, Percentage

DATA = Path(__file__).parents[2] / "data" / "dsl"


@pytest.mark.parametrize(
    ("name", "kind"),
    [("sava-1.1", "blueprints"), ("sava-backend", "blueprints"), ("sava-deployment", "deployments")],
)
def test_documents_are_written_in_canonical_form(name: str, kind: str) -> None:
    artifacts = dsl.read((DATA / f"{name}.yml").read_text(), kind=kind)
    canonical = (DATA / f"{name}.canonical.yml").read_text()
    assert dsl.write(artifacts) == canonical
    assert dsl.read(canonical) == artifacts


def test_several_artifacts_are_several_documents() -> None:
    scales = [model.Scale(name=name, cpu=Cpu(100), memory=Memory(100_000)) for name in ("a", "b")]
    assert dsl.write(scales) == (
        "name: a\nkind: scales\ncpu: '1.00'\nmemory: 1000.00MB\n---\nname: b\nkind: scales\ncpu: '1.00'\n"
        "memory: 1000.00MB\n"
    )


def test_plain_data_keeps_the_canonical_order_and_leaves_defaults_out() -> None:
    breed = model.Breed(
        name="sava:1.0.0",
        deployable=model.Deployable(definition="magneticio/sava:1.0.0"),
        ports=(
            model.Port(name="webport", number=8080),
            model.Port(name="later"),
            model.Port(name="raw", protocol=model.Protocol.TCP),
        ),
        environment_variables=(model.EnvironmentVariable(name="DEBUG", alias="SAVA_DEBUG", value="true"),),
        dependencies={"db": model.Ref(name="mysql:1.*")},
        health_checks=(),
        metadata={"owner": "shop"},
    )
    data = dsl.to_data(breed)
    assert list(data) == [
        "name",
        "kind",
        "metadata",
        "deployable",
        "ports",
        "environment_variables",
        "dependencies",
        "health_checks",
    ]
    assert data["ports"] == {"webport": "8080/http", "later": None, "raw": "/tcp"}
    assert data["environment_variables"] == {"DEBUG[SAVA_DEBUG]": "true"}
    assert data["dependencies"] == {"db": {"reference": "mysql:1.*"}}
    assert data["health_checks"] == []


def test_units_print_as_their_canonical_strings() -> None:
    route = model.Route(name="r", weight=Percentage(50), condition_strength=Percentage.of(100))
    scale = model.Scale(name="s", cpu=Cpu(20), memory=Memory(6400), instances=2)
    check = model.HealthCheck(
        port="web", initial_delay=Duration(10), timeout=Duration(5), interval=Duration(60), failures=0
    )
    breed = model.Breed(name="b", deployable=model.Deployable(definition="x"), health_checks=(check,))
    assert dsl.to_data(route) == {
        "name": "r",
        "kind": "routes",
        "weight": "0.5%",
        "condition_strength": "100%",
    }
    assert dsl.to_data(scale) == {
        "name": "s",
        "kind": "scales",
        "cpu": "0.20",
        "memory": "64.00MB",
        "instances": 2,
    }
    assert dsl.to_data(breed)["health_checks"] == [
        {"port": "web", "initial_delay": "10s", "timeout": "5s", "interval": "60s", "failures": 0}
    ]


def test_strings_that_yaml_would_read_as_something_else_are_quoted() -> None:
    breed = model.Breed(
        name="b",
        deployable=model.Deployable(definition="x"),
        environment_variables=tuple(
            model.EnvironmentVariable(name=f"V{index}", value=value)
            for index, value in enumerate(["true", "1200", "~", "2024-01-31", "1:30", "", "# not a comment"])
        ),
    )
    text = dsl.write([breed])
    assert "V0: 'true'\n  V1: '1200'\n  V2: '~'\n  V3: '2024-01-31'\n  V4: '1:30'\n  V5: ''\n" in text
    assert dsl.read(text) == [breed]


def test_references_are_written_in_full() -> None:
    cluster = model.Cluster(
        services=(model.Service(breed=model.Ref(name="sava:1.0.0"), scale=model.Ref(name="small")),),
        sla=model.SlaReference(name="response-times"),
    )
    blueprint = model.Blueprint(name="bp", clusters={"sava": cluster})
    assert dsl.to_data(blueprint)["clusters"] == {
        "sava": {
            "services": [{"breed": {"reference": "sava:1.0.0"}, "scale": {"reference": "small"}}],
            "sla": {"reference": "response-times", "escalations": []},
        }
    }


def test_schedules_and_times_are_written_in_full() -> None:
    workflow = model.Workflow(
        name="w",
        breed=model.Ref(name="metrics"),
        schedule=model.TimeSchedule(period="PT1M", start=datetime(2024, 5, 1, 10, 0), repeat=3),
    )
    assert dsl.to_data(workflow)["schedule"] == {
        "time": {"period": "PT1M", "start": "2024-05-01T10:00:00", "repeat": 3}
    }
    events = model.Workflow(name="w", breed=model.Ref(name="m"), schedule=model.EventSchedule(tags=("a",)))
    assert dsl.to_data(events)["schedule"] == {"event": {"tags": ["a"]}}
