"""Blueprints (vamp.md §1.4): every shorthand Vamp's reader accepts, cluster and external gateways."""

from __future__ import annotations

import pytest

from tests.core.dsl.outcomes import located, messages, one
from vamp.core import dsl, model
from vamp.core.units import Cpu, Memory, Percentage

SAVA = model.Ref(name="sava:1.0.0")
SMALL = model.Ref(name="small")
INLINE = model.Breed(
    name="sava:1.0.0",
    deployable=model.Deployable(definition="magneticio/sava:1.0.0"),
    ports=(model.Port(name="webport", number=8080),),
)
INLINE_TEXT = "{name: sava:1.0.0, deployable: magneticio/sava:1.0.0, ports: {webport: 8080/http}}"


def blueprint(clusters: str, extra: str = "") -> model.Blueprint:
    found = one(f"name: sava:1.0\n{extra}clusters:\n  sava: {clusters}\n", "blueprints")
    assert isinstance(found, model.Blueprint)
    return found


def services(clusters: str) -> tuple[model.Service, ...]:
    return blueprint(clusters).clusters["sava"].services


@pytest.mark.parametrize(
    "cluster",
    [
        "sava:1.0.0",
        "[sava:1.0.0]",
        "{breed: sava:1.0.0}",
        "{services: sava:1.0.0}",
        "{services: {breed: sava:1.0.0}}",
        "{services: [sava:1.0.0]}",
        "{services: [{breed: sava:1.0.0}]}",
        "{services: [{reference: sava:1.0.0}]}",
        "{services: [{ref: sava:1.0.0}]}",
        "{services: [{breed: {reference: sava:1.0.0}}]}",
        "{services: [{breed: {ref: sava:1.0.0}}]}",
    ],
)
def test_a_service_by_breed_name_has_many_spellings(cluster: str) -> None:
    assert services(cluster) == (model.Service(breed=SAVA),)


@pytest.mark.parametrize(
    "cluster",
    [
        "{breed: sava:1.0.0, scale: small}",
        "{services: {breed: sava:1.0.0, scale: small}}",
        "{services: [{breed: sava:1.0.0, scale: {reference: small}}]}",
        "{services: [{ref: sava:1.0.0, scale: {ref: small}}]}",
    ],
)
def test_a_service_with_a_scale_has_many_spellings(cluster: str) -> None:
    assert services(cluster) == (model.Service(breed=SAVA, scale=SMALL),)


@pytest.mark.parametrize(
    "cluster",
    [
        INLINE_TEXT,
        f"{{services: {INLINE_TEXT}}}",
        f"{{services: [{INLINE_TEXT}]}}",
        f"{{services: [{{breed: {INLINE_TEXT}}}]}}",
        f"{{breed: {INLINE_TEXT}}}",
    ],
)
def test_an_inline_breed_can_stand_for_its_service(cluster: str) -> None:
    assert services(cluster) == (model.Service(breed=INLINE),)


def test_a_service_takes_its_settings() -> None:
    (service,) = services(
        """
    services:
      - breed: sava:1.0.0
        scale: {cpu: 0.2, memory: 64MB, instances: 2}
        env: {DEBUG: true}
        arguments: [{privileged: true}]
        health_checks: []
        network: BRIDGE
        dialect: {kubernetes: {nodeSelector: {disk: ssd}}}
"""
    )
    assert service == model.Service(
        breed=SAVA,
        scale=model.Scale(cpu=Cpu(20), memory=Memory(6400), instances=2),
        environment_variables={"DEBUG": "true"},
        arguments=(model.Argument(key="privileged", value="true"),),
        health_checks=(),
        network="BRIDGE",
        dialects={"kubernetes": {"nodeSelector": {"disk": "ssd"}}},
    )


def test_a_cluster_takes_its_settings() -> None:
    cluster = blueprint(
        """
    services: [sava:1.0.0]
    sla: response-times
    health_checks: []
    network: HOST
    dialects: {kubernetes: {}}
    metadata: {owner: shop}
"""
    ).clusters["sava"]
    assert cluster == model.Cluster(
        services=(model.Service(breed=SAVA),),
        sla=model.Ref(name="response-times"),
        health_checks=(),
        network="HOST",
        dialects={"kubernetes": {}},
        metadata={"owner": "shop"},
    )


def test_without_a_services_key_everything_but_sla_and_gateways_is_the_service_s() -> None:
    cluster = blueprint("{breed: sava:1.0.0, network: HOST, sla: response-times}").clusters["sava"]
    assert cluster == model.Cluster(
        services=(model.Service(breed=SAVA, network="HOST"),), sla=model.Ref(name="response-times")
    )


ROUTES = {"sava:1.0.0": model.Route(weight=Percentage.of(100))}


@pytest.mark.parametrize(
    "gateways",
    [
        "{routes: {sava:1.0.0: {weight: 100%}}}",
        "{webport: {routes: {sava:1.0.0: {weight: 100%}}}}",
        "{webport: {routes: [{sava:1.0.0: {weight: 100%}}]}}",
    ],
)
def test_cluster_gateways_are_keyed_by_port_or_anonymous_for_the_one_port(gateways: str) -> None:
    cluster = blueprint(f"{{services: [{INLINE_TEXT}], gateways: {gateways}}}").clusters["sava"]
    assert cluster.gateways == {"webport": model.Gateway(routes=ROUTES)}


def test_an_anonymous_cluster_gateway_may_be_only_sticky() -> None:
    cluster = blueprint(f"{{services: [{INLINE_TEXT}], gateways: {{sticky: instance}}}}").clusters["sava"]
    assert cluster.gateways == {"webport": model.Gateway(sticky=model.Sticky.INSTANCE)}


@pytest.mark.parametrize(
    ("services_text", "message"),
    [
        (
            "[{name: sava:1.0.0, deployable: x, ports: {webport: 8080, admin: 9000}}]",
            "Illegal anonymous routing port mapping - more than 1 port defined for 'sava:1.0.0'. "
            "Key the gateway by port name.",
        ),
        (
            "[{name: a, deployable: x, ports: {webport: 8080}}, {name: b, deployable: x, ports: {web: "
            "8080}}]",
            "Illegal anonymous routing port mapping - the port of this gateway cannot be told from the "
            "breeds of "
            "the cluster (their ports: 'web', 'webport'); key the gateway by port name, e.g. gateways: "
            "{webport: {routes: ...}}.",
        ),
    ],
)
def test_an_anonymous_cluster_gateway_needs_exactly_one_port(services_text: str, message: str) -> None:
    text = (
        f"name: sava:1.0\nclusters:\n  sava:\n    services: {services_text}\n"
        "    gateways: {sticky: route}\n"
    )
    assert messages(text, "blueprints") == [("clusters.sava.gateways", message)]


@pytest.mark.parametrize("kind", ["blueprints", "deployments"])
def test_a_short_form_gateway_over_referenced_breeds_waits_for_their_port_and_writes_back_short(
    kind: str,
) -> None:
    text = (
        f"kind: {kind}\nname: sava\nclusters:\n  sava:\n    services: [sava:1.0.0]\n"
        "    gateways:\n      sticky: route\n      routes: {sava:1.0.0: {weight: 100%}}\n"
    )

    (read,) = dsl.read(text, kind="blueprints", merging=True)

    assert isinstance(read, model.Blueprint)
    gateway = read.clusters["sava"].gateways[model.ONLY_PORT]
    assert (gateway.sticky, list(gateway.routes)) == (model.Sticky.ROUTE, ["sava:1.0.0"])
    written = dsl.to_data(read)["clusters"]["sava"]["gateways"]
    assert written == {"sticky": "route", "routes": {"sava:1.0.0": {"weight": "100%"}}}


WEB = model.Gateway(port=model.GatewayPort(number=9050), routes={"sava/webport": model.Route()})


@pytest.mark.parametrize(
    ("gateways", "expected"),
    [
        ("{9050/http: sava/webport}", {"9050": WEB}),
        ("{9050: sava/webport}", {"9050": WEB}),
        ("{'9050': {routes: sava/webport}}", {"9050": WEB}),
        ("{9050: {port: 9050/http, routes: [sava/webport]}}", {"9050": WEB}),
        (
            "{9050/tcp: sava/webport}",
            {
                "9050": WEB.model_copy(
                    update={"port": model.GatewayPort(number=9050, protocol=model.Protocol.TCP)}
                )
            },
        ),
        (
            "{9050: {port: /tcp, routes: {sava/webport: {weight: 100%}}, virtual_hosts: a.example}}",
            {
                "9050": model.Gateway(
                    port=model.GatewayPort(number=9050, protocol=model.Protocol.TCP),
                    virtual_hosts=("a.example",),
                    routes={"sava/webport": model.Route(weight=Percentage.of(100))},
                )
            },
        ),
    ],
)
def test_external_gateways_are_keyed_by_port_given_as_a_route_or_in_full(
    gateways: str, expected: dict[str, model.Gateway]
) -> None:
    assert blueprint(INLINE_TEXT, f"gateways: {gateways}\n").gateways == expected


@pytest.mark.parametrize(
    ("gateways", "expected"),
    [
        (
            "{web: sava/webport}",
            [
                (
                    "gateways.web",
                    "Unsupported gateway port 'web'; write a port number with an optional type: 9050, "
                    "'9050/http' "
                    "or '9050/tcp' (1-65535).",
                )
            ],
        ),
        (
            "{0: sava/webport}",
            [
                (
                    "gateways.0",
                    "Unsupported gateway port '0'; write a port number with an optional type: 9050, "
                    "'9050/http' "
                    "or '9050/tcp' (1-65535).",
                )
            ],
        ),
        (
            "{9050: sava/webport, 9050/tcp: sava/webport}",
            [("gateways.9050/tcp", "Duplicate gateway port: '9050'.")],
        ),
        (
            "{9050: {port: 9051, routes: sava/webport}}",
            [("gateways.9050.port", "Gateway port 9051 does not match its key '9050'.")],
        ),
        (
            "{9050/http: {port: 9050/tcp, routes: sava/webport}}",
            [("gateways.9050.port", "Gateway port '9050/tcp' does not match its key '9050/http'.")],
        ),
        (
            "{9050: {name: sava/9050, routes: sava/webport}}",
            [("gateways.9050.name", "Expected an anonymous gateway, not one with the name: 'sava/9050'.")],
        ),
        (
            "{9050: {routes: {a/b/c/d/e: {}}}}",
            [
                (
                    "gateways.9050.routes.a/b/c/d/e",
                    "Unsupported route path: 'a/b/c/d/e'. Must be one of: '$gateway', '$deployment/$port', "
                    "'$deployment/$cluster/$port', '$deployment/$cluster/$service/$port' or an external "
                    "target "
                    "'[host:port]'.",
                )
            ],
        ),
    ],
)
def test_what_is_not_an_external_gateway_is_an_issue(gateways: str, expected: list[tuple[str, str]]) -> None:
    text = f"name: sava:1.0\ngateways: {gateways}\nclusters: {{sava: {INLINE_TEXT}}}\n"
    assert messages(text, "blueprints") == expected


@pytest.mark.parametrize("key", ["environment_variables", "env"])
def test_blueprint_variables_set_a_cluster_s_variables(key: str) -> None:
    breed = "{name: sava:1.0.0, deployable: x, env: {JVM_HEAP: ~}}"
    found = blueprint(breed, f"{key}:\n  sava.JVM_HEAP: 1200\ndialect: {{kubernetes: {{a: 1}}}}\n")
    assert found.environment_variables == {"sava.JVM_HEAP": "1200"}
    assert found.dialects == {"kubernetes": {"a": 1}}


@pytest.mark.parametrize(
    ("clusters", "expected"),
    [
        (
            "{sava: {services: [{scale: small}]}}",
            [
                (
                    "clusters.sava.services[0].breed",
                    "Missing required key 'breed' in service; give a breed name, {reference: name} or an "
                    "inline breed.",
                )
            ],
        ),
        (
            "{sava: {services: 5}}",
            [
                (
                    "clusters.sava.services",
                    "Expected services: a list of services, one service, or a breed name, not the number 5.",
                )
            ],
        ),
        (
            "{sava: [5]}",
            [
                (
                    "clusters.sava.services[0]",
                    "Expected a service: a breed name or a map of service fields, not the number 5.",
                )
            ],
        ),
        ("[sava]", [("clusters", "Expected a map of cluster names to clusters, not a list.")]),
        (
            "{sava: {breed: sava:1.0.0, scale: {name: small, cpu: 1, memory: 1GB}}}",
            [
                (
                    "clusters.sava.services[0].scale",
                    "Either it should be a reference 'scale -> small' or an anonymous inline definition, "
                    "but not both; "
                    "write {reference: small} or drop the name.",
                )
            ],
        ),
        (
            "{sava: {services: [sava:1.0.0], bogus: 1}}",
            [
                (
                    "clusters.sava.bogus",
                    "Unexpected key 'bogus' in cluster; valid keys are: dialect, dialects, gateways, "
                    "health_checks, "
                    "metadata, network, services, sla.",
                )
            ],
        ),
        (
            "{sava: {breed: sava:1.0.0, scael: small}}",
            [
                (
                    "clusters.sava.services[0].scael",
                    "Unexpected key 'scael' in service; valid keys are: arguments, breed, dialect, "
                    "dialects, env, "
                    "environment_variables, health_checks, network, scale. Did you mean 'scale'?",
                )
            ],
        ),
        (
            "{sava: sava 1.0}",
            [
                (
                    "clusters.sava.services[0].breed",
                    "Illegal name or reference - white space characters, '/', '[' and ']' are not allowed: "
                    "'sava 1.0'.",
                )
            ],
        ),
    ],
)
def test_what_is_not_a_cluster_or_service_is_an_issue(clusters: str, expected: list[tuple[str, str]]) -> None:
    assert messages(f"name: sava:1.0\nclusters: {clusters}\n", "blueprints") == expected


def test_shorthand_issues_point_at_where_the_shorthand_is_written() -> None:
    text = """\
        name: sava:1.0
        clusters:
          sava:
            breed: sava:1.0.0
            scael: small
          other: other 1.0
        """
    assert located(text, "blueprints") == [
        "5:5 clusters.sava.services[0].scael: Unexpected key 'scael' in service; valid keys are: arguments, "
        "breed, "
        "dialect, dialects, env, environment_variables, health_checks, network, scale. Did you mean 'scale'?",
        "6:10 clusters.other.services[0].breed: Illegal name or reference - white space characters, '/', "
        "'[' and "
        "']' are not allowed: 'other 1.0'.",
    ]
