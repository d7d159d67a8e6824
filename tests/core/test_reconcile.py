"""The reconciler's decisions for a deploying service (vamp.md §3.4): following what the driver reports.

Inputs are deployments (merged as the API merges them) and what a driver reports; outputs are the
statuses a user reads, the driver actions and the events, with their exact messages and tags.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.core.deployments.builders import LARGE, NOW, sava_blueprint, sava_breed
from tests.core.reconcile_builders import (
    CANARY,
    DONE,
    ERROR,
    FAILED,
    SAVA,
    SERVICE_TAGS,
    SOON,
    UPDATING,
    actions,
    decide,
    deploy,
    in_phase,
    key,
    phases,
    state,
    tags,
)
from vamp.core import model
from vamp.core.reconcile import deployment as reconcile


@pytest.mark.parametrize(
    ("observed", "phase", "note", "expected_actions", "expected_tags"),
    [
        pytest.param({}, "Updating", "deploying", [f"deploy {key()}"], [UPDATING], id="nothing runs: deploy"),
        pytest.param(
            {"digest": "0123456789abcdef"},
            "Updating",
            "redeploying: the running instances have another spec",
            [f"deploy {key()}"],
            [UPDATING, (*SERVICE_TAGS, "synchronization:redeploy")],
            id="another spec runs: redeploy",
        ),
        pytest.param(
            {"ready": 1},
            "Done",
            None,
            [],
            [DONE, (*SERVICE_TAGS, "synchronization:deployed")],
            id="all ready: done",
        ),
        pytest.param(
            {"ready": 0, "running": 1},
            "Updating",
            "0 of 1 instances ready, 1 running",
            [],
            [UPDATING],
            id="not ready yet: updating",
        ),
        pytest.param(
            {"ready": 2},
            "Updating",
            "2 of 1 instances ready, 2 running",
            [],
            [UPDATING],
            id="too many instances",
        ),
        pytest.param(
            {"failure": "the command 'sava' exited at once with status 1"},
            "Failed",
            ERROR + "the command 'sava' exited at once with status 1",
            [],
            [FAILED],
            id="the driver says why it fails",
        ),
    ],
)
def test_a_deploying_service_follows_what_the_driver_reports(
    observed, phase, note, expected_actions, expected_tags
):
    deployment = deploy()
    reported = () if not observed else (state(deployment, **observed),)

    decision = decide(deployment, *reported)

    assert phases(decision) == {SAVA: (phase, note)}
    assert actions(decision) == expected_actions
    assert tags(decision) == expected_tags
    assert all(event.timestamp == SOON for event in decision.events)


def test_instances_are_recorded_as_the_driver_reports_them():
    deployment = deploy()

    decision = decide(deployment, state(deployment, ready=1, running=2))

    assert decision.deployment is not None
    assert decision.deployment.clusters["sava"].services[0].instances == (
        model.Instance(name=f"{SAVA}-0", host="10.1.0.7", ports={"webport": 31000}, deployed=True),
        model.Instance(name=f"{SAVA}-1", host="10.1.0.7", ports={"webport": 31001}, deployed=False),
    )


def test_a_phase_event_says_why():
    decision = decide(deploy(), state(deploy(), failure="image not found"))

    assert decision.events[0].type == "deployment-service"
    assert decision.events[0].value == {
        "intention": "Deployment",
        "phase": "Failed",
        "reason": ERROR + "image not found",
    }


@pytest.mark.parametrize("ready", [0, 1], ids=["updating", "done"])
def test_deciding_again_on_the_same_observation_changes_nothing(ready):
    deployment = deploy()
    first = decide(deployment, state(deployment, ready=ready, running=1))
    assert first.deployment is not None

    second = decide(
        first.deployment, state(deployment, ready=ready, running=1), now=SOON + timedelta(seconds=5)
    )

    assert second.deployment == first.deployment
    assert (second.actions, second.events) == ((), ())


def test_entering_a_phase_starts_its_clock_and_staying_keeps_it():
    first = decide(deploy())
    assert first.deployment is not None
    second = decide(first.deployment, state(deploy(), ready=0), now=SOON + timedelta(seconds=30))

    assert second.deployment is not None
    phase = second.deployment.clusters["sava"].services[0].status.phase
    assert (phase.name, phase.since) == (model.PhaseName.UPDATING, SOON)


@pytest.mark.parametrize(
    ("waited", "timeout", "phase"),
    [
        pytest.param(599, 600, "Updating", id="within the timeout"),
        pytest.param(600, 600, "Failed", id="at the timeout"),
        pytest.param(86_400, 0, "Updating", id="zero never times out"),
        pytest.param(2, 1.5, "Failed", id="a timeout of a fraction of a second"),
    ],
)
def test_a_service_that_does_not_get_done_in_time_fails(waited, timeout, phase):
    deployment = in_phase(deploy(), model.PhaseName.UPDATING, note="0 of 1 instances ready, 1 running")

    decision = decide(
        deployment,
        state(deployment, ready=0, digest="0123456789abcdef"),
        now=NOW + timedelta(seconds=waited),
        timeout=timedelta(seconds=timeout),
    )

    assert phases(decision)[SAVA][0] == phase
    if phase == "Failed":
        assert (
            phases(decision)[SAVA][1]
            == ERROR + f"not done within {timeout} s (redeploying: the running instances have another spec)"
        )
        assert actions(decision) == []


def test_a_failed_deployment_is_not_deployed_again_until_it_comes_good():
    deployment = in_phase(deploy(), model.PhaseName.FAILED, note=ERROR + "boom")

    waiting = decide(deployment)
    still_another_spec = decide(deployment, state(deployment, digest="0123456789abcdef"))
    unresolvable = decide(with_self_reference(deployment), state(deployment))
    recovered = decide(deployment, state(deployment))

    for decision in (waiting, still_another_spec, unresolvable):
        assert (actions(decision), phases(decision)) == ([], {SAVA: ("Failed", ERROR + "boom")})
    assert phases(recovered) == {SAVA: ("Done", "recovered: every instance is ready")}
    assert tags(recovered)[-1] == (*SERVICE_TAGS, "synchronization:deployed")


def with_self_reference(deployment: model.Deployment) -> model.Deployment:
    """The deployment with sava's breed referring to its own gateway port, which may not be assigned yet."""
    cluster = deployment.clusters["sava"]
    service = cluster.services[0]
    variable = model.EnvironmentVariable(name="SELF", value="$sava.ports.webport")
    breed = service.breed.model_copy(update={"environment_variables": (variable,)})
    services = (service.model_copy(update={"breed": breed}),)
    return deployment.model_copy(
        update={"clusters": {"sava": cluster.model_copy(update={"services": services})}}
    )


def test_a_service_whose_environment_cannot_be_resolved_yet_waits_and_says_why():
    waiting = decide(with_self_reference(deploy()))
    ready = decide(with_self_reference(deploy()).model_copy(update={"ports": {"sava.webport": 40001}}))

    assert phases(waiting) == {
        SAVA: (
            "Initiated",
            "Unresolved reference '$sava.ports.webport' in variable 'SELF' of breed 'sava:1.0.0': "
            "the gateway port of 'sava.webport' is not assigned yet.",
        )
    }
    assert actions(waiting) == []
    assert isinstance(ready.actions[0], reconcile.Deploy)
    assert ready.actions[0].spec.environment == {"SELF": "40001"}


def test_a_failed_action_is_recorded_and_the_phase_kept():
    deployment = deploy()

    decision = decide(
        deployment, failures={key(): "Kubernetes refused the Deployment 'sava': quota exceeded"}
    )

    assert phases(decision) == {
        SAVA: ("Initiated", "Kubernetes refused the Deployment 'sava': quota exceeded")
    }
    assert decision.events == ()


def test_merging_a_canary_deploys_it_and_leaves_the_running_version_alone():
    running = in_phase(deploy(), model.PhaseName.DONE)
    merged = deploy(sava_blueprint("1.1.0"), into=running)

    decision = decide(merged, state(merged))

    assert actions(decision) == [f"deploy {key(CANARY)}"]
    assert phases(decision) == {SAVA: ("Done", None), CANARY: ("Updating", "deploying")}


@pytest.mark.parametrize(
    "changed",
    [
        pytest.param(sava_blueprint(scale=LARGE), id="scale"),
        pytest.param(
            sava_blueprint(breed=sava_breed(deployable=model.Deployable(definition="sava:9"))), id="image"
        ),
        pytest.param(
            sava_blueprint(
                breed=sava_breed(
                    environment_variables=(
                        model.EnvironmentVariable(name="DEBUG", alias="SAVA_DEBUG", value="true"),
                    )
                )
            ),
            id="environment",
        ),
    ],
)
def test_any_change_to_what_a_service_runs_with_redeploys_it(changed):
    running = in_phase(deploy(), model.PhaseName.DONE)
    observed = state(running)
    merged = deploy(changed, into=running)

    decision = decide(merged, observed)

    assert actions(decision) == [f"deploy {key()}"]
    assert tags(decision)[-1] == (*SERVICE_TAGS, "synchronization:redeploy")
    assert isinstance(decision.actions[0], reconcile.Deploy)
    assert decision.actions[0].spec.digest != observed.digest
