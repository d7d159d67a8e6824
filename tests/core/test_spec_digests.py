"""The digests of what runtimes run (``runtime.spec_digest``): a service's and a workflow's spec.

A digest is kept beside every running instance and workflow (in the local driver's records, in
Kubernetes' annotations), and a different one means "start it again": so these values are pinned, and a
change to how digests are computed, which would restart everything a server runs on its upgrade, fails
here first.
"""

from __future__ import annotations

from datetime import UTC, datetime

from vamp.core import model, runtime
from vamp.core.units import Cpu, Duration, Memory
from vamp.core.workflows import runs

DEPLOYABLE = model.Deployable(type="command", definition="python3 -m http.server $PORT")
SCALE = model.Scale(cpu=Cpu(50), memory=Memory(256 * 1024 * 1024), instances=2)


def service_spec(**changes: object) -> runtime.ServiceSpec:
    spec = runtime.ServiceSpec(
        key=runtime.ServiceKey("default", "sava", "sava", "sava:1.0.0"),
        deployable=DEPLOYABLE,
        ports=(model.Port(name="webport", number=8080),),
        environment={"PORT": "8080"},
        scale=SCALE,
        health_checks=(
            model.HealthCheck(
                port="webport",
                path="/",
                initial_delay=Duration(5),
                timeout=Duration(5),
                interval=Duration(5),
                failures=3,
            ),
        ),
        arguments=(model.Argument(key="privileged", value="false"),),
        labels={"deployment": "sava"},
        dialects={"docker": {"network": "host"}},
    )
    return runtime.ServiceSpec(**{**{slot: getattr(spec, slot) for slot in spec.__slots__}, **changes})


def workflow_spec(**changes: object) -> runs.WorkflowSpec:
    spec = runs.WorkflowSpec(
        key=runs.WorkflowKey("default", "canary"),
        schedule=runs.ScheduleKind.TIME,
        deployable=DEPLOYABLE,
        environment={"VAMP_NAMESPACE": "default"},
        scale=SCALE,
        period=60.0,
        timeout=30.0,
        timing=runs.Timing(datetime(2026, 3, 1, 9, 0, tzinfo=UTC), 60.0, "PT1M", 3),
        tags=("deployments",),
        arguments=(model.Argument(key="privileged", value="false"),),
        labels={"workflow": "canary"},
        dialects={"kubernetes": {"serviceAccount": "vamp"}},
    )
    return runs.WorkflowSpec(**{**{slot: getattr(spec, slot) for slot in spec.__slots__}, **changes})


def test_a_service_specs_digest_is_the_one_earlier_versions_computed() -> None:
    spec = service_spec()
    assert (spec.digest, spec.instance_digest) == (SERVICE_DIGEST, SERVICE_INSTANCE_DIGEST)


def test_a_workflow_specs_digest_is_the_one_earlier_versions_computed() -> None:
    assert workflow_spec().digest == WORKFLOW_DIGEST
    assert workflow_spec(timing=None).digest == WORKFLOW_UNTIMED_DIGEST


def test_the_key_is_not_in_the_digest_and_what_runs_is() -> None:
    assert service_spec(key=runtime.ServiceKey("other", "a", "b", "c")).digest == SERVICE_DIGEST
    assert workflow_spec(key=runs.WorkflowKey("other", "other")).digest == WORKFLOW_DIGEST
    assert service_spec(environment={"PORT": "8081"}).digest != SERVICE_DIGEST
    assert workflow_spec(environment={}).digest != WORKFLOW_DIGEST


SERVICE_DIGEST = "b2bfb5d6b79309cd"
SERVICE_INSTANCE_DIGEST = "d3fdf5f70c17e886"
WORKFLOW_DIGEST = "dc592a6986ab19d5"
WORKFLOW_UNTIMED_DIGEST = "6d2813ad7bcd6351"
"""As computed before the two specs' digests became one definition (``runtime.spec_digest``)."""
