"""The blueprint rules of vamp.md §1.4, one by one, with Vamp's messages; paths relative to the blueprint."""

from __future__ import annotations

import textwrap

import pytest

from tests.core.validation.unchecked import blueprint, problems
from vamp.core import model, validation
from vamp.core.units import Percentage

FRONT = "{name: front:1.0.0, deployable: x, ports: {web: 8080, db: 5432/tcp}, env: {TOKEN: abc}}"


def issues_of(text: str, *, merging: bool = False) -> list[tuple[str, str]]:
    return problems(
        validation.blueprint_issues(blueprint("name: bp\n" + textwrap.dedent(text)), merging=merging)
    )


def test_a_valid_blueprint_breaks_no_rule() -> None:
    text = f"""\
        gateways: {{9050: front/web}}
        environment_variables: {{front.TOKEN: xyz}}
        clusters:
          front:
            services: [{FRONT}]
            gateways: {{web: {{routes: {{front:1.0.0: {{weight: 100%}}}}}}}}
        """
    assert issues_of(text) == []


@pytest.mark.parametrize(
    ("gateways", "expected"),
    [
        ("{9050: front/web}", []),
        ("{9050: ref/anything}", []),
        (
            "{9050: front/admin}",
            [
                (
                    "gateways.9050.routes.front/admin",
                    "Gateway port '9050 -> front/admin' cannot be resolved. Check if referenced cluster "
                    "exists and if "
                    "it has any breed with referenced port name (routes of blueprint gateways are written "
                    "'cluster/port').",
                )
            ],
        ),
        (
            "{9050: back/web}",
            [
                (
                    "gateways.9050.routes.back/web",
                    "Gateway port '9050 -> back/web' cannot be resolved. Check if referenced cluster exists "
                    "and if it "
                    "has any breed with referenced port name (routes of blueprint gateways are written "
                    "'cluster/port').",
                )
            ],
        ),
        (
            "{9050: bp/front/web}",
            [
                (
                    "gateways.9050.routes.bp/front/web",
                    "Gateway port '9050 -> bp/front/web' cannot be resolved. Check if referenced cluster "
                    "exists and "
                    "if it has any breed with referenced port name (routes of blueprint gateways are written "
                    "'cluster/port').",
                )
            ],
        ),
    ],
)
def test_external_gateway_routes_name_a_cluster_and_one_of_its_ports(
    gateways: str, expected: list[tuple[str, str]]
) -> None:
    text = f"gateways: {gateways}\nclusters: {{front: [{FRONT}], ref: [stored:1.0]}}\n"
    assert issues_of(text) == expected


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ("{front.TOKEN: a, ref.ANY: b, front.web: c}", []),
        (
            "{front.MISSING: 1}",
            [
                (
                    "environment_variables['front.MISSING']",
                    "Parameter 'front.MISSING -> 1' cannot be resolved. Check if cluster exists and if it "
                    "has any breed with port, environment variable or constant referable by front.MISSING "
                    "(written 'cluster.NAME').",
                )
            ],
        ),
        (
            "{TOKEN: 1}",
            [
                (
                    "environment_variables.TOKEN",
                    "Parameter 'TOKEN -> 1' cannot be resolved. Check if cluster exists and if it has any "
                    "breed with port, environment variable or constant referable by TOKEN (written "
                    "'cluster.NAME').",
                )
            ],
        ),
        (
            "{nowhere.TOKEN: ~}",
            [
                (
                    "environment_variables['nowhere.TOKEN']",
                    "Parameter 'nowhere.TOKEN -> None' cannot be resolved. Check if cluster exists and if "
                    "it has any breed with port, environment variable or constant referable by "
                    "nowhere.TOKEN (written 'cluster.NAME').",
                )
            ],
        ),
        ("{front.TOKEN: '$front.host:$front.ports.web $ref.ports.x $$5 ${config://a.b}'}", []),
        (
            "{front.TOKEN: '$front.ports.admin'}",
            [
                (
                    "environment_variables['front.TOKEN']",
                    "Parameter 'front.ports.admin -> $front.ports.admin' cannot be resolved. Check if "
                    "cluster exists and if it has any breed with port, environment variable or constant "
                    "referable by front.ports.admin (written 'cluster.NAME').",
                )
            ],
        ),
        (
            "{front.TOKEN: '${back.host}'}",
            [
                (
                    "environment_variables['front.TOKEN']",
                    "Parameter 'back.host -> ${back.host}' cannot be resolved. Check if cluster exists and "
                    "if it has any breed with port, environment variable or constant referable by back.host "
                    "(written 'cluster.NAME').",
                )
            ],
        ),
    ],
)
def test_blueprint_variables_are_cluster_variables_that_exist(
    variables: str, expected: list[tuple[str, str]]
) -> None:
    text = f"environment_variables: {variables}\nclusters: {{front: [{FRONT}], ref: [stored:1.0]}}\n"
    assert issues_of(text) == expected


def test_cluster_names_are_names() -> None:
    found = blueprint("name: bp\nclusters: {front: [stored:1.0]}\n")
    renamed = found.model_copy(update={"clusters": {"fr ont": found.clusters["front"]}})
    assert problems(validation.blueprint_issues(renamed)) == [
        (
            "clusters['fr ont']",
            "Illegal name or reference - white space characters, '/', '[' and ']' are not allowed: 'fr ont'.",
        )
    ]


@pytest.mark.parametrize(
    ("gateways", "expected"),
    [
        ("{web: {routes: {front:1.0.0: {weight: 60%}, front:2.0.0: {weight: 40%}}}}", []),
        ("{web: {routes: {front:1.0.0: {weight: 60%}, front:2.0.0: {}}}}", []),
        (
            "{web: {routes: {front:1.0.0: {weight: 60%}, front:2.0.0: {weight: 50%}}}}",
            [
                (
                    "clusters.front.gateways.web.routes",
                    "Total route weight cannot exceed 100 or be a negative value. Check cluster: 'front'. "
                    "The weights "
                    "total 110%.",
                )
            ],
        ),
        (
            "{web: {routes: {front:3.0.0: {}}}}",
            [
                (
                    "clusters.front.gateways.web.routes['front:3.0.0']",
                    "Unresolved service route for 'front' and 'front:3.0.0'; the services are: "
                    "'front:1.0.0', "
                    "'front:2.0.0'.",
                )
            ],
        ),
        (
            "{admin: {routes: {front:1.0.0: {}}}}",
            [
                (
                    "clusters.front.gateways.admin",
                    "Gateway port 'admin' cannot be resolved: no breed of cluster 'front' has a port named "
                    "'admin' "
                    "(ports: 'db', 'web').",
                )
            ],
        ),
        (
            "{db: {sticky: route, routes: {front:1.0.0: {condition: has cookie beta}}}}",
            [
                ("clusters.front.gateways.db.sticky", "Sticky sessions are not allowed for TCP port: 'db'."),
                (
                    "clusters.front.gateways.db.routes['front:1.0.0'].condition",
                    "HTTP conditions are not allowed for TCP port: 'db' and condition 'has cookie beta'.",
                ),
            ],
        ),
    ],
)
def test_cluster_gateways_route_to_services_on_ports_the_breeds_have(
    gateways: str, expected: list[tuple[str, str]]
) -> None:
    second = FRONT.replace("front:1.0.0", "front:2.0.0")
    text = f"clusters:\n  front:\n    services: [{FRONT}, {second}]\n    gateways: {gateways}\n"
    assert issues_of(text) == expected


def test_cluster_gateways_of_breeds_given_by_reference_are_not_judged_by_port() -> None:
    text = "clusters:\n  front:\n    services: [stored:1.0]\n    gateways: {any: {sticky: route}}\n"
    assert issues_of(text) == []


@pytest.mark.parametrize(
    ("gateway", "expected"),
    [
        ("{routes: {front/web: {weight: 100%}}}", []),
        ("{routes: {front/web: {weight: 0%}, ref/web: {weight: 0%}}}", []),
        ("{routes: {front/web: {}, ref/web: {}}}", []),
        ("{routes: {front/web: {weight: 30%}, ref/web: {}}}", []),
        ("{routes: {front/web: {weight: 30%}, ref/web: stored-route}}", []),
        (
            "{routes: {front/web: {weight: 30%}, ref/web: {weight: 30%}}}",
            [
                (
                    "gateways.9050.routes",
                    "Total route weight must be either 0% or 100%: 9050. The weights total 60% (routes "
                    "without a "
                    "weight share what the others leave).",
                )
            ],
        ),
        (
            "{routes: {front/web: {weight: 80%}, ref/web: {weight: 30%}, ref/db: {}}}",
            [
                (
                    "gateways.9050.routes",
                    "Total route weight must be either 0% or 100%: 9050. The weights total 110% (routes "
                    "without a "
                    "weight share what the others leave).",
                )
            ],
        ),
        (
            "{port: 9050/tcp, sticky: instance, routes: {front/web: {condition: {reference: firefox}}}}",
            [
                ("gateways.9050.sticky", "Sticky sessions are not allowed for TCP port: '9050/tcp'."),
                (
                    "gateways.9050.routes.front/web.condition",
                    "HTTP conditions are not allowed for TCP port: '9050/tcp' and condition 'firefox'.",
                ),
            ],
        ),
    ],
)
def test_external_gateways_split_all_traffic_and_respect_tcp(
    gateway: str, expected: list[tuple[str, str]]
) -> None:
    text = f"gateways: {{9050: {gateway}}}\nclusters: {{front: [{FRONT}], ref: [stored:1.0]}}\n"
    assert issues_of(text) == expected


def test_each_external_port_is_used_once() -> None:
    found = blueprint(f"name: bp\ngateways: {{9050: front/web}}\nclusters: {{front: [{FRONT}]}}\n")
    twice = found.model_copy(update={"gateways": {**found.gateways, "other": found.gateways["9050"]}})
    assert problems(validation.blueprint_issues(twice)) == [
        ("gateways.other.port", "Duplicate gateway port: '9050'.")
    ]


def test_a_blueprint_has_at_least_one_service() -> None:
    assert issues_of("clusters: {front: {services: []}}\n") == [
        ("clusters", "Expected at least one service.")
    ]
    assert issues_of("clusters: {}\n") == [("clusters", "Expected at least one service.")]


@pytest.mark.parametrize(
    ("services", "expected"),
    [
        (
            f"[{FRONT}, front:1.0.0]",
            [("clusters.front.services[1].breed", "Multiple references for breed: 'front:1.0.0'.")],
        ),
        (
            f"[{{breed: {FRONT}, env: {{TOKEN: ~, DEBUG: 1}}}}]",
            [
                (
                    "clusters.front.services[0].environment_variables.TOKEN",
                    "Missing environment variable value for 'TOKEN' in service 'front:1.0.0'.",
                ),
                (
                    "clusters.front.services[0].environment_variables.DEBUG",
                    "Unresolved reference 'DEBUG' in breed 'front:1.0.0 -> x': the breed has no environment "
                    "variable "
                    "'DEBUG' (it has: 'TOKEN').",
                ),
            ],
        ),
        ("[{breed: stored:1.0, env: {ANY: 1}}]", []),
    ],
)
def test_services_use_each_breed_once_and_only_variables_it_declares(
    services: str, expected: list[tuple[str, str]]
) -> None:
    assert issues_of(f"clusters: {{front: {services}}}\n") == expected


APP = "{name: app:1.0, deployable: x, dependencies: {db: mysql:1.*, cache: redis:2.0}}"


@pytest.mark.parametrize(
    ("others", "expected"),
    [
        ("[mysql:1.4, redis:2.0]", []),
        (
            "[mysql:2.0]",
            [
                (
                    "clusters.app.services[0].breed.dependencies.db",
                    "Unresolved breed dependency for breed 'app:1.0' and dependency 'db -> mysql:1.*'. Add "
                    "a service "
                    "with that breed to the blueprint.",
                ),
                (
                    "clusters.app.services[0].breed.dependencies.cache",
                    "Unresolved breed dependency for breed 'app:1.0' and dependency 'cache -> redis:2.0'. "
                    "Add a "
                    "service with that breed to the blueprint.",
                ),
            ],
        ),
        (
            "[{name: mysql:1.0, deployable: x, dependencies: {app: app:1.0}}, redis:2.0]",
            [
                (
                    "clusters.app.services[0].breed.dependencies",
                    "Recursive (cyclic) dependency detected for breed 'app:1.0': app:1.0 -> mysql:1.0 -> "
                    "app:1.0.",
                )
            ],
        ),
    ],
)
def test_dependencies_are_met_by_other_breeds_without_cycles(
    others: str, expected: list[tuple[str, str]]
) -> None:
    assert issues_of(f"clusters: {{app: [{APP}], others: {others}}}\n") == expected


def test_merging_leaves_dependencies_and_placeholders_to_the_deployment() -> None:
    text = f"clusters: {{app: [{APP.replace('x, dep', 'x, env: {SECRET: ~}, dep')}]}}\n"
    assert len(issues_of(text)) == 3
    assert issues_of(text, merging=True) == []


@pytest.mark.parametrize(
    ("service", "environment", "expected"),
    [
        ("{breed: %s, env: {SECRET: s}}", "{}", []),
        ("{breed: %s}", "{app.SECRET: s}", []),
        (
            "{breed: %s}",
            "{app.SECRET: ~}",
            [
                (
                    "clusters.app.services[0].breed.environment_variables['SECRET[APP_SECRET]']",
                    "Unresolved value of variable 'SECRET' for breed 'app:1.0'. Give it a value in the "
                    "service's "
                    "environment_variables or as 'app.SECRET' in the blueprint's.",
                )
            ],
        ),
    ],
)
def test_placeholders_get_a_value_from_the_service_or_the_blueprint(
    service: str, environment: str, expected: list[tuple[str, str]]
) -> None:
    breed = "{name: app:1.0, deployable: x, env: {'SECRET[APP_SECRET]': ~}}"
    text = f"environment_variables: {environment}\nclusters: {{app: [{service % breed}]}}\n"
    assert issues_of(text) == expected


def test_health_checks_of_clusters_and_services_name_existing_ports() -> None:
    check = "{port: %s, initial_delay: 1, timeout: 1, interval: 1, failures: %s}"
    text = f"""\
        clusters:
          front:
            services: [{{breed: {FRONT}, health_checks: [{check % ("web", 0)}, {check % ("metrics", -1)}]}}]
            health_checks: {check % ("admin", 1)}
          ref:
            services: [stored:1.0]
            health_checks: {check % ("anything", 1)}
        """
    assert issues_of(text) == [
        (
            "clusters.front.services[0].health_checks[1].port",
            "Unresolved port reference: metrics. The ports are: 'db', 'web'.",
        ),
        ("clusters.front.services[0].health_checks[1].failures", "Failures can not be negative: -1."),
        (
            "clusters.front.health_checks[0].port",
            "Unresolved port reference: admin. The ports are: 'db', 'web'.",
        ),
    ]


def test_scale_escalations_aim_at_clusters_of_the_blueprint() -> None:
    scale = "{type: scale_instances, target: %s, minimum: 1, maximum: 2, scale_by: 1}"
    text = f"""\
        clusters:
          front:
            services: [stored:1.0]
            sla:
              type: escalation_only
              escalations: [{scale % "front"}, {{to_all: [{scale % "backend"}, stored]}}]
          other:
            services: [other:1.0]
            sla: {{reference: shared, escalations: [{scale % "nowhere"}]}}
        """
    assert issues_of(text) == [
        (
            "clusters.front.sla.escalations[1].escalations[0].target",
            "Unresolved scale escalation target cluster 'backend' for cluster 'front'; the clusters are: "
            "'front', "
            "'other'.",
        ),
        (
            "clusters.other.sla.escalations[0].target",
            "Unresolved scale escalation target cluster 'nowhere' for cluster 'other'; the clusters are: "
            "'front', "
            "'other'.",
        ),
    ]


def test_inline_breeds_are_held_to_the_breed_rules() -> None:
    breed = "{name: a:1, deployable: x, env: {URL: $db.host}}"
    assert issues_of(f"clusters: {{a: [{breed}]}}\n") == [
        (
            "clusters.a.services[0].breed.environment_variables.URL",
            "Unresolved reference 'db.host' in breed 'a:1 -> x'. Check if breed dependency is declared.",
        )
    ]


def test_weights_given_as_models_are_judged_the_same() -> None:
    route = model.Route(weight=Percentage.of(70))
    gateway = model.Gateway(routes={"a:1": route, "b:1": route})
    cluster = model.Cluster(
        services=(model.Service(breed=model.Ref(name="a:1")), model.Service(breed=model.Ref(name="b:1"))),
        gateways={"web": gateway},
    )
    found = validation.blueprint_issues(model.Blueprint(name="bp", clusters={"c": cluster}))
    assert [issue.path for issue in found] == ["clusters.c.gateways.web.routes"]
