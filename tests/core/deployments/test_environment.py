"""The environment of a deployed service (vamp.md §1.8): scopes, every reference form, what cannot resolve."""

from __future__ import annotations

import pytest

from tests.core.deployments.builders import HOST, NOW, backend_breed
from vamp import errors
from vamp.core import deployments, model

FRONTEND = "sava-frontend:1.0.0"


def shop(
    value: str | None = "plain",
    *,
    cluster_scope: dict[str, str | None] | None = None,
    service_scope: dict[str, str | None] | None = None,
    ports: dict[str, int] | None = None,
) -> model.Deployment:
    """``frontend`` depends on ``backend`` by the alias ``api``; its variable ``X`` holds ``value``.

    ``X`` is set after merging: merging validates references in breed values (only dependency
    aliases may be named there) and refuses placeholders no scope fills, and these tests are about
    what the environment does with any value a deployment may hold.
    """
    backend = backend_breed().model_copy(
        update={
            "environment_variables": (
                model.EnvironmentVariable(name="DB_USER", value="admin"),
                model.EnvironmentVariable(name="DB_URL", value="db://$DB_USER@$SCHEMA"),
            ),
            "constants": (model.Constant(name="SCHEMA", value="customers"),),
        }
    )
    frontend = model.Breed(
        name=FRONTEND,
        deployable=model.Deployable(definition="magneticio/sava-frontend:1.0.0"),
        ports=(model.Port(name="webport", number=8080),),
        environment_variables=(
            model.EnvironmentVariable(name="X", value="plain"),
            model.EnvironmentVariable(name="OTHER", alias="SAVA_OTHER", value="o1"),
        ),
        constants=(model.Constant(name="LOCAL_CONST", value="c1"),),
        dependencies={"api": model.Ref(name="sava-backend:1.*")},
    )
    blueprint = model.Blueprint(
        name="shop",
        clusters={
            "frontend": model.Cluster(
                services=(model.Service(breed=frontend, environment_variables=service_scope or {}),)
            ),
            "backend": model.Cluster(services=(model.Service(breed=backend),)),
        },
        environment_variables=cluster_scope or {},
    )
    deployment = deployments.merge(None, blueprint, name="shop", now=NOW, host=HOST)
    cluster = deployment.clusters["frontend"]
    service = cluster.services[0]
    variables = (model.EnvironmentVariable(name="X", value=value), *service.breed.environment_variables[1:])
    breed = service.breed.model_copy(update={"environment_variables": variables})
    services = (service.model_copy(update={"breed": breed}),)
    clusters = {**deployment.clusters, "frontend": cluster.model_copy(update={"services": services})}
    given_ports = {"frontend.webport": 40001, "backend.webport": 40002} if ports is None else ports
    return deployment.model_copy(update={"clusters": clusters, "ports": given_ports})


def x_of(deployment: model.Deployment, **options: object) -> str:
    return deployments.service_environment(deployment, "frontend", FRONTEND, **options)["X"]  # type: ignore[arg-type]


def test_every_variable_is_injected_under_its_alias_or_name() -> None:
    assert deployments.service_environment(shop(), "frontend", FRONTEND) == {"X": "plain", "SAVA_OTHER": "o1"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("plain", "plain"),
        ("$backend.host", HOST),
        ("http://$api.host:$api.ports.webport/api", f"http://{HOST}:40002/api"),
        ("${api.host}:${api.ports.webport}", f"{HOST}:40002"),
        ("$frontend.ports.webport", "40001"),
        ("$backend.environment_variables.DB_USER", "admin"),
        ("$api.environment_variables.DB_URL", "db://admin@customers"),
        ("$api.constants.SCHEMA", "customers"),
        ("${api.constants.SCHEMA}_v2", "customers_v2"),
        ("${OTHER}-$LOCAL_CONST", "o1-c1"),
        ("$SAVA_OTHER", "o1"),
        ("${OTHER}.txt", "o1.txt"),
        ("$$HOME costs $$5", "$HOME costs $5"),
    ],
)
def test_references_are_replaced_by_their_values(value: str, expected: str) -> None:
    assert x_of(shop(value)) == expected


def test_gateway_ports_fill_in_ports_the_deployment_has_no_number_for() -> None:
    deployment = shop("$api.ports.webport", ports={})

    assert x_of(deployment, gateway_ports={"backend.webport": 40009}) == "40009"


@pytest.mark.parametrize(
    ("breed", "cluster", "service", "expected"),
    [
        pytest.param("b", None, None, "b", id="breed"),
        pytest.param("b", "c", None, "c", id="cluster over breed"),
        pytest.param("b", "c", "s", "s", id="service over cluster"),
        pytest.param("b", None, "s", "s", id="service over breed"),
        pytest.param(None, "c", None, "c", id="cluster fills a placeholder"),
        pytest.param(None, None, "s", "s", id="service fills a placeholder"),
    ],
)
def test_the_highest_scope_with_a_value_wins(
    breed: str | None, cluster: str | None, service: str | None, expected: str
) -> None:
    deployment = shop(
        breed,
        cluster_scope={"frontend.X": cluster} if cluster else None,
        service_scope={"X": service} if service else None,
    )

    assert x_of(deployment) == expected


def test_a_value_referring_to_a_variable_uses_that_variables_scopes() -> None:
    deployment = shop("[$OTHER]", cluster_scope={"frontend.OTHER": "from cluster"})

    assert x_of(deployment) == "[from cluster]"


def unresolved(reference: str, reason: str) -> str:
    return f"Unresolved reference '{reference}' in variable 'X' of breed '{FRONTEND}': {reason}."


@pytest.mark.parametrize(
    ("deployment", "message"),
    [
        pytest.param(
            shop(None),
            f"Unresolved value of variable 'X' for breed '{FRONTEND}'. Give it a value in the blueprint "
            "(environment_variables: {frontend.X: ...}) or in the service's environment_variables.",
            id="placeholder",
        ),
        pytest.param(
            shop("$NOPE"),
            unresolved(
                "$NOPE",
                f"breed '{FRONTEND}' has no environment variable or constant 'NOPE'; "
                "it has: X, OTHER, LOCAL_CONST",
            ),
            id="local",
        ),
        pytest.param(
            shop("$OTHER-$LOCAL_CONST"),
            unresolved(
                "$OTHER-",
                f"breed '{FRONTEND}' has no environment variable or constant 'OTHER-'; "
                "it has: X, OTHER, LOCAL_CONST",
            ),
            id="a name runs on over '-': braces end it",
        ),
        pytest.param(
            shop("$nowhere.host"),
            unresolved(
                "$nowhere.host",
                "there is no cluster 'nowhere' in deployment 'shop'; clusters: frontend, backend; "
                "dependency aliases: api",
            ),
            id="cluster",
        ),
        pytest.param(
            shop("$api.host").model_copy(update={"hosts": {}}),
            unresolved("$api.host", "no host is known for cluster 'backend' yet"),
            id="host",
        ),
        pytest.param(
            shop("$api.ports.admin"),
            unresolved("$api.ports.admin", "cluster 'backend' has no port 'admin'; its ports: webport"),
            id="port",
        ),
        pytest.param(
            shop("$api.ports.webport", ports={}),
            unresolved("$api.ports.webport", "the gateway port of 'backend.webport' is not assigned yet"),
            id="port not assigned",
        ),
        pytest.param(
            shop("$api.environment_variables.NOPE"),
            unresolved(
                "$api.environment_variables.NOPE",
                "cluster 'backend' has no environment variable 'NOPE'; its variables: DB_USER, DB_URL",
            ),
            id="variable of a cluster",
        ),
        pytest.param(
            shop("${api.constants.NOPE}"),
            unresolved(
                "${api.constants.NOPE}", "cluster 'backend' has no constant 'NOPE'; its constants: SCHEMA"
            ),
            id="constant of a cluster",
        ),
        pytest.param(
            shop("$OTHER", cluster_scope={"frontend.OTHER": "$X"}),
            f"Circular reference in variable 'X' of breed '{FRONTEND}': frontend.X -> frontend.OTHER -> "
            "frontend.X.",
            id="circular",
        ),
        pytest.param(
            shop("price: $"),
            f"Invalid value of variable 'X' for breed '{FRONTEND}': expected a name after '$': write "
            "'$NAME', '$cluster.host' or '$cluster.GROUP.NAME' (GROUP: ports, environment_variables, "
            "constants), or '$$' for '$' at position 9.\nprice: $\n        ^",
            id="malformed",
        ),
    ],
)
def test_what_cannot_resolve_is_named_with_what_could_be_referenced(
    deployment: model.Deployment, message: str
) -> None:
    with pytest.raises(errors.DeploymentError) as caught:
        x_of(deployment)

    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("cluster", "breed", "message"),
    [
        (
            "nowhere",
            FRONTEND,
            "There is no cluster 'nowhere' in deployment 'shop'; its clusters are: frontend, backend.",
        ),
        (
            "frontend",
            "sava:9.9.9",
            f"There is no service 'sava:9.9.9' in cluster 'shop/frontend'; its services are: {FRONTEND}.",
        ),
    ],
)
def test_asking_for_a_service_the_deployment_does_not_have(cluster: str, breed: str, message: str) -> None:
    with pytest.raises(errors.DeploymentError) as caught:
        deployments.service_environment(shop(), cluster, breed)

    assert str(caught.value) == message
