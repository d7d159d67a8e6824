"""Resolving blueprint references at deploy time (vamp.md §1.1, §3.1 step 1), and splitting inline breeds."""

from __future__ import annotations

import pytest

from tests.core.deployments.builders import SMALL, backend_breed, frontend_breed, sava_blueprint, sava_breed
from vamp import errors
from vamp.core import deployments, model
from vamp.core.units import Duration, Percentage

SLA = model.Sla(
    name="fast",
    type="response_time_sliding_window",
    threshold=model.Threshold(upper=1000, lower=100),
    window=model.Window(interval=Duration(600), cooldown=Duration(600)),
    escalations=(model.Ref(name="grow"),),
)
GROW = model.ScaleEscalation(name="grow", type="scale_instances", minimum=1, maximum=3, scale_by=1)
SHRINK = model.ScaleEscalation(name="shrink", type="scale_instances", minimum=1, maximum=3, scale_by=-1)
FIREFOX = model.Condition(name="firefox", definition="user-agent == Firefox")
V1 = model.Rewrite(name="v1", path="/v1/%[path] if { path_beg /api }")
HALF = model.Route(name="half", weight=Percentage.of(50), condition=model.Ref(name="firefox"))
STORE: dict[tuple[str, str], model.Artifact] = {
    ("breeds", "sava:1.0.0"): sava_breed(),
    ("breeds", "sava-backend:1.0.0"): backend_breed(),
    ("scales", "small"): SMALL,
    ("slas", "fast"): SLA,
    ("escalations", "grow"): GROW,
    ("escalations", "shrink"): SHRINK,
    ("escalations", "both"): model.GroupEscalation(
        name="both", type="to_all", escalations=(model.Ref(name="grow"), model.Ref(name="shrink"))
    ),
    ("escalations", "loop"): model.GroupEscalation(
        name="loop", type="to_one", escalations=(model.Ref(name="loop"),)
    ),
    ("conditions", "firefox"): FIREFOX,
    ("rewrites", "v1"): V1,
    ("routes", "half"): HALF,
}


def lookup(kind: str, name: str) -> model.Artifact | None:
    return STORE.get((kind, name))


def cluster_of(*services: model.Service, **fields: object) -> model.Blueprint:
    return model.Blueprint(name="bp", clusters={"sava": model.Cluster(services=services, **fields)})


def test_every_kind_of_reference_is_replaced_by_the_stored_artifact() -> None:
    blueprint = cluster_of(
        model.Service(breed=model.Ref(name="sava:1.0.0"), scale=model.Ref(name="small")),
        sla=model.Ref(name="fast"),
        gateways={
            "webport": model.Gateway(
                routes={
                    "sava:1.0.0": model.Route(
                        weight=Percentage.of(100),
                        condition=model.Ref(name="firefox"),
                        rewrites=(model.Ref(name="v1"),),
                    )
                }
            )
        },
    ).model_copy(
        update={"gateways": {"9050": model.Gateway(routes={"sava/webport": model.Ref(name="half")})}}
    )

    resolved = deployments.resolve_blueprint(blueprint, lookup)

    cluster = resolved.clusters["sava"]
    assert cluster.services[0].breed == sava_breed()
    assert cluster.services[0].scale == SMALL
    assert cluster.sla == SLA.model_copy(update={"escalations": (GROW,)})
    assert cluster.gateways["webport"].routes["sava:1.0.0"] == model.Route(
        weight=Percentage.of(100), condition=FIREFOX, rewrites=(V1,)
    )
    assert resolved.gateways["9050"].routes["sava/webport"] == HALF.model_copy(update={"condition": FIREFOX})
    assert deployments.resolve_blueprint(resolved, lookup) == resolved


@pytest.mark.parametrize(
    ("sla", "escalations"),
    [
        pytest.param(model.SlaReference(name="fast"), (GROW,), id="reference: the stored escalations"),
        pytest.param(
            model.SlaReference(name="fast", escalations=(model.Ref(name="shrink"),)),
            (SHRINK,),
            id="reference with escalations of its own",
        ),
        pytest.param(
            SLA.model_copy(update={"escalations": (model.Ref(name="both"),)}),
            (model.GroupEscalation(name="both", type="to_all", escalations=(GROW, SHRINK)),),
            id="group escalation by reference",
        ),
    ],
)
def test_sla_escalations_are_resolved(
    sla: model.Sla | model.SlaReference, escalations: tuple[model.Escalation, ...]
) -> None:
    resolved = deployments.resolve_blueprint(cluster_of(model.Service(breed=sava_breed()), sla=sla), lookup)

    assert resolved.clusters["sava"].sla == SLA.model_copy(update={"escalations": escalations})


def test_every_missing_reference_is_reported_at_its_path() -> None:
    blueprint = cluster_of(
        model.Service(breed=model.Ref(name="sava:9.9.9"), scale=model.Ref(name="huge")),
        model.Service(breed=sava_breed(dependencies={"db": model.Ref(name="mysql:5.7")})),
        sla=SLA.model_copy(update={"escalations": (model.Ref(name="grow"), model.Ref(name="panic"))}),
        gateways={
            "webport": model.Gateway(routes={"sava:1.0.0": model.Route(condition=model.Ref(name="chrome"))})
        },
    ).model_copy(
        update={
            "gateways": {
                "9050": model.Gateway(
                    routes={
                        "sava/webport": model.Route(rewrites=(model.Ref(name="v1"), model.Ref(name="v2")))
                    }
                )
            }
        }
    )

    with pytest.raises(errors.DslError) as caught:
        deployments.resolve_blueprint(blueprint, lookup)

    assert [(issue.path, issue.message) for issue in caught.value.issues] == [
        ("clusters.sava.services[0].breed", "Artifact cannot be found: breeds 'sava:9.9.9'."),
        ("clusters.sava.services[0].scale", "Artifact cannot be found: scales 'huge'."),
        ("clusters.sava.services[1].breed.dependencies.db", "Artifact cannot be found: breeds 'mysql:5.7'."),
        (
            "clusters.sava.gateways.webport.routes['sava:1.0.0'].condition",
            "Artifact cannot be found: conditions 'chrome'.",
        ),
        ("clusters.sava.sla.escalations[1]", "Artifact cannot be found: escalations 'panic'."),
        ("gateways.9050.routes.sava/webport.rewrites[1]", "Artifact cannot be found: rewrites 'v2'."),
    ]


def test_a_missing_sla_is_reported() -> None:
    blueprint = cluster_of(model.Service(breed=sava_breed()), sla=model.SlaReference(name="slow"))

    with pytest.raises(errors.DslError) as caught:
        deployments.resolve_blueprint(blueprint, lookup)

    assert str(caught.value) == "clusters.sava.sla: Artifact cannot be found: slas 'slow'."


def test_an_artifact_of_another_kind_does_not_resolve_a_reference() -> None:
    # The store holds a scale named "sava:1.0.0", not a breed.
    with pytest.raises(errors.DslError) as caught:
        deployments.resolve_blueprint(
            cluster_of(model.Service(breed=model.Ref(name="sava:1.0.0"))), lambda k, n: SMALL
        )

    assert (
        str(caught.value) == "clusters.sava.services[0].breed: Artifact cannot be found: breeds 'sava:1.0.0'."
    )


@pytest.mark.parametrize(
    ("dependency", "resolved"),
    [
        pytest.param("sava-backend:1.0.0", backend_breed(), id="a breed of the blueprint"),
        pytest.param("sava-backend:*", backend_breed(), id="a wildcard a breed of the blueprint matches"),
        pytest.param("sava:1.0.0", sava_breed(), id="a stored breed"),
        pytest.param("mysql:5.*", model.Ref(name="mysql:5.*"), id="a wildcard left for the merge to match"),
    ],
)
def test_dependencies_resolve_to_the_blueprints_breeds_first_then_the_stores(
    dependency: str, resolved: model.Breed | model.Ref
) -> None:
    blueprint = cluster_of(
        model.Service(breed=frontend_breed(dependency)), model.Service(breed=backend_breed())
    )

    result = deployments.resolve_blueprint(blueprint, lookup)

    assert result.clusters["sava"].services[0].breed.dependencies == {"backend": resolved}  # type: ignore[union-attr]


def test_cyclic_dependencies_by_reference_are_reported() -> None:
    backend = backend_breed().model_copy(
        update={"dependencies": {"front": model.Ref(name="sava-frontend:1.0.0")}}
    )
    blueprint = cluster_of(model.Service(breed=frontend_breed()), model.Service(breed=backend))

    with pytest.raises(errors.DslError) as caught:
        deployments.resolve_blueprint(blueprint, lookup)

    assert [(issue.path, issue.message) for issue in caught.value.issues] == [
        (
            "clusters.sava.services[0].breed.dependencies.backend.dependencies.front",
            "Recursive (cyclic) dependency detected for breed 'sava-frontend:1.0.0'. A breed cannot depend, "
            "directly or through others, on itself: sava-frontend:1.0.0 -> sava-backend:1.0.0 -> "
            "sava-frontend:1.0.0.",
        ),
        (
            "clusters.sava.services[1].breed.dependencies.front.dependencies.backend",
            "Recursive (cyclic) dependency detected for breed 'sava-backend:1.0.0'. A breed cannot depend, "
            "directly or through others, on itself: sava-backend:1.0.0 -> sava-frontend:1.0.0 -> "
            "sava-backend:1.0.0.",
        ),
    ]


def test_an_escalation_that_contains_itself_is_reported() -> None:
    sla = SLA.model_copy(update={"escalations": (model.Ref(name="loop"),)})

    with pytest.raises(errors.DslError) as caught:
        deployments.resolve_blueprint(cluster_of(model.Service(breed=sava_breed()), sla=sla), lookup)

    assert str(caught.value) == (
        "clusters.sava.sla.escalations[0].escalations[0]: "
        "Recursive escalation reference detected for escalation 'loop'."
    )


def test_inline_breeds_are_split_out_once_each_with_their_dependencies_by_reference() -> None:
    frontend = frontend_breed().model_copy(update={"dependencies": {"backend": backend_breed()}})
    blueprint = cluster_of(
        model.Service(breed=frontend),
        model.Service(breed=backend_breed()),
        model.Service(breed=model.Ref(name="sava:1.0.0")),
    )

    assert deployments.inline_breeds(blueprint) == [frontend_breed(), backend_breed()]


def test_with_breed_references_refers_to_every_service_breed_by_name() -> None:
    blueprint = deployments.with_breed_references(sava_blueprint())

    service = blueprint.clusters["sava"].services[0]
    assert service.breed == model.Ref(name="sava:1.0.0")
    assert service.scale == SMALL
    assert blueprint.gateways == sava_blueprint().gateways
